package stix

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEditRefs(t *testing.T) {
	raw := `{"type":"report","id":"report--1","created_by_ref":"identity--p","object_refs":["indicator--a", "identity--p","indicator--b"],` +
		`"x_nested":{"source_ref":"identity--p","note":"identity--p"},"sighting_of_ref":"indicator--b","where_sighted_refs":["identity--p"],"name":"r"}`
	got := EditRefs([]byte(raw), func(key, id string) RefEdit {
		switch id {
		case "identity--p":
			return RefEdit{With: []byte(`"identity--x"`)}
		case "indicator--b":
			return RefEdit{Drop: true}
		}
		return RefEdit{}
	})
	want := `{"type":"report","id":"report--1","created_by_ref":"identity--x","object_refs":["indicator--a","identity--x"],` +
		`"x_nested":{"source_ref":"identity--x","note":"identity--p"},"where_sighted_refs":["identity--x"],"name":"r"}`
	if string(got) != want {
		t.Errorf("EditRefs =\n%s\nwant\n%s", got, want)
	}
	if !json.Valid(got) {
		t.Errorf("invalid JSON")
	}
	// Nothing to edit: the same bytes.
	same := EditRefs([]byte(raw), func(string, string) RefEdit { return RefEdit{} })
	if string(same) != raw {
		t.Errorf("unchanged object changed: %s", same)
	}
	// A list whose every element goes takes its member with it.
	empty := EditRefs([]byte(`{"a":1,"object_refs":["x--1","x--2"],"b":2}`), func(string, string) RefEdit { return RefEdit{Drop: true} })
	if string(empty) != `{"a":1,"b":2}` {
		t.Errorf("emptied list = %s", empty)
	}
	var keys []string
	Refs([]byte(raw), func(key, id string) { keys = append(keys, key+"="+id) })
	if strings.Join(keys, " ") != "created_by_ref=identity--p object_refs=indicator--a object_refs=identity--p object_refs=indicator--b source_ref=identity--p sighting_of_ref=indicator--b where_sighted_refs=identity--p" {
		t.Errorf("Refs = %v", keys)
	}
}

func TestMayHaveRefs(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"created_by_ref":"identity--a","object_marking_refs":["m"],"granular_markings":[{"marking_ref":"m"}]}`: false,
		`{"name":"x"}`:                     false,
		`{"source_ref":"a"}`:               true,
		`{"object_refs":["a"]}`:            true,
		`{"created_by_ref":"a","x_ref":1}`: true,
	} {
		if got := MayHaveRefs([]byte(raw)); got != want {
			t.Errorf("MayHaveRefs(%s) = %v, want %v", raw, got, want)
		}
	}
}

func FuzzEditRefs(f *testing.F) {
	f.Add([]byte(`{"object_refs":["a--1","b--2"],"x":{"y_ref":"a--1"},"z":[{"w_refs":["b--2"]}]}`), "a--1")
	f.Add([]byte(`{"source_ref":"a--1"}`), "a--1")
	f.Fuzz(func(t *testing.T, raw []byte, drop string) {
		if !json.Valid(raw) {
			return
		}
		out := EditRefs(raw, func(key, id string) RefEdit {
			if id == drop {
				return RefEdit{Drop: true}
			}
			if len(id)%2 == 0 {
				return RefEdit{With: []byte(`"pseudo--1"`)}
			}
			return RefEdit{}
		})
		if !json.Valid(out) {
			t.Fatalf("EditRefs(%s) = %s, not JSON", raw, out)
		}
		Refs(out, func(key, id string) {
			if id == drop && drop != "pseudo--1" {
				t.Fatalf("a dropped reference %q is still in %s", id, out)
			}
		})
	})
}

func TestSetExtension(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1}`, `{"a":1,"extensions":{"x":{"k":2}}}`},
		{`{"a":1,"extensions":{"y":{}}}`, `{"a":1,"extensions":{"y":{},"x":{"k":2}}}`},
		{`{"a":1,"extensions":{"x":{"old":1}},"b":2}`, `{"a":1,"extensions":{"x":{"k":2}},"b":2}`},
		{`{}`, `{"extensions":{"x":{"k":2}}}`},
		{`{"a":1,"extensions":{}}`, `{"a":1,"extensions":{"x":{"k":2}}}`},
	} {
		got := SetExtension([]byte(tc.in), "x", []byte(`{"k":2}`))
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("SetExtension(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRefKeys(t *testing.T) {
	var keys []string
	RefKeys([]byte(`{"created_by_ref":"a","external_references":[],"where_sighted_refs":["b"],"x":{"source_ref":"c"},"object_marking_refs":[]}`), func(k []byte) bool {
		keys = append(keys, string(k))
		return true
	})
	if got := strings.Join(keys, " "); got != "created_by_ref where_sighted_refs source_ref object_marking_refs" {
		t.Errorf("RefKeys = %s", got)
	}
}
