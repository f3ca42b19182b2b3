package firebreak

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestPlanIngest(t *testing.T) {
	item := func(id, vkey string) IngestItem {
		return IngestItem{ID: id, Type: "indicator", SpecVersion: "2.1", Version: vkey, VersionKey: vkey, PolicyDoc: []byte("doc-" + id)}
	}
	held := map[string]map[string][]Object{
		"x": {"v1": {{ID: "x", Seq: 3, Version: "v1", Provider: 1}}},
		"y": {"v1": {{ID: "y", Seq: 4, Version: "v1", Provider: 2}}},
		"w": {"v1": {{ID: "w", Seq: 5, Version: "v1", Provider: 2}, {ID: "w", Seq: 6, Version: "v1", Provider: 1}}},
	}
	items := []IngestItem{
		item("x", "v1"), // held: duplicate
		item("x", "v2"), // new version: stored
		item("y", "v2"), // another provider's id, a version it does not hold: stored
		item("z", "v1"), // new id: stored
		item("x", "v2"), // repeats item 1: duplicate of it
		item("z", ""),   // no version timestamp: stored, its date added as version
		item("y", "v1"), // a copy of another provider's version: stored, and both are twins
		item("w", "v1"), // held by this provider and another: a duplicate of its own copy
	}
	p := PlanIngest(1, items, held)
	want := []string{Duplicate, Stored, Stored, Stored, Duplicate, Stored, Stored, Duplicate}
	for i, r := range p.Results {
		if r.Outcome != want[i] {
			t.Errorf("item %d: %s, want %s", i, r.Outcome, want[i])
		}
	}
	if got := p.Fresh; !slices.Equal(got, []int{1, 2, 3, 5, 6}) {
		t.Errorf("fresh = %v, want [1 2 3 5 6]", got)
	}
	if o := p.Results[7].Object; o.Seq != 6 || o.Provider != 1 {
		t.Errorf("the duplicate of a version held by two providers reports %+v, want the submitter's own copy (seq 6)", o)
	}
	for _, i := range []int{2, 6} {
		if o := p.Results[i].Object; o.Seq != 0 || o.Provider != 0 || o.Version != "" || o.Policy != 0 {
			t.Errorf("item %d reports %+v before Place: it must say nothing of the other provider's version", i, o)
		}
	}
	added := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	p.Place(1, items, 10, added, map[string]int64{"doc-x": 7, "doc-y": 9, "doc-z": 8})
	// The copy of y v1 (seq 14) and the other provider's copy (seq 4) are marked, and no
	// other version.
	if got := p.Marks(); !slices.Equal(got, []int64{4, 14}) {
		t.Errorf("marks = %v, want the other provider's copy of y v1 and this call's, [4 14]", got)
	}
	if got := PlanIngest(1, items[:2], held).Marks(); got != nil {
		t.Errorf("marks of a call that stores no copy = %v, want none", got)
	}
	if o := p.Results[0].Object; o.Seq != 3 {
		t.Errorf("the duplicate of a held version reports seq %d, want 3", o.Seq)
	}
	for _, c := range []struct {
		i      int
		seq    int64
		policy int64
		ver    string
	}{{1, 10, 7, "v2"}, {2, 11, 9, "v2"}, {3, 12, 8, "v1"}, {4, 10, 7, "v2"}, {5, 13, 8, "2026-01-02T03:04:05.000006Z"}, {6, 14, 9, "v1"}} {
		o := p.Results[c.i].Object
		if o.Seq != c.seq || o.Policy != c.policy || o.Version != c.ver || !o.Added.Equal(added) || o.Provider != 1 {
			t.Errorf("item %d: %+v; want seq %d, policy %d, version %s, added %v", c.i, o, c.seq, c.policy, c.ver, added)
		}
	}
}

func TestObjectFilterStart(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	us := at.UnixMicro()
	tests := []struct {
		name string
		f    ObjectFilter
		want Cursor
	}{
		{"nothing", ObjectFilter{}, Cursor{}},
		{"cursor", ObjectFilter{After: Cursor{Added: us, Seq: 5}}, Cursor{Added: us, Seq: 5}},
		// Strictly after an instant: every version added in that microsecond is passed.
		{"added_after", ObjectFilter{AddedAfter: at}, Cursor{Added: us, Seq: math.MaxInt64}},
		// Strictly after 0.5 µs past it: a version added at it + 1 µs qualifies.
		{"added_after between microseconds", ObjectFilter{AddedAfter: at.Add(500 * time.Nanosecond)}, Cursor{Added: us, Seq: math.MaxInt64}},
		{"the later of the two: added_after", ObjectFilter{After: Cursor{Added: us - 1, Seq: 9}, AddedAfter: at}, Cursor{Added: us, Seq: math.MaxInt64}},
		{"the later of the two: the cursor", ObjectFilter{After: Cursor{Added: us + 1, Seq: 1}, AddedAfter: at}, Cursor{Added: us + 1, Seq: 1}},
	}
	for _, tt := range tests {
		if got := tt.f.Start(); got != tt.want {
			t.Errorf("%s: Start() = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestExpiryMicros(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want int64
	}{
		{time.Time{}, 0},
		{time.Unix(0, 0), -1}, // the epoch itself must not read as never
		{time.Unix(0, 1500), 1},
		{time.Date(2026, 1, 1, 0, 0, 0, 999, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()},
	} {
		got := ExpiryMicros(tc.in)
		if got != tc.want {
			t.Errorf("ExpiryMicros(%v) = %d, want %d", tc.in, got, tc.want)
		}
		if back := ExpiryFromMicros(got); tc.in.IsZero() != back.IsZero() {
			t.Errorf("ExpiryFromMicros(%d) = %v: an expiry must come back as one, and none as none", got, back)
		}
	}
}

func TestCheckIngestItems(t *testing.T) {
	good := IngestItem{ID: "indicator--1", Type: "indicator", Raw: []byte(`{}`)}
	noID, noType, noRaw := good, good, good
	noID.ID, noType.Type, noRaw.Raw = "", "", nil
	tests := []struct {
		name  string
		items []IngestItem
		code  string
	}{
		{"none", nil, ""},
		{"whole", []IngestItem{good, good}, ""},
		{"no id", []IngestItem{good, noID}, EINVALID},
		{"no type", []IngestItem{noType}, EINVALID},
		{"no object", []IngestItem{noRaw}, EINVALID},
	}
	for _, tc := range tests {
		if got := ErrorCode(CheckIngestItems(tc.items)); got != tc.code {
			t.Errorf("%s: CheckIngestItems code %q, want %q", tc.name, got, tc.code)
		}
	}
}

// TestIngestPlanWithdrawals checks which calls withdraw the latest version of the
// provider's copy before them (finding 18 of issue 13).
func TestIngestPlanWithdrawals(t *testing.T) {
	const provider, other = 1, 2
	held := map[string]map[string][]Object{
		// provider's x: v1 under 5, v3 (latest) under 6; another provider's v9 under 9.
		"x": {"v1": {{ID: "x", Provider: provider, Policy: 5}}, "v3": {{ID: "x", Provider: provider, Policy: 6}},
			"v9": {{ID: "x", Provider: other, Policy: 9}}},
		// only another provider holds y.
		"y": {"v1": {{ID: "y", Provider: other, Policy: 9}}},
		// provider's z has no timestamp: its one version has the key "".
		"z": {"": {{ID: "z", Provider: provider, Policy: 5}}},
	}
	item := func(id, vkey, doc string) IngestItem {
		return IngestItem{ID: id, Type: "indicator", Version: vkey, VersionKey: vkey, PolicyDoc: []byte(doc)}
	}
	policies := map[string]int64{"five": 5, "six": 6, "seven": 7}
	x := func(p int64) Withdrawal { return Withdrawal{Provider: provider, ID: "x", Policies: []int64{p}} }
	for _, tc := range []struct {
		name  string
		items []IngestItem
		want  []Withdrawal
	}{
		{"a new version under the latest's policy", []IngestItem{item("x", "v4", "six")}, nil},
		{"a new version under another policy", []IngestItem{item("x", "v4", "seven")}, []Withdrawal{x(6)}},
		{"a new version under an older version's policy", []IngestItem{item("x", "v4", "five")}, []Withdrawal{x(6)}},
		{"an older version under another policy", []IngestItem{item("x", "v2", "seven")}, nil},
		{"a duplicate under another policy", []IngestItem{item("x", "v3", "seven")}, nil},
		{"several, the newest under the latest's policy", []IngestItem{item("x", "v5", "six"), item("x", "v4", "seven")}, nil},
		{"several, the newest under another policy", []IngestItem{item("x", "v4", "six"), item("x", "v5", "seven"), item("x", "v6", "five")}, []Withdrawal{x(6)}},
		{"a first version of an id another provider holds", []IngestItem{item("y", "v2", "seven")}, nil},
		{"a first version", []IngestItem{item("w", "v1", "seven")}, nil},
		{"an object without a timestamp", []IngestItem{item("z", "", "seven")}, nil},
		{"two ids", []IngestItem{item("z", "v1", "seven"), item("x", "v4", "five")},
			[]Withdrawal{{Provider: provider, ID: "z", Policies: []int64{5}}, x(6)}},
	} {
		p := PlanIngest(provider, tc.items, held)
		added := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		p.Place(provider, tc.items, 10, added, policies)
		got := p.Withdrawals(tc.items)
		for i := range tc.want {
			tc.want[i].Added = added
		}
		if !slices.EqualFunc(got, tc.want, func(a, b Withdrawal) bool {
			return a.Provider == b.Provider && a.ID == b.ID && slices.Equal(a.Policies, b.Policies) && !a.Deleted && a.Added.Equal(b.Added)
		}) {
			t.Errorf("%s: withdrawals %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
