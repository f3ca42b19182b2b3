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
// completes the provider's submission status accordingly. Several providers may each
// hold a copy of one version for review: provider names the organisation whose copy is
// meant, and may be empty when only one copy of that version is held (EINVALID when
// several are: operators see every held copy, so saying so reveals nothing to them).
func (g *Guard) DecideHeld(ctx context.Context, provider, id, version string, release bool, reason string) error {
	p, d, err := g.operator(ctx)
	if err != nil {
		return err
	}
	if err := g.loadPolicies(ctx); err != nil {
		return err
	}
	o, doc, err := g.heldCopy(ctx, d, provider, id, version)
	if err != nil {
		return err
	}
	var h firebreak.HeldVersion
	if release {
		doc.Held = false
		h, err = g.store.Release(ctx, o.Provider, id, version, doc.Encode(), g.event(p, firebreak.AuditReviewRelease, []string{id}, "released "+version))
		if err != nil {
			return err
		}
	} else {
		h, err = g.store.Reject(ctx, o.Provider, id, version, g.event(p, firebreak.AuditReviewReject, []string{id}, "rejected "+version+": "+clip(reason)))
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

// heldCopy finds the copy of a version held for review: provider's (an organisation's
// name), or the only one held when provider is empty. It returns the copy and its policy.
func (g *Guard) heldCopy(ctx context.Context, d *directory, provider, id, version string) (firebreak.Object, Doc, error) {
	notFound := firebreak.Errorf(firebreak.ENOTFOUND, "no version %s of %s is held for review", clip(version), clip(id))
	var org int64
	if provider != "" {
		var ok bool
		if org, ok = d.byName[provider]; !ok {
			return firebreak.Object{}, Doc{}, firebreak.Errorf(firebreak.ENOTFOUND, "no organisation %q", clip(provider))
		}
	}
	// The object's own versions, not the review list: that comes a page at a time, and
	// the version may wait behind any number of others.
	copies, err := g.objectVersions(ctx, org, id, version)
	if err != nil {
		return firebreak.Object{}, Doc{}, err
	}
	var held []firebreak.Object
	var docs []Doc
	for _, o := range copies {
		g.mu.Lock()
		pi, ok := g.policies[o.Policy]
		g.mu.Unlock()
		if !ok {
			return firebreak.Object{}, Doc{}, firebreak.Errorf(firebreak.EINTERNAL, "the held version's policy is not loaded")
		}
		if pi.doc.Held {
			held, docs = append(held, o), append(docs, pi.doc)
		}
	}
	switch len(held) {
	case 0:
		return firebreak.Object{}, Doc{}, notFound
	case 1:
		return held[0], docs[0], nil
	}
	return firebreak.Object{}, Doc{}, firebreak.Errorf(firebreak.EINVALID,
		"%d providers each hold a copy of version %s of %s for review: name the provider", len(held), clip(version), clip(id))
}

// objectVersions finds every copy of one version of an object, whoever may see it, and
// only provider's when provider is not 0.
func (g *Guard) objectVersions(ctx context.Context, provider int64, id, version string) ([]firebreak.Object, error) {
	f := firebreak.ObjectFilter{IDs: []string{id}, Versions: firebreak.VersionFilter{All: true}, Limit: 1000, MetadataOnly: true, EveryCopy: true}
	var out []firebreak.Object
	for {
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true, Provider: provider}, f)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			if o.ID == id && o.Version == version {
				out = append(out, o)
			}
		}
		if !page.More {
			return out, nil
		}
		f.After = page.Next
	}
}
