package firebreak

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
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

// AuditEntry is one link of the hash-chained audit log. Each entry commits to the one
// before it (Prev) and to its own canonical content (Body), so that editing, deleting,
// inserting or reordering entries breaks the chain at the first entry touched.
type AuditEntry struct {
	Seq  int64  // 1, 2, 3, ... without gaps
	Body []byte // the canonical JSON of an AuditEvent
	Prev []byte // the previous entry's Hash; 32 zero bytes for the first
	Hash []byte // AuditHash(Seq, Prev, Body)
}

// AuditCheckpoint is a signed statement of the chain's head: a third party holding the
// public key can check that the log it is shown still leads to this hash at this
// sequence number, so a rewritten chain or a cut tail is found.
type AuditCheckpoint struct {
	Seq       int64     `json:"seq"`
	Hash      []byte    `json:"hash"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"`
	Signature []byte    `json:"signature"`
}

// AuditHash is the chain function: SHA-256 over a domain tag, the sequence number, the
// previous hash and the body. Stores compute it when they append, and verifiers when they
// check; both must agree byte for byte.
func AuditHash(seq int64, prev, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte("firebreak-audit-v1\n"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
}

// AuditStore keeps the audit log. Appends are serialised across every node sharing the
// store, so the log stays one chain.
type AuditStore interface {
	// AppendAudit appends one entry per body, in order, after the current last entry,
	// computing Prev and Hash; it is atomic and durable on return (EUNAVAILABLE when the
	// log cannot be written). An empty body is EINVALID. The same holds for the audit
	// bodies that other writes (Ingest, Delete, Apply, PutDisclosure) take: when one
	// cannot be appended, the whole write fails and leaves nothing behind.
	AppendAudit(ctx context.Context, bodies ...[]byte) ([]AuditEntry, error)
	// AuditEntries returns up to limit entries with Seq above after, in order.
	AuditEntries(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
	// AuditHead returns the last entry (a zero entry when the log is empty).
	AuditHead(ctx context.Context) (AuditEntry, error)
	// PutAuditCheckpoint stores a checkpoint; AuditCheckpoints returns them by Seq.
	PutAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error
	AuditCheckpoints(ctx context.Context) ([]AuditCheckpoint, error)
}

// Audit actions of disclosure cases.
const (
	AuditDisclosureRequest = "disclosure.request"
	AuditDisclosureGrant   = "disclosure.grant"
	AuditDisclosureRefuse  = "disclosure.refuse"
	AuditDisclosureExpire  = "disclosure.expire"
	AuditGrantedRead       = "read.granted" // a reader read objects only a disclosure grant lets it see
)

// Audit actions of review, contacts and introductions.
const (
	AuditReviewRelease = "review.release"
	AuditReviewReject  = "review.reject"
	AuditContacts      = "contacts.change"
	AuditIntroduction  = "introduction"
)

// Audit actions of federation.
const (
	AuditFederationPull = "federation.pull" // a batch taken from a peer
	AuditFederationPush = "federation.push" // a batch sent to a peer
)
