package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
)

// all versions, of everything: the view of a hub operator.
var (
	everything  = firebreak.Visibility{All: true}
	allVersions = firebreak.VersionFilter{All: true}
)

// sameMeta reports whether two objects agree on everything but Raw.
func sameMeta(a, b firebreak.Object) bool {
	return a.Seq == b.Seq && a.Added.Equal(b.Added) && a.ID == b.ID && a.Type == b.Type &&
		a.SpecVersion == b.SpecVersion && a.Version == b.Version && a.Provider == b.Provider &&
		a.Policy == b.Policy && a.Expires.Equal(b.Expires)
}

// same reports whether two objects agree on everything, Raw byte for byte.
func same(a, b firebreak.Object) bool {
	return sameMeta(a, b) && bytes.Equal(a.Raw, b.Raw) && (a.Raw == nil) == (b.Raw == nil)
}

func describe(objs []firebreak.Object) string {
	var b strings.Builder
	for _, o := range objs {
		fmt.Fprintf(&b, "\n  seq=%d added=%d %s %s spec=%s policy=%d provider=%d raw=%d bytes",
			o.Seq, o.Added.UnixMicro(), o.ID, o.Version, o.SpecVersion, o.Policy, o.Provider, len(o.Raw))
		if !o.Expires.IsZero() {
			fmt.Fprintf(&b, " expires=%s", o.Expires.Format(time.RFC3339Nano))
		}
	}
	return b.String()
}

// checkObjects fails unless got and want hold the same objects in the same order.
func (f *fixture) checkObjects(what string, got, want []firebreak.Object) {
	f.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = same(got[i], want[i])
	}
	if !ok {
		f.Errorf("%s:\n got %d:%s\nwant %d:%s", what, len(got), describe(got), len(want), describe(want))
	}
}

func testIngestOutcomes(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("indicator", 1), ident("malware", 2)
	res := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(y, ts(1), "2.1", "p"))
	added := Epoch.Truncate(time.Microsecond)
	for i, r := range res {
		if r.Outcome != firebreak.Stored {
			f.Errorf("item %d: outcome %q, want stored", i, r.Outcome)
		}
		o := r.Object
		if o.Seq <= 0 || !o.Added.Equal(added) || o.Provider != a || o.Policy == 0 || o.Version != ts(1) || o.SpecVersion != "2.1" {
			f.Errorf("item %d: stored metadata %+v, want seq > 0, added %v, provider %d, a policy, version %s, spec 2.1",
				i, o, added, a, ts(1))
		}
	}
	if res[0].Object.ID != x || res[0].Object.Type != "indicator" || res[1].Object.ID != y || res[1].Object.Type != "malware" {
		f.Errorf("results %+v do not follow the items' order", res)
	}
	if res[0].Object.Policy != res[1].Object.Policy {
		f.Errorf("one policy document got two policies: %d and %d", res[0].Object.Policy, res[1].Object.Policy)
	}

	f.clock.Advance(time.Second)
	again := Item(x, ts(1), "2.1", "p")
	again.Raw = []byte(`{"type":"indicator","id":"` + x + `","note":"resubmitted"}`)
	res2 := f.ingest(a, again, Item(x, ts(2), "2.1", "p"))
	if res2[0].Outcome != firebreak.Duplicate || !sameMeta(res2[0].Object, res[0].Object) {
		f.Errorf("resubmitting a held version: %q %+v, want duplicate with the held metadata %+v",
			res2[0].Outcome, res2[0].Object, res[0].Object)
	}
	if res2[1].Outcome != firebreak.Stored || res2[1].Object.Seq <= res[1].Object.Seq {
		f.Errorf("a new version: %q seq %d, want stored after seq %d", res2[1].Outcome, res2[1].Object.Seq, res[1].Object.Seq)
	}
	got := f.all(everything, firebreak.ObjectFilter{Versions: allVersions})
	if len(got) != 3 || !bytes.Equal(got[0].Raw, Item(x, ts(1), "2.1", "p").Raw) {
		f.Errorf("after a duplicate, the versions are:%s\nwant 3, the first as first submitted", describe(got))
	}
}

func testIngestInBatchDuplicate(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("indicator", 1), ident("indicator", 2)
	second := Item(x, ts(1), "2.1", "p")
	second.Raw = []byte(`{"type":"indicator","id":"` + x + `","second":true}`)
	res := f.ingest(a, Item(x, ts(1), "2.1", "p"), second, Item(y, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"))
	want := []string{firebreak.Stored, firebreak.Duplicate, firebreak.Stored, firebreak.Stored}
	for i, r := range res {
		if r.Outcome != want[i] {
			f.Errorf("item %d: outcome %q, want %q", i, r.Outcome, want[i])
		}
	}
	if !sameMeta(res[1].Object, res[0].Object) {
		f.Errorf("in-batch duplicate reports %+v, want the first copy's %+v", res[1].Object, res[0].Object)
	}
	got := f.all(everything, firebreak.ObjectFilter{Versions: allVersions})
	if len(got) != 3 || !bytes.Equal(got[0].Raw, Item(x, ts(1), "2.1", "p").Raw) {
		f.Errorf("stored:%s\nwant 3 versions, the first copy kept", describe(got))
	}
}

func testIngestDatesAndSeq(f *fixture) {
	a := f.orgs("A")[0]
	var lastSeq int64
	var prevAdded time.Time
	for call := range 4 {
		var items []firebreak.IngestItem
		for i := range 5 {
			items = append(items, Item(ident("indicator", call*10+i), ts(1), "2.1", "p"))
		}
		res := f.ingest(a, items...)
		want := f.clock.Now().Truncate(time.Microsecond)
		for i, r := range res {
			if !r.Object.Added.Equal(want) {
				f.Errorf("call %d item %d: added %v, want the clock at the call, %v", call, i, r.Object.Added, want)
			}
			if r.Object.Seq <= lastSeq {
				f.Errorf("call %d item %d: seq %d, want above %d", call, i, r.Object.Seq, lastSeq)
			}
			lastSeq = r.Object.Seq
		}
		if call > 0 && !res[0].Object.Added.After(prevAdded) {
			f.Errorf("call %d: added %v, want after the previous call's %v", call, res[0].Object.Added, prevAdded)
		}
		prevAdded = res[0].Object.Added
		f.clock.Advance(1500 * time.Microsecond)
	}
}

func testIngestClockStepsBack(f *fixture) {
	a := f.orgs("A")[0]
	f.clock.Set(Epoch.Add(10 * time.Second))
	r1 := f.ingest(a, Item(ident("indicator", 1), ts(1), "2.1", "p"))[0].Object
	f.clock.Set(Epoch) // the clock steps back ten seconds
	r2 := f.ingest(a, Item(ident("indicator", 2), ts(1), "2.1", "p"), Item(ident("indicator", 3), ts(1), "2.1", "p"))
	for i, r := range r2 {
		if r.Object.Added.Before(r1.Added) {
			f.Errorf("after the clock stepped back, item %d added %v, before the earlier %v", i, r.Object.Added, r1.Added)
		}
		if r.Object.Seq <= r1.Seq {
			f.Errorf("after the clock stepped back, item %d seq %d, want above %d", i, r.Object.Seq, r1.Seq)
		}
	}
	if !r2[0].Object.Added.Equal(r2[1].Object.Added) {
		f.Errorf("one call's items have different dates added: %v and %v", r2[0].Object.Added, r2[1].Object.Added)
	}
	f.clock.Set(Epoch.Add(20 * time.Second))
	r3 := f.ingest(a, Item(ident("indicator", 4), ts(1), "2.1", "p"))[0].Object
	if want := Epoch.Add(20 * time.Second).Truncate(time.Microsecond); !r3.Added.Equal(want) {
		f.Errorf("after the clock moved on, added %v, want %v", r3.Added, want)
	}
	got := seqs(f.all(everything, firebreak.ObjectFilter{Limit: 1}))
	want := []int64{r1.Seq, r2[0].Object.Seq, r2[1].Object.Seq, r3.Seq}
	if !slices.Equal(got, want) {
		f.Errorf("paging order %v, want %v", got, want)
	}
	// added_after the first call's date must not lose what the stepped-back call added.
	p := f.objects(everything, firebreak.ObjectFilter{AddedAfter: r1.Added.Add(-time.Microsecond)})
	if len(p.Objects) != 4 {
		f.Errorf("added_after just before the first call: %d versions, want 4", len(p.Objects))
	}
}

// testIngestInvalid checks that a batch with an invalid item or from an unknown provider
// is refused whole, and that an empty policy document is a document like any other.
func testIngestInvalid(f *fixture) {
	org := f.orgs("A")[0]
	good := Item("indicator--00000000-0000-4000-8000-000000000001", "2024-01-01T00:00:00Z", "2.1", "p")
	noID := good
	noID.ID = ""
	noRaw := good
	noRaw.Raw = nil
	for _, c := range []struct {
		name     string
		provider int64
		items    []firebreak.IngestItem
		code     string
	}{
		{"empty id", org, []firebreak.IngestItem{good, noID}, firebreak.EINVALID},
		{"no raw", org, []firebreak.IngestItem{noRaw}, firebreak.EINVALID},
		{"unknown provider", org + 100, []firebreak.IngestItem{good}, firebreak.EINVALID},
	} {
		_, err := f.s.Ingest(f.ctx, c.provider, c.items)
		if got := firebreak.ErrorCode(err); got != c.code {
			f.Errorf("%s: Ingest error %v (code %q), want %q", c.name, err, got, c.code)
		}
	}
	p, err := f.s.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{})
	if err != nil || len(p.Objects) != 0 {
		f.Errorf("after refused ingests, Objects = %d, %v; want none (all or nothing)", len(p.Objects), err)
	}
	noDoc := good
	noDoc.PolicyDoc = nil
	res, err := f.s.Ingest(f.ctx, org, []firebreak.IngestItem{noDoc})
	if err != nil || res[0].Outcome != firebreak.Stored || res[0].Object.Policy == 0 {
		f.Errorf("Ingest with no policy document = %+v, %v; want stored with a policy", res, err)
	}
	// Close may be called more than once (the fixture closes the store again).
	if err := f.s.Close(); err != nil {
		f.Errorf("Close: %v", err)
	}
	if err := f.s.Close(); err != nil {
		f.Errorf("second Close: %v", err)
	}
}

func testIngestEmpty(f *fixture) {
	a := f.orgs("A")[0]
	res, err := f.s.Ingest(f.ctx, a, nil)
	if err != nil || len(res) != 0 {
		f.Errorf("Ingest(nil) = %v, %v; want no results and no error", res, err)
	}
}

func testRawExact(f *fixture) {
	a := f.orgs("A")[0]
	x := ident("indicator", 1)
	raws := []string{
		"{ \"type\" : \"indicator\",\n\t\"id\":\"" + x + "\", \"modified\":\"2024-01-01T00:00:01.000Z\",\"name\":\"caf\\u00e9 \u2615 \u00e9\",\"n\":1.50e+3 ,\"spec_version\":\"2.1\",\"z\":12345678901234567890123 }",
		`{"id":"` + x + `","type":"indicator","spec_version":"2.1","modified":"2024-01-01T00:00:02.000Z","description":"` + strings.Repeat("long text \\\"quoted\\\" ", 5000) + `"}`,
	}
	var items []firebreak.IngestItem
	for i, r := range raws {
		it := Item(x, ts(i+1), "2.1", "p")
		it.Raw = []byte(r)
		items = append(items, it)
	}
	f.ingest(a, items...)
	got := f.all(everything, firebreak.ObjectFilter{Versions: allVersions, IDs: []string{x}})
	if len(got) != len(raws) {
		f.Fatalf("got %d versions, want %d", len(got), len(raws))
	}
	for i, o := range got {
		if string(o.Raw) != raws[i] {
			f.Errorf("version %d: raw differs from what was submitted (got %d bytes, want %d)", i, len(o.Raw), len(raws[i]))
		}
	}
	p := f.objects(everything, firebreak.ObjectFilter{})
	if len(p.Objects) != 1 || string(p.Objects[0].Raw) != raws[1] {
		f.Errorf("last version's raw differs from what was submitted")
	}
}

func testVersionWithoutTimestamp(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("marking-definition", 1), ident("indicator", 2)
	exact := "2024-01-01T00:00:00.1Z" // not in canonical form: kept as given
	res := f.ingest(a, Item(x, "", "2.1", "p"), Item(y, exact, "2.1", "p"))
	o := res[0].Object
	if want := o.Added.UTC().Format("2006-01-02T15:04:05.000000Z"); o.Version != want {
		f.Errorf("version of an object without timestamps = %q, want its date added %q", o.Version, want)
	}
	if res[1].Object.Version != exact {
		f.Errorf("version = %q, want %q exactly as given", res[1].Object.Version, exact)
	}
	f.clock.Advance(time.Second)
	if r := f.ingest(a, Item(x, "", "2.1", "p")); r[0].Outcome != firebreak.Duplicate || r[0].Object.Seq != o.Seq {
		f.Errorf("resubmitting an object without timestamps: %q seq %d, want duplicate of seq %d", r[0].Outcome, r[0].Object.Seq, o.Seq)
	}
	at := o.Added.UTC().Format("2006-01-02T15:04:05.000000000Z")
	p := f.objects(everything, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{at}}})
	if len(p.Objects) != 1 || p.Objects[0].Seq != o.Seq {
		f.Errorf("match[version]=<its date added> found%s\nwant the object without timestamps", describe(p.Objects))
	}
	p = f.objects(everything, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{VersionKey(exact)}}})
	if len(p.Objects) != 1 || p.Objects[0].ID != y || p.Objects[0].Version != exact {
		f.Errorf("match[version]=<key of %s> found%s\nwant %s", exact, describe(p.Objects), y)
	}
	f.checkObjects("stored versions", f.all(everything, firebreak.ObjectFilter{Versions: allVersions}),
		[]firebreak.Object{withRaw(res[0].Object, Item(x, "", "2.1", "p")), withRaw(res[1].Object, Item(y, exact, "2.1", "p"))})
}

func withRaw(o firebreak.Object, it firebreak.IngestItem) firebreak.Object {
	o.Raw = it.Raw
	return o
}

func testMetadataOnly(f *fixture) {
	a := f.orgs("A")[0]
	it := Item(ident("indicator", 1), ts(1), "2.1", "p")
	res := f.ingest(a, it)
	p := f.objects(everything, firebreak.ObjectFilter{MetadataOnly: true})
	if len(p.Objects) != 1 || p.Objects[0].Raw != nil || !sameMeta(p.Objects[0], res[0].Object) {
		f.Errorf("MetadataOnly page%s\nwant the metadata %+v without raw", describe(p.Objects), res[0].Object)
	}
	p = f.objects(everything, firebreak.ObjectFilter{})
	if len(p.Objects) != 1 || !bytes.Equal(p.Objects[0].Raw, it.Raw) {
		f.Errorf("page without MetadataOnly%s\nwant the raw object", describe(p.Objects))
	}
}

// filterData stores a small history used by testFilterCases: three calls one second
// apart; ind1 has three versions, mal1 two (the first in spec 2.0), ind2 one.
type filterData struct {
	v     map[string]firebreak.Object // by name: ind1v1 ...
	calls []time.Time                 // date added of each call
}

func storeFilterData(f *fixture) filterData {
	a := f.orgs("A")[0]
	ind1, ind2, mal1 := ident("indicator", 1), ident("indicator", 2), ident("malware", 3)
	d := filterData{v: map[string]firebreak.Object{}}
	calls := [][]struct {
		name string
		item firebreak.IngestItem
	}{
		{{"ind1v1", Item(ind1, ts(1), "2.1", "p")}, {"mal1v1", Item(mal1, ts(5), "2.0", "p")}},
		{{"mal1v2", Item(mal1, ts(6), "2.1", "p")}, {"ind1v2", Item(ind1, ts(2), "2.1", "p")}, {"ind2v1", Item(ind2, ts(7), "2.1", "p")}},
		{{"ind1v3", Item(ind1, ts(3), "2.1", "p")}},
	}
	for _, call := range calls {
		var items []firebreak.IngestItem
		for _, c := range call {
			items = append(items, c.item)
		}
		res := f.ingest(a, items...)
		for i, c := range call {
			d.v[c.name] = withRaw(res[i].Object, c.item)
		}
		d.calls = append(d.calls, res[0].Object.Added)
		f.clock.Advance(time.Second)
	}
	return d
}

func testFilterCases(f *fixture) {
	d := storeFilterData(f)
	key := func(name string) string { return VersionKey(d.v[name].Version) }
	cases := []struct {
		name string
		flt  firebreak.ObjectFilter
		want []string
	}{
		{"default is last", firebreak.ObjectFilter{}, []string{"mal1v2", "ind2v1", "ind1v3"}},
		{"last", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{Last: true}}, []string{"mal1v2", "ind2v1", "ind1v3"}},
		{"first", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true}}, []string{"ind1v1", "mal1v1", "ind2v1"}},
		{"all", firebreak.ObjectFilter{Versions: allVersions}, []string{"ind1v1", "mal1v1", "mal1v2", "ind1v2", "ind2v1", "ind1v3"}},
		{"first and last", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true, Last: true}},
			[]string{"ind1v1", "mal1v1", "mal1v2", "ind2v1", "ind1v3"}},
		{"at", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{key("ind1v2")}}}, []string{"ind1v2"}},
		{"at two", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{key("ind1v2"), key("mal1v1")}}},
			[]string{"mal1v1", "ind1v2"}},
		{"at unknown", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{At: []string{VersionKey(ts(99))}}}, nil},
		{"at and last", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{Last: true, At: []string{key("ind1v2")}}},
			[]string{"mal1v2", "ind1v2", "ind2v1", "ind1v3"}},
		{"at and first", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true, At: []string{key("ind1v2")}}},
			[]string{"ind1v1", "mal1v1", "ind1v2", "ind2v1"}},
		{"all and at", firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true, At: []string{key("ind1v2")}}},
			[]string{"ind1v1", "mal1v1", "mal1v2", "ind1v2", "ind2v1", "ind1v3"}},
		{"ids", firebreak.ObjectFilter{IDs: []string{d.v["ind1v1"].ID}}, []string{"ind1v3"}},
		{"ids all", firebreak.ObjectFilter{IDs: []string{d.v["ind1v1"].ID, d.v["ind2v1"].ID}, Versions: allVersions},
			[]string{"ind1v1", "ind1v2", "ind2v1", "ind1v3"}},
		{"ids unknown", firebreak.ObjectFilter{IDs: []string{ident("indicator", 99)}}, nil},
		{"types", firebreak.ObjectFilter{Types: []string{"malware"}}, []string{"mal1v2"}},
		{"types all", firebreak.ObjectFilter{Types: []string{"malware", "tool"}, Versions: allVersions}, []string{"mal1v1", "mal1v2"}},
		{"spec 2.0 last", firebreak.ObjectFilter{SpecVersions: []string{"2.0"}}, []string{"mal1v1"}},
		{"spec 2.1 first", firebreak.ObjectFilter{SpecVersions: []string{"2.1"}, Versions: firebreak.VersionFilter{First: true}},
			[]string{"ind1v1", "mal1v2", "ind2v1"}},
		{"spec both", firebreak.ObjectFilter{SpecVersions: []string{"2.0", "2.1"}}, []string{"mal1v2", "ind2v1", "ind1v3"}},
		{"added_after the first call", firebreak.ObjectFilter{AddedAfter: d.calls[0]}, []string{"mal1v2", "ind2v1", "ind1v3"}},
		{"added_after exactly the second call", firebreak.ObjectFilter{AddedAfter: d.calls[1]}, []string{"ind1v3"}},
		{"added_after just before the second call", firebreak.ObjectFilter{AddedAfter: d.calls[1].Add(-time.Nanosecond), Versions: allVersions},
			[]string{"mal1v2", "ind1v2", "ind2v1", "ind1v3"}},
		{"added_after between calls, first", firebreak.ObjectFilter{AddedAfter: d.calls[0].Add(500 * time.Millisecond),
			Versions: firebreak.VersionFilter{First: true}}, []string{"ind2v1"}},
		{"added_after the last call", firebreak.ObjectFilter{AddedAfter: d.calls[2]}, nil},
		{"cursor", firebreak.ObjectFilter{After: firebreak.CursorOf(d.v["mal1v2"]), Versions: allVersions},
			[]string{"ind1v2", "ind2v1", "ind1v3"}},
		{"cursor last", firebreak.ObjectFilter{After: firebreak.CursorOf(d.v["mal1v2"])}, []string{"ind2v1", "ind1v3"}},
		{"cursor and added_after, later wins", firebreak.ObjectFilter{After: firebreak.CursorOf(d.v["ind1v1"]),
			AddedAfter: d.calls[1], Versions: allVersions}, []string{"ind1v3"}},
		{"added_after and cursor, later wins", firebreak.ObjectFilter{After: firebreak.CursorOf(d.v["ind1v2"]),
			AddedAfter: d.calls[0], Versions: allVersions}, []string{"ind2v1", "ind1v3"}},
		{"everything narrows", firebreak.ObjectFilter{IDs: []string{d.v["ind1v1"].ID, d.v["mal1v1"].ID}, Types: []string{"indicator"},
			SpecVersions: []string{"2.1"}, AddedAfter: d.calls[0], Versions: firebreak.VersionFilter{First: true, Last: true}},
			[]string{"ind1v3"}},
	}
	for _, c := range cases {
		var want []firebreak.Object
		for _, n := range c.want {
			want = append(want, d.v[n])
		}
		f.checkObjects(c.name, f.all(everything, c.flt), want)
		c.flt.Limit = 1
		f.checkObjects(c.name+" (limit 1)", f.all(everything, c.flt), want)
	}
}

// testFilterMatrix compares the store with the model over the product of visibilities
// and filters, on a history with two providers, three policies, out-of-order versions,
// two spec versions, versions that expire and an object without timestamps.
func testFilterMatrix(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	var m model
	type entry struct{ i, k int }
	var all []entry
	objID := func(i int) string {
		if i%3 == 0 {
			return ident("malware", i)
		}
		return ident("indicator", i)
	}
	for i := range 12 {
		for k := range 1 + i%3 {
			all = append(all, entry{i, k})
		}
	}
	// Spread the versions over four calls, newer versions sometimes before older ones.
	calls := make([][]entry, 4)
	for n, e := range all {
		c := (e.i*7 + (2-e.k)*5 + n) % 4
		calls[c] = append(calls[c], e)
	}
	policy := map[string]int64{}
	for _, call := range calls {
		for _, provider := range []int64{a, b} {
			var items []firebreak.IngestItem
			for _, e := range call {
				owner := a
				if e.i%4 == 3 {
					owner = b
				}
				if owner != provider {
					continue
				}
				spec := "2.1"
				if e.k == 1 {
					spec = "2.0"
				}
				doc := "b1"
				if owner == a {
					doc = []string{"a1", "a2"}[(e.i+e.k)%2]
				}
				it := Item(objID(e.i), ts(100*e.i+10*e.k), spec, doc)
				// Some versions expire, first or later ones, so that expiry decides
				// which version is first or last for some readers.
				switch (e.i + 2*e.k) % 5 {
				case 1:
					it.Expires = expiresAt(1)
				case 3:
					it.Expires = expiresAt(3)
				}
				items = append(items, it)
			}
			if len(items) == 0 {
				continue
			}
			res := f.ingest(provider, items...)
			m.add(items, res)
			for i, r := range res {
				policy[string(items[i].PolicyDoc)] = r.Object.Policy
			}
		}
		f.clock.Advance(time.Second)
	}
	noTS := Item(ident("marking-definition", 50), "", "2.1", "a1")
	res := f.ingest(a, noTS)
	m.add([]firebreak.IngestItem{noTS}, res)

	stored := f.all(everything, firebreak.ObjectFilter{Versions: allVersions})
	f.checkObjects("all versions", stored, m.query(everything, firebreak.ObjectFilter{Versions: allVersions}))
	if f.Failed() {
		return
	}
	mid := firebreak.CursorOf(stored[len(stored)/2])
	noTSKey := m.versions[len(m.versions)-1].key()

	visibilities := []firebreak.Visibility{
		everything,
		{Policies: []int64{policy["a1"]}},
		{Policies: sortedIDs(policy["a1"], policy["b1"])},
		{Policies: []int64{policy["a2"]}, Except: true},
		{Except: true},
		{All: true, Provider: a},
		{Policies: []int64{policy["a2"]}, Provider: a},
		{Policies: []int64{policy["a1"]}, Except: true, Provider: b},
		{Policies: nil},
		{All: true, Now: expiresAt(2)},
		{All: true, Now: expiresAt(1)}, // an expiry exactly at Now hides
		{Policies: sortedIDs(policy["a1"], policy["b1"]), Now: expiresAt(2), Owner: a},
		{Policies: []int64{policy["a2"]}, Except: true, Now: expiresAt(4), Owner: b},
		{All: true, Provider: a, Now: expiresAt(2)},
		{All: true, Owner: a}, // no Now: nothing expires
	}
	versions := []firebreak.VersionFilter{
		{}, {First: true}, {Last: true}, allVersions,
		{At: []string{VersionKey(ts(110)), VersionKey(ts(400)), noTSKey, VersionKey(ts(9999))}},
		{First: true, Last: true},
		{First: true, At: []string{VersionKey(ts(110)), VersionKey(ts(520))}},
		{Last: true, At: []string{VersionKey(ts(100)), VersionKey(ts(500))}},
		{First: true, Last: true, At: []string{VersionKey(ts(510))}},
	}
	specs := [][]string{nil, {"2.1"}, {"2.0"}}
	idSets := [][]string{nil, {objID(1), objID(4), objID(7), objID(5), ident("marking-definition", 50)}}
	typeSets := [][]string{nil, {"malware"}}
	positions := []firebreak.ObjectFilter{{}, {AddedAfter: Epoch.Add(time.Second)}, {After: mid}}
	n := 0
	for _, vis := range visibilities {
		for _, v := range versions {
			for _, sp := range specs {
				for _, idl := range idSets {
					for _, tl := range typeSets {
						for _, pos := range positions {
							flt := firebreak.ObjectFilter{AddedAfter: pos.AddedAfter, After: pos.After, IDs: idl, Types: tl,
								Versions: v, SpecVersions: sp, Limit: 1000}
							want := m.query(vis, flt)
							p := f.objects(vis, flt)
							what := fmt.Sprintf("vis %+v filter %+v", vis, flt)
							f.checkObjects(what, p.Objects, want)
							if p.More {
								f.Errorf("%s: More on a complete page", what)
							}
							if n%5 == 0 {
								flt.Limit = 2
								f.checkObjects(what+" (limit 2)", f.all(vis, flt), want)
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
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

func testFirstLastHonourVisibility(f *fixture) {
	a := f.orgs("A")[0]
	x := ident("indicator", 1)
	res := f.ingest(a, Item(x, ts(1), "2.1", "p1"), Item(x, ts(2), "2.1", "p1"), Item(x, ts(3), "2.0", "p2"))
	v1, v2, v3 := res[0].Object, res[1].Object, res[2].Object
	p1, p2 := v1.Policy, v3.Policy
	cases := []struct {
		name  string
		vis   firebreak.Visibility
		flt   firebreak.ObjectFilter
		wantV []firebreak.Object
	}{
		{"everything, last", everything, firebreak.ObjectFilter{}, []firebreak.Object{v3}},
		{"p1, last", firebreak.Visibility{Policies: []int64{p1}}, firebreak.ObjectFilter{}, []firebreak.Object{v2}},
		{"p1, first", firebreak.Visibility{Policies: []int64{p1}}, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true}}, []firebreak.Object{v1}},
		{"p2, first", firebreak.Visibility{Policies: []int64{p2}}, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{First: true}}, []firebreak.Object{v3}},
		{"except p2, last", firebreak.Visibility{Policies: []int64{p2}, Except: true}, firebreak.ObjectFilter{}, []firebreak.Object{v2}},
		{"spec 2.1, last", everything, firebreak.ObjectFilter{SpecVersions: []string{"2.1"}}, []firebreak.Object{v2}},
		{"spec 2.0, first", everything, firebreak.ObjectFilter{SpecVersions: []string{"2.0"}, Versions: firebreak.VersionFilter{First: true}}, []firebreak.Object{v3}},
		{"p2, spec 2.1", firebreak.Visibility{Policies: []int64{p2}}, firebreak.ObjectFilter{SpecVersions: []string{"2.1"}}, nil},
		{"other provider", firebreak.Visibility{All: true, Provider: a + 1000}, firebreak.ObjectFilter{}, nil},
	}
	for _, c := range cases {
		if got, want := seqs(f.all(c.vis, c.flt)), seqs(c.wantV); !slices.Equal(got, want) {
			f.Errorf("%s: seqs %v, want %v", c.name, got, want)
		}
	}
}

func testLastIgnoresCursorPosition(f *fixture) {
	a := f.orgs("A")[0]
	x, y := ident("indicator", 1), ident("indicator", 2)
	// x: the newer version arrives first. y: in order.
	c1 := f.ingest(a, Item(x, ts(2), "2.1", "p"), Item(y, ts(1), "2.1", "p"))
	f.clock.Advance(time.Second)
	c2 := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(y, ts(2), "2.1", "p"))
	afterC1 := firebreak.CursorOf(c1[1].Object)
	cases := []struct {
		name string
		flt  firebreak.ObjectFilter
		want []int64
	}{
		{"last from the start", firebreak.ObjectFilter{}, []int64{c1[0].Object.Seq, c2[1].Object.Seq}},
		{"last after the first call", firebreak.ObjectFilter{After: afterC1}, []int64{c2[1].Object.Seq}},
		{"last added after the first call", firebreak.ObjectFilter{AddedAfter: c1[0].Object.Added}, []int64{c2[1].Object.Seq}},
		{"first after the first call", firebreak.ObjectFilter{After: afterC1, Versions: firebreak.VersionFilter{First: true}},
			[]int64{c2[0].Object.Seq}},
		{"last after everything", firebreak.ObjectFilter{After: firebreak.CursorOf(c2[1].Object)}, nil},
	}
	for _, c := range cases {
		if got := seqs(f.all(everything, c.flt)); !slices.Equal(got, c.want) {
			f.Errorf("%s: seqs %v, want %v", c.name, got, c.want)
		}
	}
}

func testVisibility(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	ra := f.ingest(a, Item(ident("indicator", 1), ts(1), "2.1", "p1"), Item(ident("indicator", 2), ts(1), "2.1", "p2"))
	rb := f.ingest(b, Item(ident("indicator", 3), ts(1), "2.1", "p1"))
	pa1, pa2, pb1 := ra[0].Object.Policy, ra[1].Object.Policy, rb[0].Object.Policy
	if pa1 == pb1 {
		f.Errorf("two providers' equal documents share policy %d; want one policy per provider", pa1)
	}
	s1, s2, s3 := ra[0].Object.Seq, ra[1].Object.Seq, rb[0].Object.Seq
	many := []int64{}
	for i := range 5000 {
		many = append(many, pa1+1000+int64(i))
	}
	many = append(many, pa1)
	slices.Sort(many)
	cases := []struct {
		name string
		vis  firebreak.Visibility
		want []int64
	}{
		{"all", everything, []int64{s1, s2, s3}},
		{"one policy", firebreak.Visibility{Policies: []int64{pa1}}, []int64{s1}},
		{"two policies", firebreak.Visibility{Policies: sortedIDs(pa1, pb1)}, []int64{s1, s3}},
		{"except one", firebreak.Visibility{Policies: []int64{pa1}, Except: true}, []int64{s2, s3}},
		{"except none", firebreak.Visibility{Except: true}, []int64{s1, s2, s3}},
		{"no policies", firebreak.Visibility{}, nil},
		{"provider, all", firebreak.Visibility{All: true, Provider: a}, []int64{s1, s2}},
		{"provider and policies", firebreak.Visibility{Policies: sortedIDs(pa2, pb1), Provider: a}, []int64{s2}},
		{"provider and another's policy", firebreak.Visibility{Policies: []int64{pb1}, Provider: a}, nil},
		{"provider, except", firebreak.Visibility{Policies: []int64{pa1}, Except: true, Provider: b}, []int64{s3}},
		{"thousands of policies", firebreak.Visibility{Policies: many}, []int64{s1}},
		{"except thousands", firebreak.Visibility{Policies: many, Except: true}, []int64{s2, s3}},
	}
	for _, c := range cases {
		if got := seqs(f.all(c.vis, firebreak.ObjectFilter{Versions: allVersions})); !slices.Equal(got, c.want) {
			f.Errorf("%s: seqs %v, want %v", c.name, got, c.want)
		}
	}
}

func testPagingOneDateAdded(f *fixture) {
	a := f.orgs("A")[0]
	const n = 10000
	items := make([]firebreak.IngestItem, n)
	for i := range items {
		items[i] = Item(ident("indicator", i), ts(1), "2.1", []string{"p1", "p2"}[i%2])
	}
	res := f.ingest(a, items...)
	added := res[0].Object.Added
	for _, r := range res {
		if !r.Object.Added.Equal(added) {
			f.Fatalf("one call's versions have different dates added: %v and %v", added, r.Object.Added)
		}
	}
	check := func(what string, vis firebreak.Visibility, limit int, want []int64) {
		f.Helper()
		got := f.all(vis, firebreak.ObjectFilter{Limit: limit, MetadataOnly: limit == 1})
		if !slices.Equal(seqs(got), want) {
			f.Errorf("%s, limit %d: %d versions, want each of %d exactly once, in order", what, limit, len(got), len(want))
		}
	}
	all, odd := make([]int64, n), []int64{}
	for i, r := range res {
		all[i] = r.Object.Seq
		if i%2 == 1 {
			odd = append(odd, r.Object.Seq)
		}
	}
	for _, limit := range []int{1, 7, 1000} {
		check("everything", everything, limit, all)
	}
	check("one of two policies", firebreak.Visibility{Policies: []int64{res[1].Object.Policy}}, 7, odd)
}

func testPagingDefaultLimit(f *fixture) {
	a := f.orgs("A")[0]
	items := make([]firebreak.IngestItem, 2345)
	for i := range items {
		items[i] = Item(ident("indicator", i), ts(1), "2.1", "p")
	}
	f.ingest(a, items...)
	p := f.objects(everything, firebreak.ObjectFilter{})
	if len(p.Objects) == 0 || len(p.Objects) >= len(items) || !p.More {
		f.Errorf("Limit 0: a page of %d with More %v; want the store's default page size and More", len(p.Objects), p.More)
	}
	if got := f.all(everything, firebreak.ObjectFilter{}); len(got) != len(items) {
		f.Errorf("paging with the default limit gave %d versions, want %d", len(got), len(items))
	}
}

func testPagingWithConcurrentIngest(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	var before []int64
	for c := range 5 {
		var items []firebreak.IngestItem
		for i := range 100 {
			items = append(items, Item(ident("indicator", c*100+i), ts(1), "2.1", "p"))
		}
		for _, r := range f.ingest(a, items...) {
			before = append(before, r.Object.Seq)
		}
	}
	// A writer adds new objects all through the paging, from another goroutine.
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			f.clock.Advance(time.Millisecond)
			_, err := f.s.Ingest(f.ctx, b, []firebreak.IngestItem{Item(ident("tool", i), ts(1), "2.1", "q")})
			if err != nil {
				done <- err
				return
			}
		}
	}()
	for _, vf := range []firebreak.VersionFilter{{}, allVersions} {
		flt := firebreak.ObjectFilter{Limit: 7, Versions: vf}
		seen := map[int64]int{}
		var last firebreak.Cursor
		for pages := 0; ; pages++ {
			if pages > 10000 {
				f.Fatalf("paging did not end")
			}
			p := f.objects(everything, flt)
			for _, o := range p.Objects {
				seen[o.Seq]++
				if c := firebreak.CursorOf(o); !after(c, last) {
					f.Fatalf("position %+v does not follow %+v", c, last)
				} else {
					last = c
				}
			}
			// Between pages, also add new versions synchronously, so the test does not
			// depend on the goroutine's timing.
			f.ingest(b, Item(ident("tool", 100000+pages), ts(1), "2.1", "q"))
			if !p.More {
				break
			}
			flt.After = p.Next
			if pages > 200 {
				break // the writer keeps adding; what was there has been checked below
			}
		}
		for _, s := range before {
			if seen[s] != 1 {
				f.Errorf("versions %+v: seq %d seen %d times, want once", vf, s, seen[s])
			}
		}
		for s, n := range seen {
			if n != 1 {
				f.Errorf("versions %+v: seq %d seen %d times", vf, s, n)
			}
		}
	}
	close(stop)
	if err := <-done; err != nil {
		f.Errorf("concurrent Ingest: %v", err)
	}
}

func testDelete(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x, y, z := ident("indicator", 1), ident("indicator", 2), ident("indicator", 3)
	rx := f.ingest(a, Item(x, ts(1), "2.1", "p"), Item(x, ts(2), "2.1", "p"), Item(x, ts(3), "2.0", "p"), Item(y, ts(1), "2.1", "p"))
	rz := f.ingest(b, Item(z, ts(1), "2.1", "p"))
	remaining := func() []int64 {
		return seqs(f.all(everything, firebreak.ObjectFilter{Versions: allVersions}))
	}
	steps := []struct {
		name     string
		provider int64
		id       string
		vf       firebreak.VersionFilter
		specs    []string
		want     int
		left     []int64
	}{
		{"another provider's object", b, x, firebreak.VersionFilter{}, nil, 0,
			[]int64{rx[0].Object.Seq, rx[1].Object.Seq, rx[2].Object.Seq, rx[3].Object.Seq, rz[0].Object.Seq}},
		{"one version", a, x, firebreak.VersionFilter{At: []string{VersionKey(ts(2))}}, nil, 1,
			[]int64{rx[0].Object.Seq, rx[2].Object.Seq, rx[3].Object.Seq, rz[0].Object.Seq}},
		{"last in spec 2.1", a, x, firebreak.VersionFilter{Last: true}, []string{"2.1"}, 1,
			[]int64{rx[2].Object.Seq, rx[3].Object.Seq, rz[0].Object.Seq}},
		{"first in spec 2.1, none left", a, x, firebreak.VersionFilter{First: true}, []string{"2.1"}, 0,
			[]int64{rx[2].Object.Seq, rx[3].Object.Seq, rz[0].Object.Seq}},
		{"missing object", a, ident("indicator", 99), firebreak.VersionFilter{}, nil, 0,
			[]int64{rx[2].Object.Seq, rx[3].Object.Seq, rz[0].Object.Seq}},
		{"every version", a, x, firebreak.VersionFilter{}, nil, 1,
			[]int64{rx[3].Object.Seq, rz[0].Object.Seq}},
	}
	for _, s := range steps {
		n, err := f.s.Delete(f.ctx, s.provider, s.id, s.vf, s.specs)
		if err != nil || n != s.want {
			f.Errorf("%s: Delete = %d, %v; want %d", s.name, n, err, s.want)
		}
		if got := remaining(); !slices.Equal(got, s.left) {
			f.Errorf("%s: left %v, want %v", s.name, got, s.left)
		}
	}
	// Seqs are never reused, even after deleting the newest version: a cursor taken
	// before the delete still sees what comes after.
	n, err := f.s.Delete(f.ctx, b, z, firebreak.VersionFilter{}, nil)
	if err != nil || n != 1 {
		f.Fatalf("Delete(z) = %d, %v; want 1", n, err)
	}
	r := f.ingest(a, Item(ident("indicator", 4), ts(1), "2.1", "p"))
	if r[0].Object.Seq <= rz[0].Object.Seq {
		f.Errorf("after deleting the newest version, a new one got seq %d, want above %d", r[0].Object.Seq, rz[0].Object.Seq)
	}
	p := f.objects(everything, firebreak.ObjectFilter{After: firebreak.CursorOf(rz[0].Object)})
	if len(p.Objects) != 1 || p.Objects[0].Seq != r[0].Object.Seq {
		f.Errorf("a cursor at the deleted newest version sees%s\nwant the new version", describe(p.Objects))
	}
}

func testDeleteFreesID(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	x := ident("indicator", 1)
	f.ingest(a, Item(x, ts(1), "2.1", "p"))
	if n, err := f.s.Delete(f.ctx, a, x, firebreak.VersionFilter{}, nil); err != nil || n != 1 {
		f.Fatalf("Delete = %d, %v; want 1", n, err)
	}
	if r := f.ingest(b, Item(x, ts(1), "2.1", "p")); r[0].Outcome != firebreak.Stored || r[0].Object.Provider != b {
		f.Errorf("after the owner deleted every version, another provider's submission: %q %+v, want stored", r[0].Outcome, r[0].Object)
	}
}

func testPolicies(f *fixture) {
	ids := f.orgs("A", "B")
	a, b := ids[0], ids[1]
	ra := f.ingest(a, Item(ident("indicator", 1), ts(1), "2.1", "p1"), Item(ident("indicator", 2), ts(1), "2.1", "p2"),
		Item(ident("indicator", 3), ts(1), "2.1", "p1"))
	rb := f.ingest(b, Item(ident("indicator", 4), ts(1), "2.1", "p1"))
	recs, err := f.s.Policies(f.ctx, 0)
	if err != nil {
		f.Fatalf("Policies(0): %v", err)
	}
	want := []firebreak.PolicyRecord{
		{ID: ra[0].Object.Policy, Provider: a, Doc: []byte("p1")},
		{ID: ra[1].Object.Policy, Provider: a, Doc: []byte("p2")},
		{ID: rb[0].Object.Policy, Provider: b, Doc: []byte("p1")},
	}
	slices.SortFunc(want, func(x, y firebreak.PolicyRecord) int { return int(x.ID - y.ID) })
	eq := func(got, want []firebreak.PolicyRecord) bool {
		return slices.EqualFunc(got, want, func(x, y firebreak.PolicyRecord) bool {
			return x.ID == y.ID && x.Provider == y.Provider && bytes.Equal(x.Doc, y.Doc)
		})
	}
	if !eq(recs, want) {
		f.Errorf("Policies(0) = %+v, want %+v", recs, want)
	}
	if ra[2].Object.Policy != ra[0].Object.Policy {
		f.Errorf("one provider's equal documents got policies %d and %d, want one", ra[0].Object.Policy, ra[2].Object.Policy)
	}
	recs, err = f.s.Policies(f.ctx, want[0].ID)
	if err != nil || !eq(recs, want[1:]) {
		f.Errorf("Policies(%d) = %+v, %v; want %+v", want[0].ID, recs, err, want[1:])
	}
	recs, err = f.s.Policies(f.ctx, want[2].ID)
	if err != nil || len(recs) != 0 {
		f.Errorf("Policies(%d) = %+v, %v; want none", want[2].ID, recs, err)
	}
	// A call that stores nothing (duplicates only) keeps no policy.
	f.ingest(b, Item(ident("indicator", 4), ts(1), "2.1", "unused"), Item(ident("indicator", 4), ts(1), "2.1", "unused2"))
	f.ingest(a, Item(ident("indicator", 1), ts(1), "2.1", "unused"))
	recs, err = f.s.Policies(f.ctx, 0)
	if err != nil || !eq(recs, want) {
		f.Errorf("after a call that stored nothing, Policies(0) = %+v, %v; want %+v", recs, err, want)
	}
}

func testStatus(f *fixture) {
	st := firebreak.Status{
		ID: "status--1", Owner: 7, State: "pending", RequestTimestamp: time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC),
		Total:     3,
		Successes: []firebreak.StatusDetail{{ID: ident("indicator", 1), Version: ts(1)}},
		Failures:  []firebreak.StatusDetail{{ID: ident("indicator", 2), Message: "bad pattern"}},
		Pendings:  []firebreak.StatusDetail{{ID: ident("indicator", 3), Version: ts(3)}},
	}
	check := func(what string, want firebreak.Status) {
		f.Helper()
		got, err := f.s.Status(f.ctx, want.ID)
		if err != nil {
			f.Fatalf("%s: Status: %v", what, err)
		}
		if !got.RequestTimestamp.Equal(want.RequestTimestamp) {
			f.Errorf("%s: RequestTimestamp %v, want %v", what, got.RequestTimestamp, want.RequestTimestamp)
		}
		got.RequestTimestamp, want.RequestTimestamp = time.Time{}, time.Time{}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			f.Errorf("%s: Status = %+v, want %+v", what, got, want)
		}
	}
	if err := f.s.PutStatus(f.ctx, st); err != nil {
		f.Fatalf("PutStatus: %v", err)
	}
	check("stored", st)
	st.State = "complete"
	st.Successes = append(st.Successes, st.Pendings...)
	st.Pendings = nil
	if err := f.s.PutStatus(f.ctx, st); err != nil {
		f.Fatalf("PutStatus (update): %v", err)
	}
	check("replaced", st)
	_, err := f.s.Status(f.ctx, "status--2")
	f.wantCode("Status(missing)", err, firebreak.ENOTFOUND)
}

func testConcurrent(f *fixture) {
	ids := f.orgs("A", "B", "C")
	const batches, per = 10, 50
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	writersDone := make(chan struct{})
	var writers sync.WaitGroup
	for w, provider := range ids {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for n := range batches {
				items := make([]firebreak.IngestItem, per)
				for i := range items {
					items[i] = Item(ident("indicator", (w*batches+n)*per+i), ts(1), "2.1", "p")
				}
				if _, err := f.s.Ingest(f.ctx, provider, items); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	go func() { writers.Wait(); close(writersDone) }()
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				flt := firebreak.ObjectFilter{Limit: 37, MetadataOnly: r == 0}
				var last firebreak.Cursor
				for {
					p, err := f.s.Objects(f.ctx, everything, flt)
					if err != nil {
						errs <- fmt.Errorf("reader %d: %w", r, err)
						return
					}
					for _, o := range p.Objects {
						if c := firebreak.CursorOf(o); !after(c, last) {
							errs <- fmt.Errorf("reader %d: position %+v does not follow %+v", r, c, last)
							return
						} else {
							last = c
						}
					}
					if !p.More {
						break
					}
					flt.After = p.Next
				}
				select {
				case <-writersDone:
					return
				default:
				}
			}
		}()
	}
	writers.Wait()
	wg.Wait()
	close(errs)
	for err := range errs {
		f.Error(err)
	}
	got := f.all(everything, firebreak.ObjectFilter{})
	if len(got) != len(ids)*batches*per {
		f.Errorf("after concurrent ingest, %d versions, want %d", len(got), len(ids)*batches*per)
	}
}

func testDurability(f *fixture) {
	f.apply(sampleDirectory())
	acme, err := f.s.OrganizationByName(f.ctx, "Acme Energy")
	if err != nil {
		f.Fatalf("OrganizationByName: %v", err)
	}
	a := acme.ID
	items := []firebreak.IngestItem{Item(ident("indicator", 1), ts(1), "2.1", "p1"), Item(ident("indicator", 1), ts(2), "2.1", "p2"),
		expiring(expiresAt(1), ident("malware", 2), "", "2.1", "p1")}
	f.ingest(a, items...)
	st := firebreak.Status{ID: "status--1", Owner: a, State: "complete", Total: 3}
	if err := f.s.PutStatus(f.ctx, st); err != nil {
		f.Fatalf("PutStatus: %v", err)
	}
	snapshot := func() []any {
		f.Helper()
		hub, err1 := f.s.Hub(f.ctx)
		epoch, err2 := f.s.Epoch(f.ctx)
		orgs, err3 := f.s.Organizations(f.ctx)
		circles, err4 := f.s.Circles(f.ctx)
		peers, err5 := f.s.Peers(f.ctx)
		user, err6 := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("alice-secret"))
		pols, err7 := f.s.Policies(f.ctx, 0)
		status, err8 := f.s.Status(f.ctx, "status--1")
		for _, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8} {
			if err != nil {
				f.Fatalf("reading the store: %v", err)
			}
		}
		return []any{hub, epoch, orgs, circles, peers, user, pols, status.ID, status.State, status.Owner, status.Total}
	}
	before := snapshot()
	objs := f.all(everything, firebreak.ObjectFilter{Versions: allVersions})
	f.clock.Advance(-time.Hour) // the restarted hub's clock is behind
	f.reopen()
	if after := snapshot(); fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", before) {
		f.Errorf("after reopening:\n got %+v\nwant %+v", after, before)
	}
	f.checkObjects("objects after reopening", f.all(everything, firebreak.ObjectFilter{Versions: allVersions}), objs)
	e := f.epoch()
	f.apply(sampleDirectory())
	if got := f.epoch(); got != e {
		f.Errorf("re-applying after reopening moved the epoch from %d to %d", e, got)
	}
	r := f.ingest(a, Item(ident("indicator", 3), ts(1), "2.1", "p1"), items[0])
	last := objs[len(objs)-1]
	if r[0].Object.Seq <= last.Seq || r[0].Object.Added.Before(last.Added) {
		f.Errorf("after reopening with the clock behind, new version seq %d added %v; want after seq %d, not before %v",
			r[0].Object.Seq, r[0].Object.Added, last.Seq, last.Added)
	}
	if r[1].Outcome != firebreak.Duplicate {
		f.Errorf("after reopening, resubmitting a held version: %q, want duplicate", r[1].Outcome)
	}
}
