package postgres

import (
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
)

// queryPlan returns the server's plan for one page query, one line per step.
func queryPlan(t *testing.T, s *Store, vis firebreak.Visibility, f firebreak.ObjectFilter) []string {
	t.Helper()
	q := pageQuery(vis, f, 1000)
	rows, err := s.pool.Query(t.Context(), "EXPLAIN "+q.b.String(), q.args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatalf("scanning the plan: %v", err)
		}
		plan = append(plan, strings.TrimSpace(line))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the plan: %v", err)
	}
	return plan
}

// TestPageQueryPlans checks, on a table with statistics, that the page queries TAXII
// clients send most walk an index in the hub's order from the start position and never
// scan the table or sort it, and that the first/last probe and the probe for other
// providers' copies are lookups by id hash.
func TestPageQueryPlans(t *testing.T) {
	s := openTest(t, nil)
	ctx := t.Context()
	if err := s.Apply(ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
		{Name: "A", Status: firebreak.OrgVetted}, {Name: "B", Status: firebreak.OrgVetted}}}); err != nil {
		t.Fatal(err)
	}
	a, _ := s.OrganizationByName(ctx, "A")
	b, _ := s.OrganizationByName(ctx, "B")
	var last, early firebreak.Object
	for n := range 20 {
		batch := make([]firebreak.IngestItem, 1000)
		for i := range batch {
			batch[i] = benchIndicator(n*1000+i, 0)
		}
		org := a.ID
		if n%4 == 3 {
			org = b.ID
		}
		res, err := s.Ingest(ctx, org, batch)
		if err != nil {
			t.Fatal(err)
		}
		last = res[len(res)/2].Object
		if n == 1 {
			early = last
		}
	}
	policies := firebreak.Visibility{Policies: []int64{1, 2, 3}}
	// A cursor early in the table, so that most rows follow it: the plan must still
	// walk in order and stop after a page.
	cursor := firebreak.CursorOf(early)
	cases := []struct {
		name string
		vis  firebreak.Visibility
		f    firebreak.ObjectFilter
		// access is how the main table must be reached: the walk of an index in the hub's
		// order (the planner may prefer (added, seq) with a filter to a narrower index when
		// its estimates say the filter keeps most rows).
		access string
	}{
		{"first page", policies, firebreak.ObjectFilter{}, "Index Scan using objects_added on objects o"},
		{"next page", policies, firebreak.ObjectFilter{After: cursor}, "Index Scan using objects_added on objects o"},
		{"added_after", policies, firebreak.ObjectFilter{AddedAfter: last.Added}, "Index Scan using objects_added on objects o"},
		{"all versions", policies, firebreak.ObjectFilter{After: cursor, Versions: firebreak.VersionFilter{All: true}},
			"Index Scan using objects_added on objects o"},
		{"expiry and grants", firebreak.Visibility{Policies: []int64{1, 2}, Now: last.Added, Owner: b.ID, Granted: []firebreak.Copy{{Provider: a.ID, ID: "indicator--x"}}},
			firebreak.ObjectFilter{After: cursor}, "Index Scan using objects_added on objects o"},
		{"first and last, mine", firebreak.Visibility{Policies: []int64{4}, Except: true, Provider: b.ID},
			firebreak.ObjectFilter{After: cursor, Versions: firebreak.VersionFilter{First: true, Last: true}},
			"Index Scan using objects_"},
		{"one type", policies, firebreak.ObjectFilter{After: cursor, Types: []string{"indicator"}},
			"Index Scan using objects_"},
		{"mine", firebreak.Visibility{All: true, Provider: b.ID}, firebreak.ObjectFilter{After: cursor},
			"Index Scan using objects_"},
		{"spec versions", policies, firebreak.ObjectFilter{After: cursor, SpecVersions: []string{"2.1"}},
			"Index Scan using objects_added on objects o"},
		{"variants", firebreak.Visibility{Policies: []int64{1, 2, 3}, Owner: a.ID, Named: []int64{1}}, firebreak.ObjectFilter{After: cursor},
			"Index Scan using objects_added on objects o"},
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE objects`); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		name := c.name
		plan := queryPlan(t, s, c.vis, c.f)
		text := strings.Join(plan, "\n")
		if len(plan) < 2 || !strings.HasPrefix(plan[0], "Limit") || !strings.Contains(plan[1], c.access) {
			t.Errorf("%s: the plan does not start with a limit over %q:\n%s", name, c.access, text)
		}
		// objects_pkey: a range of seqs read from the primary key for every row of the
		// page (a horizon written into the query) once made a page take a minute.
		for _, bad := range []string{"Seq Scan on objects", "Sort", "Hash Anti Join", "Hash Join", "objects_pkey"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: the plan has %q:\n%s", name, bad, text)
			}
		}
		if !c.f.Versions.All && !strings.Contains(text, "objects_idh on objects n") {
			t.Errorf("%s: the first/last probe is not a lookup by id hash:\n%s", name, text)
		}
		// The probe for copies stored before a version, looked at only on versions marked
		// twin, is a lookup by id hash too, never a walk of the seqs before the row.
		if c.vis.Provider == 0 && !strings.Contains(text, "objects_idh on objects c") {
			t.Errorf("%s: the probe for copies is not a lookup by id hash:\n%s", name, text)
		}
		t.Logf("%s:\n  %s", name, strings.Join(plan, "\n  "))
	}
	// Looking versions up by id uses the id-hash index; a small sort of the matches is
	// fine there.
	plan := queryPlan(t, s, policies, firebreak.ObjectFilter{IDs: []string{last.ID}})
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "objects_idh on objects o") {
		t.Errorf("by id: the plan does not use the id-hash index:\n%s", text)
	}
}
