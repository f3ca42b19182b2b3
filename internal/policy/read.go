package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Objects returns the versions in the collection that the caller may see, each as the
// caller may see it: properties under a stricter granular marking removed, the provider's
// identity replaced when the caller may not learn it.
func (g *Guard) Objects(ctx context.Context, collection string, f firebreak.ObjectFilter) (firebreak.Page, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return firebreak.Page{}, err
	}
	c, err := findCollection(p, d, collection)
	if err != nil {
		return firebreak.Page{}, err
	}
	if !c.CanRead {
		return firebreak.Page{}, firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be read", c.Alias)
	}
	now := g.opts.Clock.Now()
	r := d.reader(p, now)
	vis, err := g.visibility(ctx, r, d, c, now)
	if err != nil {
		return firebreak.Page{}, err
	}
	var identity []firebreak.Copy
	if c.Alias == firebreak.AliasShared {
		// Disclosure grants in force add exactly the objects they name, for this reader.
		if vis.Granted, identity, err = g.grants(ctx, r.Org.ID, now); err != nil {
			return firebreak.Page{}, err
		}
	}
	page, err := g.store.Objects(ctx, vis, f)
	if err != nil {
		return firebreak.Page{}, err
	}
	if c.Alias == firebreak.AliasMine {
		return page, nil // the provider's own, as submitted
	}
	return g.present(ctx, p, r, d, page, vis.Granted, identity)
}

// present turns a page the store returned into what the reader receives, and records the
// operator reads that need recording. The store already left out what the reader may not
// see; this only reshapes what it may.
func (g *Guard) present(ctx context.Context, p *firebreak.Principal, r Reader, d *directory, page firebreak.Page, granted, identity []firebreak.Copy) (firebreak.Page, error) {
	decisions := map[int64]Decision{}
	ps := pseudonyms{secret: d.hub.Secret, reader: r.Org.ID}
	var restricted, grantedReads []string
	for i := range page.Objects {
		o := &page.Objects[i]
		dec, ok := decisions[o.Policy]
		if !ok {
			g.mu.Lock()
			pi, known := g.policies[o.Policy]
			g.mu.Unlock()
			if !known {
				// The store only returns versions under policies the guard listed, so
				// this is a bug; fail closed.
				return firebreak.Page{}, fmt.Errorf("policy %d of %s was not decided", o.Policy, o.ID)
			}
			dec = Decide(r, d.provider(pi.provider), pi.doc)
			decisions[o.Policy] = dec
		}
		// Grants bind to the grantor's copy: another provider's copy of the id is not it.
		_, byGrant := slices.BinarySearchFunc(granted, firebreak.Copy{Provider: o.Provider, ID: o.ID}, firebreak.CompareCopies)
		_, named := slices.BinarySearchFunc(identity, firebreak.Copy{Provider: o.Provider, ID: o.ID}, firebreak.CompareCopies)
		if !dec.Visible || byGrant && !dec.Own && (dec.AsOperator || !g.policyAdmits(r, d, o)) {
			if !byGrant {
				return firebreak.Page{}, fmt.Errorf("store returned %s under policy %d, which the reader may not see", o.ID, o.Policy)
			}
			// Visible only because its provider granted it to this reader: the object as
			// granted, the provider unnamed unless an identity grant names it, and the
			// read on the record.
			grantedReads = append(grantedReads, o.ID)
			if o.Raw != nil && !named {
				o.Raw = anonymise(o.Raw, ps.of(o.Provider))
			}
			continue
		}
		if dec.AsOperator {
			restricted = append(restricted, o.ID)
			continue // operators read it as submitted, and the read is on the record
		}
		if o.Raw == nil || dec.Own {
			continue
		}
		if len(dec.Remove) > 0 {
			o.Raw = stix.Redact(o.Raw, dec.Remove)
		}
		if !dec.NameProvider && !named {
			o.Raw = anonymise(o.Raw, ps.of(o.Provider))
		}
	}
	if len(grantedReads) > 0 {
		if err := g.record(ctx, p, firebreak.AuditGrantedRead, grantedReads, "read under a disclosure grant"); err != nil {
			return firebreak.Page{}, err
		}
	}
	if len(restricted) > 0 {
		if err := g.record(ctx, p, firebreak.AuditRestrictedRead, restricted, ""); err != nil {
			return firebreak.Page{}, err
		}
	}
	return page, nil
}

// record writes an audit event; without an auditor, nothing that needs one may happen.
func (g *Guard) record(ctx context.Context, p *firebreak.Principal, action string, objects []string, detail string) error {
	if g.opts.Auditor == nil {
		return firebreak.Errorf(firebreak.EUNAVAILABLE, "this read must be recorded and no audit log is configured")
	}
	e := firebreak.AuditEvent{Time: g.opts.Clock.Now(), Action: action, User: p.User.Name, Org: p.Org.Name, Objects: objects, Detail: detail}
	if err := g.opts.Auditor.Record(ctx, e); err != nil {
		return firebreak.Wrap(firebreak.EUNAVAILABLE, err, "the audit log cannot be written; the request is refused")
	}
	return nil
}

func findCollection(p *firebreak.Principal, d *directory, idOrAlias string) (firebreak.Collection, error) {
	for _, c := range collectionsOf(p, d.hub) {
		if c.ID == idOrAlias || c.Alias == idOrAlias {
			return c, nil
		}
	}
	return firebreak.Collection{}, firebreak.Errorf(firebreak.ENOTFOUND, "no collection %q", idOrAlias)
}

// visibility turns the reader's decisions into the store's filter. It only ever lists
// policies it has decided on: a policy stored after the list was made is not admitted by
// it, so a concurrent submission can never slip through unjudged.
func (g *Guard) visibility(ctx context.Context, r Reader, d *directory, c firebreak.Collection, now time.Time) (firebreak.Visibility, error) {
	if c.Alias == firebreak.AliasMine {
		return firebreak.Visibility{All: true, Provider: r.Org.ID}, nil
	}
	if err := g.loadPolicies(ctx); err != nil {
		return firebreak.Visibility{}, err
	}
	key := visKey{org: r.Org.ID, status: r.Org.Status, circles: strings.Join(r.Circles, "\x00"),
		operator: r.Operator, view: c.Circle, epoch: d.epoch, peer: r.Peer != nil}
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.vis[key]
	if e == nil {
		if len(g.vis) > 10000 {
			clear(g.vis)
		}
		e = &visEntry{}
		g.vis[key] = e
	}
	if e.upto < g.maxPol {
		for id := e.upto + 1; id <= g.maxPol; id++ {
			pi, ok := g.policies[id]
			if !ok {
				continue
			}
			if c.Circle != "" && !slices.Contains(pi.doc.Circles, c.Circle) {
				continue
			}
			if dec := Decide(r, d.provider(pi.provider), pi.doc); dec.Visible {
				e.ids = append(e.ids, id)
				if dec.NameProvider {
					e.named = append(e.named, id)
				}
			}
		}
		e.upto = g.maxPol
	}
	vis := firebreak.Visibility{Policies: slices.Clip(e.ids), Named: slices.Clip(e.named), Owner: r.Org.ID}
	if !r.Operator {
		// An expired version reaches nobody new; its provider still sees it.
		vis.Now = now
	}
	return vis, nil
}

// loadPolicies reads the policies stored since the last load.
func (g *Guard) loadPolicies(ctx context.Context) error {
	g.mu.Lock()
	after := g.maxPol
	g.mu.Unlock()
	recs, err := g.store.Policies(ctx, after)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	decoded := make([]policyInfo, len(recs))
	for i, r := range recs {
		doc, err := DecodeDoc(r.Doc)
		if err != nil {
			return fmt.Errorf("policy %d: %w", r.ID, err)
		}
		decoded[i] = policyInfo{provider: r.Provider, doc: doc}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, r := range recs {
		g.policies[r.ID] = decoded[i]
		if r.ID > g.maxPol {
			g.maxPol = r.ID
		}
	}
	return nil
}

// follow reads the versions of type typ stored after *after, every one of them (it serves
// the guard's own indexes; what a reader receives is decided per request), a page at a
// time: it hands each page to take and moves *after past it. The caller holds the lock
// that guards *after.
func (g *Guard) follow(ctx context.Context, typ string, versions firebreak.VersionFilter, after *firebreak.Cursor, take func([]firebreak.Object)) error {
	// Every provider's copy of a version, not the one a reader would get.
	f := firebreak.ObjectFilter{Types: []string{typ}, Versions: versions, Limit: 1000, NoWait: true, EveryCopy: true}
	for {
		f.After = *after
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, f)
		if err != nil {
			return err
		}
		take(page.Objects)
		if len(page.Objects) > 0 {
			*after = page.Next
		}
		if !page.More {
			return nil
		}
	}
}

// policyAdmits reports whether the reader may see o by its policy alone, as a member
// (expiry included), without any grant.
func (g *Guard) policyAdmits(r Reader, d *directory, o *firebreak.Object) bool {
	if !o.Expires.IsZero() && !g.opts.Clock.Now().Before(o.Expires) && o.Provider != r.Org.ID {
		return false
	}
	g.mu.Lock()
	pi := g.policies[o.Policy]
	g.mu.Unlock()
	r.Operator = false
	return Decide(r, d.provider(pi.provider), pi.doc).Visible
}
