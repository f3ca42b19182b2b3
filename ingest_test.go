package firebreak

import (
	"testing"
	"time"
)

func TestPlanIngest(t *testing.T) {
	item := func(id, vkey string) IngestItem {
		return IngestItem{ID: id, Type: "indicator", SpecVersion: "2.1", Version: vkey, VersionKey: vkey, PolicyDoc: []byte("doc-" + id)}
	}
	held := map[string]map[string]Object{
		"x": {"v1": {ID: "x", Seq: 3, Version: "v1", Provider: 1}},
		"y": {"v1": {ID: "y", Seq: 4, Version: "v1", Provider: 2}},
	}
	items := []IngestItem{
		item("x", "v1"), // held: duplicate
		item("x", "v2"), // new version: stored
		item("y", "v2"), // another provider's id: foreign
		item("z", "v1"), // new id: stored
		item("x", "v2"), // repeats item 1: duplicate of it
		item("z", ""),   // no version timestamp: stored, its date added as version
	}
	p := PlanIngest(1, items, held)
	want := []string{Duplicate, Stored, Foreign, Stored, Duplicate, Stored}
	for i, r := range p.Results {
		if r.Outcome != want[i] {
			t.Errorf("item %d: %s, want %s", i, r.Outcome, want[i])
		}
	}
	if got := p.Fresh; len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 5 {
		t.Errorf("fresh = %v, want [1 3 5]", got)
	}
	if o := p.Results[2].Object; o.ID != "y" || o.Seq != 0 || o.Provider != 0 || o.Version != "" || o.Policy != 0 {
		t.Errorf("the foreign item reports %+v: it must say nothing of the other provider's version", o)
	}
	added := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	expires := func(e time.Time) time.Time { return e }
	p.Place(1, items, 10, added, map[string]int64{"doc-x": 7, "doc-z": 8}, expires)
	if o := p.Results[0].Object; o.Seq != 3 {
		t.Errorf("the duplicate of a held version reports seq %d, want 3", o.Seq)
	}
	for _, c := range []struct {
		i      int
		seq    int64
		policy int64
		ver    string
	}{{1, 10, 7, "v2"}, {3, 11, 8, "v1"}, {4, 10, 7, "v2"}, {5, 12, 8, "2026-01-02T03:04:05.000006Z"}} {
		o := p.Results[c.i].Object
		if o.Seq != c.seq || o.Policy != c.policy || o.Version != c.ver || !o.Added.Equal(added) || o.Provider != 1 {
			t.Errorf("item %d: %+v; want seq %d, policy %d, version %s, added %v", c.i, o, c.seq, c.policy, c.ver, added)
		}
	}
}
