package match

import (
	"net/netip"
	"strings"

	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// fieldKey names a compiled property: an SCO type and the path inside it, spelled as
// pattern.ObjectPath.String spells it after the "type:" prefix ("value",
// "hashes.'SHA-256'", "name").
type fieldKey struct{ typ, path string }

// normKind says how the values of a property are brought to one spelling before they
// are compared, on both sides: pattern constants at compile time, observed values at
// match time.
type normKind uint8

const (
	normExact  normKind = iota // as written: URLs and every other string property
	normIP                     // ipv4-addr:value, ipv6-addr:value: the netip form
	normDomain                 // domain-name:value: ASCII lower case, no trailing dot
	normEmail                  // email-addr:value: ASCII lower case
	normHash                   // a value of a hashes dictionary: lower case when hexadecimal
)

// numericProps are the properties the observation builder turns into numbers (the
// STIX integer properties the readers emit). Equality with a string constant never holds
// on them, so the fast path leaves them to the evaluator.
var numericProps = map[string]bool{
	"src_port": true, "dst_port": true, "src_byte_count": true, "dst_byte_count": true,
	"src_packets": true, "dst_packets": true, "size": true, "pid": true,
}

// listProps are the list properties the observation builder appends to.
var listProps = map[string]bool{"protocols": true}

// hashAlgNames maps a hash algorithm name, upper-cased without hyphens or underscores,
// to its spelling in the STIX hash-algorithm vocabulary, so that file:hashes.SHA256,
// file:hashes.sha256 and file:hashes.'SHA-256' are one property.
var hashAlgNames = map[string]string{
	"MD5": "MD5", "SHA1": "SHA-1", "SHA224": "SHA-224", "SHA256": "SHA-256", "SHA384": "SHA-384",
	"SHA512": "SHA-512", "SHA3224": "SHA3-224", "SHA3256": "SHA3-256", "SHA3384": "SHA3-384",
	"SHA3512": "SHA3-512", "SSDEEP": "SSDEEP", "TLSH": "TLSH",
}

// canonicalHashAlg returns the vocabulary spelling of a hash algorithm name, or the name
// unchanged when it is not a known algorithm.
func canonicalHashAlg(name string) string {
	var buf [16]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' {
			continue
		}
		if n == len(buf) {
			return name
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	if s, ok := hashAlgNames[string(buf[:n])]; ok {
		return s
	}
	return name
}

// classifyPath says how the fast path treats a property of objects of type typ reached
// by the key steps keys: its canonical path, its normalisation, and whether equality on
// it can be compiled at all (ok). Paths that step through references (_ref, _refs), whose
// values the evaluator converts (_hex, _bin), that the builder turns into numbers or
// lists, or that reach into a hashes dictionary other than at its last step are left to
// the evaluator.
func classifyPath(typ string, keys []string) (path string, norm normKind, ok bool) {
	if len(keys) == 0 {
		return "", 0, false
	}
	for i, k := range keys {
		if strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") ||
			strings.HasSuffix(k, "_hex") || strings.HasSuffix(k, "_bin") {
			return "", 0, false
		}
		if k == "hashes" && i != len(keys)-2 {
			return "", 0, false
		}
	}
	last := keys[len(keys)-1]
	if len(keys) == 1 && (numericProps[last] || listProps[last]) {
		return "", 0, false
	}
	switch {
	case len(keys) == 1 && last == "value" && (typ == "ipv4-addr" || typ == "ipv6-addr"):
		return "value", normIP, true
	case len(keys) == 1 && last == "value" && typ == "domain-name":
		return "value", normDomain, true
	case len(keys) == 1 && last == "value" && typ == "email-addr":
		return "value", normEmail, true
	case len(keys) == 1:
		return renderPath(typ, keys), normExact, true
	case keys[len(keys)-2] == "hashes":
		canon := append(keys[:len(keys)-1:len(keys)-1], canonicalHashAlg(last))
		return renderPath(typ, canon), normHash, true
	}
	return renderPath(typ, keys), normExact, true
}

// renderPath spells a key-only path as pattern.ObjectPath.String does, without the type.
func renderPath(typ string, keys []string) string {
	op := pattern.ObjectPath{Type: typ, Steps: make([]pattern.PathStep, len(keys))}
	for i, k := range keys {
		op.Steps[i] = pattern.PathStep{Kind: pattern.StepKey, Key: k}
	}
	return strings.TrimPrefix(op.String(), typ+":")
}

// pathKeys returns the keys of a path made only of key steps.
func pathKeys(p pattern.ObjectPath) ([]string, bool) {
	keys := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		if s.Kind != pattern.StepKey {
			return nil, false
		}
		keys[i] = s.Key
	}
	return keys, true
}

// splitPath splits the path of an Observable ("value", "hashes.'SHA-256'",
// "src_ref.value") into its keys. Quoted keys may escape ' and \ with a backslash. List
// steps ([0], [*]) are not part of an observable's path.
func splitPath(path string) ([]string, bool) {
	var keys []string
	for i := 0; i <= len(path); {
		if i == len(path) {
			return nil, false // empty path, or a trailing dot
		}
		if path[i] == '\'' {
			var b strings.Builder
			j := i + 1
			for ; j < len(path) && path[j] != '\''; j++ {
				if path[j] == '\\' && j+1 < len(path) {
					j++
				}
				b.WriteByte(path[j])
			}
			if j >= len(path) {
				return nil, false
			}
			keys = append(keys, b.String())
			i = j + 1
		} else {
			j := i
			for j < len(path) && path[j] != '.' {
				if path[j] == '[' || path[j] == '\'' {
					return nil, false
				}
				j++
			}
			if j == i {
				return nil, false
			}
			keys = append(keys, path[i:j])
			i = j
		}
		if i == len(path) {
			return keys, true
		}
		if path[i] != '.' {
			return nil, false
		}
		i++
	}
	return keys, true
}

// canonicalObservablePath returns the canonical spelling of an observable's path when it
// names a hash by another spelling of its algorithm ("hashes.SHA256"), else "".
func canonicalObservablePath(typ, path string) string {
	if !strings.HasPrefix(path, "hashes.") {
		return ""
	}
	keys, ok := splitPath(path)
	if !ok || len(keys) != 2 {
		return ""
	}
	canon, _, ok := classifyPath(typ, keys)
	if !ok || canon == path {
		return ""
	}
	return canon
}

// canonicalText is the one spelling of a value under a normalisation. Two values are
// equal for the matcher exactly when their canonical texts are equal; the binary keys of
// appendKey preserve that.
func canonicalText(norm normKind, v string) string {
	switch norm {
	case normIP:
		if strings.IndexByte(v, '/') >= 0 {
			if p, err := netip.ParsePrefix(v); err == nil {
				return p.String()
			}
			return v
		}
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
			return a.String()
		}
	case normDomain:
		return lowerASCII(strings.TrimSuffix(v, "."))
	case normEmail:
		return lowerASCII(v)
	case normHash:
		if isHex(v) {
			return lowerASCII(v)
		}
	}
	return v
}

// appendIPKey appends the binary key of an IP value: the 4 or 16 address bytes, or for a
// network the address bytes and the prefix length (host bits kept, since equality is
// textual). ok is false for a value that is neither; it is then matched as written.
func appendIPKey(dst []byte, v string) ([]byte, bool) {
	if !plausibleIP(v) {
		return dst, false
	}
	if strings.IndexByte(v, '/') >= 0 {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return dst, false
		}
		return append(appendAddr(dst, p.Addr()), byte(p.Bits())), true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return dst, false
	}
	return appendAddr(dst, a), true
}

// plausibleIP is a cheap test that rules out most values that are not addresses or
// networks before netip parses them (its errors allocate).
func plausibleIP(v string) bool {
	if len(v) < 2 || len(v) > 64 {
		return false
	}
	colon := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9', c == '.', c == '/':
		case c == ':':
			colon = true
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			if !colon && strings.IndexByte(v[i:], ':') < 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return append(dst, b[:]...)
	}
	b := a.As16()
	return append(dst, b[:]...)
}

// needsFold reports whether a value of a case-folded kind may need folding before a
// lookup: it holds an ASCII upper-case letter (or, for a domain name, ends in a dot).
// It reads eight bytes at a time, since every observed value goes through it; the slow
// path folds only what canonicalText folds.
func needsFold(norm normKind, v string) bool {
	if norm == normDomain && strings.HasSuffix(v, ".") {
		return true
	}
	const ones, high = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		y := x &^ high                      // the low seven bits of each byte: no carry below
		geA := (y + (0x80-'A')*ones) & high // bytes >= 'A'
		gtZ := (y + (0x7f-'Z')*ones) & high // bytes > 'Z'
		if geA&^gtZ&^x != 0 {               // >= 'A', <= 'Z', and ASCII
			return true
		}
	}
	for ; i < len(v); i++ {
		if 'A' <= v[i] && v[i] <= 'Z' {
			return true
		}
	}
	return false
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
