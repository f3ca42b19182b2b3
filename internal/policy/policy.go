// Package policy decides who may read what. It holds the dissemination policy that the hub
// derives from an object's markings (Doc), the one pure decision function (Decide) that
// every read path uses, and the Guard: the only implementation of firebreak.ObjectService,
// which sits between every entry point and the store and turns decisions into the
// visibility the store applies inside its queries.
//
// The package imports no database driver and no HTTP code; a test in the root package
// keeps it that way.
package policy

import (
	"encoding/json"
	"slices"

	"github.com/firebreak/firebreak"
)

// Attribution values: who may learn the provider's identity.
const (
	AttributionNone = "none"
	// AttributionPseudonymous names the provider to nobody, but lets each reader link
	// the provider's objects to one another (one pseudonym per reader, not per object).
	AttributionPseudonymous = "pseudonymous"
	AttributionGovernment   = "government"
	AttributionEveryone     = "everyone"
)

// Caveats a provider may add.
const (
	CaveatNoForeign        = "no-foreign"
	CaveatNoLawEnforcement = "no-law-enforcement"
	CaveatNoParent         = "no-parent"
	CaveatProprietary      = "proprietary"
	CaveatNoFederation     = "no-federation"
)

// Caveats lists every caveat the hub understands.
var Caveats = []string{CaveatNoFederation, CaveatNoForeign, CaveatNoLawEnforcement, CaveatNoParent, CaveatProprietary}

// Further-sharing values: may a peer hub re-share to its own peers.
const (
	SharingHubOnly = "hub-only"
	SharingPeers   = "peers"
)

// Doc is the dissemination policy in force for one object version, derived at ingest from
// the object's markings and the collection it was written to. Stores keep each distinct
// (provider, encoded Doc) once and tag versions with its id, so that what a reader may see
// is a set of policy ids the store can filter on. An object's expiry is not part of the
// Doc (it would make nearly every policy distinct); stores keep it beside the version.
type Doc struct {
	// TLP is the strictest TLP level among the object's own markings, or the hub's
	// default when it carries none.
	TLP firebreak.TLP `json:"tlp"`
	// DefaultTLP is true when no TLP marking was present and TLP is the hub default.
	DefaultTLP bool `json:"default_tlp,omitempty"`
	// Circles and Orgs are the intended audience, sorted. Orgs holds organisation names
	// or identity ids as the provider wrote them.
	Circles []string `json:"circles,omitempty"`
	Orgs    []string `json:"orgs,omitempty"`
	// NoAudience is true when markings named an audience that has nobody in it (an empty
	// list, or two markings with nothing in common): nobody but the provider is intended.
	// Without it an empty audience would read as "no audience given", which means
	// everyone.
	NoAudience bool `json:"no_audience,omitempty"`
	// Attribution says who may learn the provider; "" means none.
	Attribution string `json:"attribution,omitempty"`
	// Caveats are the provider's restrictions, sorted.
	Caveats []string `json:"caveats,omitempty"`
	// FurtherSharing says whether peers may re-share; "" means hub-only.
	FurtherSharing string `json:"further_sharing,omitempty"`
	// Granular are stricter TLP levels on selected properties.
	Granular []GranularRule `json:"granular,omitempty"`
	// Held keeps the version from everyone but its provider and the operators until an
	// operator releases it (review).
	Held bool `json:"held,omitempty"`
	// ProviderIdentity marks an identity object that describes the provider: only readers
	// who may learn the provider receive it.
	ProviderIdentity bool `json:"provider_identity,omitempty"`
	// Unknown lists the marking references the hub did not understand, sorted. An object
	// with any is visible to its provider and the hub operators only: the hub fails
	// closed, and flags it.
	Unknown []string `json:"unknown,omitempty"`
	// Markings are the marking definitions (other than the fixed TLP ones) that shaped
	// this policy, sorted: a reader who may see a version under it may also see them.
	Markings []string `json:"markings,omitempty"`
	// Defines is set on the policy of a marking definition, to its id. A marking
	// definition is an object like any other, and more: it reaches only readers who may
	// see something it marks (a version of its provider whose policy lists it in
	// Markings), as well as its own policy allows. Each definition has a policy of its
	// own, so that the guard can decide it apart from the rest.
	Defines string `json:"defines,omitempty"`
	// Hop carries the caps that the agreements along the way put on a version that came
	// from a peer hub (read from its provenance): they bind every later hop too.
	Hop *HopCaps `json:"hop,omitempty"`
}

// HopCaps are the strictest agreement caps along the hubs a version crossed.
type HopCaps struct {
	// MaxTLP is the highest TLP that may cross further.
	MaxTLP firebreak.TLP `json:"max_tlp"`
	// NoAttribution is true when an agreement on the way forbade naming the provider.
	NoAttribution bool `json:"no_attribution,omitempty"`
}

// GranularRule is a TLP level that applies to some properties of an object only.
type GranularRule struct {
	TLP       firebreak.TLP `json:"tlp"`
	Selectors []string      `json:"selectors"`
}

// Has reports whether the policy carries caveat c.
func (d Doc) Has(c string) bool {
	_, ok := slices.BinarySearch(d.Caveats, c)
	return ok
}

// Encode returns the canonical encoding of d: equal policies encode to equal bytes, so the
// store's (provider, doc) uniqueness deduplicates them.
func (d Doc) Encode() []byte {
	d.canonical()
	b, err := json.Marshal(d)
	if err != nil {
		panic("policy: encoding a Doc cannot fail: " + err.Error())
	}
	return b
}

func (d *Doc) canonical() {
	d.Circles = sortedSet(d.Circles)
	d.Orgs = sortedSet(d.Orgs)
	d.Caveats = sortedSet(d.Caveats)
	d.Unknown = sortedSet(d.Unknown)
	d.Markings = sortedSet(d.Markings)
	if len(d.Circles) > 0 || len(d.Orgs) > 0 {
		d.NoAudience = false
	}
	if d.Attribution == AttributionNone {
		d.Attribution = ""
	}
	if d.FurtherSharing == SharingHubOnly {
		d.FurtherSharing = ""
	}
	for i := range d.Granular {
		d.Granular[i].Selectors = sortedSet(d.Granular[i].Selectors)
	}
	slices.SortFunc(d.Granular, func(a, b GranularRule) int {
		if a.TLP != b.TLP {
			return int(a.TLP - b.TLP)
		}
		return slices.Compare(a.Selectors, b.Selectors)
	})
	if len(d.Granular) == 0 {
		d.Granular = nil
	}
}

// DecodeDoc reads an encoded Doc. Unknown fields are an error: a store holding a policy
// this binary does not understand must not be read as a laxer one.
func DecodeDoc(b []byte) (Doc, error) {
	var d Doc
	if err := decodeStrict(b, &d); err != nil {
		return Doc{}, firebreak.Wrap(firebreak.EINTERNAL, err, "stored policy cannot be read")
	}
	return d, nil
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
