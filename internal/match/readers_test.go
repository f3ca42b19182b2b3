package match

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	firebreak "github.com/firebreak/firebreak"
)

var update = flag.Bool("update", false, "rewrite the golden files of the reader tests")

// formatEvents reads r to the end and renders its events and line errors, one
// observable per line, for golden files. It fails the test on an event whose line does
// not match its error.
func formatEvents(t *testing.T, r Reader) string {
	t.Helper()
	var b strings.Builder
	for range 100000 {
		ev, err := r.Next()
		if err == io.EOF {
			return b.String()
		}
		var le *LineError
		if errors.As(err, &le) {
			if ev.Line != le.Line {
				t.Errorf("line error %v comes with an event of line %d", err, ev.Line)
			}
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Errorf("line error %v has code %q", err, firebreak.ErrorCode(err))
			}
			fmt.Fprintf(&b, "line %d: error: %s\n", le.Line, firebreak.ErrorMessage(err))
			continue
		}
		if err != nil {
			fmt.Fprintf(&b, "fatal: %v\n", err)
			return b.String()
		}
		fmt.Fprintf(&b, "line %d", ev.Line)
		if !ev.Time.IsZero() {
			fmt.Fprintf(&b, " %s", ev.Time.Format(time.RFC3339Nano))
		}
		b.WriteByte('\n')
		for _, o := range ev.Observables {
			if !o.Time.Equal(ev.Time) {
				t.Errorf("line %d: observable time %v, event time %v", ev.Line, o.Time, ev.Time)
			}
			fmt.Fprintf(&b, "\t%s:%s = %q\n", o.Type, o.Path, o.Value)
		}
	}
	t.Fatalf("reader did not reach the end")
	return ""
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update after checking):\n%s", name, path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, a, b)
		}
	}
	return ""
}

func open(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var zeekLogs = []string{"conn", "dns", "http", "ssl", "files", "x509", "smtp", "malformed"}

func TestZeekJSONGolden(t *testing.T) {
	for _, name := range zeekLogs {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, "zeek-json-"+name, formatEvents(t, NewZeekJSON(bytes.NewReader(open(t, "zeek-json/"+name+".log")))))
		})
	}
}

func TestZeekTSVGolden(t *testing.T) {
	for _, name := range zeekLogs {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, "zeek-tsv-"+name, formatEvents(t, NewZeekTSV(bytes.NewReader(open(t, "zeek-tsv/"+name+".log")))))
		})
	}
}

// TestZeekTSVAgreesWithJSON reads the same logs in both forms: they give the same
// events, but for line numbers (the TSV headers take lines).
func TestZeekTSVAgreesWithJSON(t *testing.T) {
	for _, name := range zeekLogs[:7] {
		j := NewZeekJSON(bytes.NewReader(open(t, "zeek-json/"+name+".log")))
		v := NewZeekTSV(bytes.NewReader(open(t, "zeek-tsv/"+name+".log")))
		for n := 1; ; n++ {
			a, errA := j.Next()
			b, errB := v.Next()
			if errA != nil || errB != nil {
				if errA != io.EOF || errB != io.EOF {
					t.Errorf("%s event %d: JSON %v, TSV %v", name, n, errA, errB)
				}
				break
			}
			if fmt.Sprint(a.Observables) != fmt.Sprint(b.Observables) || !a.Time.Equal(b.Time) {
				t.Errorf("%s event %d:\nJSON %v %v\nTSV  %v %v", name, n, a.Time, a.Observables, b.Time, b.Observables)
			}
		}
	}
}

func TestEVEGolden(t *testing.T) {
	for _, name := range []string{"eve", "eve-malformed"} {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, name, formatEvents(t, NewSuricataEVE(bytes.NewReader(open(t, name+".json")))))
		})
	}
}

var csvMapping = map[string]string{
	"time": "time", "src": "ipv4-addr:value", "dst": "ipv4-addr:value", "domain": "domain-name:value",
	"url": "url:value", "sha256": "file:hashes.'SHA-256'", "note": "auto", "user": "user-account:account_login",
}

func TestCSVGolden(t *testing.T) {
	r, err := NewCSV(bytes.NewReader(open(t, "observables.csv")), csvMapping)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "csv", formatEvents(t, r))
}

func TestLinesGolden(t *testing.T) {
	checkGolden(t, "lines-guess", formatEvents(t, NewLines(bytes.NewReader(open(t, "values.txt")), "")))
	checkGolden(t, "lines-domain", formatEvents(t, NewLines(bytes.NewReader(open(t, "values.txt")), "domain-name:value")))
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name, input string
		mapping     map[string]string
		want        string
	}{
		{"no header", "", map[string]string{"a": "ipv4-addr:value"}, "no header row"},
		{"blank input", "\n\n", map[string]string{"a": "ipv4-addr:value"}, "no header row"},
		{"empty mapping", "a,b\n", nil, "mapping is empty"},
		{"unknown column", "a,b\n", map[string]string{"c": "ipv4-addr:value"}, `mapped column "c"`},
		{"bad path", "a,b\n", map[string]string{"a": "IPv4:value"}, "not a STIX object path"},
		{"bad path step", "a,b\n", map[string]string{"a": "file:hashes[0]"}, "not a STIX object path"},
		{"malformed header", "a,\"b\n", map[string]string{"a": "ipv4-addr:value"}, "header row is malformed"},
	}
	for _, tt := range tests {
		_, err := NewCSV(strings.NewReader(tt.input), tt.mapping)
		if err == nil || !strings.Contains(err.Error(), tt.want) || firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("%s: NewCSV error %v, want EINVALID containing %q", tt.name, err, tt.want)
		}
	}
}

func TestLinesBadPath(t *testing.T) {
	_, err := NewLines(strings.NewReader("x\n"), "not a path").Next()
	if firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("Next with an invalid path: %v, want EINVALID", err)
	}
}

// TestLongLines checks that a line over MaxLineSize is reported, with its number, and
// that reading goes on after it.
func TestLongLines(t *testing.T) {
	lines := func(format string) string {
		long := fmt.Sprintf(format, strings.Repeat("a", MaxLineSize+1))
		return fmt.Sprintf(format, "first.example") + "\n" + long + "\n" + fmt.Sprintf(format, "third.example") + "\n" + long
	}
	want := "[event 1 error 2 event 3 error 4]"
	for _, tt := range []struct {
		name string
		r    Reader
		want string
	}{
		{"zeek-json", NewZeekJSON(strings.NewReader(lines(`{"query":"%s"}`))), want},
		{"zeek-tsv", NewZeekTSV(strings.NewReader("#fields\tquery\n" + lines("%s"))), "[event 2 error 3 event 4 error 5]"},
		{"eve", NewSuricataEVE(strings.NewReader(lines(`{"tls":{"sni":"%s"}}`))), want},
		{"lines", NewLines(strings.NewReader(lines("%s")), "domain-name:value"), want},
	} {
		var got []string
		for {
			ev, err := tt.r.Next()
			if err == io.EOF {
				break
			}
			var le *LineError
			switch {
			case errors.As(err, &le):
				got = append(got, fmt.Sprintf("error %d", le.Line))
			case err != nil:
				t.Fatalf("%s: %v", tt.name, err)
			default:
				got = append(got, fmt.Sprintf("event %d", ev.Line))
			}
		}
		if fmt.Sprint(got) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, got, tt.want)
		}
	}
}

// TestReadErrors checks that an error of the underlying reader is returned, and
// returned again.
func TestReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	input := io.MultiReader(strings.NewReader("{\"query\":\"a.example\"}\n"), iotest.ErrReader(boom))
	r := NewZeekJSON(input)
	if _, err := r.Next(); err != nil {
		t.Fatalf("first line: %v", err)
	}
	for range 2 {
		if _, err := r.Next(); !errors.Is(err, boom) {
			t.Errorf("Next = %v, want the reader's error", err)
		}
	}
}

// TestOneByteReads reads through a reader that returns one byte at a time, so that
// lines are put together from many reads.
func TestOneByteReads(t *testing.T) {
	data := open(t, "zeek-json/dns.log")
	want := formatEvents(t, NewZeekJSON(bytes.NewReader(data)))
	if got := formatEvents(t, NewZeekJSON(iotest.OneByteReader(bytes.NewReader(data)))); got != want {
		t.Errorf("one-byte reads differ:\n%s", lineDiff(want, got))
	}
}

func TestGuessPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"198.51.100.1", "ipv4-addr:value"},
		{"2001:db8::1", "ipv6-addr:value"},
		{"::ffff:1.2.3.4", "ipv6-addr:value"},
		{"10.0.0.0/8", "ipv4-addr:value"},
		{"www.Example.com.", "domain-name:value"},
		{"_dmarc.example.com", "domain-name:value"},
		{"xn--bcher-kva.example", "domain-name:value"},
		{"http://x.example/a", "url:value"},
		{"hxxp://x.example/a", "url:value"},
		{"a@b.example", "email-addr:value"},
		{md5a, "file:hashes.MD5"},
		{strings.ToUpper(sha1a), "file:hashes.'SHA-1'"},
		{sha256a, "file:hashes.'SHA-256'"},
		{"1234", ""},
		{"10.0.0.256", ""},
		{"evil[.]example", ""},
		{"a@b", ""},
		{"no spaces allowed.example", ""},
		{"fe80::1%eth0", ""},
	}
	for _, tt := range tests {
		typ, path, ok := guessPath([]byte(tt.in))
		got := ""
		if ok {
			got = typ + ":" + path
		}
		if got != tt.want {
			t.Errorf("guessPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseLogTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339, "" for an error
	}{
		{"1705312800.123456", "2024-01-15T10:00:00.123456Z"},
		{"1705312800", "2024-01-15T10:00:00Z"},
		{"2024-01-15T10:00:00.123456+0000", "2024-01-15T10:00:00.123456Z"},
		{"2024-01-15T12:00:00+02:00", "2024-01-15T10:00:00Z"},
		{"2024-01-15T05:00:00.5-0500", "2024-01-15T10:00:00.5Z"},
		{"2024-01-15 10:00:00Z", "2024-01-15T10:00:00Z"},
		{"2024-01-15T10:00:00", "2024-01-15T10:00:00Z"},
		{"2024-13-15T10:00:00Z", ""},
		{"2024-01-15T10:00:00+2", ""},
		{"1705312800.5x", ""},
		{"not a time", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := parseLogTime([]byte(tt.in))
		s := ""
		if ok {
			s = got.Format(time.RFC3339Nano)
		}
		if s != tt.want {
			t.Errorf("parseLogTime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}
