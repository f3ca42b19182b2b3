package scrub

import (
	"fmt"
	"strings"
	"testing"
)

// found renders findings as "kind:value" for comparison.
func found(text string, fs []Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s:%s", f.Kind, text[f.Start:f.End]))
	}
	return strings.Join(parts, " | ")
}

func TestTextDetects(t *testing.T) {
	s := New([]string{"Jane Doe", "Jane", "Jean-Luc Tremblay", "María José García", "Liam O'Connor", "Li"})
	tests := []struct {
		name, text, want string
	}{
		// E-mail addresses.
		{"email", "mail bob.jones@acme-logistics.com now", "email:bob.jones@acme-logistics.com"},
		{"email plus tag", "to oncall+ics@plant7.energy.", "email:oncall+ics@plant7.energy"},
		{"email upper case", "BY ANALYST@CSIRT.EXAMPLE.NET", "email:ANALYST@CSIRT.EXAMPLE.NET"},
		{"email in angle brackets", "<a@b.example.org>", "email:a@b.example.org"},
		{"email in URL query", "https://x.example/?hint=alice.w@acme.com&x=1", "email:alice.w@acme.com"},
		{"email mailto", "mailto:ir@tailspin.aero", "email:ir@tailspin.aero"},
		{"email punycode", "x@xn--bcher-kva.xn--p1ai", "email:x@xn--bcher-kva.xn--p1ai"},
		{"no email: localhost", "user@localhost", ""},
		{"no email: package version", "left-pad@1.3.0 and @babel/core@7.23.3", ""},
		{"no email: file", "icon@2x.png", ""},
		{"no email: handle", "@dark_phoenix99", ""},
		{"no email: defanged", "bob[@]evil[.]com and admin[at]m4il[.]ru and x@evil[.]com", ""},
		{"no email: git remote", "git@github.com:org/repo.git", ""},
		{"no email: double dot", "a..b@example.com", ""},

		// Phones.
		{"nanp parens", "call (555) 123-4567 now", "phone:(555) 123-4567"},
		{"nanp dashes", "555-123-4567", "phone:555-123-4567"},
		{"nanp dots", "555.123.4567", "phone:555.123.4567"},
		{"nanp +1 spaces", "+1 555 123 4567", "phone:+1 555 123 4567"},
		{"nanp 1-800", "1-800-555-0199", "phone:1-800-555-0199"},
		{"nanp extension", "555-123-4567x89", "phone:555-123-4567"},
		{"nanp N11 area", "911-555-1234", ""},
		{"nanp mixed separators", "555-123.4567", ""},
		{"nanp spaces need keyword", "ports 445 587 3389", ""},
		{"nanp spaces with keyword", "phone 555 234 5678", "phone:555 234 5678"},
		{"intl uk", "+44 20 7946 0958 24 hours", "phone:+44 20 7946 0958"},
		{"intl trunk", "+49 (0)30 1234567", "phone:+49 (0)30 1234567"},
		{"intl paren area", "+1 (888) 555-0142", "phone:+1 (888) 555-0142"},
		{"intl compact", "+14155550123", "phone:+14155550123"},
		{"intl russia", "+7 916 123-45-67", "phone:+7 916 123-45-67"},
		{"intl too short", "+1234567", ""},
		{"intl compact needs ten digits", "grew by +25000000 bots", ""},
		{"nanp spaces in list", "phone list 555 234 5678 9000", ""},
		{"intl too long", "+1234567890123456", ""},
		{"utc offset", "UTC+05:30 and GMT+1", ""},
		{"timestamp offset", "2021-12-10T10:00:00+00:00", ""},
		{"plain ten digits need keyword", "epoch 1699953813", ""},
		{"plain ten digits with keyword", "call me at 5552348765", "phone:5552348765"},
		{"national with keyword", "Telephone: 020 7946 0958", "phone:020 7946 0958"},
		{"00 prefix with keyword", "tel 0044 20 7946 0958", "phone:0044 20 7946 0958"},
		{"local with keyword", "call the desk at 555-0123", "phone:555-0123"},
		{"local without keyword", "see rule 555-0123", ""},
		{"phone in URL", "hxxp://x[.]top/dl/555-123-4567/a and https://a.example/555-123-4567", ""},
		{"phone in path", `C:\Temp\555-123-4567.dat and /tmp/555-123-4567`, ""},
		{"phone after equals", "id=555-123-4567", ""},
		{"two phones with slash", "555-123-4567/555-987-6543", "phone:555-123-4567 | phone:555-987-6543"},

		// SSN.
		{"ssn", "SSN 123-45-6789.", "ssn:123-45-6789"},
		{"ssn area 000", "000-12-3456", ""},
		{"ssn area 666", "666-12-3456", ""},
		{"ssn area 9xx", "900-12-3456", ""},
		{"ssn group 00", "123-00-4567", ""},
		{"ssn serial 0000", "123-45-0000", ""},
		{"ssn void sample", "078-05-1120", ""},
		{"ssn spaced with keyword", "social security number 287 65 4321", "ssn:287 65 4321"},
		{"ssn plain with keyword", "SSN: 612394871", "ssn:612394871"},
		{"ssn plain without keyword", "message id 612394871", ""},

		// SIN.
		{"sin spaced", "SIN 046 454 286", "sin:046 454 286"},
		{"sin dashed", "046-454-286", "sin:046-454-286"},
		{"sin bad luhn", "046 454 287", ""},
		{"sin quantity", "123 456 789 bytes", ""},
		{"sin plain with keyword", "social insurance number 183016617", "sin:183016617"},
		{"sin plain without keyword", "watermark 183016617", ""},
		{"sin business number", "846 454 283", ""},
		{"sin in list of ports", "ports 135 445 443", ""},
		{"sin in list of numbers", "80 135 445 443 3389", ""},

		// CURP.
		{"curp", "CURP: SABC560626MDFLRN01.", "curp:SABC560626MDFLRN01"},
		{"curp bad check digit", "SABC560626MDFLRN02", ""},
		{"curp bad state", "SABC560626MXXLRN01", ""},
		{"curp bad date", "SABC561326MDFLRN01", ""},
		{"curp inside word", "XSABC560626MDFLRN01", ""},
		{"curp lower case", "sabc560626mdflrn01", ""},

		// Cards.
		{"card spaced", "4111 1111 1111 1111 exp 12/26", "card:4111 1111 1111 1111"},
		{"card dashed", "5555-5555-5555-4444", "card:5555-5555-5555-4444"},
		{"card plain", "|4242424242424242|09|27|", "card:4242424242424242"},
		{"card amex 4-6-5", "3782 822463 10005", "card:3782 822463 10005"},
		{"card diners 14", "3056 9309 0259 04", "card:3056 9309 0259 04"},
		{"card then year", "4111 1111 1111 1111 2026", "card:4111 1111 1111 1111"},
		{"card bad luhn", "4111 1111 1111 1112", ""},
		{"card unknown prefix", "1111111111111117", ""},
		{"card in hash", "a4111111111111111b", ""},
		{"card in domain", "4111111111111111.oast.example.com", ""},
		{"card in URL", "https://x.example/a?id=4111111111111111", ""},
		{"card in uuid", "12345678-4111-1111-1111-111111111111", ""},

		// Names.
		{"name", "Thanks to Jane Doe.", "name:Jane Doe"},
		{"name longest first", "Jane Doe and Jane", "name:Jane Doe | name:Jane"},
		{"name case", "JANE DOE", "name:JANE DOE"},
		{"name white space", "jane \n doe", "name:jane \n doe"},
		{"name hyphen", "Jean-Luc Tremblay's PCAP", "name:Jean-Luc Tremblay"},
		{"name apostrophe", "liam o'connor", "name:liam o'connor"},
		{"name accents", "MARÍA JOSÉ GARCÍA", "name:MARÍA JOSÉ GARCÍA"},
		{"name word boundary", "janet doerr, LiWei, Jane_Doe, Jane2", ""}, // lower case: not a name by its shape either
		{"name short", "Li", "name:Li"},
		{"name in marker", "[redacted:name] Jane", "name:Jane"},

		// Threat intelligence that is not personal data.
		{"ipv4 and cidr", "185.220.101.45 and 185.220.101.0/24", ""},
		{"ipv6", "2001:db8:85a3::8a2e:370:7334", ""},
		{"hashes", "5d41402abc4b2a76b9719d911017c592 3395856ce81f2b7382dee72602f798b642f14140", ""},
		{"versions", "1.2.3.4, 10.0.19041.1288, 2.103.4567", ""},
		{"dates", "2023-11-14T09:26:53.123Z 14/11/2023 15.11.2023", ""},
		{"cve", "CVE-2021-44228 CVE-2023-34362", ""},
		{"attack ids", "T1059.001 G0016 S0154 T0800", ""},
		{"ports", "4444, 8080, 8443 and 50050; 502/tcp", ""},
		{"registry", `HKLM\SOFTWARE\Run\5551234567`, ""},
		{"uuid", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", ""},
		{"file size", "4194304 bytes", ""},
		{"long decimal", "1724356789012345678", ""},
		{"amount", "$4111111111111111", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs := s.Text(tt.text)
			if got := found(tt.text, fs); got != tt.want {
				t.Errorf("Text(%q) found %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestTextRedacts(t *testing.T) {
	s := New([]string{"Jane Doe"})
	tests := []struct{ text, want string }{
		{"", ""},
		{"nothing here 10.0.0.1", "nothing here 10.0.0.1"},
		{"Jane Doe <jane@example.com>, +1 555 123 4567",
			"[redacted:name] <[redacted:email]>, [redacted:phone]"},
		{"SSN 123-45-6789 card 4111111111111111", "SSN [redacted:ssn] card [redacted:card]"},
		// A detected value is redacted everywhere, also where the detector would not take it.
		{"call 555-123-4567 or see https://x.example/555-123-4567",
			"call [redacted:phone] or see https://x.example/[redacted:phone]"},
		// Markers already there are left alone.
		{"[redacted:email] and [redacted:phone]", "[redacted:email] and [redacted:phone]"},
	}
	for _, tt := range tests {
		got, fs := s.Text(tt.text)
		if got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if again, more := s.Text(got); again != got || len(more) != 0 {
			t.Errorf("Text(Text(%q)) = %q with %d findings, want unchanged", tt.text, again, len(more))
		}
		if got == tt.text && fs != nil {
			t.Errorf("Text(%q) returned findings %v without redacting", tt.text, fs)
		}
	}
}

func TestTextReturnsInputWhenClean(t *testing.T) {
	s := New(nil)
	in := strings.Repeat("T1059.001 185.220.101.45 ", 10)
	got, fs := s.Text(in)
	if got != in || fs != nil {
		t.Errorf("Text changed clean text: %q, %v", got, fs)
	}
}

func TestFindingOffsets(t *testing.T) {
	s := New(nil)
	text := "é mail bob@example.com"
	_, fs := s.Text(text)
	if len(fs) != 1 || fs[0].Start != 8 || fs[0].End != len(text) || fs[0].Path != "" {
		t.Fatalf("findings = %+v, want one email at [8:%d]", fs, len(text))
	}
}

func TestNewIgnoresUnusableNames(t *testing.T) {
	s := New([]string{"", "   ", "1234", "-", "'x"})
	if len(s.names.byFirst) != 0 {
		t.Errorf("names kept: %v", s.names.byFirst)
	}
}

func TestPatternLiterals(t *testing.T) {
	p := `[email-addr:value = 'bob@evil.example'] OR [x:y = 'it\'s \\ here']`
	got := patternLiterals(p)
	want := []string{"bob@evil.example", `it's \ here`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("patternLiterals = %q, want %q", got, want)
	}
}
