package sqlite

import (
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
)

// queryPlan returns SQLite's plan for one page query, one line per step.
func queryPlan(t *testing.T, s *Store, vis firebreak.Visibility, f firebreak.ObjectFilter) []string {
	t.Helper()
	q := pageQuery(vis, f, 1000)
	rows, err := s.r.Query("EXPLAIN QUERY PLAN "+q.b.String(), q.args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatalf("scanning the plan: %v", err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the plan: %v", err)
	}
	return plan
}

// TestPageQueryPlans checks that the page queries TAXII clients send most walk an index
// in the hub's order from the start position, never scan from the beginning or sort, and
// that the probes for other versions and other providers' copies seek the id hash.
func TestPageQueryPlans(t *testing.T) {
	s := openTest(t, nil)
	policies := firebreak.Visibility{Policies: []int64{1, 2, 3}}
	cursor := firebreak.Cursor{Added: 1_700_000_000_000_000, Seq: 12345}
	cases := []struct {
		name string
		vis  firebreak.Visibility
		f    firebreak.ObjectFilter
		// access is how the main table must be reached.
		access string
	}{
		{"first page", policies, firebreak.ObjectFilter{}, "SCAN o"},
		{"next page", policies, firebreak.ObjectFilter{After: cursor}, "SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
		{"added_after", policies, firebreak.ObjectFilter{AddedAfter: cursorTime(cursor)}, "SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
		{"all versions", policies, firebreak.ObjectFilter{After: cursor, Versions: firebreak.VersionFilter{All: true}},
			"SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
		{"first and last", firebreak.Visibility{Policies: []int64{4}, Except: true, Provider: 3},
			firebreak.ObjectFilter{After: cursor, Versions: firebreak.VersionFilter{First: true, Last: true}},
			"SEARCH o USING INDEX objects_provider (provider=? AND rowid>?)"},
		{"one type", policies, firebreak.ObjectFilter{After: cursor, Types: []string{"indicator"}},
			"SEARCH o USING INDEX objects_type (type=? AND rowid>?)"},
		{"several types", policies, firebreak.ObjectFilter{After: cursor, Types: []string{"indicator", "malware"}},
			"SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
		{"mine", firebreak.Visibility{All: true, Provider: 7}, firebreak.ObjectFilter{After: cursor},
			"SEARCH o USING INDEX objects_provider (provider=? AND rowid>?)"},
		{"spec versions", policies, firebreak.ObjectFilter{After: cursor, SpecVersions: []string{"2.1"}},
			"SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
		{"expiry and grants", firebreak.Visibility{Policies: []int64{1, 2}, Now: cursorTime(cursor), Owner: 3,
			Granted: []firebreak.Copy{{Provider: 4, ID: "indicator--x"}}}, firebreak.ObjectFilter{After: cursor},
			"SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"},
	}
	for _, c := range cases {
		plan := queryPlan(t, s, c.vis, c.f)
		text := strings.Join(plan, "\n")
		if len(plan) == 0 || !strings.HasPrefix(plan[0], c.access) {
			t.Errorf("%s: plan starts %q, want %q; plan:\n%s", c.name, first(plan), c.access, text)
		}
		if strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: the plan sorts:\n%s", c.name, text)
		}
		// The probe for copies stored before a version, made only on versions marked twin,
		// must seek the id hash, never walk the seqs before the row.
		if c.vis.Provider == 0 && !strings.Contains(text, "SEARCH c USING INDEX objects_idh (idh=? AND rowid<?)") {
			t.Errorf("%s: the probe for copies does not seek objects_idh:\n%s", c.name, text)
		}
		for _, step := range plan {
			// The last/first probe and the position lookups must be index seeks.
			if strings.HasPrefix(step, "SCAN") && step != "SCAN o" && !strings.Contains(step, "json_each") {
				t.Errorf("%s: step %q scans; plan:\n%s", c.name, step, text)
			}
		}
		t.Logf("%s:\n  %s", c.name, strings.Join(plan, "\n  "))
	}
	// Every copy, first or last by provider (the guard's marking look-up): the probe is by
	// id hash, never a walk of the provider's versions (which SQLite picks without
	// statistics unless kept out).
	for _, v := range []firebreak.VersionFilter{{First: true}, {}} {
		plan := queryPlan(t, s, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{"marking-definition--1"},
			Types: []string{"marking-definition"}, Versions: v, EveryCopy: true})
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "SEARCH n USING INDEX objects_idh") || strings.Contains(text, "objects_provider") {
			t.Errorf("every copy, %+v: the version probe does not seek the id hash:\n%s", v, text)
		}
	}
	// Looking versions up by id uses the id-hash index; a small sort of the matches is
	// fine there.
	plan := queryPlan(t, s, policies, firebreak.ObjectFilter{IDs: []string{"indicator--1"}})
	if !strings.Contains(first(plan), "objects_idh (idh=?)") {
		t.Errorf("by id: plan starts %q, want the id-hash index", first(plan))
	}
	// Marking twins, which every ingest does (most with no seq at all), seeks by seq.
	rows, err := s.r.Query("EXPLAIN QUERY PLAN "+markQuery, "[1,2]")
	if err != nil {
		t.Fatal(err)
	}
	var mark []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		rows.Scan(&id, &parent, &notUsed, &detail)
		mark = append(mark, detail)
	}
	rows.Close()
	if !strings.HasPrefix(first(mark), "SEARCH objects USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Errorf("marking twins: plan %q, want a seek by seq", mark)
	}
	// The first/last probe must be an index seek on the id hash.
	if text := strings.Join(queryPlan(t, s, policies, firebreak.ObjectFilter{}), "\n"); !strings.Contains(text, "SEARCH n USING INDEX objects_idh (idh=?)") {
		t.Errorf("last: the probe does not seek objects_idh:\n%s", text)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
