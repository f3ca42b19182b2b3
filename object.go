package firebreak

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Object is one version of a STIX object as the hub holds it: the exact bytes submitted
// and the few fields that queries need.
type Object struct {
	// Seq orders versions hub-wide; it is the tie-break among versions with one date added.
	Seq int64
	// Added is the hub's date added, in microseconds, from the hub's clock.
	Added time.Time
	ID    string
	Type  string
	// SpecVersion is the object's spec_version ("2.1").
	SpecVersion string
	// Version is the object's modified timestamp exactly as submitted, else its created
	// timestamp, else (for objects with neither) the date added.
	Version string
	// Provider is the organisation that submitted this version.
	Provider int64
	// Policy identifies the dissemination policy in force for this version.
	Policy int64
	// Expires is when the provider's policy stops the version reaching anyone new; zero
	// when it does not expire.
	Expires time.Time
	// Raw is the object exactly as submitted; nil when the query asked for metadata only.
	Raw json.RawMessage
}

// Cursor is a position in the hub's order of object versions: date added, then Seq. It is
// the basis of every TAXII `next` token, so paging never loops and never skips, however
// many versions share one date added.
type Cursor struct {
	Added int64 // microseconds since the Unix epoch
	Seq   int64
}

// IsZero reports whether c is the start position.
func (c Cursor) IsZero() bool { return c.Added == 0 && c.Seq == 0 }

// CursorOf returns the position of o.
func CursorOf(o Object) Cursor { return Cursor{Added: o.Added.UnixMicro(), Seq: o.Seq} }

// Less reports whether c comes before d in the hub's order.
func (c Cursor) Less(d Cursor) bool { return c.Added < d.Added || c.Added == d.Added && c.Seq < d.Seq }

// VersionFilter is TAXII's match[version]. The zero value selects the last version.
type VersionFilter struct {
	First, Last, All bool
	// At holds version keys (see internal/stix.VersionKey) of exact versions.
	At []string
}

// IsZero reports whether no version was asked for (which means last).
func (v VersionFilter) IsZero() bool { return !v.First && !v.Last && !v.All && len(v.At) == 0 }

// ObjectFilter selects object versions. Every field narrows the selection; empty fields
// do not.
//
// Which version of an object is first or last is decided among the versions the reader
// may see that also pass SpecVersions (and IDs and Types, which select whole objects);
// AddedAfter and After then narrow the result. So `last` never names a version the reader
// cannot see, and a page never shows an older version as last because a newer one falls
// before the cursor.
type ObjectFilter struct {
	AddedAfter   time.Time // versions added strictly after this instant
	After        Cursor    // versions strictly after this position (a decoded `next`)
	Limit        int       // at most this many; 0 means the store's default
	IDs          []string
	Types        []string
	Versions     VersionFilter
	SpecVersions []string
	// MetadataOnly leaves Raw empty (manifests, versions lists).
	MetadataOnly bool
	// EveryCopy treats every provider's copy of an object as an object of its own: all
	// copies of a version come back, not one (see ObjectStore.Objects), and first and last
	// are decided among each provider's versions. It is for the hub's own bookkeeping (the
	// held copy an operator decides on, the guard's indexes, backups), never for what a
	// reader receives.
	EveryCopy bool
	// NoWait reads only what has committed below the writes in flight, where a store
	// lets writes commit side by side (PostgreSQL), instead of waiting for them: the
	// page is as right, only maybe shorter. The hub's own incremental readers (caches
	// that poll for what is new) set it; a client that reads what it has just written
	// does not.
	NoWait bool
}

// Start returns the position after which f's versions begin: the later of the cursor
// and added_after. Strictly after an instant t, a date added d (whole microseconds)
// qualifies when d > t, that is d > floor(t) in microseconds.
func (f ObjectFilter) Start() Cursor {
	c := f.After
	if !f.AddedAfter.IsZero() {
		us := f.AddedAfter.UnixMicro()
		if time.UnixMicro(us).After(f.AddedAfter) {
			us--
		}
		if aa := (Cursor{Added: us, Seq: math.MaxInt64}); c.Less(aa) {
			c = aa
		}
	}
	return c
}

// DefaultPageLimit is the page size when a filter gives none.
const DefaultPageLimit = 1000

// Page is one page of versions in the hub's order.
type Page struct {
	Objects []Object
	// More is true when versions beyond this page match; Next is where they start.
	More bool
	Next Cursor
}

// PageOf makes the page a store returns from objs, the versions it read in the hub's
// order from after on, at most limit+1 of them: the first limit versions, More when there
// was one beyond them, and Next the position of the last version returned (after when
// none is).
func PageOf(objs []Object, limit int, after Cursor) Page {
	p := Page{Objects: objs, Next: after}
	if len(objs) > limit {
		p.Objects, p.More = objs[:limit], true
	}
	if len(p.Objects) > 0 {
		p.Next = CursorOf(p.Objects[len(p.Objects)-1])
	}
	return p
}

// Visibility is what a reader may see, computed by the policy guard from the pure
// decision function and applied by stores inside the query, so that paging stays right.
type Visibility struct {
	// All admits every version regardless of policy.
	All bool
	// Policies admits versions whose policy is in this ascending list; with Except, those
	// whose policy is not in it.
	Policies []int64
	Except   bool
	// Provider, when non-zero, admits only versions this organisation provided.
	Provider int64
	// Now, when non-zero, hides versions whose expiry is at or before it, except those
	// that Owner provided (a provider always sees its own).
	Now   time.Time
	Owner int64
	// Granted admits every version of these copies besides what the policies admit,
	// expired or not: a provider's disclosure grant to this reader, which binds to the
	// grantor's own copy of each object and never to another provider's copy of the id.
	Granted []Copy
	// Which bytes come back: versions that Owner provided, and every version when
	// Originals is set (operators), come as submitted. Others come scrubbed of personal
	// data, and, unless their policy is in Named, also without the names and domains of
	// their provider (see IngestItem.Shared and Anonymous).
	Originals bool
	Named     []int64
}

// Copy names one provider's copy of an object: the versions of ID that Provider provided.
// Several providers may hold copies of one id (an observable, whose id derives from its
// value; an ATT&CK object imported by many), each under its own policy.
type Copy struct {
	Provider int64  `json:"provider"`
	ID       string `json:"id"`
}

// CompareCopies orders copies by provider, then id.
func CompareCopies(a, b Copy) int {
	if c := cmp.Compare(a.Provider, b.Provider); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// AdmitsNothing reports whether v admits no version at all, so that a store need not ask.
func (v Visibility) AdmitsNothing() bool {
	return !v.All && !v.Except && len(v.Policies) == 0 && len(v.Granted) == 0
}

// ExpiryMicros is how stores keep an expiry: microseconds since the Unix epoch
// (sub-microsecond parts dropped), 0 for none. An expiry at the epoch itself, which would
// read as none, is kept a microsecond earlier: it has long passed either way, and a
// version must never stop expiring.
func ExpiryMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if us := t.UnixMicro(); us != 0 {
		return us
	}
	return -1
}

// ExpiryFromMicros reads back what ExpiryMicros kept.
func ExpiryFromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// IngestItem is one validated object ready to be stored.
type IngestItem struct {
	ID          string
	Type        string
	SpecVersion string
	// Version is the modified (else created) timestamp as submitted; empty for objects
	// with neither, whose version is their date added.
	Version string
	// VersionKey is the normalised, sortable form of Version that decides what counts as
	// the same version ("" for objects without a version timestamp).
	VersionKey string
	// PolicyDoc is the canonical encoding of the object's dissemination policy (owned by
	// internal/policy). Stores keep each distinct (provider, document) once.
	PolicyDoc []byte
	// Expires is when the version stops reaching anyone but its provider; zero for never.
	Expires time.Time
	Raw     json.RawMessage
	// Shared is Raw with personal data redacted, for everyone but the provider; nil when
	// nothing was found. Anonymous is Shared (or Raw) with the provider's names and domains
	// redacted too, for readers who may not learn the provider; nil when it would equal
	// Shared (or Raw).
	Shared, Anonymous json.RawMessage
	// Held puts the version on the review list (its policy, which the caller made, keeps
	// it from everyone but its provider and the operators); StatusID is the submission
	// whose status its release or rejection completes.
	Held     bool
	StatusID string
}

// Outcome of storing one IngestItem.
const (
	Stored    = "stored"    // a new version
	Duplicate = "duplicate" // this provider already held this id and version; nothing changed
)

// IngestResult says what became of one IngestItem.
type IngestResult struct {
	Outcome string
	Object  Object // the stored (or already held) version's metadata
}

// HeldVersion is a version waiting for review.
type HeldVersion struct {
	Object   Object // metadata and the version as submitted
	StatusID string
}

// PolicyRecord is a distinct dissemination policy of one provider, as stored.
type PolicyRecord struct {
	ID       int64
	Provider int64
	Doc      []byte
}

// ObjectStore keeps object versions. Visibility is never decided here: the caller (the
// policy guard) passes it in, and the store applies it inside its queries.
type ObjectStore interface {
	// Ingest stores items for provider atomically: all or nothing, durable on return. All
	// items of one call share one date added: the store's clock when it orders the write,
	// but strictly later than any date added before, so that a reader resuming with
	// added_after a date it has seen never skips a later call. Outcomes follow PlanIngest:
	// another provider's copies of an id make no difference to them.
	// The audit bodies are appended to the audit log in the same transaction: when they
	// cannot be, nothing is stored.
	Ingest(ctx context.Context, provider int64, items []IngestItem, audit ...[]byte) ([]IngestResult, error)
	// Objects returns the versions that match f and vis, in (date added, seq) order.
	// Versions the reader may not see are absent from everything, including which version
	// counts as first or last. Where the reader may see copies of one version (one id and
	// version key) from several providers, it gets one of them: the one stored first
	// (lowest seq) among those it may see, so that nothing it gets depends on a copy it
	// may not see, and no copy appears twice.
	Objects(ctx context.Context, vis Visibility, f ObjectFilter) (Page, error)
	// Delete removes the versions of id that provider provided and that match the version
	// filters (a zero VersionFilter here means every version); it returns how many it
	// removed, 0 when there were none. Other providers' copies of id stay as they are.
	Delete(ctx context.Context, provider int64, id string, versions VersionFilter, specVersions []string, audit ...[]byte) (int, error)
	// Policies returns the stored policies with an id above afterID, ascending.
	Policies(ctx context.Context, afterID int64) ([]PolicyRecord, error)
	// HeldVersions lists up to limit versions held for review, oldest first.
	HeldVersions(ctx context.Context, limit int) ([]HeldVersion, error)
	// Release takes a held version off the review list and gives it policyDoc (stored
	// like an ingested one), so that it reaches its readers; Reject deletes it. Both
	// append audit in the same transaction and return ENOTFOUND when no such version is
	// held. provider, id and version are as in Object: several providers may each hold
	// a copy of one version.
	Release(ctx context.Context, provider int64, id, version string, policyDoc []byte, audit ...[]byte) (HeldVersion, error)
	Reject(ctx context.Context, provider int64, id, version string, audit ...[]byte) (HeldVersion, error)
	// PutStatus stores the status of a submission; Status reads it back (ENOTFOUND).
	PutStatus(ctx context.Context, s Status) error
	Status(ctx context.Context, id string) (Status, error)
}

// Withdrawal records that versions of a provider's copy of an object stopped being
// available: deleted by their provider (Deleted), or superseded by a new version of the
// copy under another policy than the latest before it. Federation tells each peer that
// could see a withdrawn version to remove its copy, and each peer passes it on in turn,
// so that a delete, or a version tightened beyond a peer's agreement, reaches every hub
// that received the object.
type Withdrawal struct {
	Seq      int64     // ascending, never reused
	Added    time.Time // the hub's clock when it was recorded
	Provider int64
	ID       string
	// Policies are the policies of the versions withdrawn: those deleted, or the latest
	// version before the one that superseded it.
	Policies []int64
	Deleted  bool
}

// WithdrawalStore keeps the withdrawals. Delete records one for the versions it removes,
// and Ingest one for each provider's copy whose new latest version has another policy
// than the latest before it, in the same transaction.
type WithdrawalStore interface {
	// Withdrawals returns up to limit withdrawals with Seq above after, ascending.
	Withdrawals(ctx context.Context, after int64, limit int) ([]Withdrawal, error)
}

// Store is the whole persistence contract. The embedded SQLite store and the PostgreSQL
// store implement it, and internal/storetest checks both against the same suite.
type Store interface {
	DirectoryStore
	ObjectStore
	AuditStore
	DisclosureStore
	ContactStore
	FederationStore
	BackupStore
	WithdrawalStore
	Close() error
}

// Status is the outcome of one submission (TAXII's status resource).
type Status struct {
	ID    string
	Owner int64 // the submitting organisation; nobody else may read the status
	// State is "complete" or "pending".
	State            string
	RequestTimestamp time.Time
	Total            int
	Successes        []StatusDetail
	Failures         []StatusDetail
	Pendings         []StatusDetail
	// Stored counts the successes and pendings that were new versions, not duplicates of
	// versions already held (not part of the TAXII resource).
	Stored int `json:"-"`
}

// StatusDetail is one object's line in a Status.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// Collection is a TAXII collection: a view of the hub's objects for one caller.
type Collection struct {
	ID          string
	Alias       string
	Title       string
	Description string
	CanRead     bool
	CanWrite    bool
	// Circle names the circle of a circle-<name> collection.
	Circle string
}

// Collection aliases fixed by the contract; circle collections are "circle-" + name.
const (
	AliasInbox        = "inbox"
	AliasShared       = "shared"
	AliasMine         = "mine"
	CircleAliasPrefix = "circle-"
)

// ObjectService is what every entry point (TAXII, the JSON API, the console, export,
// federation, match) uses to reach objects. Its one implementation that serves callers is
// the policy guard, which takes the principal from the context: a version the caller may
// not see does not exist for it, and every method answers ENOTFOUND rather than
// EFORBIDDEN where answering otherwise would reveal that something exists.
type ObjectService interface {
	// Collections lists the collections the caller has.
	Collections(ctx context.Context) ([]Collection, error)
	// Collection finds one of the caller's collections by id or alias.
	Collection(ctx context.Context, idOrAlias string) (Collection, error)
	// Objects returns the versions in the collection that the caller may see (EFORBIDDEN
	// when the collection cannot be read).
	Objects(ctx context.Context, collection string, f ObjectFilter) (Page, error)
	// Submit validates and stores objects written to the collection and returns the
	// stored status (EFORBIDDEN when the collection cannot be written). Each object
	// succeeds or fails on its own; the successes are durable when Submit returns.
	Submit(ctx context.Context, collection string, objects []json.RawMessage) (Status, error)
	// Delete removes versions of an object the caller provided (ENOTFOUND when it has none
	// it may see).
	Delete(ctx context.Context, collection, id string, versions VersionFilter, specVersions []string) error
	// Status returns a submission's status to the organisation that submitted it.
	Status(ctx context.Context, id string) (Status, error)
}
