package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/stix"
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
