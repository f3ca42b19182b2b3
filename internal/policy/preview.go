package policy

import (
	"context"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Preview says who would receive an object if the caller submitted it now.
type Preview struct {
	ID string `json:"id"`
	// Organizations are the member organisations that would see it, by name, sorted.
	Organizations []string `json:"organizations"`
	// Circles are the audience circles it would reach, sorted.
	Circles []string `json:"circles"`
	// Peers are the peer hubs it would cross to, sorted.
	Peers []string `json:"peers"`
	// OperatorsOnly is true when nobody but the provider and the hub operators would see
	// it.
	OperatorsOnly bool `json:"operators_only"`
	// Attribution is who may learn the provider: none, government or everyone.
	Attribution string `json:"attribution"`
	// Removed lists properties some recipients would not receive (granular markings).
	Removed []string `json:"removed,omitempty"`
	// Expires is when it stops reaching anyone new.
	Expires *time.Time `json:"expires,omitempty"`
	// Unknown lists markings the hub does not understand (the object would be held).
	Unknown []string `json:"unknown_markings,omitempty"`
	// Error is why the object would be rejected, if it would.
	Error string `json:"error,omitempty"`
}

// Preview runs the same decisions as a read, for every organisation and peer, on draft
// objects the caller has not submitted, as if written to collection. Nothing is stored.
func (g *Guard) Preview(ctx context.Context, collection string, drafts [][]byte) ([]Preview, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := findCollection(p, d, collection)
	if err != nil {
		return nil, err
	}
	if !c.CanWrite {
		return nil, firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be written", c.Alias)
	}
	if p.Org.Status != firebreak.OrgVetted {
		// The preview names members, circles and peers, and tells which are law
		// enforcement or foreign: the directory is for vetted members only.
		return nil, firebreak.Errorf(firebreak.EFORBIDDEN, "the preview of recipients is for vetted members; your organisation is %s", p.Org.Status)
	}
	peers, err := g.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	now := g.opts.Clock.Now()
	out := make([]Preview, len(drafts))
	var parsed []*stix.Object
	var idx []int
	for i, raw := range drafts {
		o, err := stix.Parse(raw)
		if err != nil {
			out[i] = Preview{Error: firebreak.ErrorMessage(err)} // the validator's words, nothing internal
			continue
		}
		parsed = append(parsed, o)
		idx = append(idx, i)
	}
	compiled, err := g.compile(ctx, p.Org.ID, parsed, c)
	if err != nil {
		return nil, err
	}
	prov := d.provider(p.Org.ID)
	for k, o := range parsed {
		doc := compiled[k].Doc
		pv := Preview{ID: o.ID, Organizations: []string{}, Circles: []string{}, Peers: []string{},
			Attribution: doc.Attribution, Unknown: doc.Unknown}
		if pv.Attribution == "" {
			pv.Attribution = AttributionNone
		}
		if !compiled[k].Expires.IsZero() {
			e := compiled[k].Expires
			pv.Expires = &e
		}
		removed := map[string]bool{}
		for id, org := range d.orgs {
			if _, peer := d.peers[org.Name]; id == p.Org.ID || peer {
				continue // a peer's account is decided as the peer, below
			}
			r := Reader{Org: org, Ancestors: d.ancestors[id], Circles: d.activeCircles(org, now)}
			dec := Decide(r, prov, doc)
			if !dec.Visible {
				continue
			}
			pv.Organizations = append(pv.Organizations, org.Name)
			for _, s := range dec.Remove {
				removed[s] = true
			}
		}
		for _, circle := range doc.Circles {
			if slices.ContainsFunc(d.all, func(c firebreak.Circle) bool { return c.Name == circle }) {
				pv.Circles = append(pv.Circles, circle)
			}
		}
		for _, peer := range peers {
			id, ok := d.byName[peer.Name]
			if !ok {
				continue // a peer without an account on this hub receives nothing
			}
			if Decide(d.peerReader(d.orgs[id], peer), prov, doc).Visible {
				pv.Peers = append(pv.Peers, peer.Name)
			}
		}
		for s := range removed {
			pv.Removed = append(pv.Removed, s)
		}
		slices.Sort(pv.Organizations)
		slices.Sort(pv.Circles)
		slices.Sort(pv.Peers)
		slices.Sort(pv.Removed)
		pv.OperatorsOnly = len(pv.Organizations) == 0 && len(pv.Peers) == 0
		if expired := !compiled[k].Expires.IsZero() && !now.Before(compiled[k].Expires); expired {
			pv.Organizations, pv.Peers, pv.OperatorsOnly = []string{}, []string{}, true
		}
		out[idx[k]] = pv
	}
	return out, nil
}
