package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak/firebreak"
)

// OrgView is an organisation as the trust API shows it.
type OrgView struct {
	Name         string                  `json:"name"`
	IdentityID   string                  `json:"identity_id"`
	Country      string                  `json:"country"`
	Type         firebreak.OrgType       `json:"type"`
	Sectors      []string                `json:"sectors"`
	Parent       string                  `json:"parent,omitempty"`
	Status       firebreak.OrgStatus     `json:"status"`
	Attestations []firebreak.Attestation `json:"attestations"`
	Affiliations []firebreak.Affiliation `json:"affiliations"`
	Circles      []Membership            `json:"circles"`
}

// Membership is an organisation's standing in one circle.
type Membership struct {
	Circle string `json:"circle"`
	Org    string `json:"organization,omitempty"`
	// Active is false while the organisation fails the circle's rules: it is suspended
	// from the circle and receives none of its data until it meets them again.
	Active bool   `json:"active"`
	Reason string `json:"reason,omitempty"`
}

// CircleView is a circle as the trust API shows it.
type CircleView struct {
	Name    string                `json:"name"`
	Rules   firebreak.CircleRules `json:"rules"`
	Members []Membership          `json:"members"`
}

// OrgPatch changes an organisation; nil fields stay as they are.
type OrgPatch struct {
	Status       *firebreak.OrgStatus     `json:"status"`
	Attestations *[]firebreak.Attestation `json:"attestations"`
	Affiliations *[]firebreak.Affiliation `json:"affiliations"`
}

// manager returns the caller if it may manage trust: the hub's operator or admin (see
// HubRole).
func (g *Guard) manager(ctx context.Context) (*firebreak.Principal, *directory, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.Operator && !HubRole(p, d.hub, firebreak.RoleAdmin) {
		err := firebreak.Errorf(firebreak.EFORBIDDEN, "managing organisations and circles needs the hub operator or admin role")
		if rerr := g.record(ctx, p, firebreak.AuditDenied, nil, err.Message); rerr != nil {
			return nil, nil, rerr
		}
		return nil, nil, err
	}
	return p, d, nil
}

func (g *Guard) orgView(d *directory, o firebreak.Organization) OrgView {
	v := OrgView{Name: o.Name, IdentityID: o.IdentityID, Country: o.Country, Type: o.Type, Sectors: o.Sectors,
		Status: o.Status, Attestations: o.Attestations, Affiliations: o.Affiliations, Circles: []Membership{}}
	if v.Sectors == nil {
		v.Sectors = []string{}
	}
	if v.Attestations == nil {
		v.Attestations = []firebreak.Attestation{}
	}
	if v.Affiliations == nil {
		v.Affiliations = []firebreak.Affiliation{}
	}
	if parent, ok := d.orgs[o.ParentID]; ok {
		v.Parent = parent.Name
	}
	now := g.opts.Clock.Now()
	for _, c := range d.circles[o.ID] {
		ok, why := c.Rules.Admits(o, now)
		v.Circles = append(v.Circles, Membership{Circle: c.Name, Active: ok, Reason: why})
	}
	slices.SortFunc(v.Circles, func(a, b Membership) int { return strings.Compare(a.Circle, b.Circle) })
	return v
}

// Organizations lists every organisation with its trust standing (managers only).
func (g *Guard) Organizations(ctx context.Context) ([]OrgView, error) {
	_, d, err := g.manager(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OrgView, 0, len(d.orgs))
	for _, o := range d.orgs {
		out = append(out, g.orgView(d, o))
	}
	slices.SortFunc(out, func(a, b OrgView) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Organization shows one organisation to managers, and to its own members.
func (g *Guard) Organization(ctx context.Context, name string) (OrgView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return OrgView{}, err
	}
	id, ok := d.byName[name]
	if !ok || (id != p.Org.ID && !p.Operator && !HubRole(p, d.hub, firebreak.RoleAdmin)) {
		return OrgView{}, firebreak.Errorf(firebreak.ENOTFOUND, "no organisation %q", name)
	}
	return g.orgView(d, d.orgs[id]), nil
}

// declared turns a stored organisation back into its declaration.
func declared(d *directory, o firebreak.Organization) firebreak.DeclaredOrganization {
	out := firebreak.DeclaredOrganization{Name: o.Name, Country: o.Country, Type: o.Type, Sectors: o.Sectors,
		Status: o.Status, Attestations: o.Attestations, Affiliations: o.Affiliations}
	if parent, ok := d.orgs[o.ParentID]; ok {
		out.Parent = parent.Name
	}
	return out
}

// UpdateOrganization changes an organisation's vetting status, attestations or
// affiliations (managers only). The change takes effect on the next request on every
// node: a suspension stops reads at once, a lapsed or excluded membership stops the
// circle's data.
func (g *Guard) UpdateOrganization(ctx context.Context, name string, patch OrgPatch) (OrgView, error) {
	p, d, err := g.manager(ctx)
	if err != nil {
		return OrgView{}, err
	}
	id, ok := d.byName[name]
	if !ok {
		return OrgView{}, firebreak.Errorf(firebreak.ENOTFOUND, "no organisation %q", name)
	}
	decl := declared(d, d.orgs[id])
	var changes []string
	if patch.Status != nil {
		if !patch.Status.Valid() {
			return OrgView{}, firebreak.Errorf(firebreak.EINVALID, "status %q is not pending, vetted, suspended or revoked", *patch.Status)
		}
		decl.Status = *patch.Status
		changes = append(changes, "status="+string(*patch.Status))
	}
	if patch.Attestations != nil {
		for _, a := range *patch.Attestations {
			if strings.TrimSpace(a.Name) == "" {
				return OrgView{}, firebreak.Errorf(firebreak.EINVALID, "an attestation needs a name")
			}
		}
		decl.Attestations = *patch.Attestations
		changes = append(changes, fmt.Sprintf("attestations=%d", len(decl.Attestations)))
	}
	if patch.Affiliations != nil {
		for _, a := range *patch.Affiliations {
			if strings.TrimSpace(a.Name) == "" || len(a.Country) != 2 {
				return OrgView{}, firebreak.Errorf(firebreak.EINVALID, "an affiliation needs a name and a two-letter country")
			}
		}
		decl.Affiliations = *patch.Affiliations
		changes = append(changes, fmt.Sprintf("affiliations=%d", len(decl.Affiliations)))
	}
	if len(changes) == 0 {
		return g.orgView(d, d.orgs[id]), nil
	}
	ev := g.event(p, firebreak.AuditDirectory, nil, "organization "+name+": "+strings.Join(changes, ", "))
	if err := g.store.Apply(ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{decl}}, ev); err != nil {
		return OrgView{}, err
	}
	d, err = g.directory(ctx)
	if err != nil {
		return OrgView{}, err
	}
	return g.orgView(d, d.orgs[d.byName[name]]), nil
}

// Circles lists the circles with their rules and each member's standing (managers only).
func (g *Guard) Circles(ctx context.Context) ([]CircleView, error) {
	_, d, err := g.manager(ctx)
	if err != nil {
		return nil, err
	}
	now := g.opts.Clock.Now()
	out := make([]CircleView, 0, len(d.all))
	for _, c := range d.all {
		v := CircleView{Name: c.Name, Rules: c.Rules, Members: []Membership{}}
		for _, m := range c.Members {
			o := d.orgs[m]
			ok, why := c.Rules.Admits(o, now)
			v.Members = append(v.Members, Membership{Circle: c.Name, Org: o.Name, Active: ok, Reason: why})
		}
		slices.SortFunc(v.Members, func(a, b Membership) int { return strings.Compare(a.Org, b.Org) })
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b CircleView) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SetMembership admits an organisation to a circle or removes it (managers only). The
// change is an event on the record, not a silent edit.
func (g *Guard) SetMembership(ctx context.Context, circle, org string, member bool) error {
	p, d, err := g.manager(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.all, func(c firebreak.Circle) bool { return c.Name == circle })
	if i < 0 {
		return firebreak.Errorf(firebreak.ENOTFOUND, "no circle %q", circle)
	}
	id, ok := d.byName[org]
	if !ok {
		return firebreak.Errorf(firebreak.ENOTFOUND, "no organisation %q", org)
	}
	c := d.all[i]
	var names []string
	for _, m := range c.Members {
		if m != id {
			names = append(names, d.orgs[m].Name)
		}
	}
	verb := "left"
	if member {
		names = append(names, org)
		verb = "joined"
	}
	ev := g.event(p, firebreak.AuditMembership, nil, org+" "+verb+" circle "+circle)
	return g.store.Apply(ctx, firebreak.Directory{Circles: []firebreak.DeclaredCircle{{Name: c.Name, Members: names, Rules: c.Rules}}}, ev)
}

// ApplyDirectory applies a declaration for the hub's admin (or, with no principal in
// ctx, for the CLI run by the hub's administrator), with the change on the record in the same
// transaction.
func (g *Guard) ApplyDirectory(ctx context.Context, d firebreak.Directory) error {
	p := firebreak.PrincipalFrom(ctx)
	if p == nil {
		p = &firebreak.Principal{User: firebreak.User{Name: "cli"}}
	} else {
		// The hub's admin: the role held in the operator organisation, as it is now.
		fresh, d, err := g.caller(ctx)
		if err != nil {
			return err
		}
		if !HubRole(fresh, d.hub, firebreak.RoleAdmin) {
			return firebreak.Errorf(firebreak.EFORBIDDEN, "applying a declaration needs the hub's admin role")
		}
		p = fresh
	}
	// Each peer hub has an account here: an organisation of the peer's name, which its
	// pulls and pushes authenticate as. Declare it when neither the declaration nor the
	// store has it (an existing one keeps its status: re-applying never re-vets a peer
	// that was suspended).
	dir, err := g.directory(ctx)
	if err != nil {
		return err
	}
	for _, pr := range d.Peers {
		declared := slices.ContainsFunc(d.Organizations, func(o firebreak.DeclaredOrganization) bool { return o.Name == pr.Name })
		if _, held := dir.byName[pr.Name]; !declared && !held {
			d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{Name: pr.Name, Country: pr.Country, Type: pr.Type, Status: firebreak.OrgVetted})
		}
	}
	detail := fmt.Sprintf("declaration applied: %d organisations, %d users, %d circles, %d peers", len(d.Organizations), len(d.Users), len(d.Circles), len(d.Peers))
	return g.store.Apply(ctx, d, g.event(p, firebreak.AuditDirectory, nil, detail))
}
