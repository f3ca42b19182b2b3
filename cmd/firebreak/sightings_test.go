package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/stix"
)

const sightingsDecl = `{
  "hub": {"name": "hub", "country": "US", "operator": "CERT"},
  "organizations": [
    {"name": "CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "P", "country": "US", "type": "private", "sectors": ["energy"], "status": "vetted"},
    {"name": "A", "country": "US", "type": "private", "sectors": ["energy"], "status": "vetted"},
    {"name": "B", "country": "US", "type": "private", "sectors": ["financial-services"], "status": "vetted"},
    {"name": "C", "country": "US", "type": "private", "sectors": ["water-and-wastewater-systems"], "status": "vetted"}
  ],
  "users": [
    {"name": "op", "organization": "CERT", "roles": ["operator"], "token": "cert-token-0123456789"},
    {"name": "p", "organization": "P", "roles": ["analyst"], "token": "p-token-0123456789ab"},
    {"name": "a", "organization": "A", "roles": ["analyst"], "token": "a-token-0123456789ab"},
    {"name": "b", "organization": "B", "roles": ["analyst"], "token": "b-token-0123456789ab"},
    {"name": "c", "organization": "C", "roles": ["analyst"], "token": "c-token-0123456789ab"}
  ]
}`

func sighting(n int, of string, count int) string {
	return fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--%s","created":"2026-03-0%dT00:00:00.000Z","modified":"2026-03-0%dT00:00:00.000Z","first_seen":"2026-03-0%dT00:00:00Z","last_seen":"2026-03-0%dT06:00:00Z","sighting_of_ref":%q,"count":%d,"object_marking_refs":["%s"]}`,
		uuidN(n), n%9+1, n%9+1, n%9+1, n%9+1, of, count, stix.TLPGreenID)
}

// TestSightingsFloor: k-1 organisations show no breakdown, k do; the provider always sees
// the count; a reader who cannot see the indicator gets 404.
func TestSightingsFloor(t *testing.T) {
	h := startHubWith(t, sightingsDecl, nil)
	ind := "indicator--" + uuidN(1)
	submitAs(t, h, "p-token-0123456789ab", indicator(ind, "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	agg := func(token string) (map[string]any, int) {
		resp := do(t, "GET", h.URL+"/v1/sightings/"+ind, "Bearer "+token, nil, nil)
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return m, resp.StatusCode
	}
	submitAs(t, h, "a-token-0123456789ab", sighting(2, ind, 5))
	submitAs(t, h, "b-token-0123456789ab", sighting(3, ind, 2))
	m, code := agg("a-token-0123456789ab")
	if code != 200 || m["breakdown"] != false || m["count"] != nil || m["organizations"] != nil || m["first_seen"] != nil {
		t.Errorf("two organisations (k=3): %d %v, want no figures", code, m)
	}
	m, _ = agg("p-token-0123456789ab")
	if m["breakdown"] != false || m["count"] != float64(7) || m["organizations"] != nil {
		t.Errorf("the provider below k: %v, want the count and no breakdown", m)
	}
	submitAs(t, h, "c-token-0123456789ab", sighting(4, ind, 1))
	// A reader that reported one of the three sees two others: under k, so that it cannot
	// subtract itself and single the others out.
	if m, _ = agg("b-token-0123456789ab"); m["breakdown"] != false || m["count"] != nil {
		t.Errorf("three organisations, one of them the reader: %v, want no figures", m)
	}
	m, _ = agg("p-token-0123456789ab")
	if m["breakdown"] != true || m["count"] != float64(8) || m["organizations"] != float64(3) {
		t.Errorf("three organisations: %v", m)
	}
	if sectors, _ := m["sectors"].([]any); len(sectors) != 3 {
		t.Errorf("sectors = %v", m["sectors"])
	}
	// A new version of a sighting replaces its contribution.
	submitAs(t, h, "c-token-0123456789ab", strings.Replace(sighting(4, ind, 10), `"modified":"2026-03-05T00:00:00.000Z"`, `"modified":"2026-03-06T00:00:00.000Z"`, 1))
	if m, _ = agg("p-token-0123456789ab"); m["count"] != float64(17) {
		t.Errorf("after a new version: count %v, want 17", m["count"])
	}
	// An indicator the caller cannot see does not exist for it.
	hidden := "indicator--" + uuidN(9)
	submitAs(t, h, "p-token-0123456789ab", indicator(hidden, "2026-01-01T00:00:00.000Z", stix.TLPRedID))
	if resp := do(t, "GET", h.URL+"/v1/sightings/"+hidden, "Bearer a-token-0123456789ab", nil, nil); resp.StatusCode != 404 {
		t.Errorf("sightings of a hidden indicator: %d, want 404", resp.StatusCode)
	}
}
