package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

func mustParse(t *testing.T, raw string) *stix.Object {
	t.Helper()
	o, err := stix.Parse([]byte(raw))
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	return o
}

const policyMarkingID = "marking-definition--11111111-1111-4111-8111-111111111111"

func policyMarking(t *testing.T, id, props string) *stix.Object {
	return mustParse(t, fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z",
	"extensions":{%q:{"extension_type":"property-extension"%s}}}`, id, stix.PolicyExtensionID, props))
}

func markedIndicator(t *testing.T, marks []string, granular string) *stix.Object {
	refs := ""
	if len(marks) > 0 {
		refs = `,"object_marking_refs":["` + strings.Join(marks, `","`) + `"]`
	}
	return mustParse(t, `{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222",
	"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"n","description":"d",
	"pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"`+refs+granular+`}`)
}

func TestCompile(t *testing.T) {
	defs := map[string]*stix.Object{}
	add := func(o *stix.Object) string { defs[o.ID] = o; return o.ID }
	full := add(policyMarking(t, policyMarkingID, `,"audience":{"circles":["us-energy"],"organizations":["Beta Bank"]},
		"attribution":"government","caveats":["no-foreign","no-parent"],"further_sharing":"peers","expires":"2027-01-01T00:00:00Z"`))
	narrow := add(policyMarking(t, "marking-definition--33333333-3333-4333-8333-333333333333", `,"audience":{"organizations":["Beta Bank","Gamma"]},"attribution":"none","caveats":["proprietary"],"further_sharing":"hub-only","expires":"2026-06-01T00:00:00Z"`))
	badCaveat := add(policyMarking(t, "marking-definition--44444444-4444-4444-8444-444444444444", `,"caveats":["no-aliens"]`))
	extraProp := add(policyMarking(t, "marking-definition--55555555-5555-4555-8555-555555555555", `,"audience":{"circles":["x"]},"colour":"blue"`))
	statement := add(mustParse(t, `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--66666666-6666-4666-8666-666666666666","created":"2017-06-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright"}}`))
	iep := add(mustParse(t, `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--77777777-7777-4777-8777-777777777777","created":"2020-01-01T00:00:00.000Z",
		"extensions":{"extension-definition--88888888-8888-4888-8888-888888888888":{"extension_type":"property-extension","iep_version":"2.0","tlp":"amber","provider_attribution":"must-not","unmodified_resale":"must-not","end_date":"2026-12-31T00:00:00Z"}}}`))
	iepBad := add(mustParse(t, `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--99999999-9999-4999-8999-999999999999","created":"2020-01-01T00:00:00.000Z",
		"extensions":{"extension-definition--88888888-8888-4888-8888-888888888888":{"extension_type":"property-extension","iep_version":"2.0","tlp":"purple"}}}`))
	missing := "marking-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"

	tests := []struct {
		name     string
		marks    []string
		granular string
		opts     CompileOptions
		want     Doc
		expires  string
	}{
		{"no marking takes the default", nil, "", CompileOptions{DefaultTLP: firebreak.TLPAmber}, Doc{TLP: firebreak.TLPAmber, DefaultTLP: true}, ""},
		{"tlp 2.0", []string{stix.TLPGreenID}, "", CompileOptions{DefaultTLP: firebreak.TLPRed}, Doc{TLP: firebreak.TLPGreen}, ""},
		{"tlp 1.0 white maps to clear", []string{stix.TLP1WhiteID}, "", CompileOptions{}, Doc{TLP: firebreak.TLPClear}, ""},
		{"strictest tlp wins", []string{stix.TLPGreenID, stix.TLP1AmberID, stix.TLPClearID}, "", CompileOptions{}, Doc{TLP: firebreak.TLPAmber}, ""},
		{"circle collection sets the audience", []string{stix.TLPGreenID}, "", CompileOptions{Circles: []string{"water"}}, Doc{TLP: firebreak.TLPGreen, Circles: []string{"water"}}, ""},
		{"policy marking", []string{stix.TLPAmberID, full}, "", CompileOptions{Circles: []string{"water"}},
			Doc{TLP: firebreak.TLPAmber, Circles: []string{"us-energy"}, Orgs: []string{"Beta Bank"}, Attribution: AttributionGovernment,
				Caveats: []string{CaveatNoForeign, CaveatNoParent}, FurtherSharing: SharingPeers}, "2027-01-01T00:00:00Z"},
		{"two policy markings narrow each other", []string{stix.TLPRedID, full, narrow}, "", CompileOptions{},
			Doc{TLP: firebreak.TLPRed, Orgs: []string{"Beta Bank"}, Caveats: []string{CaveatNoForeign, CaveatNoParent, CaveatProprietary}}, "2026-06-01T00:00:00Z"},
		{"unknown caveat fails closed", []string{stix.TLPClearID, badCaveat}, "", CompileOptions{}, Doc{TLP: firebreak.TLPClear, Unknown: []string{badCaveat}}, ""},
		{"unknown property fails closed", []string{stix.TLPClearID, extraProp}, "", CompileOptions{}, Doc{TLP: firebreak.TLPClear, Unknown: []string{extraProp}}, ""},
		{"unresolvable marking fails closed", []string{stix.TLPClearID, missing}, "", CompileOptions{}, Doc{TLP: firebreak.TLPClear, Unknown: []string{missing}}, ""},
		{"statement restricts nobody", []string{statement}, "", CompileOptions{DefaultTLP: firebreak.TLPGreen}, Doc{TLP: firebreak.TLPGreen, DefaultTLP: true}, ""},
		{"iep maps tlp, attribution and end date", []string{iep}, "", CompileOptions{}, Doc{TLP: firebreak.TLPAmber}, "2026-12-31T00:00:00Z"},
		{"iep with a bad tlp fails closed", []string{iep, iepBad}, "", CompileOptions{}, Doc{TLP: firebreak.TLPAmber, Unknown: []string{iepBad}}, "2026-12-31T00:00:00Z"},
		{"granular stricter tlp", []string{stix.TLPGreenID}, `,"granular_markings":[{"marking_ref":"` + stix.TLPRedID + `","selectors":["description"]},{"marking_ref":"` + stix.TLPClearID + `","selectors":["name"]}]`,
			CompileOptions{}, Doc{TLP: firebreak.TLPGreen, Granular: []GranularRule{{TLP: firebreak.TLPRed, Selectors: []string{"description"}}}}, ""},
		{"granular policy marking is not understood", []string{stix.TLPGreenID}, `,"granular_markings":[{"marking_ref":"` + full + `","selectors":["description"]}]`,
			CompileOptions{}, Doc{TLP: firebreak.TLPGreen, Unknown: []string{full}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := markedIndicator(t, tt.marks, tt.granular)
			got := Compile(obj, defs, tt.opts)
			// The policy lists the definitions that shaped it: those it could resolve.
			for _, ref := range MarkingRefs(obj) {
				if defs[ref] != nil {
					tt.want.Markings = append(tt.want.Markings, ref)
				}
			}
			tt.want.canonical()
			if string(got.Doc.Encode()) != string(tt.want.Encode()) {
				t.Errorf("Doc = %s\nwant  %s", got.Doc.Encode(), tt.want.Encode())
			}
			var exp time.Time
			if tt.expires != "" {
				exp, _ = time.Parse(time.RFC3339, tt.expires)
			}
			if !got.Expires.Equal(exp) {
				t.Errorf("Expires = %v, want %v", got.Expires, exp)
			}
		})
	}
	// An empty audience must not widen to "everyone".
	disjoint := add(policyMarking(t, "marking-definition--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", `,"audience":{"circles":["finance"]}`))
	empty := add(policyMarking(t, "marking-definition--cccccccc-cccc-4ccc-8ccc-cccccccccccc", `,"audience":{"circles":[]}`))
	for _, marks := range [][]string{{stix.TLPGreenID, full, disjoint}, {stix.TLPGreenID, empty}} {
		c := Compile(markedIndicator(t, marks, ""), defs, CompileOptions{Circles: []string{"energy"}})
		if !c.Doc.NoAudience || Decide(reader(orgUS, "energy", "finance"), provider, c.Doc).Visible {
			t.Errorf("%v: empty audience = %+v, and visible to a member", marks, c.Doc)
		}
	}
	c := Compile(markedIndicator(t, []string{stix.TLPGreenID, full, narrow}, ""), defs, CompileOptions{})
	if Decide(reader(orgCA), provider, c.Doc).Visible || !slices.Equal(c.Doc.Orgs, []string{"Beta Bank"}) {
		t.Errorf("narrowed audience = %+v", c.Doc)
	}
}
