package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
)

// TestHubRolesCountInTheOperatorOrganisationOnly: the audit log and the metrics answer
// an auditor of a member organisation as they answer any member; the auditor of the
// operator organisation reads them.
func TestHubRolesCountInTheOperatorOrganisationOnly(t *testing.T) {
	role := func(r firebreak.Role) []firebreak.Role { return []firebreak.Role{r} }
	store := openStore(t, firebreak.Directory{
		Hub: firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Acme", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "auditor", Organization: "CERT", Roles: role(firebreak.RoleAuditor), TokenHash: firebreak.HashToken("cert-auditor-token-0123")},
			{Name: "alice", Organization: "Acme", Roles: role(firebreak.RoleAnalyst), TokenHash: firebreak.HashToken(tokAlice)},
			{Name: "mallory", Organization: "Acme", Roles: role(firebreak.RoleAuditor), TokenHash: firebreak.HashToken("acme-auditor-token-0123")},
			{Name: "oscar", Organization: "Acme", Roles: role(firebreak.RoleOperator), TokenHash: firebreak.HashToken("acme-operator-token-012")},
		},
	})
	guard := policy.NewGuard(store, policy.Options{Auditor: audit.New(store)})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, Disclosures: guard, Audit: guard}).Handler())
	t.Cleanup(srv.Close)
	tests := []struct {
		name, token string
		want        int
	}{
		{"analyst of a member", tokAlice, http.StatusForbidden},
		{"auditor of a member", "acme-auditor-token-0123", http.StatusForbidden},
		{"operator of a member", "acme-operator-token-012", http.StatusForbidden},
		{"auditor of the operator organisation", "cert-auditor-token-0123", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v1/audit", "/metrics"} {
				if got := getStatus(t, srv.URL+path, tt.token); got != tt.want {
					t.Errorf("GET %s: %d, want %d", path, got, tt.want)
				}
			}
		})
	}
}
