package pattern

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzSeeds are patterns that exercise every construct.
var fuzzSeeds = []string{
	"[ipv4-addr:value = '198.51.100.1']",
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
	"([file:name = 'a'] FOLLOWEDBY [file:name = 'b']) WITHIN 300 SECONDS",
	"[file:size > 1 AND file:size <= 2.5] REPEATS 3 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00.5Z'",
	"[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8' AND network-traffic:protocols[*] IN ('tcp', 'udp')]",
	"[file:name LIKE 'a%_' OR file:name MATCHES '^a.*\\\\.exe$' OR NOT EXISTS file:x.'y-z'[0]]",
	"[artifact:payload_bin = b'dGVzdA==' AND artifact:x = h'ff00' AND artifact:y != true]",
	"([a-b:c = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
	"[a-b:c NOT ISSUPERSET '2001:db8::/32'] /* comment */ // line",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// The corpora, when present.
	if b, err := os.ReadFile(filepath.Join(corpusDir, "validator-v21-cases.json")); err == nil {
		var cases validatorCases
		if json.Unmarshal(b, &cases) == nil {
			for _, s := range cases.Pass {
				f.Add(s)
			}
			for _, c := range cases.Fail {
				f.Add(c.Pattern)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(corpusDir, "validator-v21-spec_examples.txt")); err == nil {
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			f.Add(sc.Text())
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v is not a *SyntaxError", s, err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q): offset %d outside the input (%d bytes)", s, se.Offset, len(s))
			}
			want := errAt(s, se.Offset, "")
			if se.Line != want.Line || se.Col != want.Col {
				t.Fatalf("Parse(%q): position %d:%d does not match offset %d (%d:%d)", s, se.Line, se.Col, se.Offset, want.Line, want.Col)
			}
			return
		}
		out := p.String()
		q, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, out, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("Parse(%q).String() = %q parses to a different tree", s, out)
		}
		if out2 := q.String(); out2 != out {
			t.Fatalf("String is not a fixed point for %q: %q then %q", s, out, out2)
		}
	})
}

// FuzzMatch checks that matching any pattern that parses against a fixed set of
// observations neither panics nor disagrees with matching its canonical form.
func FuzzMatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range typicalPatterns {
		f.Add(s)
	}
	obs := oneObservation(f)
	obs = append(obs, observationsAt(f,
		"2024-01-01T10:00:00Z", "", ipA,
		"2024-01-01T10:01:00Z", "2024-01-01T10:30:00Z", domainX,
		"2024-01-01T10:10:00Z", "", ipA)...)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		got := p.Match(obs)
		if again := mustParse(t, p.String()).Match(obs); again != got {
			t.Fatalf("Match(%q) = %v, but %v for its canonical form %q", s, got, again, p.String())
		}
	})
}
