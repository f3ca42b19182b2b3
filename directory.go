package firebreak

import (
	"context"
	"crypto/sha256"
	"slices"
	"time"
)

// OrgStatus is an organisation's vetting status. Only vetted organisations read what others
// share; suspended and revoked ones are refused at once.
type OrgStatus string

// The vetting statuses.
const (
	OrgPending   OrgStatus = "pending"
	OrgVetted    OrgStatus = "vetted"
	OrgSuspended OrgStatus = "suspended"
	OrgRevoked   OrgStatus = "revoked"
)

// Valid reports whether s is one of the vetting statuses.
func (s OrgStatus) Valid() bool {
	switch s {
	case OrgPending, OrgVetted, OrgSuspended, OrgRevoked:
		return true
	}
	return false
}

// OrgType classifies an organisation; caveats such as no-law-enforcement act on it.
type OrgType string

// The organisation types.
const (
	TypePrivate        OrgType = "private"
	TypeGovernment     OrgType = "government"
	TypeMilitary       OrgType = "military"
	TypeLawEnforcement OrgType = "law-enforcement"
	TypeCERT           OrgType = "cert"
	TypeISAC           OrgType = "isac"
	TypeAcademic       OrgType = "academic"
	TypeNGO            OrgType = "ngo"
)

// OrgTypes lists every organisation type.
var OrgTypes = []OrgType{TypePrivate, TypeGovernment, TypeMilitary, TypeLawEnforcement,
	TypeCERT, TypeISAC, TypeAcademic, TypeNGO}

// Valid reports whether t is one of the organisation types.
func (t OrgType) Valid() bool { return slices.Contains(OrgTypes, t) }

// Sectors are the 16 CISA critical-infrastructure sectors, by their slugs.
var Sectors = []string{
	"chemical", "commercial-facilities", "communications", "critical-manufacturing", "dams",
	"defense-industrial-base", "emergency-services", "energy", "financial-services",
	"food-and-agriculture", "government-facilities", "healthcare-and-public-health",
	"information-technology", "nuclear-reactors-materials-and-waste", "transportation-systems",
	"water-and-wastewater-systems",
}

// Role is what a user may do. Roles add up; a user may hold several.
type Role string

// The roles.
const (
	RoleAnalyst  Role = "analyst"
	RoleOperator Role = "operator"
	RoleAuditor  Role = "auditor"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAnalyst, RoleOperator, RoleAuditor, RoleAdmin:
		return true
	}
	return false
}

// Hub describes this hub: its name, country, the organisation whose operator users run it,
// and the identifiers derived for it when the store was created.
type Hub struct {
	Name     string
	Country  string
	Operator string // name of the operator organisation
	// UUID is generated once per store; collection ids derive from it.
	UUID string
	// IdentityID is the hub's own STIX identity id.
	IdentityID string
	// Secret is a random key made when the store is created and shared by every node: it
	// keys the per-reader pseudonyms that stand in for providers who stay anonymous.
	Secret []byte
}

// Organization is a member of the hub (or a peer hub seen as a member).
type Organization struct {
	ID         int64
	IdentityID string // STIX identity id, generated when the organisation is created
	Name       string
	Country    string // ISO 3166-1 alpha-2, upper case
	Type       OrgType
	Sectors    []string
	ParentID   int64 // 0 when the organisation has no parent
	Status     OrgStatus
	// Attestations are the eligibilities granted to the organisation, each until its
	// expiry; Affiliations are the relationships it declared (an owner, an alliance).
	Attestations []Attestation
	Affiliations []Affiliation
	// Domains are the organisation's internet domains: where an anonymous provider's
	// objects mention them, other readers get them redacted.
	Domains []string
}

// Attestation is a named eligibility (a clearance tier, a sector accreditation) granted
// to an organisation. It counts only until Expires; a zero Expires never lapses.
type Attestation struct {
	Name    string    `json:"name"`
	Expires time.Time `json:"expires,omitzero"`
}

// ValidAt reports whether the attestation holds at t.
func (a Attestation) ValidAt(t time.Time) bool { return a.Expires.IsZero() || t.Before(a.Expires) }

// Affiliation is a relationship an organisation declared with another party, such as an
// alliance with a foreign vendor. Circle rules may exclude members by the affiliate's
// country.
type Affiliation struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

// HasAttestation reports whether the organisation holds a valid attestation named n at t.
func (o Organization) HasAttestation(n string, t time.Time) bool {
	for _, a := range o.Attestations {
		if a.Name == n && a.ValidAt(t) {
			return true
		}
	}
	return false
}

// User belongs to one organisation and authenticates with a token, of which the hub keeps
// only a hash.
type User struct {
	ID        int64
	Name      string
	OrgID     int64
	Roles     []Role
	TokenHash []byte
}

// HasRole reports whether the user holds r.
func (u User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Circle is a named sharing community of organisations. Members are the organisations
// admitted to it; a member that no longer meets the circle's Rules is suspended from it
// (it receives nothing shared with the circle) until it meets them again.
type Circle struct {
	ID      int64
	Name    string
	Members []int64 // organisation ids, ascending
	Rules   CircleRules
	// Review is the circle's review setting for objects shared with it (see Review*).
	Review string
}

// Review settings: which submissions an operator must release before anyone but their
// provider and the operators sees them.
const (
	ReviewOff      = ""         // none
	ReviewFindings = "findings" // those in which personal data was found
	ReviewAll      = "all"      // every one
)

// CircleRules are a circle's admission rules. Empty lists admit anyone.
type CircleRules struct {
	// Countries lists the ISO 3166-1 alpha-2 codes members must be from.
	Countries []string `json:"countries,omitempty"`
	// Types lists the organisation types admitted.
	Types []OrgType `json:"types,omitempty"`
	// Attestations lists the attestations every member must hold, unexpired.
	Attestations []string `json:"attestations,omitempty"`
	// DenyAffiliationCountries excludes organisations affiliated with a party from one of
	// these countries.
	DenyAffiliationCountries []string `json:"deny_affiliation_countries,omitempty"`
}

// Admits reports whether o meets the rules at t, and when it does not, why (for the
// member and the operators; never shown to others).
func (r CircleRules) Admits(o Organization, t time.Time) (bool, string) {
	if o.Status != OrgVetted {
		return false, "organisation is " + string(o.Status)
	}
	if len(r.Countries) > 0 && !slices.Contains(r.Countries, o.Country) {
		return false, "country " + o.Country + " is not admitted"
	}
	if len(r.Types) > 0 && !slices.Contains(r.Types, o.Type) {
		return false, "type " + string(o.Type) + " is not admitted"
	}
	for _, a := range r.Attestations {
		if !o.HasAttestation(a, t) {
			return false, "attestation " + a + " is missing or has lapsed"
		}
	}
	for _, af := range o.Affiliations {
		if slices.Contains(r.DenyAffiliationCountries, af.Country) {
			return false, "affiliation with " + af.Name + " (" + af.Country + ") is excluded"
		}
	}
	return true, ""
}

// Peer directions.
const (
	PeerPull = "pull"
	PeerPush = "push"
	PeerBoth = "both"
)

// Peer is another hub this hub exchanges objects with over TAXII, and the agreement that
// caps what may cross.
type Peer struct {
	ID        int64
	Name      string
	URL       string // the peer's TAXII API root
	Country   string
	Type      OrgType
	Token     string // the credential this hub presents to the peer; it must be usable, so it is kept
	Direction string
	Interval  time.Duration
	// The agreement.
	MaxTLP      TLP
	Circles     []string
	Attribution bool
}

// Directory is a declared state of the hub's members: what `firebreak apply` hands to a
// store. Entries are matched by name; applying the same Directory twice changes nothing.
type Directory struct {
	Hub           Hub
	Organizations []DeclaredOrganization
	Users         []DeclaredUser
	Circles       []DeclaredCircle
	Peers         []Peer
}

// DeclaredOrganization is an organisation in a Directory; its parent is named.
type DeclaredOrganization struct {
	Name         string
	Country      string
	Type         OrgType
	Sectors      []string
	Parent       string
	Status       OrgStatus
	Attestations []Attestation
	Affiliations []Affiliation
	Domains      []string
}

// DeclaredUser is a user in a Directory; its organisation is named. TokenHash is empty
// when the declaration keeps the user's current token. Only hashes of tokens (HashToken)
// ever reach a store.
type DeclaredUser struct {
	Name         string
	Organization string
	Roles        []Role
	TokenHash    []byte
}

// DeclaredCircle is a circle in a Directory with its members by name.
type DeclaredCircle struct {
	Name    string
	Members []string
	Rules   CircleRules
	Review  string
}

// DirectoryStore keeps the hub's members. Every method returns an *Error with ENOTFOUND
// when the thing asked for does not exist.
type DirectoryStore interface {
	// Apply makes the store hold the declared directory, in one transaction. Names that
	// the declaration refers to must exist in it or in the store (EINVALID otherwise).
	// Every change advances the epoch.
	// The audit bodies are appended in the same transaction.
	Apply(ctx context.Context, d Directory, audit ...[]byte) error
	// Hub returns this hub's description. Before the first Apply, Name, Country and
	// Operator are empty but UUID and IdentityID are set: they are made when the store is
	// created and never change.
	Hub(ctx context.Context) (Hub, error)
	// Epoch returns a number that grows whenever the directory changes, so that caches
	// derived from it (the policy guard's) know when to refresh, on every node.
	Epoch(ctx context.Context) (int64, error)
	Organizations(ctx context.Context) ([]Organization, error)
	Organization(ctx context.Context, id int64) (Organization, error)
	OrganizationByName(ctx context.Context, name string) (Organization, error)
	// UserByTokenHash finds the user whose token hashes to h.
	UserByTokenHash(ctx context.Context, h []byte) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
	Circles(ctx context.Context) ([]Circle, error)
	Peers(ctx context.Context) ([]Peer, error)
}

// HashToken returns the hash under which a user's API token is stored and looked up.
// Tokens are long random secrets, not passwords, so a fast hash is enough: a slow one
// would cost every request and add nothing against guessing a 128-bit secret.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte("firebreak-token\x00" + token))
	return h[:]
}
