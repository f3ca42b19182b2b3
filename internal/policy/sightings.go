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

// contribution is what one sighting (the version its reader may see) adds to its
// indicator's aggregate.
type contribution struct {
	indicator   string
	org         int64
	count       int64
	first, last time.Time
}

// sightings indexes the sightings held in the store by the indicators they name, kept up
// to date by reading the sighting versions added since the last look (on every node's
// behalf). It only says which sightings to look at: what an aggregate counts is read
// through the reader's own visibility, so that a sighting deleted since, or one the reader
// may not see, counts for nothing.
type sightings struct {
	// mu is held across a refresh and the read of its result: concurrent requests would
	// otherwise write the same maps at once.
	mu    sync.Mutex
	after firebreak.Cursor
	of    map[string]map[string]bool // indicator -> ids of sightings a version of which names it
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

// sightingsOf returns the ids of the sightings any version of which names indicator,
// sorted, after reading the sighting versions added since the last call.
func (g *Guard) sightingsOf(ctx context.Context, indicator string) ([]string, error) {
	s := &g.sight
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.of == nil {
		s.of = map[string]map[string]bool{}
	}
	err := g.follow(ctx, "sighting", firebreak.VersionFilter{All: true}, &s.after, func(objs []firebreak.Object) {
		for _, o := range objs {
			var v struct {
				Of string `json:"sighting_of_ref"`
			}
			if json.Unmarshal(o.Raw, &v) != nil || v.Of == "" {
				continue
			}
			if s.of[v.Of] == nil {
				s.of[v.Of] = map[string]bool{}
			}
			s.of[v.Of][o.ID] = true
		}
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(s.of[indicator]))
	for id := range s.of[indicator] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// contributions reads the sightings among ids that the caller may see, each in the latest
// version it may see, and returns what those that name indicator add to its aggregate.
func (g *Guard) contributions(ctx context.Context, indicator string, ids []string) ([]contribution, error) {
	var out []contribution
	for len(ids) > 0 {
		n := min(len(ids), 500)
		f := firebreak.ObjectFilter{IDs: ids[:n], Types: []string{"sighting"}, Limit: n}
		ids = ids[n:]
		for {
			page, err := g.Objects(ctx, firebreak.AliasShared, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				if c, ok := contributionOf(o); ok && c.indicator == indicator {
					out = append(out, c)
				}
			}
			if !page.More {
				break
			}
			f.After = page.Next
		}
	}
	return out, nil
}

// contributionOf reads one sighting version as its reader received it.
func contributionOf(o firebreak.Object) (contribution, bool) {
	var v struct {
		Of        string `json:"sighting_of_ref"`
		Count     *int64 `json:"count"`
		FirstSeen string `json:"first_seen"`
		LastSeen  string `json:"last_seen"`
		Created   string `json:"created"`
	}
	if json.Unmarshal(o.Raw, &v) != nil || v.Of == "" {
		return contribution{}, false
	}
	c := contribution{indicator: v.Of, org: o.Provider, count: 1}
	if v.Count != nil {
		c.count = max(*v.Count, 0)
	}
	c.first, _ = time.Parse(time.RFC3339Nano, firstOf(v.FirstSeen, v.Created))
	c.last, _ = time.Parse(time.RFC3339Nano, firstOf(v.LastSeen, v.FirstSeen, v.Created))
	return c, true
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
// indicator (to anyone else it does not exist). It counts the sightings that exist now and
// that the caller may see. Figures are released only when at least k distinct
// organisations other than the caller reported sightings, so that no single member can be
// singled out;
// the indicator's provider always learns the count and the first and last seen.
func (g *Guard) Sightings(ctx context.Context, indicator string) (SightingAggregate, error) {
	ctx = readingOnce(ctx)
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
	ids, err := g.sightingsOf(ctx, indicator)
	if err != nil {
		return SightingAggregate{}, err
	}
	cs, err := g.contributions(ctx, indicator, ids)
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
	// The floor counts the others: a reader that reported sightings itself could
	// otherwise subtract its own from a breakdown of k and single out the rest.
	others := len(orgs)
	if orgs[p.Org.ID] {
		others--
	}
	if others < k {
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
