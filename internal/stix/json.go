package stix

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// This file holds a small single-pass JSON scanner. It checks what encoding/json would check
// (syntax, UTF-8) and what it would not (nesting depth, duplicate keys, unpaired surrogate
// escapes), without building any value: callers get sub-slices of the input. Everything that
// arrives may be hostile, and ambiguous JSON (two values for one key) is refused rather than
// resolved one way by us and another way by the next consumer.

// syntaxError is a JSON-level problem at byte offset Off of the scanned text.
type syntaxError struct {
	Off    int
	Reason string
	// Key is the member name involved (duplicate keys), when there is one.
	Key string
}

func (e *syntaxError) Error() string { return e.Reason + " at offset " + strconv.Itoa(e.Off) }

// member is one member of a JSON object: its decoded name and its raw value.
type member struct {
	key []byte // the decoded name; a sub-slice of the input when it had no escapes
	val []byte // the raw value, a sub-slice of the input
}

// maxLinearKeys is how many keys an object may have before duplicate detection switches
// from comparing against every earlier key to a map, so that a hostile object with many
// keys costs linear time.
const maxLinearKeys = 24

// scanner validates JSON text held in memory.
type scanner struct {
	data     []byte
	maxDepth int
	// keys is a stack of the member names of the objects being scanned, shared by all
	// levels to avoid an allocation per object.
	keys [][]byte
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

func (s *scanner) fail(off int, reason string) error {
	return &syntaxError{Off: off, Reason: reason}
}

// value scans the value starting at data[i] (no leading space) at nesting depth depth
// (a top-level object or array is at depth 1) and returns the offset just past it.
func (s *scanner) value(i, depth int) (int, error) {
	if i >= len(s.data) {
		return i, s.fail(i, "unexpected end of JSON input")
	}
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i, depth, nil)
	case c == '[':
		return s.array(i, depth)
	case c == '"':
		end, _, err := s.str(i)
		return end, err
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number(i)
	default:
		return i, s.fail(i, "invalid character "+quoteByte(c)+" looking for a value")
	}
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.Quote(string(rune(c)))
}

func (s *scanner) literal(i int, lit string) (int, error) {
	if !bytes.HasPrefix(s.data[i:], []byte(lit)) {
		return i, s.fail(i, "invalid literal, expected "+lit)
	}
	return i + len(lit), nil
}

func (s *scanner) number(i int) (int, error) {
	d := s.data
	start := i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return i, s.fail(start, "invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return i, s.fail(start, "invalid number")
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return i, s.fail(start, "invalid number")
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// str scans the string starting at data[i] == '"'. It returns the offset past the closing
// quote and whether the string has escapes.
func (s *scanner) str(i int) (int, bool, error) {
	d := s.data
	start := i
	i++
	escaped := false
	for {
		// Fast path over plain ASCII.
		for i < len(d) {
			c := d[i]
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				break
			}
			i++
		}
		if i >= len(d) {
			return i, escaped, s.fail(start, "unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return i, escaped, s.fail(start, "unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				r, ok := hex4(d, i+2)
				if !ok {
					return i, escaped, s.fail(i, "invalid \\u escape in string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A high surrogate must be followed by an escaped low surrogate;
					// anything else would decode to U+FFFD in one reader and to garbage in
					// another.
					if r >= 0xdc00 || i+1 >= len(d) || d[i] != '\\' || d[i+1] != 'u' {
						return i, escaped, s.fail(i-6, "unpaired surrogate escape in string")
					}
					r2, ok := hex4(d, i+2)
					if !ok || r2 < 0xdc00 || r2 > 0xdfff {
						return i, escaped, s.fail(i-6, "unpaired surrogate escape in string")
					}
					i += 6
				}
			default:
				return i, escaped, s.fail(i, "invalid escape in string")
			}
		case c < 0x20:
			return i, escaped, s.fail(i, "control character in string")
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, escaped, s.fail(i, "invalid UTF-8 in string")
			}
			i += size
		}
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (s *scanner) tooDeep(i, depth int) error {
	if depth > s.maxDepth {
		return s.fail(i, "nesting deeper than "+strconv.Itoa(s.maxDepth)+" levels")
	}
	return nil
}

func (s *scanner) array(i, depth int) (int, error) {
	if err := s.tooDeep(i, depth); err != nil {
		return i, err
	}
	d := s.data
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = s.value(i, depth+1); err != nil {
			return i, err
		}
		i = skipSpace(d, i)
		if i >= len(d) {
			return i, s.fail(i, "unexpected end of JSON input")
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, s.fail(i, "invalid character "+quoteByte(d[i])+" after array element")
		}
	}
}

// object scans the object starting at data[i] == '{'. When out is not nil the object's
// members are appended to it.
func (s *scanner) object(i, depth int, out *[]member) (int, error) {
	if err := s.tooDeep(i, depth); err != nil {
		return i, err
	}
	d := s.data
	base := len(s.keys)
	defer func() { s.keys = s.keys[:base] }()
	var seen map[string]struct{}
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(d) || d[i] != '"' {
			if i >= len(d) {
				return i, s.fail(i, "unexpected end of JSON input")
			}
			return i, s.fail(i, "invalid character "+quoteByte(d[i])+" looking for an object key")
		}
		kstart := i
		kend, escaped, err := s.str(i)
		if err != nil {
			return kend, err
		}
		key := d[kstart+1 : kend-1]
		if escaped {
			key = unescape(key)
		}
		// Duplicate keys: compare with the keys seen so far in this object.
		n := len(s.keys) - base
		switch {
		case seen != nil:
			if _, dup := seen[keyView(key)]; dup {
				return kstart, &syntaxError{Off: kstart, Reason: "duplicate key " + strconv.Quote(clip(string(key))), Key: string(key)}
			}
			seen[keyView(key)] = struct{}{}
		default:
			for _, k := range s.keys[base:] {
				if string(k) == string(key) {
					return kstart, &syntaxError{Off: kstart, Reason: "duplicate key " + strconv.Quote(clip(string(key))), Key: string(key)}
				}
			}
			if n+1 > maxLinearKeys {
				seen = make(map[string]struct{}, 2*maxLinearKeys)
				for _, k := range s.keys[base:] {
					seen[keyView(k)] = struct{}{}
				}
				seen[keyView(key)] = struct{}{}
			}
		}
		s.keys = append(s.keys, key)
		i = skipSpace(d, kend)
		if i >= len(d) || d[i] != ':' {
			if i >= len(d) {
				return i, s.fail(i, "unexpected end of JSON input")
			}
			return i, s.fail(i, "invalid character "+quoteByte(d[i])+" after object key")
		}
		i = skipSpace(d, i+1)
		vstart := i
		if i, err = s.value(i, depth+1); err != nil {
			return i, err
		}
		if out != nil {
			*out = append(*out, member{key: key, val: d[vstart:i]})
		}
		i = skipSpace(d, i)
		if i >= len(d) {
			return i, s.fail(i, "unexpected end of JSON input")
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, s.fail(i, "invalid character "+quoteByte(d[i])+" after object member")
		}
	}
}

// keyView returns a key as a string without copying it, for the duplicate map: the
// bytes (the input, or a decoded copy) stay unchanged while the object is scanned, and a
// copy per key would let a hostile object with a million keys cost a million allocations.
func keyView(k []byte) string { return unsafe.String(unsafe.SliceData(k), len(k)) }

// unescape decodes the body of a JSON string (without quotes) that the scanner accepted.
func unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(b, i+2)
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(b, i+8)
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			out = append(out, b[i+1])
		}
		i += 2
	}
	return out
}

// The helpers below walk JSON that the scanner has already accepted, so they do not check
// syntax again.

// skipValue returns the offset just past the valid value starting at data[i].
func skipValue(d []byte, i int) int {
	switch d[i] {
	case '"':
		return skipString(d, i)
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				i = skipString(d, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for i < len(d) && !isSpace(d[i]) && d[i] != ',' && d[i] != ']' && d[i] != '}' {
			i++
		}
		return i
	}
}

func skipString(d []byte, i int) int {
	for i++; i < len(d); i++ {
		switch d[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// elements calls fn with each element of the valid JSON array raw, stopping when fn
// returns false.
func elements(raw []byte, fn func(i int, v []byte) bool) {
	i := skipSpace(raw, 1)
	for n := 0; i < len(raw) && raw[i] != ']'; n++ {
		end := skipValue(raw, i)
		if !fn(n, raw[i:end]) {
			return
		}
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
}

// members calls fn with each member of the valid JSON object raw, stopping when fn returns
// false. The key passed to fn is decoded.
func members(raw []byte, fn func(key []byte, v []byte) bool) {
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] == '"' {
		kend := skipString(raw, i)
		key := raw[i+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = unescape(key)
		}
		i = skipSpace(raw, kend)
		i = skipSpace(raw, i+1) // past ':'
		end := skipValue(raw, i)
		if !fn(key, raw[i:end]) {
			return
		}
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
}

// lookup returns the raw value of the member named key of the valid JSON object raw.
func lookup(raw []byte, key string) ([]byte, bool) {
	var out []byte
	found := false
	members(raw, func(k, v []byte) bool {
		if string(k) == key {
			out, found = v, true
			return false
		}
		return true
	})
	return out, found
}

// stringValue returns the decoded JSON string raw, and false when raw is not a string.
func stringValue(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		return string(unescape(body)), true
	}
	return string(body), true
}

// clip shortens a submitted value before it is echoed in an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	// Do not cut a UTF-8 sequence in two.
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
