package postgres

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
)

// Attestations, affiliations and circle rules are stored as JSON text, each in one
// canonical encoding: the declared order, times in UTC (RFC 3339 with every fraction
// digit, so they round-trip exactly), countries in upper case, empty lists as [] or
// omitted. Two declarations that mean the same thing therefore encode to the same text,
// and Apply's change detection can compare the text: a repeat changes no row and leaves
// the epoch alone, while any real difference (a new expiry, an affiliation dropped)
// moves it.
//
// The encoding is the embedded store's (internal/sqlite/trust.go) byte for byte, so that
// a backup moves between the stores unchanged; the validation of a declared directory is
// the same too. Both belong in one shared package (see the report of issue 4); until then
// a change to one must be made to the other.

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
		if a.Country, err = country(a.Country); err != nil {
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
			if out[i], err = country(v); err != nil {
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

// encodeAttestations renders normalised attestations for the attestations column.
func encodeAttestations(as []firebreak.Attestation) string {
	out := make([]storedAttestation, len(as))
	for i, a := range as {
		out[i].Name = a.Name
		if !a.Expires.IsZero() {
			out[i].Expires = a.Expires.UTC().Format(time.RFC3339Nano)
		}
	}
	return mustJSON(out)
}

// decodeAttestations reads the attestations column; none is nil.
func decodeAttestations(b []byte) ([]firebreak.Attestation, error) {
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

// encodeAffiliations renders normalised affiliations for the affiliations column.
func encodeAffiliations(as []firebreak.Affiliation) string {
	if as == nil {
		as = []firebreak.Affiliation{}
	}
	return mustJSON(as)
}

// encodeRules renders normalised rules for the rules column; no rules is {}.
func encodeRules(r firebreak.CircleRules) string { return mustJSON(r) }

// decodeRules reads the rules column; empty lists come back nil.
func decodeRules(b []byte) (firebreak.CircleRules, error) {
	var r firebreak.CircleRules
	if err := json.Unmarshal(b, &r); err != nil {
		return r, err
	}
	return r, nil
}

// mustJSON encodes the values above, which always encode (strings and lists and structs
// of strings).
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
