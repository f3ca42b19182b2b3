package storetest

import (
	"slices"
	"time"

	"github.com/firebreak/firebreak"
)

// expiresAt returns an expiry h hours after a fixed instant, in a zone other than UTC
// (stores give expiries back in UTC), to the whole microsecond.
func expiresAt(h int) time.Time {
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(h) * time.Hour).In(time.FixedZone("UTC+2", 2*3600))
}

// expiring returns Item(...) with the expiry e.
func expiring(e time.Time, id, version, spec, doc string) firebreak.IngestItem {
	it := Item(id, version, spec, doc)
	it.Expires = e
	return it
}

func testExpiryRoundTrip(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("indicator", 1), ident("indicator", 2)
	exact := time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.FixedZone("UTC-5", -5*3600))
	items := []firebreak.IngestItem{expiring(exact, x, ts(1), "2.1", "p"), Item(y, ts(1), "2.1", "p")}
	res := f.ingest(a, items...)
	check := func(what string, got firebreak.Object, want time.Time) {
		f.Helper()
		if !got.Expires.Equal(want) || (!want.IsZero() && got.Expires.Location() != time.UTC) {
			f.Errorf("%s: Expires = %v, want %v in UTC", what, got.Expires, want.UTC())
		}
		if want.IsZero() && !got.Expires.IsZero() {
			f.Errorf("%s: Expires = %v, want zero (never)", what, got.Expires)
		}
	}
	check("ingest result", res[0].Object, exact)
	check("ingest result without expiry", res[1].Object, time.Time{})

	// A resubmission is a duplicate: the held expiry stays and is what it reports.
	f.clock.Advance(time.Second)
	again := f.ingest(a, expiring(exact.Add(time.Hour), x, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"))
	if again[0].Outcome != firebreak.Duplicate {
		f.Fatalf("resubmission: outcome %q, want duplicate", again[0].Outcome)
	}
	check("duplicate result", again[0].Object, exact)
	check("new version without expiry", again[1].Object, time.Time{})

	for _, md := range []bool{false, true} {
		got := f.all(everything, firebreak.ObjectFilter{Versions: allVersions, MetadataOnly: md})
		if len(got) != 3 {
			f.Fatalf("stored%s\nwant 3 versions", describe(got))
		}
		check("read back", got[0], exact)
		check("read back without expiry", got[1], time.Time{})
		check("read back without expiry", got[2], time.Time{})
	}
	// Reading with Now before the expiry, the version is there with its expiry.
	got := f.all(firebreak.Visibility{All: true, Now: exact.Add(-time.Microsecond)},
		firebreak.ObjectFilter{IDs: []string{x}, Versions: allVersions})
	if len(got) != 2 {
		f.Fatalf("just before the expiry:%s\nwant both versions of x", describe(got))
	}
	check("read back before the expiry", got[0], exact)
}

func testExpiryHidesFromReaders(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	t := expiresAt(10)
	ra := f.ingest(a, expiring(t, ident("indicator", 1), ts(1), "2.1", "p1"), Item(ident("indicator", 2), ts(1), "2.1", "p1"),
		expiring(t.Add(time.Hour), ident("indicator", 3), ts(1), "2.1", "p2"))
	rb := f.ingest(b, expiring(t, ident("indicator", 4), ts(1), "2.1", "q"))
	ax, ay, az, bw := ra[0].Object.Seq, ra[1].Object.Seq, ra[2].Object.Seq, rb[0].Object.Seq
	p1, p2, q := ra[0].Object.Policy, ra[2].Object.Policy, rb[0].Object.Policy
	later := t.Add(2 * time.Hour)
	cases := []struct {
		name string
		vis  firebreak.Visibility
		want []int64
	}{
		{"no Now: nothing expires", everything, []int64{ax, ay, az, bw}},
		{"no Now, with an Owner: nothing expires", firebreak.Visibility{All: true, Owner: a}, []int64{ax, ay, az, bw}},
		{"just before the expiry", firebreak.Visibility{All: true, Now: t.Add(-time.Microsecond)}, []int64{ax, ay, az, bw}},
		{"at the expiry", firebreak.Visibility{All: true, Now: t}, []int64{ay, az}},
		{"after both expiries", firebreak.Visibility{All: true, Now: later}, []int64{ay}},
		{"the provider sees its own", firebreak.Visibility{All: true, Now: later, Owner: a}, []int64{ax, ay, az}},
		{"the other provider sees its own", firebreak.Visibility{All: true, Now: later, Owner: b}, []int64{ay, bw}},
		{"owner through policies", firebreak.Visibility{Policies: sortedIDs(p1, q), Now: later, Owner: a}, []int64{ax, ay}},
		{"owner does not widen policies", firebreak.Visibility{Policies: []int64{p2}, Now: later, Owner: b}, nil},
		{"except, expired", firebreak.Visibility{Policies: []int64{p1}, Except: true, Now: t}, []int64{az}},
		{"provider filter and owner", firebreak.Visibility{All: true, Provider: a, Now: later, Owner: b}, []int64{ay}},
		{"provider is not owner", firebreak.Visibility{All: true, Provider: a, Now: later}, []int64{ay}},
		{"provider as owner", firebreak.Visibility{All: true, Provider: a, Now: later, Owner: a}, []int64{ax, ay, az}},
	}
	for _, c := range cases {
		for _, vf := range []firebreak.VersionFilter{{}, allVersions} {
			for _, limit := range []int{0, 1} {
				got := seqs(f.all(c.vis, firebreak.ObjectFilter{Versions: vf, Limit: limit}))
				if !slices.Equal(got, c.want) {
					f.Errorf("%s (versions %+v, limit %d): seqs %v, want %v", c.name, vf, limit, got, c.want)
				}
			}
		}
	}
	// By id, an expired version is not found.
	p := f.objects(firebreak.Visibility{All: true, Now: later}, firebreak.ObjectFilter{IDs: []string{ident("indicator", 1)}})
	if len(p.Objects) != 0 {
		f.Errorf("by id after the expiry:%s\nwant nothing", describe(p.Objects))
	}
}

func testExpiryFirstLast(f *fixture) {
	a := f.orgs("A")[0]
	x, y, z := ident("indicator", 1), ident("indicator", 2), ident("indicator", 3)
	t := expiresAt(10)
	// x: the later version expires. y: the earlier one does. z: its only version does.
	r1 := f.ingest(a, Item(x, ts(1), "2.1", "p"), expiring(t, y, ts(1), "2.1", "p"), expiring(t, z, ts(1), "2.1", "p"))
	f.clock.Advance(time.Second)
	r2 := f.ingest(a, expiring(t, x, ts(2), "2.1", "p"), Item(y, ts(2), "2.1", "p"))
	x1, y1, z1 := r1[0].Object.Seq, r1[1].Object.Seq, r1[2].Object.Seq
	x2, y2 := r2[0].Object.Seq, r2[1].Object.Seq
	reader := firebreak.Visibility{All: true, Now: t}
	owner := firebreak.Visibility{All: true, Now: t, Owner: a}
	first := firebreak.VersionFilter{First: true}
	last := firebreak.VersionFilter{Last: true}
	afterCall1 := firebreak.CursorOf(r1[2].Object)
	cases := []struct {
		name string
		vis  firebreak.Visibility
		flt  firebreak.ObjectFilter
		want []int64
	}{
		{"reader, last: the expired later version does not hide the older", reader, firebreak.ObjectFilter{Versions: last}, []int64{x1, y2}},
		{"reader, default is last", reader, firebreak.ObjectFilter{}, []int64{x1, y2}},
		{"reader, first: the expired earlier version does not count", reader, firebreak.ObjectFilter{Versions: first}, []int64{x1, y2}},
		{"reader, all", reader, firebreak.ObjectFilter{Versions: allVersions}, []int64{x1, y2}},
		{"reader, first and last", reader, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true, Last: true}}, []int64{x1, y2}},
		{"reader, at the expired version", reader, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{VersionKey(ts(2))}}}, []int64{y2}},
		{"reader, last after the first call", reader, firebreak.ObjectFilter{After: afterCall1}, []int64{y2}},
		{"owner, last", owner, firebreak.ObjectFilter{}, []int64{z1, x2, y2}},
		{"owner, first", owner, firebreak.ObjectFilter{Versions: first}, []int64{x1, y1, z1}},
		{"no Now, last", everything, firebreak.ObjectFilter{}, []int64{z1, x2, y2}},
		{"before the expiry, last", firebreak.Visibility{All: true, Now: t.Add(-time.Second)}, firebreak.ObjectFilter{}, []int64{z1, x2, y2}},
	}
	for _, c := range cases {
		if got := seqs(f.all(c.vis, c.flt)); !slices.Equal(got, c.want) {
			f.Errorf("%s: seqs %v, want %v", c.name, got, c.want)
		}
		c.flt.Limit = 1
		if got := seqs(f.all(c.vis, c.flt)); !slices.Equal(got, c.want) {
			f.Errorf("%s (limit 1): seqs %v, want %v", c.name, got, c.want)
		}
	}

	// Delete ignores expiry: the provider's last version of x is the expired one.
	if n, err := f.s.Delete(f.ctx, a, x, last, nil); err != nil || n != 1 {
		f.Fatalf("Delete(x, last) = %d, %v; want 1", n, err)
	}
	if n, err := f.s.Delete(f.ctx, a, z, firebreak.VersionFilter{}, nil); err != nil || n != 1 {
		f.Errorf("Delete(z) = %d, %v; want its one expired version", n, err)
	}
	want := []int64{x1, y1, y2}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{Versions: allVersions})); !slices.Equal(got, want) {
		f.Errorf("after deleting x's expired last version and z: seqs %v, want %v", got, want)
	}
	if got := seqs(f.all(owner, firebreak.ObjectFilter{})); !slices.Equal(got, []int64{x1, y2}) {
		f.Errorf("owner, last, after the delete: seqs %v, want %v", got, []int64{x1, y2})
	}
}
