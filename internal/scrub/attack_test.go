package scrub

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// attackAllowed are the findings the ATT&CK for ICS descriptions may produce, keyed by object
// id and value, each with the reason it is acceptable. It is empty: the 2,126 descriptions of
// versions 17.0 and 18.0 produce no finding but the names of ATT&CK's contributors, which
// are people (see contributor). Add an entry only for a real personal-data-like
// string in the data, or with a reason why redacting it costs nothing.
var attackAllowed = map[string]string{}

// TestAttackDescriptionsHaveNoPersonalData scans the description of every object in the
// ATT&CK for ICS bundles: curated threat intelligence full of versions, ids, ports, addresses
// and citations, and free of personal data.
func TestAttackDescriptionsHaveNoPersonalData(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedTestdata(), "mitre-attack-stix-data/ics-attack/*.json"))
	if len(files) == 0 {
		t.Skip("ATT&CK for ICS data not present")
	}
	s := New(nil)
	descriptions, objects, contributors := 0, 0, 0
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
			var o struct {
				ID           string   `json:"id"`
				Description  string   `json:"description"`
				Contributors []string `json:"x_mitre_contributors"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatal(err)
			}
			out, fs, err := s.Object(raw)
			if err != nil {
				t.Fatal(err)
			}
			// ATT&CK credits its contributors by name: they are people, and a reader of
			// a member's copy losing the credit costs nothing. Any other finding fails.
			others := 0
			for _, f := range fs {
				if contributor(o.Contributors, f, raw) {
					contributors++
					continue
				}
				others++
				t.Errorf("%s %s: Object found %+v", filepath.Base(file), o.ID, f)
			}
			if len(fs) == 0 && &out[0] != &raw[0] {
				t.Errorf("%s %s: Object copied a clean object", filepath.Base(file), o.ID)
			}
			if o.Description == "" {
				continue
			}
			descriptions++
			_, fs = s.Text(o.Description)
			for _, f := range fs {
				v := o.Description[f.Start:f.End]
				if _, ok := attackAllowed[o.ID+" "+v]; ok {
					continue
				}
				if f.Kind == KindName && contributorNamed(o.Contributors, v) {
					continue // "Contributors: Joe Slowik - Dragos"
				}
				t.Errorf("%s %s: unexpected %s %q in %q", filepath.Base(file), o.ID, f.Kind, v,
					o.Description[max(0, f.Start-60):min(len(o.Description), f.End+60)])
			}
		}
	}
	t.Logf("scanned %d objects, %d descriptions; %d contributors' names found", objects, descriptions, contributors)
}

// sharedTestdata is the shared test data beside the checkout, or where
// FIREBREAK_SHARED_TESTDATA says (for a worktree that is not beside it).
func sharedTestdata() string {
	if d := os.Getenv("FIREBREAK_SHARED_TESTDATA"); d != "" {
		return d
	}
	return "../../../shared/testdata"
}

// contributor reports whether a finding of Object is the name of one of the object's
// credited contributors, in x_mitre_contributors or in the description's credit line.
func contributor(contributors []string, f Finding, raw []byte) bool {
	if f.Kind != KindName {
		return false
	}
	var doc map[string]any
	if json.Unmarshal(raw, &doc) != nil {
		return false
	}
	var v string
	switch {
	case strings.HasPrefix(f.Path, "x_mitre_contributors["):
		var i int
		fmt.Sscanf(f.Path, "x_mitre_contributors[%d]", &i)
		v = contributors[i][f.Start:f.End]
	case f.Path == "description":
		v = doc["description"].(string)[f.Start:f.End]
	default:
		return false
	}
	return contributorNamed(contributors, v)
}

func contributorNamed(contributors []string, v string) bool {
	for _, c := range contributors {
		if strings.HasPrefix(c, v) {
			return true
		}
	}
	return false
}
