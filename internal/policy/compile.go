package policy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
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

// Compiled is the outcome of Compile: the policy, and the object's expiry (zero when it
// does not expire), which stores keep beside the version.
type Compiled struct {
	Doc     Doc
	Expires time.Time
}

// Compile derives the dissemination policy of obj from its markings. defs holds the
// marking definitions obj may refer to (from the same submission and from the store),
// by id. A reference Compile cannot resolve or does not understand is recorded in
// Doc.Unknown, which hides the object from everyone but its provider and the operators.
func Compile(obj *stix.Object, defs map[string]*stix.Object, opts CompileOptions) Compiled {
	c := compiler{defs: defs, doc: Doc{TLP: -1}}
	for _, ref := range obj.ObjectMarkingRefs {
		c.objectMarking(ref)
	}
	for _, g := range obj.GranularMarkings {
		if g.MarkingRef == "" {
			continue // a language marking restricts nobody
		}
		c.granularMarking(g)
	}
	d := c.doc
	if c.audienceSet && len(d.Circles) == 0 && len(d.Orgs) == 0 {
		d.NoAudience = true
	}
	if obj.Type == "marking-definition" {
		if _, fixed := stix.TLPOf(obj.ID); !fixed {
			// A marking definition travels with what it marks, to those who may see
			// that (see Doc.Defines), and no further than its own markings allow.
			d.Defines = obj.ID
		}
		if d.TLP < 0 {
			d.TLP = firebreak.TLPClear
		}
	}
	if d.TLP < 0 {
		d.TLP, d.DefaultTLP = opts.DefaultTLP, true
	}
	if len(d.Circles) == 0 && len(d.Orgs) == 0 && !c.audienceSet {
		d.Circles = opts.Circles
	}
	// A granular level no stricter than the object's own removes nothing.
	g := d.Granular[:0]
	for _, r := range d.Granular {
		if r.TLP > d.TLP {
			g = append(g, r)
		}
	}
	d.Granular = g
	d.canonical()
	return Compiled{Doc: d, Expires: c.expires}
}

type compiler struct {
	defs                 map[string]*stix.Object
	doc                  Doc
	audienceSet, attrSet bool
	sharingSet           bool
	expires              time.Time
}

func (c *compiler) unknown(ref string) { c.doc.Unknown = append(c.doc.Unknown, ref) }

func (c *compiler) tlp(t firebreak.TLP) {
	if t > c.doc.TLP {
		c.doc.TLP = t
	}
}

// objectMarking applies one object_marking_refs entry.
func (c *compiler) objectMarking(ref string) {
	if t, ok := markingTLP(ref, c.defs); ok {
		if _, fixed := stix.TLPOf(ref); !fixed {
			c.doc.Markings = append(c.doc.Markings, ref)
		}
		c.tlp(t)
		return
	}
	def := c.defs[ref]
	if def == nil {
		c.unknown(ref)
		return
	}
	c.doc.Markings = append(c.doc.Markings, ref)
	switch kindOf(def) {
	case markingStatement:
		return
	case markingPolicy:
		if !c.policyMarking(def.Extensions[stix.PolicyExtensionID]) {
			c.unknown(ref)
		}
		return
	case markingIEP:
		iep, _ := iepOf(def)
		if !c.iepMarking(iep) {
			c.unknown(ref)
		}
		return
	}
	c.unknown(ref)
}

// The kinds of marking definition the hub understands wholly. A definition is one of them
// only when everything it carries belongs to that kind: a definition that mixes kinds (the
// policy extension beside an IEP extension or a definition, a TLP extension beside
// anything) or carries anything else is not understood, and fails closed. Reading only
// the part the hub knows would silently drop the rest of the provider's policy.
type markingKind int

const (
	markingOther markingKind = iota
	markingStatement
	markingPolicy
	markingIEP
)

func kindOf(def *stix.Object) markingKind {
	switch {
	case isStatement(def):
		return markingStatement
	case def.DefinitionType == "" && len(def.Definition) == 0 && policyExtensions(def) == 1 && def.Extensions[stix.PolicyExtensionID] != nil:
		return markingPolicy
	}
	if _, ok := iepOf(def); ok {
		return markingIEP
	}
	return markingOther
}

// granularMarking applies one granular marking: a TLP on selected properties. Anything
// else applied granularly is not understood, and fails closed for the whole object.
func (c *compiler) granularMarking(g stix.GranularMarking) {
	if _, fixed := stix.TLPOf(g.MarkingRef); !fixed && c.defs[g.MarkingRef] != nil {
		c.doc.Markings = append(c.doc.Markings, g.MarkingRef)
	}
	if t, ok := markingTLP(g.MarkingRef, c.defs); ok {
		c.doc.Granular = append(c.doc.Granular, GranularRule{TLP: t, Selectors: slices.Clone(g.Selectors)})
		return
	}
	if def := c.defs[g.MarkingRef]; def != nil && isStatement(def) {
		return
	}
	c.unknown(g.MarkingRef)
}

// policyMarking applies the Firebreak policy marking's properties. It reports false for
// anything it does not fully understand: an unknown property, a bad value.
func (c *compiler) policyMarking(ext json.RawMessage) bool {
	var m struct {
		ExtensionType string `json:"extension_type"`
		Audience      *struct {
			Circles       []string `json:"circles"`
			Organizations []string `json:"organizations"`
		} `json:"audience"`
		Attribution    *string  `json:"attribution"`
		Caveats        []string `json:"caveats"`
		FurtherSharing *string  `json:"further_sharing"`
		Expires        *string  `json:"expires"`
	}
	if decodeStrict(ext, &m) != nil || m.ExtensionType != "property-extension" {
		return false
	}
	if m.Audience != nil {
		for _, s := range append(slices.Clone(m.Audience.Circles), m.Audience.Organizations...) {
			if strings.TrimSpace(s) == "" {
				return false
			}
		}
		if c.audienceSet {
			// Two policy markings with audiences: only those both name are intended.
			c.doc.Circles = intersect(c.doc.Circles, m.Audience.Circles)
			c.doc.Orgs = intersect(c.doc.Orgs, m.Audience.Organizations)
		} else {
			c.doc.Circles = slices.Clone(m.Audience.Circles)
			c.doc.Orgs = slices.Clone(m.Audience.Organizations)
		}
		c.audienceSet = true
	}
	if m.Attribution != nil {
		switch *m.Attribution {
		case AttributionNone, AttributionPseudonymous, AttributionGovernment, AttributionEveryone:
			c.attribution(*m.Attribution)
		default:
			return false
		}
	} else {
		c.attribution(AttributionNone)
	}
	for _, cv := range m.Caveats {
		if !slices.Contains(Caveats, cv) {
			return false
		}
		c.doc.Caveats = append(c.doc.Caveats, cv)
	}
	if m.FurtherSharing != nil {
		switch *m.FurtherSharing {
		case SharingHubOnly, SharingPeers:
			c.furtherSharing(*m.FurtherSharing)
		default:
			return false
		}
	}
	if m.Expires != nil {
		t, err := taxii.ParseTimestamp(*m.Expires)
		if err != nil {
			return false
		}
		c.expiry(t)
	}
	return true
}

// attribution keeps the strictest attribution seen: none < government < everyone. The
// first marking sets it; later ones may only narrow it.
func (c *compiler) attribution(a string) {
	rank := map[string]int{"": 0, AttributionNone: 0, AttributionPseudonymous: 1, AttributionGovernment: 2, AttributionEveryone: 3}
	if !c.attrSet {
		c.doc.Attribution = a
		c.attrSet = true
		return
	}
	if rank[a] < rank[c.doc.Attribution] {
		c.doc.Attribution = a
	}
}

func (c *compiler) furtherSharing(s string) {
	if c.doc.FurtherSharing == "" && !c.sharingSet {
		c.doc.FurtherSharing = s
		c.sharingSet = true
		return
	}
	if s == SharingHubOnly {
		c.doc.FurtherSharing = SharingHubOnly
	}
}

func (c *compiler) expiry(t time.Time) {
	if c.expires.IsZero() || t.Before(c.expires) {
		c.expires = t
	}
}

// intersect returns what both lists hold. An empty result is an empty audience (see
// Doc.NoAudience), never "no audience".
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// iepOf finds a FIRST IEP 2.0 policy in a marking definition: the legacy form
// (definition_type "iep") or an extension whose content declares iep_version.
// Either form must stand alone: an IEP definition with extensions, or an IEP extension
// beside another extension or a definition, is not an IEP marking the hub understands.
func iepOf(def *stix.Object) (json.RawMessage, bool) {
	if def.DefinitionType == "iep" && len(def.Definition) > 0 && policyExtensions(def) == 0 {
		return def.Definition, true
	}
	if def.DefinitionType != "" || len(def.Definition) > 0 || policyExtensions(def) != 1 {
		return nil, false
	}
	for id, ext := range def.Extensions {
		if id != stix.PolicyExtensionID && id != stix.ProvenanceExtensionID && bytes.Contains(ext, []byte(`"iep_version"`)) {
			return ext, true
		}
	}
	return nil, false
}

// iepMarking maps the parts of an IEP 2.0 policy the hub enforces: its TLP, its provider
// attribution (must-not means attribution none) and its end date (an expiry). The other
// IEP statements (permitted actions, resale, encryption in transit, notifications) bind
// the recipients, not the hub's routing; they are accepted and passed on unchanged.
func (c *compiler) iepMarking(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	str := func(k string) (string, bool) {
		v, ok := m[k]
		if !ok {
			return "", false
		}
		var s string
		return s, json.Unmarshal(v, &s) == nil
	}
	if v, ok := str("iep_version"); ok && v != "2.0" && v != "1.0" {
		return false
	}
	if v, ok := str("tlp"); ok {
		t, ok := firebreak.ParseTLP(v)
		if !ok {
			return false
		}
		c.tlp(t)
	}
	attr, ok := str("provider_attribution")
	if !ok {
		attr, ok = str("attribution")
	}
	if ok {
		switch strings.ToLower(attr) {
		case "must-not":
			c.attribution(AttributionNone)
		case "may", "must":
			c.attribution(AttributionEveryone)
		default:
			return false
		}
	}
	if v, ok := str("end_date"); ok {
		t, err := taxii.ParseTimestamp(v)
		if err != nil {
			return false
		}
		c.expiry(t)
	}
	return true
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
		if policyExtensions(def) > 0 {
			return 0, false // a TLP definition that carries more is not only a TLP
		}
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
	if ext, ok := def.Extensions[stix.TLP2ExtensionID]; ok && policyExtensions(def) == 1 && def.DefinitionType == "" && len(def.Definition) == 0 {
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

// isStatement reports whether def is a statement marking (a copyright or terms notice),
// which restricts nobody.
func isStatement(def *stix.Object) bool {
	if def.DefinitionType != "statement" || policyExtensions(def) > 0 {
		return false
	}
	var v struct {
		Statement string `json:"statement"`
	}
	return json.Unmarshal(def.Definition, &v) == nil && v.Statement != ""
}

// policyExtensions counts the extensions of a marking definition that may say something
// about its policy: all but the provenance a hub adds when it sends the definition on,
// which says where it came from, not whom it admits.
func policyExtensions(def *stix.Object) int {
	n := len(def.Extensions)
	if _, ok := def.Extensions[stix.ProvenanceExtensionID]; ok {
		n--
	}
	return n
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
