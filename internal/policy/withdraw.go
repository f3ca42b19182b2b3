package policy

import (
	"context"
	"slices"

	"github.com/firebreak/firebreak"
)

// Withdrawn returns to the calling peer hub up to limit ids of the objects it must
// remove, from the withdrawals recorded after position after: a delete, or a version
// tightened beyond what the peer may have, of an object the peer could see. next is the
// position to ask from next time, and more whether another such id follows. Withdrawals
// that do not concern the peer are passed over, however many: how many there are, and
// when, tells it nothing. An id stays at the peer while a version of it that the peer may
// have remains (another copy of the id, or versions not deleted).
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
	now := g.opts.Clock.Now()
	r := d.reader(p, now)
	vis, _, err := g.visibility(ctx, r, d, firebreak.Collection{Alias: firebreak.AliasShared}, now)
	if err != nil {
		return nil, 0, false, err
	}
	// Read on until one id more than asked for concerns the peer (or the list ends), so
	// that more is true only when such an id follows.
	next = after
	pos := after
	for {
		ws, err := g.store.Withdrawals(ctx, pos, 1000)
		if err != nil {
			return nil, 0, false, err
		}
		for _, w := range ws {
			pos = w.Seq
			concerns, err := g.concerns(ctx, vis, w, ids)
			if err != nil {
				return nil, 0, false, err
			}
			if !concerns {
				if len(ids) < limit {
					next = w.Seq
				}
				continue
			}
			if len(ids) == limit {
				return ids, next, true, nil
			}
			ids, next = append(ids, w.ID), w.Seq
		}
		if len(ws) < 1000 {
			return ids, next, false, nil
		}
	}
}

// concerns reports whether withdrawal w is one to tell the peer of: it could see one of
// the versions withdrawn (vis lists the policies it may see), the id is not told yet, and
// it may no longer have the object (see stillHas).
func (g *Guard) concerns(ctx context.Context, vis firebreak.Visibility, w firebreak.Withdrawal, told []string) (bool, error) {
	saw := slices.ContainsFunc(w.Policies, func(id int64) bool {
		_, ok := slices.BinarySearch(vis.Policies, id)
		return ok
	})
	if !saw || slices.Contains(told, w.ID) {
		return false, nil
	}
	keep, err := g.stillHas(ctx, vis, w)
	return !keep, err
}

// stillHas reports whether the peer may still have the object of withdrawal w: after a
// delete, when it may see a version of the id (another copy, versions not deleted); after
// a new version, when it may see that version, or another provider's copy of the id. What
// it may see is what the store returns under its visibility, expiry included.
func (g *Guard) stillHas(ctx context.Context, vis firebreak.Visibility, w firebreak.Withdrawal) (bool, error) {
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
	// The provider's copy: is its latest version among those the peer may see?
	last, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{w.ID}, MetadataOnly: true, EveryCopy: true, Limit: 1000})
	if err != nil {
		return false, err
	}
	for _, l := range last.Objects {
		if l.Provider == w.Provider {
			return slices.ContainsFunc(page.Objects, func(o firebreak.Object) bool { return o.Seq == l.Seq }), nil
		}
	}
	return false, nil
}
