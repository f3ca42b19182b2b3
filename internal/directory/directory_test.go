package directory

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

func TestNormalizeCanonicalForm(t *testing.T) {
	exp := time.Date(2027, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CET", 3600))
	d := firebreak.Directory{
		Hub: firebreak.Hub{Name: "hub", Country: "be", Operator: "cert"},
		Organizations: []firebreak.DeclaredOrganization{{
			Name: "cert", Country: "Be",
			Attestations: []firebreak.Attestation{{Name: "iso27001", Expires: exp}},
			Affiliations: []firebreak.Affiliation{{Name: "parent", Country: "fr"}},
		}},
		Circles: []firebreak.DeclaredCircle{{
			Name: "energy", Members: []string{"cert", "cert", "grid", "cert"},
			Rules: firebreak.CircleRules{Countries: []string{"be", "NL"}, DenyAffiliationCountries: []string{"ru"}},
		}},
		Peers: []firebreak.Peer{{Name: "nl", Direction: firebreak.PeerPull, Country: "nl"}},
	}
	callerAtts := d.Organizations[0].Attestations
	if err := Normalize(&d); err != nil {
		t.Fatal(err)
	}
	o := d.Organizations[0]
	if o.Status != firebreak.OrgPending || o.Country != "BE" || o.Affiliations[0].Country != "FR" {
		t.Errorf("organization = %+v; want status pending, country BE, affiliation country FR", o)
	}
	if got := o.Attestations[0].Expires; got.Location() != time.UTC || !got.Equal(exp) {
		t.Errorf("attestation expiry = %v; want %v in UTC", got, exp)
	}
	if callerAtts[0].Expires.Location() == time.UTC {
		t.Error("Normalize changed the caller's attestation slice")
	}
	c := d.Circles[0]
	if !slices.Equal(c.Members, []string{"cert", "grid"}) {
		t.Errorf("members = %v; want [cert grid]", c.Members)
	}
	if !slices.Equal(c.Rules.Countries, []string{"BE", "NL"}) || !slices.Equal(c.Rules.DenyAffiliationCountries, []string{"RU"}) {
		t.Errorf("rules = %+v; want upper-case countries", c.Rules)
	}
	if d.Peers[0].Country != "NL" || d.Hub.Country != "BE" {
		t.Errorf("peer country %q, hub country %q; want NL, BE", d.Peers[0].Country, d.Hub.Country)
	}

	// A second pass is no change: the encodings a store compares stay the same text.
	before := EncodeAttestations(o.Attestations) + EncodeAffiliations(o.Affiliations) + EncodeRules(c.Rules)
	if err := Normalize(&d); err != nil {
		t.Fatal(err)
	}
	after := EncodeAttestations(d.Organizations[0].Attestations) + EncodeAffiliations(d.Organizations[0].Affiliations) + EncodeRules(d.Circles[0].Rules)
	if before != after {
		t.Errorf("normalising twice changed the stored form:\n%s\n%s", before, after)
	}
}

func TestNormalizeRejects(t *testing.T) {
	org := func(mod func(*firebreak.DeclaredOrganization)) firebreak.Directory {
		o := firebreak.DeclaredOrganization{Name: "a"}
		mod(&o)
		return firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{o}}
	}
	cases := map[string]struct {
		d    firebreak.Directory
		want string
	}{
		"empty org name":  {firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{}}}, "name is empty"},
		"org twice":       {firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "a"}, {Name: "a"}}}, "declared twice"},
		"bad status":      {org(func(o *firebreak.DeclaredOrganization) { o.Status = "sleeping" }), "unknown status"},
		"bad type":        {org(func(o *firebreak.DeclaredOrganization) { o.Type = "club" }), "unknown type"},
		"bad sector":      {org(func(o *firebreak.DeclaredOrganization) { o.Sectors = []string{"astrology"} }), "unknown sector"},
		"bad country":     {org(func(o *firebreak.DeclaredOrganization) { o.Country = "BEL" }), "two-letter"},
		"non-letter":      {org(func(o *firebreak.DeclaredOrganization) { o.Country = "B1" }), "two-letter"},
		"own parent":      {org(func(o *firebreak.DeclaredOrganization) { o.Parent = "a" }), "own parent"},
		"nameless attest": {org(func(o *firebreak.DeclaredOrganization) { o.Attestations = []firebreak.Attestation{{}} }), "attestation 1"},
		"affiliation land": {org(func(o *firebreak.DeclaredOrganization) {
			o.Affiliations = []firebreak.Affiliation{{Name: "x", Country: "xyz"}}
		}), "two-letter"},
		"bad role":          {firebreak.Directory{Users: []firebreak.DeclaredUser{{Name: "u", Roles: []firebreak.Role{"king"}}}}, "unknown role"},
		"shared token":      {firebreak.Directory{Users: []firebreak.DeclaredUser{{Name: "u", TokenHash: []byte{1}}, {Name: "v", TokenHash: []byte{1}}}}, "already the token"},
		"bad review":        {firebreak.Directory{Circles: []firebreak.DeclaredCircle{{Name: "c", Review: "sometimes"}}}, "review"},
		"empty rule land":   {firebreak.Directory{Circles: []firebreak.DeclaredCircle{{Name: "c", Rules: firebreak.CircleRules{Countries: []string{""}}}}}, "country 1 is empty"},
		"bad rule type":     {firebreak.Directory{Circles: []firebreak.DeclaredCircle{{Name: "c", Rules: firebreak.CircleRules{Types: []firebreak.OrgType{"club"}}}}}, "unknown type"},
		"bad peer way":      {firebreak.Directory{Peers: []firebreak.Peer{{Name: "p", Direction: "sideways"}}}, "direction"},
		"negative interval": {firebreak.Directory{Peers: []firebreak.Peer{{Name: "p", Direction: firebreak.PeerPull, Interval: -time.Second}}}, "negative"},
		"hub no operator":   {firebreak.Directory{Hub: firebreak.Hub{Name: "h"}}, "operator"},
	}
	for name, tc := range cases {
		err := Normalize(&tc.d)
		var fe *firebreak.Error
		if !errors.As(err, &fe) || fe.Code != firebreak.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want EINVALID mentioning %q", name, err, tc.want)
		}
	}
}

func TestNormalDomains(t *testing.T) {
	got := NormalDomains([]string{" Example.ORG. ", "", "b.example", "example.org"})
	if !slices.Equal(got, []string{"b.example", "example.org"}) {
		t.Errorf("NormalDomains = %v", got)
	}
}

func TestAttestationsRoundTrip(t *testing.T) {
	in := []firebreak.Attestation{{Name: "a", Expires: time.Date(2027, 5, 6, 7, 8, 9, 1, time.UTC)}, {Name: "b"}}
	out, err := DecodeAttestations([]byte(EncodeAttestations(in)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || !out[0].Expires.Equal(in[0].Expires) || out[0].Name != "a" || !out[1].Expires.IsZero() {
		t.Errorf("round trip = %+v; want %+v", out, in)
	}
	if none, err := DecodeAttestations([]byte("[]")); err != nil || none != nil {
		t.Errorf("DecodeAttestations([]) = %v, %v; want nil, nil", none, err)
	}
	if _, err := DecodeAttestations([]byte(`[{"name":"a","expires":"soon"}]`)); err == nil {
		t.Error("DecodeAttestations accepted an expiry that is not a time")
	}
}

func TestListRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "[]"},
		{[]string{}, "[]"},
		{[]string{"a", "b"}, `["a","b"]`},
	} {
		enc := EncodeList(tc.in)
		if enc != tc.want {
			t.Errorf("EncodeList(%#v) = %s, want %s", tc.in, enc, tc.want)
		}
		var got []string
		if err := DecodeList([]byte(enc), &got); err != nil || !slices.Equal(got, tc.in) || (len(tc.in) == 0) != (got == nil) {
			t.Errorf("DecodeList(%s) = %#v, %v; want %#v, nil for an empty list", enc, got, err, tc.in)
		}
	}
	var got []string
	if err := DecodeList([]byte("{}"), &got); err == nil {
		t.Error("DecodeList accepted an object")
	}
}
