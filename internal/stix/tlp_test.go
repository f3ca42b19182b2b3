package stix

import (
	"os"
	"path/filepath"
	"testing"

	firebreak "github.com/firebreak/firebreak"
)

const testdata = "../../../shared/testdata"

// readAll returns every object of a bundle, envelope, array or single-object file.
func readAll(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("test data absent: %v", err)
	}
	defer f.Close()
	var out [][]byte
	r := NewReader(f)
	for {
		raw, err := r.Next()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("%s: %v", path, err)
			}
			return out
		}
		out = append(out, raw)
	}
}

// TestTLPIdsMatchCommonObjects pins the TLP constants to the marking definitions OASIS
// publishes, and checks that TLPOf and Parse agree with them.
func TestTLPIdsMatchCommonObjects(t *testing.T) {
	dir := filepath.Join(testdata, "oasis-cti-stix-common-objects")
	want2 := map[string]struct {
		id  string
		tlp firebreak.TLP
	}{
		"tlp-clear.json":        {TLPClearID, firebreak.TLPClear},
		"tlp-green.json":        {TLPGreenID, firebreak.TLPGreen},
		"tlp-amber.json":        {TLPAmberID, firebreak.TLPAmber},
		"tlp-amber-strict.json": {TLPAmberStrictID, firebreak.TLPAmberStrict},
		"tlp-red.json":          {TLPRedID, firebreak.TLPRed},
	}
	for file, w := range want2 {
		objs := readAll(t, filepath.Join(dir, "tlp-2.0", file))
		if len(objs) != 1 {
			t.Fatalf("%s: %d objects, want 1", file, len(objs))
		}
		o, err := Parse(objs[0])
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if o.ID != w.id {
			t.Errorf("%s: id %s, constant %s", file, o.ID, w.id)
		}
		if _, ok := o.Extensions[TLP2ExtensionID]; !ok {
			t.Errorf("%s: no extension %s", file, TLP2ExtensionID)
		}
		if got, ok := TLPOf(o.ID); !ok || got != w.tlp {
			t.Errorf("TLPOf(%s) = %v %v, want %v", o.ID, got, ok, w.tlp)
		}
	}
	want1 := map[string]firebreak.TLP{
		"TLP:WHITE": firebreak.TLPClear, "TLP:GREEN": firebreak.TLPGreen,
		"TLP:AMBER": firebreak.TLPAmber, "TLP:RED": firebreak.TLPRed,
	}
	ids1 := map[string]string{"TLP:WHITE": TLP1WhiteID, "TLP:GREEN": TLP1GreenID, "TLP:AMBER": TLP1AmberID, "TLP:RED": TLP1RedID}
	objs := readAll(t, filepath.Join(dir, "tlp-1.0-from-stix2.1-spec.json"))
	if len(objs) != 4 {
		t.Fatalf("TLP 1.0: %d objects, want 4", len(objs))
	}
	for _, raw := range objs {
		o, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if ids1[o.Name] != o.ID {
			t.Errorf("%s: id %s, constant %s", o.Name, o.ID, ids1[o.Name])
		}
		if got, ok := TLPOf(o.ID); !ok || got != want1[o.Name] {
			t.Errorf("TLPOf(%s) = %v %v, want %v", o.Name, got, ok, want1[o.Name])
		}
	}
	for _, id := range []string{"", "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd", TLP2ExtensionID, PolicyExtensionID} {
		if _, ok := TLPOf(id); ok {
			t.Errorf("TLPOf(%q) = true, want false", id)
		}
	}
}
