package policy

import (
	"bytes"
	"encoding/json"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// CompileOptions are what the hub adds to an object's own markings when it derives its
// policy.
type CompileOptions struct {
	// DefaultTLP applies when the object carries no TLP marking.
	DefaultTLP firebreak.TLP
	// Circles is the audience given by the collection the object was written to (a
	// circle-<name> collection), used when the object's markings name none.
	Circles []string
}

// Compile derives the dissemination policy of obj from its markings. defs holds the
// marking definitions obj may refer to (from the same submission and from the store),
// by id. A reference Compile cannot resolve or does not understand is recorded in
// Doc.Unknown, which hides the object from everyone but its provider.
func Compile(obj *stix.Object, defs map[string]*stix.Object, opts CompileOptions) Doc {
	d := Doc{TLP: -1}
	apply := func(ref string) {
		if t, ok := markingTLP(ref, defs); ok {
			if t > d.TLP {
				d.TLP = t
			}
			return
		}
		if isStatement(ref, defs) {
			return
		}
		d.Unknown = append(d.Unknown, ref)
	}
	for _, ref := range obj.ObjectMarkingRefs {
		apply(ref)
	}
	// Until granular markings remove the properties they cover, a stricter TLP on any
	// property makes the whole object that strict: hiding too much is safe, too little
	// is a leak.
	for _, g := range obj.GranularMarkings {
		if g.MarkingRef != "" {
			apply(g.MarkingRef)
		}
	}
	if d.TLP < 0 {
		d.TLP, d.DefaultTLP = opts.DefaultTLP, true
	}
	d.Circles = opts.Circles
	d.Circles = sortedSet(d.Circles)
	d.Unknown = sortedSet(d.Unknown)
	return d
}

// MarkingRefs returns the marking definitions obj refers to that Compile would have to
// look up: every reference that is not one of the fixed TLP ids.
func MarkingRefs(obj *stix.Object) []string {
	var out []string
	add := func(ref string) {
		if _, ok := stix.TLPOf(ref); !ok && ref != "" {
			out = append(out, ref)
		}
	}
	for _, ref := range obj.ObjectMarkingRefs {
		add(ref)
	}
	for _, g := range obj.GranularMarkings {
		add(g.MarkingRef)
	}
	return sortedSet(out)
}

// markingTLP reports the TLP level a marking reference stands for: the fixed TLP 2.0 and
// TLP 1.0 ids, and marking definitions that declare a TLP level (legacy definition_type
// "tlp", or the TLP 2.0 extension) under another id.
func markingTLP(ref string, defs map[string]*stix.Object) (firebreak.TLP, bool) {
	if t, ok := stix.TLPOf(ref); ok {
		return t, true
	}
	def := defs[ref]
	if def == nil {
		return 0, false
	}
	if def.DefinitionType == "tlp" {
		var v struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(def.Definition, &v) == nil {
			if t, ok := firebreak.ParseTLP(v.TLP); ok {
				return t, true
			}
		}
		return 0, false
	}
	if ext, ok := def.Extensions[stix.TLP2ExtensionID]; ok {
		var v struct {
			TLP string `json:"tlp_2_0"`
		}
		if json.Unmarshal(ext, &v) == nil {
			if t, ok := firebreak.ParseTLP(v.TLP); ok {
				return t, true
			}
		}
	}
	return 0, false
}

// isStatement reports whether ref names a statement marking (a copyright or terms
// notice), which restricts nobody.
func isStatement(ref string, defs map[string]*stix.Object) bool {
	def := defs[ref]
	if def == nil || def.DefinitionType != "statement" || len(def.Extensions) > 0 {
		return false
	}
	var v struct {
		Statement string `json:"statement"`
	}
	return json.Unmarshal(def.Definition, &v) == nil && v.Statement != ""
}

// decodeStrict decodes JSON refusing unknown fields and trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return firebreak.Errorf(firebreak.EINVALID, "trailing data after JSON value")
	}
	return nil
}
