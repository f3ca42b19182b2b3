package policy

import (
	"slices"

	"github.com/firebreak/firebreak"
)

// Reader is who asks to read: an organisation as it stands now, the circles it belongs to,
// and whether the caller is a hub operator.
type Reader struct {
	Org      firebreak.Organization
	Circles  []string // names, sorted
	Operator bool
}

// ReaderOf returns the reader a principal stands for.
func ReaderOf(p *firebreak.Principal) Reader {
	r := Reader{Org: p.Org, Operator: p.Operator}
	for _, c := range p.Circles {
		r.Circles = append(r.Circles, c.Name)
	}
	slices.Sort(r.Circles)
	return r
}

// Decision is what a reader may have of one object version.
type Decision struct {
	// Visible is true when the reader may know that the version exists.
	Visible bool
	// Own is true when the reader is the provider and sees the version as submitted.
	Own bool
}

// Decide is the one decision function: whether reader r may see a version that provider
// submitted under policy d. Every read path reaches it through the Guard. The rules
// combine with AND; whatever no rule admits stays hidden.
func Decide(r Reader, provider int64, d Doc) Decision {
	if r.Org.ID != 0 && r.Org.ID == provider {
		return Decision{Visible: true, Own: true}
	}
	if r.Org.Status != firebreak.OrgVetted {
		return Decision{}
	}
	if len(d.Unknown) > 0 {
		return Decision{}
	}
	switch d.TLP {
	case firebreak.TLPClear:
		return Decision{Visible: true}
	case firebreak.TLPGreen:
		if len(d.Circles) == 0 && len(d.Orgs) == 0 {
			return Decision{Visible: true}
		}
		return Decision{Visible: inAudience(r, d)}
	}
	// AMBER, AMBER+STRICT and RED reach only their provider until the audience rules of
	// the dissemination-policy issue are in place: fail closed.
	return Decision{}
}

func inAudience(r Reader, d Doc) bool {
	for _, c := range d.Circles {
		if _, ok := slices.BinarySearch(r.Circles, c); ok {
			return true
		}
	}
	return slices.Contains(d.Orgs, r.Org.Name)
}
