package match

import (
	"strconv"
	"unicode/utf8"
)

// jsonScanner checks that a line is one JSON object (RFC 8259) and calls visit with each
// scalar in it: its key path (object keys joined by dots, "id.orig_h"; array elements
// take the path of their array), its value (strings unescaped) and whether it is a
// string. It allocates nothing once its buffers have grown; the slices passed to visit
// are valid only during the call.
type jsonScanner struct {
	data  []byte
	pos   int
	path  []byte
	str   []byte
	visit func(path, val []byte, isString bool)
}

const maxJSONDepth = 64

type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.off+1) + ": " + e.msg
}

func (s *jsonScanner) fail(msg string) error { return &jsonError{s.pos, msg} }

// scan scans one line.
func (s *jsonScanner) scan(data []byte) error {
	s.data, s.pos, s.path = data, 0, s.path[:0]
	s.ws()
	if s.pos >= len(data) || data[s.pos] != '{' {
		return s.fail("expected a JSON object")
	}
	if err := s.value(0); err != nil {
		return err
	}
	s.ws()
	if s.pos != len(data) {
		return s.fail("data after the JSON object")
	}
	return nil
}

func (s *jsonScanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScanner) value(depth int) error {
	if depth > maxJSONDepth {
		return s.fail("nested too deeply")
	}
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of line")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		s.pos++
		s.ws()
		if s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			return nil
		}
		base := len(s.path)
		for {
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return s.fail("expected a string key")
			}
			key, err := s.string()
			if err != nil {
				return err
			}
			s.ws()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return s.fail("expected ':'")
			}
			s.pos++
			s.ws()
			if base > 0 {
				s.path = append(s.path, '.')
			}
			s.path = append(s.path, key...)
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.path = s.path[:base]
			s.ws()
			if s.pos < len(s.data) && s.data[s.pos] == ',' {
				s.pos++
				s.ws()
				continue
			}
			if s.pos < len(s.data) && s.data[s.pos] == '}' {
				s.pos++
				return nil
			}
			return s.fail("expected ',' or '}'")
		}
	case c == '[':
		s.pos++
		s.ws()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.pos < len(s.data) && s.data[s.pos] == ',' {
				s.pos++
				s.ws()
				continue
			}
			if s.pos < len(s.data) && s.data[s.pos] == ']' {
				s.pos++
				return nil
			}
			return s.fail("expected ',' or ']'")
		}
	case c == '"':
		v, err := s.string()
		if err != nil {
			return err
		}
		s.visit(s.path, v, true)
		return nil
	case c == '-' || '0' <= c && c <= '9':
		start := s.pos
		if err := s.number(); err != nil {
			return err
		}
		s.visit(s.path, s.data[start:s.pos], false)
		return nil
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
				s.pos += len(lit)
				return nil
			}
		}
		return s.fail("unexpected character " + strconv.QuoteRune(rune(c)))
	}
}

// number skips a number, checking its form.
func (s *jsonScanner) number() error {
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '-' {
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
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	s.pos = i
	return nil
}

// string reads the string at s.pos and returns its value: a slice of the line when it
// has no escapes, else of s.str (valid until the next call).
func (s *jsonScanner) string() ([]byte, error) {
	d := s.data
	s.pos++
	start := s.pos
	for i := start; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], nil
		case c == '\\':
			s.pos = i
			return s.unescape(start)
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in string")
		}
	}
	s.pos = len(d)
	return nil, s.fail("unterminated string")
}

func (s *jsonScanner) unescape(start int) ([]byte, error) {
	d := s.data
	out := append(s.str[:0], d[start:s.pos]...)
	i := s.pos
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.str = out
			return out, nil
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in string")
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			break
		}
		switch e := d[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
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
			r, ok := hex4(d, i+2)
			if !ok {
				s.pos = i
				return nil, s.fail("invalid \\u escape")
			}
			i += 6
			if utf16High(r) {
				if r2, ok := hex4(d, i+2); ok && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' && utf16Low(r2) {
					r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
					i += 6
				} else {
					r = utf8.RuneError
				}
			} else if utf16Low(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			s.pos = i
			return nil, s.fail("invalid escape")
		}
		i += 2
	}
	s.pos = len(d)
	s.str = out
	return nil, s.fail("unterminated string")
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

func utf16High(r rune) bool { return 0xd800 <= r && r < 0xdc00 }
func utf16Low(r rune) bool  { return 0xdc00 <= r && r < 0xe000 }
