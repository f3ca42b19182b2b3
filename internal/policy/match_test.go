package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/firebreak/firebreak/internal/match"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

// indicatorVersion is version `modified` of indicator--...0042, with its own name,
// pattern and markings.
func indicatorVersion(modified, name, value string, marks ...string) json.RawMessage {
	refs, _ := json.Marshal(marks)
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000042","created":"2026-01-01T00:00:00.000Z","modified":%q,"name":%q,"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":%s}`,
		modified, name, value, refs))
}

// TestMatchFollowsTheVersionTheReaderMaySee: a provider shares v1 of an indicator with
// everyone and v2, with another pattern and name, with nobody but the operators. A reader
// who may see v1 only must not match v2's pattern, nor find it in its hashed set.
func TestMatchFollowsTheVersionTheReaderMaySee(t *testing.T) {
	h := newHub(t)
	co, dept := h.as("co-token-0123456789"), h.as("dept-token-0123456789")
	const wide, narrow = "192.0.2.1", "198.51.100.7"
	h.submit(co, indicatorVersion("2026-01-01T00:00:00.000Z", "v1 wide", wide, stix.TLPClearID))
	h.submit(co, json.RawMessage(restrictiveMark),
		indicatorVersion("2026-02-01T00:00:00.000Z", "v2 narrow", narrow, stix.TLPAmberID, "marking-definition--00000000-0000-4000-8000-0000000000c1"))
	obs := func(v string) []match.Observable {
		return []match.Observable{{Type: "ipv4-addr", Path: "value", Value: v}}
	}
	tests := []struct {
		name   string
		reader context.Context
		value  string
		want   []string // names of the indicators hit
	}{
		{"reader of v1 only, v2's value", dept, narrow, nil},
		{"provider, v2's value", co, narrow, []string{"v2 narrow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := h.guard.Match(tt.reader, obs(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, hit := range hits {
				got = append(got, hit.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
		})
	}
	set, err := h.guard.MatchSet(dept)
	if err != nil {
		t.Fatal(err)
	}
	hashOf := func(v string) string {
		vals, ok := match.ExactValues("[ipv4-addr:value = '" + v + "']")
		if !ok || len(vals) != 1 {
			t.Fatalf("ExactValues(%s) = %v, %v", v, vals, ok)
		}
		return policy.SetHash(set.Key, vals[0])
	}
	var got []string
	for _, e := range set.Entries {
		got = append(got, e.Hash+" "+e.Name)
	}
	if want := []string{hashOf(wide) + " v1 wide"}; !slices.Equal(got, want) {
		t.Errorf("the reader of v1 gets the set %v, want %v", got, want)
	}
}
