package pattern

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const corpusDir = "../../../../shared/testdata/stix-pattern-corpora"

// validatorCases is the format of validator-v21-cases.json: patterns the OASIS validator
// accepts, and patterns it rejects with its error text (which starts with the ANTLR
// position "line 1:N", N a 0-based column, for grammar errors).
type validatorCases struct {
	Pass []string `json:"pass"`
	Fail []struct {
		Pattern       string `json:"pattern"`
		ExpectedError string `json:"expected_error"`
	} `json:"fail"`
}

// corpusDisagreements lists the corpus cases where this package decides otherwise than
// the OASIS validator, after checking the specification. Each must still behave as stated
// here: the test fails if one starts to agree with the corpus, so that the table stays
// true.
var corpusDisagreements = map[string]struct {
	accept bool   // what Parse does
	reason string // why
}{
	"[x_whatever:detected == t'2018-03-22T12:11:14.1Z']": {false,
		"STIX 2.1 section 3.1: a type name has only lower-case letters, digits and hyphens; " +
			"no object of type x_whatever can exist, so the pattern could never match"},
	"[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'": {false,
		"STIX 2.1 section 9.5: the comparison expressions joined by AND in an observation " +
			"expression MUST use the same base object path (clarified in oasis-tcs/cti-stix2#235: " +
			"all operands of AND must be satisfiable by one type of object); network-traffic and " +
			"user-account can never be one object"},
	"([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS": {false,
		"STIX 2.1 section 9, observation expression qualifiers: an observation expression MUST NOT have more than one qualifier " +
			"of a particular type (oasis-tcs/cti-stix2#70); the parenthesised expression carries " +
			"two WITHIN. The validator resets its check on leaving parentheses, so it only catches " +
			"the case without them; ([...] WITHIN 5 SECONDS) WITHIN 6 SECONDS is accepted here"},
}

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus %s not present", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var antlrPos = regexp.MustCompile(`line 1:(\d+)\.`)

func TestValidatorCorpus(t *testing.T) {
	var cases validatorCases
	if err := json.Unmarshal(readCorpus(t, "validator-v21-cases.json"), &cases); err != nil {
		t.Fatal(err)
	}
	var accepted, rejected, disagreed int
	for _, s := range cases.Pass {
		_, err := Parse(s)
		if d, ok := corpusDisagreements[s]; ok {
			disagreed++
			if (err == nil) != d.accept {
				t.Errorf("Parse(%q): err = %v, want accept = %v (disagreement: %s)", s, err, d.accept, d.reason)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q) = %v, want success", s, err)
			continue
		}
		accepted++
	}
	for _, c := range cases.Fail {
		_, err := Parse(c.Pattern)
		if d, ok := corpusDisagreements[c.Pattern]; ok {
			disagreed++
			if (err == nil) != d.accept {
				t.Errorf("Parse(%q): err = %v, want accept = %v (disagreement: %s)", c.Pattern, err, d.accept, d.reason)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError (%s)", c.Pattern, err, c.ExpectedError)
			continue
		}
		rejected++
		// Where the validator gives a grammar position, ours must be the same.
		if m := antlrPos.FindStringSubmatch(c.ExpectedError); m != nil {
			want, _ := strconv.Atoi(m[1])
			if se.Offset != want {
				t.Errorf("Parse(%q): offset %d (%v), want %d (%s)", c.Pattern, se.Offset, err, want, c.ExpectedError)
			}
		}
	}
	t.Logf("validator corpus: %d pass cases accepted, %d fail cases rejected, %d disagreements (of %d + %d)",
		accepted, rejected, disagreed, len(cases.Pass), len(cases.Fail))
}

func TestSpecExamples(t *testing.T) {
	sc := bufio.NewScanner(strings.NewReader(string(readCorpus(t, "validator-v21-spec_examples.txt"))))
	n := 0
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		n++
		p, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q) = %v, want success", s, err)
			continue
		}
		checkRoundTrip(t, s, p)
	}
	t.Logf("spec examples: %d parsed", n)
}
