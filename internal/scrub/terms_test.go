package scrub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestLeak11ProviderTermsMatchLoosely: the provider's name passed when written with other
// separators or case ("Acme-Energy", "AcmeEnergy").
func TestLeak11ProviderTermsMatchLoosely(t *testing.T) {
	tr := NewTerms([]string{"Acme Energy", "acme-energy.com", "BP", "Zeta"})
	tests := []struct{ in, want string }{
		{"Shared by Acme Energy today", "Shared by [redacted:provider] today"},
		{"Acme-Energy SOC", "[redacted:provider] SOC"},
		{"AcmeEnergy", "[redacted:provider]"},
		{"ACME.ENERGY", "[redacted:provider]"},
		{"acme  energy", "[redacted:provider]"},
		{"acme_energy_feed", "[redacted:provider]_feed"},
		{"x_acmeenergy", "x_[redacted:provider]"},
		{"myAcmeEnergyFeed", "my[redacted:provider]Feed"},
		{"acme\u00a0energy", "[redacted:provider]"},
		{"acme-energy-kill-chain", "[redacted:provider]-kill-chain"},
		// Not on word boundaries, or other words in between: not the provider.
		{"Acme Energyx and xacme Energy", "Acme Energyx and xacme Energy"},
		{"Acme, Energy", "Acme, Energy"},
		{"Acme Wind Energy", "Acme Wind Energy"},
		// Domains and their subdomains, defanged too.
		{"mail from soc@mail.acme-energy.com", "mail from soc@[redacted:provider]"},
		{"see https://www.ACME-ENERGY.COM/x", "see https://[redacted:provider]/x"},
		{"acme-energy[.]com and portal[.]acme-energy[.]com", "[redacted:provider] and [redacted:provider]"},
		{"notacme-energy.com", "notacme-energy.com"},
		{"acme-energy.community", "[redacted:provider].community"}, // the name, not the domain
		// One-word names on word boundaries, any case.
		{"ZETA, zeta and Zeta-labs but not Zetabyte", "[redacted:provider], [redacted:provider] and [redacted:provider]-labs but not Zetabyte"},
		// Short terms: exact whole word only.
		{"BP and bp and BPs and B.P.", "[redacted:provider] and bp and BPs and B.P."},
		// Markers are left whole.
		{"[redacted:provider] Acme Energy", "[redacted:provider] [redacted:provider]"},
	}
	for _, tt := range tests {
		got, fs := tr.Text(tt.in)
		if got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, f := range fs {
			if f.Kind != KindProvider || f.Start < 0 || f.End > len(tt.in) || f.Start >= f.End {
				t.Errorf("Text(%q): bad finding %+v", tt.in, f)
			}
		}
	}
}

func TestTermsIgnoreEmptyAndMarkerWords(t *testing.T) {
	tr := NewTerms([]string{"", "  ", "--", "provider", "redacted"})
	if got, _ := tr.Text("[redacted:provider] provider"); got != "[redacted:provider] [redacted:provider]" {
		t.Errorf("got %q", got)
	}
	if got, fs := NewTerms(nil).Text("Acme"); got != "Acme" || fs != nil {
		t.Errorf("no terms: got %q, %v", got, fs)
	}
}

// TestLeak11ProviderTermsInEveryString: the provider's name survived in external
// references, kill-chain names, labels and other strings that are not free text.
func TestLeak11ProviderTermsInEveryString(t *testing.T) {
	tr := NewTerms([]string{"Acme Energy", "acme-energy.com"})
	tests := []struct {
		name     string
		in, want string
		findings string // "path[key] value" joined by " | "
	}{
		{
			name: "external references, kill chains, labels",
			in: `{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--1","created":"2023-11-14T00:00:00Z","modified":"2023-11-14T00:00:00Z",
 "name":"Phish", "labels": ["acme-energy-internal", "phishing"],
 "external_references": [{"source_name": "AcmeEnergy CTI", "external_id": "ACME.ENERGY-2023-17", "url": "https://intel.acme-energy.com/r/17"}],
 "kill_chain_phases": [{"kill_chain_name": "acme_energy_chain", "phase_name": "delivery"}],
 "created_by_ref": "identity--acme-energy", "object_marking_refs": ["marking-definition--1"]}`,
			want: `{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--1","created":"2023-11-14T00:00:00Z","modified":"2023-11-14T00:00:00Z",
 "name":"Phish", "labels": ["[redacted:provider]-internal", "phishing"],
 "external_references": [{"source_name": "[redacted:provider] CTI", "external_id": "[redacted:provider]-2023-17", "url": "https://[redacted:provider]/r/17"}],
 "kill_chain_phases": [{"kill_chain_name": "[redacted:provider]_chain", "phase_name": "delivery"}],
 "created_by_ref": "identity--acme-energy", "object_marking_refs": ["marking-definition--1"]}`,
			findings: "labels[0] acme-energy | external_references[0].source_name AcmeEnergy | external_references[0].external_id ACME.ENERGY | external_references[0].url intel.acme-energy.com | kill_chain_phases[0].kill_chain_name acme_energy",
		},
		{
			name:     "indicator: pattern and its metadata kept, escapes re-encoded",
			in:       `{"type":"indicator","id":"indicator--acme-energy","created":"2023-11-14T00:00:00Z","pattern":"[domain-name:value = 'acme-energy.com']","pattern_type":"stix","valid_from":"2023-11-14T00:00:00Z","description":"Typosquat of Acme\u0020Energy \"portal\"","hashes":{"x":"acmeenergy"}}`,
			want:     `{"type":"indicator","id":"indicator--acme-energy","created":"2023-11-14T00:00:00Z","pattern":"[domain-name:value = 'acme-energy.com']","pattern_type":"stix","valid_from":"2023-11-14T00:00:00Z","description":"Typosquat of [redacted:provider] \"portal\"","hashes":{"x":"acmeenergy"}}`,
			findings: "description Acme Energy",
		},
		{
			// Member names stay, and so do the selectors that name them: a renamed member
			// would slip out from under its granular marking.
			name:     "custom property names and selectors kept, nested values redacted",
			in:       `{"type":"report","created":"x","x_acme_energy_score":7,"x_redacted_score":1,"x_meta":{"acmeenergy_owner":{"id":"x","note":"AcmeEnergy"}},"granular_markings":[{"marking_ref":"marking-definition--1","selectors":["x_acme_energy_score","description"]}]}`,
			want:     `{"type":"report","created":"x","x_acme_energy_score":7,"x_redacted_score":1,"x_meta":{"acmeenergy_owner":{"id":"x","note":"[redacted:provider]"}},"granular_markings":[{"marking_ref":"marking-definition--1","selectors":["x_acme_energy_score","description"]}]}`,
			findings: "x_meta.acmeenergy_owner.note AcmeEnergy",
		},
		{
			name:     "observed-data's embedded observables are values",
			in:       `{"type":"observed-data","created":"x","objects":{"0":{"type":"domain-name","value":"acme-energy.com"}},"x_note":"seen at Acme Energy"}`,
			want:     `{"type":"observed-data","created":"x","objects":{"0":{"type":"domain-name","value":"acme-energy.com"}},"x_note":"seen at [redacted:provider]"}`,
			findings: "x_note Acme Energy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fs, err := tr.Object([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("invalid JSON: %s", got)
			}
			if s := describeTermFindings(t, []byte(tt.in), fs); s != tt.findings {
				t.Errorf("findings\n%s\nwant\n%s", s, tt.findings)
			}
		})
	}
}

// describeTermFindings formats findings with the value each covers in its decoded string.
func describeTermFindings(t *testing.T, raw []byte, fs []Finding) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		v := termPath(t, doc, f.Path, false)
		parts[i] = fmt.Sprintf("%s %s", f.Path, v[f.Start:f.End])
	}
	return strings.Join(parts, " | ")
}

// termPath resolves a Finding path in a decoded document: the string at it, or, for a
// member name, its last key.
func termPath(t *testing.T, doc any, p string, key bool) string {
	t.Helper()
	cur := doc
	last := ""
	for p != "" {
		switch {
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			var i int
			fmt.Sscan(p[1:end], &i)
			cur = cur.([]any)[i]
			p = p[end+1:]
		default:
			p = strings.TrimPrefix(p, ".")
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			last = p[:end]
			cur = cur.(map[string]any)[last]
			p = p[end:]
		}
	}
	if key {
		return last
	}
	s, _ := cur.(string)
	return s
}

func TestTermsObjectLeavesCleanAndObservablesAlone(t *testing.T) {
	tr := NewTerms([]string{"Acme Energy", "acme-energy.com"})
	for _, in := range []string{
		`{"type":"report","created":"x","name":"Nothing to see","labels":["a"]}`,
		`{"type":"domain-name","id":"domain-name--1","value":"portal.acme-energy.com"}`,
		`{"type":"email-addr","value":"soc@acme-energy.com","display_name":"Acme Energy SOC"}`,
		`{"type":"x-acme-energy-thing","value":"acme energy"}`,
	} {
		out, fs, err := tr.Object([]byte(in))
		if err != nil || len(fs) != 0 || string(out) != in {
			t.Errorf("Object(%s) = %s, %v, %v; want it unchanged", in, out, fs, err)
		}
	}
	for _, in := range []string{`not json`, `[1]`, `{"name":"Acme Energy"}`, `{"type":"bundle","objects":[]}`} {
		if _, _, err := tr.Object([]byte(in)); err == nil {
			t.Errorf("Object(%s) accepted", in)
		}
	}
}

func FuzzTermsObject(f *testing.F) {
	for _, seed := range []struct{ obj, t1, t2 string }{
		{`{"type":"report","created":"x","name":"Acme-Energy","labels":["acme_energy"]}`, "Acme Energy", "acme-energy.com"},
		{`{"type":"report","created":"x","x_acme_a":1,"x_redacted_a":2,"x_ACME_a":3}`, "acme", ""},
		{`{"type":"note","created":"x","content":"\u0041cme \ud83d\ude00 [redacted:provider]","authors":["x"]}`, "provider", "Acme"},
		{`{"type":"indicator","created":"x","pattern":"[x:y = 'acme']","granular_markings":[{"selectors":["x_acme"]}]}`, "acme", "a"},
		{`{"type":"report","created":"x","d":"www[.]a-b.example sub.a-b.example."}`, "a-b.example", "ẞ"},
		{`{"type":"file","name":"acme"}`, "acme", ""},
	} {
		f.Add([]byte(seed.obj), seed.t1, seed.t2)
	}
	f.Fuzz(func(t *testing.T, in []byte, t1, t2 string) {
		tr := NewTerms([]string{t1, t2})
		out, fs, err := tr.Object(in)
		if err != nil {
			if json.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{")) &&
				!strings.Contains(err.Error(), "type") && !strings.Contains(err.Error(), "bundle") {
				t.Fatalf("Object(%s) refused a JSON object: %v", in, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Object(%s) with %q, %q = %s, not valid JSON", in, t1, t2, out)
		}
		if len(fs) == 0 && !bytes.Equal(out, in) {
			t.Fatalf("Object(%s) changed it without findings: %s", in, out)
		}
		if len(fs) > 0 && !tr.MayMatch(in) {
			t.Fatalf("MayMatch(%s) with %q, %q is false, but Object found %v", in, t1, t2, fs)
		}
		if got, want := bareSkeleton(out), bareSkeleton(in); got != want {
			t.Fatalf("Object(%s) = %s changed bytes outside strings:\n%s\n%s", in, out, got, want)
		}
		for _, fd := range fs {
			if fd.Kind != KindProvider || fd.Start < 0 || fd.End <= fd.Start {
				t.Fatalf("Object(%s): bad finding %+v", in, fd)
			}
		}
	})
}

// bareSkeleton is skeleton with member names blanked too.
func bareSkeleton(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); {
		if raw[i] != '"' {
			b.WriteByte(raw[i])
			i++
			continue
		}
		i = stringEnd(raw, i)
		b.WriteString(`""`)
	}
	return b.String()
}

// TestTermsMayMatchNeverMisses: whatever Object finds, MayMatch says yes to, escapes,
// no-break spaces and folded letters included.
func TestTermsMayMatchNeverMisses(t *testing.T) {
	tr := NewTerms([]string{"Acme Energy", "Kaspersky"})
	for _, in := range []string{
		`{"type":"note","created":"x","content":"Acme\nEnergy"}`,
		"{\"type\":\"note\",\"created\":\"x\",\"content\":\"Acme\u00a0Energy\"}",
		"{\"type\":\"note\",\"created\":\"x\",\"content\":\"\u212aaspersky\"}",
	} {
		_, fs, err := tr.Object([]byte(in))
		if err != nil || len(fs) == 0 {
			t.Fatalf("Object(%s) found nothing (%v): the test proves nothing", in, err)
		}
		if !tr.MayMatch([]byte(in)) {
			t.Errorf("MayMatch(%s) = false, but Object finds %v", in, fs)
		}
	}
}
