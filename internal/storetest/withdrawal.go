package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// A withdrawal records that versions of a provider's copy of an object stopped being
// available: deleted, or superseded by a new latest version under another policy.
// Federation passes them on to the peers that received the versions (finding 18 of
// issue 13: deletes were not passed on, and a version tightened to RED did not cross, so
// peers kept serving the GREEN one as the latest). These tests pin what Delete and
// Ingest record, and that Withdrawals lists it.

// RunWithdrawals runs the withdrawal part of the suite.
func RunWithdrawals(t *testing.T, o Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*fixture)
	}{
		{"Delete", testWithdrawalsDelete},
		{"Ingest", testWithdrawalsIngest},
		{"Copies", testWithdrawalsCopies},
		{"Review", testWithdrawalsReview},
		{"Paging", testWithdrawalsPaging},
		{"Failed", testWithdrawalsFailed},
		{"Restore", testWithdrawalsRestore},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

// withdrawalsOf pages through every withdrawal s lists after seq after, two at a time,
// checking that seqs ascend.
func withdrawalsOf(f *fixture, s firebreak.Store, after int64) []firebreak.Withdrawal {
	f.Helper()
	var out []firebreak.Withdrawal
	for {
		page, err := s.Withdrawals(f.ctx, after, 2)
		if err != nil {
			f.Fatalf("Withdrawals(%d, 2): %v", after, err)
		}
		if len(page) > 2 {
			f.Fatalf("Withdrawals(%d, 2) returned %d", after, len(page))
		}
		for _, w := range page {
			if w.Seq <= after {
				f.Fatalf("Withdrawals: seq %d does not follow %d", w.Seq, after)
			}
			after = w.Seq
		}
		out = append(out, page...)
		if len(page) < 2 {
			return out
		}
	}
}

// lastWithdrawal returns the seq of the last withdrawal s lists, 0 for none.
func lastWithdrawal(f *fixture, s firebreak.Store) int64 {
	f.Helper()
	all := withdrawalsOf(f, s, 0)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

// wantWithdrawals checks the withdrawals f's store recorded after seq since (Seq and
// Added are checked for their order and zone, not compared), and returns the last seq.
func (f *fixture) wantWithdrawals(what string, since int64, want ...firebreak.Withdrawal) int64 {
	f.Helper()
	got := withdrawalsOf(f, f.s, since)
	last := since
	for _, w := range got {
		if w.Added.Location() != time.UTC || w.Added.IsZero() {
			f.Errorf("%s: withdrawal %d added %v, want a UTC time", what, w.Seq, w.Added)
		}
		last = w.Seq
	}
	strip := func(ws []firebreak.Withdrawal) string {
		var b strings.Builder
		for _, w := range ws {
			fmt.Fprintf(&b, "\n\t{provider %d, %s, policies %v, deleted %v}", w.Provider, w.ID, w.Policies, w.Deleted)
		}
		return b.String()
	}
	if g, w := strip(got), strip(want); g != w {
		f.Errorf("%s: withdrawals:%s\nwant:%s", what, g, w)
	}
	return last
}

// policyOf returns the policy id a version was stored under.
func policyOf(r []firebreak.IngestResult, i int) int64 { return r[i].Object.Policy }

// testWithdrawalsDelete checks that a delete records one withdrawal of the versions it
// removed, with their policies, and that a delete of nothing records none.
func testWithdrawalsDelete(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x, y := ident("indicator", 1), ident("indicator", 2)
	// Versions 1 and 3 under q, 2 under p: the latest (3) keeps the policy of the latest
	// before the call (none: a first version), so the ingest withdraws nothing.
	r := f.ingest(a, Item(x, ts(1), "2.1", "q"), Item(x, ts(2), "2.1", "p"), Item(x, ts(3), "2.1", "q"), Item(y, ts(1), "2.1", "p"))
	last := f.wantWithdrawals("after the first versions", 0)
	p, q := policyOf(r, 1), policyOf(r, 0)

	for _, tc := range []struct {
		name     string
		provider int64
		id       string
		vf       firebreak.VersionFilter
	}{
		{"another provider's object", b, x, firebreak.VersionFilter{}},
		{"a missing object", a, ident("indicator", 99), firebreak.VersionFilter{}},
		{"a missing version", a, x, firebreak.VersionFilter{At: []string{VersionKey(ts(9))}}},
	} {
		if n, err := f.s.Delete(f.ctx, tc.provider, tc.id, tc.vf, nil); err != nil || n != 0 {
			f.Fatalf("Delete of %s: %d, %v; want 0", tc.name, n, err)
		}
		last = f.wantWithdrawals("a delete of "+tc.name, last)
	}

	f.clock.Advance(time.Second)
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{At: []string{VersionKey(ts(2)), VersionKey(ts(3))}}, nil); err != nil || n != 2 {
		f.Fatalf("Delete of versions 2 and 3: %d, %v", n, err)
	}
	want := firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{min(p, q), max(p, q)}, Deleted: true}
	got := withdrawalsOf(f, f.s, last)
	last = f.wantWithdrawals("a delete of two versions under two policies", last, want)
	if len(got) == 1 && !got[0].Added.Equal(f.clock.Now().Truncate(time.Microsecond)) {
		f.Errorf("the delete's withdrawal was added %v, want the clock's %v in microseconds", got[0].Added, f.clock.Now())
	}
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 1 {
		f.Fatalf("Delete of the rest: %d, %v", n, err)
	}
	last = f.wantWithdrawals("a delete of the last version", last, firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{q}, Deleted: true})
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 0 {
		f.Fatalf("Delete again: %d, %v", n, err)
	}
	f.wantWithdrawals("a delete of an object already gone", last)
}

// testWithdrawalsIngest checks what an ingest withdraws: the latest version of the copy
// before the call, when the call stores a newer one under another policy, and nothing
// otherwise.
func testWithdrawalsIngest(f *fixture) {
	a := f.orgs("A")[0]
	x, y, z := ident("indicator", 1), ident("indicator", 2), ident("indicator", 3)
	var last int64
	pol := map[string]int64{}
	step := func(what string, items []firebreak.IngestItem, want ...firebreak.Withdrawal) {
		f.Helper()
		f.clock.Advance(time.Second)
		for i, r := range f.ingest(a, items...) {
			if r.Outcome == firebreak.Stored {
				pol[string(items[i].PolicyDoc)] = r.Object.Policy
			}
		}
		last = f.wantWithdrawals(what, last, want...)
	}
	w := func(id string, doc string) firebreak.Withdrawal {
		return firebreak.Withdrawal{Provider: a, ID: id, Policies: []int64{pol[doc]}}
	}
	step("a first version", []firebreak.IngestItem{Item(x, ts(10), "2.1", "green")})
	step("a new version under the same policy", []firebreak.IngestItem{Item(x, ts(11), "2.1", "green")})
	step("the same version again", []firebreak.IngestItem{Item(x, ts(11), "2.1", "red")})
	step("an older version under another policy", []firebreak.IngestItem{Item(x, ts(5), "2.1", "red")})
	step("a new version under another policy", []firebreak.IngestItem{Item(x, ts(12), "2.1", "red")}, w(x, "green"))
	// The call's date added is the withdrawal's.
	got := withdrawalsOf(f, f.s, last-1)
	if len(got) == 1 && !got[0].Added.Equal(f.clock.Now().Truncate(time.Microsecond)) {
		f.Errorf("the ingest's withdrawal was added %v, want the call's date added %v", got[0].Added, f.clock.Now())
	}
	step("a new version back under the first policy", []firebreak.IngestItem{Item(x, ts(13), "2.1", "green")}, w(x, "red"))
	// Several new versions in one call: the last of them against the latest before.
	step("two new versions, the last under the policy of the latest before",
		[]firebreak.IngestItem{Item(x, ts(15), "2.1", "green"), Item(x, ts(14), "2.1", "red")})
	step("two new versions, both under another policy, in one call",
		[]firebreak.IngestItem{Item(x, ts(16), "2.1", "amber"), Item(x, ts(17), "2.1", "red")}, w(x, "green"))
	step("three ids in one call, two changing", []firebreak.IngestItem{
		Item(y, ts(1), "2.1", "green"), Item(z, ts(1), "2.1", "green"),
		Item(x, ts(18), "2.1", "amber"), Item(y, ts(2), "2.1", "red"), Item(z, ts(2), "2.1", "green"),
	}, w(x, "red"))
	step("two ids changing in one call", []firebreak.IngestItem{Item(z, ts(3), "2.1", "red"), Item(y, ts(3), "2.1", "green")},
		w(z, "green"), w(y, "red"))
	// An object without a timestamp has one version: submitted again it is a duplicate.
	sco := ident("ipv4-addr", 1)
	step("an object without a timestamp", []firebreak.IngestItem{Item(sco, "", "2.1", "green")})
	step("an object without a timestamp again, under another policy", []firebreak.IngestItem{Item(sco, "", "2.1", "red")})
	// After the newest version is deleted, the latest is the one before it.
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{At: []string{VersionKey(ts(18))}}, nil); err != nil || n != 1 {
		f.Fatalf("Delete of x's newest version: %d, %v", n, err)
	}
	last = f.wantWithdrawals("the delete of x's newest version", last,
		firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{pol["amber"]}, Deleted: true})
	step("a new version under the policy of the latest left", []firebreak.IngestItem{Item(x, ts(19), "2.1", "red")})
}

// testWithdrawalsCopies checks that two providers' copies of one id are withdrawn apart:
// what one stores or deletes withdraws nothing of the other's.
func testWithdrawalsCopies(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x := ident("indicator", 1)
	ra := f.ingest(a, Item(x, ts(1), "2.1", "green"))
	// B's first version of its own copy, under another policy than A's latest.
	rb := f.ingest(b, Item(x, ts(2), "2.1", "red"))
	last := f.wantWithdrawals("B's first version of an id A holds", 0)
	// A's newer version keeps A's policy: nothing, whatever B's latest is.
	f.ingest(a, Item(x, ts(3), "2.1", "green"))
	last = f.wantWithdrawals("A's new version under its own latest's policy", last)
	// B tightens its copy: B's withdrawal, of B's policy.
	f.ingest(b, Item(x, ts(4), "2.1", "amber"))
	last = f.wantWithdrawals("B's new version under another policy", last,
		firebreak.Withdrawal{Provider: b, ID: x, Policies: []int64{policyOf(rb, 0)}})
	// A's older version than B's latest but newer than A's own, under another policy.
	f.ingest(a, Item(x, "2024-01-01T00:00:03.500Z", "2.1", "red"))
	last = f.wantWithdrawals("A's new version under another policy", last,
		firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{policyOf(ra, 0)}})
	// A deletes its copy: B's stays, and is not withdrawn.
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 3 {
		f.Fatalf("A deleting its copy: %d, %v", n, err)
	}
	last = f.wantWithdrawals("A deleting its copy", last, firebreak.Withdrawal{Provider: a, ID: x,
		Policies: distinct(policyOf(ra, 0), polOf(f, a, "red")), Deleted: true})
	// A's next version is a first version again.
	f.ingest(a, Item(x, ts(9), "2.1", "amber"))
	f.wantWithdrawals("A's first version after deleting its copy", last)
}

// polOf returns the id of provider's policy document doc.
func polOf(f *fixture, provider int64, doc string) int64 {
	f.Helper()
	pols, err := f.s.Policies(f.ctx, 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range pols {
		if p.Provider == provider && string(p.Doc) == doc {
			return p.ID
		}
	}
	f.Fatalf("no policy %q of provider %d", doc, provider)
	return 0
}

// distinct returns the distinct ids, ascending.
func distinct(ids ...int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// testWithdrawalsReview checks the review list: a held version is a version under its
// own (held) policy, so a held new version withdraws the latest before it like any
// other; its release, a version becoming visible, withdraws nothing more, and its
// rejection, of a version that never reached anyone, nothing either.
func testWithdrawalsReview(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("indicator", 1), ident("indicator", 2)
	held := func(id, version string) firebreak.IngestItem {
		it := Item(id, version, "2.1", `{"held":true}`)
		it.Held, it.StatusID = true, "status-"+version
		return it
	}
	r := f.ingest(a, Item(x, ts(1), "2.1", "green"), held(y, ts(1)))
	last := f.wantWithdrawals("a first version, and a first version held", 0)
	f.ingest(a, held(x, ts(2)))
	last = f.wantWithdrawals("a new version held", last, firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{policyOf(r, 0)}})
	if _, err := f.s.Release(f.ctx, a, x, ts(2), []byte("red"), []byte(`{"action":"review.release"}`)); err != nil {
		f.Fatalf("Release: %v", err)
	}
	last = f.wantWithdrawals("a release", last)
	if _, err := f.s.Reject(f.ctx, a, y, ts(1), []byte(`{"action":"review.reject"}`)); err != nil {
		f.Fatalf("Reject: %v", err)
	}
	f.wantWithdrawals("a rejection", last)
}

// testWithdrawalsPaging checks Withdrawals' paging, its default limit, that seqs go on
// ascending when the clock steps back, and that withdrawals survive a restart.
func testWithdrawalsPaging(f *fixture) {
	a := f.orgs("A")[0]
	const n = 7
	for i := range n {
		f.ingest(a, Item(ident("indicator", i), ts(1), "2.1", "green"))
	}
	for i := range n {
		if i == 4 {
			f.clock.Advance(-time.Hour) // clocks step back
		}
		if k, err := f.s.Delete(f.ctx, a, ident("indicator", i), firebreak.VersionFilter{}, nil); err != nil || k != 1 {
			f.Fatalf("Delete %d: %d, %v", i, k, err)
		}
	}
	all, err := f.s.Withdrawals(f.ctx, 0, 0)
	if err != nil || len(all) != n {
		f.Fatalf("Withdrawals(0, 0): %d, %v; want %d", len(all), err, n)
	}
	for i, w := range all {
		if w.ID != ident("indicator", i) || !w.Deleted || w.Provider != a || len(w.Policies) != 1 {
			f.Errorf("withdrawal %d: %+v, want the delete of %s", i, w, ident("indicator", i))
		}
		if i > 0 && w.Seq <= all[i-1].Seq {
			f.Errorf("withdrawal %d has seq %d, after %d", i, w.Seq, all[i-1].Seq)
		}
	}
	if got := withdrawalsOf(f, f.s, 0); !slices.EqualFunc(got, all, sameWithdrawal) {
		f.Errorf("two at a time: %+v\nwant %+v", got, all)
	}
	for _, tc := range []struct {
		after int64
		limit int
		want  []firebreak.Withdrawal
	}{
		{0, 3, all[:3]},
		{all[2].Seq, 3, all[3:6]},
		{all[2].Seq - 1, 1, all[2:3]},
		{all[5].Seq, 3, all[6:]},
		{all[6].Seq, 3, nil},
		{all[6].Seq + 1000, 0, nil},
		{-1, 0, all},
	} {
		got, err := f.s.Withdrawals(f.ctx, tc.after, tc.limit)
		if err != nil || !slices.EqualFunc(got, tc.want, sameWithdrawal) {
			f.Errorf("Withdrawals(%d, %d) = %+v, %v\nwant %+v", tc.after, tc.limit, got, err, tc.want)
		}
	}
	f.reopen()
	if got, err := f.s.Withdrawals(f.ctx, 0, 0); err != nil || !slices.EqualFunc(got, all, sameWithdrawal) {
		f.Errorf("after a restart: %+v, %v\nwant %+v", got, err, all)
	}
}

func sameWithdrawal(a, b firebreak.Withdrawal) bool {
	return a.Seq == b.Seq && a.Added.Equal(b.Added) && a.Provider == b.Provider && a.ID == b.ID &&
		slices.Equal(a.Policies, b.Policies) && a.Deleted == b.Deleted
}

// testWithdrawalsFailed checks that an ingest or a delete that fails (its audit entry
// cannot be written) records no withdrawal.
func testWithdrawalsFailed(f *fixture) {
	a := f.orgs("A")[0]
	x := ident("indicator", 1)
	f.ingest(a, Item(x, ts(1), "2.1", "green"))
	if _, err := f.s.Ingest(f.ctx, a, []firebreak.IngestItem{Item(x, ts(2), "2.1", "red")}, nil); err == nil {
		f.Fatalf("Ingest with an unwritable audit entry succeeded")
	}
	f.wantWithdrawals("a failed ingest of a version under another policy", 0)
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil, nil); err == nil {
		f.Fatalf("Delete with an unwritable audit entry removed %d versions", n)
	}
	f.wantWithdrawals("a failed delete", 0)
	// The same, written, record one each.
	r := f.ingest(a, Item(x, ts(1), "2.1", "green"))
	if _, err := f.s.Ingest(f.ctx, a, []firebreak.IngestItem{Item(x, ts(2), "2.1", "red")}, []byte(`{"action":"object.submit"}`)); err != nil {
		f.Fatal(err)
	}
	last := f.wantWithdrawals("the ingest audited", 0, firebreak.Withdrawal{Provider: a, ID: x, Policies: []int64{policyOf(r, 0)}})
	if _, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil, []byte(`{"action":"object.delete"}`)); err != nil {
		f.Fatal(err)
	}
	f.wantWithdrawals("the delete audited", last, firebreak.Withdrawal{Provider: a, ID: x,
		Policies: distinct(policyOf(r, 0), polOf(f, a, "red")), Deleted: true})
}

// testWithdrawalsRestore checks that a backup does not carry withdrawals (they are
// notices about the hub's past), and that a restored hub's new withdrawals come after
// every seq the hub handed out before, so that peers' cursors do not hide them, when
// its clock has not gone back; and are listed from the start whatever the clock.
func testWithdrawalsRestore(f *fixture) {
	a := f.orgs("A")[0]
	for i := range 3 {
		f.ingest(a, Item(ident("indicator", i), ts(1), "2.1", "green"))
		if _, err := f.s.Delete(f.ctx, a, ident("indicator", i), firebreak.VersionFilter{}, nil); err != nil {
			f.Fatal(err)
		}
	}
	f.ingest(a, Item(ident("indicator", 9), ts(1), "2.1", "green"))
	before := lastWithdrawal(f, f.s)
	if before == 0 {
		f.Fatalf("no withdrawals before the backup")
	}
	b := f.backup(f.s)
	for _, tc := range []struct {
		name  string
		clock *Clock
		above bool // the new withdrawal's seq is above every one before
	}{
		{"a clock that has gone on", NewClock(f.clock.Now().Add(time.Minute)), true},
		{"a clock behind the source's", NewClock(Epoch.Add(-time.Hour)), false},
	} {
		dst := f.fresh(tc.clock)
		if _, err := firebreak.RestoreBackup(f.ctx, dst, bytes.NewReader(b)); err != nil {
			f.Fatalf("RestoreBackup: %v", err)
		}
		if got := withdrawalsOf(f, dst, 0); len(got) != 0 {
			f.Errorf("%s: the restored store lists %d withdrawals, want none", tc.name, len(got))
		}
		if _, err := dst.Delete(f.ctx, a, ident("indicator", 9), firebreak.VersionFilter{}, nil); err != nil {
			f.Fatal(err)
		}
		got := withdrawalsOf(f, dst, 0)
		if len(got) != 1 || got[0].ID != ident("indicator", 9) || !got[0].Deleted {
			f.Errorf("%s: after a delete the restored store lists %+v, want its withdrawal", tc.name, got)
			continue
		}
		if tc.above && got[0].Seq <= before {
			f.Errorf("%s: the first withdrawal after the restore has seq %d, not after %d, the last before", tc.name, got[0].Seq, before)
		}
	}
}
