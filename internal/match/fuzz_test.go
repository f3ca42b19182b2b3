package match

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// fuzzMatcher holds a few indicators of both paths, so that fuzzed events also go
// through MatchEvent and the observation builder.
func fuzzMatcher(t testing.TB) *Matcher {
	m := NewMatcher()
	mustUpdate(t, m,
		Indicator{ID: "a", Pattern: "[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR domain-name:value = 'www.example.com']"},
		Indicator{ID: "b", Pattern: "[network-traffic:src_ref.value = '10.0.0.5' AND network-traffic:dst_port > 0]"},
		Indicator{ID: "c", Pattern: "[domain-name:value LIKE '%example%'] OR [url:value MATCHES 'http']"},
		Indicator{ID: "d", Pattern: "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' OR email-addr:value = 'a@b.example']"},
	)
	return m
}

// drain reads r to its end and checks what every reader promises: only line errors,
// increasing line numbers, bounded events, and an end.
func drain(t *testing.T, r Reader, input []byte, m *Matcher) {
	t.Helper()
	maxCalls := bytes.Count(input, []byte{'\n'}) + 2
	var last int64
	var hits []Hit
	for calls := 0; ; calls++ {
		if calls > maxCalls {
			t.Fatalf("more than %d events from %d lines", calls, maxCalls-2)
		}
		ev, err := r.Next()
		if err == io.EOF {
			return
		}
		var le *LineError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("Next: %v, want a *LineError or io.EOF", err)
		}
		if ev.Line <= last {
			t.Fatalf("line %d after line %d", ev.Line, last)
		}
		last = ev.Line
		if len(ev.Raw) > MaxLineSize || len(ev.Observables) > MaxObservables {
			t.Fatalf("line %d: %d bytes, %d observables: over the bounds", ev.Line, len(ev.Raw), len(ev.Observables))
		}
		for _, o := range ev.Observables {
			if o.Type == "" || o.Path == "" || o.Value == "" {
				t.Fatalf("line %d: incomplete observable %+v", ev.Line, o)
			}
		}
		hits = m.MatchEvent(ev, hits[:0])
	}
}

// addSeeds adds excerpts of the sample logs: runs of a few lines (headers included), as
// short seeds keep the fuzzer's minimisation quick.
func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, _ := filepath.Glob(filepath.Join("testdata", p))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				continue
			}
			lines := bytes.SplitAfter(b, []byte{'\n'})
			for i := 0; i < len(lines); i += 7 {
				excerpt := bytes.Join(lines[i:min(i+3, len(lines))], nil)
				if i > 0 && bytes.HasPrefix(lines[0], []byte("#")) {
					// Zeek TSV: keep the headers in front of the data.
					var head [][]byte
					for _, l := range lines {
						if bytes.HasPrefix(l, []byte("#")) {
							head = append(head, l)
						} else {
							break
						}
					}
					excerpt = append(bytes.Join(head, nil), excerpt...)
				}
				f.Add(excerpt)
			}
		}
	}
}

func FuzzZeekJSON(f *testing.F) {
	addSeeds(f, "zeek-json/*.log")
	f.Add([]byte(`{"id":{"orig_h":"10.0.0.5"},"answers":["\ud83d\ude00","\udc00x",1e5,[[[]]]],"host":"[::1]:80","uri":"/"}`))
	f.Add([]byte("{\"a\":\"\\u12\"}\n{}\n\n{\"uri\":\"x\",\"id.resp_h\":\"2001:db8::1\"}"))
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, NewZeekJSON(bytes.NewReader(data)), data, m)
	})
}

func FuzzZeekTSV(f *testing.F) {
	addSeeds(f, "zeek-tsv/*.log")
	f.Add([]byte("#separator \\x2c\n#fields,query,answers\n#types,string,vector[string]\na.example,1.2.3.4\\x2c5.6.7.8\n"))
	f.Add([]byte("#set_separator\t\n#fields\tanswers\n1,2\n#separator \\x\n"))
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, NewZeekTSV(bytes.NewReader(data)), data, m)
	})
}

func FuzzEVE(f *testing.F) {
	addSeeds(f, "eve*.json")
	f.Add([]byte(`{"http":{"hostname":"x.example","http_port":8080,"url":"/a"},"dest_ip":"::1","tls":{"fingerprint":"aa:bb"}}`))
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, NewSuricataEVE(bytes.NewReader(data)), data, m)
	})
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, "*.csv")
	f.Add([]byte("time,src,note\n\"1\n2\",\"3\"\"\",x\n\"open"))
	f.Add([]byte("\xef\xbb\xbftime,src,note\n,,\n"))
	m := fuzzMatcher(f)
	mapping := map[string]string{"time": "time", "src": "ipv4-addr:value", "note": "auto", "dst": "network-traffic:dst_ref.value"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSV(bytes.NewReader(data), map[string]string{"time": "time", "src": "ipv4-addr:value", "note": "auto"})
		if err != nil {
			return
		}
		drain(t, r, data, m)
		if r, err := NewCSV(bytes.NewReader(data), mapping); err == nil {
			drain(t, r, data, m)
		}
	})
}

func FuzzLines(f *testing.F) {
	addSeeds(f, "values.txt")
	f.Add([]byte("# c\n\n1.2.3.4\r\nhttp://x\n"))
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, NewLines(bytes.NewReader(data), ""), data, m)
		drain(t, NewLines(bytes.NewReader(data), "ipv6-addr:value"), data, m)
		drain(t, NewLines(bytes.NewReader(data), "file:hashes.sha256"), data, m)
	})
}
