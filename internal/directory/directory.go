// Package directory holds the directory's normal form that every store keeps: how a
// declared directory is checked and put in canonical form before a store applies it, and
// how attestations, affiliations and circle rules are encoded for storage. One place, so
// that the embedded and the PostgreSQL store can never disagree on what a declaration
// means, what counts as a change, or how a backup moves between them.
package directory

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
)

// Normalize checks a declared directory and puts it in canonical form in place: the
// checks every store makes before it applies a declaration (names, statuses, types,
// sectors, countries, roles, unique tokens, circle members, peers, the hub), and the one
// spelling of each value, so that a repeat declaration is no change.
func Normalize(d *firebreak.Directory) error {
	for _, c := range d.Circles {
		switch c.Review {
		case firebreak.ReviewOff, firebreak.ReviewFindings, firebreak.ReviewAll:
		default:
			return firebreak.Errorf(firebreak.EINVALID, "circle %q: review %q is not findings or all", c.Name, c.Review)
		}
	}
	seen := map[string]bool{}
	for i := range d.Organizations {
		o := &d.Organizations[i]
		if o.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "organization %d: name is empty", i+1)
		}
		if seen[o.Name] {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: declared twice", o.Name)
		}
		seen[o.Name] = true
		if o.Status == "" {
			o.Status = firebreak.OrgPending
		}
		if !o.Status.Valid() {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: unknown status %q", o.Name, o.Status)
		}
		if o.Type != "" && !o.Type.Valid() {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: unknown type %q", o.Name, o.Type)
		}
		for _, sec := range o.Sectors {
			if !slices.Contains(firebreak.Sectors, sec) {
				return firebreak.Errorf(firebreak.EINVALID, "organization %q: unknown sector %q", o.Name, sec)
			}
		}
		var err error
		if o.Country, err = Country(o.Country); err != nil {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: %v", o.Name, err)
		}
		if o.Parent == o.Name {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: it cannot be its own parent", o.Name)
		}
		if err := normaliseTrust(o); err != nil {
			return err
		}
	}
	clear(seen)
	for i, u := range d.Users {
		if u.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "user %d: name is empty", i+1)
		}
		if seen[u.Name] {
			return firebreak.Errorf(firebreak.EINVALID, "user %q: declared twice", u.Name)
		}
		seen[u.Name] = true
		for _, r := range u.Roles {
			if !r.Valid() {
				return firebreak.Errorf(firebreak.EINVALID, "user %q: unknown role %q", u.Name, r)
			}
		}
	}
	tokens := map[string]string{}
	for _, u := range d.Users {
		if len(u.TokenHash) == 0 {
			continue
		}
		if other, ok := tokens[string(u.TokenHash)]; ok {
			return firebreak.Errorf(firebreak.EINVALID, "user %q: its token is already the token of user %q; give each user its own", u.Name, other)
		}
		tokens[string(u.TokenHash)] = u.Name
	}
	clear(seen)
	for i, c := range d.Circles {
		if c.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "circle %d: name is empty", i+1)
		}
		if seen[c.Name] {
			return firebreak.Errorf(firebreak.EINVALID, "circle %q: declared twice", c.Name)
		}
		seen[c.Name] = true
		// A member named twice is one member; dropping the repeat keeps Apply idempotent.
		members := make([]string, 0, len(c.Members))
		for _, m := range c.Members {
			if !slices.Contains(members, m) {
				members = append(members, m)
			}
		}
		d.Circles[i].Members = members
		if err := normaliseRules(&d.Circles[i]); err != nil {
			return err
		}
	}
	clear(seen)
	for i := range d.Peers {
		p := &d.Peers[i]
		if p.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "peer %d: name is empty", i+1)
		}
		if seen[p.Name] {
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: declared twice", p.Name)
		}
		seen[p.Name] = true
		switch p.Direction {
		case firebreak.PeerPull, firebreak.PeerPush, firebreak.PeerBoth:
		default:
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: direction %q is not pull, push or both", p.Name, p.Direction)
		}
		if p.Type != "" && !p.Type.Valid() {
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: unknown type %q", p.Name, p.Type)
		}
		if p.MaxTLP < firebreak.TLPClear || p.MaxTLP > firebreak.TLPRed {
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: unknown max TLP %d", p.Name, int(p.MaxTLP))
		}
		if p.Interval < 0 {
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: interval is negative", p.Name)
		}
		var err error
		if p.Country, err = Country(p.Country); err != nil {
			return firebreak.Errorf(firebreak.EINVALID, "peer %q: %v", p.Name, err)
		}
	}
	h := &d.Hub
	if h.Name != "" || h.Country != "" || h.Operator != "" {
		if h.Operator == "" {
			return firebreak.Errorf(firebreak.EINVALID, "hub: operator must name an organization")
		}
		var err error
		if h.Country, err = Country(h.Country); err != nil {
			return firebreak.Errorf(firebreak.EINVALID, "hub: %v", err)
		}
	}
	return nil
}

// Country checks an ISO 3166-1 alpha-2 code (or empty) and returns it in upper case.
func Country(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b := []byte(c)
	if len(b) != 2 {
		return "", firebreak.Errorf(firebreak.EINVALID, "country %q is not a two-letter code", c)
	}
	for i, ch := range b {
		switch {
		case 'A' <= ch && ch <= 'Z':
		case 'a' <= ch && ch <= 'z':
			b[i] = ch - 'a' + 'A'
		default:
			return "", firebreak.Errorf(firebreak.EINVALID, "country %q is not a two-letter code", c)
		}
	}
	return string(b), nil
}

// NormalDomains lower-cases domains and drops empty and repeated ones, so that a repeat
// declaration is not a change.
func NormalDomains(ds []string) []string {
	var out []string
	for _, d := range ds {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// Attestations, affiliations and circle rules are stored as JSON text, each in one
// canonical encoding: the declared order, times in UTC (RFC 3339 with every fraction
// digit, so they round-trip exactly), countries in upper case, empty lists as [] or
// omitted. Two declarations that mean the same thing therefore encode to the same text,
// and Apply's change detection can compare the text: a repeat changes no row and leaves
// the epoch alone, while any real difference (a new expiry, an affiliation dropped)
// moves it.

// normaliseTrust checks an organisation's attestations and affiliations and puts them in
// canonical form in place (new slices: the caller's are not touched).
func normaliseTrust(o *firebreak.DeclaredOrganization) error {
	atts := make([]firebreak.Attestation, len(o.Attestations))
	for i, a := range o.Attestations {
		if a.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: attestation %d: name is empty", o.Name, i+1)
		}
		if !a.Expires.IsZero() {
			a.Expires = a.Expires.UTC() // also drops a monotonic reading
		}
		atts[i] = a
	}
	o.Attestations = atts
	affs := make([]firebreak.Affiliation, len(o.Affiliations))
	for i, a := range o.Affiliations {
		if a.Name == "" {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: affiliation %d: name is empty", o.Name, i+1)
		}
		var err error
		if a.Country, err = Country(a.Country); err != nil {
			return firebreak.Errorf(firebreak.EINVALID, "organization %q: affiliation %q: %v", o.Name, a.Name, err)
		}
		affs[i] = a
	}
	o.Affiliations = affs
	return nil
}

// normaliseRules checks a circle's rules and puts them in canonical form in place (new
// slices: the caller's are not touched).
func normaliseRules(c *firebreak.DeclaredCircle) error {
	r := &c.Rules
	countries := func(what string, list []string) ([]string, error) {
		out := make([]string, len(list))
		for i, v := range list {
			if v == "" {
				return nil, firebreak.Errorf(firebreak.EINVALID, "circle %q: rules: %s: country %d is empty", c.Name, what, i+1)
			}
			var err error
			if out[i], err = Country(v); err != nil {
				return nil, firebreak.Errorf(firebreak.EINVALID, "circle %q: rules: %s: %v", c.Name, what, err)
			}
		}
		return out, nil
	}
	var err error
	if r.Countries, err = countries("countries", r.Countries); err != nil {
		return err
	}
	if r.DenyAffiliationCountries, err = countries("deny_affiliation_countries", r.DenyAffiliationCountries); err != nil {
		return err
	}
	for _, t := range r.Types {
		if !t.Valid() {
			return firebreak.Errorf(firebreak.EINVALID, "circle %q: rules: unknown type %q", c.Name, t)
		}
	}
	r.Types = slices.Clone(r.Types)
	for i, a := range r.Attestations {
		if a == "" {
			return firebreak.Errorf(firebreak.EINVALID, "circle %q: rules: attestation %d is empty", c.Name, i+1)
		}
	}
	r.Attestations = slices.Clone(r.Attestations)
	return nil
}

// storedAttestation is an attestation as stored: the time as text with every fraction
// digit, which firebreak.Attestation's own encoding (time.Time's) would also give, but
// spelled out here because the stored form must never change with a library.
type storedAttestation struct {
	Name    string `json:"name"`
	Expires string `json:"expires,omitempty"`
}

// EncodeAttestations renders normalised attestations for the attestations column.
func EncodeAttestations(as []firebreak.Attestation) string {
	out := make([]storedAttestation, len(as))
	for i, a := range as {
		out[i].Name = a.Name
		if !a.Expires.IsZero() {
			out[i].Expires = a.Expires.UTC().Format(time.RFC3339Nano)
		}
	}
	return mustJSON(out)
}

// DecodeAttestations reads the attestations column; none is nil.
func DecodeAttestations(b []byte) ([]firebreak.Attestation, error) {
	var stored []storedAttestation
	if err := json.Unmarshal(b, &stored); err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, nil
	}
	out := make([]firebreak.Attestation, len(stored))
	for i, s := range stored {
		out[i].Name = s.Name
		if s.Expires != "" {
			t, err := time.Parse(time.RFC3339Nano, s.Expires)
			if err != nil {
				return nil, err
			}
			out[i].Expires = t.UTC()
		}
	}
	return out, nil
}

// EncodeAffiliations renders normalised affiliations for the affiliations column.
func EncodeAffiliations(as []firebreak.Affiliation) string {
	if as == nil {
		as = []firebreak.Affiliation{}
	}
	return mustJSON(as)
}

// EncodeRules renders normalised rules for the rules column; no rules is {}.
func EncodeRules(r firebreak.CircleRules) string { return mustJSON(r) }

// DecodeRules reads the rules column; empty lists come back nil.
func DecodeRules(b []byte) (firebreak.CircleRules, error) {
	var r firebreak.CircleRules
	if err := json.Unmarshal(b, &r); err != nil {
		return r, err
	}
	return r, nil
}

// EncodeList renders a list for the list columns (sectors, domains, roles, a peer's
// circles): a JSON array, never null.
func EncodeList(vs []string) string {
	if vs == nil {
		vs = []string{}
	}
	return mustJSON(vs)
}

// DecodeList reads a stored JSON array into v, leaving v nil when it is empty.
func DecodeList[T any](b []byte, v *[]T) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	if len(*v) == 0 {
		*v = nil
	}
	return nil
}

// mustJSON encodes the values above, which always encode (strings and lists and structs
// of strings).
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
