package firebreak

import (
	"context"
	"time"
)

// Audit actions.
const (
	AuditRestrictedRead = "read.restricted" // an operator read objects it could not see as a member
	AuditSubmit         = "object.submit"
	AuditDelete         = "object.delete"
	AuditDenied         = "access.denied"
	AuditDirectory      = "directory.apply" // organisations, users, circles, peers changed
	AuditMembership     = "circle.membership"
)

// AuditEvent is one entry of the audit log: who did what to which objects, and when.
type AuditEvent struct {
	Time    time.Time `json:"time"`
	Action  string    `json:"action"`
	User    string    `json:"user,omitempty"`
	Org     string    `json:"org,omitempty"`
	Objects []string  `json:"objects,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// Auditor records audit events. Record returns only once the event is durable; when it
// fails, the action the event belongs to must fail too (the hub fails closed).
type Auditor interface {
	Record(ctx context.Context, e AuditEvent) error
}
