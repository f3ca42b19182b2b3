// Package apply reads the declarative file that bootstraps and updates a hub (`firebreak
// apply -f FILE`, and the same over the API for admins) into a firebreak.Directory.
//
// Decoding is strict: an unknown field is an error, not a silent no-op, because a typo
// in a trust setting ("stauts": "suspended") must not leave an organisation vetted.
// Tokens are hashed here; plaintext user tokens never go further.
package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
)

// MaxFileBytes caps the size of a declaration.
const MaxFileBytes = 16 << 20

// File is the declaration as written.
type File struct {
	Hub           *HubDecl     `json:"hub"`
	Organizations []OrgDecl    `json:"organizations"`
	Users         []UserDecl   `json:"users"`
	Circles       []CircleDecl `json:"circles"`
	Peers         []PeerDecl   `json:"peers"`
}

// HubDecl names this hub.
type HubDecl struct {
	Name     string `json:"name"`
	Country  string `json:"country"`
	Operator string `json:"operator"`
}

// OrgDecl declares an organisation.
type OrgDecl struct {
	Name         string            `json:"name"`
	Country      string            `json:"country"`
	Type         string            `json:"type"`
	Sectors      []string          `json:"sectors"`
	Parent       *string           `json:"parent"`
	Status       string            `json:"status"`
	Attestations []AttestationDecl `json:"attestations"`
	Affiliations []AffiliationDecl `json:"affiliations"`
	Domains      []string          `json:"domains"`
}

// AttestationDecl declares an eligibility an organisation holds, until expires (RFC 3339;
// empty for no expiry).
type AttestationDecl struct {
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

// AffiliationDecl declares a relationship of an organisation with another party.
type AffiliationDecl struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

// UserDecl declares a user. An empty token keeps the user's current one.
type UserDecl struct {
	Name         string   `json:"name"`
	Organization string   `json:"organization"`
	Roles        []string `json:"roles"`
	Token        string   `json:"token"`
}

// CircleDecl declares a circle, its members and its admission rules.
type CircleDecl struct {
	Name    string     `json:"name"`
	Members []string   `json:"members"`
	Rules   *RulesDecl `json:"rules"`
	// Review holds what is shared with the circle for an operator's review: "findings"
	// (when personal data was found) or "all".
	Review string `json:"review"`
}

// RulesDecl declares a circle's admission rules.
type RulesDecl struct {
	Countries                []string `json:"countries"`
	Types                    []string `json:"types"`
	Attestations             []string `json:"attestations"`
	DenyAffiliationCountries []string `json:"deny_affiliation_countries"`
}

// PeerDecl declares a peer hub.
type PeerDecl struct {
	Name        string   `json:"name"`
	URL         string   `json:"url"`
	Country     string   `json:"country"`
	Type        string   `json:"type"`
	Token       string   `json:"token"`
	Direction   string   `json:"direction"`
	Interval    string   `json:"interval"`
	MaxTLP      string   `json:"max_tlp"`
	Circles     []string `json:"circles"`
	Attribution bool     `json:"attribution"`
}

// MinTokenLength is the shortest token accepted: tokens are bearer secrets.
const MinTokenLength = 16

// Parse reads a declaration from r and checks it. Every problem found is reported at once,
// one per line, each naming the entry it concerns.
func Parse(r io.Reader) (firebreak.Directory, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return firebreak.Directory{}, firebreak.Wrap(firebreak.EINVALID, err, "cannot read the declaration")
	}
	if len(b) > MaxFileBytes {
		return firebreak.Directory{}, firebreak.Errorf(firebreak.ETOOLARGE, "declaration is larger than %d bytes", MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return firebreak.Directory{}, firebreak.Errorf(firebreak.EINVALID, "declaration is not valid: %s", jsonError(b, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return firebreak.Directory{}, firebreak.Errorf(firebreak.EINVALID, "declaration is not valid: data after the JSON object")
	}
	return f.Directory()
}

// jsonError says what is wrong with the declaration b that the decoder refused, in the
// file's terms (its line, the field), never in the decoder's own words.
func jsonError(b []byte, err error) string {
	msg := firebreak.JSONProblem(err)
	if msg == "" {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			msg = "unknown field " + field // the one decoder error without a type of its own
		} else {
			msg = "not a declaration (an object of organizations, users, circles, peers and hub)"
		}
	}
	var off int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return msg
	}
	return fmt.Sprintf("line %d: %s", 1+bytes.Count(b[:off], []byte("\n")), msg)
}

// Directory checks the declaration and converts it, hashing tokens.
func (f File) Directory() (firebreak.Directory, error) {
	var d firebreak.Directory
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	orgs := map[string]bool{}
	for i, o := range f.Organizations {
		where := fmt.Sprintf("organizations[%d] %q", i, o.Name)
		if strings.TrimSpace(o.Name) == "" || len(o.Name) > 200 {
			bad("organizations[%d]: name is required (at most 200 characters)", i)
		}
		if orgs[o.Name] {
			bad("%s: declared twice", where)
		}
		orgs[o.Name] = true
		if !validCountry(o.Country) {
			bad("%s: country %q is not an ISO 3166-1 alpha-2 code", where, o.Country)
		}
		if !firebreak.OrgType(o.Type).Valid() {
			bad("%s: type %q is not one of %v", where, o.Type, firebreak.OrgTypes)
		}
		for _, s := range o.Sectors {
			if !slices.Contains(firebreak.Sectors, s) {
				bad("%s: sector %q is not one of the 16 critical-infrastructure sectors", where, s)
			}
		}
		status := firebreak.OrgStatus(o.Status)
		if o.Status == "" {
			status = firebreak.OrgPending
		}
		if !status.Valid() {
			bad("%s: status %q is not pending, vetted, suspended or revoked", where, o.Status)
		}
		parent := ""
		if o.Parent != nil {
			parent = *o.Parent
			if parent == o.Name {
				bad("%s: an organisation cannot be its own parent", where)
			}
		}
		var atts []firebreak.Attestation
		for j, a := range o.Attestations {
			if strings.TrimSpace(a.Name) == "" || len(a.Name) > 100 {
				bad("%s: attestations[%d]: name is required (at most 100 characters)", where, j)
			}
			var exp time.Time
			if a.Expires != "" {
				t, err := time.Parse(time.RFC3339Nano, a.Expires)
				if err != nil {
					bad("%s: attestations[%d] %q: expires %q is not an RFC 3339 timestamp", where, j, a.Name, a.Expires)
				}
				exp = t.UTC()
			}
			atts = append(atts, firebreak.Attestation{Name: a.Name, Expires: exp})
		}
		var affs []firebreak.Affiliation
		for j, a := range o.Affiliations {
			if strings.TrimSpace(a.Name) == "" {
				bad("%s: affiliations[%d]: name is required", where, j)
			}
			if !validCountry(a.Country) {
				bad("%s: affiliations[%d] %q: country %q is not an ISO 3166-1 alpha-2 code", where, j, a.Name, a.Country)
			}
			affs = append(affs, firebreak.Affiliation{Name: a.Name, Country: strings.ToUpper(a.Country)})
		}
		d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{
			Name: o.Name, Country: strings.ToUpper(o.Country), Type: firebreak.OrgType(o.Type),
			Sectors: o.Sectors, Parent: parent, Status: status, Attestations: atts, Affiliations: affs,
			Domains: o.Domains,
		})
		for _, dom := range o.Domains {
			if !validDomain(dom) {
				bad("%s: domain %q is not a domain name", where, dom)
			}
		}
	}
	// A parent cycle among declared organisations would make "under that parent"
	// undecidable; parents already in the store are checked by the store.
	parents := map[string]string{}
	for _, o := range d.Organizations {
		parents[o.Name] = o.Parent
	}
	for _, o := range d.Organizations {
		seen := map[string]bool{o.Name: true}
		for p := parents[o.Name]; p != ""; p = parents[p] {
			if seen[p] {
				bad("organizations %q: parent chain loops back through %q", o.Name, p)
				break
			}
			seen[p] = true
		}
	}

	if f.Hub != nil {
		h := f.Hub
		if strings.TrimSpace(h.Name) == "" {
			bad("hub: name is required")
		}
		if !validCountry(h.Country) {
			bad("hub: country %q is not an ISO 3166-1 alpha-2 code", h.Country)
		}
		if strings.TrimSpace(h.Operator) == "" {
			bad("hub: operator (the organisation that runs the hub) is required")
		}
		d.Hub = firebreak.Hub{Name: h.Name, Country: strings.ToUpper(h.Country), Operator: h.Operator}
	}

	users := map[string]bool{}
	tokens := map[string]string{}
	for i, u := range f.Users {
		where := fmt.Sprintf("users[%d] %q", i, u.Name)
		if strings.TrimSpace(u.Name) == "" || len(u.Name) > 200 || strings.Contains(u.Name, ":") {
			bad("users[%d]: name is required (at most 200 characters, no colon)", i)
		}
		if users[u.Name] {
			bad("%s: declared twice", where)
		}
		users[u.Name] = true
		if u.Organization == "" {
			bad("%s: organization is required", where)
		}
		var roles []firebreak.Role
		for _, r := range u.Roles {
			if !firebreak.Role(r).Valid() {
				bad("%s: role %q is not analyst, operator, auditor or admin", where, r)
			}
			roles = append(roles, firebreak.Role(r))
		}
		var hash []byte
		if u.Token != "" {
			if len(u.Token) < MinTokenLength {
				bad("%s: token is shorter than %d characters", where, MinTokenLength)
			}
			if other, ok := tokens[u.Token]; ok {
				bad("%s: token is the same as user %q's", where, other)
			}
			tokens[u.Token] = u.Name
			hash = firebreak.HashToken(u.Token)
		}
		d.Users = append(d.Users, firebreak.DeclaredUser{Name: u.Name, Organization: u.Organization, Roles: roles, TokenHash: hash})
	}

	circles := map[string]bool{}
	for i, c := range f.Circles {
		where := fmt.Sprintf("circles[%d] %q", i, c.Name)
		if !validCircleName(c.Name) {
			bad("circles[%d]: name %q must be 1-64 characters of a-z, 0-9, '-' and '_' (it becomes the collection alias circle-<name>)", i, c.Name)
		}
		if circles[c.Name] {
			bad("%s: declared twice", where)
		}
		circles[c.Name] = true
		var rules firebreak.CircleRules
		if r := c.Rules; r != nil {
			for _, cc := range r.Countries {
				if !validCountry(cc) {
					bad("%s: rules: country %q is not an ISO 3166-1 alpha-2 code", where, cc)
				}
				rules.Countries = append(rules.Countries, strings.ToUpper(cc))
			}
			for _, t := range r.Types {
				if !firebreak.OrgType(t).Valid() {
					bad("%s: rules: type %q is not one of %v", where, t, firebreak.OrgTypes)
				}
				rules.Types = append(rules.Types, firebreak.OrgType(t))
			}
			for _, a := range r.Attestations {
				if strings.TrimSpace(a) == "" {
					bad("%s: rules: an attestation name is empty", where)
				}
			}
			rules.Attestations = r.Attestations
			for _, cc := range r.DenyAffiliationCountries {
				if !validCountry(cc) {
					bad("%s: rules: deny_affiliation_countries: %q is not an ISO 3166-1 alpha-2 code", where, cc)
				}
				rules.DenyAffiliationCountries = append(rules.DenyAffiliationCountries, strings.ToUpper(cc))
			}
		}
		switch c.Review {
		case firebreak.ReviewOff, firebreak.ReviewFindings, firebreak.ReviewAll:
		default:
			bad("%s: review %q is not findings or all", where, c.Review)
		}
		d.Circles = append(d.Circles, firebreak.DeclaredCircle{Name: c.Name, Members: c.Members, Rules: rules, Review: c.Review})
	}

	peers := map[string]bool{}
	for i, p := range f.Peers {
		where := fmt.Sprintf("peers[%d] %q", i, p.Name)
		if strings.TrimSpace(p.Name) == "" {
			bad("peers[%d]: name is required", i)
		}
		if peers[p.Name] {
			bad("%s: declared twice", where)
		}
		peers[p.Name] = true
		if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
			bad("%s: url %q must be the peer's TAXII API root (http:// or https://)", where, p.URL)
		}
		if !validCountry(p.Country) {
			bad("%s: country %q is not an ISO 3166-1 alpha-2 code", where, p.Country)
		}
		typ := firebreak.OrgType(p.Type)
		if p.Type == "" {
			typ = firebreak.TypeCERT
		}
		if !typ.Valid() {
			bad("%s: type %q is not one of %v", where, p.Type, firebreak.OrgTypes)
		}
		switch p.Direction {
		case firebreak.PeerPull, firebreak.PeerPush, firebreak.PeerBoth:
		default:
			bad("%s: direction %q is not pull, push or both", where, p.Direction)
		}
		interval := time.Minute
		if p.Interval != "" {
			v, err := time.ParseDuration(p.Interval)
			if err != nil || v < 100*time.Millisecond || v > 24*time.Hour {
				bad("%s: interval %q is not a duration between 100ms and 24h", where, p.Interval)
			}
			interval = v
		}
		maxTLP := firebreak.TLPGreen
		if p.MaxTLP != "" {
			t, ok := firebreak.ParseTLP(p.MaxTLP)
			if !ok {
				bad("%s: max_tlp %q is not clear, green, amber, amber+strict or red", where, p.MaxTLP)
			}
			maxTLP = t
		}
		d.Peers = append(d.Peers, firebreak.Peer{
			Name: p.Name, URL: p.URL, Country: strings.ToUpper(p.Country), Type: typ, Token: p.Token,
			Direction: p.Direction, Interval: interval, MaxTLP: maxTLP, Circles: p.Circles, Attribution: p.Attribution,
		})
	}
	if len(errs) > 0 {
		return firebreak.Directory{}, firebreak.Errorf(firebreak.EINVALID, "declaration has %d problem(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	return d, nil
}

func validCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		ch := c[i] | 0x20
		if ch < 'a' || ch > 'z' {
			return false
		}
	}
	return true
}

func validCircleName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i] | 0x20
		if !('a' <= c && c <= 'z' || '0' <= d[i] && d[i] <= '9' || d[i] == '-' || d[i] == '.') {
			return false
		}
	}
	return true
}
