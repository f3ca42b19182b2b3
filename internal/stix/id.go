package stix

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
)

// NewID returns a fresh identifier "<typ>--<uuid>" with a random (version 4) UUID.
func NewID(typ string) string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic("stix: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return typ + "--" + formatUUID(u)
}

// DeriveID returns the identifier "<typ>--<uuid>" whose UUID is the version 5 (SHA-1,
// name-based) UUID of name in the namespace UUID ns. The same inputs always give the same
// id, so identifiers derived from a hub's UUID survive backup, restore and other nodes.
// ns must be a UUID in its 8-4-4-4-12 form; an invalid ns is treated as the nil UUID.
func DeriveID(typ, ns, name string) string {
	var nsb [16]byte
	if b, err := hex.DecodeString(stripDashes(ns)); err == nil && len(b) == 16 {
		copy(nsb[:], b)
	}
	h := sha1.New()
	h.Write(nsb[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return typ + "--" + formatUUID(u)
}

func stripDashes(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// ValidID reports whether s has the form of a STIX identifier: "<type>--<uuid>", where the
// type has the form ValidType checks and the UUID the form ValidUUID checks. Validation of
// a submitted object is stricter (the type must be a valid type name, the UUID carry an
// RFC 9562 version and variant); this is the check for ids that only look objects up.
func ValidID(s string) bool {
	i := len(s) - 38
	return i >= 0 && s[i] == '-' && s[i+1] == '-' && ValidType(s[:i]) && ValidUUID(s[i+2:])
}

// ValidType reports whether s has the form of a STIX object type: 3 to 250 characters of
// a-z, 0-9 and hyphens.
func ValidType(s string) bool {
	if len(s) < 3 || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidUUID reports whether s has the 8-4-4-4-12 hexadecimal form of a UUID, in either
// case (as the OASIS schemas accept).
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
