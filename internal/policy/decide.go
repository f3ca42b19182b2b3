package policy

import (
	"slices"

	"github.com/firebreak/firebreak"
)

// Reader is who asks to read: an organisation as it stands now, its ancestors, the
// circles whose data it currently receives, and whether the caller is a hub operator.
type Reader struct {
	Org firebreak.Organization
	// Peer is set when the reader is a peer hub: the agreement caps what it reads.
	Peer *firebreak.Peer
	// Ancestors are the organisation's parent, its parent's parent and so on.
	Ancestors []int64
	// Circles are the circles the organisation belongs to and whose rules it meets now,
	// sorted.
	Circles  []string
	Operator bool
}

// Provider is the organisation that submitted a version, with its ancestors.
type Provider struct {
	Org       firebreak.Organization
	Ancestors []int64
	// Peer is true when the provider is a peer hub's account: the version came from that
	// hub, and goes on to other peers only as its further_sharing allows.
	Peer bool
}

// Decision is what a reader may have of one object version.
type Decision struct {
	// Visible is true when the reader may know that the version exists.
	Visible bool
	// Own is true when the reader is the provider and sees the version as submitted.
	Own bool
	// AsOperator is true when only the reader's operator role makes the version visible:
	// the read must be audited, and what was read must not flow on.
	AsOperator bool
	// Remove lists the granular-marking selectors whose properties the reader may not
	// see.
	Remove []string
	// NameProvider is true when the reader may learn who provided the version.
	NameProvider bool
}

// governmental are the organisation types that attribution "government" admits.
var governmental = []firebreak.OrgType{firebreak.TypeGovernment, firebreak.TypeMilitary,
	firebreak.TypeLawEnforcement, firebreak.TypeCERT}

// Decide is the one decision function: what reader r may have of a version that provider
// p submitted under policy d. Every read path reaches it through the Guard. The rules
// combine with AND; whatever no rule admits stays hidden.
func Decide(r Reader, p Provider, d Doc) Decision {
	if r.Peer != nil {
		// A peer hub reads as a peer, never as a member, and never gets back what came
		// from it.
		if r.Org.ID == p.Org.ID || r.Org.Status != firebreak.OrgVetted {
			return Decision{}
		}
		pd := DecidePeer(*r.Peer, p, d)
		return Decision{Visible: pd.Send, Remove: pd.Remove, NameProvider: pd.NameProvider}
	}
	if r.Org.ID != 0 && r.Org.ID == p.Org.ID {
		return Decision{Visible: true, Own: true, NameProvider: true}
	}
	if memberMay(r, p, d, d.TLP) && (!d.ProviderIdentity || mayName(r, d)) {
		dec := Decision{Visible: true, NameProvider: mayName(r, d)}
		for _, g := range d.Granular {
			if g.TLP > d.TLP && !memberMay(r, p, d, g.TLP) {
				dec.Remove = append(dec.Remove, g.Selectors...)
			}
		}
		return dec
	}
	if r.Operator {
		return Decision{Visible: true, AsOperator: true, NameProvider: true}
	}
	return Decision{}
}

// memberMay applies every rule for an ordinary member reading d as if its TLP were tlp.
func memberMay(r Reader, p Provider, d Doc, tlp firebreak.TLP) bool {
	if r.Org.ID == 0 || r.Org.Status != firebreak.OrgVetted {
		return false
	}
	if len(d.Unknown) > 0 || d.Has(CaveatProprietary) || d.Held {
		return false
	}
	if d.Has(CaveatNoForeign) && r.Org.Country != p.Org.Country {
		return false
	}
	if d.Has(CaveatNoLawEnforcement) && r.Org.Type == firebreak.TypeLawEnforcement {
		return false
	}
	if d.Has(CaveatNoParent) && underParent(r, p) {
		return false
	}
	switch tlp {
	case firebreak.TLPClear:
		return true
	case firebreak.TLPGreen, firebreak.TLPAmber:
		if len(d.Circles) == 0 && len(d.Orgs) == 0 && !d.NoAudience {
			return true
		}
		return inCircles(r, d) || named(r, d)
	case firebreak.TLPAmberStrict, firebreak.TLPRed:
		return named(r, d)
	}
	return false
}

// underParent reports whether the reader is the provider's parent organisation, one of
// its ancestors, or anything under the provider's parent: the organisations a `no-parent`
// caveat keeps out.
func underParent(r Reader, p Provider) bool {
	if slices.Contains(p.Ancestors, r.Org.ID) {
		return true
	}
	parent := p.Org.ParentID
	return parent != 0 && slices.Contains(r.Ancestors, parent)
}

func inCircles(r Reader, d Doc) bool {
	for _, c := range d.Circles {
		if _, ok := slices.BinarySearch(r.Circles, c); ok {
			return true
		}
	}
	return false
}

func named(r Reader, d Doc) bool {
	return slices.Contains(d.Orgs, r.Org.Name) || r.Org.IdentityID != "" && slices.Contains(d.Orgs, r.Org.IdentityID)
}

func mayName(r Reader, d Doc) bool {
	switch d.Attribution {
	case AttributionEveryone:
		return true
	case AttributionGovernment:
		return slices.Contains(governmental, r.Org.Type)
	}
	return false
}

// PeerDecision is what may cross to a peer hub.
type PeerDecision struct {
	Send bool
	// Remove and NameProvider are as for members.
	Remove       []string
	NameProvider bool
}

// DecidePeer decides whether a version may cross to peer: a peer is one more reader, with
// a country and a type, capped by its agreement. TLP:AMBER+STRICT and TLP:RED never leave
// the hub, nor do proprietary and no-federation objects; no-foreign ones reach only peers
// of the provider's country; AMBER needs an audience naming the peer.
func DecidePeer(peer firebreak.Peer, p Provider, d Doc) PeerDecision {
	if len(d.Unknown) > 0 || d.Has(CaveatProprietary) || d.Has(CaveatNoFederation) || d.Held {
		return PeerDecision{}
	}
	if d.ProviderIdentity && !(peer.Attribution && d.Attribution == AttributionEveryone) {
		return PeerDecision{}
	}
	if p.Peer && d.FurtherSharing != SharingPeers {
		return PeerDecision{} // received from a peer, and not to be re-shared
	}
	if d.Has(CaveatNoForeign) && peer.Country != p.Org.Country {
		return PeerDecision{}
	}
	if d.Has(CaveatNoLawEnforcement) && peer.Type == firebreak.TypeLawEnforcement {
		return PeerDecision{}
	}
	may := func(tlp firebreak.TLP) bool {
		if tlp > peer.MaxTLP {
			return false
		}
		switch tlp {
		case firebreak.TLPClear:
			return true
		case firebreak.TLPGreen:
			if len(d.Circles) == 0 && len(d.Orgs) == 0 && !d.NoAudience {
				return true
			}
			return slices.Contains(d.Orgs, peer.Name) || sharesCircle(peer.Circles, d.Circles)
		case firebreak.TLPAmber:
			return slices.Contains(d.Orgs, peer.Name)
		}
		return false // AMBER+STRICT and RED are never federated
	}
	if !may(d.TLP) {
		return PeerDecision{}
	}
	out := PeerDecision{Send: true}
	for _, g := range d.Granular {
		if g.TLP > d.TLP && !may(g.TLP) {
			out.Remove = append(out.Remove, g.Selectors...)
		}
	}
	// The agreement caps attribution: without it the provider is never named across.
	out.NameProvider = peer.Attribution && d.Attribution == AttributionEveryone
	return out
}

func sharesCircle(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
