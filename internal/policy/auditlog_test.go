package policy_test

import (
	"testing"

	"github.com/firebreak/firebreak"
)

// TestAuditLogIsForHubAuditorsAndAdmins: the guard serves the audit log to the hub's
// auditors and admins only.
func TestAuditLogIsForHubAuditorsAndAdmins(t *testing.T) {
	h := newHub(t)
	h.submit(h.as("co-token-0123456789"), sharedIndicator(1, "192.0.2.1"))
	tests := []struct {
		name, token string
		want        string // error code, "" for allowed
	}{
		{"hub auditor", "op-token-0123456789", ""},
		{"member analyst", "dept-token-0123456789", firebreak.EFORBIDDEN},
		{"member analyst of a subsidiary", "co-token-0123456789", firebreak.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := h.as(tt.token)
			entries, err := h.guard.AuditEntries(ctx, 0, 100)
			if got := firebreak.ErrorCode(err); got != tt.want {
				t.Fatalf("AuditEntries: code %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "" && len(entries) == 0 {
				t.Errorf("AuditEntries: no entries, want the submission's")
			}
			if _, err := h.guard.AuditCheckpoints(ctx); firebreak.ErrorCode(err) != tt.want {
				t.Errorf("AuditCheckpoints: code %q (%v), want %q", firebreak.ErrorCode(err), err, tt.want)
			}
		})
	}
}
