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

// Doc is the dissemination policy in force for one object version, derived at ingest from
// the object's markings and the collection it was written to. Stores keep each distinct
// (provider, encoded Doc) once and tag versions with its id, so that what a reader may see
// is a set of policy ids the store can filter on.
type Doc struct {
	// TLP is the strictest TLP level among the object's markings (granular markings
	// included), or the hub's default when it carries none.
	TLP firebreak.TLP `json:"tlp"`
	// DefaultTLP is true when no TLP marking was present and TLP is the hub default.
	DefaultTLP bool `json:"default_tlp,omitempty"`
	// Circles and Orgs are the intended audience, by name, sorted.
	Circles []string `json:"circles,omitempty"`
	Orgs    []string `json:"orgs,omitempty"`
	// Unknown lists the marking references the hub did not understand, sorted. An object
	// with any is visible to its provider alone (and, once operator access is audited, to
	// the hub operators): the hub fails closed.
	Unknown []string `json:"unknown,omitempty"`
}

// Encode returns the canonical encoding of d: equal policies encode to equal bytes, so the
// store's (provider, doc) uniqueness deduplicates them.
func (d Doc) Encode() []byte {
	d.Circles = sortedSet(d.Circles)
	d.Orgs = sortedSet(d.Orgs)
	d.Unknown = sortedSet(d.Unknown)
	b, err := json.Marshal(d)
	if err != nil {
		panic("policy: encoding a Doc cannot fail: " + err.Error())
	}
	return b
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
