package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Contacts returns the caller's organisation's contacts.
func (g *Guard) Contacts(ctx context.Context) ([]firebreak.Contact, error) {
	p, _, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := g.store.Contacts(ctx, p.Org.ID)
	if cs == nil && err == nil {
		cs = []firebreak.Contact{}
	}
	return cs, err
}

// SetContacts replaces the caller's organisation's contacts.
func (g *Guard) SetContacts(ctx context.Context, cs []firebreak.Contact) error {
	p, _, err := g.caller(ctx)
	if err != nil {
		return err
	}
	if len(cs) > 100 {
		return firebreak.Errorf(firebreak.EINVALID, "at most 100 contacts")
	}
	for i, c := range cs {
		if strings.TrimSpace(c.Name) == "" || len(c.Name)+len(c.Role)+len(c.Email)+len(c.Phone) > 1000 {
			return firebreak.Errorf(firebreak.EINVALID, "contact %d: a name is required, and the fields are at most 1000 characters together", i+1)
		}
	}
	return g.store.PutContacts(ctx, p.Org.ID, cs, g.event(p, firebreak.AuditContacts, nil, fmt.Sprintf("%d contacts", len(cs))))
}

// IntroductionView is an introduction as one party sees it. The requester learns the
// provider, and both the other's contacts, only once the provider accepts.
type IntroductionView struct {
	firebreak.Introduction
	Role        string              `json:"role"` // requester or provider
	Counterpart string              `json:"counterpart,omitempty"`
	Contacts    []firebreak.Contact `json:"contacts,omitempty"`
}

// RequestIntroduction asks to be put in touch with the provider of an object the caller
// can see. Asking about an object the caller cannot see is "not found", as the object is.
func (g *Guard) RequestIntroduction(ctx context.Context, object, message string) (IntroductionView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return IntroductionView{}, err
	}
	if len(message) > 2000 {
		return IntroductionView{}, firebreak.Errorf(firebreak.EINVALID, "the message is at most 2000 characters")
	}
	page, err := g.Objects(ctx, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{object}, Limit: 1, MetadataOnly: true})
	if err != nil {
		return IntroductionView{}, err
	}
	if len(page.Objects) == 0 {
		return IntroductionView{}, firebreak.Errorf(firebreak.ENOTFOUND, "no object %s", clip(object))
	}
	prov := page.Objects[0].Provider
	if prov == p.Org.ID {
		return IntroductionView{}, firebreak.Errorf(firebreak.EINVALID, "this object is your own")
	}
	in := firebreak.Introduction{ID: strings.TrimPrefix(stix.NewID("i"), "i--"), Object: object, Requester: p.Org.ID, RequesterUser: p.User.Name,
		Provider: prov, Message: message, State: firebreak.IntroductionRequested, Created: g.opts.Clock.Now()}
	if err := g.store.PutIntroduction(ctx, in, g.event(p, firebreak.AuditIntroduction, []string{object}, "introduction "+in.ID+" requested")); err != nil {
		return IntroductionView{}, err
	}
	return g.introView(ctx, p, d, in)
}

func (g *Guard) introView(ctx context.Context, p *firebreak.Principal, d *directory, in firebreak.Introduction) (IntroductionView, error) {
	v := IntroductionView{Introduction: in}
	other := in.Provider
	if p.Org.ID == in.Provider {
		v.Role, other = "provider", in.Requester
		v.Counterpart = d.orgs[in.Requester].Name // the provider decides knowing who asks
	} else {
		v.Role = "requester"
	}
	if in.State == firebreak.IntroductionAccepted {
		v.Counterpart = d.orgs[other].Name
		cs, err := g.store.Contacts(ctx, other)
		if err != nil {
			return v, err
		}
		v.Contacts = cs
	}
	return v, nil
}

// Introductions lists the caller's introductions, asked and received.
func (g *Guard) Introductions(ctx context.Context) ([]IntroductionView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := g.store.Introductions(ctx, p.Org.ID, 0)
	if err != nil {
		return nil, err
	}
	asked, err := g.store.Introductions(ctx, 0, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := []IntroductionView{}
	for _, in := range append(mine, asked...) {
		v, err := g.introView(ctx, p, d, in)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DecideIntroduction accepts or declines an introduction (the provider only).
func (g *Guard) DecideIntroduction(ctx context.Context, id string, accept bool) (IntroductionView, error) {
	p, d, err := g.caller(ctx)
	if err != nil {
		return IntroductionView{}, err
	}
	in, err := g.store.Introduction(ctx, id)
	if err != nil {
		return IntroductionView{}, err
	}
	if in.Provider != p.Org.ID {
		if in.Requester == p.Org.ID {
			return IntroductionView{}, firebreak.Errorf(firebreak.EFORBIDDEN, "only the provider decides an introduction")
		}
		return IntroductionView{}, firebreak.Errorf(firebreak.ENOTFOUND, "no introduction %q", clip(id))
	}
	if in.State != firebreak.IntroductionRequested {
		return IntroductionView{}, firebreak.Errorf(firebreak.ECONFLICT, "introduction %s is already %s", id, in.State)
	}
	in.State, in.Decided = firebreak.IntroductionDeclined, g.opts.Clock.Now()
	if accept {
		in.State = firebreak.IntroductionAccepted
	}
	if err := g.store.PutIntroduction(ctx, in, g.event(p, firebreak.AuditIntroduction, []string{in.Object}, "introduction "+in.ID+" "+in.State)); err != nil {
		return IntroductionView{}, err
	}
	return g.introView(ctx, p, d, in)
}
