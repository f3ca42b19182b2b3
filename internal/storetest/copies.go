package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
)

// Several providers may hold copies of one id, and of one version of it: an observable,
// whose id derives from its value, or an ATT&CK object that many members import. Each
// copy is its provider's, under its provider's policy; a reader gets one copy per
// version among those it may see (the one stored first), and nothing it gets, nor any
// outcome of a submission, depends on a copy it may not see.

// testCopiesIngest checks that a second provider stores its own copy of an id that
// another holds, versions the other holds included, and that the outcome and metadata
// it gets back say nothing of the other's copy. (Until issue 13 the second provider got
// Foreign: an oracle of what anyone had shared.)
func testCopiesIngest(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x, y := ident("indicator", 1), ident("indicator", 2)
	ra := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"))
	f.clock.Advance(time.Second)
	rb := f.ingest(b, Item(x, ts(1), "2.1", "q"), Item(x, ts(2), "2.1", "q"), Item(x, ts(3), "2.1", "q"), Item(y, ts(1), "2.1", "q"))
	for i, r := range rb {
		if o := r.Object; r.Outcome != firebreak.Stored || o.Provider != b || o.Seq <= ra[1].Object.Seq {
			f.Errorf("B's item %d: %q %+v, want stored as B's own version", i, r.Outcome, o)
		}
	}
	// Exactly what a fresh id gets: the same outcome, B's own date added and policy.
	if rb[0].Object.Added != rb[3].Object.Added || rb[0].Object.Policy != rb[3].Object.Policy {
		f.Errorf("a copy of A's version and a fresh id differ: %+v and %+v", rb[0].Object, rb[3].Object)
	}
	// Each provider's duplicates are its own.
	f.clock.Advance(time.Second)
	again := f.ingest(b, Item(x, ts(1), "2.1", "q"), Item(x, ts(4), "2.1", "q"))
	if again[0].Outcome != firebreak.Duplicate || !sameMeta(again[0].Object, rb[0].Object) {
		f.Errorf("B resubmitting its copy: %q %+v, want a duplicate of B's own %+v", again[0].Outcome, again[0].Object, rb[0].Object)
	}
	if again[1].Outcome != firebreak.Stored {
		f.Errorf("B adding a version A does not hold: %q", again[1].Outcome)
	}
	if r := f.ingest(a, Item(x, ts(1), "2.1", "p")); r[0].Outcome != firebreak.Duplicate || !sameMeta(r[0].Object, ra[0].Object) {
		f.Errorf("A resubmitting its copy: %q %+v, want a duplicate of A's own %+v", r[0].Outcome, r[0].Object, ra[0].Object)
	}
	// Each provider sees all of its own copy.
	if got := f.all(firebreak.Visibility{All: true, Provider: b}, firebreak.ObjectFilter{IDs: []string{x}, Versions: allVersions}); len(got) != 4 {
		f.Errorf("B's own versions of x:%s\nwant 4", describe(got))
	}
	// Someone who may see everything gets one copy per version, the first stored.
	want := []int64{ra[0].Object.Seq, ra[1].Object.Seq, rb[2].Object.Seq, again[1].Object.Seq}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{IDs: []string{x}, Versions: allVersions})); !slices.Equal(got, want) {
		f.Errorf("every version of x, to an operator: %v, want %v (one copy each)", got, want)
	}
}

// testCopiesDelete checks that a provider deletes only its own copy.
func testCopiesDelete(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x := ident("indicator", 1)
	ra := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"))
	rb := f.ingest(b, Item(x, ts(1), "2.1", "q"), Item(x, ts(2), "2.1", "q"))
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{At: []string{VersionKey(ts(1))}}, nil); err != nil || n != 1 {
		f.Fatalf("A deleting its version 1: %d, %v; want 1", n, err)
	}
	want := []int64{ra[1].Object.Seq, rb[0].Object.Seq}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{Versions: allVersions})); !slices.Equal(got, want) {
		f.Errorf("after A deleted its version 1: %v, want A's version 2 and B's copy of version 1, %v", got, want)
	}
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 1 {
		f.Fatalf("A deleting the rest of its copy: %d, %v; want 1", n, err)
	}
	want = []int64{rb[0].Object.Seq, rb[1].Object.Seq}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{Versions: allVersions})); !slices.Equal(got, want) {
		f.Errorf("after A deleted its copy: %v, want B's, %v", got, want)
	}
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 0 {
		f.Errorf("A deleting again, with only B's copy left: %d, %v; want 0", n, err)
	}
}

// testCopiesReaders checks what readers who may see one copy, the other, or both get:
// one version per version key, the first stored among those they may see, and first and
// last among the versions they may see.
func testCopiesReaders(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x := ident("indicator", 1)
	// B's copy of version 2 comes first, A's of version 1.
	rb := f.ingest(b, Item(x, ts(2), "2.1", "q"))
	f.clock.Advance(time.Second)
	ra := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"), expiring(expiresAt(1), x, ts(3), "2.1", "p"))
	f.clock.Advance(time.Second)
	rb = append(rb, f.ingest(b, Item(x, ts(1), "2.1", "q"))...)
	pa, pb := ra[0].Object.Policy, rb[0].Object.Policy
	a1, a2, a3, b2, b1 := ra[0].Object.Seq, ra[1].Object.Seq, ra[2].Object.Seq, rb[0].Object.Seq, rb[1].Object.Seq
	first := firebreak.VersionFilter{First: true}
	cases := []struct {
		name string
		vis  firebreak.Visibility
		flt  firebreak.ObjectFilter
		want []int64
	}{
		{"both, all", firebreak.Visibility{Policies: sortedIDs(pa, pb)}, firebreak.ObjectFilter{Versions: allVersions}, []int64{b2, a1, a3}},
		{"both, last", firebreak.Visibility{Policies: sortedIDs(pa, pb)}, firebreak.ObjectFilter{}, []int64{a3}},
		{"both, first", firebreak.Visibility{Policies: sortedIDs(pa, pb)}, firebreak.ObjectFilter{Versions: first}, []int64{a1}},
		{"both, version 2", firebreak.Visibility{Policies: sortedIDs(pa, pb)},
			firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{VersionKey(ts(2))}}}, []int64{b2}},
		{"B's only, all", firebreak.Visibility{Policies: []int64{pb}}, firebreak.ObjectFilter{Versions: allVersions}, []int64{b2, b1}},
		{"B's only, last", firebreak.Visibility{Policies: []int64{pb}}, firebreak.ObjectFilter{}, []int64{b2}},
		{"B's only, first", firebreak.Visibility{Policies: []int64{pb}}, firebreak.ObjectFilter{Versions: first}, []int64{b1}},
		{"A's only, all", firebreak.Visibility{Policies: []int64{pa}}, firebreak.ObjectFilter{Versions: allVersions}, []int64{a1, a2, a3}},
		{"A's only, version 2", firebreak.Visibility{Policies: []int64{pa}},
			firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{VersionKey(ts(2))}}}, []int64{a2}},
		// A's version 3 has expired: last is version 2, B's copy, stored first.
		{"both, A's last expired", firebreak.Visibility{Policies: sortedIDs(pa, pb), Now: expiresAt(2)}, firebreak.ObjectFilter{}, []int64{b2}},
		{"both, after B's first copy", firebreak.Visibility{Policies: sortedIDs(pa, pb)},
			firebreak.ObjectFilter{After: firebreak.CursorOf(rb[0].Object), Versions: allVersions}, []int64{a1, a3}},
		// A's copy of version 2 is not shown to someone who sees both, wherever it starts.
		{"both, from A's version 1", firebreak.Visibility{Policies: sortedIDs(pa, pb)},
			firebreak.ObjectFilter{AddedAfter: rb[0].Object.Added, Versions: allVersions}, []int64{a1, a3}},
		{"both, A's provider view", firebreak.Visibility{All: true, Provider: a}, firebreak.ObjectFilter{Versions: allVersions}, []int64{a1, a2, a3}},
		{"both, metadata only", firebreak.Visibility{Policies: sortedIDs(pa, pb)}, firebreak.ObjectFilter{Versions: allVersions, MetadataOnly: true},
			[]int64{b2, a1, a3}},
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
	// The bytes are the copy's own.
	p := f.objects(firebreak.Visibility{Policies: []int64{pb}}, firebreak.ObjectFilter{Versions: first})
	if len(p.Objects) != 1 || string(p.Objects[0].Raw) != string(Item(x, ts(1), "2.1", "q").Raw) || p.Objects[0].Provider != b {
		f.Errorf("B's copy of version 1:%s", describe(p.Objects))
	}
}

// testCopiesGrant checks that a grant admits the grantor's copy alone: after the grantor
// deletes its object, another provider's copy of the id is not served under the grant
// (finding 13 of issue 13).
func testCopiesGrant(f *fixture) {
	ids := f.orgs("A", "B", "C")
	a, b, c := ids[0], ids[1], ids[2]
	x := ident("indicator", 1)
	f.ingest(c, Item(x, ts(1), "2.1", "c-red"))
	rb := f.ingest(b, Item(x, ts(1), "2.1", "b-red"), Item(x, ts(2), "2.1", "b-red"))
	ra := f.ingest(a, Item(ident("indicator", 2), ts(1), "2.1", "a-green"))
	vis := firebreak.Visibility{Policies: []int64{ra[0].Object.Policy}, Granted: []firebreak.Copy{{Provider: b, ID: x}},
		Now: Epoch, Owner: a}
	want := []int64{rb[0].Object.Seq, rb[1].Object.Seq, ra[0].Object.Seq}
	if got := seqs(f.all(vis, firebreak.ObjectFilter{Versions: allVersions})); !slices.Equal(got, want) {
		f.Errorf("a grant of B's copy: %v, want B's versions (not C's copy, stored first) and A's, %v", got, want)
	}
	if n, err := f.s.Delete(f.ctx, b, x, firebreak.VersionFilter{}, nil); err != nil || n != 2 {
		f.Fatalf("B deleting its copy: %d, %v", n, err)
	}
	for _, c := range []struct {
		flt  firebreak.ObjectFilter
		want []int64
	}{
		{firebreak.ObjectFilter{Versions: allVersions}, []int64{ra[0].Object.Seq}},
		{firebreak.ObjectFilter{}, []int64{ra[0].Object.Seq}},
		{firebreak.ObjectFilter{IDs: []string{x}}, nil},
	} {
		if got := seqs(f.all(vis, c.flt)); !slices.Equal(got, c.want) {
			f.Errorf("after B deleted its copy, the grant of it with %+v: %v, want %v (C's copy is not granted)", c.flt, got, c.want)
		}
	}
}

// testCopiesReview checks that held versions are decided per provider's copy.
func testCopiesReview(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x := ident("indicator", 1)
	ha := Item(x, ts(1), "2.1", `{"held":"a"}`)
	ha.Held, ha.StatusID = true, "status-a"
	hb := Item(x, ts(1), "2.1", `{"held":"b"}`)
	hb.Held, hb.StatusID = true, "status-b"
	ra := f.ingest(a, ha)
	f.ingest(b, hb)
	if _, err := f.s.Release(f.ctx, a+b+100, x, ts(1), []byte(`{}`)); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("releasing a copy nobody holds: %v, want not found", err)
	}
	rel, err := f.s.Release(f.ctx, b, x, ts(1), []byte(`{"released":"b"}`))
	if err != nil || rel.Object.Provider != b || rel.StatusID != "status-b" {
		f.Fatalf("releasing B's copy: %+v, %v", rel, err)
	}
	list, err := f.s.HeldVersions(f.ctx, 10)
	if err != nil || len(list) != 1 || list[0].Object.Seq != ra[0].Object.Seq {
		f.Errorf("after B's copy was released, held: %+v, %v; want A's alone", list, err)
	}
	// Released, B's copy moved past A's: a reader who may see both (an operator) still
	// gets one, A's, stored first.
	if got := seqs(f.all(everything, firebreak.ObjectFilter{IDs: []string{x}, Versions: allVersions})); !slices.Equal(got, []int64{ra[0].Object.Seq}) {
		f.Errorf("an operator after B's release: %v, want A's copy alone, %d", got, ra[0].Object.Seq)
	}
	if got := seqs(f.all(firebreak.Visibility{Policies: []int64{rel.Object.Policy}}, firebreak.ObjectFilter{})); !slices.Equal(got, []int64{rel.Object.Seq}) {
		f.Errorf("a reader of B's released copy: %v, want %d", got, rel.Object.Seq)
	}
	// A copy held first and released after another provider stored its copy moves past
	// it: a reader who may see both then gets the other, now stored first.
	y := ident("indicator", 2)
	hy := Item(y, ts(1), "2.1", `{"held":"a"}`)
	hy.Held, hy.StatusID = true, "status-a"
	f.ingest(a, hy)
	ry := f.ingest(b, Item(y, ts(1), "2.1", "plain"))
	if _, err := f.s.Release(f.ctx, a, y, ts(1), []byte(`{"released":"a"}`)); err != nil {
		f.Fatalf("releasing A's copy of y: %v", err)
	}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{IDs: []string{y}, Versions: allVersions})); !slices.Equal(got, []int64{ry[0].Object.Seq}) {
		f.Errorf("an operator after A's copy of y was released past B's: %v, want B's alone, %d", got, ry[0].Object.Seq)
	}
	rej, err := f.s.Reject(f.ctx, a, x, ts(1))
	if err != nil || rej.Object.Provider != a {
		f.Fatalf("rejecting A's copy: %+v, %v", rej, err)
	}
	if got := seqs(f.all(everything, firebreak.ObjectFilter{IDs: []string{x}, Versions: allVersions})); !slices.Equal(got, []int64{rel.Object.Seq}) {
		f.Errorf("after A's copy was rejected: %v, want B's released copy", got)
	}
}

// testCopiesMatrix compares the store with the model over the product of visibilities
// (grants included) and filters (EveryCopy too), on a history in which three providers hold overlapping
// copies of ids and versions, under their own policies, spec versions and expiries,
// copies of an object without timestamps, and a held copy released past the others.
func testCopiesMatrix(f *fixture) {
	ids := f.orgs("A", "B", "C")
	provs := []int64{ids[0], ids[1], ids[2]}
	var m model
	objID := func(i int) string {
		if i == 9 {
			return ident("ipv4-addr", i) // no timestamps: version keys ""
		}
		return ident("indicator", i)
	}
	// holds reports whether provider p (0, 1, 2) holds version k of object i, and in which
	// of four calls it stores it.
	type entry struct{ p, i, k, call int }
	var entries []entry
	for i := range 10 {
		for p := range 3 {
			if (i+p)%4 == 3 {
				continue // not every provider holds every object
			}
			nv := 1 + (i+2*p)%3
			if i == 9 {
				nv = 1
			}
			for k := range nv {
				entries = append(entries, entry{p, i, k, (i*5 + p*3 + (2-k)*7) % 4})
			}
		}
	}
	policy := map[string]int64{}
	var heldB firebreak.IngestItem
	for call := range 4 {
		for _, p := range []int{2, 0, 1} {
			var items []firebreak.IngestItem
			for _, e := range entries {
				if e.p != p || e.call != call {
					continue
				}
				doc := fmt.Sprintf("%c%d", 'a'+p, 1+(e.i+e.k)%2)
				spec := "2.1"
				if (e.i+e.k+e.p)%5 == 0 {
					spec = "2.0"
				}
				version := ts(100*e.i + 10*e.k)
				if e.i == 9 {
					version = ""
				}
				it := Item(objID(e.i), version, spec, doc)
				switch (e.i + e.k + 2*e.p) % 6 {
				case 1:
					it.Expires = expiresAt(1)
				case 4:
					it.Expires = expiresAt(3)
				}
				if p == 1 && e.i == 4 && e.k == 0 {
					it.PolicyDoc, it.Held, it.StatusID = []byte("held"), true, "status-1"
					heldB = it
				}
				items = append(items, it)
			}
			if len(items) == 0 {
				continue
			}
			res := f.ingest(provs[p], items...)
			for i, r := range res {
				if r.Outcome != firebreak.Stored {
					f.Fatalf("provider %d item %s@%s: %q, want stored", p, items[i].ID, items[i].Version, r.Outcome)
				}
				policy[string(items[i].PolicyDoc)] = r.Object.Policy
			}
			m.add(items, res)
		}
		f.clock.Advance(time.Second)
	}
	// B's held copy is released: it moves past every other copy of its version.
	rel, err := f.s.Release(f.ctx, provs[1], heldB.ID, heldB.Version, []byte("b1"))
	if err != nil {
		f.Fatalf("Release: %v", err)
	}
	for n, v := range m.versions {
		if v.obj.Provider == provs[1] && v.obj.ID == heldB.ID && v.vkey == heldB.VersionKey {
			o := rel.Object
			o.Raw = v.obj.Raw
			m.versions[n].obj = o
		}
	}
	slices.SortFunc(m.versions, func(x, y modelVersion) int { return int(x.obj.Seq - y.obj.Seq) })

	stored := f.all(everything, firebreak.ObjectFilter{Versions: allVersions})
	f.checkObjects("all versions", stored, m.query(everything, firebreak.ObjectFilter{Versions: allVersions}))
	if f.Failed() {
		return
	}
	mid := firebreak.CursorOf(stored[len(stored)/2])
	var scoKeys []string
	for _, v := range m.versions {
		if v.obj.ID == objID(9) {
			scoKeys = append(scoKeys, v.key())
		}
	}
	a1, a2, b1, b2, c1, c2 := policy["a1"], policy["a2"], policy["b1"], policy["b2"], policy["c1"], policy["c2"]
	visibilities := []firebreak.Visibility{
		everything,
		{Policies: sortedIDs(a1, b1)},
		{Policies: sortedIDs(a1, a2, b1, b2, c1, c2)},
		{Policies: []int64{b2}},
		{Policies: sortedIDs(c1, a2)},
		{Policies: []int64{a1}, Except: true},
		{All: true, Provider: provs[1]},
		{Policies: sortedIDs(b1, c1), Provider: provs[2]},
		{All: true, Now: expiresAt(2)},
		{Policies: sortedIDs(a1, a2, b1, b2, c1, c2), Now: expiresAt(2), Owner: provs[1]},
		{Policies: sortedIDs(a1, c2), Now: expiresAt(4), Owner: provs[0]},
		{Policies: []int64{a1}, Granted: []firebreak.Copy{{Provider: provs[1], ID: objID(1)}, {Provider: provs[2], ID: objID(4)}}},
		{Policies: []int64{b1}, Except: true, Granted: []firebreak.Copy{{Provider: provs[1], ID: objID(2)}}, Now: expiresAt(2), Owner: provs[2]},
		{Granted: []firebreak.Copy{{Provider: provs[0], ID: objID(2)}, {Provider: provs[1], ID: objID(9)}, {Provider: provs[2], ID: objID(5)}},
			Now: expiresAt(4)},
	}
	versions := []firebreak.VersionFilter{
		{}, {First: true}, allVersions,
		{At: append([]string{VersionKey(ts(110)), VersionKey(ts(410)), VersionKey(ts(9999))}, scoKeys...)},
		{First: true, Last: true},
		{Last: true, At: []string{VersionKey(ts(100)), VersionKey(ts(500))}},
	}
	specs := [][]string{nil, {"2.1"}}
	idSets := [][]string{nil, {objID(1), objID(4), objID(9), objID(2)}}
	positions := []firebreak.ObjectFilter{{}, {AddedAfter: Epoch.Add(time.Second)}, {After: mid}}
	n := 0
	for _, vis := range visibilities {
		for _, v := range versions {
			for _, sp := range specs {
				for _, idl := range idSets {
					for k, pos := range positions {
						flt := firebreak.ObjectFilter{AddedAfter: pos.AddedAfter, After: pos.After, IDs: idl,
							Versions: v, SpecVersions: sp, Limit: 1000, MetadataOnly: n%2 == 0, EveryCopy: (n+k)%4 == 1}
						want := m.query(vis, flt)
						p := f.objects(vis, flt)
						what := fmt.Sprintf("vis %+v filter %+v", vis, flt)
						f.checkObjects(what, p.Objects, want)
						if p.More {
							f.Errorf("%s: More on a complete page", what)
						}
						if n%3 == 0 {
							flt.Limit = 1 + n%2
							f.checkObjects(what+" (paged)", f.all(vis, flt), want)
						}
						n++
						if f.Failed() {
							return
						}
					}
				}
			}
		}
	}
}
