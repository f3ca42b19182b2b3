package policy_test

import (
	"context"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
)

// TestHubRolesCountInTheOperatorOrganisationOnly: the auditor role of a member
// organisation's user gives nothing beyond what its organisation has; the auditor of the
// operator organisation sees every case.
func TestHubRolesCountInTheOperatorOrganisationOnly(t *testing.T) {
	h := newHub(t)
	err := h.store.Apply(context.Background(), firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "Agency", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted}},
		Users: []firebreak.DeclaredUser{
			{Name: "agency-analyst", Organization: "Agency", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken("agency-analyst-token-0123")},
			{Name: "agency-auditor", Organization: "Agency", Roles: []firebreak.Role{firebreak.RoleAuditor}, TokenHash: firebreak.HashToken("agency-auditor-token-0123")},
			{Name: "cert-auditor", Organization: "CERT", Roles: []firebreak.Role{firebreak.RoleAuditor}, TokenHash: firebreak.HashToken("cert-auditor-token-0123")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	co := h.as("co-token-0123456789")
	reqs, err := h.guard.RequestDisclosure(co, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: "Department", Purpose: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		token     string
		wantCases int
		decide    string // the error code of deciding the case
	}{
		{"analyst of a member", "agency-analyst-token-0123", 0, firebreak.ENOTFOUND},
		{"auditor of a member", "agency-auditor-token-0123", 0, firebreak.ENOTFOUND},
		{"auditor of the operator organisation", "cert-auditor-token-0123", 1, firebreak.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := h.as(tt.token)
			got, err := h.guard.Disclosures(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantCases {
				t.Errorf("sees %d cases, want %d: %+v", len(got), tt.wantCases, got)
			}
			_, err = h.guard.DecideDisclosure(ctx, reqs[0].ID, policy.DisclosureDecision{Reason: "no"})
			if code := firebreak.ErrorCode(err); code != tt.decide {
				t.Errorf("deciding the case: %v, want %s", err, tt.decide)
			}
		})
	}
}

// TestAdminCountsInTheOperatorOrganisationOnly: a member organisation's admin may
// neither apply a declaration to the hub nor manage or look at other organisations; the
// hub's admin may.
func TestAdminCountsInTheOperatorOrganisationOnly(t *testing.T) {
	h := newHub(t)
	err := h.store.Apply(context.Background(), firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "Agency", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgPending}},
		Users: []firebreak.DeclaredUser{
			{Name: "agency-admin", Organization: "Agency", Roles: []firebreak.Role{firebreak.RoleAdmin}, TokenHash: firebreak.HashToken("agency-admin-token-01234")},
			{Name: "cert-admin", Organization: "CERT", Roles: []firebreak.Role{firebreak.RoleAdmin}, TokenHash: firebreak.HashToken("cert-admin-token-012345")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	vetted := firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
		{Name: "Agency", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted}}}
	member := h.as("agency-admin-token-01234")
	if err := h.guard.ApplyDirectory(member, vetted); firebreak.ErrorCode(err) != firebreak.EFORBIDDEN {
		t.Errorf("a member's admin applies a declaration: %v, want %s", err, firebreak.EFORBIDDEN)
	}
	if _, err := h.guard.Organizations(member); firebreak.ErrorCode(err) != firebreak.EFORBIDDEN {
		t.Errorf("a member's admin lists the organisations: %v, want %s", err, firebreak.EFORBIDDEN)
	}
	if _, err := h.guard.Organization(member, "CERT"); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("a member's admin looks at another organisation: %v, want %s", err, firebreak.ENOTFOUND)
	}
	if o, err := h.store.OrganizationByName(context.Background(), "Agency"); err != nil || o.Status != firebreak.OrgPending {
		t.Errorf("Agency is %q (%v), want still pending", o.Status, err)
	}
	hub := h.as("cert-admin-token-012345")
	if err := h.guard.ApplyDirectory(hub, vetted); err != nil {
		t.Errorf("the hub's admin applies a declaration: %v", err)
	}
	if _, err := h.guard.Organization(hub, "Agency"); err != nil {
		t.Errorf("the hub's admin looks at a member: %v", err)
	}
}
