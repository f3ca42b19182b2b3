// Package firebreak is the domain of the Firebreak threat-intelligence sharing hub: the
// organisations, users, circles and peers that share, the STIX objects they share, the
// errors every layer speaks, and the contracts between the layers.
//
// The package imports no database driver and no HTTP server code; a test keeps it that way.
// Storage lives in internal/sqlite (and later internal/postgres), the dissemination rules in
// internal/policy, the wire protocols in internal/stix and internal/taxii, and only
// cmd/firebreak wires them together.
package firebreak

import "time"

// Version is the release of this build; cmd/firebreak overrides it at link time.
var Version = "0.1.0-dev"

// TLP is a Traffic Light Protocol 2.0 level. The zero value is Clear; higher values are
// stricter, so the strictest of several levels is their maximum.
type TLP int

// The TLP 2.0 levels, least strict first.
const (
	TLPClear TLP = iota
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
)

var tlpNames = [...]string{"clear", "green", "amber", "amber+strict", "red"}

// String returns the level's lower-case name as used in configuration ("amber+strict").
func (t TLP) String() string {
	if t < 0 || int(t) >= len(tlpNames) {
		return "invalid"
	}
	return tlpNames[t]
}

// ParseTLP reads a level name. It accepts the TLP 2.0 names case-insensitively, with or
// without a "tlp:" prefix, and maps TLP 1.0's "white" to Clear.
func ParseTLP(s string) (TLP, bool) {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	s = string(b)
	if len(s) > 4 && s[:4] == "tlp:" {
		s = s[4:]
	}
	switch s {
	case "white":
		return TLPClear, true
	case "amber-strict", "amber_strict":
		return TLPAmberStrict, true
	}
	for i, n := range tlpNames {
		if n == s {
			return TLP(i), true
		}
	}
	return 0, false
}

// MarshalText writes the level's name.
func (t TLP) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a level's name (see ParseTLP).
func (t *TLP) UnmarshalText(b []byte) error {
	v, ok := ParseTLP(string(b))
	if !ok {
		return Errorf(EINVALID, "unknown TLP level %q (want clear, green, amber, amber+strict or red)", string(b))
	}
	*t = v
	return nil
}

// Clock tells the time. The hub's date added, expiries and deadlines all come from one
// Clock so that tests can control time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
