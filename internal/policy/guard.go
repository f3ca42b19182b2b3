package policy

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Options configure a Guard.
type Options struct {
	Clock firebreak.Clock // nil: the system clock
	// DefaultTLP applies to objects submitted without a TLP marking.
	DefaultTLP firebreak.TLP
	Logger     *slog.Logger // nil: discard
	// Auditor records what must be on the record, such as operators' restricted reads.
	// Without one, reads that would need a record are refused: the hub fails closed.
	Auditor firebreak.Auditor
	// Review is the hub-wide review setting (firebreak.ReviewOff, ReviewFindings or
	// ReviewAll); circles may ask for more for what is shared with them.
	Review string
	// SightingsK is how many distinct organisations must report sightings of an indicator
	// before a breakdown is released, and how many distinct requesters each row of the
	// transparency report must stand for (default DefaultSightingsK).
	SightingsK int
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
	scrub    scrubbers
	sight    sightings
	ind      indicators
}

type policyInfo struct {
	provider int64
	doc      Doc
}

// visKey identifies everything a visibility list depends on besides the policies.
type visKey struct {
	org      int64
	status   firebreak.OrgStatus
	circles  string // the reader's active circles, joined
	operator bool
	view     string // "" for the shared view; a circle name for circle-<name>
	epoch    int64
	peer     bool
}

type visEntry struct {
	upto  int64   // policies up to this id have been decided
	ids   []int64 // visible policy ids, ascending
	named []int64 // those of ids under which the reader may learn the provider
	// Marking definitions (Doc.Defines) are visible only once a version that the reader
	// may see as a member is marked by them: marked holds those seen so far; defs the
	// policies of each definition that its own policy lets the reader see, waiting for a
	// version it marks or already listed; opOnly the definitions' policies in ids that
	// only the operator role shows (their reads are audited).
	marked map[markKey]bool
	defs   map[markKey][]markDef
	opOnly map[int64]bool
}

// markDef is the policy of a marking definition waiting for a version it marks.
type markDef struct {
	id    int64
	named bool
}

// markKey names a marking definition of one provider: definitions resolve within their
// provider, so two providers' definitions with one id are two definitions.
type markKey struct {
	provider int64
	id       string
}

// add lists policy id as visible (named when the reader may learn its provider), keeping
// the lists ascending. The lists may have been handed to readers: they are never changed
// in place.
func (e *visEntry) add(id int64, named bool) {
	insert := func(s []int64) []int64 {
		i, found := slices.BinarySearch(s, id)
		if found {
			return s
		}
		if i == len(s) {
			return append(s, id)
		}
		return slices.Insert(slices.Clip(s), i, id)
	}
	e.ids = insert(e.ids)
	if named {
		e.named = insert(e.named)
	}
}

// directory is a snapshot of the directory that the guard decides with.
type directory struct {
	epoch     int64
	hub       firebreak.Hub
	orgs      map[int64]firebreak.Organization
	byName    map[string]int64
	ancestors map[int64][]int64            // parent, grandparent, ... of each organisation
	circles   map[int64][]firebreak.Circle // circles each organisation was admitted to
	all       []firebreak.Circle
	opOrg     int64 // the operator organisation, 0 if none
	peers     map[string]firebreak.Peer
}

// activeCircles returns the names of the circles org belongs to and whose rules it meets
// at now, sorted. A member whose attestation lapsed, or whose declared affiliation breaks
// a rule, is suspended from the circle from that instant: its next read no longer returns
// the circle's data.
func (d *directory) activeCircles(org firebreak.Organization, now time.Time) []string {
	var out []string
	for _, c := range d.circles[org.ID] {
		if ok, _ := c.Rules.Admits(org, now); ok {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return out
}

// reader returns the reader a principal stands for at now.
func (d *directory) reader(p *firebreak.Principal, now time.Time) Reader {
	if p.Peer != nil {
		return d.peerReader(p.Org, *p.Peer)
	}
	return Reader{Org: p.Org, Ancestors: d.ancestors[p.Org.ID], Circles: d.activeCircles(p.Org, now), Operator: p.Operator}
}

// peerReader returns the reader a peer hub stands for: its account's organisation (its
// country, type and place under a parent), capped by its agreement, whose circles are
// the circles it receives. It is never an operator.
func (d *directory) peerReader(org firebreak.Organization, pr firebreak.Peer) Reader {
	cs := slices.Clone(pr.Circles)
	slices.Sort(cs)
	return Reader{Org: org, Ancestors: d.ancestors[org.ID], Circles: slices.Compact(cs), Peer: &pr}
}

// provider returns the provider with the given organisation id. An organisation that is
// no longer in the directory is a provider nobody shares a country or parent with.
func (d *directory) provider(id int64) Provider {
	o := d.orgs[id]
	_, peer := d.peers[o.Name]
	return Provider{Org: o, Ancestors: d.ancestors[id], Peer: peer && o.Name != ""}
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
	}
}

var _ firebreak.ObjectService = (*Guard)(nil)

// onceKey is the context key of a readOnce.
type onceKey struct{}

// readOnce holds the directory snapshot that one request decides with.
type readOnce struct {
	mu sync.Mutex
	d  *directory
}

// WithDirectoryOnce returns a context in which the guard looks at the directory once:
// every call made with it decides with the snapshot the first call read, without asking
// the store again whether it moved. It is for requests that only read, such as a TAXII
// GET, which authenticates, resolves a collection and reads in one instant; a request
// that changes the directory must not use it, or it would read its own change back stale.
func WithDirectoryOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, onceKey{}, &readOnce{})
}

// readingOnce is WithDirectoryOnce for the guard's own read-only operations that call its
// readers many times, a page or a batch at a time (sightings, match, the hashed set): one
// look at the directory serves them all. A context that already has a snapshot keeps it.
func readingOnce(ctx context.Context) context.Context {
	if _, ok := ctx.Value(onceKey{}).(*readOnce); ok {
		return ctx
	}
	return WithDirectoryOnce(ctx)
}

// directory returns the current directory snapshot, reloading it when the store's epoch
// has moved (on any node); within a WithDirectoryOnce context, the one the request read.
func (g *Guard) directory(ctx context.Context) (*directory, error) {
	once, _ := ctx.Value(onceKey{}).(*readOnce)
	if once == nil {
		return g.loadDirectory(ctx)
	}
	once.mu.Lock()
	defer once.mu.Unlock()
	if once.d == nil {
		d, err := g.loadDirectory(ctx)
		if err != nil {
			return nil, err
		}
		once.d = d
	}
	return once.d, nil
}

// loadDirectory returns the current directory snapshot, reloading it when the store's
// epoch has moved.
func (g *Guard) loadDirectory(ctx context.Context) (*directory, error) {
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
	peers, err := g.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	d = &directory{epoch: epoch, hub: hub, orgs: map[int64]firebreak.Organization{},
		byName: map[string]int64{}, ancestors: map[int64][]int64{}, circles: map[int64][]firebreak.Circle{}, all: circles,
		peers: map[string]firebreak.Peer{}}
	for _, pr := range peers {
		d.peers[pr.Name] = pr
	}
	for _, o := range orgs {
		d.orgs[o.ID] = o
		d.byName[o.Name] = o.ID
	}
	for _, o := range orgs {
		seen := map[int64]bool{o.ID: true}
		for p := o.ParentID; p != 0 && !seen[p]; p = d.orgs[p].ParentID {
			seen[p] = true
			d.ancestors[o.ID] = append(d.ancestors[o.ID], p)
		}
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
	p, err := g.principal(d, u)
	if firebreak.ErrorCode(err) == firebreak.EFORBIDDEN {
		// A known user of a suspended or revoked organisation was turned away: on the
		// record. (Unknown tokens are not: anyone can send those, and they name nobody.)
		denied := &firebreak.Principal{User: u, Org: d.orgs[u.OrgID]}
		if rerr := g.record(ctx, denied, firebreak.AuditDenied, nil, firebreak.ErrorMessage(err)); rerr != nil {
			return nil, rerr
		}
	}
	return p, err
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

// OperatorPrincipal returns a principal acting as a hub operator from the command line:
// the hub's administrator at the console of the machine that holds the data.
func (g *Guard) OperatorPrincipal(ctx context.Context) (*firebreak.Principal, error) {
	d, err := g.directory(ctx)
	if err != nil {
		return nil, err
	}
	if d.opOrg == 0 {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "no operator organisation is declared (apply a declaration with a hub first)")
	}
	return g.principal(d, firebreak.User{Name: "cli", OrgID: d.opOrg, Roles: []firebreak.Role{firebreak.RoleOperator, firebreak.RoleAdmin}})
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
	// Only circles whose rules the organisation meets now count: a suspended membership
	// gives neither the circle's collection nor its data.
	now := g.opts.Clock.Now()
	p := &firebreak.Principal{User: u, Org: org}
	for _, c := range d.circles[org.ID] {
		if ok, _ := c.Rules.Admits(org, now); ok {
			p.Circles = append(p.Circles, c)
		}
	}
	if pr, ok := d.peers[org.Name]; ok {
		p.Peer, p.Circles = &pr, nil
	}
	p.Operator = HubRole(p, d.hub, firebreak.RoleOperator)
	return p, nil
}

// HubRole reports whether p holds role for the hub itself: the hub's roles (operator,
// auditor, admin) count only for users of the hub's operator organisation, as hub
// describes it. Held in a member organisation, or by a peer hub's account, they give
// nothing. Every check of a hub role goes through it.
func HubRole(p *firebreak.Principal, hub firebreak.Hub, role firebreak.Role) bool {
	return p != nil && p.Peer == nil && hub.Operator != "" && p.Org.Name == hub.Operator && p.User.HasRole(role)
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
	p, d, err := g.caller(ctx)
	if err != nil {
		return firebreak.Collection{}, err
	}
	return findCollection(p, d, idOrAlias)
}
