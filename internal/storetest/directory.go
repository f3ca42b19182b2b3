package storetest

import (
	"bytes"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// attestationExpiry is when the sample's tier-1 attestation lapses: to the microsecond,
// in a zone other than UTC (stores give it back in UTC).
var attestationExpiry = time.Date(2026, 6, 30, 14, 0, 0, 123456000, time.FixedZone("UTC+2", 2*3600))

// sampleDirectory is a small hub: an operator CERT, two members (one the parent of the
// other, declared after it, one with attestations and an affiliation), users, a circle
// with admission rules and a peer.
func sampleDirectory() firebreak.Directory {
	return firebreak.Directory{
		Hub: firebreak.Hub{Name: "US national hub", Country: "US", Operator: "US CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "Acme Energy", Country: "US", Type: firebreak.TypePrivate, Sectors: []string{"energy", "chemical"},
				Parent: "Acme Holding", Status: firebreak.OrgVetted,
				Attestations: []firebreak.Attestation{{Name: "tier-1", Expires: attestationExpiry}, {Name: "energy-accredited"}},
				Affiliations: []firebreak.Affiliation{{Name: "Vendor X", Country: "CN"}}},
			{Name: "Acme Holding", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgPending},
			{Name: "US CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "alice", Organization: "Acme Energy", Roles: []firebreak.Role{firebreak.RoleAnalyst},
				TokenHash: firebreak.HashToken("alice-secret")},
			{Name: "olga", Organization: "US CERT", Roles: []firebreak.Role{firebreak.RoleOperator, firebreak.RoleAdmin},
				TokenHash: firebreak.HashToken("olga-secret")},
		},
		Circles: []firebreak.DeclaredCircle{{Name: "us-energy", Members: []string{"US CERT", "Acme Energy"},
			Rules: firebreak.CircleRules{Countries: []string{"US"}, Types: []firebreak.OrgType{firebreak.TypePrivate, firebreak.TypeCERT},
				Attestations: []string{"energy-accredited"}, DenyAffiliationCountries: []string{"RU", "KP"}}}},
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
	if len(h.Secret) < 16 {
		f.Errorf("Hub().Secret has %d bytes, want a random secret of at least 16", len(h.Secret))
	}
	h2, err := f.s.Hub(f.ctx)
	if err != nil || h2.UUID != h.UUID || h2.IdentityID != h.IdentityID || !bytes.Equal(h2.Secret, h.Secret) {
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
		Status:       firebreak.OrgVetted,
		Attestations: []firebreak.Attestation{{Name: "tier-1", Expires: attestationExpiry.UTC()}, {Name: "energy-accredited"}},
		Affiliations: []firebreak.Affiliation{{Name: "Vendor X", Country: "CN"}}}
	if !reflect.DeepEqual(acme, want) {
		f.Errorf("Acme Energy = %+v, want %+v", acme, want)
	}
	if hold := byName["Acme Holding"]; hold.ParentID != 0 || hold.Status != firebreak.OrgPending || len(hold.Sectors) != 0 ||
		hold.Attestations != nil || hold.Affiliations != nil {
		f.Errorf("Acme Holding = %+v, want no parent, pending, no sectors, attestations or affiliations (nil)", hold)
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
	if wantR := sampleDirectory().Circles[0].Rules; len(circles) == 1 && !reflect.DeepEqual(circles[0].Rules, wantR) {
		f.Errorf("us-energy rules = %+v, want %+v", circles[0].Rules, wantR)
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
	// The same expiry in another zone is the same instant: no change.
	d1 := sampleDirectory()
	d1.Organizations[0].Attestations[0].Expires = attestationExpiry.UTC()
	f.apply(d1)
	if e := f.epoch(); e != e1 {
		f.Errorf("epoch after re-declaring an attestation's expiry in UTC = %d, want %d", e, e1)
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
		{"org attestation added", func(d *firebreak.Directory) {
			d.Organizations[1].Attestations = []firebreak.Attestation{{Name: "tier-2"}}
		}},
		{"org attestation expiry, a microsecond", func(d *firebreak.Directory) {
			d.Organizations[0].Attestations[0].Expires = attestationExpiry.Add(time.Microsecond)
		}},
		{"org attestation expiry dropped", func(d *firebreak.Directory) { d.Organizations[0].Attestations[0].Expires = time.Time{} }},
		{"org attestations none", func(d *firebreak.Directory) { d.Organizations[0].Attestations = nil }},
		{"org attestations reordered", func(d *firebreak.Directory) { slices.Reverse(d.Organizations[0].Attestations) }},
		{"org affiliation country", func(d *firebreak.Directory) { d.Organizations[0].Affiliations[0].Country = "RU" }},
		{"org affiliations none", func(d *firebreak.Directory) { d.Organizations[0].Affiliations = nil }},
		{"circle rules types", func(d *firebreak.Directory) { d.Circles[0].Rules.Types = []firebreak.OrgType{firebreak.TypeCERT} }},
		{"circle rules attestations", func(d *firebreak.Directory) { d.Circles[0].Rules.Attestations = nil }},
		{"circle rules denied affiliations", func(d *firebreak.Directory) {
			d.Circles[0].Rules.DenyAffiliationCountries = append(d.Circles[0].Rules.DenyAffiliationCountries, "IR")
		}},
		{"circle rules none", func(d *firebreak.Directory) { d.Circles[0].Rules = firebreak.CircleRules{} }},
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
		{"attestation without a name", func(d *firebreak.Directory) {
			d.Organizations[0].Attestations = append(d.Organizations[0].Attestations, firebreak.Attestation{})
		}},
		{"affiliation without a name", func(d *firebreak.Directory) {
			d.Organizations[0].Affiliations = []firebreak.Affiliation{{Country: "CN"}}
		}},
		{"affiliation country not a code", func(d *firebreak.Directory) {
			d.Organizations[0].Affiliations = []firebreak.Affiliation{{Name: "V", Country: "China"}}
		}},
		{"circle rules unknown type", func(d *firebreak.Directory) { d.Circles[0].Rules.Types = []firebreak.OrgType{"cartel"} }},
		{"circle rules country not a code", func(d *firebreak.Directory) { d.Circles[0].Rules.Countries = []string{"USA"} }},
		{"circle rules empty denied country", func(d *firebreak.Directory) { d.Circles[0].Rules.DenyAffiliationCountries = []string{""} }},
		{"circle rules empty attestation", func(d *firebreak.Directory) { d.Circles[0].Rules.Attestations = []string{""} }},
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

func testApplyTrust(f *fixture) {
	f.apply(sampleDirectory())
	org := func(name string) firebreak.Organization {
		f.Helper()
		o, err := f.s.OrganizationByName(f.ctx, name)
		if err != nil {
			f.Fatalf("OrganizationByName(%q): %v", name, err)
		}
		return o
	}
	circle := func(name string) firebreak.Circle {
		f.Helper()
		cs, err := f.s.Circles(f.ctx)
		if err != nil {
			f.Fatalf("Circles: %v", err)
		}
		for _, c := range cs {
			if c.Name == name {
				return c
			}
		}
		f.Fatalf("circle %q not found in %+v", name, cs)
		return firebreak.Circle{}
	}
	wantAcme := sampleDirectory().Organizations[0]
	wantAcme.Attestations[0].Expires = attestationExpiry.UTC()

	// Countries are kept in upper case, as organisations' are; a lapsed attestation is
	// kept as declared (deciding what it allows is not the store's business).
	lapsed := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	f.apply(firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "Lower", Status: firebreak.OrgVetted, Type: firebreak.TypeNGO,
			Attestations: []firebreak.Attestation{{Name: "old", Expires: lapsed}},
			Affiliations: []firebreak.Affiliation{{Name: "Vendor Y", Country: "cn"}, {Name: "Stateless"}}}},
		Circles: []firebreak.DeclaredCircle{{Name: "lower", Members: []string{"Lower"},
			Rules: firebreak.CircleRules{Countries: []string{"us", "Ca"}, DenyAffiliationCountries: []string{"ru"}}}},
	})
	low := org("Lower")
	wantAtt := []firebreak.Attestation{{Name: "old", Expires: lapsed}}
	wantAff := []firebreak.Affiliation{{Name: "Vendor Y", Country: "CN"}, {Name: "Stateless"}}
	if !reflect.DeepEqual(low.Attestations, wantAtt) || !reflect.DeepEqual(low.Affiliations, wantAff) {
		f.Errorf("Lower: attestations %+v, affiliations %+v; want %+v and %+v", low.Attestations, low.Affiliations, wantAtt, wantAff)
	}
	wantRules := firebreak.CircleRules{Countries: []string{"US", "CA"}, DenyAffiliationCountries: []string{"RU"}}
	if got := circle("lower").Rules; !reflect.DeepEqual(got, wantRules) {
		f.Errorf("lower rules = %+v, want %+v", got, wantRules)
	}

	// What a declaration does not mention stays: Acme Energy and us-energy keep theirs.
	acme := org("Acme Energy")
	if !reflect.DeepEqual(acme.Attestations, wantAcme.Attestations) || !reflect.DeepEqual(acme.Affiliations, wantAcme.Affiliations) {
		f.Errorf("Acme Energy after an Apply that does not mention it: %+v, %+v; want %+v, %+v",
			acme.Attestations, acme.Affiliations, wantAcme.Attestations, wantAcme.Affiliations)
	}
	if got, want := circle("us-energy").Rules, sampleDirectory().Circles[0].Rules; !reflect.DeepEqual(got, want) {
		f.Errorf("us-energy rules after an Apply that does not mention it = %+v, want %+v", got, want)
	}

	// Declared without them, they are replaced by none; empty and nil lists are the same.
	d := sampleDirectory()
	d.Organizations[0].Attestations, d.Organizations[0].Affiliations = nil, nil
	d.Circles[0].Rules = firebreak.CircleRules{}
	f.apply(d)
	e := f.epoch()
	acme = org("Acme Energy")
	if acme.Attestations != nil || acme.Affiliations != nil {
		f.Errorf("Acme Energy declared without attestations and affiliations: %+v, %+v; want nil", acme.Attestations, acme.Affiliations)
	}
	if got := circle("us-energy").Rules; !reflect.DeepEqual(got, firebreak.CircleRules{}) {
		f.Errorf("us-energy declared without rules: %+v, want none", got)
	}
	d.Organizations[0].Attestations, d.Organizations[0].Affiliations = []firebreak.Attestation{}, []firebreak.Affiliation{}
	d.Circles[0].Rules = firebreak.CircleRules{Countries: []string{}, Types: []firebreak.OrgType{}, Attestations: []string{},
		DenyAffiliationCountries: []string{}}
	f.apply(d)
	if got := f.epoch(); got != e {
		f.Errorf("re-declaring nil lists as empty ones moved the epoch from %d to %d", e, got)
	}
	// And back to the sample: everything returns, times exactly.
	f.apply(sampleDirectory())
	if got := f.epoch(); got <= e {
		f.Errorf("declaring the trust again: epoch %d, want above %d", got, e)
	}
	acme = org("Acme Energy")
	if !reflect.DeepEqual(acme.Attestations, wantAcme.Attestations) || !reflect.DeepEqual(acme.Affiliations, wantAcme.Affiliations) {
		f.Errorf("Acme Energy declared again: %+v, %+v; want %+v, %+v",
			acme.Attestations, acme.Affiliations, wantAcme.Attestations, wantAcme.Affiliations)
	}
	if !acme.HasAttestation("tier-1", attestationExpiry.Add(-time.Microsecond)) || acme.HasAttestation("tier-1", attestationExpiry) {
		f.Errorf("tier-1 read back does not lapse exactly at %v: %+v", attestationExpiry, acme.Attestations)
	}
	// A failed Apply leaves trust as it was.
	bad := sampleDirectory()
	bad.Organizations[0].Attestations = nil
	bad.Users[0].Organization = "Nobody"
	f.wantCode("Apply with a bad user", f.s.Apply(f.ctx, bad), firebreak.EINVALID)
	if acme := org("Acme Energy"); !reflect.DeepEqual(acme.Attestations, wantAcme.Attestations) {
		f.Errorf("after a refused Apply, attestations %+v, want %+v", acme.Attestations, wantAcme.Attestations)
	}
}
