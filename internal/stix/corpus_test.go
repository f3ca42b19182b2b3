package stix

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusGlobs are the real, public STIX 2.1 files every object of which the parser must
// accept, except those listed in upstreamInvalid.
var corpusGlobs = []string{
	"oasis-cti-documentation-examples/examples/example_json/*.json",
	"oasis-cti-stix2-json-schemas/examples/*.json",
	"oasis-cti-stix2-json-schemas/examples/*/*.json",
	"oasis-cti-stix-common-objects/*.json",
	"oasis-cti-stix-common-objects/*/*.json",
	"mitre-attack-stix-data/ics-attack/*.json",
	"misp-stix-tests/tests/*stix21*.json",
}

// upstreamInvalid lists the corpus objects that break a MUST of STIX 2.1, with the error
// the parser gives. Each is rejected on purpose, not by accident.
var upstreamInvalid = map[string]string{
	// oasis-cti-stix-common-objects keeps this bad date as a negative test.
	"relationship--1621d4d4-b67d-11e3-9670-f01faf20d111": `created: "2022-101-27T13:49:54.326Z" is not a valid timestamp`,
}

// corpusTotal is the number of objects in the corpus; a change means the test data changed.
const corpusTotal = 4152

func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, g := range corpusGlobs {
		m, err := filepath.Glob(filepath.Join(testdata, g))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("test data absent")
	}
	sort.Strings(files)
	return files
}

// corpusObject is one object of the corpus and the file it comes from.
type corpusObject struct {
	file string
	raw  []byte
}

func corpus(t testing.TB) []corpusObject {
	var out []corpusObject
	for _, f := range corpusFiles(t) {
		for _, raw := range readAll(t, f) {
			out = append(out, corpusObject{filepath.Base(f), raw})
		}
	}
	return out
}

func TestCorpusIsAccepted(t *testing.T) {
	objs := corpus(t)
	if len(objs) != corpusTotal {
		t.Errorf("corpus has %d objects, want %d", len(objs), corpusTotal)
	}
	byKind := map[Kind]int{}
	rejected := map[string]bool{}
	for _, c := range objs {
		o, err := Parse(c.raw)
		if err != nil {
			var m struct{ ID string }
			_ = json.Unmarshal(c.raw, &m)
			id := m.ID
			want, listed := upstreamInvalid[id]
			if !listed {
				t.Errorf("%s: %v", c.file, err)
				continue
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want an error containing %q", c.file, err, want)
			}
			rejected[id] = true
			continue
		}
		byKind[o.Kind]++
		if !bytes.Equal(o.Raw, c.raw) {
			t.Errorf("%s: %s: Raw differs from the input", c.file, o.ID)
		}
		if o.Kind == KindSDO || o.Kind == KindSRO {
			if VersionKey(o.Version()) == "" {
				t.Errorf("%s: %s: no version key for %q", c.file, o.ID, o.Version())
			}
		}
	}
	for id := range upstreamInvalid {
		if !rejected[id] {
			t.Errorf("%s is listed as invalid upstream but was not rejected", id)
		}
	}
	t.Logf("%d objects: %d SDO, %d SRO, %d SCO, %d meta, %d rejected as listed", len(objs),
		byKind[KindSDO], byKind[KindSRO], byKind[KindSCO], byKind[KindMeta], len(rejected))
}

// TestCorpusSplitAgreesWithReader reads every bundle both ways.
func TestCorpusSplitAgreesWithReader(t *testing.T) {
	for _, f := range corpusFiles(t) {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		streamed := readAll(t, f)
		i := skipSpace(body, 0)
		if body[i] != '{' || !bytes.Contains(body, []byte(`"objects"`)) {
			continue // an array or a single object: only the Reader takes those
		}
		split, err := SplitObjects(body)
		if err != nil {
			t.Errorf("SplitObjects(%s): %v", f, err)
			continue
		}
		if len(split) != len(streamed) {
			t.Errorf("%s: SplitObjects %d objects, Reader %d", f, len(split), len(streamed))
			continue
		}
		for j := range split {
			if !bytes.Equal(split[j], streamed[j]) {
				t.Errorf("%s: object %d differs between SplitObjects and Reader", f, j)
			}
		}
	}
}
