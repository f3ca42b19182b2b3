package scrub

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// attackAllowed are the findings the ATT&CK for ICS descriptions may produce, keyed by object
// id and value, each with the reason it is acceptable. It is empty: the 2,126 descriptions of
// versions 17.0 and 18.0 produce no finding. Add an entry only for a real personal-data-like
// string in the data, or with a reason why redacting it costs nothing.
var attackAllowed = map[string]string{}

// TestAttackDescriptionsHaveNoPersonalData scans the description of every object in the
// ATT&CK for ICS bundles: curated threat intelligence full of versions, ids, ports, addresses
// and citations, and free of personal data.
func TestAttackDescriptionsHaveNoPersonalData(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/testdata/mitre-attack-stix-data/ics-attack/*.json")
	if len(files) == 0 {
		t.Skip("ATT&CK for ICS data not present")
	}
	s := New(nil)
	descriptions, objects := 0, 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, raw := range bundle.Objects {
			// The whole object too: names, aliases, x_mitre_* and external references.
			objects++
			if out, fs, err := s.Object(raw); err != nil || len(fs) != 0 || &out[0] != &raw[0] {
				t.Errorf("%s: Object found %+v, error %v", filepath.Base(file), fs, err)
			}
			var o struct {
				ID          string `json:"id"`
				Description string `json:"description"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatal(err)
			}
			if o.Description == "" {
				continue
			}
			descriptions++
			_, fs := s.Text(o.Description)
			for _, f := range fs {
				v := o.Description[f.Start:f.End]
				if _, ok := attackAllowed[o.ID+" "+v]; ok {
					continue
				}
				t.Errorf("%s %s: unexpected %s %q in %q", filepath.Base(file), o.ID, f.Kind, v,
					o.Description[max(0, f.Start-60):min(len(o.Description), f.End+60)])
			}
		}
	}
	t.Logf("scanned %d objects, %d descriptions", objects, descriptions)
}
