package policy

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
)

// HeldView is a version waiting for review, as operators see it: as submitted.
type HeldView struct {
	ID       string          `json:"id"`
	Version  string          `json:"version"`
	Type     string          `json:"type"`
	Provider string          `json:"provider"`
	Added    time.Time       `json:"date_added"`
	StatusID string          `json:"status_id"`
	Object   json.RawMessage `json:"object"`
}

func (g *Guard) operator(ctx context.Context) (*firebreak.Principal, *directory, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.Operator {
		err := firebreak.Errorf(firebreak.EFORBIDDEN, "the review queue is for hub operators")
		if rerr := g.record(ctx, p, firebreak.AuditDenied, nil, err.Message); rerr != nil {
			return nil, nil, rerr
		}
		return nil, nil, err
	}
	return p, d, nil
}

// Held lists the versions waiting for review (operators only). Reading them is a
// restricted read, on the record.
func (g *Guard) Held(ctx context.Context, limit int) ([]HeldView, error) {
	p, d, err := g.operator(ctx)
	if err != nil {
		return nil, err
	}
	hs, err := g.store.HeldVersions(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]HeldView, 0, len(hs))
	var ids []string
	for _, h := range hs {
		o := h.Object
		out = append(out, HeldView{ID: o.ID, Version: o.Version, Type: o.Type, Provider: d.orgs[o.Provider].Name,
			Added: o.Added, StatusID: h.StatusID, Object: o.Raw})
		ids = append(ids, o.ID)
	}
	if len(ids) > 0 {
		if err := g.record(ctx, p, firebreak.AuditRestrictedRead, ids, "review queue"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DecideHeld releases a held version to its readers or rejects it (operators only), and
// completes the provider's submission status accordingly.
func (g *Guard) DecideHeld(ctx context.Context, id, version string, release bool, reason string) error {
	p, _, err := g.operator(ctx)
	if err != nil {
		return err
	}
	var h firebreak.HeldVersion
	if release {
		if err := g.loadPolicies(ctx); err != nil {
			return err
		}
		// The object's own versions, not the review list: that comes a page at a time, and
		// the version may wait behind any number of others.
		o, err := g.objectVersion(ctx, id, version)
		if err != nil {
			return err
		}
		g.mu.Lock()
		pi, ok := g.policies[o.Policy]
		g.mu.Unlock()
		if !ok {
			return firebreak.Errorf(firebreak.EINTERNAL, "the held version's policy is not loaded")
		}
		if !pi.doc.Held {
			return firebreak.Errorf(firebreak.ENOTFOUND, "no version %s of %s is held for review", version, id)
		}
		doc := pi.doc
		doc.Held = false
		h, err = g.store.Release(ctx, id, version, doc.Encode(), g.event(p, firebreak.AuditReviewRelease, []string{id}, "released "+version))
		if err != nil {
			return err
		}
	} else {
		h, err = g.store.Reject(ctx, id, version, g.event(p, firebreak.AuditReviewReject, []string{id}, "rejected "+version+": "+clip(reason)))
		if err != nil {
			return err
		}
	}
	// The submission's status moves the version from pending to done.
	st, err := g.store.Status(ctx, h.StatusID)
	if firebreak.ErrorCode(err) == firebreak.ENOTFOUND {
		return nil // a CLI import keeps no status
	}
	if err != nil {
		return err
	}
	for i, d := range st.Pendings {
		if d.ID != id || d.Version != version {
			continue
		}
		st.Pendings = slices.Delete(st.Pendings, i, i+1)
		if release {
			d.Message = "released by a hub operator"
			st.Successes = append(st.Successes, d)
		} else {
			d.Message = "rejected by a hub operator: " + clip(reason)
			st.Failures = append(st.Failures, d)
		}
		break
	}
	if len(st.Pendings) == 0 {
		st.State = "complete"
	}
	return g.store.PutStatus(ctx, st)
}

// objectVersion finds one version of an object, whoever may see it (ENOTFOUND otherwise).
func (g *Guard) objectVersion(ctx context.Context, id, version string) (firebreak.Object, error) {
	f := firebreak.ObjectFilter{IDs: []string{id}, Versions: firebreak.VersionFilter{All: true}, Limit: 1000, MetadataOnly: true}
	for {
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, f)
		if err != nil {
			return firebreak.Object{}, err
		}
		for _, o := range page.Objects {
			if o.ID == id && o.Version == version {
				return o, nil
			}
		}
		if !page.More {
			return firebreak.Object{}, firebreak.Errorf(firebreak.ENOTFOUND, "no version %s of %s is held for review", clip(version), clip(id))
		}
		f.After = page.Next
	}
}
