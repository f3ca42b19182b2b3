package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	firebreak "github.com/firebreak/firebreak"
)

var (
	objA = `{"type":"x-a","id":"x-a--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`
	objB = `{ "type" : "x-b" , "n" : [1, {"k": "v"}] }`
)

func TestSplitObjects(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + objA + `,` + objB + `]}`, []string{objA, objB}},
		{"envelope", "{\"more\":false,\n \"objects\" : [ " + objA + " ,\n\t" + objB + " ] , \"next\":\"x\"}", []string{objA, objB}},
		{"bundle without type", `{"objects":[` + objA + `]}`, []string{objA}},
		{"empty objects", `{"objects":[]}`, nil},
		{"no objects", `{"more":false}`, nil},
		{"empty envelope", ` {} `, nil},
		{"elements that are not objects", `{"objects":[1,"x",null,[],` + objA + `]}`, []string{`1`, `"x"`, `null`, `[]`, objA}},
		{"byte-order mark", "\xef\xbb\xbf" + `{"objects":[` + objA + `]}`, []string{objA}},
		{"escaped objects key", `{"obj\u0065cts":[` + objA + `]}`, []string{objA}},
	} {
		body := []byte(tc.body)
		got, err := SplitObjects(body)
		if err != nil {
			t.Errorf("%s: SplitObjects = %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d objects, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if string(got[i]) != tc.want[i] {
				t.Errorf("%s: object %d = %s, want %s", tc.name, i, got[i], tc.want[i])
			}
			if !within(body, got[i]) || cap(got[i]) != len(got[i]) {
				t.Errorf("%s: object %d is not a capped sub-slice of the body", tc.name, i)
			}
		}
		// The Reader must agree on every envelope.
		if streamed, err := readAllFrom(strings.NewReader(tc.body)); err != nil {
			t.Errorf("%s: Reader = %v", tc.name, err)
		} else if fmt.Sprint(streamed) != fmt.Sprint(tc.want) && !(len(streamed) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: Reader = %q, want %q", tc.name, streamed, tc.want)
		}
	}
}

// within reports whether sub lies inside body's memory.
func within(body, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	for i := range body {
		if &body[i] == &sub[0] {
			return i+len(sub) <= len(body)
		}
	}
	return false
}

func readAllFrom(r io.Reader) ([]string, error) {
	var out []string
	rd := NewReader(r)
	for {
		raw, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(raw))
	}
}

var badEnvelopes = []struct{ name, body, want string }{
	{"empty", ``, "empty"},
	{"spaces", " \n ", "empty"},
	{"a string", `"objects"`, "expected"},
	{"not a bundle", `{"type":"indicator","objects":[` + objA + `]}`, `a bundle's type must be "bundle"`},
	{"type after objects", `{"objects":[` + objA + `],"type":"report"}`, `a bundle's type must be "bundle"`},
	{"type not a string", `{"type":1,"objects":[]}`, `a bundle's type must be "bundle"`},
	{"objects an object", `{"objects":{"a":` + objA + `}}`, `"objects" must be an array`},
	{"objects a string", `{"type":"bundle","objects":"x"}`, `"objects" must be an array`},
	{"two objects members", `{"objects":[` + objA + `],"objects":[]}`, `duplicate key "objects"`},
	{"duplicate envelope key", `{"more":true,"more":false,"objects":[]}`, `duplicate key "more"`},
	{"duplicate key in an object", `{"objects":[{"type":"x-a","type":"x-b"}]}`, `duplicate key "type"`},
	{"invalid UTF-8 in an object", "{\"objects\":[{\"type\":\"x-\xff\"}]}", "invalid UTF-8"},
	{"unterminated", `{"objects":[` + objA, "unexpected end"},
	{"unclosed string", `{"objects":["abc`, "invalid JSON"},
	{"mismatched brackets", `{"objects":[{"a":[}]}`, "invalid"},
	{"missing comma", `{"objects":[` + objA + objA + `]}`, "after array element"},
	{"trailing comma", `{"objects":[` + objA + `,]}`, "invalid"},
	{"trailing data", `{"objects":[]} x`, "data after the top-level"},
	{"second document", `{"objects":[]}{"objects":[]}`, "data after the top-level"},
	{"too deep", `{"objects":[` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `]}`, "nesting deeper than 64"},
	{"bad literal", `{"objects":[tru]}`, "invalid"},
	{"bad number", `{"objects":[01]}`, "invalid"},
	{"key not a string", `{objects:[]}`, "looking for an object key"},
}

func TestSplitObjectsRejects(t *testing.T) {
	for _, tc := range badEnvelopes {
		_, err := SplitObjects([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: SplitObjects = %v, want an error containing %q", tc.name, err, tc.want)
			continue
		}
		if firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("%s: code %q, want %q", tc.name, firebreak.ErrorCode(err), firebreak.EINVALID)
		}
	}
	if _, err := SplitObjects([]byte(`[` + objA + `]`)); err == nil {
		t.Errorf("SplitObjects accepted a top-level array")
	}
	// The depth limit counts from the envelope: 62 nested arrays in "objects" are 64
	// levels (63 are too many, above).
	ok := `{"objects":[` + strings.Repeat("[", 62) + strings.Repeat("]", 62) + `]}`
	if _, err := SplitObjects([]byte(ok)); err != nil {
		t.Errorf("64 levels: %v", err)
	}
	if _, err := readAllFrom(strings.NewReader(ok)); err != nil {
		t.Errorf("Reader, 64 levels: %v", err)
	}
}

func TestReaderRejects(t *testing.T) {
	for _, tc := range badEnvelopes {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.body)
			if one {
				r = iotest.OneByteReader(r)
			}
			_, err := readAllFrom(r)
			if tc.name == "a string" {
				continue // checked below: a bare string is not an object either
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s (one byte at a time: %v): Reader = %v, want an error containing %q", tc.name, one, err, tc.want)
			}
		}
	}
	for _, body := range []string{`"objects"`, `1`, `null`, `[1,]`, `[` + objA + `,` + objA, `[` + objA + `] x`, `[` + objA + ` ` + objA + `]`, `{"type":"x-a","type":"x-b"}`, `{"type":"x-a"} {}`} {
		if _, err := readAllFrom(strings.NewReader(body)); err == nil {
			t.Errorf("Reader(%s) = nil, want an error", body)
		}
	}
}

func TestReaderAcceptsArraysAndBareObjects(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"array", "[" + objA + ",\n" + objB + "]", []string{objA, objB}},
		{"empty array", " [ ] ", nil},
		{"bare object", "\n" + objB + "\n", []string{objB}},
		{"bare observed-data with an objects dictionary", `{"type":"observed-data","objects":{"0":{"type":"file"}}}`, []string{`{"type":"observed-data","objects":{"0":{"type":"file"}}}`}},
		{"bare object with a BOM", "\xef\xbb\xbf" + objA, []string{objA}},
		{"bundle without objects", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`, nil},
	} {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.body)
			if one {
				r = iotest.OneByteReader(r)
			}
			got, err := readAllFrom(r)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
	}
}

func TestReaderErrorsAreSticky(t *testing.T) {
	r := NewReader(strings.NewReader(`{"objects":[` + objA + `,x]}`))
	if raw, err := r.Next(); err != nil || string(raw) != objA {
		t.Fatalf("first Next = %s, %v", raw, err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v, %v: want the same error twice", err1, err2)
	}
	r = NewReader(strings.NewReader(`[]`))
	for i := 0; i < 3; i++ {
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("Next after the end = %v, want io.EOF", err)
		}
	}
	failing := NewReader(io.MultiReader(strings.NewReader(`{"objects":[`+objA+`,`), iotest.ErrReader(errors.New("disk on fire"))))
	if _, err := failing.Next(); err != nil {
		t.Fatalf("first object: %v", err)
	}
	if _, err := failing.Next(); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error = %v, want the underlying error", err)
	}
}

func TestReaderMaxObjectBytes(t *testing.T) {
	body := `{"objects":[` + objB + `,` + objA + `]}` // objA is the longer
	r := NewReaderWith(strings.NewReader(body), Options{MaxObjectBytes: len(objB)})
	if _, err := r.Next(); err != nil {
		t.Fatalf("object at the limit: %v", err)
	}
	if _, err := r.Next(); firebreak.ErrorCode(err) != firebreak.ETOOLARGE {
		t.Errorf("object over the limit: %v, want %s", err, firebreak.ETOOLARGE)
	}
}

// envelopeStream generates an envelope of n copies of obj without holding it in memory.
type envelopeStream struct {
	n, i   int
	obj    string
	header bool
	cur    []byte
	done   bool
}

func (s *envelopeStream) Read(p []byte) (int, error) {
	for len(s.cur) == 0 {
		switch {
		case !s.header:
			s.cur, s.header = []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`), true
		case s.i < s.n:
			sep := ","
			if s.i == 0 {
				sep = ""
			}
			s.cur = []byte(sep + s.obj)
			s.i++
		case !s.done:
			s.cur, s.done = []byte("]}"), true
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

func TestReaderMemoryIsBoundedByTheLargestObject(t *testing.T) {
	obj := minimal["indicator"]
	const n = 20000 // about 6 MB
	r := NewReader(&envelopeStream{n: n, obj: obj})
	count, maxCap := 0, 0
	for {
		raw, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != obj {
			t.Fatalf("object %d = %s", count, raw)
		}
		count++
		maxCap = max(maxCap, cap(r.buf))
	}
	if count != n {
		t.Errorf("read %d objects, want %d", count, n)
	}
	if maxCap > 4*readChunk {
		t.Errorf("buffer grew to %d bytes for %d-byte objects", maxCap, len(obj))
	}
}

func TestSplitObjectsElementsParse(t *testing.T) {
	body := []byte(`{"objects":[` + minimal["indicator"] + `,` + minimal["file"] + `,[1]]}`)
	objs, err := SplitObjects(body)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, raw := range objs {
		if _, err := Parse(raw); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) != 1 || errs[0] != "object: not a JSON object" {
		t.Errorf("errors = %q, want one: object: not a JSON object", errs)
	}
	if !bytes.Equal(objs[0], []byte(minimal["indicator"])) {
		t.Errorf("first object = %s", objs[0])
	}
}
