package policy

import (
	"slices"
	"testing"

	"github.com/firebreak/firebreak"
)

// The organisations of the rule tables. IDs: 1 provider (US private, parent 10),
// 2 US private, 3 CA private, 4 US law enforcement, 10 the provider's parent (US
// government), 11 a sibling under the same parent, 12 the parent's parent, 13 an
// unrelated US government agency, 20 the hub operator (US CERT).
var (
	orgProvider = firebreak.Organization{ID: 1, Name: "Acme", IdentityID: "identity--acme", Country: "US", Type: firebreak.TypePrivate, ParentID: 10, Status: firebreak.OrgVetted}
	orgUS       = firebreak.Organization{ID: 2, Name: "Beta", IdentityID: "identity--beta", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted}
	orgCA       = firebreak.Organization{ID: 3, Name: "Maple", Country: "CA", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted}
	orgLE       = firebreak.Organization{ID: 4, Name: "FBI", Country: "US", Type: firebreak.TypeLawEnforcement, Status: firebreak.OrgVetted}
	orgParent   = firebreak.Organization{ID: 10, Name: "Dept", Country: "US", Type: firebreak.TypeGovernment, ParentID: 12, Status: firebreak.OrgVetted}
	orgSibling  = firebreak.Organization{ID: 11, Name: "Sister", Country: "US", Type: firebreak.TypePrivate, ParentID: 10, Status: firebreak.OrgVetted}
	orgGrand    = firebreak.Organization{ID: 12, Name: "Ministry", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted}
	orgGov      = firebreak.Organization{ID: 13, Name: "Agency", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted}
	orgOperator = firebreak.Organization{ID: 20, Name: "US CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}
)

var ancestorsOf = map[int64][]int64{1: {10, 12}, 10: {12}, 11: {10, 12}}

func reader(o firebreak.Organization, circles ...string) Reader {
	slices.Sort(circles)
	return Reader{Org: o, Ancestors: ancestorsOf[o.ID], Circles: circles}
}

func withStatus(o firebreak.Organization, s firebreak.OrgStatus) firebreak.Organization {
	o.Status = s
	return o
}

var provider = Provider{Org: orgProvider, Ancestors: ancestorsOf[1]}

func doc(tlp firebreak.TLP, mods ...func(*Doc)) Doc {
	d := Doc{TLP: tlp}
	for _, m := range mods {
		m(&d)
	}
	d.canonical()
	return d
}

func circles(c ...string) func(*Doc) { return func(d *Doc) { d.Circles = c } }
func orgs(o ...string) func(*Doc)    { return func(d *Doc) { d.Orgs = o } }
func caveat(c ...string) func(*Doc)  { return func(d *Doc) { d.Caveats = c } }
func attribution(a string) func(*Doc) {
	return func(d *Doc) { d.Attribution = a }
}
func unknown(u string) func(*Doc) { return func(d *Doc) { d.Unknown = []string{u} } }
func granular(t firebreak.TLP, sel ...string) func(*Doc) {
	return func(d *Doc) { d.Granular = append(d.Granular, GranularRule{TLP: t, Selectors: sel}) }
}

func TestDecideRules(t *testing.T) {
	op := reader(orgOperator)
	op.Operator = true
	seen := Decision{Visible: true}
	tests := []struct {
		name string
		r    Reader
		d    Doc
		want Decision
	}{
		// The provider.
		{"provider sees its red object", reader(orgProvider), doc(firebreak.TLPRed), Decision{Visible: true, Own: true, NameProvider: true}},
		{"provider sees its proprietary, unknown-marked object", reader(orgProvider), doc(firebreak.TLPClear, caveat(CaveatProprietary), unknown("marking-definition--x")), Decision{Visible: true, Own: true, NameProvider: true}},
		{"pending provider still sees its own", reader(withStatus(orgProvider, firebreak.OrgPending)), doc(firebreak.TLPRed), Decision{Visible: true, Own: true, NameProvider: true}},
		// Vetting.
		{"vetted member sees clear", reader(orgUS), doc(firebreak.TLPClear), seen},
		{"pending reads nothing of others", reader(withStatus(orgUS, firebreak.OrgPending)), doc(firebreak.TLPClear), Decision{}},
		{"suspended reads nothing", reader(withStatus(orgUS, firebreak.OrgSuspended)), doc(firebreak.TLPClear), Decision{}},
		{"revoked reads nothing", reader(withStatus(orgUS, firebreak.OrgRevoked)), doc(firebreak.TLPClear), Decision{}},
		{"no organisation reads nothing", Reader{}, doc(firebreak.TLPClear), Decision{}},
		// TLP:GREEN.
		{"green without audience reaches the community", reader(orgCA), doc(firebreak.TLPGreen), seen},
		{"green reaches the audience circle", reader(orgUS, "energy"), doc(firebreak.TLPGreen, circles("energy")), seen},
		{"green misses members outside the circle", reader(orgUS, "finance"), doc(firebreak.TLPGreen, circles("energy")), Decision{}},
		{"green reaches a named organisation", reader(orgUS), doc(firebreak.TLPGreen, orgs("Beta")), seen},
		{"green reaches an organisation named by identity id", reader(orgUS), doc(firebreak.TLPGreen, orgs("identity--beta")), seen},
		// TLP:AMBER.
		{"amber without audience reaches vetted members", reader(orgCA), doc(firebreak.TLPAmber), seen},
		{"amber reaches the audience circle", reader(orgUS, "energy"), doc(firebreak.TLPAmber, circles("energy")), seen},
		{"amber misses others", reader(orgCA), doc(firebreak.TLPAmber, circles("energy"), orgs("Beta")), Decision{}},
		{"amber reaches a named organisation", reader(orgUS), doc(firebreak.TLPAmber, orgs("Beta")), seen},
		// TLP:AMBER+STRICT and TLP:RED.
		{"amber+strict reaches a named organisation", reader(orgUS), doc(firebreak.TLPAmberStrict, orgs("Beta")), seen},
		{"amber+strict ignores circles", reader(orgUS, "energy"), doc(firebreak.TLPAmberStrict, circles("energy")), Decision{}},
		{"amber+strict without audience reaches nobody", reader(orgUS), doc(firebreak.TLPAmberStrict), Decision{}},
		{"red reaches a named organisation", reader(orgCA), doc(firebreak.TLPRed, orgs("Maple")), seen},
		{"red misses the unnamed", reader(orgUS), doc(firebreak.TLPRed, orgs("Maple")), Decision{}},
		// Caveats.
		{"no-foreign keeps compatriots", reader(orgUS), doc(firebreak.TLPClear, caveat(CaveatNoForeign)), seen},
		{"no-foreign removes foreigners", reader(orgCA), doc(firebreak.TLPClear, caveat(CaveatNoForeign)), Decision{}},
		{"no-law-enforcement removes law enforcement", reader(orgLE), doc(firebreak.TLPClear, caveat(CaveatNoLawEnforcement)), Decision{}},
		{"no-law-enforcement keeps others", reader(orgUS), doc(firebreak.TLPClear, caveat(CaveatNoLawEnforcement)), seen},
		{"law enforcement reads like others otherwise", reader(orgLE), doc(firebreak.TLPClear), seen},
		{"no-parent removes the parent", reader(orgParent), doc(firebreak.TLPClear, caveat(CaveatNoParent)), Decision{}},
		{"no-parent removes the parent's parent", reader(orgGrand), doc(firebreak.TLPClear, caveat(CaveatNoParent)), Decision{}},
		{"no-parent removes what is under the parent", reader(orgSibling), doc(firebreak.TLPClear, caveat(CaveatNoParent)), Decision{}},
		{"no-parent keeps unrelated government", reader(orgGov), doc(firebreak.TLPClear, caveat(CaveatNoParent)), seen},
		{"the parent reads without no-parent", reader(orgParent), doc(firebreak.TLPClear), seen},
		{"proprietary removes every member", reader(orgUS), doc(firebreak.TLPClear, caveat(CaveatProprietary)), Decision{}},
		{"no-federation does not limit members", reader(orgCA), doc(firebreak.TLPClear, caveat(CaveatNoFederation)), seen},
		{"caveats combine with AND", reader(orgUS, "energy"), doc(firebreak.TLPGreen, circles("energy"), caveat(CaveatNoForeign, CaveatNoLawEnforcement)), seen},
		{"one failing caveat is enough", reader(orgLE, "energy"), doc(firebreak.TLPGreen, circles("energy"), caveat(CaveatNoForeign, CaveatNoLawEnforcement)), Decision{}},
		// Unknown markings.
		{"unknown marking fails closed", reader(orgUS), doc(firebreak.TLPClear, unknown("marking-definition--x")), Decision{}},
		// Operators.
		{"operator reads what members may, as a member", op, doc(firebreak.TLPClear), seen},
		{"operator reads proprietary as operator", op, doc(firebreak.TLPClear, caveat(CaveatProprietary)), Decision{Visible: true, AsOperator: true, NameProvider: true}},
		{"operator reads red as operator", op, doc(firebreak.TLPRed, orgs("Maple")), Decision{Visible: true, AsOperator: true, NameProvider: true}},
		{"operator reads unknown-marked as operator", op, doc(firebreak.TLPClear, unknown("marking-definition--x")), Decision{Visible: true, AsOperator: true, NameProvider: true}},
		// Attribution.
		{"attribution everyone names the provider", reader(orgCA), doc(firebreak.TLPClear, attribution(AttributionEveryone)), Decision{Visible: true, NameProvider: true}},
		{"attribution government names it to government", reader(orgGov), doc(firebreak.TLPClear, attribution(AttributionGovernment)), Decision{Visible: true, NameProvider: true}},
		{"attribution government names it to law enforcement", reader(orgLE), doc(firebreak.TLPClear, attribution(AttributionGovernment)), Decision{Visible: true, NameProvider: true}},
		{"attribution government hides it from companies", reader(orgUS), doc(firebreak.TLPClear, attribution(AttributionGovernment)), seen},
		{"attribution none hides it from government", reader(orgGov), doc(firebreak.TLPClear, attribution(AttributionNone)), seen},
		// Granular markings.
		{"granular red removes properties for the unnamed", reader(orgUS), doc(firebreak.TLPGreen, granular(firebreak.TLPRed, "description")), Decision{Visible: true, Remove: []string{"description"}}},
		{"granular red keeps properties for the named", reader(orgUS), doc(firebreak.TLPGreen, orgs("Beta"), granular(firebreak.TLPRed, "description")), seen},
		{"granular amber keeps properties for the audience", reader(orgUS, "energy"), doc(firebreak.TLPGreen, circles("energy"), granular(firebreak.TLPAmber, "name")), seen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.r, provider, tt.d)
			if got.Visible != tt.want.Visible || got.Own != tt.want.Own || got.AsOperator != tt.want.AsOperator ||
				got.NameProvider != tt.want.NameProvider || !slices.Equal(got.Remove, tt.want.Remove) {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDocEncodeCanonical(t *testing.T) {
	a := Doc{TLP: firebreak.TLPGreen, Circles: []string{"b", "a", "b"}, Unknown: []string{"y", "x"}, Attribution: AttributionNone, FurtherSharing: SharingHubOnly}
	b := Doc{TLP: firebreak.TLPGreen, Circles: []string{"a", "b"}, Unknown: []string{"x", "y"}}
	if string(a.Encode()) != string(b.Encode()) {
		t.Errorf("equal policies encode differently: %s vs %s", a.Encode(), b.Encode())
	}
	got, err := DecodeDoc(a.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Encode()) != string(b.Encode()) {
		t.Errorf("round trip = %s, want %s", got.Encode(), b.Encode())
	}
	if _, err := DecodeDoc([]byte(`{"tlp":"green","laxer":true}`)); err == nil {
		t.Errorf("DecodeDoc accepted a field it does not know")
	}
}

// BenchmarkDecide measures one decision for a (reader, policy) pair with every rule in
// play.
func BenchmarkDecide(b *testing.B) {
	r := reader(orgUS, "energy", "finance", "water")
	d := doc(firebreak.TLPAmber, circles("energy"), orgs("Maple"), caveat(CaveatNoForeign, CaveatNoLawEnforcement, CaveatNoParent),
		attribution(AttributionGovernment), granular(firebreak.TLPRed, "description"))
	b.ReportAllocs()
	for b.Loop() {
		Decide(r, provider, d)
	}
}
