package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/scrub"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// Submit validates and stores the objects written to a collection.
func (g *Guard) Submit(ctx context.Context, collection string, objects []json.RawMessage) (firebreak.Status, error) {
	return g.submit(ctx, collection, objects, true)
}

// Import stores objects like Submit but keeps no status resource: bulk imports from the
// CLI would otherwise leave one per batch for nobody to read.
func (g *Guard) Import(ctx context.Context, collection string, objects []json.RawMessage) (firebreak.Status, error) {
	return g.submit(ctx, collection, objects, false)
}

func (g *Guard) submit(ctx context.Context, collection string, objects []json.RawMessage, keep bool) (firebreak.Status, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return firebreak.Status{}, err
	}
	c, err := findCollection(p, d, collection)
	if err != nil {
		return firebreak.Status{}, err
	}
	if !c.CanWrite {
		return firebreak.Status{}, firebreak.Errorf(firebreak.EFORBIDDEN, "collection %q cannot be written", c.Alias)
	}
	st := firebreak.Status{
		ID:               strings.TrimPrefix(stix.NewID("status"), "status--"),
		Owner:            p.Org.ID,
		State:            "complete",
		RequestTimestamp: g.opts.Clock.Now(),
		Total:            len(objects),
	}
	parsed := make([]*stix.Object, 0, len(objects))
	for i, raw := range objects {
		o, err := stix.Parse(raw)
		if err == nil {
			err = checkPattern(o)
		}
		if err != nil {
			st.Failures = append(st.Failures, failureOf(i, raw, err))
			continue
		}
		parsed = append(parsed, o)
	}
	others := othersIdentities(d, p.Org.ID)
	_, fromPeer := d.peers[p.Org.Name]
	kept := parsed[:0]
	for _, o := range parsed {
		if prov, _, ok := provenanceOf(o.Extensions); fromPeer && ok && slices.Contains(prov.Path, d.hub.UUID) {
			// It left this hub once: taking it back would undo what happened here
			// since (a delete, a withdrawal), and loop for ever.
			st.Failures = append(st.Failures, firebreak.StatusDetail{ID: o.ID, Version: o.Version(),
				Message: "this object came from this hub; a hub never takes back what it sent"})
			continue
		}
		if others[o.CreatedByRef] || o.Type == "identity" && others[o.ID] {
			st.Failures = append(st.Failures, firebreak.StatusDetail{ID: o.ID, Version: o.Version(),
				Message: "the object names another organisation of this hub as its creator or as itself; objects may be attributed only to their submitter"})
			continue
		}
		kept = append(kept, o)
	}
	parsed = kept
	compiled, err := g.compile(ctx, p.Org.ID, parsed, c)
	if err != nil {
		return firebreak.Status{}, err
	}
	sc, err := g.scrubber(ctx, d)
	if err != nil {
		return firebreak.Status{}, err
	}
	prov := d.orgs[p.Org.ID]
	own := ownNames{g: g, provider: p.Org.ID}
	terms := scrub.NewTerms(providerTerms(prov))
	creators := map[string]bool{}
	for _, o := range parsed {
		if o.CreatedByRef != "" && o.Type != "identity" {
			creators[o.CreatedByRef] = true
		}
	}
	// The provider's identities: what anonymous readers must never find in a reference.
	identities := map[string]bool{prov.IdentityID: true}
	for id := range creators {
		identities[id] = true
	}
	for _, o := range parsed {
		if isProviderIdentity(o, prov, creators) {
			identities[o.ID] = true
		}
	}
	items := make([]firebreak.IngestItem, len(parsed))
	reports := make([]string, len(parsed))
	for i, o := range parsed {
		doc := compiled[i].Doc
		if prov, maxTLP, ok := provenanceOf(o.Extensions); fromPeer && ok {
			doc.Hop = &HopCaps{MaxTLP: maxTLP, NoAttribution: !prov.Attribution}
		}
		if isProviderIdentity(o, prov, creators) {
			doc.ProviderIdentity = true
		}
		// What others receive: personal data redacted (the provider keeps its original),
		// and for readers who may not learn the provider, its names and domains too.
		// Marking definitions and statements are objects like any other: their names
		// and statements are scrubbed and anonymised too.
		var shared, anon json.RawMessage
		if out, fs, err := sc.ValidObject(o.Raw); err == nil && len(fs) > 0 {
			shared = out
			if fs, err = own.reportable(ctx, o.Raw, fs); err != nil {
				return firebreak.Status{}, err
			}
			reports[i] = scrubReport(fs)
		}
		base := o.Raw
		if shared != nil {
			base = shared
		}
		anon = anonymousVariant(base, prov, identities, terms)
		held := g.holds(d, doc, reports[i] != "")
		doc.Held = held
		items[i] = firebreak.IngestItem{
			ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion,
			Version: o.Version(), VersionKey: stix.VersionKey(o.Version()),
			PolicyDoc: doc.Encode(), Expires: compiled[i].Expires, Raw: o.Raw,
			Shared: shared, Anonymous: anon,
			Held: held, StatusID: st.ID,
		}
	}
	// The submission is on the record, in the same transaction as the objects it stores.
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	ev := g.event(p, firebreak.AuditSubmit, ids, fmt.Sprintf("%d objects to %s: %d valid, %d rejected", len(objects), c.Alias, len(items), len(st.Failures)))
	res, err := g.store.Ingest(ctx, p.Org.ID, items, ev)
	if err != nil {
		return firebreak.Status{}, err
	}
	for i, r := range res {
		if r.Outcome == firebreak.Stored {
			st.Stored++
		}
		switch r.Outcome {
		case firebreak.Stored, firebreak.Duplicate:
			detail := firebreak.StatusDetail{ID: items[i].ID, Version: r.Object.Version}
			var notes []string
			if u := compiled[i].Doc.Unknown; len(u) > 0 {
				notes = append(notes, fmt.Sprintf("held: the hub does not understand marking %s; only you and the hub operators can see this object", strings.Join(u, ", ")))
			}
			if reports[i] != "" {
				notes = append(notes, reports[i])
			}
			detail.Message = strings.Join(notes, "; ")
			if items[i].Held && r.Outcome == firebreak.Stored {
				detail.Message = strings.Join(append([]string{"pending review by a hub operator"}, notes...), "; ")
				st.Pendings = append(st.Pendings, detail)
				st.State = "pending"
				continue
			}
			st.Successes = append(st.Successes, detail)
		}
	}
	if keep {
		if err := g.store.PutStatus(ctx, st); err != nil {
			return firebreak.Status{}, err
		}
	}
	return st, nil
}

// compile derives the policy of each parsed object written to collection c.
func (g *Guard) compile(ctx context.Context, provider int64, objs []*stix.Object, c firebreak.Collection) ([]Compiled, error) {
	batch := map[string]*stix.Object{}
	for _, o := range objs {
		if o.Type == "marking-definition" {
			batch[o.ID] = o
		}
	}
	defs, err := g.markingDefs(ctx, provider, objs, batch)
	if err != nil {
		return nil, err
	}
	opts := CompileOptions{DefaultTLP: g.opts.DefaultTLP}
	if c.Circle != "" {
		opts.Circles = []string{c.Circle}
	}
	out := make([]Compiled, len(objs))
	for i, o := range objs {
		out[i] = Compile(o, defs, opts)
	}
	return out, nil
}

// othersIdentities returns the identity ids the provider may not name as creator: those
// of the hub's other organisations. A submitter owns its claims: any other identity it
// names is its own (and is anonymised as its own), but it may not attribute an object to
// another member. (Whether some other provider stored an identity object with a given id
// is never asked: that answer would be an oracle.)
func othersIdentities(d *directory, provider int64) map[string]bool {
	out := map[string]bool{}
	for id, o := range d.orgs {
		if id != provider && o.IdentityID != "" {
			out[o.IdentityID] = true
		}
	}
	return out
}

// failureOf describes an object Parse rejected. The id is the object's own when it could
// be read, so the client can tell which one failed; otherwise its position.
func failureOf(i int, raw json.RawMessage, err error) firebreak.StatusDetail {
	var head struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
	}
	_ = json.Unmarshal(raw, &head)
	id := head.ID
	if len(id) > 300 || !strings.Contains(id, "--") {
		id = fmt.Sprintf("objects[%d]", i)
	}
	if len(head.Modified) > 40 {
		head.Modified = ""
	}
	return firebreak.StatusDetail{ID: id, Version: head.Modified, Message: firebreak.ErrorMessage(err)}
}

// markingDefs gathers the marking definitions the parsed objects refer to, within the
// provider: from the same submission first, then from the provider's own stored
// definitions. The fixed TLP ids need no definition. A definition another provider
// stored is never used: resolving it would let one member apply (and, through the
// preview and the status, read) another's audience, tell whether an id exists, or squat
// an id that the other's later objects refer to. What is not the provider's own fails
// closed as an unknown marking. Nothing is cached: a definition deleted and stored again
// on another node is read as it is now.
func (g *Guard) markingDefs(ctx context.Context, provider int64, objs []*stix.Object, batch map[string]*stix.Object) (map[string]*stix.Object, error) {
	defs := map[string]*stix.Object{}
	var missing []string
	for _, o := range objs {
		for _, ref := range MarkingRefs(o) {
			if _, done := defs[ref]; done {
				continue
			}
			if def, ok := batch[ref]; ok {
				defs[ref] = def
			} else {
				defs[ref] = nil
				missing = append(missing, ref)
			}
		}
	}
	for len(missing) > 0 && provider != 0 {
		n := min(len(missing), 100)
		chunk := missing[:n]
		missing = missing[n:]
		// By id, every copy, and the provider's picked here: a filter on the provider
		// would let the store walk all of the provider's versions instead of the ids'.
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{
			IDs: chunk, Types: []string{"marking-definition"}, Versions: firebreak.VersionFilter{First: true}, EveryCopy: true, Limit: 1000, NoWait: true,
		})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			if o.Provider != provider {
				continue
			}
			def, err := stix.Parse(o.Raw)
			if err != nil {
				continue // stored before a stricter validator; treat as unknown
			}
			defs[def.ID] = def
		}
	}
	for id, def := range defs {
		if def == nil {
			delete(defs, id)
		}
	}
	return defs, nil
}

// Delete removes versions of an object the caller provided.
func (g *Guard) Delete(ctx context.Context, collection, id string, versions firebreak.VersionFilter, specVersions []string) error {
	p, d, err := g.caller(ctx)
	if err != nil {
		return err
	}
	c, err := findCollection(p, d, collection)
	if err != nil {
		return err
	}
	if !c.CanRead || !c.CanWrite {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "objects cannot be deleted through collection %q", c.Alias)
	}
	n, err := g.store.Delete(ctx, p.Org.ID, id, versions, specVersions, g.event(p, firebreak.AuditDelete, []string{id}, "deleted by its provider"))
	if err != nil {
		return err
	}
	if n == 0 {
		return firebreak.Errorf(firebreak.ENOTFOUND, "no object %q", id)
	}
	return nil
}

// Status returns a submission's status to the organisation that submitted it; to anyone
// else it does not exist.
func (g *Guard) Status(ctx context.Context, id string) (firebreak.Status, error) {
	p, _, err := g.caller(ctx)
	if err != nil {
		return firebreak.Status{}, err
	}
	st, err := g.store.Status(ctx, id)
	if err != nil {
		return firebreak.Status{}, err
	}
	if st.Owner != p.Org.ID {
		return firebreak.Status{}, firebreak.Errorf(firebreak.ENOTFOUND, "no status %q", id)
	}
	return st, nil
}

// holds says whether a submission waits for review: the hub's setting, or that of any
// circle in its audience, asks for it (for every object, or for those with findings).
func (g *Guard) holds(d *directory, doc Doc, findings bool) bool {
	mode := g.opts.Review
	for _, c := range d.all {
		if slices.Contains(doc.Circles, c.Name) && (c.Review == firebreak.ReviewAll || mode == firebreak.ReviewOff) {
			mode = c.Review
		}
	}
	return mode == firebreak.ReviewAll || mode == firebreak.ReviewFindings && findings
}

// checkPattern rejects an indicator whose STIX pattern does not parse, saying where.
func checkPattern(o *stix.Object) error {
	if o.Type != "indicator" || o.PatternType != "stix" {
		return nil
	}
	if err := pattern.Validate(o.Pattern); err != nil {
		return firebreak.Wrap(firebreak.EINVALID, err, o.ID+": pattern: "+firebreak.ErrorMessage(err))
	}
	return nil
}
