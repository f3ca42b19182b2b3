package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Regression tests of issue 13's findings that the pure functions decide, organised by
// the class each belongs to. The HTTP-level suite (internal/httpapi leak tests) drives
// the same classes through every route.

// Class: fail closed. Finding 1: a marking definition that carries the policy extension
// beside an IEP extension (or an IEP definition) was compiled as IEP alone, dropping the
// audience and caveats.
func TestLeak01MixedMarkingsFailClosed(t *testing.T) {
	policyExt := fmt.Sprintf(`%q:{"extension_type":"property-extension","audience":{"organizations":["Beta Bank"]},"caveats":["no-law-enforcement"]}`, stix.PolicyExtensionID)
	iepExt := `"extension-definition--88888888-8888-4888-8888-888888888888":{"extension_type":"property-extension","iep_version":"2.0","tlp":"amber"}`
	tlpExt := fmt.Sprintf(`%q:{"extension_type":"property-extension","tlp_2_0":"amber"}`, stix.TLP2ExtensionID)
	head := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--12121212-1212-4121-8121-121212121212","created":"2026-01-01T00:00:00.000Z"`
	cases := map[string]string{
		"policy beside iep extension":     head + `,"extensions":{` + policyExt + `,` + iepExt + `}}`,
		"policy with an iep definition":   head + `,"definition_type":"iep","definition":{"iep_version":"2.0","tlp":"amber"},"extensions":{` + policyExt + `}}`,
		"policy beside a tlp extension":   head + `,"extensions":{` + policyExt + `,` + tlpExt + `}}`,
		"tlp extension beside iep":        head + `,"extensions":{` + tlpExt + `,` + iepExt + `}}`,
		"policy beside an unknown one":    head + `,"extensions":{` + policyExt + `,"extension-definition--99999999-9999-4999-8999-999999999999":{"extension_type":"property-extension","colour":1}}}`,
		"iep definition with extensions":  head + `,"definition_type":"iep","definition":{"iep_version":"2.0","tlp":"amber"},"extensions":{` + iepExt + `}}`,
		"statement beside a policy":       head + `,"definition_type":"statement","definition":{"statement":"x"},"extensions":{` + policyExt + `}}`,
		"legacy tlp beside an extension":  head + `,"definition_type":"tlp","definition":{"tlp":"green"},"extensions":{` + policyExt + `}}`,
		"policy with a legacy definition": head + `,"definition_type":"policy","definition":{"x":"y"},"extensions":{` + policyExt + `}}`,
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			def, err := stix.Parse([]byte(raw))
			if err != nil {
				t.Skipf("the validator refuses it already: %v", err)
			}
			obj := markedIndicator(t, []string{stix.TLPAmberID, def.ID}, "")
			got := Compile(obj, map[string]*stix.Object{def.ID: def}, CompileOptions{DefaultTLP: firebreak.TLPAmber}).Doc
			if !slices.Equal(got.Unknown, []string{def.ID}) {
				t.Fatalf("Doc = %s, want the marking unknown", got.Encode())
			}
			for _, r := range []Reader{reader(orgUS), reader(orgLE), reader(orgCA)} {
				if Decide(r, provider, got).Visible {
					t.Errorf("%s reads an object whose marking the hub does not wholly understand", r.Org.Name)
				}
			}
		})
	}
}

// Class: a peer is a reader like any other. Finding 2: the provider's parent, declared
// as a peer, read its no-parent objects. And the property that closes the class: for
// every policy and every reader, a peer never receives what a member with the same
// attributes (organisation, ancestors, circles) would not, never learns the provider
// when that member would not, and loses at least the properties that member loses.
func TestLeak02PeerIsAReader(t *testing.T) {
	parentPeer := firebreak.Peer{Name: orgParent.Name, Country: "US", Type: firebreak.TypeGovernment, MaxTLP: firebreak.TLPAmber, Attribution: true}
	r := reader(orgParent)
	r.Peer = &parentPeer
	for _, d := range []Doc{doc(firebreak.TLPClear, caveat(CaveatNoParent)), doc(firebreak.TLPGreen, caveat(CaveatNoParent))} {
		if Decide(r, provider, d).Visible {
			t.Errorf("the provider's parent, as a peer, reads %s", d.Encode())
		}
	}

	rng := rand.New(rand.NewPCG(13, 2))
	orgsAll := []firebreak.Organization{orgUS, orgCA, orgLE, orgParent, orgSibling, orgGrand, orgGov, orgOperator,
		withStatus(orgUS, firebreak.OrgPending), withStatus(orgGov, firebreak.OrgSuspended)}
	circleNames := []string{"energy", "finance", "water"}
	pick := func(from []string) []string {
		var out []string
		for _, x := range from {
			if rng.IntN(3) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	names := []string{"Beta", "identity--beta", "Maple", "FBI", "Dept", "Sister", "Ministry", "Agency", "US CERT"}
	pairs := 0
	for i := 0; i < 20000; i++ {
		d := Doc{TLP: firebreak.TLP(rng.IntN(5)), Circles: pick(circleNames), Orgs: pick(names), Caveats: pick(Caveats),
			Attribution:    []string{"", AttributionGovernment, AttributionEveryone}[rng.IntN(3)],
			FurtherSharing: []string{"", SharingPeers}[rng.IntN(2)], ProviderIdentity: rng.IntN(6) == 0, NoAudience: rng.IntN(10) == 0}
		if rng.IntN(3) == 0 {
			d.Granular = []GranularRule{{TLP: firebreak.TLP(rng.IntN(5)), Selectors: []string{"description"}}}
		}
		d.canonical()
		p := provider
		p.Peer = rng.IntN(4) == 0
		o := orgsAll[rng.IntN(len(orgsAll))]
		pr := firebreak.Peer{Name: o.Name, Country: o.Country, Type: o.Type, MaxTLP: firebreak.TLP(rng.IntN(5)),
			Circles: pick(circleNames), Attribution: rng.IntN(2) == 0}
		if rng.IntN(5) == 0 {
			pr.Country = "MX" // an agreement may declare other attributes than the account
		}
		asMember := reader(o, pr.Circles...)
		asPeer := asMember
		asPeer.Peer = &pr
		m, q := Decide(asMember, p, d), Decide(asPeer, p, d)
		pairs++
		if q.Visible && !m.Visible {
			t.Fatalf("peer %+v reads %s, which the member with its attributes may not", pr, d.Encode())
		}
		if q.NameProvider && !m.NameProvider {
			t.Fatalf("peer %+v learns the provider of %s, which the member may not", pr, d.Encode())
		}
		for _, s := range m.Remove {
			if q.Visible && !slices.Contains(q.Remove, s) {
				t.Fatalf("peer %+v keeps %s of %s, which the member loses", pr, s, d.Encode())
			}
		}
		if q.Own || q.AsOperator {
			t.Fatalf("a peer decided as owner or operator: %+v", q)
		}
	}
	t.Logf("%d (peer, policy) pairs agree with the member rules", pairs)
}

// Class: attribution. "government" names the provider to the government organisations of
// its own country only.
func TestLeakGovernmentAttributionStaysInCountry(t *testing.T) {
	foreignGov := firebreak.Organization{ID: 30, Name: "Ottawa", Country: "CA", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted}
	d := doc(firebreak.TLPClear, attribution(AttributionGovernment))
	if Decide(reader(foreignGov), provider, d).NameProvider {
		t.Error("a foreign government learns a provider whose attribution is government")
	}
	if !Decide(reader(orgGov), provider, d).NameProvider {
		t.Error("the provider's own government does not learn it")
	}
}

// Class: the origin's promise travels. The caps of the agreements an object crossed bind
// every later hop: a peer further on gets no higher TLP and learns no provider that an
// agreement on the way kept unnamed.
func TestLeakHopCapsBindLaterHops(t *testing.T) {
	peer := firebreak.Peer{Name: "Maple", Country: "CA", Type: firebreak.TypePrivate, MaxTLP: firebreak.TLPAmber, Attribution: true}
	r := reader(orgCA)
	r.Peer = &peer
	from := provider
	from.Peer = true
	d := doc(firebreak.TLPGreen, attribution(AttributionEveryone), func(d *Doc) { d.FurtherSharing = SharingPeers })
	if dec := Decide(r, from, d); !dec.Visible || !dec.NameProvider {
		t.Fatalf("without caps: %+v; the test proves nothing", dec)
	}
	d.Hop = &HopCaps{MaxTLP: firebreak.TLPAmber, NoAttribution: true}
	if dec := Decide(r, from, d); !dec.Visible || dec.NameProvider {
		t.Errorf("an agreement on the way forbade attribution: %+v", dec)
	}
	if dec := Decide(reader(orgCA), from, d); !dec.Visible || dec.NameProvider {
		t.Errorf("a member of the receiving hub learns a provider an agreement kept unnamed: %+v", dec)
	}
	d.Hop = &HopCaps{MaxTLP: firebreak.TLPClear}
	if dec := Decide(r, from, d); dec.Visible {
		t.Errorf("an agreement on the way allowed only clear: %+v", dec)
	}
}
