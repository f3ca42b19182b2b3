package firebreak

import (
	"context"
	"time"
)

// Disclosure request kinds.
const (
	DisclosureObjects  = "objects"  // the requester asks to read objects it cannot see
	DisclosureIdentity = "identity" // the requester asks who provided objects it can see
)

// Disclosure request states. Open requests become Expired at their deadline: silence is
// refusal.
const (
	DisclosureOpen    = "open"
	DisclosureGranted = "granted"
	DisclosureRefused = "refused"
	DisclosureExpired = "expired"
)

// DisclosureRequest is a case in which someone (another agency, a parent department, a
// member) asks a provider for objects, or for its identity, that policy keeps from it.
// Only the provider can grant; operators broker the case but cannot decide it.
type DisclosureRequest struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Ask identifies the request as the requester made it: one ask opens a case per
	// provider concerned (and one for what nobody holds), and its cases share Ask, so
	// that the requester and the transparency report count the ask once. Empty for cases
	// stored before it was recorded; those are grouped by requester, instant, deadline,
	// kind and purpose instead.
	Ask       string `json:"-"`
	Requester int64  `json:"-"`
	// RequesterUser is the user who asked, for the record.
	RequesterUser string `json:"-"`
	// Provider is the organisation asked; 0 when the objects named exist nowhere (the
	// request then simply expires, so that asking reveals nothing).
	Provider int64 `json:"-"`
	// Objects are the object ids asked for (may be empty for an objects request to a
	// named provider: "what you hold that I cannot see").
	Objects  []string  `json:"objects"`
	Purpose  string    `json:"purpose"`
	Created  time.Time `json:"created"`
	Deadline time.Time `json:"deadline"`
	State    string    `json:"state"`
	Decided  time.Time `json:"decided,omitzero"`
	// The provider's answer.
	Grant  *DisclosureGrant `json:"grant,omitempty"`
	Reason string           `json:"reason,omitempty"`
}

// DisclosureGrant is what a provider allowed: exactly these objects, for this purpose,
// until Expires. The recipient is the requesting organisation and no one else.
type DisclosureGrant struct {
	Objects []string  `json:"objects"`
	Purpose string    `json:"purpose"`
	Expires time.Time `json:"expires"`
}

// DisclosureFilter selects disclosure requests; zero fields do not narrow.
type DisclosureFilter struct {
	Requester int64
	Provider  int64
	State     string
}

// DisclosureStore keeps disclosure requests. Every write appends its audit entries in the
// same transaction: the step and its record commit together or not at all.
type DisclosureStore interface {
	// PutDisclosure creates or replaces a request (by ID) and appends audit.
	PutDisclosure(ctx context.Context, r DisclosureRequest, audit ...[]byte) error
	// Disclosure returns one request (ENOTFOUND).
	Disclosure(ctx context.Context, id string) (DisclosureRequest, error)
	// Disclosures returns the requests f selects, oldest first.
	Disclosures(ctx context.Context, f DisclosureFilter) ([]DisclosureRequest, error)
}
