package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Disclosure deadlines.
const (
	DefaultDisclosureDeadline = 14 * 24 * time.Hour
	MaxDisclosureDeadline     = 90 * 24 * time.Hour
	MaxGrant                  = 365 * 24 * time.Hour
)

// DisclosureAsk is a request as a requester makes it.
type DisclosureAsk struct {
	Kind string `json:"kind"` // objects or identity
	// Provider names the organisation asked, when the requester knows it.
	Provider string   `json:"provider"`
	Objects  []string `json:"objects"`
	Purpose  string   `json:"purpose"`
	// Deadline is how long the provider has to answer (default 14 days, at most 90).
	Deadline string `json:"deadline"`
}

// DisclosureView is a request as one party sees it. The requester never learns the
// provider unless it named it itself, or an identity request is granted.
type DisclosureView struct {
	firebreak.DisclosureRequest
	Role          string `json:"role"` // requester, provider or operator
	Requester     string `json:"requester,omitempty"`
	RequesterType string `json:"requester_type,omitempty"`
	Provider      string `json:"provider,omitempty"`
}

// RequestDisclosure opens disclosure cases: one per provider concerned. Object ids that
// no provider holds still open a case (that will expire). The requester receives one view
// of the ask whatever cases it opened (see requesterView), so that asking reveals nothing
// about what exists or who holds it.
func (g *Guard) RequestDisclosure(ctx context.Context, ask DisclosureAsk) ([]DisclosureView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	if ask.Kind != firebreak.DisclosureObjects && ask.Kind != firebreak.DisclosureIdentity {
		return nil, firebreak.Errorf(firebreak.EINVALID, "kind must be objects or identity")
	}
	if strings.TrimSpace(ask.Purpose) == "" || len(ask.Purpose) > 2000 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "purpose is required (at most 2000 characters): the provider decides on it")
	}
	if len(ask.Objects) > 1000 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "at most 1000 objects per request")
	}
	for _, id := range ask.Objects {
		if !stix.ValidID(id) {
			return nil, firebreak.Errorf(firebreak.EINVALID, "%q is not a STIX identifier", clip(id))
		}
	}
	if ask.Provider == "" && len(ask.Objects) == 0 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "name the provider or the objects")
	}
	if ask.Kind == firebreak.DisclosureIdentity && len(ask.Objects) == 0 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "an identity request names the objects whose provider it asks for")
	}
	deadline := DefaultDisclosureDeadline
	if ask.Deadline != "" {
		v, err := time.ParseDuration(ask.Deadline)
		if err != nil || v < time.Minute || v > MaxDisclosureDeadline {
			return nil, firebreak.Errorf(firebreak.EINVALID, "deadline %q is not a duration between 1m and %s", clip(ask.Deadline), MaxDisclosureDeadline)
		}
		deadline = v
	}
	// Group the objects by provider.
	groups := map[int64][]string{}
	if ask.Provider != "" {
		if len(ask.Provider) > 200 {
			return nil, firebreak.Errorf(firebreak.EINVALID, "provider: a name of at most 200 characters")
		}
		// A name that is no organisation's opens a case that nobody can answer, as an
		// object that exists nowhere does: were it refused, asking would tell anyone
		// which organisations the hub has (id 0: held by nobody). It then expires.
		groups[d.byName[ask.Provider]] = slices.Clone(ask.Objects)
	} else {
		asked := sortedSet(ask.Objects)
		// Every provider that holds a copy of an object is asked about its own.
		holders := map[string][]int64{}
		f := firebreak.ObjectFilter{IDs: asked, Versions: firebreak.VersionFilter{Last: true}, Limit: 1000, MetadataOnly: true, EveryCopy: true}
		for {
			page, err := g.store.Objects(ctx, firebreak.Visibility{All: true}, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				holders[o.ID] = append(holders[o.ID], o.Provider)
			}
			if !page.More {
				break
			}
			f.After = page.Next
		}
		for _, id := range asked {
			if len(holders[id]) == 0 {
				groups[0] = append(groups[0], id) // held by nobody
			}
			for _, prov := range holders[id] {
				groups[prov] = append(groups[prov], id)
			}
		}
	}
	now := g.opts.Clock.Now()
	askID := strings.TrimPrefix(stix.NewID("a"), "a--")
	var cases []firebreak.DisclosureRequest
	provs := make([]int64, 0, len(groups))
	for prov := range groups {
		provs = append(provs, prov)
	}
	slices.Sort(provs)
	for _, prov := range provs {
		r := firebreak.DisclosureRequest{
			ID: strings.TrimPrefix(stix.NewID("r"), "r--"), Ask: askID, Kind: ask.Kind, Requester: p.Org.ID, RequesterUser: p.User.Name,
			Provider: prov, Objects: groups[prov], Purpose: ask.Purpose, Created: now, Deadline: now.Add(deadline),
			State: firebreak.DisclosureOpen,
		}
		if r.Objects == nil {
			r.Objects = []string{}
		}
		to := d.orgs[prov].Name
		if prov == 0 && ask.Provider != "" {
			to = fmt.Sprintf("%q, which is no organisation of this hub", ask.Provider)
		}
		e := g.event(p, firebreak.AuditDisclosureRequest, r.Objects, fmt.Sprintf("request %s (%s) to %s: %s", r.ID, r.Kind, to, r.Purpose))
		if err := g.store.PutDisclosure(ctx, r, e); err != nil {
			return nil, err
		}
		cases = append(cases, r)
	}
	if ask.Provider != "" {
		// One case, to the organisation named: the requester sees the name it gave,
		// whether or not an organisation bears it.
		v := g.disclosureView(p, d, cases[0], true)
		v.Provider = ask.Provider
		return []DisclosureView{v}, nil
	}
	return []DisclosureView{g.requesterView(p, d, cases)}, nil
}

// requesterView shows the requester the cases one ask opened as one: an ask opens a case
// per provider of the objects named, and one for the objects nobody holds, and how many
// cases it opened, or which objects each holds, would tell the requester what exists and
// who holds it. The cases of one ask share their Ask (or, for cases stored before it was
// kept, the instant they were opened at, their deadline, kind and purpose). The view's
// state is askState's.
func (g *Guard) requesterView(p *firebreak.Principal, d *directory, cases []firebreak.DisclosureRequest) DisclosureView {
	r := cases[0]
	var objects, reasons, purposes, grantors []string
	var grant *firebreak.DisclosureGrant
	for _, c := range cases {
		r.ID = min(r.ID, c.ID)
		if c.Decided.After(r.Decided) {
			r.Decided = c.Decided
		}
		objects = append(objects, c.Objects...)
		switch c.State {
		case firebreak.DisclosureGranted:
			grantors = append(grantors, d.orgs[c.Provider].Name)
			if c.Grant != nil {
				if grant == nil {
					grant = &firebreak.DisclosureGrant{Expires: c.Grant.Expires}
				}
				grant.Objects = append(grant.Objects, c.Grant.Objects...)
				purposes = append(purposes, c.Grant.Purpose)
				if c.Grant.Expires.Before(grant.Expires) {
					grant.Expires = c.Grant.Expires
				}
			}
		case firebreak.DisclosureRefused:
			if c.Reason != "" {
				reasons = append(reasons, c.Reason)
			}
		}
	}
	r.Objects = sortedSet(objects)
	if r.Objects == nil {
		r.Objects = []string{}
	}
	r.Grant, r.Reason = nil, ""
	switch r.State = askState(cases, g.opts.Clock.Now()); r.State {
	case firebreak.DisclosureOpen:
		r.Decided = time.Time{}
	case firebreak.DisclosureGranted:
		if grant != nil {
			grant.Objects = sortedSet(grant.Objects)
			grant.Purpose = strings.Join(sortedSet(purposes), "; ")
			r.Grant = grant
		}
	case firebreak.DisclosureRefused:
		r.Reason = strings.Join(sortedSet(reasons), "; ")
	}
	v := DisclosureView{DisclosureRequest: r, Role: "requester", Requester: d.orgs[r.Requester].Name}
	if r.Kind == firebreak.DisclosureIdentity && r.State == firebreak.DisclosureGranted {
		v.Provider = strings.Join(sortedSet(grantors), ", ")
	}
	return v
}

// askState is the state of one ask, from the cases it opened, at now. It is open while any
// case is open and before its deadline (the cases of one ask share it); then granted if
// any provider granted, refused if any refused, and expired otherwise. So it depends on
// the providers' answers only, never on how many cases the ask was split into: the case
// of the objects nobody holds, or of a name no organisation bears, cannot be answered
// and only ever expires, as the ask does when no provider answers. The requester sees
// this state, and the transparency report counts it, so the report tells the public
// nothing that the requester does not see in its own list.
func askState(cases []firebreak.DisclosureRequest, now time.Time) string {
	open, granted, refused := false, false, false
	for _, c := range cases {
		switch c.State {
		case firebreak.DisclosureOpen:
			open = open || now.Before(c.Deadline) // silence past the deadline is refusal
		case firebreak.DisclosureGranted:
			granted = true
		case firebreak.DisclosureRefused:
			refused = true
		}
	}
	switch {
	case open:
		return firebreak.DisclosureOpen
	case granted:
		return firebreak.DisclosureGranted
	case refused:
		return firebreak.DisclosureRefused
	}
	return firebreak.DisclosureExpired
}

// askKey groups the cases of one ask: its Ask, or for cases stored before Ask was kept,
// the requester, the instant, deadline, kind and purpose the ask gave all its cases.
type askKey struct {
	ask               string
	requester         int64
	created, deadline int64
	kind, purpose     string
}

func askKeyOf(r firebreak.DisclosureRequest) askKey {
	if r.Ask != "" {
		return askKey{ask: r.Ask}
	}
	return askKey{requester: r.Requester, created: r.Created.UnixNano(), deadline: r.Deadline.UnixNano(), kind: r.Kind, purpose: r.Purpose}
}

// event renders an audit event as the body the chain commits to.
func (g *Guard) event(p *firebreak.Principal, action string, objects []string, detail string) []byte {
	e := firebreak.AuditEvent{Time: g.opts.Clock.Now().UTC(), Action: action, User: p.User.Name, Org: p.Org.Name, Objects: objects, Detail: detail}
	b, _ := json.Marshal(e)
	return b
}

// disclosureView shows r to p. named says whether the requester named the provider.
func (g *Guard) disclosureView(p *firebreak.Principal, d *directory, r firebreak.DisclosureRequest, named bool) DisclosureView {
	v := DisclosureView{DisclosureRequest: r}
	req := d.orgs[r.Requester]
	switch {
	case p.Org.ID == r.Provider && r.Provider != 0:
		v.Role, v.Requester, v.RequesterType = "provider", req.Name, string(req.Type)
		v.Provider = p.Org.Name
	case p.Org.ID == r.Requester:
		v.Role = "requester"
		v.Requester = req.Name
		if named || r.Kind == firebreak.DisclosureIdentity && r.State == firebreak.DisclosureGranted {
			v.Provider = d.orgs[r.Provider].Name
		}
	default:
		v.Role, v.Requester, v.RequesterType = "operator", req.Name, string(req.Type)
		v.Provider = d.orgs[r.Provider].Name
	}
	return v
}

// expire turns open requests past their deadline into expired ones: silence is refusal.
func (g *Guard) expire(ctx context.Context, rs []firebreak.DisclosureRequest) ([]firebreak.DisclosureRequest, error) {
	now := g.opts.Clock.Now()
	for i, r := range rs {
		if r.State != firebreak.DisclosureOpen || now.Before(r.Deadline) {
			continue
		}
		r.State, r.Decided = firebreak.DisclosureExpired, r.Deadline
		sys := &firebreak.Principal{User: firebreak.User{Name: "hub"}}
		if err := g.store.PutDisclosure(ctx, r, g.event(sys, firebreak.AuditDisclosureExpire, r.Objects, "request "+r.ID+" expired unanswered: refused")); err != nil {
			return nil, err
		}
		rs[i] = r
	}
	return rs, nil
}

// ExpireDisclosures expires every open request past its deadline; the server runs it
// regularly so that the record shows the refusal even if nobody looks.
func (g *Guard) ExpireDisclosures(ctx context.Context) error {
	rs, err := g.store.Disclosures(ctx, firebreak.DisclosureFilter{State: firebreak.DisclosureOpen})
	if err != nil {
		return err
	}
	_, err = g.expire(ctx, rs)
	return err
}

// Disclosures lists the cases the caller is party to; the hub's operators and auditors
// see all.
func (g *Guard) Disclosures(ctx context.Context) ([]DisclosureView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	var rs []firebreak.DisclosureRequest
	broker := p.Operator || HubRole(p, d.hub, firebreak.RoleAuditor)
	if broker {
		if rs, err = g.store.Disclosures(ctx, firebreak.DisclosureFilter{}); err != nil {
			return nil, err
		}
	} else {
		mine, err := g.store.Disclosures(ctx, firebreak.DisclosureFilter{Requester: p.Org.ID})
		if err != nil {
			return nil, err
		}
		asked, err := g.store.Disclosures(ctx, firebreak.DisclosureFilter{Provider: p.Org.ID})
		if err != nil {
			return nil, err
		}
		rs = append(mine, asked...)
	}
	if rs, err = g.expire(ctx, rs); err != nil {
		return nil, err
	}
	// The requester sees each of its asks once, however many cases it opened.
	own := func(r firebreak.DisclosureRequest) bool {
		return r.Requester == p.Org.ID && r.Provider != p.Org.ID && !broker
	}
	asks := map[askKey][]firebreak.DisclosureRequest{}
	for _, r := range rs {
		if own(r) {
			asks[askKeyOf(r)] = append(asks[askKeyOf(r)], r)
		}
	}
	out := make([]DisclosureView, 0, len(rs))
	for _, r := range rs {
		if !own(r) {
			out = append(out, g.disclosureView(p, d, r, false))
		} else if cases, ok := asks[askKeyOf(r)]; ok {
			out = append(out, g.requesterView(p, d, cases))
			delete(asks, askKeyOf(r))
		}
	}
	return out, nil
}

// Decision is a provider's answer to a disclosure request.
type DisclosureDecision struct {
	Grant bool `json:"grant"`
	// For a grant: the objects (of the provider's own, among those asked, or any of its
	// own when none were named), the purpose they may be used for, and until when.
	Objects []string `json:"objects"`
	Purpose string   `json:"purpose"`
	Expires string   `json:"expires"`
	// For a refusal: why (shown to the requester).
	Reason string `json:"reason"`
}

// DecideDisclosure records the provider's grant or refusal. Only the provider asked may
// decide; an operator cannot decide on its behalf.
func (g *Guard) DecideDisclosure(ctx context.Context, id string, dec DisclosureDecision) (DisclosureView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return DisclosureView{}, err
	}
	r, err := g.store.Disclosure(ctx, id)
	if err != nil {
		return DisclosureView{}, err
	}
	if r.Provider == 0 || r.Provider != p.Org.ID {
		if r.Requester == p.Org.ID || p.Operator || HubRole(p, d.hub, firebreak.RoleAuditor) {
			return DisclosureView{}, firebreak.Errorf(firebreak.EFORBIDDEN, "only the provider asked can grant or refuse; operators broker requests but cannot decide them")
		}
		return DisclosureView{}, firebreak.Errorf(firebreak.ENOTFOUND, "no disclosure request %q", clip(id))
	}
	rs, err := g.expire(ctx, []firebreak.DisclosureRequest{r})
	if err != nil {
		return DisclosureView{}, err
	}
	if r = rs[0]; r.State != firebreak.DisclosureOpen {
		return DisclosureView{}, firebreak.Errorf(firebreak.ECONFLICT, "request %s is already %s", r.ID, r.State)
	}
	now := g.opts.Clock.Now()
	r.Decided = now
	var ev []byte
	if !dec.Grant {
		r.State, r.Reason = firebreak.DisclosureRefused, clip(dec.Reason)
		ev = g.event(p, firebreak.AuditDisclosureRefuse, r.Objects, "request "+r.ID+" refused: "+r.Reason)
	} else {
		exp, err := time.Parse(time.RFC3339Nano, dec.Expires)
		if err != nil || !exp.After(now) || exp.Sub(now) > MaxGrant {
			return DisclosureView{}, firebreak.Errorf(firebreak.EINVALID, "expires must be an RFC 3339 time within a year from now")
		}
		if strings.TrimSpace(dec.Purpose) == "" {
			return DisclosureView{}, firebreak.Errorf(firebreak.EINVALID, "a grant names the purpose it allows")
		}
		objs := dec.Objects
		if len(objs) == 0 {
			objs = r.Objects
		}
		if len(objs) == 0 {
			return DisclosureView{}, firebreak.Errorf(firebreak.EINVALID, "a grant names the objects it allows")
		}
		if len(r.Objects) > 0 {
			for _, o := range objs {
				if !slices.Contains(r.Objects, o) {
					return DisclosureView{}, firebreak.Errorf(firebreak.EINVALID, "%s was not asked for; a grant is scoped to the request", clip(o))
				}
			}
		}
		// Only the provider's own objects can be granted.
		page, err := g.store.Objects(ctx, firebreak.Visibility{All: true, Provider: p.Org.ID}, firebreak.ObjectFilter{
			IDs: objs, Versions: firebreak.VersionFilter{Last: true}, Limit: len(objs), MetadataOnly: true})
		if err != nil {
			return DisclosureView{}, err
		}
		own := map[string]bool{}
		for _, o := range page.Objects {
			own[o.ID] = true
		}
		for _, o := range objs {
			if !own[o] {
				return DisclosureView{}, firebreak.Errorf(firebreak.EINVALID, "%s is not an object you provided", clip(o))
			}
		}
		r.State = firebreak.DisclosureGranted
		r.Grant = &firebreak.DisclosureGrant{Objects: slices.Clone(objs), Purpose: clip(dec.Purpose), Expires: exp.UTC()}
		ev = g.event(p, firebreak.AuditDisclosureGrant, objs, fmt.Sprintf("request %s granted to %s for %q until %s", r.ID, d.orgs[r.Requester].Name, r.Grant.Purpose, r.Grant.Expires.Format(time.RFC3339)))
	}
	if err := g.store.PutDisclosure(ctx, r, ev); err != nil {
		return DisclosureView{}, err
	}
	return g.disclosureView(p, d, r, false), nil
}

// grants returns the objects the reader may see, and those whose provider it may learn,
// under disclosure grants in force at now: each the grantor's own copy, never another
// provider's copy of the id.
func (g *Guard) grants(ctx context.Context, org int64, now time.Time) (objects, identity []firebreak.Copy, err error) {
	rs, err := g.store.Disclosures(ctx, firebreak.DisclosureFilter{Requester: org, State: firebreak.DisclosureGranted})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rs {
		if r.Grant == nil || !now.Before(r.Grant.Expires) {
			continue
		}
		for _, id := range r.Grant.Objects {
			c := firebreak.Copy{Provider: r.Provider, ID: id}
			if r.Kind == firebreak.DisclosureIdentity {
				identity = append(identity, c)
			} else {
				objects = append(objects, c)
			}
		}
	}
	slices.SortFunc(objects, firebreak.CompareCopies)
	slices.SortFunc(identity, firebreak.CompareCopies)
	return slices.Compact(objects), slices.Compact(identity), nil
}

// TransparencyRow is one cell of the transparency report: how many requests (asks, not
// the cases they were split into) made in Month by requesters of RequesterType ended, or
// stand, at Outcome.
type TransparencyRow struct {
	Month         string `json:"month"`
	RequesterType string `json:"requester_type"`
	Outcome       string `json:"outcome"`
	Count         int    `json:"count"`
}

// TransparencyOther is the requester type of the rows that pool, for one month, the
// requester types with fewer than k requesters that month.
const TransparencyOther = "other"

// TransparencyReport is the public transparency report.
type TransparencyReport struct {
	Rows []TransparencyRow `json:"disclosure_requests"`
	// K is the fewest distinct requesters behind any row.
	K int `json:"k"`
	// Suppressed counts the requests left out of Rows because their month's pool of
	// small requester types still had fewer than K requesters; when all the requests left
	// out come from fewer than K requesters, it is 0 too, so that it cannot single one
	// out either.
	Suppressed int `json:"suppressed"`
}

// Transparency counts disclosure requests per month, requester type and outcome, naming
// nobody: it is public. It writes nothing, however often anyone reads it: an open request
// past its deadline counts as expired, as the next sweep will record it.
//
// Nothing in it depends on what a request named beyond its requester and the providers'
// answers (issue 13, finding 6):
//   - it counts requests, not cases: an ask is split into a case per provider of the ids
//     it names (and one for ids nobody holds), and counting cases let anyone learn, by
//     asking, whether an id exists and whether two ids share a provider;
//   - a request's outcome is askState's (open while any case is open; then granted if any
//     provider granted, refused if any refused, expired otherwise), which is the state
//     the requester itself sees;
//   - a row stands for at least k distinct requesters (k is the sightings k, default 3):
//     each month, the requester types with fewer are pooled as "other", and a pool still
//     below k is left out and counted in Suppressed only. A requester type with one
//     member is thus never a row of its own, which would name it. k counts every
//     requester, the reader too, if it asked: a requester who subtracts itself from a
//     row still faces k-1 others.
func (g *Guard) Transparency(ctx context.Context) (TransparencyReport, error) {
	k := g.opts.SightingsK
	if k <= 0 {
		k = DefaultSightingsK
	}
	report := TransparencyReport{Rows: []TransparencyRow{}, K: k}
	now := g.opts.Clock.Now()
	rs, err := g.store.Disclosures(ctx, firebreak.DisclosureFilter{})
	if err != nil {
		return report, err
	}
	d, err := g.directory(ctx)
	if err != nil {
		return report, err
	}
	asks := map[askKey][]firebreak.DisclosureRequest{}
	var order []askKey
	for _, r := range rs {
		key := askKeyOf(r)
		if _, ok := asks[key]; !ok {
			order = append(order, key)
		}
		asks[key] = append(asks[key], r)
	}
	// cell gathers the requests of one month and requester type.
	type cell struct {
		outcomes   map[string]int
		requesters map[int64]bool
	}
	add := func(c *cell, outcomes map[string]int, requesters map[int64]bool) {
		for o, n := range outcomes {
			c.outcomes[o] += n
		}
		for r := range requesters {
			c.requesters[r] = true
		}
	}
	newCell := func() *cell { return &cell{outcomes: map[string]int{}, requesters: map[int64]bool{}} }
	months := map[string]map[string]*cell{}
	for _, key := range order {
		cases := asks[key]
		first := cases[0]
		month := first.Created.UTC().Format("2006-01")
		typ := string(d.orgs[first.Requester].Type)
		if typ == "" {
			typ = "unknown" // an organisation no longer in the directory
		}
		if months[month] == nil {
			months[month] = map[string]*cell{}
		}
		c := months[month][typ]
		if c == nil {
			c = newCell()
			months[month][typ] = c
		}
		c.outcomes[askState(cases, now)]++
		c.requesters[first.Requester] = true
	}
	left := newCell()
	for month, types := range months {
		other := newCell()
		for typ, c := range types {
			if len(c.requesters) < k {
				add(other, c.outcomes, c.requesters)
				continue
			}
			for o, n := range c.outcomes {
				report.Rows = append(report.Rows, TransparencyRow{Month: month, RequesterType: typ, Outcome: o, Count: n})
			}
		}
		if len(other.requesters) >= k {
			for o, n := range other.outcomes {
				report.Rows = append(report.Rows, TransparencyRow{Month: month, RequesterType: TransparencyOther, Outcome: o, Count: n})
			}
		} else {
			add(left, other.outcomes, other.requesters)
		}
	}
	if len(left.requesters) >= k {
		for _, n := range left.outcomes {
			report.Suppressed += n
		}
	}
	slices.SortFunc(report.Rows, func(a, b TransparencyRow) int {
		return strings.Compare(a.Month+"\x00"+a.RequesterType+"\x00"+a.Outcome, b.Month+"\x00"+b.RequesterType+"\x00"+b.Outcome)
	})
	return report, nil
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000]
	}
	return s
}
