package firebreak

import "context"

// Principal is an authenticated caller: a user, its organisation as it stands now, and the
// circles that organisation belongs to.
type Principal struct {
	User    User
	Org     Organization
	Circles []Circle
	// Operator is true for users with the operator role in the hub's operator organisation.
	Operator bool
	// Peer is set when the organisation is a peer hub's account (an organisation with a
	// declared peer's name): what it reads is capped by the peer agreement.
	Peer *Peer
}

// InCircle reports whether the principal's organisation belongs to the named circle.
func (p *Principal) InCircle(name string) bool {
	for _, c := range p.Circles {
		if c.Name == name {
			return true
		}
	}
	return false
}

type principalKey struct{}

// NewContext returns a context that carries p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil when the caller is not authenticated.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
