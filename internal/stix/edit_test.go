package stix

import (
	"encoding/json"
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
