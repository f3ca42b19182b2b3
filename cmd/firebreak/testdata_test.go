package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// shared is the project's shared test data, next to the checkout.
const shared = "../../../shared/testdata"

func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(shared, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test data not found (%v); it lives in ../shared/testdata beside the checkout", err)
	}
	return p
}

// objectsOf reads every object of a bundle file as its exact bytes.
func objectsOf(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []json.RawMessage
	r := stix.NewReader(f)
	for {
		raw, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, bytes.Clone(raw))
	}
}

func idAndVersion(t *testing.T, raw json.RawMessage) (string, string) {
	t.Helper()
	o, err := stix.Parse(raw)
	if err != nil {
		t.Fatalf("parse %.80s: %v", raw, err)
	}
	return o.ID, o.Version()
}

// TestATTACKVersions imports ATT&CK for ICS 17.0 then 18.0: every object comes back byte
// for byte, and the objects that changed between the releases are new versions.
func TestATTACKVersions(t *testing.T) {
	v17 := objectsOf(t, sharedFile(t, "mitre-attack-stix-data/ics-attack/ics-attack-17.0.json"))
	v18 := objectsOf(t, sharedFile(t, "mitre-attack-stix-data/ics-attack/ics-attack-18.0.json"))
	h := startHub(t, func(c *Config) { c.DefaultTLP = "clear" })
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	for _, release := range [][]json.RawMessage{v17, v18} {
		st, err := alice.AddObjects(ctx, inbox, release)
		if err != nil {
			t.Fatal(err)
		}
		if st.FailureCount != 0 || st.SuccessCount != len(release) {
			t.Fatalf("import: %d successes, %d failures (first %+v)", st.SuccessCount, st.FailureCount, st.Failures[:min(1, len(st.Failures))])
		}
	}
	// The first submission of each (id, version) is what the hub holds.
	want := map[string]string{} // id|version -> bytes
	versions := map[string][]string{}
	for _, release := range [][]json.RawMessage{v17, v18} {
		for _, raw := range release {
			id, v := idAndVersion(t, raw)
			k := id + "|" + v
			if _, ok := want[k]; !ok {
				want[k] = string(raw)
				versions[id] = append(versions[id], v)
			}
		}
	}
	// The provider gets every version back byte for byte. (Other readers get them with
	// the provider's identity withheld: see TestAnonymousByDefault.)
	mine := collectionID(t, alice, "mine")
	got := 0
	for raw, err := range alice.All(ctx, mine, taxiiclient.Query{Versions: []string{"all"}, Limit: 500}) {
		if err != nil {
			t.Fatal(err)
		}
		id, v := idAndVersion(t, raw)
		if w, ok := want[id+"|"+v]; !ok || w != string(raw) {
			t.Fatalf("%s version %s is not byte-identical to what was submitted", id, v)
		}
		got++
	}
	if got != len(want) {
		t.Errorf("got %d object versions, want %d", got, len(want))
	}
	bob := h.client(t, tokBob)
	shared := collectionID(t, bob, "shared")
	changed := 0
	for id, vs := range versions {
		if len(vs) < 2 {
			continue
		}
		changed++
		if changed > 25 {
			continue // checking every one over HTTP adds nothing
		}
		res, err := bob.Versions(ctx, shared, id, taxiiclient.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if own, err := alice.Versions(ctx, mine, id, taxiiclient.Query{}); err != nil || strings.Join(own.Versions, ",") != strings.Join(res.Versions, ",") {
			t.Errorf("%s: the provider's versions %v differ from a reader's %v (%v)", id, own.Versions, res.Versions, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(res.Versions, ",") != strings.Join(vs, ",") {
			t.Errorf("%s versions = %v, want %v", id, res.Versions, vs)
		}
	}
	if changed == 0 {
		t.Errorf("no object changed between 17.0 and 18.0: the data is not what this test expects")
	}
	t.Logf("%d object versions, %d objects with a new version in 18.0", got, changed)
}

// TestOASISExamples submits every OASIS example bundle: all are accepted, except the
// upstream example that is invalid on purpose, whose bad object is named.
func TestOASISExamples(t *testing.T) {
	dirs := []string{
		"oasis-cti-documentation-examples/examples/example_json",
		"oasis-cti-stix2-json-schemas/examples",
		"oasis-cti-stix-common-objects",
	}
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	n := 0
	for _, d := range dirs {
		root := sharedFile(t, d)
		err := filepath.WalkDir(root, func(path string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			objs := objectsOf(t, path)
			st, err := alice.AddObjects(ctx, inbox, objs)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return nil
			}
			n++
			if strings.Contains(path, "UPSTREAM-INVALID") {
				if st.FailureCount != 1 || st.Failures[0].ID != "relationship--1621d4d4-b67d-11e3-9670-f01faf20d111" ||
					!strings.Contains(st.Failures[0].Message, "created") || !strings.Contains(st.Failures[0].Message, "2022-101-27") {
					t.Errorf("%s: failures = %+v, want the relationship rejected for its created timestamp", path, st.Failures)
				}
				return nil
			}
			if st.FailureCount != 0 {
				t.Errorf("%s: %d failures: %+v", path, st.FailureCount, st.Failures)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 20 {
		t.Errorf("only %d example files found", n)
	}
}

// TestPagingOneDateAdded pages through 10,000 objects that share one date added: each
// comes back exactly once, in order, and paging ends.
func TestPagingOneDateAdded(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	const n = 10000
	objs := make([]json.RawMessage, n)
	for i := range objs {
		objs[i] = json.RawMessage(indicator("indicator--"+uuidN(100000+i), "2024-01-01T00:00:00.000Z", stix.TLPGreenID))
	}
	st, err := alice.AddObjects(ctx, inbox, objs)
	if err != nil || st.SuccessCount != n {
		t.Fatalf("submit: %d successes, err %v", st.SuccessCount, err)
	}
	bob := h.client(t, tokBob)
	shared := collectionID(t, bob, "shared")
	seen := make(map[string]bool, n)
	pages := 0
	q := taxiiclient.Query{Limit: 97}
	var first, last string
	for {
		page, err := bob.Objects(ctx, shared, q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages > n/97+2 {
			t.Fatalf("paging does not end after %d pages", pages)
		}
		if first == "" {
			first = page.DateAddedFirst
		}
		if page.DateAddedLast != "" {
			last = page.DateAddedLast
		}
		for _, raw := range page.Objects {
			id, _ := idAndVersion(t, raw)
			if seen[id] {
				t.Fatalf("%s returned twice", id)
			}
			seen[id] = true
		}
		if !page.More {
			break
		}
		q.Next = page.Next
	}
	if len(seen) != n {
		t.Errorf("saw %d objects, want %d", len(seen), n)
	}
	if first != last {
		t.Errorf("one submission, but date added runs from %s to %s", first, last)
	}
}
