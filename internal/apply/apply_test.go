package apply

import (
	"bytes"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
)

const example = `{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Acme Energy", "country": "us", "type": "private", "sectors": ["energy"],
     "parent": null, "status": "vetted",
     "attestations": [{"name": "secret", "expires": "2027-01-01T00:00:00Z"}, {"name": "iso27001"}],
     "affiliations": [{"name": "Foreign Vendor", "country": "cn"}]}
  ],
  "users": [{"name": "alice", "organization": "Acme Energy", "roles": ["analyst"],
             "token": "a-long-random-secret"}],
  "circles": [{"name": "us-energy", "members": ["Acme Energy"],
               "rules": {"countries": ["US"], "types": ["private", "cert"], "attestations": ["secret"],
                         "deny_affiliation_countries": ["CN", "ru"]}}],
  "peers": [{"name": "ca-hub", "url": "http://127.0.0.1:9443/api/", "country": "CA",
             "type": "cert", "token": "peer-secret-token", "direction": "pull", "interval": "2s",
             "max_tlp": "green"}]
}`

func TestParseExample(t *testing.T) {
	d, err := Parse(strings.NewReader(example))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if d.Hub.Name != "US national hub" || d.Hub.Operator != "US CERT" || d.Hub.Country != "US" {
		t.Errorf("hub = %+v", d.Hub)
	}
	if got := d.Organizations[1]; got.Country != "US" || got.Status != firebreak.OrgVetted || got.Parent != "" {
		t.Errorf("organization = %+v", got)
	}
	u := d.Users[0]
	if !bytes.Equal(u.TokenHash, firebreak.HashToken("a-long-random-secret")) {
		t.Errorf("token hash not the hash of the token")
	}
	if bytes.Contains(u.TokenHash, []byte("a-long-random-secret")) {
		t.Errorf("token kept in plain text")
	}
	o := d.Organizations[1]
	if len(o.Attestations) != 2 || o.Attestations[0].Expires.Year() != 2027 || !o.Attestations[1].Expires.IsZero() ||
		len(o.Affiliations) != 1 || o.Affiliations[0].Country != "CN" {
		t.Errorf("trust = %+v %+v", o.Attestations, o.Affiliations)
	}
	r := d.Circles[0].Rules
	if len(r.Countries) != 1 || len(r.Types) != 2 || r.Attestations[0] != "secret" || r.DenyAffiliationCountries[1] != "RU" {
		t.Errorf("rules = %+v", r)
	}
	p := d.Peers[0]
	if p.Interval.String() != "2s" || p.MaxTLP != firebreak.TLPGreen || p.Direction != "pull" || p.Type != firebreak.TypeCERT {
		t.Errorf("peer = %+v", p)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", `{"organizations":[{"name":"A","country":"US","type":"cert","stauts":"vetted"}]}`, `unknown field "stauts"`},
		{"syntax", "{\n\"hub\": }", "line 2"},
		{"trailing", `{} {}`, "data after"},
		{"bad country", `{"organizations":[{"name":"A","country":"USA","type":"cert"}]}`, `country "USA"`},
		{"bad type", `{"organizations":[{"name":"A","country":"US","type":"corp"}]}`, `type "corp"`},
		{"bad sector", `{"organizations":[{"name":"A","country":"US","type":"cert","sectors":["banking"]}]}`, `sector "banking"`},
		{"bad status", `{"organizations":[{"name":"A","country":"US","type":"cert","status":"ok"}]}`, `status "ok"`},
		{"own parent", `{"organizations":[{"name":"A","country":"US","type":"cert","parent":"A"}]}`, "own parent"},
		{"parent loop", `{"organizations":[{"name":"A","country":"US","type":"cert","parent":"B"},{"name":"B","country":"US","type":"cert","parent":"A"}]}`, "loops"},
		{"duplicate org", `{"organizations":[{"name":"A","country":"US","type":"cert"},{"name":"A","country":"US","type":"cert"}]}`, "declared twice"},
		{"short token", `{"users":[{"name":"u","organization":"A","token":"short"}]}`, "shorter than"},
		{"same token", `{"users":[{"name":"u","organization":"A","token":"0123456789abcdef"},{"name":"v","organization":"A","token":"0123456789abcdef"}]}`, `same as user "u"`},
		{"bad role", `{"users":[{"name":"u","organization":"A","roles":["root"]}]}`, `role "root"`},
		{"colon in user", `{"users":[{"name":"u:x","organization":"A"}]}`, "no colon"},
		{"bad circle", `{"circles":[{"name":"Energy Sector"}]}`, "a-z"},
		{"bad direction", `{"peers":[{"name":"p","url":"http://x/api/","country":"CA","direction":"sideways"}]}`, `direction "sideways"`},
		{"bad interval", `{"peers":[{"name":"p","url":"http://x/api/","country":"CA","direction":"pull","interval":"soon"}]}`, `interval "soon"`},
		{"bad url", `{"peers":[{"name":"p","url":"ftp://x","country":"CA","direction":"pull"}]}`, "url"},
		{"bad max tlp", `{"peers":[{"name":"p","url":"http://x/api/","country":"CA","direction":"pull","max_tlp":"purple"}]}`, "max_tlp"},
		{"bad attestation expiry", `{"organizations":[{"name":"A","country":"US","type":"cert","attestations":[{"name":"x","expires":"soon"}]}]}`, `expires "soon"`},
		{"nameless attestation", `{"organizations":[{"name":"A","country":"US","type":"cert","attestations":[{"name":""}]}]}`, "attestations[0]"},
		{"bad affiliation country", `{"organizations":[{"name":"A","country":"US","type":"cert","affiliations":[{"name":"V","country":"China"}]}]}`, `country "China"`},
		{"bad rule type", `{"circles":[{"name":"c","rules":{"types":["corp"]}}]}`, `type "corp"`},
		{"bad rule country", `{"circles":[{"name":"c","rules":{"countries":["USA"]}}]}`, `"USA"`},
		{"unknown rule", `{"circles":[{"name":"c","rules":{"sectors":["energy"]}}]}`, `unknown field "sectors"`},
		{"hub without operator", `{"hub":{"name":"h","country":"US"}}`, "operator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Parse(%s) = nil error, want one containing %q", tt.in, tt.want)
			}
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Errorf("code = %s, want invalid", firebreak.ErrorCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse(strings.NewReader(`{"hub":null,"x":"` + strings.Repeat("a", MaxFileBytes) + `"}`))
	if firebreak.ErrorCode(err) != firebreak.ETOOLARGE {
		t.Errorf("error = %v, want too_large", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte(`{"users":[{"name":"u","organization":"A","token":"0123456789abcdef"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(bytes.NewReader(b))
		if err != nil {
			if firebreak.ErrorCode(err) == firebreak.EINTERNAL {
				t.Fatalf("internal error for bad input: %v", err)
			}
			return
		}
		for _, u := range d.Users {
			if len(u.TokenHash) != 0 && len(u.TokenHash) != 32 {
				t.Fatalf("token hash of %d bytes", len(u.TokenHash))
			}
		}
	})
}

// TestParseErrorsSayNoInternals: a declaration the decoder refuses is described in the
// file's terms, never with the decoder's words (Go types and struct names).
func TestParseErrorsSayNoInternals(t *testing.T) {
	for _, doc := range []string{
		`{"organizations": [{"name": 5}]}`,
		`{"organizations": {"name": "x"}}`,
		`{"hub": "x"}`,
		`{"users": [{"roles": "admin"}]}`,
	} {
		_, err := Parse(strings.NewReader(doc))
		if err == nil {
			t.Fatalf("%s: accepted", doc)
		}
		msg := firebreak.ErrorMessage(err)
		for _, bad := range []string{"Go ", "struct", "apply.", "json:", "Decl"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: %q shows the decoder's internals (%q)", doc, msg, bad)
			}
		}
		if !strings.Contains(msg, "wrong type") {
			t.Errorf("%s: %q does not say which value has the wrong type", doc, msg)
		}
	}
}
