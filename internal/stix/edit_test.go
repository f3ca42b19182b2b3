package stix

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRemoveSelected(t *testing.T) {
	const obj = `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":["a", "b", "c"],
  "external_references":[{"source_name":"s","description":"d","url":"u"},{"source_name":"t"}]}`
	tests := []struct {
		name      string
		selectors []string
		want      string
	}{
		{"nothing", nil, obj},
		{"missing selector", []string{"nope", "labels.[3]", "indicator_types.[9]"}, obj},
		{"top-level member", []string{"description"}, `{"type":"indicator", "name":"x", "indicator_types":["a", "b", "c"],
  "external_references":[{"source_name":"s","description":"d","url":"u"},{"source_name":"t"}]}`},
		{"last member", []string{"external_references"}, `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":["a", "b", "c"]}`},
		{"middle list element", []string{"indicator_types.[1]"}, `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":["a", "c"],
  "external_references":[{"source_name":"s","description":"d","url":"u"},{"source_name":"t"}]}`},
		{"every list element", []string{"indicator_types.[0]", "indicator_types.[1]", "indicator_types.[2]"}, `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":[],
  "external_references":[{"source_name":"s","description":"d","url":"u"},{"source_name":"t"}]}`},
		{"nested member", []string{"external_references.[0].description"}, `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":["a", "b", "c"],
  "external_references":[{"source_name":"s","url":"u"},{"source_name":"t"}]}`},
		{"member and something inside it", []string{"external_references.[0].url", "external_references"}, `{"type":"indicator", "name":"x", "description":"secret",
  "indicator_types":["a", "b", "c"]}`},
		{"neighbours", []string{"name", "description"}, `{"type":"indicator", "indicator_types":["a", "b", "c"],
  "external_references":[{"source_name":"s","description":"d","url":"u"},{"source_name":"t"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(RemoveSelected([]byte(obj), tt.selectors))
			if got != tt.want {
				t.Errorf("RemoveSelected(%v) =\n%s\nwant\n%s", tt.selectors, got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("result is not valid JSON")
			}
		})
	}
}

func TestReplaceMember(t *testing.T) {
	raw := []byte(`{"type":"indicator",  "created_by_ref" : "identity--a", "x":1}`)
	got, ok := ReplaceMember(raw, "created_by_ref", []byte(`"identity--b"`))
	if !ok || string(got) != `{"type":"indicator",  "created_by_ref" : "identity--b", "x":1}` {
		t.Errorf("ReplaceMember = %s, %v", got, ok)
	}
	if _, ok := ReplaceMember(raw, "nope", []byte(`1`)); ok {
		t.Errorf("ReplaceMember found a member that is not there")
	}
}

// TestReplaceMemberAllocatesOnlyItsResult: ReplaceMember runs on every object sent to a
// reader whose identity is hidden, so walking the keys must not copy them.
func TestReplaceMemberAllocatesOnlyItsResult(t *testing.T) {
	raw := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",` +
		`"created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"n","description":"d",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z",` +
		`"created_by_ref":"identity--a","x_\u0065scaped":1}`)
	value := []byte(`"identity--b"`)
	for _, key := range []string{"created_by_ref", "x_escaped"} {
		got := testing.AllocsPerRun(100, func() { ReplaceMember(raw, key, value) })
		// The result, and for the one escaped key its decoded copy.
		if want := 2.0; got > want {
			t.Errorf("ReplaceMember(%q) allocates %v times, want at most %v", key, got, want)
		}
	}
}

func FuzzRemoveSelected(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[1,2,{"c":"x,]"}],"d":{"e":null}}`), "b.[2].c", "a")
	f.Add([]byte(`{"a":[1,2,3]}`), "a.[0]", "a.[2]")
	f.Fuzz(func(t *testing.T, raw []byte, s1, s2 string) {
		if _, err := Parse(raw); err != nil && !json.Valid(raw) {
			return
		}
		var v map[string]any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		out := RemoveSelected(raw, []string{s1, s2})
		if !json.Valid(out) {
			t.Fatalf("RemoveSelected(%s, %q, %q) = %s: not valid JSON", raw, s1, s2, out)
		}
	})
}

func TestRedactKeepsObjectsValid(t *testing.T) {
	const obj = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"n","description":"secret","indicator_types":["a","b"],"pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z",
"granular_markings":[{"marking_ref":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","selectors":["description","indicator_types.[1]"]},{"marking_ref":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","selectors":["name"]}]}`
	if _, err := Parse([]byte(obj)); err != nil {
		t.Fatal(err)
	}
	if out := string(Redact([]byte(obj), []string{"indicator_types.[1]"})); strings.Contains(out, `"indicator_types"`) {
		t.Errorf("removing one element of a list keeps the list, whose indexes other markings use: %s", out)
	}
	for _, sel := range [][]string{{"description"}, {"description", "indicator_types"}, {"name"}, {"description", "indicator_types.[1]", "name"}} {
		out := Redact([]byte(obj), sel)
		if _, err := Parse(out); err != nil {
			t.Errorf("Redact(%v) = %s: %v", sel, out, err)
		}
		for _, s := range sel {
			if s = strings.SplitN(s, ".", 2)[0]; strings.Contains(string(out), `"`+s+`":`) {
				t.Errorf("Redact(%v) kept %s", sel, s)
			}
		}
	}
}
