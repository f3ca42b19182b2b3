package scrub

import (
	"fmt"
	"strings"
	"testing"
)

// TestPersonNamesPrecisionRecall scores the detection of names that no directory lists
// against testdata/persons.jsonl: threat-intelligence sentences in English, French and
// Spanish with and without names of people (the negatives are full of capitalised names
// that are not people: malware, tools, threat actors, vendors, places, ATT&CK techniques,
// months), and 100 sentences of the ATT&CK for ICS descriptions. The scrubber has no
// listed names, so every name found is found by the lists and cues alone. A finding counts
// when a label has exactly the same substring.
func TestPersonNamesPrecisionRecall(t *testing.T) {
	corpus := readLabelled(t, "testdata/persons.jsonl")
	if len(corpus) < 300 {
		t.Fatalf("corpus has %d sentences, want at least 300", len(corpus))
	}
	s := New(nil)
	tp, fp, fn := 0, 0, 0
	for i, e := range corpus {
		_, found := s.Text(e.Text)
		want := map[string]int{}
		for _, f := range e.Findings {
			if f.Kind == KindName {
				want[f.Value]++
			}
		}
		for _, f := range found {
			if f.Kind != KindName {
				continue
			}
			if v := e.Text[f.Start:f.End]; want[v] > 0 {
				want[v]--
				tp++
			} else {
				fp++
				t.Logf("line %d: false positive %q in %q", i+1, v, e.Text)
			}
		}
		for v, n := range want {
			fn += n
			for ; n > 0; n-- {
				t.Logf("line %d: missed %q in %q", i+1, v, e.Text)
			}
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	summary := fmt.Sprintf("person names: %d sentences, %d labelled names, tp=%d fp=%d fn=%d, precision=%.3f recall=%.3f",
		len(corpus), tp+fn, tp, fp, fn, precision, recall)
	t.Log(summary)
	if testing.Verbose() {
		fmt.Println(summary)
	}
	if precision < 0.9 {
		t.Errorf("precision %.3f, want >= 0.90", precision)
	}
	if recall < 0.9 {
		t.Errorf("recall %.3f, want >= 0.90", recall)
	}
}

func TestPersonNames(t *testing.T) {
	s := New(nil)
	tests := []struct{ text, want string }{
		{"call Jane Doe at the office", "call [redacted:name] at the office"},
		{"Mr. Smith and Mrs Jones", "Mr. [redacted:name] and Mrs [redacted:name]"},
		{"Sra. María Fernández", "Sra. [redacted:name]"},
		{"contact Pierre-Louis Martin", "contact [redacted:name]"},
		{"Regards,\nJane", "Regards,\n[redacted:name]"},
		{"Jane's laptop", "[redacted:name]'s laptop"},
		{"Robert M. Lee wrote it", "[redacted:name] wrote it"},
		{"María José García de la Cruz", "[redacted:name]"},
		// Not people.
		{"Agent Tesla, Cobalt Strike, Mimikatz, Emotet", "Agent Tesla, Cobalt Strike, Mimikatz, Emotet"},
		{"Fancy Bear, Lazarus Group, Sandworm Team", "Fancy Bear, Lazarus Group, Sandworm Team"},
		{"Microsoft Windows, Palo Alto Networks", "Microsoft Windows, Palo Alto Networks"},
		{"San Francisco, Los Angeles, Jan 5, May 2023, April Fools", "San Francisco, Los Angeles, Jan 5, May 2023, April Fools"},
		{"MS SQL & Oracle", "MS SQL & Oracle"},
		{"see https://example.com/Jane/Doe and jane.doe@x", "see https://example.com/Jane/Doe and jane.doe@x"},
		{"(Citation: Joe Slowik April 2019)", "(Citation: Joe Slowik April 2019)"},
		{"PowerShell Empire and CrowdStrike Falcon", "PowerShell Empire and CrowdStrike Falcon"},
	}
	for _, tt := range tests {
		if got, _ := s.Text(tt.text); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	// Listed names only: nothing but the list.
	if got, fs := New([]string{"Jane Doe"}, ListedNamesOnly()).Text("call John Smith or Jane Doe"); got != "call John Smith or [redacted:name]" || len(fs) != 1 {
		t.Errorf("ListedNamesOnly: got %q, %v", got, fs)
	}
	// Citations in external references keep their authors; a description elsewhere does not.
	out, fs, err := s.Object([]byte(`{"type":"report","created":"x","description":"Ask John Smith.","external_references":[{"source_name":"x","description":"John Smith. (2019, April 1). Title. Retrieved May 2, 2019."}]}`))
	if err != nil || len(fs) != 1 || !strings.Contains(string(out), `"Ask [redacted:name]."`) || !strings.Contains(string(out), `"John Smith. (2019`) {
		t.Errorf("Object: %s, %+v, %v", out, fs, err)
	}
}
