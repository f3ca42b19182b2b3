package firebreak

import (
	"context"
	"time"
)

// Contact is a person an organisation can be reached through. Contacts live in the
// directory, never inside shared objects, and are passed on only through an accepted
// introduction.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Introduction states.
const (
	IntroductionRequested = "requested"
	IntroductionAccepted  = "accepted"
	IntroductionDeclined  = "declined"
)

// Introduction is a reader's request to be put in touch with the provider of an object it
// can see. The requester learns who the provider is only if the provider accepts.
type Introduction struct {
	ID            string    `json:"id"`
	Object        string    `json:"object"`
	Requester     int64     `json:"-"`
	RequesterUser string    `json:"-"`
	Provider      int64     `json:"-"`
	Message       string    `json:"message"`
	State         string    `json:"state"`
	Created       time.Time `json:"created"`
	Decided       time.Time `json:"decided,omitzero"`
}

// ContactStore keeps contacts and introductions. Writes append their audit bodies in the
// same transaction.
type ContactStore interface {
	// Contacts returns an organisation's contacts (none is not an error).
	Contacts(ctx context.Context, org int64) ([]Contact, error)
	// PutContacts replaces an organisation's contacts and advances the directory epoch
	// (DirectoryStore.Epoch) in the same transaction, so that every node's scrubber looks
	// for the new names from the next submission on.
	PutContacts(ctx context.Context, org int64, cs []Contact, audit ...[]byte) error
	// ContactNames returns the names of every contact of every organisation: the names of
	// people the hub knows, which the personal-data scrubber looks for.
	ContactNames(ctx context.Context) ([]string, error)
	// PutIntroduction creates or replaces an introduction (by ID).
	PutIntroduction(ctx context.Context, in Introduction, audit ...[]byte) error
	// Introduction returns one (ENOTFOUND); Introductions those with the given requester
	// or provider (0 matches any), oldest first.
	Introduction(ctx context.Context, id string) (Introduction, error)
	Introductions(ctx context.Context, requester, provider int64) ([]Introduction, error)
}
