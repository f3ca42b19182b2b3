package scrub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
)

func TestObjectRedactsFreeTextOnly(t *testing.T) {
	s := New([]string{"Jane Doe"})
	tests := []struct {
		name     string
		in, want string
		findings string // "path kind value" joined by " | "; value from the decoded string
	}{
		{
			name:     "description, other bytes kept",
			in:       `{ "type":"report",  "id":"report--1", "created":"2023-11-14T00:00:00Z",` + "\n\t" + `"description" : "Ask Jane Doe (jane@acme.example)" , "x":1 }`,
			want:     `{ "type":"report",  "id":"report--1", "created":"2023-11-14T00:00:00Z",` + "\n\t" + `"description" : "Ask [redacted:name] ([redacted:email])" , "x":1 }`,
			findings: "description name Jane Doe | description email jane@acme.example",
		},
		{
			name:     "escapes decoded, redacted and re-encoded",
			in:       `{"type":"note","created":"2023-11-14T00:00:00Z","content":"Line 1\nMail: jane\u0040acme.example \"quoted\" \u00e9\/x"}`,
			want:     `{"type":"note","created":"2023-11-14T00:00:00Z","content":"Line 1\nMail: [redacted:email] \"quoted\" é/x"}`,
			findings: "content email jane@acme.example",
		},
		{
			name:     "key spelled with escapes",
			in:       `{"type":"report","created":"2023-11-14T00:00:00Z","descr\u0069ption":"call 555-123-4567"}`,
			want:     `{"type":"report","created":"2023-11-14T00:00:00Z","descr\u0069ption":"call [redacted:phone]"}`,
			findings: "description phone 555-123-4567",
		},
		{
			name: "nested external references",
			in: `{"type":"attack-pattern","created":"2023-11-14T00:00:00Z","name":"Spearphishing",
"external_references":[{"source_name":"mitre-attack","external_id":"T1566","url":"https://attack.mitre.org/techniques/T1566/?m=bob@x.example"},
{"source_name":"blog","description":"Written by Jane Doe"},
{"source_name":"cert","description":"Contact +44 20 7946 0958","x_contact":"ir@cert.example"}]}`,
			want: `{"type":"attack-pattern","created":"2023-11-14T00:00:00Z","name":"Spearphishing",
"external_references":[{"source_name":"mitre-attack","external_id":"T1566","url":"https://attack.mitre.org/techniques/T1566/?m=bob@x.example"},
{"source_name":"blog","description":"Written by [redacted:name]"},
{"source_name":"cert","description":"Contact [redacted:phone]","x_contact":"[redacted:email]"}]}`,
			findings: "external_references[1].description name Jane Doe | external_references[2].description phone +44 20 7946 0958 | external_references[2].x_contact email ir@cert.example",
		},
		{
			name: "custom properties and dictionaries",
			in: `{"type":"incident","created":"2023-11-14T00:00:00Z","x_acme_owner":{"name":"Jane Doe","phone":"(555) 123-4567","id":"identity--1","user_ref":"identity--2","tags":["a@b.example", 5, true, null]},
"analyst_notes":"SSN 123-45-6789","x_acme_score":7}`,
			want: `{"type":"incident","created":"2023-11-14T00:00:00Z","x_acme_owner":{"name":"[redacted:name]","phone":"[redacted:phone]","id":"identity--1","user_ref":"identity--2","tags":["[redacted:email]", 5, true, null]},
"analyst_notes":"SSN [redacted:ssn]","x_acme_score":7}`,
			findings: "x_acme_owner.name name Jane Doe | x_acme_owner.phone phone (555) 123-4567 | x_acme_owner.tags[0] email a@b.example | analyst_notes ssn 123-45-6789",
		},
		{
			name:     "extensions",
			in:       `{"type":"threat-actor","created":"2023-11-14T00:00:00Z","extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","handler":"jane@acme.example"}}}`,
			want:     `{"type":"threat-actor","created":"2023-11-14T00:00:00Z","extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","handler":"[redacted:email]"}}}`,
			findings: "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e.handler email jane@acme.example",
		},
		{
			name:     "structured properties untouched",
			in:       `{"type":"identity","created":"2023-11-14T00:00:00Z","created_by_ref":"identity--a@b.example","labels":["555-123-4567"],"name":"Jane Doe","contact_information":"jane@acme.example, +1 555 123 4567","sectors":["energy"]}`,
			want:     `{"type":"identity","created":"2023-11-14T00:00:00Z","created_by_ref":"identity--a@b.example","labels":["555-123-4567"],"name":"[redacted:name]","contact_information":"[redacted:email], [redacted:phone]","sectors":["energy"]}`,
			findings: "name name Jane Doe | contact_information email jane@acme.example | contact_information phone +1 555 123 4567",
		},
		{
			name:     "opinion and note authors",
			in:       `{"type":"opinion","created":"2023-11-14T00:00:00Z","opinion":"agree","explanation":"Confirmed by Jane Doe","authors":["Jane Doe"],"object_refs":["indicator--1"]}`,
			want:     `{"type":"opinion","created":"2023-11-14T00:00:00Z","opinion":"agree","explanation":"Confirmed by [redacted:name]","authors":["[redacted:name]"],"object_refs":["indicator--1"]}`,
			findings: "explanation name Jane Doe | authors[0] name Jane Doe",
		},
		{
			name: "pattern untouched, its address and phone left in the text",
			in: `{"type":"indicator","created":"2023-11-14T00:00:00Z","pattern_type":"stix","valid_from":"2023-11-14T00:00:00Z",
"pattern":"[email-message:from_ref.value = 'billing@invoice-secure.top'] OR [x-phone:number = '+1-555-123-4567']",
"description":"Lures from Billing@Invoice-Secure.top and (555) 123-4567; victim bob@acme.example"}`,
			want: `{"type":"indicator","created":"2023-11-14T00:00:00Z","pattern_type":"stix","valid_from":"2023-11-14T00:00:00Z",
"pattern":"[email-message:from_ref.value = 'billing@invoice-secure.top'] OR [x-phone:number = '+1-555-123-4567']",
"description":"Lures from Billing@Invoice-Secure.top and (555) 123-4567; victim [redacted:email]"}`,
			findings: "description email bob@acme.example",
		},
		{
			name:     "observed-data embedded objects untouched",
			in:       `{"type":"observed-data","created":"2023-11-14T00:00:00Z","first_observed":"2023-11-14T00:00:00Z","last_observed":"2023-11-14T00:00:00Z","number_observed":1,"objects":{"0":{"type":"email-addr","value":"jane@acme.example","display_name":"Jane Doe"}},"x_note":"from jane@acme.example"}`,
			want:     `{"type":"observed-data","created":"2023-11-14T00:00:00Z","first_observed":"2023-11-14T00:00:00Z","last_observed":"2023-11-14T00:00:00Z","number_observed":1,"objects":{"0":{"type":"email-addr","value":"jane@acme.example","display_name":"Jane Doe"}},"x_note":"from [redacted:email]"}`,
			findings: "x_note email jane@acme.example",
		},
		{
			name:     "language content",
			in:       `{"type":"language-content","created":"2023-11-14T00:00:00Z","object_ref":"report--1","object_modified":"2023-11-14T00:00:00Z","contents":{"fr":{"description":"Contactez Jane Doe"}}}`,
			want:     `{"type":"language-content","created":"2023-11-14T00:00:00Z","object_ref":"report--1","object_modified":"2023-11-14T00:00:00Z","contents":{"fr":{"description":"Contactez [redacted:name]"}}}`,
			findings: "contents.fr.description name Jane Doe",
		},
		{
			name:     "odd keys are quoted in paths",
			in:       `{"type":"report","created":"2023-11-14T00:00:00Z","x_map":{"a.b":"jane@acme.example"}}`,
			want:     `{"type":"report","created":"2023-11-14T00:00:00Z","x_map":{"a.b":"[redacted:email]"}}`,
			findings: `x_map["a.b"] email jane@acme.example`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fs, err := s.Object([]byte(tt.in))
			if err != nil {
				t.Fatalf("Object: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Object =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON")
			}
			if f := describe(t, []byte(tt.in), fs); f != tt.findings {
				t.Errorf("findings = %q, want %q", f, tt.findings)
			}
		})
	}
}

// describe renders findings as "path kind value", reading each value from the decoded string
// at the finding's path.
func describe(t *testing.T, raw []byte, fs []Finding) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range fs {
		s, ok := lookupPath(doc, f.Path)
		if !ok || f.Start < 0 || f.End > len(s) || f.Start >= f.End {
			t.Fatalf("finding %+v does not point into a string (%q)", f, s)
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", f.Path, f.Kind, s[f.Start:f.End]))
	}
	return strings.Join(parts, " | ")
}

// lookupPath follows a finding path (a.b[2].c, x["a.b"]) in a decoded document.
func lookupPath(doc any, p string) (string, bool) {
	for p != "" {
		switch {
		case strings.HasPrefix(p, `["`):
			end := strings.Index(p, `"]`)
			m, _ := doc.(map[string]any)
			doc, p = m[p[2:end]], p[end+2:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			var i int
			fmt.Sscan(p[1:end], &i)
			a, _ := doc.([]any)
			if i >= len(a) {
				return "", false
			}
			doc, p = a[i], p[end+1:]
		default:
			p = strings.TrimPrefix(p, ".")
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			m, _ := doc.(map[string]any)
			doc, p = m[p[:end]], p[end:]
		}
	}
	s, ok := doc.(string)
	return s, ok
}

func TestObjectLeavesObservablesAlone(t *testing.T) {
	s := New([]string{"Jane Doe"})
	for _, in := range []string{
		`{"type":"email-addr","id":"email-addr--1","value":"jane@acme.example","display_name":"Jane Doe"}`,
		`{"type":"user-account","id":"user-account--1","user_id":"jdoe","display_name":"Jane Doe","x_phone":"555-123-4567"}`,
		`{"type":"file","id":"file--1","name":"Jane Doe 555-123-4567.docx"}`,
		`{"type":"x-acme-phone","id":"x-acme-phone--1","number":"+1 555 123 4567"}`,
	} {
		got, fs, err := s.Object([]byte(in))
		if err != nil || fs != nil || string(got) != in {
			t.Errorf("Object(%s) = %s, %v, %v; want it unchanged", in, got, fs, err)
		}
	}
}

func TestObjectReturnsRawWhenClean(t *testing.T) {
	s := New(nil)
	raw := []byte(`{"type":"indicator","created":"2023-11-14T00:00:00Z","description":"C2 at 185.220.101.45, CVE-2021-44228"}`)
	got, fs, err := s.Object(raw)
	if err != nil || fs != nil {
		t.Fatalf("Object: %v, %v", fs, err)
	}
	if &got[0] != &raw[0] || len(got) != len(raw) {
		t.Errorf("Object returned a copy, want raw itself")
	}
}

func TestObjectRejects(t *testing.T) {
	s := New(nil)
	for _, in := range []string{
		``, `{`, `{"type":"report",}`, `[]`, `"report"`, `{"type":1}`, `{"id":"report--1"}`,
		`{"type":"bundle","id":"bundle--1","objects":[]}`, `{"type":"report"} {}`,
	} {
		_, _, err := s.Object([]byte(in))
		if got := firebreak.ErrorCode(err); got != firebreak.EINVALID {
			t.Errorf("Object(%q) error code %q (%v), want %q", in, got, err, firebreak.EINVALID)
		}
	}
}

func TestObjectIsIdempotent(t *testing.T) {
	s := New([]string{"Jane Doe"})
	in := []byte(`{"type":"note","created":"2023-11-14T00:00:00Z","content":"Jane Doe\t<jane@acme.example> \u2028 call 555-123-4567"}`)
	once, fs, err := s.Object(in)
	if err != nil || len(fs) != 3 {
		t.Fatalf("Object: %v findings, %v", len(fs), err)
	}
	twice, more, err := s.Object(once)
	if err != nil || more != nil || !bytes.Equal(once, twice) {
		t.Errorf("second Object = %s, %v, %v; want unchanged", twice, more, err)
	}
}
