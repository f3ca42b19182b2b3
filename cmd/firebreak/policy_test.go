package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/internal/apply"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// The cases behind the brief, end to end, on a hub declared for them.
const trustDeclaration = `{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Department of Energy", "country": "US", "type": "government", "status": "vetted"},
    {"name": "Grid Operator", "country": "US", "type": "private", "sectors": ["energy"], "parent": "Department of Energy", "status": "vetted",
     "attestations": [{"name": "energy-clearance"}]},
    {"name": "Acme Energy", "country": "US", "type": "private", "sectors": ["energy"], "parent": "Grid Operator", "status": "vetted",
     "attestations": [{"name": "energy-clearance"}]},
    {"name": "Other Agency", "country": "US", "type": "government", "status": "vetted"},
    {"name": "FBI", "country": "US", "type": "law-enforcement", "status": "vetted"},
    {"name": "Maple Power", "country": "CA", "type": "private", "sectors": ["energy"], "status": "vetted"},
    {"name": "Beta Bank", "country": "US", "type": "private", "sectors": ["financial-services"], "status": "vetted"}
  ],
  "users": [
    {"name": "oscar", "organization": "US CERT", "roles": ["operator", "admin"], "token": "oscar-token-0123456789"},
    {"name": "doe", "organization": "Department of Energy", "roles": ["analyst"], "token": "doe-token-0123456789ab"},
    {"name": "grid", "organization": "Grid Operator", "roles": ["analyst"], "token": "grid-token-0123456789a"},
    {"name": "alice", "organization": "Acme Energy", "roles": ["analyst"], "token": "alice-token-0123456789"},
    {"name": "agency", "organization": "Other Agency", "roles": ["analyst"], "token": "agency-token-012345678"},
    {"name": "fbi", "organization": "FBI", "roles": ["analyst"], "token": "fbi-token-0123456789ab"},
    {"name": "maple", "organization": "Maple Power", "roles": ["analyst"], "token": "maple-token-0123456789"},
    {"name": "bob", "organization": "Beta Bank", "roles": ["analyst"], "token": "bob-token-0123456789ab"}
  ],
  "circles": [{"name": "us-energy", "members": ["Acme Energy", "Grid Operator", "Beta Bank"],
               "rules": {"countries": ["US"], "attestations": ["energy-clearance"]}}]
}`

var readers = map[string]string{
	"US CERT": "oscar-token-0123456789", "Department of Energy": "doe-token-0123456789ab",
	"Grid Operator": "grid-token-0123456789a", "Acme Energy": "alice-token-0123456789",
	"Other Agency": "agency-token-012345678", "FBI": "fbi-token-0123456789ab",
	"Maple Power": "maple-token-0123456789", "Beta Bank": "bob-token-0123456789ab",
}

func startTrustHub(t *testing.T) *testHub {
	h := startHub(t, nil)
	d, err := apply.Parse(strings.NewReader(trustDeclaration))
	if err != nil {
		t.Fatal(err)
	}
	resp := do(t, "POST", h.URL+"/v1/apply", "Bearer "+tokOperator, nil, bytes.NewReader([]byte(trustDeclaration)))
	if resp.StatusCode != 200 {
		t.Fatalf("apply over the API: %d", resp.StatusCode)
	}
	_ = d
	return h
}

// policyMark returns a Firebreak policy marking definition with the given properties.
func policyMark(id, props string) string {
	return fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--%s","created":"2026-01-01T00:00:00.000Z","extensions":{"%s":{"extension_type":"property-extension"%s}}}`,
		id, stix.PolicyExtensionID, props)
}

// markedIndicator is an indicator with several markings.
func markedIndicator(n int, marks ...string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		uuidN(n), n%250, strings.Join(marks, `","`))
}

// whoSees returns, for every declared organisation, whether it finds the object with id
// in its shared collection, by id and in the list.
func whoSees(t *testing.T, h *testHub, id string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for org, tok := range readers {
		c := h.client(t, tok)
		shared := collectionID(t, c, "shared")
		_, err := c.Object(context.Background(), shared, id, taxiiclient.Query{})
		byID := err == nil
		if err != nil && httpStatus(err) != 404 {
			t.Fatalf("%s reading %s: %v", org, id, err)
		}
		inList := false
		for raw, err := range c.All(context.Background(), shared, taxiiclient.Query{}) {
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte(id)) {
				inList = true
			}
		}
		if byID != inList {
			t.Errorf("%s: by id %v but in the list %v", org, byID, inList)
		}
		out[org] = byID
	}
	return out
}

func expectReaders(t *testing.T, got map[string]bool, want ...string) {
	t.Helper()
	for org, sees := range got {
		wanted := false
		for _, w := range want {
			wanted = wanted || w == org
		}
		if sees != wanted {
			t.Errorf("%s sees it: %v, want %v", org, sees, wanted)
		}
	}
}

func TestPolicyScenarios(t *testing.T) {
	h := startTrustHub(t)
	ctx := context.Background()
	alice := h.client(t, readers["Acme Energy"])
	inbox := collectionID(t, alice, "inbox")
	submit := func(objs ...string) {
		t.Helper()
		st, err := alice.AddObjects(ctx, inbox, raws(objs...))
		if err != nil || st.FailureCount != 0 {
			t.Fatalf("submit: %+v %v", st, err)
		}
	}
	t.Run("no-foreign green reaches compatriots only", func(t *testing.T) {
		mark := policyMark("00000000-0000-4000-8000-00000000a001", `,"caveats":["no-foreign"]`)
		id := "indicator--" + uuidN(101)
		submit(mark, markedIndicator(101, stix.TLPGreenID, "marking-definition--00000000-0000-4000-8000-00000000a001"))
		expectReaders(t, whoSees(t, h, id), "US CERT", "Department of Energy", "Grid Operator", "Acme Energy", "Other Agency", "FBI", "Beta Bank")
	})
	t.Run("law enforcement never sees no-law-enforcement data", func(t *testing.T) {
		mark := policyMark("00000000-0000-4000-8000-00000000a002", `,"caveats":["no-law-enforcement"]`)
		id := "indicator--" + uuidN(102)
		submit(mark, markedIndicator(102, stix.TLPClearID, "marking-definition--00000000-0000-4000-8000-00000000a002"))
		got := whoSees(t, h, id)
		if got["FBI"] {
			t.Errorf("law enforcement sees a no-law-enforcement object")
		}
		expectReaders(t, got, "US CERT", "Department of Energy", "Grid Operator", "Acme Energy", "Other Agency", "Maple Power", "Beta Bank")
	})
	t.Run("amber+strict and red reach exactly the named organisations", func(t *testing.T) {
		mark := policyMark("00000000-0000-4000-8000-00000000a003", `,"audience":{"organizations":["Beta Bank","Maple Power"],"circles":["us-energy"]}`)
		for i, tlp := range []string{stix.TLPAmberStrictID, stix.TLPRedID} {
			id := "indicator--" + uuidN(103+i)
			submit(mark, markedIndicator(103+i, tlp, "marking-definition--00000000-0000-4000-8000-00000000a003"))
			// The circle does not count for these levels; the operator reads as operator.
			expectReaders(t, whoSees(t, h, id), "Acme Energy", "Beta Bank", "Maple Power", "US CERT")
		}
	})
	t.Run("unknown marking reaches only the provider and the operators", func(t *testing.T) {
		id := "indicator--" + uuidN(105)
		st, err := alice.AddObjects(ctx, inbox, raws(markedIndicator(105, stix.TLPClearID, "marking-definition--00000000-0000-4000-8000-0000000000ff")))
		if err != nil || st.SuccessCount != 1 || !strings.Contains(st.Successes[0].Message, "does not understand") {
			t.Fatalf("status = %+v, %v: the provider should be told the object is held", st, err)
		}
		expectReaders(t, whoSees(t, h, id), "Acme Energy", "US CERT")
	})
	t.Run("a lapsed attestation stops the circle's data on the next pull", func(t *testing.T) {
		id := "indicator--" + uuidN(106)
		energy := "circle-us-energy"
		cs, err := alice.CollectionByAlias(ctx, energy)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := alice.AddObjects(ctx, cs.ID, raws(markedIndicator(106, stix.TLPGreenID))); err != nil || st.SuccessCount != 1 {
			t.Fatalf("submit to circle: %+v %v", st, err)
		}
		// Beta Bank is a member without the attestation: suspended from the start.
		expectReaders(t, whoSees(t, h, id), "Acme Energy", "Grid Operator", "US CERT")
		// Grid Operator's attestation lapses a moment from now.
		lapse := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
		patch(t, h, "Grid Operator", `{"attestations":[{"name":"energy-clearance","expires":"`+lapse+`"}]}`)
		grid := h.client(t, readers["Grid Operator"])
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := grid.Object(ctx, collectionID(t, grid, "shared"), id, taxiiclient.Query{})
			if httpStatus(err) == 404 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the circle's data is still readable after the attestation lapsed (%v)", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := grid.CollectionByAlias(ctx, energy); err == nil {
			t.Errorf("a suspended member still has the circle's collection")
		}
		// Re-vetting restores it.
		patch(t, h, "Grid Operator", `{"attestations":[{"name":"energy-clearance"}]}`)
		if _, err := grid.Object(ctx, collectionID(t, grid, "shared"), id, taxiiclient.Query{}); err != nil {
			t.Errorf("renewed attestation: %v", err)
		}
	})
	t.Run("no-parent keeps the provider's parents out", func(t *testing.T) {
		mark := policyMark("00000000-0000-4000-8000-00000000a007", `,"caveats":["no-parent"]`)
		id := "indicator--" + uuidN(107)
		submit(mark, markedIndicator(107, stix.TLPClearID, "marking-definition--00000000-0000-4000-8000-00000000a007"))
		// Acme's parent is Grid Operator, whose parent is the Department of Energy.
		expectReaders(t, whoSees(t, h, id), "US CERT", "Acme Energy", "Other Agency", "FBI", "Maple Power", "Beta Bank")
	})
}

// patch changes an organisation through the trust API as the operator.
func patch(t *testing.T, h *testHub, org, body string) {
	t.Helper()
	patchAs(t, h, tokOperator, org, body)
}

// patchAs changes an organisation through the trust API as the user of token.
func patchAs(t *testing.T, h *testHub, token, org, body string) {
	t.Helper()
	resp := do(t, "PATCH", h.URL+"/v1/organizations/"+strings.ReplaceAll(org, " ", "%20"), "Bearer "+token,
		map[string]string{"Content-Type": "application/json"}, strings.NewReader(body))
	if resp.StatusCode != 200 {
		var e map[string]string
		json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("PATCH %s: %d %v", org, resp.StatusCode, e)
	}
}

func TestPreview(t *testing.T) {
	h := startTrustHub(t)
	mark := policyMark("00000000-0000-4000-8000-00000000b001", `,"caveats":["no-foreign","no-law-enforcement"],"attribution":"government"`)
	body := `{"objects":[` + mark + `,` + markedIndicator(201, stix.TLPGreenID, "marking-definition--00000000-0000-4000-8000-00000000b001") + `]}`
	resp := do(t, "POST", h.URL+"/v1/preview", "Bearer "+readers["Acme Energy"], nil, strings.NewReader(body))
	if resp.StatusCode != 200 {
		t.Fatalf("preview: %d", resp.StatusCode)
	}
	var out struct {
		Previews []struct {
			ID            string
			Organizations []string
			Attribution   string
			OperatorsOnly bool `json:"operators_only"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Previews) != 2 {
		t.Fatalf("previews = %+v", out.Previews)
	}
	p := out.Previews[1]
	want := "Beta Bank,Department of Energy,Grid Operator,Other Agency,US CERT"
	if strings.Join(p.Organizations, ",") != want || p.Attribution != "government" || p.OperatorsOnly {
		t.Errorf("preview = %+v, want organisations %s", p, want)
	}
	// Nothing was stored.
	alice := h.client(t, readers["Acme Energy"])
	page, err := alice.Objects(context.Background(), collectionID(t, alice, "mine"), taxiiclient.Query{})
	if err != nil || len(page.Objects) != 0 {
		t.Errorf("preview stored %d objects (%v)", len(page.Objects), err)
	}
	resp = do(t, "POST", h.URL+"/v1/preview", "Bearer "+readers["Acme Energy"], nil, strings.NewReader(`{"type":"indicator"}`))
	var bad struct{ Previews []struct{ Error string } }
	json.NewDecoder(resp.Body).Decode(&bad)
	if resp.StatusCode != 200 || len(bad.Previews) != 1 || bad.Previews[0].Error == "" {
		t.Errorf("preview of an invalid draft: %d %+v", resp.StatusCode, bad)
	}
}

func TestTrustAPIPermissions(t *testing.T) {
	h := startTrustHub(t)
	for _, tc := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/v1/organizations", readers["Acme Energy"], "", 403},
		{"GET", "/v1/organizations", tokOperator, "", 200},
		{"GET", "/v1/organizations/Acme%20Energy", readers["Acme Energy"], "", 200},
		{"GET", "/v1/organizations/Beta%20Bank", readers["Acme Energy"], "", 404},
		{"PATCH", "/v1/organizations/Beta%20Bank", readers["Acme Energy"], `{"status":"suspended"}`, 403},
		{"PATCH", "/v1/organizations/Beta%20Bank", tokOperator, `{"status":"sleepy"}`, 400},
		{"PATCH", "/v1/organizations/Beta%20Bank", tokOperator, `{"colour":"red"}`, 400},
		{"PATCH", "/v1/organizations/Nobody", tokOperator, `{"status":"vetted"}`, 404},
		{"GET", "/v1/circles", readers["Beta Bank"], "", 403},
		{"GET", "/v1/circles", tokOperator, "", 200},
		{"PUT", "/v1/circles/us-energy/members/Maple%20Power", readers["Beta Bank"], "", 403},
		{"PUT", "/v1/circles/nope/members/Maple%20Power", tokOperator, "", 404},
	} {
		resp := do(t, tc.method, h.URL+tc.path, "Bearer "+tc.token, map[string]string{"Content-Type": "application/json"}, strings.NewReader(tc.body))
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
	// A suspension takes effect at once.
	patch(t, h, "Beta Bank", `{"status":"suspended"}`)
	bob := h.client(t, readers["Beta Bank"])
	if _, err := bob.Collections(context.Background()); httpStatus(err) != http.StatusForbidden {
		t.Errorf("suspended organisation: %v, want 403", err)
	}
}

// TestProprietaryNoParent is the case behind the brief: a company's data marked
// no-parent and proprietary is invisible to its parent department and to every other
// agency, visible to the hub operators, and every such read is on the record.
func TestProprietaryNoParent(t *testing.T) {
	h := startTrustHub(t)
	ctx := context.Background()
	alice := h.client(t, readers["Acme Energy"])
	mark := policyMark("00000000-0000-4000-8000-00000000c001", `,"caveats":["no-parent","proprietary"]`)
	id := "indicator--" + uuidN(301)
	st, err := alice.AddObjects(ctx, collectionID(t, alice, "inbox"), raws(mark, markedIndicator(301, stix.TLPAmberID, "marking-definition--00000000-0000-4000-8000-00000000c001")))
	if err != nil || st.FailureCount != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	expectReaders(t, whoSees(t, h, id), "Acme Energy", "US CERT")
	// The operator's reads are on the record, and the log verifies.
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"audit", "export", "--data", h.Data}, nil, &out, &errOut); err != nil {
		t.Fatalf("audit export: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), `"action":"read.restricted"`) || !strings.Contains(out.String(), id) || !strings.Contains(out.String(), `"user":"oscar"`) {
		t.Errorf("the operator's read of %s is not in the audit log", id)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", h.Data}, nil, &out, &errOut); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	if !strings.Contains(out.String(), "intact") {
		t.Errorf("verify said %q", out.String())
	}
}
