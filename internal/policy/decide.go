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
	// Linkable is true when the reader may not learn the provider but may link the
	// provider's versions to one another (attribution "pseudonymous"): it gets one
	// pseudonym for the provider rather than one per object.
	Linkable bool
}

// governmental are the organisation types that attribution "government" admits.
var governmental = []firebreak.OrgType{firebreak.TypeGovernment, firebreak.TypeMilitary,
	firebreak.TypeLawEnforcement, firebreak.TypeCERT}

// Decide is the one decision function: what reader r may have of a version that provider
// p submitted under policy d. Every read path reaches it through the Guard, and so do
// peer hubs: a peer is a reader like any other (its organisation's country, type and
// place under a parent count as a member's would), with its agreement as one more cap
// (peerMay). No rule applies to members and not to peers. The rules combine with AND;
// whatever no rule admits stays hidden.
func Decide(r Reader, p Provider, d Doc) Decision {
	if r.Org.ID != 0 && r.Org.ID == p.Org.ID {
		if r.Peer != nil {
			return Decision{} // a peer never gets back what came from it
		}
		return Decision{Visible: true, Own: true, NameProvider: true}
	}
	if memberMay(r, p, d, d.TLP) && (!d.ProviderIdentity || mayName(r, p, d)) {
		dec := Decision{Visible: true, NameProvider: mayName(r, p, d)}
		dec.Linkable = !dec.NameProvider && d.Attribution == AttributionPseudonymous
		for _, g := range d.Granular {
			if g.TLP > d.TLP && !memberMay(r, p, d, g.TLP) {
				dec.Remove = append(dec.Remove, g.Selectors...)
			}
		}
		return dec
	}
	if r.Operator && r.Peer == nil {
		return Decision{Visible: true, AsOperator: true, NameProvider: true}
	}
	return Decision{}
}

// memberMay applies every rule for a reader reading d as if its TLP were tlp: the
// member's rules, and for a peer its agreement's cap besides.
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
	if r.Peer != nil && !peerMay(*r.Peer, p, d, tlp) {
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

// peerMay is the cap a peer's agreement and the rules of federation put on top of the
// member rules: TLP:AMBER+STRICT and TLP:RED never leave the hub, nor do proprietary and
// no-federation objects; nothing goes above the agreement's TLP, nor above the TLP that
// any agreement on the way here allowed; AMBER needs an audience
// that names the peer; the peer's declared country and type count as well as its
// organisation's; and what came from a peer goes on only as its further_sharing allows.
func peerMay(peer firebreak.Peer, p Provider, d Doc, tlp firebreak.TLP) bool {
	if d.Has(CaveatNoFederation) || tlp > peer.MaxTLP || tlp > firebreak.TLPAmber {
		return false
	}
	if d.Hop != nil && tlp > d.Hop.MaxTLP {
		return false // an agreement on the way here allowed no more
	}
	if p.Peer && d.FurtherSharing != SharingPeers && d.Defines == "" {
		// Received from a peer, and not to be re-shared. (A marking definition goes on
		// with what it marks: it reaches a reader only with a version that may.)
		return false
	}
	if d.Has(CaveatNoForeign) && peer.Country != p.Org.Country {
		return false
	}
	if d.Has(CaveatNoLawEnforcement) && peer.Type == firebreak.TypeLawEnforcement {
		return false
	}
	if tlp == firebreak.TLPAmber && !slices.Contains(d.Orgs, peer.Name) {
		return false
	}
	return true
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

// mayName reports whether the reader may learn who provided a version. "government"
// admits the government, military, law-enforcement and CERT organisations of the
// provider's own country, not those of other countries. A peer learns it only when its
// agreement allows attribution and the provider allows it to everyone.
func mayName(r Reader, p Provider, d Doc) bool {
	if d.Hop != nil && d.Hop.NoAttribution {
		// An agreement on the way here kept the provider unnamed: what came in its place
		// (a pseudonym) names nobody, and is anonymised again like any provider's
		// identity, per reader and object.
		return false
	}
	if r.Peer != nil {
		return r.Peer.Attribution && d.Attribution == AttributionEveryone
	}
	switch d.Attribution {
	case AttributionEveryone:
		return true
	case AttributionGovernment:
		return slices.Contains(governmental, r.Org.Type) && r.Org.Country == p.Org.Country
	}
	return false
}
