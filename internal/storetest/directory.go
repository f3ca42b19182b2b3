package storetest

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// sampleDirectory is a small hub: an operator CERT, two members (one the parent of the
// other, declared after it), users, a circle and a peer.
func sampleDirectory() firebreak.Directory {
	return firebreak.Directory{
		Hub: firebreak.Hub{Name: "US national hub", Country: "US", Operator: "US CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "Acme Energy", Country: "US", Type: firebreak.TypePrivate, Sectors: []string{"energy", "chemical"},
				Parent: "Acme Holding", Status: firebreak.OrgVetted},
			{Name: "Acme Holding", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgPending},
			{Name: "US CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "alice", Organization: "Acme Energy", Roles: []firebreak.Role{firebreak.RoleAnalyst},
				TokenHash: firebreak.HashToken("alice-secret")},
			{Name: "olga", Organization: "US CERT", Roles: []firebreak.Role{firebreak.RoleOperator, firebreak.RoleAdmin},
				TokenHash: firebreak.HashToken("olga-secret")},
		},
		Circles: []firebreak.DeclaredCircle{{Name: "us-energy", Members: []string{"US CERT", "Acme Energy"}}},
		Peers: []firebreak.Peer{{Name: "ca-hub", URL: "http://127.0.0.1:9443/api/", Country: "CA",
			Type: firebreak.TypeCERT, Token: "peer-token", Direction: firebreak.PeerPull, Interval: 2 * time.Second,
			MaxTLP: firebreak.TLPGreen, Circles: []string{"us-energy"}, Attribution: true}},
	}
}

func testHubBeforeApply(f *fixture) {
	h, err := f.s.Hub(f.ctx)
	if err != nil {
		f.Fatalf("Hub: %v", err)
	}
	if !uuidRE.MatchString(h.UUID) {
		f.Errorf("Hub().UUID = %q, want a random (v4) UUID", h.UUID)
	}
	if want := stix.DeriveID("identity", h.UUID, "hub"); h.IdentityID != want {
		f.Errorf("Hub().IdentityID = %q, want %q", h.IdentityID, want)
	}
	if h.Name != "" || h.Country != "" || h.Operator != "" {
		f.Errorf("Hub() before Apply = %+v, want empty name, country and operator", h)
	}
	h2, err := f.s.Hub(f.ctx)
	if err != nil || h2 != h {
		f.Errorf("Hub() again = %+v, %v; want %+v", h2, err, h)
	}
	orgs, err := f.s.Organizations(f.ctx)
	if err != nil || len(orgs) != 0 {
		f.Errorf("Organizations() of a new store = %v, %v; want none", orgs, err)
	}
}

func testApplyAndLookups(f *fixture) {
	f.apply(sampleDirectory())
	h, err := f.s.Hub(f.ctx)
	if err != nil {
		f.Fatalf("Hub: %v", err)
	}
	if h.Name != "US national hub" || h.Country != "US" || h.Operator != "US CERT" {
		f.Errorf("Hub() = %+v, want the declared name, country and operator", h)
	}

	orgs, err := f.s.Organizations(f.ctx)
	if err != nil {
		f.Fatalf("Organizations: %v", err)
	}
	if len(orgs) != 3 {
		f.Fatalf("Organizations() has %d, want 3: %+v", len(orgs), orgs)
	}
	byName := map[string]firebreak.Organization{}
	ids := map[string]bool{}
	for _, o := range orgs {
		byName[o.Name] = o
		if o.IdentityID != stix.DeriveID("identity", h.UUID, "organization:"+o.Name) {
			f.Errorf("%s: IdentityID = %q, want DeriveID(identity, hub uuid, organization:name)", o.Name, o.IdentityID)
		}
		if ids[o.IdentityID] {
			f.Errorf("%s: IdentityID %q is not unique", o.Name, o.IdentityID)
		}
		ids[o.IdentityID] = true
		got, err := f.s.Organization(f.ctx, o.ID)
		if err != nil || !reflect.DeepEqual(got, o) {
			f.Errorf("Organization(%d) = %+v, %v; want %+v", o.ID, got, err, o)
		}
		got, err = f.s.OrganizationByName(f.ctx, o.Name)
		if err != nil || !reflect.DeepEqual(got, o) {
			f.Errorf("OrganizationByName(%q) = %+v, %v; want %+v", o.Name, got, err, o)
		}
	}
	acme := byName["Acme Energy"]
	want := firebreak.Organization{ID: acme.ID, IdentityID: acme.IdentityID, Name: "Acme Energy", Country: "US",
		Type: firebreak.TypePrivate, Sectors: []string{"energy", "chemical"}, ParentID: byName["Acme Holding"].ID,
		Status: firebreak.OrgVetted}
	if !reflect.DeepEqual(acme, want) {
		f.Errorf("Acme Energy = %+v, want %+v", acme, want)
	}
	if hold := byName["Acme Holding"]; hold.ParentID != 0 || hold.Status != firebreak.OrgPending || len(hold.Sectors) != 0 {
		f.Errorf("Acme Holding = %+v, want no parent, pending, no sectors", hold)
	}

	alice, err := f.s.UserByName(f.ctx, "alice")
	if err != nil {
		f.Fatalf("UserByName(alice): %v", err)
	}
	wantU := firebreak.User{ID: alice.ID, Name: "alice", OrgID: acme.ID, Roles: []firebreak.Role{firebreak.RoleAnalyst},
		TokenHash: firebreak.HashToken("alice-secret")}
	if !reflect.DeepEqual(alice, wantU) {
		f.Errorf("UserByName(alice) = %+v, want %+v", alice, wantU)
	}
	got, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("alice-secret"))
	if err != nil || !reflect.DeepEqual(got, alice) {
		f.Errorf("UserByTokenHash(alice's) = %+v, %v; want %+v", got, err, alice)
	}
	olga, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("olga-secret"))
	if err != nil || olga.Name != "olga" || olga.OrgID != byName["US CERT"].ID ||
		!slices.Equal(olga.Roles, []firebreak.Role{firebreak.RoleOperator, firebreak.RoleAdmin}) {
		f.Errorf("UserByTokenHash(olga's) = %+v, %v; want olga of US CERT, operator and admin", olga, err)
	}

	circles, err := f.s.Circles(f.ctx)
	if err != nil {
		f.Fatalf("Circles: %v", err)
	}
	wantMembers := []int64{acme.ID, byName["US CERT"].ID}
	slices.Sort(wantMembers)
	if len(circles) != 1 || circles[0].Name != "us-energy" || !slices.Equal(circles[0].Members, wantMembers) {
		f.Errorf("Circles() = %+v, want us-energy with members %v (ascending)", circles, wantMembers)
	}

	peers, err := f.s.Peers(f.ctx)
	if err != nil {
		f.Fatalf("Peers: %v", err)
	}
	wantP := sampleDirectory().Peers[0]
	if len(peers) == 1 {
		wantP.ID = peers[0].ID
	}
	if len(peers) != 1 || !reflect.DeepEqual(peers[0], wantP) {
		f.Errorf("Peers() = %+v, want [%+v]", peers, wantP)
	}
}

func testApplyIdempotentEpoch(f *fixture) {
	e0 := f.epoch()
	d := sampleDirectory()
	f.apply(d)
	e1 := f.epoch()
	if e1 <= e0 {
		f.Errorf("epoch after the first Apply = %d, want above %d", e1, e0)
	}
	snapshot := func() any {
		f.Helper()
		orgs, err1 := f.s.Organizations(f.ctx)
		circles, err2 := f.s.Circles(f.ctx)
		peers, err3 := f.s.Peers(f.ctx)
		hub, err4 := f.s.Hub(f.ctx)
		alice, err5 := f.s.UserByName(f.ctx, "alice")
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil {
				f.Fatalf("reading the directory: %v", err)
			}
		}
		return []any{orgs, circles, peers, hub, alice}
	}
	before := snapshot()
	f.apply(sampleDirectory())
	if e := f.epoch(); e != e1 {
		f.Errorf("epoch after applying the same directory again = %d, want %d", e, e1)
	}
	if after := snapshot(); !reflect.DeepEqual(after, before) {
		f.Errorf("applying the same directory again changed it:\n got %+v\nwant %+v", after, before)
	}
	// An empty declaration mentions nothing, so it changes nothing.
	f.apply(firebreak.Directory{})
	if e := f.epoch(); e != e1 {
		f.Errorf("epoch after an empty Apply = %d, want %d", e, e1)
	}
	// A user declared without a token keeps the one it has: no change.
	d2 := sampleDirectory()
	d2.Users[0].TokenHash = nil
	f.apply(d2)
	if e := f.epoch(); e != e1 {
		f.Errorf("epoch after re-declaring a user without a token = %d, want %d", e, e1)
	}
	if u, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("alice-secret")); err != nil || u.Name != "alice" {
		f.Errorf("alice's token after a declaration without one: %+v, %v; want it kept", u, err)
	}

	changes := []struct {
		name   string
		change func(*firebreak.Directory)
	}{
		{"org status", func(d *firebreak.Directory) { d.Organizations[0].Status = firebreak.OrgSuspended }},
		{"org sectors", func(d *firebreak.Directory) { d.Organizations[0].Sectors = []string{"energy"} }},
		{"org country", func(d *firebreak.Directory) { d.Organizations[1].Country = "CA" }},
		{"org type", func(d *firebreak.Directory) { d.Organizations[1].Type = firebreak.TypeNGO }},
		{"org parent", func(d *firebreak.Directory) { d.Organizations[0].Parent = "" }},
		{"new org", func(d *firebreak.Directory) {
			d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{Name: "New", Status: firebreak.OrgVetted, Type: firebreak.TypeNGO})
		}},
		{"user roles", func(d *firebreak.Directory) { d.Users[0].Roles = []firebreak.Role{firebreak.RoleAuditor} }},
		{"user organization", func(d *firebreak.Directory) { d.Users[0].Organization = "US CERT" }},
		{"user token", func(d *firebreak.Directory) { d.Users[0].TokenHash = firebreak.HashToken("new-secret") }},
		{"circle members", func(d *firebreak.Directory) { d.Circles[0].Members = []string{"US CERT"} }},
		{"new circle", func(d *firebreak.Directory) {
			d.Circles = append(d.Circles, firebreak.DeclaredCircle{Name: "empty"})
		}},
		{"peer max tlp", func(d *firebreak.Directory) { d.Peers[0].MaxTLP = firebreak.TLPAmber }},
		{"peer interval", func(d *firebreak.Directory) { d.Peers[0].Interval = time.Minute }},
		{"peer attribution", func(d *firebreak.Directory) { d.Peers[0].Attribution = false }},
		{"hub name", func(d *firebreak.Directory) { d.Hub.Name = "renamed hub" }},
		{"hub operator", func(d *firebreak.Directory) { d.Hub.Operator = "Acme Holding" }},
	}
	for _, c := range changes {
		d := sampleDirectory()
		c.change(&d)
		before := f.epoch()
		f.apply(d)
		mid := f.epoch()
		if mid <= before {
			f.Errorf("%s: epoch %d after a change, want above %d", c.name, mid, before)
		}
		f.apply(d)
		if e := f.epoch(); e != mid {
			f.Errorf("%s: epoch %d after applying the changed directory again, want %d", c.name, e, mid)
		}
		f.apply(sampleDirectory()) // back to the sample, for the next change
		if e := f.epoch(); e <= mid && c.name != "new org" && c.name != "new circle" {
			f.Errorf("%s: epoch %d after changing back, want above %d", c.name, e, mid)
		}
	}
	if u, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("new-secret")); err == nil {
		f.Errorf("the replaced token still finds %+v", u)
	}
}

func testApplyParentByName(f *fixture) {
	f.apply(firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
		{Name: "Department", Status: firebreak.OrgVetted, Type: firebreak.TypeGovernment},
	}})
	// A parent already in the store, and one declared later in the same declaration.
	f.apply(firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
		{Name: "Agency", Parent: "Department", Status: firebreak.OrgVetted, Type: firebreak.TypeGovernment},
		{Name: "Office", Parent: "Bureau", Status: firebreak.OrgVetted, Type: firebreak.TypeGovernment},
		{Name: "Bureau", Parent: "Agency", Status: firebreak.OrgVetted, Type: firebreak.TypeGovernment},
	}})
	id := map[string]int64{}
	parent := map[string]int64{}
	orgs, err := f.s.Organizations(f.ctx)
	if err != nil {
		f.Fatalf("Organizations: %v", err)
	}
	for _, o := range orgs {
		id[o.Name], parent[o.Name] = o.ID, o.ParentID
	}
	for child, p := range map[string]string{"Agency": "Department", "Bureau": "Agency", "Office": "Bureau"} {
		if parent[child] != id[p] || id[p] == 0 {
			f.Errorf("%s: ParentID = %d, want %s's id %d", child, parent[child], p, id[p])
		}
	}
	if parent["Department"] != 0 {
		f.Errorf("Department: ParentID = %d, want 0", parent["Department"])
	}

	for _, c := range []struct {
		name string
		d    firebreak.Directory
	}{
		{"missing parent", firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
			{Name: "Orphan", Parent: "Nobody", Status: firebreak.OrgVetted}}}},
		{"own parent", firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
			{Name: "Loop", Parent: "Loop", Status: firebreak.OrgVetted}}}},
		{"cycle", firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
			{Name: "Department", Parent: "Office", Status: firebreak.OrgVetted, Type: firebreak.TypeGovernment}}}},
	} {
		f.wantCode(c.name, f.s.Apply(f.ctx, c.d), firebreak.EINVALID)
	}
}

func testApplyInvalid(f *fixture) {
	f.apply(sampleDirectory())
	base := sampleDirectory
	cases := []struct {
		name   string
		change func(*firebreak.Directory)
	}{
		{"user of a missing organization", func(d *firebreak.Directory) { d.Users[0].Organization = "Nobody" }},
		{"circle member missing", func(d *firebreak.Directory) { d.Circles[0].Members = []string{"Nobody"} }},
		{"hub operator missing", func(d *firebreak.Directory) { d.Hub.Operator = "Nobody" }},
		{"hub without operator", func(d *firebreak.Directory) { d.Hub.Operator = "" }},
		{"organization declared twice", func(d *firebreak.Directory) {
			d.Organizations = append(d.Organizations, d.Organizations[0])
		}},
		{"unknown status", func(d *firebreak.Directory) { d.Organizations[0].Status = "approved" }},
		{"unknown role", func(d *firebreak.Directory) { d.Users[0].Roles = []firebreak.Role{"root"} }},
		{"empty organization name", func(d *firebreak.Directory) { d.Organizations[0].Name = "" }},
	}
	for _, c := range cases {
		d := base()
		c.change(&d)
		before := f.epoch()
		f.wantCode(c.name, f.s.Apply(f.ctx, d), firebreak.EINVALID)
		if e := f.epoch(); e != before {
			f.Errorf("%s: a refused Apply moved the epoch from %d to %d", c.name, before, e)
		}
	}
}

func testApplyAtomic(f *fixture) {
	e0 := f.epoch()
	d := sampleDirectory()
	d.Users = append(d.Users, firebreak.DeclaredUser{Name: "mallory", Organization: "Nobody"})
	f.wantCode("Apply with a bad user", f.s.Apply(f.ctx, d), firebreak.EINVALID)
	orgs, err := f.s.Organizations(f.ctx)
	if err != nil || len(orgs) != 0 {
		f.Errorf("after a refused Apply, Organizations() = %+v, %v; want none (all or nothing)", orgs, err)
	}
	if e := f.epoch(); e != e0 {
		f.Errorf("after a refused Apply, epoch = %d, want %d", e, e0)
	}
	if h, err := f.s.Hub(f.ctx); err != nil || h.Name != "" {
		f.Errorf("after a refused Apply, Hub() = %+v, %v; want unnamed", h, err)
	}
}

func testApplyTokens(f *fixture) {
	f.apply(sampleDirectory())
	// bob takes alice's token: refused, naming bob.
	d := firebreak.Directory{Users: []firebreak.DeclaredUser{{Name: "bob", Organization: "Acme Energy",
		Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken("alice-secret")}}}
	err := f.s.Apply(f.ctx, d)
	f.wantCode("a user with another user's token", err, firebreak.EINVALID)
	if msg := firebreak.ErrorMessage(err); !strings.Contains(msg, "bob") {
		f.Errorf("token clash message %q does not name the user bob", msg)
	}
	// Two new users with one token in the same declaration.
	d = firebreak.Directory{Users: []firebreak.DeclaredUser{
		{Name: "carol", Organization: "Acme Energy", TokenHash: firebreak.HashToken("shared")},
		{Name: "dave", Organization: "Acme Energy", TokenHash: firebreak.HashToken("shared")},
	}}
	f.wantCode("two users with one token", f.s.Apply(f.ctx, d), firebreak.EINVALID)
	if _, err := f.s.UserByName(f.ctx, "carol"); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("after a refused Apply, UserByName(carol) = %v, want not found", err)
	}
	// Swapping tokens between users is one coherent state, but it passes through a
	// clash; a store may refuse it. Giving alice a new token and bob her old one in two
	// steps works.
	d = sampleDirectory()
	d.Users[0].TokenHash = firebreak.HashToken("alice-new")
	f.apply(d)
	f.apply(firebreak.Directory{Users: []firebreak.DeclaredUser{{Name: "bob", Organization: "Acme Energy",
		TokenHash: firebreak.HashToken("alice-secret")}}})
	if u, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("alice-secret")); err != nil || u.Name != "bob" {
		f.Errorf("UserByTokenHash(alice's old) = %+v, %v; want bob", u, err)
	}
	if u, err := f.s.UserByTokenHash(f.ctx, firebreak.HashToken("alice-new")); err != nil || u.Name != "alice" {
		f.Errorf("UserByTokenHash(alice's new) = %+v, %v; want alice", u, err)
	}
	// A user without any token cannot be found by an empty hash.
	f.apply(firebreak.Directory{Users: []firebreak.DeclaredUser{{Name: "erin", Organization: "Acme Energy"}}})
	if u, err := f.s.UserByTokenHash(f.ctx, nil); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("UserByTokenHash(nil) = %+v, %v; want not found", u, err)
	}
	if u, err := f.s.UserByName(f.ctx, "erin"); err != nil || len(u.TokenHash) != 0 {
		f.Errorf("UserByName(erin) = %+v, %v; want a user without a token", u, err)
	}
}

func testApplyCircleMembership(f *fixture) {
	f.apply(sampleDirectory())
	ids := f.orgs("Third")
	// The declared list becomes the membership: US CERT leaves, Third joins.
	f.apply(firebreak.Directory{Circles: []firebreak.DeclaredCircle{
		{Name: "us-energy", Members: []string{"Third", "Acme Energy", "Acme Energy"}},
		{Name: "empty"},
	}})
	acme, err := f.s.OrganizationByName(f.ctx, "Acme Energy")
	if err != nil {
		f.Fatalf("OrganizationByName: %v", err)
	}
	want := []int64{acme.ID, ids[0]}
	slices.Sort(want)
	circles, err := f.s.Circles(f.ctx)
	if err != nil {
		f.Fatalf("Circles: %v", err)
	}
	if len(circles) != 2 || circles[0].Name != "us-energy" || !slices.Equal(circles[0].Members, want) ||
		circles[1].Name != "empty" || len(circles[1].Members) != 0 {
		f.Errorf("Circles() = %+v, want us-energy %v and empty with no members", circles, want)
	}
	// Entities not mentioned stay: the peer still names the circle, the users are there.
	if peers, err := f.s.Peers(f.ctx); err != nil || len(peers) != 1 {
		f.Errorf("Peers() = %+v, %v; want the sample peer kept", peers, err)
	}
	if _, err := f.s.UserByName(f.ctx, "olga"); err != nil {
		f.Errorf("UserByName(olga) = %v; want the user kept", err)
	}
}

func testApplyPeers(f *fixture) {
	f.apply(sampleDirectory())
	p2 := firebreak.Peer{Name: "mx-hub", URL: "http://127.0.0.1:9444/api/", Country: "MX",
		Type: firebreak.TypeGovernment, Token: "t2", Direction: firebreak.PeerBoth, Interval: time.Minute,
		MaxTLP: firebreak.TLPAmber}
	p1 := sampleDirectory().Peers[0]
	p1.Direction = firebreak.PeerPush
	p1.Circles = nil
	f.apply(firebreak.Directory{Peers: []firebreak.Peer{p2, p1}})
	peers, err := f.s.Peers(f.ctx)
	if err != nil {
		f.Fatalf("Peers: %v", err)
	}
	if len(peers) != 2 {
		f.Fatalf("Peers() = %+v, want 2", peers)
	}
	got := map[string]firebreak.Peer{}
	for _, p := range peers {
		got[p.Name] = p
	}
	for _, want := range []firebreak.Peer{p1, p2} {
		want.ID = got[want.Name].ID
		if !reflect.DeepEqual(got[want.Name], want) {
			f.Errorf("peer %s = %+v, want %+v", want.Name, got[want.Name], want)
		}
	}
	bad := p2
	bad.Circles = []string{"no-such-circle"}
	f.wantCode("a peer naming a missing circle", f.s.Apply(f.ctx, firebreak.Directory{Peers: []firebreak.Peer{bad}}), firebreak.EINVALID)
}

func testNotFound(f *fixture) {
	f.apply(sampleDirectory())
	_, err := f.s.Organization(f.ctx, 987654)
	f.wantCode("Organization(missing)", err, firebreak.ENOTFOUND)
	_, err = f.s.OrganizationByName(f.ctx, "Nobody")
	f.wantCode("OrganizationByName(missing)", err, firebreak.ENOTFOUND)
	_, err = f.s.UserByName(f.ctx, "nobody")
	f.wantCode("UserByName(missing)", err, firebreak.ENOTFOUND)
	_, err = f.s.UserByTokenHash(f.ctx, firebreak.HashToken("wrong"))
	f.wantCode("UserByTokenHash(wrong)", err, firebreak.ENOTFOUND)
	_, err = f.s.Status(f.ctx, "status--missing")
	f.wantCode("Status(missing)", err, firebreak.ENOTFOUND)
}
