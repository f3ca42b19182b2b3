package match

import (
	"strconv"

	"github.com/firebreak/firebreak/internal/stix"
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
	end, ok := stix.NumberEnd(s.data, s.pos)
	s.pos = end
	if !ok {
		return s.fail("invalid number")
	}
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
			out, end, reason := stix.AppendString(append(s.str[:0], d[start:i]...), d, i)
			s.pos = end
			if reason != "" {
				return nil, s.fail(reason)
			}
			s.str = out
			return out, nil
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in string")
		}
	}
	s.pos = len(d)
	return nil, s.fail("unterminated string")
}
