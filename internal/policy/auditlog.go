package policy

import (
	"context"

	"github.com/firebreak/firebreak"
)

// AuditEntries returns up to limit entries of the audit log with Seq above after, to the
// hub's auditors and admins (see HubRole); anyone else is EFORBIDDEN.
func (g *Guard) AuditEntries(ctx context.Context, after int64, limit int) ([]firebreak.AuditEntry, error) {
	if err := g.auditReader(ctx); err != nil {
		return nil, err
	}
	return g.store.AuditEntries(ctx, after, limit)
}

// AuditCheckpoints returns the audit log's signed checkpoints, to the hub's auditors and
// admins; anyone else is EFORBIDDEN.
func (g *Guard) AuditCheckpoints(ctx context.Context) ([]firebreak.AuditCheckpoint, error) {
	if err := g.auditReader(ctx); err != nil {
		return nil, err
	}
	return g.store.AuditCheckpoints(ctx)
}

// auditReader refuses a caller who is not an auditor or admin of the hub itself.
func (g *Guard) auditReader(ctx context.Context) error {
	p, d, err := g.caller(ctx)
	if err != nil {
		return err
	}
	if !HubRole(p, d.hub, firebreak.RoleAuditor) && !HubRole(p, d.hub, firebreak.RoleAdmin) {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "the audit log is for auditors and admins")
	}
	return nil
}
