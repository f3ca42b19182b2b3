package scrub

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// corpusEntry is one labelled snippet of testdata/corpus.jsonl: free text as it occurs in
// threat reports, incident descriptions, sighting notes and opinions, and the personal data a
// careful human reviewer finds in it (kind and exact substring).
type corpusEntry struct {
	Text     string `json:"text"`
	Findings []struct {
		Kind  Kind   `json:"kind"`
		Value string `json:"value"`
	} `json:"findings"`
}

func readCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	return readLabelled(t, "testdata/corpus.jsonl")
}

// readLabelled reads a labelled corpus in the format of testdata/corpus.jsonl.
func readLabelled(t testing.TB, file string) []corpusEntry {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s:%d: %v", file, line, err)
		}
		for _, f := range e.Findings {
			if !strings.Contains(e.Text, f.Value) {
				t.Fatalf("%s:%d: label %q is not in the text", file, line, f.Value)
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readNames(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/names.txt")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names
}

// TestCorpusPrecisionRecall scores the detectors against the labelled corpus. A finding counts
// as a true positive when a label has the same kind and exactly the same substring.
func TestCorpusPrecisionRecall(t *testing.T) {
	corpus := readCorpus(t)
	if len(corpus) < 200 {
		t.Fatalf("corpus has %d snippets, want at least 200", len(corpus))
	}
	s := New(readNames(t))
	tp, fp, fn := 0, 0, 0
	for i, e := range corpus {
		_, found := s.Text(e.Text)
		want := map[string]int{}
		for _, f := range e.Findings {
			want[string(f.Kind)+"\x00"+f.Value]++
		}
		for _, f := range found {
			key := string(f.Kind) + "\x00" + e.Text[f.Start:f.End]
			if want[key] > 0 {
				want[key]--
				tp++
				continue
			}
			fp++
			t.Logf("line %d: false positive %s %q in %q", i+1, f.Kind, e.Text[f.Start:f.End], e.Text)
		}
		for key, n := range want {
			for ; n > 0; n-- {
				fn++
				kind, value, _ := strings.Cut(key, "\x00")
				t.Logf("line %d: missed %s %q in %q", i+1, kind, value, e.Text)
			}
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	summary := fmt.Sprintf("scrub corpus: %d snippets, %d labelled findings, tp=%d fp=%d fn=%d, precision=%.3f recall=%.3f",
		len(corpus), tp+fn, tp, fp, fn, precision, recall)
	t.Log(summary)
	if testing.Verbose() {
		fmt.Println(summary)
	}
	if recall < 0.95 {
		t.Errorf("recall %.3f, want >= 0.95", recall)
	}
	if precision < 0.90 {
		t.Errorf("precision %.3f, want >= 0.90", precision)
	}
}
