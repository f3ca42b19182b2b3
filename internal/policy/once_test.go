package policy_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/match"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// epochCounter counts how often the guard asks the store whether the directory moved.
type epochCounter struct {
	*sqlite.Store
	n atomic.Int64
}

func (c *epochCounter) Epoch(ctx context.Context) (int64, error) {
	c.n.Add(1)
	return c.Store.Epoch(ctx)
}

// TestMultiReadOperationsLoadTheDirectoryOnce: the guard's operations that read a page or
// a batch at a time through its own readers look at the directory's epoch once per call.
func TestMultiReadOperationsLoadTheDirectoryOnce(t *testing.T) {
	h := newHub(t)
	co, dept := h.as("co-token-0123456789"), h.as("dept-token-0123456789")
	h.submit(co, sharedIndicator(1, "192.0.2.1"))
	h.submit(dept, sighting(1, 1, 1, stix.TLPClearID))
	counter := &epochCounter{Store: h.store}
	g := policy.NewGuard(counter, policy.Options{Clock: h.clock, DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(h.store)})
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Sightings", func(ctx context.Context) error { _, err := g.Sightings(ctx, indicatorID(1)); return err }},
		{"Match", func(ctx context.Context) error {
			_, err := g.Match(ctx, []match.Observable{{Type: "ipv4-addr", Path: "value", Value: "192.0.2.1"}})
			return err
		}},
		{"MatchSet", func(ctx context.Context) error { _, err := g.MatchSet(ctx); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter.n.Store(0)
			if err := tt.call(dept); err != nil {
				t.Fatal(err)
			}
			if got := counter.n.Load(); got != 1 {
				t.Errorf("%s read the epoch %d times, want 1", tt.name, got)
			}
		})
	}
}
