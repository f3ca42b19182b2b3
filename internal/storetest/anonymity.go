package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// RunAnonymity runs the part of the suite about what other readers receive: variants,
// review, contacts and introductions.
func RunAnonymity(t *testing.T, o Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*fixture)
	}{
		{"Variants", testVariants},
		{"Review", testReview},
		{"ReleaseSharesPolicies", testReleaseSharesPolicies},
		{"Contacts", testContacts},
		{"Introductions", testIntroductions},
		{"DomainsAndReviewSetting", testDomainsAndReviewSetting},
		{"HubSecretDurable", testHubSecretDurable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

// testReleaseSharesPolicies checks that a release keeps one policy per distinct document
// of a provider, as Ingest does, the empty document included.
func testReleaseSharesPolicies(f *fixture) {
	p := f.orgs("p")[0]
	for i, doc := range [][]byte{nil, []byte(`{"tlp":"green"}`)} {
		held := Item(fmt.Sprintf("indicator--00000000-0000-4000-8000-0000000000e%d", i), ts(1), "2.1", `{"held":true}`)
		held.Held, held.StatusID = true, "status-1"
		plain := Item(fmt.Sprintf("indicator--00000000-0000-4000-8000-0000000000f%d", i), ts(1), "2.1", "")
		plain.PolicyDoc = doc
		stored := f.ingest(p, held, plain)
		rel, err := f.s.Release(f.ctx, p, held.ID, ts(1), doc)
		if err != nil {
			f.Errorf("Release under policy document %q: %v", doc, err)
			continue
		}
		if got, want := rel.Object.Policy, stored[1].Object.Policy; got != want {
			f.Errorf("released under policy document %q: policy %d, want %d (the policy Ingest keeps for that document)", doc, got, want)
		}
	}
}

func testVariants(f *fixture) {
	ids := f.orgs("p", "r")
	p := ids[0]
	a := Item("indicator--00000000-0000-4000-8000-0000000000c1", ts(1), "2.1", `{"v":1}`)
	a.Shared = []byte(`{"shared":1}`)
	a.Anonymous = []byte(`{"anon":1}`)
	b := Item("indicator--00000000-0000-4000-8000-0000000000c2", ts(1), "2.1", `{"v":1}`)
	b.Anonymous = []byte(`{"anon-only":1}`)
	c := Item("indicator--00000000-0000-4000-8000-0000000000c3", ts(1), "2.1", `{"v":1}`)
	res := f.ingest(p, a, b, c)
	pol := res[0].Object.Policy
	raw := func(vis firebreak.Visibility) []string {
		page, err := f.s.Objects(f.ctx, vis, firebreak.ObjectFilter{})
		if err != nil {
			f.Fatal(err)
		}
		var out []string
		for _, o := range page.Objects {
			out = append(out, string(o.Raw))
		}
		return out
	}
	base := firebreak.Visibility{Policies: []int64{pol}, Owner: ids[1]}
	want := []string{`{"anon":1}`, `{"anon-only":1}`, string(c.Raw)}
	if got := raw(base); !slices.Equal(got, want) {
		f.Errorf("anonymous reader gets %v, want %v", got, want)
	}
	named := base
	named.Named = []int64{pol}
	want = []string{`{"shared":1}`, string(b.Raw), string(c.Raw)}
	if got := raw(named); !slices.Equal(got, want) {
		f.Errorf("reader who may name the provider gets %v, want %v", got, want)
	}
	for _, vis := range []firebreak.Visibility{{Policies: []int64{pol}, Owner: p}, {Policies: []int64{pol}, Originals: true}, {All: true}} {
		if got := raw(vis); !slices.Equal(got, []string{string(a.Raw), string(b.Raw), string(c.Raw)}) {
			f.Errorf("visibility %+v gets %v, want the originals", vis, got)
		}
	}
	// Deleting a version deletes its variants: a new version under the same id starts clean.
	if _, err := f.s.Delete(f.ctx, p, a.ID, firebreak.VersionFilter{}, nil); err != nil {
		f.Fatal(err)
	}
	f.ingest(p, Item(a.ID, ts(2), "2.1", `{"v":1}`))
	if got := raw(base); got[len(got)-1] == `{"anon":1}` {
		f.Errorf("a deleted version's variant came back")
	}
}

func testReview(f *fixture) {
	p := f.orgs("p")[0]
	it := Item("indicator--00000000-0000-4000-8000-0000000000d1", ts(1), "2.1", `{"held":true}`)
	it.Held, it.StatusID = true, "status-1"
	other := Item("indicator--00000000-0000-4000-8000-0000000000d2", ts(1), "2.1", `{"held":true}`)
	other.Held, other.StatusID = true, "status-1"
	stored := f.ingest(p, it, other, Item("indicator--00000000-0000-4000-8000-0000000000d3", ts(1), "2.1", `{}`))
	// A reader that has read everything up to now keeps its cursor.
	cursor := firebreak.CursorOf(stored[2].Object)
	f.clock.Advance(time.Second)
	list, err := f.s.HeldVersions(f.ctx, 10)
	if err != nil || len(list) != 2 || list[0].Object.ID != it.ID || list[0].StatusID != "status-1" || string(list[0].Object.Raw) != string(it.Raw) {
		f.Fatalf("HeldVersions = %+v, %v", list, err)
	}
	rel, err := f.s.Release(f.ctx, p, it.ID, ts(1), []byte(`{"released":true}`), []byte(`{"action":"review.release"}`))
	if err != nil {
		f.Fatal(err)
	}
	pols, _ := f.s.Policies(f.ctx, 0)
	var relDoc string
	for _, pr := range pols {
		if pr.ID == rel.Object.Policy {
			relDoc = string(pr.Doc)
		}
	}
	if relDoc != `{"released":true}` {
		f.Errorf("released version has policy %d (%q), want the released doc", rel.Object.Policy, relDoc)
	}
	// Released, the version is new to readers: it comes after the cursor of one that read
	// everything before, or that reader would never see it.
	if rel.Object.Seq <= stored[2].Object.Seq || !rel.Object.Added.After(stored[2].Object.Added) {
		f.Errorf("the released version is at seq %d, added %v; want after seq %d, added %v",
			rel.Object.Seq, rel.Object.Added, stored[2].Object.Seq, stored[2].Object.Added)
	}
	after, _ := f.s.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{After: cursor})
	if len(after.Objects) != 1 || after.Objects[0].ID != it.ID || after.Objects[0].Seq != rel.Object.Seq ||
		!after.Objects[0].Added.Equal(rel.Object.Added) || string(after.Objects[0].Raw) != string(it.Raw) {
		f.Errorf("after the cursor of a reader who read everything before the release: %s; want the released version", describe(after.Objects))
	}
	page, _ := f.s.Objects(f.ctx, firebreak.Visibility{Policies: []int64{rel.Object.Policy}}, firebreak.ObjectFilter{})
	if len(page.Objects) != 1 || page.Objects[0].ID != it.ID {
		f.Errorf("the released version is not under its new policy")
	}
	if _, err := f.s.Release(f.ctx, p, it.ID, ts(1), []byte(`{}`)); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("releasing twice: %v, want not found", err)
	}
	if _, err := f.s.Reject(f.ctx, p, other.ID, ts(1), []byte(`{"action":"review.reject"}`)); err != nil {
		f.Fatal(err)
	}
	page, _ = f.s.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{other.ID}})
	if len(page.Objects) != 0 {
		f.Errorf("the rejected version is still there")
	}
	if list, _ := f.s.HeldVersions(f.ctx, 10); len(list) != 0 {
		f.Errorf("review list after release and reject = %+v", list)
	}
	if n := f.auditLen(); n != 2 {
		f.Errorf("audit has %d entries, want the release and the reject", n)
	}
}

func testContacts(f *fixture) {
	ids := f.orgs("a", "b")
	if cs, err := f.s.Contacts(f.ctx, ids[0]); err != nil || len(cs) != 0 {
		f.Fatalf("Contacts of an organisation without any = %v, %v", cs, err)
	}
	cs := []firebreak.Contact{{Name: "Jane Roe", Role: "CISO", Email: "jane@a.example", Phone: "+1 555 0100"}, {Name: "Sam Poe"}}
	if err := f.s.PutContacts(f.ctx, ids[0], cs, []byte(`{"action":"contacts"}`)); err != nil {
		f.Fatal(err)
	}
	f.s.PutContacts(f.ctx, ids[1], []firebreak.Contact{{Name: "Li Wei"}})
	got, err := f.s.Contacts(f.ctx, ids[0])
	if err != nil || !slices.Equal(got, cs) {
		f.Errorf("Contacts = %+v, %v", got, err)
	}
	names, err := f.s.ContactNames(f.ctx)
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"Jane Roe", "Li Wei", "Sam Poe"}) {
		f.Errorf("ContactNames = %v, %v", names, err)
	}
	f.s.PutContacts(f.ctx, ids[0], nil)
	if got, _ := f.s.Contacts(f.ctx, ids[0]); len(got) != 0 {
		f.Errorf("replacing contacts with none left %v", got)
	}
}

func testIntroductions(f *fixture) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	in := firebreak.Introduction{ID: "i1", Object: "indicator--x", Requester: 5, RequesterUser: "u", Provider: 6, Message: "hello",
		State: firebreak.IntroductionRequested, Created: at}
	if err := f.s.PutIntroduction(f.ctx, in); err != nil {
		f.Fatal(err)
	}
	f.s.PutIntroduction(f.ctx, firebreak.Introduction{ID: "i2", Requester: 6, Provider: 5, State: firebreak.IntroductionRequested, Created: at.Add(time.Second)})
	in.State, in.Decided = firebreak.IntroductionAccepted, at.Add(time.Hour)
	if err := f.s.PutIntroduction(f.ctx, in); err != nil {
		f.Fatal(err)
	}
	got, err := f.s.Introduction(f.ctx, "i1")
	if err != nil || got.Requester != 5 || got.Provider != 6 || got.RequesterUser != "u" || got.State != firebreak.IntroductionAccepted || !got.Decided.Equal(in.Decided) {
		f.Errorf("Introduction = %+v, %v", got, err)
	}
	for _, tc := range []struct {
		req, prov int64
		want      []string
	}{{5, 0, []string{"i1"}}, {0, 5, []string{"i2"}}, {0, 0, []string{"i1", "i2"}}, {7, 0, nil}} {
		list, _ := f.s.Introductions(f.ctx, tc.req, tc.prov)
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if !slices.Equal(ids, tc.want) {
			f.Errorf("Introductions(%d, %d) = %v, want %v", tc.req, tc.prov, ids, tc.want)
		}
	}
	if _, err := f.s.Introduction(f.ctx, "nope"); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("Introduction(nope) = %v", err)
	}
}

func testDomainsAndReviewSetting(f *fixture) {
	d := firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "a", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted, Domains: []string{"A.example.", "a.example", "b.example"}}},
		Circles:       []firebreak.DeclaredCircle{{Name: "c", Members: []string{"a"}, Review: firebreak.ReviewFindings}},
	}
	f.apply(d)
	e := f.epoch()
	f.apply(d)
	if f.epoch() != e {
		f.Errorf("applying the same domains and review setting again moved the epoch")
	}
	o, _ := f.s.OrganizationByName(f.ctx, "a")
	if !slices.Equal(o.Domains, []string{"a.example", "b.example"}) {
		f.Errorf("Domains = %v", o.Domains)
	}
	cs, _ := f.s.Circles(f.ctx)
	if len(cs) != 1 || cs[0].Review != firebreak.ReviewFindings {
		f.Errorf("circle review = %+v", cs)
	}
	d.Circles[0].Review = "sometimes"
	if err := f.s.Apply(f.ctx, d); firebreak.ErrorCode(err) != firebreak.EINVALID {
		f.Errorf("a bad review setting: %v", err)
	}
}

func testHubSecretDurable(f *fixture) {
	h, _ := f.s.Hub(f.ctx)
	f.reopen()
	h2, _ := f.s.Hub(f.ctx)
	if string(h.Secret) != string(h2.Secret) || len(h.Secret) == 0 {
		f.Errorf("the hub secret changed across a restart")
	}
}

// RunFederation runs the part of the suite about federation state.
func RunFederation(t *testing.T, o Opener) {
	t.Helper()
	t.Run("DatesAddedStrictlyIncrease", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, o)
		p := f.orgs("p")[0]
		// The clock does not move between the calls: the second still gets a later date,
		// so that added_after the first call's date finds it.
		r1 := f.ingest(p, Item("indicator--00000000-0000-4000-8000-0000000000f1", ts(1), "2.1", `{}`))
		r2 := f.ingest(p, Item("indicator--00000000-0000-4000-8000-0000000000f2", ts(1), "2.1", `{}`))
		if !r2[0].Object.Added.After(r1[0].Object.Added) {
			f.Errorf("second call added %v, not after the first's %v", r2[0].Object.Added, r1[0].Object.Added)
		}
		page := f.objects(firebreak.Visibility{All: true}, firebreak.ObjectFilter{AddedAfter: r1[0].Object.Added})
		if len(page.Objects) != 1 || page.Objects[0].ID != r2[0].Object.ID {
			f.Errorf("added_after the first call's date found %d objects", len(page.Objects))
		}
	})
	t.Run("PeerState", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, o)
		st, err := f.s.PeerState(f.ctx, "ca-hub")
		if err != nil || st.Peer != "ca-hub" || st.In != 0 || !st.PushAfter.IsZero() {
			f.Fatalf("state of a peer never synced = %+v, %v", st, err)
		}
		st = firebreak.PeerState{Peer: "ca-hub", PullNext: "abc", PullAddedAfter: "2026-01-01T00:00:00.123456Z",
			PushAfter: firebreak.Cursor{Added: 5, Seq: 9}, LastSuccess: Epoch, LastError: "x", In: 3, Out: 4}
		if err := f.s.PutPeerState(f.ctx, st, []byte(`{"action":"federation.pull"}`)); err != nil {
			f.Fatal(err)
		}
		got, err := f.s.PeerState(f.ctx, "ca-hub")
		if err != nil || got.PullNext != "abc" || got.PullAddedAfter != st.PullAddedAfter || got.PushAfter != st.PushAfter ||
			!got.LastSuccess.Equal(Epoch) || got.In != 3 || got.Out != 4 || got.LastError != "x" {
			f.Errorf("PeerState = %+v, %v", got, err)
		}
		if f.auditLen() != 1 {
			f.Errorf("the state change was not recorded with it")
		}
		if err := f.s.PutPeerState(f.ctx, firebreak.PeerState{Peer: "ca-hub", In: 9}, nil); err == nil {
			f.Errorf("a state change whose record cannot be written succeeded")
		}
		if got, _ := f.s.PeerState(f.ctx, "ca-hub"); got.In != 3 {
			f.Errorf("the failed change was applied: %+v", got)
		}
	})
}
