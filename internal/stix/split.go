package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	firebreak "github.com/firebreak/firebreak"
)

// utf8BOM is tolerated at the very start of a bundle or envelope: files saved by some
// editors begin with one, and it carries no meaning.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

func skipBOM(b []byte) int {
	if len(b) >= 3 && b[0] == utf8BOM[0] && b[1] == utf8BOM[1] && b[2] == utf8BOM[2] {
		return 3
	}
	return 0
}

func invalid(format string, args ...any) *firebreak.Error {
	return firebreak.Errorf(firebreak.EINVALID, format, args...)
}

// jsonInvalid turns a scanner error into the client-safe error of SplitObjects and Reader;
// base is the offset of the scanned text in the whole input.
func jsonInvalid(err error, base int64) *firebreak.Error {
	var se *syntaxError
	if errors.As(err, &se) {
		return invalid("invalid JSON: %s at offset %d", se.Reason, base+int64(se.Off))
	}
	return invalid("invalid JSON: %v", err)
}

// SplitObjects reads a TAXII envelope or a STIX bundle held in memory (a JSON object with
// an "objects" array; a bundle's "type", if present, must be "bundle") and returns the
// array's elements as sub-slices of body, byte for byte. The whole body must be valid,
// unambiguous JSON: invalid JSON or UTF-8, nesting deeper than the default MaxDepth,
// duplicate keys at any level, an "objects" that is not an array and trailing data are
// EINVALID errors. An element that is not a JSON object is still returned (Parse then
// rejects it with a message of its own): the envelope itself is valid. An envelope without
// "objects" has no objects.
func SplitObjects(body []byte) ([]json.RawMessage, error) {
	return SplitObjectsWith(body, Options{})
}

// SplitObjectsWith is SplitObjects with explicit limits (MaxObjectBytes is not applied
// here: Parse applies it to each object).
func SplitObjectsWith(body []byte, opts Options) ([]json.RawMessage, error) {
	opts = opts.withDefaults()
	i := skipSpace(body, skipBOM(body))
	if i >= len(body) {
		return nil, invalid("empty body: expected a STIX bundle or a TAXII envelope (a JSON object with an \"objects\" array)")
	}
	if body[i] != '{' {
		return nil, invalid("expected a STIX bundle or a TAXII envelope (a JSON object with an \"objects\" array)")
	}
	s := scanner{data: body, maxDepth: opts.MaxDepth}
	var top []member
	end, err := s.object(i, 1, &top)
	if err != nil {
		return nil, jsonInvalid(err, 0)
	}
	if j := skipSpace(body, end); j != len(body) {
		return nil, invalid("invalid JSON: data after the top-level object at offset %d", j)
	}
	var objects []byte
	for _, m := range top {
		switch string(m.key) {
		case "objects":
			if m.val[0] != '[' {
				return nil, invalid("\"objects\" must be an array of STIX objects")
			}
			objects = m.val
		case "type":
			if err := checkEnvelopeType(m.val); err != nil {
				return nil, err
			}
		}
	}
	if objects == nil {
		return nil, nil
	}
	var out []json.RawMessage
	elements(objects, func(_ int, v []byte) bool {
		out = append(out, json.RawMessage(v[:len(v):len(v)]))
		return true
	})
	return out, nil
}

func checkEnvelopeType(raw []byte) error {
	if t, ok := stringValue(raw); !ok || t != "bundle" {
		return invalid("\"type\" is %s: a bundle's type must be \"bundle\" (a TAXII envelope has none)", clip(string(raw)))
	}
	return nil
}

// Reader streams the objects of a bundle or envelope file, however large, holding at most
// one object (plus a read buffer) in memory. It also accepts a top-level JSON array of
// objects, and a single bare STIX object (a JSON object without "objects" whose "type" is
// not "bundle"), which it returns once. The JSON is checked as SplitObjects checks it; an
// error found after some objects were returned (say, a second "objects" member) is returned
// by the Next call that finds it.
type Reader struct {
	r    io.Reader
	opts Options
	buf  []byte
	pos  int   // next unread byte in buf
	base int64 // offset in the stream of buf[0]
	eof  bool  // r is exhausted
	err  error // sticky: once set, Next returns it
	st   readerState
	// keys are the envelope's member names seen so far.
	keys map[string]bool
	// pin, when not -1, is the offset in buf of bytes that compact must keep (the start of
	// a top-level object that may turn out to be a bare object).
	pin int
	// empty counts reads in a row that returned nothing.
	empty int
	// stack and scratch are reused from one object to the next.
	stack   []byte
	scratch [][]byte
	// elemDepth is the nesting depth of the objects: 2 in an array, 3 in an envelope.
	elemDepth int
}

type readerState int

const (
	stStart        readerState = iota
	stArrayFirst               // inside the top-level array, before its first element
	stArrayNext                // inside the top-level array, after an element
	stObjectsFirst             // inside the envelope's "objects", before its first element
	stObjectsNext              // inside the envelope's "objects", after an element
	stMembers                  // in the envelope after its "objects" array
	stEnd                      // only space may follow
	stDone
)

const readChunk = 64 << 10

// NewReader returns a Reader of r with the default limits.
func NewReader(r io.Reader) *Reader { return NewReaderWith(r, Options{}) }

// NewReaderWith returns a Reader of r with explicit limits; MaxObjectBytes, when set,
// bounds the size of one object (and so the memory the Reader uses).
func NewReaderWith(r io.Reader, opts Options) *Reader {
	return &Reader{r: r, opts: opts.withDefaults(), pin: -1}
}

// Next returns the next object, byte for byte as in the input (a fresh copy the caller
// owns), or io.EOF after the last one. Other errors are *firebreak.Error (EINVALID for
// malformed input, ETOOLARGE for an object over MaxObjectBytes) or the underlying
// reader's error, and are returned again by every later call.
func (r *Reader) Next() (json.RawMessage, error) {
	if r.err != nil {
		return nil, r.err
	}
	obj, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return obj, nil
}

func (r *Reader) next() (json.RawMessage, error) {
	for {
		switch r.st {
		case stStart:
			obj, err := r.start()
			if err != nil || obj != nil {
				return obj, err
			}
		case stArrayFirst, stArrayNext, stObjectsFirst, stObjectsNext:
			obj, err := r.element()
			if err != nil || obj != nil {
				return obj, err
			}
		case stMembers:
			if err := r.envelopeMembers(); err != nil {
				return nil, err
			}
		case stEnd:
			if err := r.skipSpace(); err != nil {
				return nil, err
			}
			if r.pos < len(r.buf) {
				return nil, invalid("invalid JSON: data after the top-level value at offset %d", r.offset(r.pos))
			}
			r.st = stDone
		case stDone:
			return nil, io.EOF
		}
	}
}

func (r *Reader) offset(i int) int64 { return r.base + int64(i) }

// fill reads more input into buf; it returns false at the end of the input.
func (r *Reader) fill() (bool, error) {
	if r.eof {
		return false, nil
	}
	if cap(r.buf)-len(r.buf) < readChunk/2 {
		nb := make([]byte, len(r.buf), 2*cap(r.buf)+readChunk)
		copy(nb, r.buf)
		r.buf = nb
	}
	n, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
	r.buf = r.buf[:len(r.buf)+n]
	if n == 0 && err == nil {
		if r.empty++; r.empty > 100 {
			return false, io.ErrNoProgress
		}
	} else {
		r.empty = 0
	}
	switch {
	case err == io.EOF:
		r.eof = true
	case err != nil:
		return false, err
	}
	return n > 0 || !r.eof, nil
}

// compact drops consumed input so that the buffer holds no more than one object.
func (r *Reader) compact() {
	drop := r.pos
	if r.pin >= 0 && r.pin < drop {
		drop = r.pin
	}
	if drop == 0 {
		return
	}
	n := copy(r.buf, r.buf[drop:])
	r.buf = r.buf[:n]
	r.base += int64(drop)
	r.pos -= drop
	if r.pin >= 0 {
		r.pin -= drop
	}
}

// skipSpace advances past white space; at the end of input it leaves pos == len(buf).
func (r *Reader) skipSpace() error {
	for {
		for r.pos < len(r.buf) && isSpace(r.buf[r.pos]) {
			r.pos++
		}
		if r.pos < len(r.buf) {
			return nil
		}
		r.compact()
		more, err := r.fill()
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// peek returns the next byte after white space, failing at the end of input.
func (r *Reader) peek() (byte, error) {
	if err := r.skipSpace(); err != nil {
		return 0, err
	}
	if r.pos >= len(r.buf) {
		return 0, invalid("invalid JSON: unexpected end of input at offset %d", r.offset(r.pos))
	}
	return r.buf[r.pos], nil
}

func (r *Reader) start() (json.RawMessage, error) {
	// A byte-order mark is tolerated at the very start only.
	for len(r.buf) < 3 {
		more, err := r.fill()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	r.pos = skipBOM(r.buf)
	c, err := r.peek()
	if err != nil {
		if r.pos >= len(r.buf) {
			return nil, invalid("empty input: expected a STIX bundle, a TAXII envelope, an array of objects or one object")
		}
		return nil, err
	}
	switch c {
	case '[':
		r.pos++
		r.st, r.elemDepth = stArrayFirst, 2
		return nil, nil
	case '{':
		return r.topObject()
	}
	return nil, invalid("expected a STIX bundle, a TAXII envelope, an array of objects or one object, found %s at offset %d", quoteByte(c), r.offset(r.pos))
}

// scanValue finds the extent of the JSON value at pos (after space), reading more input as
// needed, and checks it as a value at nesting depth depth. It returns the value's bounds
// in buf and leaves pos after it.
func (r *Reader) scanValue(depth int) (int, int, error) {
	c, err := r.peek()
	if err != nil {
		return 0, 0, err
	}
	start := r.pos
	j := start
	// The closers of the open containers: a mismatch or excess depth fails at once
	// instead of reading on to the end of the input.
	stack := r.stack[:0]
	defer func() { r.stack = stack[:0] }()
	inString, escaped := false, false
	scalar := c != '{' && c != '[' && c != '"'
	done := false
	for !done {
		if j >= len(r.buf) {
			more, err := r.fill()
			if err != nil {
				return 0, 0, err
			}
			if !more {
				if scalar {
					break
				}
				return 0, 0, invalid("invalid JSON: unexpected end of input at offset %d", r.offset(j))
			}
			continue
		}
		if r.opts.MaxObjectBytes > 0 && j-start >= r.opts.MaxObjectBytes {
			return 0, 0, firebreak.Errorf(firebreak.ETOOLARGE, "an object at offset %d is larger than %d bytes", r.offset(start), r.opts.MaxObjectBytes)
		}
		b := r.buf[j]
		j++
		switch {
		case scalar:
			if isSpace(b) || b == ',' || b == ']' || b == '}' {
				j--
				done = true
			}
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
				done = len(stack) == 0
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			if depth+len(stack) > r.opts.MaxDepth {
				return 0, 0, invalid("invalid JSON: nesting deeper than %d levels at offset %d", r.opts.MaxDepth, r.offset(j-1))
			}
			closer := byte('}')
			if b == '[' {
				closer = ']'
			}
			stack = append(stack, closer)
		case b == '}' || b == ']':
			if len(stack) == 0 || stack[len(stack)-1] != b {
				return 0, 0, invalid("invalid JSON: unexpected %s at offset %d", quoteByte(b), r.offset(j-1))
			}
			stack = stack[:len(stack)-1]
			done = len(stack) == 0
		}
	}
	s := scanner{data: r.buf[start:j], maxDepth: r.opts.MaxDepth, keys: r.scratch[:0]}
	end, err := s.value(0, depth)
	r.scratch = s.keys[:0]
	if err == nil && end != j-start {
		err = s.fail(end, "invalid character "+quoteByte(r.buf[start+end])+" in value")
	}
	if err != nil {
		return 0, 0, jsonInvalid(err, r.offset(start))
	}
	r.pos = j
	return start, j, nil
}

// element returns the next element of the array being read, or nil after its end.
func (r *Reader) element() (json.RawMessage, error) {
	c, err := r.peek()
	if err != nil {
		return nil, err
	}
	first := r.st == stArrayFirst || r.st == stObjectsFirst
	if c == ']' {
		r.pos++
		if r.st == stArrayFirst || r.st == stArrayNext {
			r.st = stEnd
		} else {
			r.st = stMembers
		}
		return nil, nil
	}
	if !first {
		if c != ',' {
			return nil, invalid("invalid JSON: invalid character %s after array element at offset %d", quoteByte(c), r.offset(r.pos))
		}
		r.pos++
	}
	r.compact()
	start, end, err := r.scanValue(r.elemDepth)
	if err != nil {
		return nil, err
	}
	switch r.st {
	case stArrayFirst:
		r.st = stArrayNext
	case stObjectsFirst:
		r.st = stObjectsNext
	}
	return append(json.RawMessage(nil), r.buf[start:end]...), nil
}

// topObject reads a top-level object member by member until it finds an "objects" array
// (then it is an envelope, whose objects are streamed) or its end (then it is a bare
// object, returned whole, or an envelope without objects). Until then the object's bytes
// stay in the buffer.
func (r *Reader) topObject() (json.RawMessage, error) {
	r.pin = r.pos
	defer func() { r.pin = -1 }()
	r.pos++ // '{'
	r.keys = map[string]bool{}
	var typ []byte
	var objectsNotArray bool
	for n := 0; ; n++ {
		c, err := r.peek()
		if err != nil {
			return nil, err
		}
		if n == 0 && c == '}' {
			r.pos++
			break
		}
		if n > 0 {
			if c == '}' {
				r.pos++
				break
			}
			if c != ',' {
				return nil, invalid("invalid JSON: invalid character %s after object member at offset %d", quoteByte(c), r.offset(r.pos))
			}
			r.pos++
		}
		key, err := r.key()
		if err != nil {
			return nil, err
		}
		c, err = r.peek()
		if err != nil {
			return nil, err
		}
		if key == "objects" && c == '[' {
			// An envelope: forget the bytes read so far and stream the array.
			if typ != nil {
				if err := checkEnvelopeType(typ); err != nil {
					return nil, err
				}
			}
			r.pos++
			r.st, r.elemDepth = stObjectsFirst, 3
			return nil, nil
		}
		vs, ve, err := r.scanValue(2)
		if err != nil {
			return nil, err
		}
		switch key {
		case "type":
			typ = append([]byte(nil), r.buf[vs:ve]...)
		case "objects":
			objectsNotArray = true
		}
	}
	raw := r.buf[r.pin:r.pos]
	t, isString := stringValue(typ)
	if typ != nil && isString && t != "bundle" {
		// A bare object (an observed-data may have an "objects" dictionary): it is the
		// only one.
		r.st = stEnd
		return append(json.RawMessage(nil), raw...), nil
	}
	if objectsNotArray {
		return nil, invalid("\"objects\" must be an array of STIX objects")
	}
	if typ != nil {
		if err := checkEnvelopeType(typ); err != nil {
			return nil, err
		}
	}
	r.st = stEnd
	return nil, nil
}

// key reads an object member name and the colon after it, refusing duplicates.
func (r *Reader) key() (string, error) {
	c, err := r.peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", invalid("invalid JSON: invalid character %s looking for an object key at offset %d", quoteByte(c), r.offset(r.pos))
	}
	ks, ke, err := r.scanValue(2)
	if err != nil {
		return "", err
	}
	key, _ := stringValue(r.buf[ks:ke])
	if r.keys[key] {
		return "", invalid("invalid JSON: duplicate key %s at offset %d", strconv.Quote(clip(key)), r.offset(ks))
	}
	r.keys[key] = true
	c, err = r.peek()
	if err != nil {
		return "", err
	}
	if c != ':' {
		return "", invalid("invalid JSON: invalid character %s after object key at offset %d", quoteByte(c), r.offset(r.pos))
	}
	r.pos++
	return key, nil
}

// envelopeMembers reads the envelope's members after its "objects" array, up to its end.
func (r *Reader) envelopeMembers() error {
	for {
		c, err := r.peek()
		if err != nil {
			return err
		}
		if c == '}' {
			r.pos++
			r.st = stEnd
			return nil
		}
		if c != ',' {
			return invalid("invalid JSON: invalid character %s after object member at offset %d", quoteByte(c), r.offset(r.pos))
		}
		r.pos++
		r.compact()
		key, err := r.key()
		if err != nil {
			return err
		}
		vs, ve, err := r.scanValue(2)
		if err != nil {
			return err
		}
		if key == "type" {
			if err := checkEnvelopeType(r.buf[vs:ve]); err != nil {
				return err
			}
		}
	}
}

// String describes the reader's state, for debugging.
func (r *Reader) String() string {
	return fmt.Sprintf("stix.Reader{offset: %d, state: %d}", r.offset(r.pos), r.st)
}
