package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// TestMatchEndpoint: hits only on indicators the caller may see; a hidden indicator is a
// plain no-match.
func TestMatchEndpoint(t *testing.T) {
	h := startHub(t, nil)
	mk := func(n int, pattern, marking string) string {
		return `{"type":"indicator","spec_version":"2.1","id":"indicator--` + uuidN(n) + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"ind ` + uuidN(n)[28:] + `","pattern":"` + pattern + `","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["` + marking + `"]}`
	}
	submitAs(t, h, tokAlice,
		mk(1, "[ipv4-addr:value = '198.51.100.7']", stix.TLPGreenID),
		mk(2, "[domain-name:value = 'evil.example']", stix.TLPRedID), // only Alice sees it
		mk(3, "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", stix.TLPClearID),
	)
	post := func(token, body string) []map[string]any {
		resp := do(t, "POST", h.URL+"/v1/match", "Bearer "+token, nil, strings.NewReader(body))
		if resp.StatusCode != 200 {
			t.Fatalf("match: %d", resp.StatusCode)
		}
		var out struct{ Hits []map[string]any }
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Hits
	}
	body := `{"values":["198.51.100.7","evil.example","203.0.113.99","192.0.2.1"]}`
	if hits := post(tokBob, body); len(hits) != 2 || hits[0]["indicator"] != "indicator--"+uuidN(1) || hits[1]["indicator"] != "indicator--"+uuidN(3) {
		t.Errorf("Bob's hits = %v, want the green and the clear indicator only", hits)
	}
	if hits := post(tokAlice, body); len(hits) != 3 {
		t.Errorf("Alice's hits = %v, want all three", hits)
	}
	typed := `{"observables":[{"type":"domain-name","path":"value","value":"EVIL.example"}]}`
	if hits := post(tokBob, typed); len(hits) != 0 {
		t.Errorf("a hidden indicator matched for Bob: %v", hits)
	}
	// A revoked indicator stops matching.
	submitAs(t, h, tokAlice, strings.Replace(mk(1, "[ipv4-addr:value = '198.51.100.7']", stix.TLPGreenID), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-02-01T00:00:00.000Z","revoked":true`, 1))
	if hits := post(tokBob, `{"values":["198.51.100.7"]}`); len(hits) != 0 {
		t.Errorf("a revoked indicator still matches: %v", hits)
	}
}

func TestMatchCommand(t *testing.T) {
	h := startHub(t, nil)
	submitAs(t, h, tokAlice,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(11)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLPGreenID+`"]}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(12)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"bad domain","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLPGreenID+`"]}`)
	log := t.TempDir() + "/conn.log"
	lines := []string{
		`{"ts":1767225600.1,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":51000,"id.resp_h":"198.51.100.7","id.resp_p":443,"proto":"tcp"}`,
		`{"ts":1767225601.2,"uid":"C2","id.orig_h":"10.0.0.6","id.orig_p":51001,"id.resp_h":"192.0.2.10","id.resp_p":53,"proto":"udp","query":"evil.example"}`,
		`{"ts":1767225602.3,"uid":"C3","id.orig_h":"10.0.0.7","id.orig_p":51002,"id.resp_h":"192.0.2.11","id.resp_p":80,"proto":"tcp"}`,
		`not json at all`,
	}
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := cli(t, "", "match", "--hub", h.URL, "--token", tokBob, "--format", "zeek-json", "--json", "--report", log)
	if err != nil {
		t.Fatalf("match: %v\n%s", err, errOut)
	}
	var hits []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			hits = append(hits, m)
		}
	}
	if len(hits) != 2 || hits[0]["indicator"] != "indicator--"+uuidN(11) || hits[0]["line"] != float64(1) || hits[1]["value"] != "evil.example" {
		t.Errorf("hits = %v", hits)
	}
	if !strings.Contains(errOut, "line 4") && !strings.Contains(errOut, ":4") {
		t.Errorf("the bad line is not reported with its number: %s", errOut)
	}
	// The hits went back as sightings, provided by Bob's organisation.
	bob := h.client(t, tokBob)
	page, err := bob.Objects(context.Background(), collectionID(t, bob, "mine"), taxiiclient.Query{Types: []string{"sighting"}})
	if err != nil || len(page.Objects) != 2 {
		t.Errorf("reported sightings: %d (%v)", len(page.Objects), err)
	}
}

// TestMatchWithHashedSet: a member exports the indicators it may see as keyed hashes and
// matches its logs against them, holding no value in the clear.
func TestMatchWithHashedSet(t *testing.T) {
	h := startHub(t, nil)
	submitAs(t, h, tokAlice,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(21)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2","pattern":"[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLPGreenID+`"]}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(22)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"net","pattern":"[ipv4-addr:value ISSUBSET '203.0.113.0/24']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLPGreenID+`"]}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(23)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"secret","pattern":"[ipv4-addr:value = '192.0.2.99']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLPRedID+`"]}`)
	body := get(t, h.URL+"/v1/match/set", tokBob)
	for _, clear := range []string{"198.51.100.7", "evil.example", "192.0.2.99"} {
		if strings.Contains(string(body), clear) {
			t.Errorf("the hashed set holds %q in the clear", clear)
		}
	}
	dir := t.TempDir()
	os.WriteFile(dir+"/set.json", body, 0o600)
	os.WriteFile(dir+"/values.txt", []byte("EVIL.example\n192.0.2.99\n198.51.100.7\n10.1.1.1\n"), 0o600)
	out, errOut, err := cli(t, "", "match", "--set", dir+"/set.json", "--json", dir+"/values.txt")
	if err != nil {
		t.Fatalf("match --set: %v %s", err, errOut)
	}
	got := strings.Count(out, "indicator--"+uuidN(21))
	if got != 2 || strings.Contains(out, uuidN(23)) || !strings.Contains(errOut, "1 indicators") {
		t.Errorf("hits:\n%s\n%s", out, errOut)
	}
}

// failingReader yields its data, then fails with err on every later read.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestMatchReaderFailure checks that match skips a bad line but stops at an error that
// the log reader returns for good (an unreadable input, a --path it cannot use), instead
// of reporting it again and again without end.
func TestMatchReaderFailure(t *testing.T) {
	dir := t.TempDir()
	set, err := json.Marshal(policy.HashedSet{Format: policy.SetFormat, Key: make([]byte, 16)})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/set.json", set, 0o600)
	tests := []struct {
		name  string
		stdin io.Reader
		args  []string
		want  string
	}{
		{"unreadable input", &failingReader{data: "198.51.100.7\nnot a value\n", err: errors.New("disk on fire")}, nil, "disk on fire"},
		{"unusable path", strings.NewReader("198.51.100.7\n"), []string{"--path", "nonsense"}, "nonsense"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"match", "--set", dir + "/set.json", "--format", "lines"}, tt.args...)
			done := make(chan error, 1)
			go func() { done <- run(context.Background(), append(args, "-"), tt.stdin, io.Discard, io.Discard) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("match: error %v, want one that mentions %q", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("match did not end after the reader failed for good")
			}
		})
	}
}
