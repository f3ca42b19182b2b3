package stix

import (
	"encoding/json"
	"strings"
	"testing"
)

// scan runs the scanner over a whole document the way Parse does.
func scan(doc string, maxDepth int) error {
	s := scanner{data: []byte(doc), maxDepth: maxDepth}
	i := skipSpace(s.data, 0)
	end, err := s.value(i, 1)
	if err != nil {
		return err
	}
	if skipSpace(s.data, end) != len(s.data) {
		return s.fail(end, "data after the value")
	}
	return nil
}

func TestScannerAcceptsValidJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `"x"`, `0`, `-0`, `1.5e-3`, `-12.25E+10`, `true`, `false`, `null`,
		` { "a" : [ 1 , 2 , { "b" : null } ] } `,
		`{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`,
		`{"é":"ü","日本":"語"}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, // same key at different levels
	} {
		if err := scan(doc, 64); err != nil {
			t.Errorf("scan(%s) = %v, want nil", doc, err)
		}
		if !json.Valid([]byte(doc)) {
			t.Errorf("test case %s is not valid JSON for encoding/json", doc)
		}
	}
}

func TestScannerRejects(t *testing.T) {
	long := strings.Repeat("[", 65) + strings.Repeat("]", 65)
	for _, tc := range []struct {
		doc, want string
	}{
		{``, "unexpected end"},
		{`{`, "unexpected end"},
		{`{"a"}`, "after object key"},
		{`{"a":1,}`, "looking for an object key"},
		{`[1,]`, "looking for a value"},
		{`[1 2]`, "after array element"},
		{`{"a":1 "b":2}`, "after object member"},
		{`01`, "data after"},
		{`1.`, "invalid number"},
		{`-`, "invalid number"},
		{`1e`, "invalid number"},
		{`+1`, "looking for a value"},
		{`tru`, "invalid literal"},
		{`nul`, "invalid literal"},
		{`'a'`, "looking for a value"},
		{`"abc`, "unterminated string"},
		{"\"a\tb\"", "control character"},
		{`"\x"`, "invalid escape"},
		{`"\u12G4"`, "invalid \\u escape"},
		{`"\ud800"`, "unpaired surrogate"},
		{`"\udc00\ud800"`, "unpaired surrogate"},
		{`"\ud800\u0041"`, "unpaired surrogate"},
		{"\"\xff\"", "invalid UTF-8"},
		{"\"\xc0\xaf\"", "invalid UTF-8"},     // overlong '/'
		{"\"\xed\xa0\x80\"", "invalid UTF-8"}, // a surrogate encoded in UTF-8
		{`{"a":1,"a":2}`, `duplicate key "a"`},
		{`{"a":1,"\u0061":2}`, `duplicate key "a"`}, // the same name, escaped
		{`{"x":{"b":1,"c":2,"b":3}}`, `duplicate key "b"`},
		{`[{"k":1},{"k":1,"k":1}]`, `duplicate key "k"`},
		{long, "nesting deeper than 64"},
		{`{} {}`, "data after"},
	} {
		err := scan(tc.doc, 64)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("scan(%q) = %v, want an error containing %q", tc.doc, err, tc.want)
		}
	}
}

func TestScannerDepthLimitIsExact(t *testing.T) {
	ok := strings.Repeat(`{"a":`, 63) + `[]` + strings.Repeat(`}`, 63) // 64 levels
	if err := scan(ok, 64); err != nil {
		t.Errorf("64 levels: got %v, want nil", err)
	}
	deep := strings.Repeat(`{"a":`, 64) + `[]` + strings.Repeat(`}`, 64) // 65 levels
	if err := scan(deep, 64); err == nil {
		t.Errorf("65 levels: got nil, want an error")
	}
}

func TestScannerDuplicateKeysInLargeObjects(t *testing.T) {
	// Past maxLinearKeys the scanner switches to a map; duplicates must still be found,
	// whether the repeated key is among the first keys or the last.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 3*maxLinearKeys; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	valid := b.String() + "}"
	if err := scan(valid, 64); err != nil {
		t.Fatalf("large object: %v", err)
	}
	for _, dup := range []string{`"k":2`, `"k` + strings.Repeat("x", 3*maxLinearKeys-1) + `":2`, `"kxxxxx":2`} {
		if err := scan(b.String()+","+dup+"}", 64); err == nil || !strings.Contains(err.Error(), "duplicate key") {
			t.Errorf("large object with %s repeated: got %v, want a duplicate key error", dup, err)
		}
	}
}

func TestUnescapeAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`plain`, `a\"b`, `\\\/\b\f\n\r\t`, `\u00e9t\u00E9`, `\ud83d\ude00 smile`, `\u0000`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+body+`"`), &want); err != nil {
			t.Fatalf("test case %q: %v", body, err)
		}
		if got := string(unescape([]byte(body))); got != want {
			t.Errorf("unescape(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestWalkers(t *testing.T) {
	raw := []byte(`{ "a" : [1, "x,]}", {"b": [2]} ] , "c\u0041" : {"d":"e"}, "f":null }`)
	var keys []string
	members(raw, func(k, v []byte) bool {
		keys = append(keys, string(k)+"="+string(v))
		return true
	})
	want := []string{`a=[1, "x,]}", {"b": [2]} ]`, `cA={"d":"e"}`, `f=null`}
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("members = %q, want %q", keys, want)
	}
	a, _ := lookup(raw, "a")
	var elems []string
	elements(a, func(i int, v []byte) bool {
		elems = append(elems, string(v))
		return true
	})
	if got, want := strings.Join(elems, "|"), `1|"x,]}"|{"b": [2]}`; got != want {
		t.Errorf("elements = %q, want %q", got, want)
	}
	if _, ok := lookup(raw, "missing"); ok {
		t.Errorf("lookup(missing) found something")
	}
}

func TestClipKeepsUTF8Whole(t *testing.T) {
	s := strings.Repeat("é", 100)
	got := clip(s)
	if !strings.HasSuffix(got, "…") || !json.Valid([]byte(`"`+got+`"`)) || len(got) > 84 {
		t.Errorf("clip(%d bytes) = %q, want a valid UTF-8 prefix and an ellipsis", len(s), got)
	}
}
