package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
)

// TestRiskyDisclosureUnknownOrganisationOverHTTP: POST /v1/disclosures naming an
// organisation that does not exist answers with the status and body it gives for one
// that does, so that asking does not tell which organisations the hub has.
func TestRiskyDisclosureUnknownOrganisationOverHTTP(t *testing.T) {
	store := openStore(t, firebreak.Directory{
		Hub: firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Acme", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
			{Name: "Beta", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "bob", Organization: "Beta", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken(tokBob)},
		},
	})
	guard := policy.NewGuard(store, policy.Options{Auditor: audit.New(store)})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, Disclosures: guard}).Handler())
	t.Cleanup(srv.Close)
	varying := regexp.MustCompile(`"(id|created|deadline)":"[^"]*"`)
	var got [2]string
	var codes [2]int
	for i, name := range []string{"Acme", "Acme Energy Holdings"} {
		body, _ := json.Marshal(map[string]any{"kind": "objects", "provider": name, "purpose": "inquiry",
			"objects": []string{"indicator--00000000-0000-4000-8000-000000000001"}})
		resp, b := request(t, "POST", srv.URL+"/v1/disclosures", tokBob, body)
		codes[i] = resp.StatusCode
		got[i] = regexp.MustCompile(`"`+regexp.QuoteMeta(name)+`"`).ReplaceAllString(varying.ReplaceAllString(string(b), `"$1":"…"`), `"<name>"`)
	}
	if codes[0] != 201 || codes[1] != codes[0] || got[0] != got[1] {
		t.Errorf("an organisation that exists: %d %s\none that does not: %d %s", codes[0], got[0], codes[1], got[1])
	}
}

// TestTransparencyOverHTTP: the public report is served without credentials and carries
// its k and the count of requests it left out.
func TestTransparencyOverHTTP(t *testing.T) {
	store := openStore(t, firebreak.Directory{Hub: firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}}})
	guard := policy.NewGuard(store, policy.Options{SightingsK: 5})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, Disclosures: guard}).Handler())
	t.Cleanup(srv.Close)
	resp, b := request(t, "GET", srv.URL+"/v1/transparency", "", nil)
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"disclosure_requests":[],"k":5,"suppressed":0}` {
		t.Errorf("GET /v1/transparency: %d %s", resp.StatusCode, b)
	}
}
