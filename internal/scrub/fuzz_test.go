package scrub

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// fuzzNames include names that collide with marker text, to check that markers stay opaque.
var fuzzNames = []string{"Jane Doe", "Jane", "Li", "email", "redacted", "María José García"}

func FuzzText(f *testing.F) {
	for _, e := range readCorpus(f) {
		f.Add(e.Text)
	}
	for _, seed := range []string{
		"", "@", "+", "(", "[redacted:", "[redacted:email]x@y.example", "a@b.co@c.example",
		"+1 (555) 123-4567 +44 (0) 20 7946 0958", "tel 0044 20 7946 0958", "4111 1111 1111 1111 1111",
		"Jane Doe555-123-4567", "x555-123-4567 and 555-123-4567", "jane\u00a0doe", "ẞ K K",
		"phone: 555 234 5678 bob@example.com 555 234 5679",
	} {
		f.Add(seed)
	}
	s := New(fuzzNames)
	f.Fuzz(func(t *testing.T, in string) {
		out, fs := s.Text(in)
		last := 0
		var spans []span
		for _, fd := range fs {
			if fd.Start < last || fd.End <= fd.Start || fd.End > len(in) {
				t.Fatalf("Text(%q): bad finding %+v after offset %d", in, fd, last)
			}
			last = fd.End
			spans = append(spans, span{start: fd.Start, end: fd.End, kind: fd.Kind})
		}
		if want := render(in, spans); out != want && len(fs) > 0 || len(fs) == 0 && out != in {
			t.Fatalf("Text(%q) = %q, findings render %q", in, out, want)
		}
		again, more := s.Text(out)
		if again != out || len(more) != 0 {
			t.Fatalf("not idempotent: Text(%q) = %q, then %q with %+v", in, out, again, more)
		}
		// No detected value survives outside the markers (names only count on word
		// boundaries, which idempotency already covers).
		masked := out
		for _, k := range kinds {
			masked = strings.ReplaceAll(masked, Marker(k), "\x00")
		}
		for _, fd := range fs {
			if v := in[fd.Start:fd.End]; fd.Kind != KindName && strings.Contains(masked, v) {
				t.Fatalf("Text(%q) = %q still contains detected %s %q", in, out, fd.Kind, v)
			}
		}
	})
}

func FuzzObject(f *testing.F) {
	for _, seed := range []string{
		`{"type":"report","created":"2023-11-14T00:00:00Z","description":"Jane Doe <jane@acme.example>"}`,
		`{"type":"note","created":"x","content":"a\u0040b.example \n \"q\" \ud83d\ude00 555-123-4567","authors":["Jane"]}`,
		`{"type":"indicator","created":"x","pattern":"[email-addr:value = 'a@b.example']","description":"a@b.example c@d.example"}`,
		`{"type":"incident","created":"x","x_a":{"b":[{"c":"+44 20 7946 0958"},1,null,true,{"id":"a@b.example"}]}}`,
		`{"type":"email-addr","value":"a@b.example"}`,
		`{"type":"report","created":"x","external_references":[{"source_name":"a","description":"SIN 046 454 286"}]}`,
		`{"type":"report","type":"file","created":"x","name":"jane@acme.example"}`,
		`[1,2]`, `{}`, `{"type":"bundle"}`, `not json`,
	} {
		f.Add([]byte(seed))
	}
	s := New(fuzzNames)
	f.Fuzz(func(t *testing.T, in []byte) {
		out, fs, err := s.Object(in)
		if json.Valid(in) {
			vout, vfs, verr := s.ValidObject(in)
			if !bytes.Equal(vout, out) || len(vfs) != len(fs) || (verr == nil) != (err == nil) {
				t.Fatalf("ValidObject(%s) = %s, %d findings, %v; Object gives %s, %d, %v", in, vout, len(vfs), verr, out, len(fs), err)
			}
		}
		if err != nil {
			if json.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{")) &&
				!strings.Contains(err.Error(), "type") && !strings.Contains(err.Error(), "bundle") {
				t.Fatalf("Object(%s) refused a JSON object: %v", in, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Object(%s) = %s, not valid JSON", in, out)
		}
		if len(fs) == 0 && !bytes.Equal(out, in) {
			t.Fatalf("Object(%s) changed it without findings: %s", in, out)
		}
		if got, want := skeleton(out), skeleton(in); got != want {
			t.Fatalf("Object(%s) = %s changed bytes outside string values:\n%s\n%s", in, out, got, want)
		}
		again, more, err := s.Object(out)
		if err != nil || len(more) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: Object(%s) = %s, then %s, %+v, %v", in, out, again, more, err)
		}
	})
}

// skeleton returns raw JSON with every string value replaced by "" (keys are kept), so that
// two documents that differ only in string values have the same skeleton.
func skeleton(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); {
		if raw[i] != '"' {
			b.WriteByte(raw[i])
			i++
			continue
		}
		end := stringEnd(raw, i)
		if j := skipSpace(raw, end); j < len(raw) && raw[j] == ':' {
			b.Write(raw[i:end]) // a key
		} else {
			b.WriteString(`""`)
		}
		i = end
	}
	return b.String()
}
