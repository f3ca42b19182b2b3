package policy

import (
	"context"
	"slices"

	"github.com/firebreak/firebreak"
)

// Withdrawn returns to the calling peer hub the ids of the objects it must remove, from
// the withdrawals recorded after position after (at most limit of them examined): a
// delete, or a version tightened beyond what the peer may have, of an object the peer
// could see. next is the position to ask from next time, and more whether withdrawals
// beyond it wait. Only withdrawals of versions the peer could see are ever named, so the
// list says nothing of what it could not; an id stays at the peer while a version of it
// that the peer may have remains (another copy of the id, or versions not deleted).
func (g *Guard) Withdrawn(ctx context.Context, after int64, limit int) (ids []string, next int64, more bool, err error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if p.Peer == nil {
		return nil, 0, false, firebreak.Errorf(firebreak.EFORBIDDEN, "withdrawals are for peer hubs")
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	if err := g.loadPolicies(ctx); err != nil {
		return nil, 0, false, err
	}
	now := g.opts.Clock.Now()
	r := d.reader(p, now)
	vis, _, err := g.visibility(ctx, r, d, firebreak.Collection{Alias: firebreak.AliasShared}, now)
	if err != nil {
		return nil, 0, false, err
	}
	ws, err := g.store.Withdrawals(ctx, after, limit+1)
	if err != nil {
		return nil, 0, false, err
	}
	if len(ws) > limit {
		ws, more = ws[:limit], true
	}
	next = after
	for _, w := range ws {
		next = w.Seq
		prov := d.provider(w.Provider)
		saw := false
		for _, id := range w.Policies {
			g.mu.Lock()
			pi, ok := g.policies[id]
			g.mu.Unlock()
			if ok && Decide(r, prov, pi.doc).Visible {
				saw = true
				break
			}
		}
		if !saw || slices.Contains(ids, w.ID) {
			continue
		}
		keep, err := g.stillHas(ctx, r, vis, w)
		if err != nil {
			return nil, 0, false, err
		}
		if !keep {
			ids = append(ids, w.ID)
		}
	}
	return ids, next, more, nil
}

// stillHas reports whether the peer may still have the object of withdrawal w: after a
// delete, when it may see a version of the id (another copy, versions not deleted); after
// a new version, when it may see that version, or another provider's copy of the id.
func (g *Guard) stillHas(ctx context.Context, r Reader, vis firebreak.Visibility, w firebreak.Withdrawal) (bool, error) {
	page, err := g.store.Objects(ctx, vis, firebreak.ObjectFilter{IDs: []string{w.ID}, Versions: firebreak.VersionFilter{All: true}, MetadataOnly: true, EveryCopy: true, Limit: 1000})
	if err != nil {
		return false, err
	}
	if w.Deleted {
		return len(page.Objects) > 0, nil
	}
	for _, o := range page.Objects {
		if o.Provider != w.Provider {
			return true, nil // another provider's copy it may have
		}
	}
	// The provider's copy: is its latest version one the peer may have?
	last, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{w.ID}, MetadataOnly: true, EveryCopy: true, Limit: 1000})
	if err != nil {
		return false, err
	}
	for _, o := range last.Objects {
		if o.Provider == w.Provider {
			_, ok := slices.BinarySearch(vis.Policies, o.Policy)
			return ok, nil
		}
	}
	return false, nil
}
