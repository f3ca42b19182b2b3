package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// seedObjects adds the minimal objects, the table cases and a few corpus files.
func seedObjects(f *testing.F) {
	for _, doc := range minimal {
		f.Add([]byte(doc))
	}
	for _, tc := range allParseCases(f) {
		f.Add([]byte(tc.doc))
	}
}

func seedEnvelopes(f *testing.F) {
	for _, tc := range badEnvelopes {
		f.Add([]byte(tc.body))
	}
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + minimal["indicator"] + `,` + minimal["file"] + `]}`))
	f.Add([]byte(`{"more":false,"objects":[1,"x",null,[],{}],"next":"n"}`))
	f.Add([]byte("\xef\xbb\xbf[" + minimal["relationship"] + "]"))
	f.Add([]byte(minimal["observed-data"]))
	files, _ := filepath.Glob(filepath.Join(testdata, "oasis-cti-documentation-examples/examples/example_json/*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
}

func FuzzParse(f *testing.F) {
	seedObjects(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		// Parse never accepts what is not one JSON object.
		var m map[string]json.RawMessage
		if !json.Valid(data) || json.Unmarshal(data, &m) != nil {
			t.Fatalf("Parse accepted %q, which is not a JSON object", data)
		}
		if !bytes.Equal(o.Raw, data) {
			t.Fatalf("Raw differs from the input")
		}
		if !validTypeName(o.Type) || o.SpecVersion != "2.1" || o.Kind < KindSDO || o.Kind > KindMeta {
			t.Fatalf("accepted object with type %q spec %q kind %v", o.Type, o.SpecVersion, o.Kind)
		}
		if typ, reason := checkID(o.ID); reason != "" || typ != o.Type {
			t.Fatalf("accepted id %q for type %q", o.ID, o.Type)
		}
		if v := o.Version(); v != "" && VersionKey(v) == "" {
			t.Fatalf("accepted version %q without a key", v)
		}
		if (o.Kind == KindSDO || o.Kind == KindSRO) && o.Modified == "" {
			t.Fatalf("accepted an %v without modified", o.Kind)
		}
	})
}

func FuzzSplitObjects(f *testing.F) {
	seedEnvelopes(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		objs, err := SplitObjects(body)
		if err != nil {
			return
		}
		// The elements are sub-slices of body, in order; between two of them there is only
		// space and one comma.
		prev := -1
		for i, obj := range objs {
			at := offsetIn(body, obj)
			if at < 0 || cap(obj) != len(obj) {
				t.Fatalf("object %d is not a capped sub-slice of the body", i)
			}
			if prev >= 0 {
				gap := bytes.TrimSpace(body[prev:at])
				if string(gap) != "," {
					t.Fatalf("between objects %d and %d: %q", i-1, i, gap)
				}
			}
			prev = at + len(obj)
			if !json.Valid(obj) {
				t.Fatalf("object %d is not valid JSON: %q", i, obj)
			}
		}
		if !json.Valid(bytes.TrimPrefix(body, utf8BOM)) {
			t.Fatalf("SplitObjects accepted invalid JSON %q", body)
		}
		checkReaderAgrees(t, body, objs)
	})
}

// offsetIn returns where sub starts inside body, or -1.
func offsetIn(body, sub []byte) int {
	if len(sub) == 0 || len(body) == 0 {
		return -1
	}
	for i := range body {
		if &body[i] == &sub[0] {
			if i+len(sub) <= len(body) {
				return i
			}
			return -1
		}
	}
	return -1
}

// checkReaderAgrees checks that the Reader yields exactly objs from body, both when it
// reads everything at once and one byte at a time.
func checkReaderAgrees(t *testing.T, body []byte, objs []json.RawMessage) {
	t.Helper()
	for _, one := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(body)
		if one {
			r = iotest.OneByteReader(r)
		}
		got, err := readAllFrom(r)
		if err != nil {
			t.Fatalf("SplitObjects accepted %q, the Reader (one byte at a time: %v) says %v", body, one, err)
		}
		if len(got) != len(objs) {
			t.Fatalf("SplitObjects found %d objects, the Reader %d", len(objs), len(got))
		}
		for i := range got {
			if got[i] != string(objs[i]) {
				t.Fatalf("object %d: SplitObjects %q, Reader %q", i, objs[i], got[i])
			}
		}
	}
}

func FuzzReader(f *testing.F) {
	seedEnvelopes(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		whole, errWhole := readAllFrom(bytes.NewReader(body))
		bytewise, errBytewise := readAllFrom(iotest.OneByteReader(bytes.NewReader(body)))
		if (errWhole == nil) != (errBytewise == nil) || len(whole) != len(bytewise) {
			t.Fatalf("reading at once: %d objects, %v; one byte at a time: %d objects, %v", len(whole), errWhole, len(bytewise), errBytewise)
		}
		for i := range whole {
			if whole[i] != bytewise[i] {
				t.Fatalf("object %d differs with the read size", i)
			}
			if !json.Valid([]byte(whole[i])) {
				t.Fatalf("object %d is not valid JSON: %q", i, whole[i])
			}
		}
		if errWhole != nil {
			return
		}
		trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))
		if !json.Valid(trimmed) {
			t.Fatalf("the Reader accepted invalid JSON %q", body)
		}
		objs, err := SplitObjects(body)
		switch {
		case err == nil:
			if len(objs) != len(whole) {
				t.Fatalf("Reader %d objects, SplitObjects %d", len(whole), len(objs))
			}
			for i := range objs {
				if string(objs[i]) != whole[i] {
					t.Fatalf("object %d: Reader %q, SplitObjects %q", i, whole[i], objs[i])
				}
			}
		case trimmed[0] == '[':
			// A top-level array: only the Reader takes it; its elements are those that
			// encoding/json sees.
			var elems []json.RawMessage
			if err := json.Unmarshal(trimmed, &elems); err != nil || len(elems) != len(whole) {
				t.Fatalf("Reader read an array as %d objects; encoding/json: %d, %v", len(whole), len(elems), err)
			}
			for i := range elems {
				if string(elems[i]) != whole[i] {
					t.Fatalf("array element %d: Reader %q, encoding/json %q", i, whole[i], elems[i])
				}
			}
		default:
			// A bare object: only the Reader takes it, whole.
			if len(whole) != 1 || whole[0] != string(trimmed) {
				t.Fatalf("SplitObjects says %v, the Reader read %d objects from %q", err, len(whole), body)
			}
		}
	})
}
