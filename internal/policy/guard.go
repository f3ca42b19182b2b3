package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Options configure a Guard.
type Options struct {
	Clock firebreak.Clock // nil: the system clock
	// DefaultTLP applies to objects submitted without a TLP marking.
	DefaultTLP firebreak.TLP
	Logger     *slog.Logger // nil: discard
}

// Guard is the policy guard: the one firebreak.ObjectService that serves callers. It
// authenticates, decides with Decide, and passes the resulting visibility to the store so
// that pages, cursors and headers only ever reflect what the caller may see.
type Guard struct {
	store firebreak.Store
	opts  Options

	mu       sync.Mutex
	dir      *directory           // snapshot of the directory at dir.epoch
	policies map[int64]policyInfo // every stored policy, by id
	maxPol   int64                // highest policy id loaded
	vis      map[visKey]*visEntry // per-reader visible policy ids
	defs     map[string]*stix.Object
}

type policyInfo struct {
	provider int64
	doc      Doc
}

// visKey identifies everything a visibility list depends on besides the policies.
type visKey struct {
	org    int64
	status firebreak.OrgStatus
	circle string // "" for the shared view; a circle name for circle-<name>
	epoch  int64
}

type visEntry struct {
	upto int64   // policies up to this id have been decided
	ids  []int64 // visible policy ids, ascending
}

// directory is a snapshot of the directory that the guard decides with.
type directory struct {
	epoch   int64
	hub     firebreak.Hub
	orgs    map[int64]firebreak.Organization
	byName  map[string]int64
	circles map[int64][]firebreak.Circle // circles of each organisation
	opOrg   int64                        // the operator organisation, 0 if none
}

// NewGuard returns a guard over store.
func NewGuard(store firebreak.Store, opts Options) *Guard {
	if opts.Clock == nil {
		opts.Clock = firebreak.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{
		store:    store,
		opts:     opts,
		policies: map[int64]policyInfo{},
		vis:      map[visKey]*visEntry{},
		defs:     map[string]*stix.Object{},
	}
}

var _ firebreak.ObjectService = (*Guard)(nil)

// directory returns the current directory snapshot, reloading it when the store's epoch
// has moved (on any node).
func (g *Guard) directory(ctx context.Context) (*directory, error) {
	epoch, err := g.store.Epoch(ctx)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	d := g.dir
	g.mu.Unlock()
	if d != nil && d.epoch == epoch {
		return d, nil
	}
	hub, err := g.store.Hub(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := g.store.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	circles, err := g.store.Circles(ctx)
	if err != nil {
		return nil, err
	}
	d = &directory{epoch: epoch, hub: hub, orgs: map[int64]firebreak.Organization{},
		byName: map[string]int64{}, circles: map[int64][]firebreak.Circle{}}
	for _, o := range orgs {
		d.orgs[o.ID] = o
		d.byName[o.Name] = o.ID
	}
	for _, c := range circles {
		for _, m := range c.Members {
			d.circles[m] = append(d.circles[m], c)
		}
	}
	d.opOrg = d.byName[hub.Operator]
	g.mu.Lock()
	if g.dir == nil || g.dir.epoch < epoch {
		g.dir = d
	}
	g.mu.Unlock()
	return d, nil
}

// Hub returns this hub's description.
func (g *Guard) Hub(ctx context.Context) (firebreak.Hub, error) {
	d, err := g.directory(ctx)
	if err != nil {
		return firebreak.Hub{}, err
	}
	return d.hub, nil
}

// Authenticate returns the principal whose API token is token. When user is not empty
// (HTTP Basic), the token must belong to that user. Unknown tokens are EUNAUTHORIZED;
// users of suspended or revoked organisations are EFORBIDDEN.
func (g *Guard) Authenticate(ctx context.Context, user, token string) (*firebreak.Principal, error) {
	if token == "" {
		return nil, firebreak.Errorf(firebreak.EUNAUTHORIZED, "credentials required")
	}
	u, err := g.store.UserByTokenHash(ctx, firebreak.HashToken(token))
	if firebreak.ErrorCode(err) == firebreak.ENOTFOUND || err == nil && user != "" && u.Name != user {
		return nil, firebreak.Errorf(firebreak.EUNAUTHORIZED, "invalid credentials")
	}
	if err != nil {
		return nil, err
	}
	d, err := g.directory(ctx)
	if err != nil {
		return nil, err
	}
	return g.principal(d, u)
}

// PrincipalFor returns a principal acting for the named organisation, as the CLI does for
// import and export. It has no user and no roles.
func (g *Guard) PrincipalFor(ctx context.Context, org string) (*firebreak.Principal, error) {
	d, err := g.directory(ctx)
	if err != nil {
		return nil, err
	}
	id, ok := d.byName[org]
	if !ok {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "no organisation named %q", org)
	}
	return g.principal(d, firebreak.User{OrgID: id})
}

func (g *Guard) principal(d *directory, u firebreak.User) (*firebreak.Principal, error) {
	org, ok := d.orgs[u.OrgID]
	if !ok {
		return nil, firebreak.Errorf(firebreak.EUNAUTHORIZED, "invalid credentials")
	}
	switch org.Status {
	case firebreak.OrgSuspended, firebreak.OrgRevoked:
		return nil, firebreak.Errorf(firebreak.EFORBIDDEN, "organisation %q is %s", org.Name, org.Status)
	}
	p := &firebreak.Principal{User: u, Org: org, Circles: d.circles[org.ID]}
	p.Operator = u.HasRole(firebreak.RoleOperator) && d.opOrg != 0 && org.ID == d.opOrg
	return p, nil
}

// caller returns the principal in ctx and a fresh view of the organisation behind it, so
// that a suspension applied on another node takes effect at once.
func (g *Guard) caller(ctx context.Context) (*firebreak.Principal, *directory, error) {
	p := firebreak.PrincipalFrom(ctx)
	if p == nil {
		return nil, nil, firebreak.Errorf(firebreak.EUNAUTHORIZED, "credentials required")
	}
	d, err := g.directory(ctx)
	if err != nil {
		return nil, nil, err
	}
	fresh, err := g.principal(d, p.User)
	if err != nil {
		return nil, nil, err
	}
	return fresh, d, nil
}

// Collections lists the caller's collections: inbox, shared, mine and one per circle.
func (g *Guard) Collections(ctx context.Context) ([]firebreak.Collection, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	return collectionsOf(p, d.hub), nil
}

func collectionsOf(p *firebreak.Principal, hub firebreak.Hub) []firebreak.Collection {
	id := func(alias string) string {
		return strings.TrimPrefix(stix.DeriveID("collection", hub.UUID, alias), "collection--")
	}
	cs := []firebreak.Collection{
		{ID: id(firebreak.AliasInbox), Alias: firebreak.AliasInbox, Title: "Inbox",
			Description: "Submit STIX objects here; their markings decide who receives them.", CanWrite: true},
		{ID: id(firebreak.AliasShared), Alias: firebreak.AliasShared, Title: "Shared with you",
			Description: "Every object you may read.", CanRead: true},
		{ID: id(firebreak.AliasMine), Alias: firebreak.AliasMine, Title: "Your submissions",
			Description: "What your organisation submitted, as submitted. Writes here are submissions, as to the inbox; delete your objects here.",
			CanRead:     true, CanWrite: true},
	}
	names := make([]string, 0, len(p.Circles))
	for _, c := range p.Circles {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	for _, n := range names {
		alias := firebreak.CircleAliasPrefix + n
		cs = append(cs, firebreak.Collection{ID: id(alias), Alias: alias, Title: "Circle " + n,
			Description: "Objects shared with the circle " + n + "; objects written here default their audience to it.",
			CanRead:     true, CanWrite: true, Circle: n})
	}
	return cs
}

// Collection finds one of the caller's collections by id or alias (ENOTFOUND otherwise).
func (g *Guard) Collection(ctx context.Context, idOrAlias string) (firebreak.Collection, error) {
	cs, err := g.Collections(ctx)
	if err != nil {
		return firebreak.Collection{}, err
	}
	for _, c := range cs {
		if c.ID == idOrAlias || c.Alias == idOrAlias {
			return c, nil
		}
	}
	return firebreak.Collection{}, firebreak.Errorf(firebreak.ENOTFOUND, "no collection %q", idOrAlias)
}

// Objects returns the versions in the collection that the caller may see.
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
	vis, err := g.visibility(ctx, p, d, c)
	if err != nil {
		return firebreak.Page{}, err
	}
	return g.store.Objects(ctx, vis, f)
}

func findCollection(p *firebreak.Principal, d *directory, idOrAlias string) (firebreak.Collection, error) {
	for _, c := range collectionsOf(p, d.hub) {
		if c.ID == idOrAlias || c.Alias == idOrAlias {
			return c, nil
		}
	}
	return firebreak.Collection{}, firebreak.Errorf(firebreak.ENOTFOUND, "no collection %q", idOrAlias)
}

// visibility turns the caller's decisions into the store's filter. It only ever lists
// policies it has decided on: a policy stored after the list was made is not admitted by
// it, so a concurrent submission can never slip through unjudged.
func (g *Guard) visibility(ctx context.Context, p *firebreak.Principal, d *directory, c firebreak.Collection) (firebreak.Visibility, error) {
	if c.Alias == firebreak.AliasMine {
		return firebreak.Visibility{All: true, Provider: p.Org.ID}, nil
	}
	if err := g.loadPolicies(ctx); err != nil {
		return firebreak.Visibility{}, err
	}
	r := ReaderOf(p)
	key := visKey{org: p.Org.ID, status: p.Org.Status, circle: c.Circle, epoch: d.epoch}
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
			if Decide(r, pi.provider, pi.doc).Visible {
				e.ids = append(e.ids, id)
			}
		}
		e.upto = g.maxPol
	}
	return firebreak.Visibility{Policies: slices.Clip(e.ids)}, nil
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
		if r.ID > g.maxPol {
			// Ids arrive ascending; a gap below maxPol would mean a policy committed late
			// and is still loaded because Policies returns every id above after.
			g.policies[r.ID] = decoded[i]
		} else if _, ok := g.policies[r.ID]; !ok {
			g.policies[r.ID] = decoded[i]
		}
	}
	if last := recs[len(recs)-1].ID; last > g.maxPol {
		g.maxPol = last
	}
	return nil
}

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
	batchDefs := map[string]*stix.Object{}
	for i, raw := range objects {
		o, err := stix.Parse(raw)
		if err != nil {
			st.Failures = append(st.Failures, failureOf(i, raw, err))
			continue
		}
		parsed = append(parsed, o)
		if o.Type == "marking-definition" {
			batchDefs[o.ID] = o
		}
	}
	defs, err := g.markingDefs(ctx, parsed, batchDefs)
	if err != nil {
		return firebreak.Status{}, err
	}
	var circles []string
	if c.Circle != "" {
		circles = []string{c.Circle}
	}
	items := make([]firebreak.IngestItem, len(parsed))
	for i, o := range parsed {
		doc := Compile(o, defs, CompileOptions{DefaultTLP: g.opts.DefaultTLP, Circles: circles})
		items[i] = firebreak.IngestItem{
			ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion,
			Version: o.Version(), VersionKey: stix.VersionKey(o.Version()),
			PolicyDoc: doc.Encode(), Raw: o.Raw,
		}
	}
	if len(items) > 0 {
		res, err := g.store.Ingest(ctx, p.Org.ID, items)
		if err != nil {
			return firebreak.Status{}, err
		}
		for i, r := range res {
			switch r.Outcome {
			case firebreak.Stored, firebreak.Duplicate:
				st.Successes = append(st.Successes, firebreak.StatusDetail{ID: items[i].ID, Version: r.Object.Version})
			default:
				st.Failures = append(st.Failures, firebreak.StatusDetail{ID: items[i].ID, Version: items[i].Version,
					Message: "this id belongs to another provider; only it may add versions"})
			}
		}
	}
	if keep {
		if err := g.store.PutStatus(ctx, st); err != nil {
			return firebreak.Status{}, err
		}
	}
	return st, nil
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
	return firebreak.StatusDetail{ID: id, Version: head.Modified, Message: err.Error()}
}

// markingDefs gathers the marking definitions the parsed objects refer to: from the same
// submission first, then from a cache of definitions already stored (they cannot change),
// then from the store.
func (g *Guard) markingDefs(ctx context.Context, objs []*stix.Object, batch map[string]*stix.Object) (map[string]*stix.Object, error) {
	defs := map[string]*stix.Object{}
	var missing []string
	g.mu.Lock()
	for _, o := range objs {
		for _, ref := range MarkingRefs(o) {
			if _, done := defs[ref]; done {
				continue
			}
			if def, ok := batch[ref]; ok {
				defs[ref] = def
			} else if def, ok := g.defs[ref]; ok {
				defs[ref] = def
			} else {
				defs[ref] = nil
				missing = append(missing, ref)
			}
		}
	}
	g.mu.Unlock()
	for len(missing) > 0 {
		n := min(len(missing), 100)
		chunk := missing[:n]
		missing = missing[n:]
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{
			IDs: chunk, Types: []string{"marking-definition"}, Versions: firebreak.VersionFilter{First: true}, Limit: n,
		})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			def, err := stix.Parse(o.Raw)
			if err != nil {
				continue // stored before a stricter validator; treat as unknown
			}
			defs[def.ID] = def
			g.mu.Lock()
			if len(g.defs) > 100000 {
				clear(g.defs)
			}
			g.defs[def.ID] = def
			g.mu.Unlock()
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
	n, err := g.store.Delete(ctx, p.Org.ID, id, versions, specVersions)
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
