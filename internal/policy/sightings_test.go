package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// sharedIndicator is an indicator under TLP:CLEAR that every vetted member sees.
func sharedIndicator(n int, value string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"shared %d","pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		n, n, value, stix.TLPClearID))
}

// sighting is a sighting of indicator n, numbered s, under the given marking.
func sighting(s, n int, count int, marking string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-%012d","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","sighting_of_ref":"indicator--00000000-0000-4000-8000-%012d","count":%d,"first_seen":"2026-01-02T00:00:00Z","last_seen":"2026-01-03T00:00:00Z","object_marking_refs":["%s"]}`,
		s, n, count, marking))
}

func indicatorID(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }

func (h *hub) submit(ctx context.Context, objs ...json.RawMessage) {
	h.t.Helper()
	st, err := h.guard.Submit(ctx, firebreak.AliasInbox, objs)
	if err != nil || len(st.Failures) != 0 {
		h.t.Fatalf("submit: %+v %v", st, err)
	}
}

// TestSightingsConcurrentRefresh reads aggregates from many goroutines while sightings
// arrive; run with -race, a refresh that writes the shared cache unlocked is reported.
func TestSightingsConcurrentRefresh(t *testing.T) {
	h := newHub(t)
	co, dept := h.as("co-token-0123456789"), h.as("dept-token-0123456789")
	h.submit(co, sharedIndicator(1, "192.0.2.1"))
	h.submit(dept, sighting(1, 1, 1, stix.TLPClearID))
	if _, err := h.guard.Sightings(co, indicatorID(1)); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		var objs []json.RawMessage
		for i := range 20 {
			objs = append(objs, sighting(100+round*20+i, 1, 1, stix.TLPClearID))
		}
		h.submit(dept, objs...)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if _, err := h.guard.Sightings(co, indicatorID(1)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	got, err := h.guard.Sightings(co, indicatorID(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(101); got.Count != want {
		t.Errorf("the provider's count = %d, want %d", got.Count, want)
	}
}

// TestSightingsCountOnlyWhatTheReaderMaySee: an aggregate counts the sightings that still
// exist and that its reader may see, nothing else.
func TestSightingsCountOnlyWhatTheReaderMaySee(t *testing.T) {
	h := newHub(t)
	co, dept, op := h.as("co-token-0123456789"), h.as("dept-token-0123456789"), h.as("op-token-0123456789")
	h.submit(co, sharedIndicator(1, "192.0.2.1"))
	h.submit(op, sighting(1, 1, 1, stix.TLPClearID))
	h.submit(co, sighting(2, 1, 1, stix.TLPClearID))
	h.submit(dept, sighting(3, 1, 1, stix.TLPClearID))
	// Seen by the operators only (proprietary): nobody else may count it.
	h.submit(op, json.RawMessage(restrictiveMark), json.RawMessage(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-000000000004","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","sighting_of_ref":"%s","count":50,"first_seen":"2025-06-01T00:00:00Z","last_seen":"2026-06-01T00:00:00Z","object_marking_refs":["%s","marking-definition--00000000-0000-4000-8000-0000000000c1"]}`, indicatorID(1), stix.TLPAmberID)))
	check := func(name string, ctx context.Context, wantBreakdown bool, wantCount int64, wantOrgs int) {
		t.Helper()
		got, err := h.guard.Sightings(ctx, indicatorID(1))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Breakdown != wantBreakdown || got.Count != wantCount || got.Organizations != wantOrgs {
			t.Errorf("%s: breakdown %v, count %d, organizations %d; want %v, %d, %d", name, got.Breakdown, got.Count, got.Organizations, wantBreakdown, wantCount, wantOrgs)
		}
		if got.LastSeen != nil && (got.LastSeen.Year() != 2026 || got.LastSeen.Month() != 1) {
			t.Errorf("%s: last seen %v comes from a sighting the reader may not see", name, got.LastSeen)
		}
	}
	// Both readers reported a sighting themselves: the floor counts the others, two,
	// under k, so no breakdown (the provider still learns its count).
	check("reader, all visible sightings", dept, false, 0, 0)
	check("provider", co, false, 3, 0)
	// The department deletes its sighting: two organisations are left, under k.
	if err := h.guard.Delete(dept, firebreak.AliasMine, "sighting--00000000-0000-4000-8000-000000000003", firebreak.VersionFilter{All: true}, nil); err != nil {
		t.Fatal(err)
	}
	check("reader, after a deletion", dept, false, 0, 0)
	check("provider, after a deletion", co, false, 2, 0)
}
