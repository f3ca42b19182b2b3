package policy

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
)

// DefaultSightingsK is how many distinct organisations must stand behind the sightings of
// an indicator before the hub releases a breakdown of them.
const DefaultSightingsK = 3

// contribution is what one sighting (its latest version) adds to its indicator's
// aggregate.
type contribution struct {
	indicator   string
	org         int64
	count       int64
	first, last time.Time
}

// sightings aggregates the sightings held in the store per indicator, kept up to date by
// reading the sighting versions added since the last look (on every node's behalf).
type sightings struct {
	// mu is held across a refresh and the read of its result: concurrent requests would
	// otherwise write the same maps at once.
	mu     sync.Mutex
	after  firebreak.Cursor
	byID   map[string]contribution   // sighting id -> its latest contribution
	latest map[string]string         // sighting id -> version key of that contribution
	agg    map[string][]contribution // indicator -> contributions
}

// SightingAggregate is what the hub releases about the sightings of one indicator.
type SightingAggregate struct {
	Indicator string `json:"indicator"`
	// Breakdown is true when at least MinOrganizations distinct organisations reported
	// sightings: only then are the figures below released (to the indicator's provider,
	// Count, FirstSeen and LastSeen always are).
	Breakdown        bool       `json:"breakdown"`
	MinOrganizations int        `json:"min_organizations"`
	Count            int64      `json:"count,omitempty"`
	Organizations    int        `json:"organizations,omitempty"`
	Sectors          []string   `json:"sectors,omitempty"`
	FirstSeen        *time.Time `json:"first_seen,omitempty"`
	LastSeen         *time.Time `json:"last_seen,omitempty"`
}

// sightingsOf returns the contributions to an indicator's aggregate, after reading the
// sighting versions added since the last call.
func (g *Guard) sightingsOf(ctx context.Context, indicator string) ([]contribution, error) {
	s := &g.sight
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := g.refreshSightings(ctx, s); err != nil {
		return nil, err
	}
	return slices.Clone(s.agg[indicator]), nil
}

// refreshSightings reads the sighting versions added since the last call into s, whose
// lock the caller holds.
func (g *Guard) refreshSightings(ctx context.Context, s *sightings) error {
	if s.byID == nil {
		s.byID, s.latest, s.agg = map[string]contribution{}, map[string]string{}, map[string][]contribution{}
	}
	for {
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{
			Types: []string{"sighting"}, After: s.after, Versions: firebreak.VersionFilter{All: true}, Limit: 1000})
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			var v struct {
				Of        string `json:"sighting_of_ref"`
				Count     *int64 `json:"count"`
				FirstSeen string `json:"first_seen"`
				LastSeen  string `json:"last_seen"`
				Created   string `json:"created"`
				Modified  string `json:"modified"`
			}
			if json.Unmarshal(o.Raw, &v) != nil || v.Of == "" {
				continue
			}
			key := v.Modified
			if prev, ok := s.latest[o.ID]; ok && prev >= key {
				continue // an older version arriving later changes nothing
			}
			c := contribution{indicator: v.Of, org: o.Provider, count: 1}
			if v.Count != nil {
				c.count = max(*v.Count, 0)
			}
			c.first, _ = time.Parse(time.RFC3339Nano, firstOf(v.FirstSeen, v.Created))
			c.last, _ = time.Parse(time.RFC3339Nano, firstOf(v.LastSeen, v.FirstSeen, v.Created))
			if old, ok := s.byID[o.ID]; ok {
				s.agg[old.indicator] = slices.DeleteFunc(s.agg[old.indicator], func(x contribution) bool { return x == old })
			}
			s.byID[o.ID], s.latest[o.ID] = c, key
			s.agg[c.indicator] = append(s.agg[c.indicator], c)
		}
		if len(page.Objects) > 0 {
			s.after = page.Next
		}
		if !page.More {
			return nil
		}
	}
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Sightings returns the aggregate of an indicator's sightings to a caller who may see the
// indicator (to anyone else it does not exist). Figures are released only when at least k
// distinct organisations reported sightings, so that no single member can be singled out;
// the indicator's provider always learns the count and the first and last seen.
func (g *Guard) Sightings(ctx context.Context, indicator string) (SightingAggregate, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return SightingAggregate{}, err
	}
	page, err := g.Objects(ctx, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{indicator}, Types: []string{"indicator"}, Limit: 1, MetadataOnly: true})
	if err != nil {
		return SightingAggregate{}, err
	}
	if len(page.Objects) == 0 {
		return SightingAggregate{}, firebreak.Errorf(firebreak.ENOTFOUND, "no indicator %s", clip(indicator))
	}
	cs, err := g.sightingsOf(ctx, indicator)
	if err != nil {
		return SightingAggregate{}, err
	}
	k := g.opts.SightingsK
	if k <= 0 {
		k = DefaultSightingsK
	}
	out := SightingAggregate{Indicator: indicator, MinOrganizations: k}
	orgs := map[int64]bool{}
	sectors := map[string]bool{}
	var first, last time.Time
	for _, c := range cs {
		out.Count += c.count
		orgs[c.org] = true
		for _, s := range d.orgs[c.org].Sectors {
			sectors[s] = true
		}
		if !c.first.IsZero() && (first.IsZero() || c.first.Before(first)) {
			first = c.first
		}
		if c.last.After(last) {
			last = c.last
		}
	}
	provider := page.Objects[0].Provider == p.Org.ID
	if len(orgs) < k {
		if !provider {
			out.Count = 0
			return out, nil
		}
	} else {
		out.Breakdown, out.Organizations = true, len(orgs)
		for s := range sectors {
			out.Sectors = append(out.Sectors, s)
		}
		slices.Sort(out.Sectors)
	}
	if !first.IsZero() {
		out.FirstSeen = &first
	}
	if !last.IsZero() {
		out.LastSeen = &last
	}
	return out, nil
}
