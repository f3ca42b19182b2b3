package policy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Objects returns the versions in the collection that the caller may see, each as the
// caller may see it: properties under a stricter granular marking removed, the provider's
// identity replaced when the caller may not learn it, references to what the caller may
// not see removed. A version whose required reference the caller may not see (a
// relationship's source or target, a sighting's indicator, every object a report names)
// is withheld as if it did not exist: the page is filled from the versions after it, and
// `more` says whether a version the caller may have follows, so neither a short page nor
// an empty last one tells that something was withheld.
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
	vis, opOnly, err := g.visibility(ctx, r, d, c, now)
	if err != nil {
		return firebreak.Page{}, err
	}
	if c.Alias == firebreak.AliasMine {
		return g.store.Objects(ctx, vis, f) // the provider's own, as submitted
	}
	var identity []firebreak.Copy
	if c.Alias == firebreak.AliasShared {
		// Disclosure grants in force add exactly the objects they name, for this reader.
		if vis.Granted, identity, err = g.grants(ctx, r.Org.ID, now); err != nil {
			return firebreak.Page{}, err
		}
	}
	refVis := vis
	if c.Circle != "" {
		// A reference is the reader's to follow when it may see the target anywhere,
		// not only in this circle's view.
		if refVis, _, err = g.visibility(ctx, r, d, firebreak.Collection{Alias: firebreak.AliasShared}, now); err != nil {
			return firebreak.Page{}, err
		}
		refVis.Granted = vis.Granted
	}
	pr := presenter{g: g, p: p, r: r, d: d, refVis: refVis, opOnly: opOnly, granted: vis.Granted, identity: identity, now: now}
	limit := f.Limit
	if limit <= 0 {
		limit = firebreak.DefaultPageLimit
	}
	metaOnly := f.MetadataOnly
	f.MetadataOnly = false // withholding needs the references, which only the object holds
	var out []firebreak.Object
	start := f.Start()
	for {
		f.Limit = limit + 1 - len(out)
		page, err := g.store.Objects(ctx, vis, f)
		if err != nil {
			return firebreak.Page{}, err
		}
		kept, err := pr.present(ctx, page.Objects)
		if err != nil {
			return firebreak.Page{}, err
		}
		out = append(out, kept...)
		if len(out) > limit || !page.More {
			break
		}
		f.After, f.AddedAfter = page.Next, time.Time{}
	}
	page := firebreak.PageOf(out, limit, start)
	// Only what the reader receives is on the record: not the version read ahead to
	// tell whether more follow.
	if err := pr.flush(ctx, page.Objects); err != nil {
		return firebreak.Page{}, err
	}
	if metaOnly {
		for i := range page.Objects {
			page.Objects[i].Raw = nil
		}
	}
	return page, nil
}

// presenter turns the versions the store returned into what one reader receives, and
// gathers the operator and grant reads that must be recorded. The store already left out
// what the reader may not see by policy; the presenter reshapes what it may, and
// withholds what would be left without its required references.
type presenter struct {
	g        *Guard
	p        *firebreak.Principal
	r        Reader
	d        *directory
	refVis   firebreak.Visibility
	opOnly   map[int64]bool
	granted  []firebreak.Copy
	identity []firebreak.Copy
	now      time.Time

	decisions    map[int64]Decision
	ps           pseudonyms
	pseudonym    map[string]bool // the pseudonyms put in the reader's objects
	restricted   []string
	grantedReads []string
}

// present reshapes objs in place and returns those the reader receives.
func (pr *presenter) present(ctx context.Context, objs []firebreak.Object) ([]firebreak.Object, error) {
	g, r, d := pr.g, pr.r, pr.d
	if pr.decisions == nil {
		pr.decisions = map[int64]Decision{}
		pr.ps = pseudonyms{secret: d.hub.Secret, reader: r.Org.ID}
		pr.pseudonym = map[string]bool{}
	}
	edit := make([]bool, len(objs))
	for i := range objs {
		o := &objs[i]
		dec, ok := pr.decisions[o.Policy]
		if !ok {
			g.mu.Lock()
			pi, known := g.policies[o.Policy]
			g.mu.Unlock()
			if !known {
				// The store only returns versions under policies the guard listed, so
				// this is a bug; fail closed.
				return nil, fmt.Errorf("policy %d of %s was not decided", o.Policy, o.ID)
			}
			dec = Decide(r, d.provider(pi.provider), pi.doc)
			if pi.doc.Defines != "" && pr.opOnly[o.Policy] {
				dec = Decision{Visible: true, AsOperator: true, NameProvider: true}
			}
			pr.decisions[o.Policy] = dec
		}
		// Grants bind to the grantor's copy: another provider's copy of the id is not it.
		_, byGrant := slices.BinarySearchFunc(pr.granted, firebreak.Copy{Provider: o.Provider, ID: o.ID}, firebreak.CompareCopies)
		_, named := slices.BinarySearchFunc(pr.identity, firebreak.Copy{Provider: o.Provider, ID: o.ID}, firebreak.CompareCopies)
		if !dec.Visible || byGrant && !dec.Own && (dec.AsOperator || !g.policyAdmits(r, d, o)) {
			if !byGrant {
				return nil, fmt.Errorf("store returned %s under policy %d, which the reader may not see", o.ID, o.Policy)
			}
			// Visible only because its provider granted it to this reader: the object as
			// granted, the provider unnamed unless an identity grant names it, and the
			// read on the record.
			pr.grantedReads = append(pr.grantedReads, o.ID)
			if o.Raw != nil {
				// A grant covers the object, not the properties its provider marked
				// stricter: those stay with the readers their own level admits.
				o.Raw = stix.Redact(o.Raw, pr.granularBeyond(o))
			}
			if o.Raw != nil && !named {
				o.Raw = anonymise(o.Raw, pr.pseudonymFor(o, dec.Linkable))
			}
			continue
		}
		if !dec.Own && !dec.AsOperator && r.Operator && !o.Expires.IsZero() && !pr.now.Before(o.Expires) {
			// Expired, so a member would no longer see it: only the operator role shows
			// it, and that read is on the record like any other restricted one.
			dec.AsOperator = true
		}
		if dec.AsOperator {
			pr.restricted = append(pr.restricted, o.ID)
			continue // operators read it as submitted, and the read is on the record
		}
		if o.Raw == nil || dec.Own {
			continue
		}
		if len(dec.Remove) > 0 {
			o.Raw = stix.Redact(o.Raw, dec.Remove)
		}
		if o.Type == "marking-definition" {
			o.Raw = audienceFor(o.Raw, r, d.hub)
		}
		if !dec.NameProvider && !named {
			o.Raw = anonymise(o.Raw, pr.pseudonymFor(o, dec.Linkable))
		}
		if r.Peer != nil {
			o.Raw = stampProvenance(o.Raw, d.hub, r.Peer)
		}
		edit[i] = true
	}
	return pr.filterRefs(ctx, objs, edit)
}

// granularBeyond returns the selectors of o's granular markings that the reader may not
// see by their own level.
func (pr *presenter) granularBeyond(o *firebreak.Object) []string {
	pr.g.mu.Lock()
	pi := pr.g.policies[o.Policy]
	pr.g.mu.Unlock()
	var out []string
	for _, rule := range pi.doc.Granular {
		if !memberMay(pr.r, pr.d.provider(pi.provider), pi.doc, rule.TLP) {
			out = append(out, rule.Selectors...)
		}
	}
	return out
}

// pseudonymFor returns the maker of o's pseudonym for the reader, as a JSON string; the
// pseudonyms made are remembered, so that reference filtering leaves them alone.
func (pr *presenter) pseudonymFor(o *firebreak.Object, linkable bool) func() []byte {
	return func() []byte {
		ps := pr.ps.of(o.Provider, o.ID, linkable)
		pr.pseudonym[string(ps[1:len(ps)-1])] = true
		return ps
	}
}

// flush records the restricted and granted reads among the versions the reader
// receives.
func (pr *presenter) flush(ctx context.Context, served []firebreak.Object) error {
	ids := make(map[string]bool, len(served))
	for _, o := range served {
		ids[o.ID] = true
	}
	received := func(read []string) []string {
		return slices.DeleteFunc(read, func(id string) bool { return !ids[id] })
	}
	if read := received(pr.grantedReads); len(read) > 0 {
		if err := pr.g.record(ctx, pr.p, firebreak.AuditGrantedRead, read, "read under a disclosure grant"); err != nil {
			return err
		}
	}
	if read := received(pr.restricted); len(read) > 0 {
		if err := pr.g.record(ctx, pr.p, firebreak.AuditRestrictedRead, read, ""); err != nil {
			return err
		}
	}
	return nil
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
//
// It also returns the policies of marking definitions that only the reader's operator
// role shows (see visEntry), whose reads must be recorded.
func (g *Guard) visibility(ctx context.Context, r Reader, d *directory, c firebreak.Collection, now time.Time) (firebreak.Visibility, map[int64]bool, error) {
	if c.Alias == firebreak.AliasMine {
		return firebreak.Visibility{All: true, Provider: r.Org.ID}, nil, nil
	}
	if err := g.loadPolicies(ctx); err != nil {
		return firebreak.Visibility{}, nil, err
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
			if pi.doc.Defines != "" {
				e.decideMarking(id, pi, Decide(r, d.provider(pi.provider), pi.doc), r.Operator)
				continue
			}
			if c.Circle != "" && !slices.Contains(pi.doc.Circles, c.Circle) {
				continue
			}
			if dec := Decide(r, d.provider(pi.provider), pi.doc); dec.Visible {
				e.add(id, dec.NameProvider)
				if !dec.AsOperator {
					e.mark(pi)
				}
			}
		}
		e.upto = g.maxPol
	}
	vis := firebreak.Visibility{Policies: slices.Clip(e.ids), Named: slices.Clip(e.named), Owner: r.Org.ID}
	opOnly := maps.Clone(e.opOnly)
	if !r.Operator {
		// An expired version reaches nobody new; its provider still sees it.
		vis.Now = now
	}
	return vis, opOnly, nil
}

// decideMarking decides the policy of a marking definition: visible when its own policy
// lets the reader see it as a member and the reader may see (as a member) a version it
// marks, now or once one arrives; to an operator always, and as a restricted read until
// then.
func (e *visEntry) decideMarking(id int64, pi policyInfo, dec Decision, operator bool) {
	key := markKey{pi.provider, pi.doc.Defines}
	member := dec.Visible && !dec.AsOperator
	switch {
	case member && e.marked[key] || dec.Own:
		e.add(id, dec.NameProvider)
	case operator:
		e.add(id, true)
		if e.opOnly == nil {
			e.opOnly = map[int64]bool{}
		}
		e.opOnly[id] = true
	}
	if member && !dec.Own {
		if e.defs == nil {
			e.defs = map[markKey][]markDef{}
		}
		e.defs[key] = append(e.defs[key], markDef{id, dec.NameProvider})
	}
}

// mark records that the reader may see, as a member, versions under pi: the marking
// definitions pi lists become visible to it.
func (e *visEntry) mark(pi policyInfo) {
	for _, m := range pi.doc.Markings {
		key := markKey{pi.provider, m}
		if e.marked[key] {
			continue
		}
		if e.marked == nil {
			e.marked = map[markKey]bool{}
		}
		e.marked[key] = true
		for _, m := range e.defs[key] {
			e.add(m.id, m.named)
			delete(e.opOnly, m.id)
		}
	}
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

// requiredRefs are the references without which an object means nothing to its reader:
// a relationship without its source or target, a sighting without what was sighted, a
// report, note, opinion, grouping or observed data without any object it names. An object
// that loses one to the reader's view is withheld from it.
var requiredRefs = map[string][]string{
	"relationship":  {"source_ref", "target_ref"},
	"sighting":      {"sighting_of_ref"},
	"report":        {"object_refs"},
	"note":          {"object_refs"},
	"opinion":       {"object_refs"},
	"grouping":      {"object_refs"},
	"observed-data": {"object_refs"},
}

// followsRef reports whether a reference is one the reader's view must be checked for:
// not the object's creator or its markings (the anonymity rules and the marking rules
// decide those), nor a pseudonym or the provider's own identity.
func (pr *presenter) followsRef(key, id string, provider int64) bool {
	switch key {
	case "created_by_ref", "object_marking_refs", "marking_ref":
		return false
	}
	return !pr.pseudonym[id] && id != pr.d.orgs[provider].IdentityID
}

// filterRefs removes from the objects being edited for the reader the references to
// objects it may not see (an observable's id names its value), and withholds those left
// without a required reference.
func (pr *presenter) filterRefs(ctx context.Context, objs []firebreak.Object, edit []bool) ([]firebreak.Object, error) {
	var need []string
	for i := range objs {
		o := &objs[i]
		if !edit[i] || !stix.MayHaveRefs(o.Raw) {
			continue
		}
		stix.Refs(o.Raw, func(key, id string) {
			if pr.followsRef(key, id, o.Provider) {
				need = append(need, id)
			}
		})
	}
	if len(need) == 0 {
		return objs, nil
	}
	seen, err := pr.visibleIDs(ctx, need)
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for i := range objs {
		o := objs[i]
		if edit[i] && stix.MayHaveRefs(o.Raw) {
			lost, kept := map[string]bool{}, map[string]bool{}
			o.Raw = stix.EditRefs(o.Raw, func(key, id string) stix.RefEdit {
				if !pr.followsRef(key, id, o.Provider) || seen[id] {
					kept[key] = true
					return stix.RefEdit{}
				}
				lost[key] = true
				return stix.RefEdit{Drop: true}
			})
			withheld := false
			for _, k := range requiredRefs[o.Type] {
				if lost[k] && !kept[k] {
					withheld = true
				}
			}
			if withheld {
				continue
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// visibleIDs returns which of ids the reader may see some version of.
func (pr *presenter) visibleIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	seen := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		page, err := pr.g.store.Objects(ctx, pr.refVis, firebreak.ObjectFilter{IDs: chunk, Versions: firebreak.VersionFilter{First: true},
			MetadataOnly: true, Limit: n})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			seen[o.ID] = true
		}
	}
	return seen, nil
}
