package stix

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// parse scans raw, then validates it as one STIX 2.1 object.
func parse(raw []byte, opts Options) (*Object, *Error) {
	if opts.MaxObjectBytes > 0 && len(raw) > opts.MaxObjectBytes {
		return nil, &Error{Reason: "object is larger than " + strconv.Itoa(opts.MaxObjectBytes) + " bytes"}
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, &Error{Reason: "not a JSON object"}
	}
	s := scanner{data: raw, maxDepth: opts.MaxDepth, keys: make([][]byte, 0, 32)}
	ms := make([]member, 0, 24)
	end, err := s.object(i, 1, &ms)
	if err == nil && skipSpace(raw, end) != len(raw) {
		err = s.fail(end, "data after the object")
	}
	if err != nil {
		e := &Error{Reason: "invalid JSON: " + err.Error()}
		// Name the object if what was read before the fault says which it is.
		v := validator{members: ms}
		if id, ok := stringValue(v.get("id")); ok {
			if typ, reason := checkID(id); reason == "" {
				e.ID, e.Type = id, typ
			}
		}
		return nil, e
	}
	v := &validator{raw: raw[i:end], members: ms, obj: &Object{Raw: raw}}
	if e := v.run(); e != nil {
		return nil, e
	}
	return v.obj, nil
}

// validator checks one object whose JSON the scanner accepted.
type validator struct {
	raw     []byte // the object, without surrounding space
	members []member
	obj     *Object
	spec    *typeSpec
	// newKind is the kind declared by a new-sdo, new-sro or new-sco extension.
	newKind Kind
	// customExt names an extension that uses the deprecated custom extension form.
	customExt string
	// selectors counts the granular marking selectors resolved so far; index holds the
	// objects and arrays they went through once there are many.
	selectors int
	index     map[*byte]jsonIndex
}

func (v *validator) get(name string) []byte { return fields(v.members).get(name) }

// fields is the members of one JSON object.
type fields []member

func (f fields) get(name string) []byte {
	for _, m := range f {
		if string(m.key) == name {
			return m.val
		}
	}
	return nil
}

func (f fields) has(name string) bool { return f.get(name) != nil }

func collect(raw []byte) fields {
	var f fields
	members(raw, func(k, val []byte) bool {
		f = append(f, member{key: k, val: val})
		return true
	})
	return f
}

// at builds an error about property name under path ("" at the top level).
func (v *validator) at(path, name, reason string) *Error {
	return &Error{ID: v.obj.ID, Type: v.obj.Type, Property: join(path, name), Reason: reason}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	if name == "" {
		return path
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// view returns the bytes as a string without copying. The result must not outlive the
// check it is used for: it is never stored in an Object.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// str returns the JSON string raw decoded, as a transient view when it has no escapes.
func str(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' {
			return string(unescape(body)), true
		}
	}
	return view(body), true
}

func (v *validator) run() *Error {
	o := v.obj
	typRaw := v.get("type")
	if typRaw == nil {
		return v.at("", "type", "required property is missing")
	}
	typ, ok := str(typRaw)
	if !ok {
		return v.at("", "type", "must be a string")
	}
	if !validTypeName(typ) {
		return v.at("", "type", fmt.Sprintf("%q is not a valid object type (3 to 250 characters a-z, 0-9 and single hyphens, starting with a letter)", clip(typ)))
	}
	o.Type = strings.Clone(typ)
	idRaw := v.get("id")
	if idRaw == nil {
		return v.at("", "id", "required property is missing")
	}
	id, ok := str(idRaw)
	if !ok {
		return v.at("", "id", "must be a string")
	}
	idType, reason := checkID(id)
	if reason != "" {
		return v.at("", "id", fmt.Sprintf("%q %s", clip(id), reason))
	}
	if idType != o.Type {
		return v.at("", "id", fmt.Sprintf("%q does not start with the object's type %q", clip(id), o.Type))
	}
	o.ID = strings.Clone(id)
	if o.Type == "bundle" {
		return v.at("", "type", "a bundle is not a STIX object (submit the objects it contains)")
	}
	if ext := v.get("extensions"); ext != nil {
		if e := v.extensions(ext); e != nil {
			return e
		}
	}
	spec, known := typeSpecs[o.Type]
	if !known {
		switch {
		case v.newKind != 0:
			spec = customSpecs[v.newKind]
		case strings.HasPrefix(o.Type, "x-"):
			// A custom object (STIX 2.1 section 11.2) is versioned like an SDO when it
			// carries created or modified, and is an SCO otherwise.
			if v.get("created") != nil || v.get("modified") != nil {
				spec = customSpecs[KindSDO]
			} else {
				spec = customSpecs[KindSCO]
			}
		default:
			return v.at("", "type", fmt.Sprintf("unknown object type %q (custom types start with \"x-\"; new types need a new-sdo, new-sro or new-sco extension-definition extension)", o.Type))
		}
	}
	v.spec = spec
	o.Kind = spec.kind
	if v.get("extensions") != nil && spec.notApplicable["extensions"] {
		return v.at("", "extensions", "is not allowed on "+o.Type+" objects")
	}
	if v.customExt != "" && spec.kind != KindSCO {
		return v.at("extensions", v.customExt, "custom extensions are only allowed on SCOs; other objects use an extension-definition id as the key")
	}
	if sv := v.get("spec_version"); sv == nil {
		if spec.kind != KindSCO {
			return v.at("", "spec_version", "required property is missing; without it the object is STIX 2.0, which this hub does not accept")
		}
	} else if s, ok := str(sv); !ok || s != "2.1" {
		return v.at("", "spec_version", fmt.Sprintf("must be \"2.1\", not %s (only STIX 2.1 is accepted)", clip(string(sv))))
	}
	o.SpecVersion = "2.1"

	for _, m := range v.members {
		if e := v.member(m); e != nil {
			return e
		}
	}
	for _, name := range spec.required {
		if v.get(name) == nil {
			return v.at("", name, "required property is missing")
		}
	}
	if o.Created != "" && o.Modified != "" && compareTimestamps(o.Modified, o.Created) < 0 {
		return v.at("", "modified", fmt.Sprintf("%q is earlier than created %q", o.Modified, o.Created))
	}
	for _, r := range spec.rules {
		if e := r(v, "", fields(v.members)); e != nil {
			return e
		}
	}
	return nil
}

// reserved are the property names STIX 2.1 section 3.8 reserves: no content may use them.
var reserved = map[string]bool{"severity": true, "username": true, "phone_number": true, "action": true}

func (v *validator) member(m member) *Error {
	name := view(m.key)
	switch name {
	case "type", "id", "spec_version", "extensions":
		return nil // checked first, in run
	}
	if !validPropertyName(m.key) {
		return v.at("", strconv.Quote(clip(name)), "is not a valid property name (3 to 250 ASCII letters, digits and underscores, starting with a letter)")
	}
	if reserved[name] {
		return v.at("", name, "is a reserved property name and must not be used")
	}
	if m.val[0] == 'n' {
		return v.at("", name, "must not be null (omit the property instead)")
	}
	if isEmptyArray(m.val) {
		return v.at("", name, "must not be an empty list (omit the property instead)")
	}
	if isCommon(name) {
		if v.spec.notApplicable[name] {
			return v.at("", name, "is not allowed on "+v.obj.Type+" objects")
		}
		return v.common(name, m.val)
	}
	if p, ok := v.spec.props[name]; ok {
		return v.check("", name, p, m.val)
	}
	return v.custom("", name, m.val)
}

func isEmptyArray(raw []byte) bool {
	return raw[0] == '[' && skipSpace(raw, 1) < len(raw) && raw[skipSpace(raw, 1)] == ']'
}

func isEmptyObject(raw []byte) bool {
	return raw[0] == '{' && skipSpace(raw, 1) < len(raw) && raw[skipSpace(raw, 1)] == '}'
}

// custom checks a property that the object's type does not define: a custom property or
// one added by a top-level property extension. Names ending in _bin and _hex promise a
// binary or hex value (section 3.1).
func (v *validator) custom(path, name string, raw []byte) *Error {
	switch {
	case strings.HasSuffix(name, "_bin"):
		return v.check(path, name, prop{kind: kBinary}, raw)
	case strings.HasSuffix(name, "_hex"):
		return v.check(path, name, prop{kind: kHex}, raw)
	}
	return nil
}

func isCommon(name string) bool {
	switch name {
	case "created_by_ref", "created", "modified", "revoked", "labels", "confidence", "lang",
		"external_references", "object_marking_refs", "granular_markings", "defanged":
		return true
	}
	return false
}

// common checks a common property (section 3.2) and records it in the Object.
func (v *validator) common(name string, raw []byte) *Error {
	o := v.obj
	switch name {
	case "created_by_ref":
		if e := v.ref("", name, refIdentity, raw); e != nil {
			return e
		}
		s, _ := stringValue(raw)
		o.CreatedByRef = s
	case "created", "modified":
		if e := v.timestamp("", name, raw, true); e != nil {
			return e
		}
		s, _ := stringValue(raw)
		if name == "created" {
			o.Created = s
		} else {
			o.Modified = s
		}
	case "revoked", "defanged":
		if raw[0] != 't' && raw[0] != 'f' {
			return v.at("", name, "must be true or false")
		}
		if name == "revoked" {
			o.Revoked = raw[0] == 't'
		}
	case "labels":
		return v.check("", name, prop{kind: kStrings}, raw)
	case "confidence":
		return v.check("", name, prop{kind: kInt, ranged: true, min: 0, max: 100}, raw)
	case "lang":
		return v.lang("", name, raw)
	case "external_references":
		return v.externalReferences(raw)
	case "object_marking_refs":
		refs, e := v.refList("", name, refMarking, raw)
		if e != nil {
			return e
		}
		if slices.Contains(refs, o.ID) {
			return v.at("", name, "a marking definition must not mark itself")
		}
		o.ObjectMarkingRefs = refs
	case "granular_markings":
		return v.granularMarkings(raw)
	}
	return nil
}

// check validates raw as the value of property name (under path) described by p.
func (v *validator) check(path, name string, p prop, raw []byte) *Error {
	if raw[0] == 'n' {
		return v.at(path, name, "must not be null (omit the property instead)")
	}
	switch p.kind {
	case kString:
		if raw[0] != '"' {
			return v.at(path, name, "must be a string")
		}
	case kBool:
		if raw[0] != 't' && raw[0] != 'f' {
			return v.at(path, name, "must be true or false")
		}
	case kInt:
		n, ok := intValue(raw)
		switch {
		case !ok && p.ranged:
			return v.at(path, name, fmt.Sprintf("must be an integer between %d and %d", int64(p.min), int64(p.max)))
		case !ok:
			return v.at(path, name, "must be an integer")
		case p.ranged && (float64(n) < p.min || float64(n) > p.max):
			return v.at(path, name, fmt.Sprintf("%d is out of range: must be an integer between %d and %d", n, int64(p.min), int64(p.max)))
		}
	case kFloat:
		f, ok := floatValue(raw)
		switch {
		case !ok:
			return v.at(path, name, "must be a number")
		case p.ranged && (f < p.min || f > p.max):
			return v.at(path, name, fmt.Sprintf("%s is out of range: must be between %g and %g", clip(string(raw)), p.min, p.max))
		}
	case kTimestamp:
		return v.timestamp(path, name, raw, false)
	case kStrings:
		if raw[0] != '[' || isEmptyArray(raw) {
			return v.at(path, name, "must be a non-empty list of strings")
		}
		var e *Error
		elements(raw, func(i int, el []byte) bool {
			if el[0] != '"' {
				e = v.at(path, index(name, i), "must be a string")
			}
			return e == nil
		})
		return e
	case kRef:
		return v.ref(path, name, p.refs, raw)
	case kRefs:
		_, e := v.refList(path, name, p.refs, raw)
		return e
	case kDict:
		return v.dictionary(path, name, raw)
	case kHashes:
		return v.hashes(path, name, raw)
	case kHex:
		s, ok := str(raw)
		if !ok || !validHex(s) {
			return v.at(path, name, "must be a string of hexadecimal octets (an even number of characters 0-9 and a-f)")
		}
	case kBinary:
		s, ok := str(raw)
		if !ok || !validBase64(s) {
			return v.at(path, name, "must be a base64-encoded string (RFC 4648, with padding)")
		}
	case kEnum:
		s, ok := str(raw)
		if !ok || !slices.Contains(p.enum, s) {
			return v.at(path, name, "must be one of "+strings.Join(p.enum, ", "))
		}
	case kEnums:
		if raw[0] != '[' || isEmptyArray(raw) {
			return v.at(path, name, "must be a non-empty list of: "+strings.Join(p.enum, ", "))
		}
		var e *Error
		elements(raw, func(i int, el []byte) bool {
			if s, ok := str(el); !ok || !slices.Contains(p.enum, s) {
				e = v.at(path, index(name, i), "must be one of "+strings.Join(p.enum, ", "))
			}
			return e == nil
		})
		return e
	case kKillChain:
		return v.killChainPhases(path, name, raw)
	case kObject:
		return v.shape(join(path, name), p.shape, raw)
	case kObjects:
		if raw[0] != '[' || isEmptyArray(raw) {
			return v.at(path, name, "must be a non-empty list of objects")
		}
		var e *Error
		elements(raw, func(i int, el []byte) bool {
			e = v.shape(index(join(path, name), i), p.shape, el)
			return e == nil
		})
		return e
	case kObservables:
		return v.observableContainer(path, name, raw)
	}
	return nil
}

// shape checks an embedded object (an extension, a MIME part, a PE section, ...).
func (v *validator) shape(path string, sh *shape, raw []byte) *Error {
	if raw[0] != '{' {
		return v.at(path, "", "must be an object")
	}
	f := collect(raw)
	if len(f) == 0 {
		return v.at(path, "", "must not be empty")
	}
	for _, m := range f {
		name := view(m.key)
		if p, ok := sh.props[name]; ok {
			if e := v.check(path, name, p, m.val); e != nil {
				return e
			}
			continue
		}
		if e := v.custom(path, name, m.val); e != nil {
			return e
		}
	}
	for _, name := range sh.required {
		if !f.has(name) {
			return v.at(path, name, "required property is missing")
		}
	}
	for _, r := range sh.rules {
		if e := r(v, path, f); e != nil {
			return e
		}
	}
	return nil
}

func intValue(raw []byte) (int64, bool) {
	c := raw[0]
	if c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	const maxSafe = 1<<53 - 1 // STIX integers fit in 54 bits (section 2.10)
	if n, err := strconv.ParseInt(view(raw), 10, 64); err == nil {
		if n > maxSafe || n < -maxSafe {
			return 0, false
		}
		return n, true
	}
	f, err := strconv.ParseFloat(view(raw), 64)
	if err != nil || f != math.Trunc(f) || f > maxSafe || f < -maxSafe {
		return 0, false
	}
	return int64(f), true
}

func floatValue(raw []byte) (float64, bool) {
	c := raw[0]
	if c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(view(raw), 64)
	return f, err == nil
}

func (v *validator) timestamp(path, name string, raw []byte, millis bool) *Error {
	s, ok := str(raw)
	if !ok {
		return v.at(path, name, "must be a timestamp string")
	}
	digits, reason := parseTimestamp(s)
	if reason != "" {
		return v.at(path, name, fmt.Sprintf("%q %s", clip(s), reason))
	}
	if millis && digits < 3 {
		return v.at(path, name, fmt.Sprintf("%q must be precise to at least the millisecond (three fraction digits)", s))
	}
	return nil
}

func (v *validator) lang(path, name string, raw []byte) *Error {
	s, ok := str(raw)
	if !ok || !validLang(s) {
		return v.at(path, name, fmt.Sprintf("%s is not an RFC 5646 language tag", clip(string(raw))))
	}
	return nil
}

// validLang checks the shape of an RFC 5646 language tag: subtags of letters and digits
// separated by hyphens, the first two to eight letters (or the private-use "x" and
// grandfathered "i" prefixes).
func validLang(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j] | 0x20
			letter := 'a' <= c && c <= 'z'
			if i == 0 && !letter || !letter && (sub[j] < '0' || sub[j] > '9') {
				return false
			}
		}
		if i == 0 && len(sub) == 1 && sub != "x" && sub != "i" && sub != "X" && sub != "I" {
			return false
		}
	}
	return true
}

// ref checks one identifier that must point at an object the rule allows.
func (v *validator) ref(path, name string, r refRule, raw []byte) *Error {
	s, ok := str(raw)
	if !ok {
		return v.at(path, name, "must be an identifier string")
	}
	typ, reason := checkID(s)
	if reason != "" {
		return v.at(path, name, fmt.Sprintf("%q %s", clip(s), reason))
	}
	if !r.allows(typ) {
		return v.at(path, name, fmt.Sprintf("%q must reference %s", clip(s), r.what))
	}
	return nil
}

// refList checks a non-empty list of identifiers and returns them.
func (v *validator) refList(path, name string, r refRule, raw []byte) ([]string, *Error) {
	if raw[0] != '[' || isEmptyArray(raw) {
		return nil, v.at(path, name, "must be a non-empty list of identifiers")
	}
	var out []string
	var e *Error
	elements(raw, func(i int, el []byte) bool {
		if e = v.ref(path, index(name, i), r, el); e == nil {
			s, _ := stringValue(el)
			out = append(out, s)
		}
		return e == nil
	})
	return out, e
}

// dictionary checks a non-empty dictionary whose keys follow section 2.3.
func (v *validator) dictionary(path, name string, raw []byte) *Error {
	if raw[0] != '{' || isEmptyObject(raw) {
		return v.at(path, name, "must be a non-empty dictionary")
	}
	var e *Error
	members(raw, func(k, val []byte) bool {
		if !validDictKey(k, 1) {
			e = v.at(path, name, fmt.Sprintf("key %q is not valid (at most 250 ASCII letters, digits, hyphens and underscores)", clip(string(k))))
		} else if val[0] == 'n' {
			e = v.at(join(path, name), view(k), "must not be null")
		}
		return e == nil
	})
	return e
}

func validDictKey(k []byte, min int) bool {
	if len(k) < min || len(k) > 250 {
		return false
	}
	for _, c := range k {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hashLengths gives the number of hex digits of the hash algorithms of hash-algorithm-ov
// whose value has a fixed form.
var hashLengths = map[string]int{
	"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128,
}

func (v *validator) hashes(path, name string, raw []byte) *Error {
	if raw[0] != '{' || isEmptyObject(raw) {
		return v.at(path, name, "must be a non-empty dictionary of hashes")
	}
	var e *Error
	members(raw, func(k, val []byte) bool {
		alg := view(k)
		if !validDictKey(k, 3) {
			e = v.at(path, name, fmt.Sprintf("hash algorithm %q is not valid (3 to 250 ASCII letters, digits, hyphens and underscores)", clip(alg)))
			return false
		}
		s, ok := str(val)
		switch {
		case !ok:
			e = v.at(join(path, name), alg, "must be a string")
		case hashLengths[alg] != 0 && (len(s) != hashLengths[alg] || !isHex(s)):
			e = v.at(join(path, name), alg, fmt.Sprintf("%q is not a valid %s hash (%d hexadecimal digits)", clip(s), alg, hashLengths[alg]))
		case alg == "TLSH" && !validTLSH(s):
			e = v.at(join(path, name), alg, fmt.Sprintf("%q is not a valid TLSH hash (70 hexadecimal digits, optionally after \"T1\")", clip(s)))
		case alg == "SSDEEP" && s == "":
			e = v.at(join(path, name), alg, "must not be empty")
		}
		return e == nil
	})
	return e
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func validTLSH(s string) bool {
	if len(s) == 72 && (s[:2] == "T1" || s[:2] == "t1") {
		s = s[2:]
	}
	return len(s) == 70 && isHex(s)
}

// validHex checks the hex type (section 2.8): an even number of lower-case hex digits.
func validHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validBase64 checks standard base64 with padding (RFC 4648 section 4).
func validBase64(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	pad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			if pad > 0 {
				return false
			}
		case c == '=':
			pad++
			if pad > 2 || i < len(s)-2 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (v *validator) externalReferences(raw []byte) *Error {
	const name = "external_references"
	if raw[0] != '[' {
		return v.at("", name, "must be a list of external references")
	}
	var e *Error
	elements(raw, func(i int, el []byte) bool {
		path := index(name, i)
		if el[0] != '{' {
			e = v.at(path, "", "must be an object")
			return false
		}
		f := collect(el)
		for _, m := range f {
			k := view(m.key)
			switch k {
			case "source_name", "description", "url", "external_id":
				if m.val[0] != '"' {
					e = v.at(path, k, "must be a string")
				}
			case "hashes":
				e = v.hashes(path, k, m.val)
			}
			if e != nil {
				return false
			}
		}
		src, ok := str(f.get("source_name"))
		switch {
		case !ok:
			e = v.at(path, "source_name", "required property is missing")
		case !f.has("description") && !f.has("url") && !f.has("external_id"):
			e = v.at(path, "", "at least one of description, url or external_id is required")
		case src == "capec" || src == "cve":
			ext, _ := str(f.get("external_id"))
			if src == "capec" && !validCAPEC(ext) {
				e = v.at(path, "external_id", fmt.Sprintf("%q must be a CAPEC id (CAPEC-<number>) when source_name is capec", clip(ext)))
			}
			if src == "cve" && !validCVE(ext) {
				e = v.at(path, "external_id", fmt.Sprintf("%q must be a CVE id (CVE-<year>-<number>) when source_name is cve", clip(ext)))
			}
		}
		return e == nil
	})
	return e
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validCAPEC(s string) bool {
	n, ok := strings.CutPrefix(s, "CAPEC-")
	return ok && allDigits(n)
}

func validCVE(s string) bool {
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok || len(rest) < 9 || !allDigits(rest[:4]) || rest[4] != '-' {
		return false
	}
	seq := rest[5:]
	return allDigits(seq) && (len(seq) == 4 || seq[0] != '0')
}

func (v *validator) killChainPhases(path, name string, raw []byte) *Error {
	if raw[0] != '[' || isEmptyArray(raw) {
		return v.at(path, name, "must be a non-empty list of kill chain phases")
	}
	var e *Error
	elements(raw, func(i int, el []byte) bool {
		p := index(join(path, name), i)
		if el[0] != '{' {
			e = v.at(p, "", "must be an object")
			return false
		}
		f := collect(el)
		for _, k := range [...]string{"kill_chain_name", "phase_name"} {
			switch val := f.get(k); {
			case val == nil:
				e = v.at(p, k, "required property is missing")
			case val[0] != '"':
				e = v.at(p, k, "must be a string")
			}
			if e != nil {
				return false
			}
		}
		return true
	})
	return e
}

func (v *validator) granularMarkings(raw []byte) *Error {
	const name = "granular_markings"
	if raw[0] != '[' {
		return v.at("", name, "must be a list of granular markings")
	}
	var out []GranularMarking
	var e *Error
	elements(raw, func(i int, el []byte) bool {
		path := index(name, i)
		if el[0] != '{' {
			e = v.at(path, "", "must be an object")
			return false
		}
		f := collect(el)
		var g GranularMarking
		sel := f.get("selectors")
		if sel == nil {
			e = v.at(path, "selectors", "required property is missing")
			return false
		}
		if sel[0] != '[' || isEmptyArray(sel) {
			e = v.at(path, "selectors", "must be a non-empty list of selectors")
			return false
		}
		elements(sel, func(j int, s []byte) bool {
			text, ok := stringValue(s)
			switch {
			case !ok:
				e = v.at(path, index("selectors", j), "must be a string")
			case !validSelector(text):
				e = v.at(path, index("selectors", j), fmt.Sprintf("%q is not a valid selector (property names and [index] joined by dots)", clip(text)))
			case !v.selects(text):
				e = v.at(path, index("selectors", j), fmt.Sprintf("%q does not select anything present in the object", clip(text)))
			}
			g.Selectors = append(g.Selectors, text)
			return e == nil
		})
		if e != nil {
			return false
		}
		mref, lang := f.get("marking_ref"), f.get("lang")
		switch {
		case mref != nil && lang != nil:
			e = v.at(path, "", "marking_ref and lang must not both be present")
		case mref == nil && lang == nil:
			e = v.at(path, "", "one of marking_ref or lang is required")
		case mref != nil:
			if e = v.ref(path, "marking_ref", refMarking, mref); e == nil {
				g.MarkingRef, _ = stringValue(mref)
			}
		default:
			if e = v.lang(path, "lang", lang); e == nil {
				g.Lang, _ = stringValue(lang)
			}
		}
		out = append(out, g)
		return e == nil
	})
	if e == nil {
		v.obj.GranularMarkings = out
	}
	return e
}

// validSelector checks the selector syntax of section 7.2.3: a property name, then
// property names, dictionary keys or [index] components joined by dots.
func validSelector(s string) bool {
	if s == "" || len(s) > 1000 {
		return false
	}
	for i, c := range strings.Split(s, ".") {
		if strings.HasPrefix(c, "[") {
			if i == 0 || len(c) < 3 || c[len(c)-1] != ']' || !allDigits(c[1:len(c)-1]) {
				return false
			}
			continue
		}
		if !validDictKey([]byte(c), 1) {
			return false
		}
	}
	return true
}

// selects reports whether the selector names content present in the object: section
// 7.2.3 requires it, and a marking on nothing would mislead whoever reads the policy.
// The first few selectors walk the object directly; past that, objects and arrays on the
// way are indexed once, so that many selectors into a large object cost time linear in
// its size rather than quadratic.
func (v *validator) selects(sel string) bool {
	v.selectors++
	if v.selectors <= directSelectors {
		return v.walk(sel)
	}
	if v.index == nil {
		v.index = map[*byte]jsonIndex{}
	}
	cur := v.raw
	for _, c := range strings.Split(sel, ".") {
		ix, ok := v.index[&cur[0]]
		if !ok {
			ix = indexValue(cur)
			v.index[&cur[0]] = ix
		}
		var next []byte
		if strings.HasPrefix(c, "[") {
			n, err := strconv.Atoi(c[1 : len(c)-1])
			if err != nil || ix.elems == nil || n >= len(ix.elems) {
				return false
			}
			next = ix.elems[n]
		} else if next, ok = ix.members[c]; !ok {
			return false
		}
		cur = next
	}
	return true
}

// directSelectors is how many selectors of one object are resolved without an index.
const directSelectors = 16

// walk resolves a selector by scanning each object or array on its way.
func (v *validator) walk(sel string) bool {
	cur := v.raw
	for i, c := range strings.Split(sel, ".") {
		var next []byte
		switch {
		case strings.HasPrefix(c, "["):
			n, err := strconv.Atoi(c[1 : len(c)-1])
			if err != nil || cur[0] != '[' {
				return false
			}
			elements(cur, func(j int, el []byte) bool {
				if j == n {
					next = el
				}
				return j < n
			})
		case cur[0] != '{':
			return false
		case i == 0:
			next = v.get(c)
		default:
			next, _ = lookup(cur, c)
		}
		if next == nil {
			return false
		}
		cur = next
	}
	return true
}

// jsonIndex gives direct access to the members of an object or the elements of an array.
type jsonIndex struct {
	members map[string][]byte
	elems   [][]byte
}

func indexValue(raw []byte) jsonIndex {
	var ix jsonIndex
	switch raw[0] {
	case '{':
		ix.members = map[string][]byte{}
		members(raw, func(k, val []byte) bool {
			ix.members[string(k)] = val
			return true
		})
	case '[':
		ix.elems = [][]byte{}
		elements(raw, func(_ int, el []byte) bool {
			ix.elems = append(ix.elems, el)
			return true
		})
	}
	return ix
}

// extensions checks the extensions dictionary and records its entries.
func (v *validator) extensions(raw []byte) *Error {
	const name = "extensions"
	if raw[0] != '{' || isEmptyObject(raw) {
		return v.at("", name, "must be a non-empty dictionary")
	}
	exts := map[string]json.RawMessage{}
	var e *Error
	members(raw, func(k, val []byte) bool {
		key := string(k)
		exts[key] = val
		path := join(name, key)
		switch {
		case !validExtensionKey(key):
			e = v.at(name, strconv.Quote(clip(key)), "is not an extension-definition id, a predefined extension name or a custom extension name (x-...)")
			return false
		case val[0] != '{' || isEmptyObject(val):
			e = v.at(name, key, "must be a non-empty object")
			return false
		}
		switch {
		case strings.HasPrefix(key, "extension-definition--"):
			if _, reason := checkID(key); reason != "" {
				e = v.at(name, strconv.Quote(clip(key)), "is not a valid extension-definition id: "+reason)
				return false
			}
			et, ok := str(lookup0(val, "extension_type"))
			if !ok || !slices.Contains(extensionTypes, et) {
				e = v.at(path, "extension_type", "is required and must be one of "+strings.Join(extensionTypes, ", "))
				return false
			}
			switch et {
			case "new-sdo":
				v.newKind = KindSDO
			case "new-sro":
				v.newKind = KindSRO
			case "new-sco":
				v.newKind = KindSCO
			}
			members(val, func(pk, pv []byte) bool {
				if !validPropertyName(pk) {
					e = v.at(path, strconv.Quote(clip(string(pk))), "is not a valid property name (3 to 250 ASCII letters, digits and underscores, starting with a letter)")
				} else if pv[0] == 'n' {
					e = v.at(path, string(pk), "must not be null")
				} else if isEmptyArray(pv) {
					e = v.at(path, string(pk), "must not be an empty list")
				}
				return e == nil
			})
		case predefinedExtensions[key].owner != "":
			pe := predefinedExtensions[key]
			if pe.owner != v.obj.Type {
				e = v.at(name, key, "is a predefined extension of "+pe.owner+" objects only")
				return false
			}
			e = v.shape(path, pe.shape, val)
		case validCustomExtensionName(key):
			// The deprecated custom extension form (section 11.3); only SCOs may use it,
			// which run checks once the object's kind is known.
			if v.customExt == "" {
				v.customExt = key
			}
		default:
			e = v.at(name, strconv.Quote(clip(key)), "is not an extension-definition id, a predefined extension name or a custom extension name (x-...)")
		}
		return e == nil
	})
	if e != nil {
		return e
	}
	v.obj.Extensions = exts
	return nil
}

// validExtensionKey accepts what may be an extensions key: a-z, 0-9 and hyphens, 3 to
// 250 characters (an extension-definition id has that form too).
func validExtensionKey(s string) bool {
	if len(s) < 3 || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// label names a dictionary key in an error: as is when it is a plain key, quoted and
// clipped otherwise.
func label(k []byte) string {
	if validDictKey(k, 1) {
		return string(k)
	}
	return strconv.Quote(clip(string(k)))
}

// lookup0 is lookup without the found flag.
func lookup0(raw []byte, key string) []byte {
	v, _ := lookup(raw, key)
	return v
}

var extensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

// validCustomExtensionName accepts the names of section 11.3: a-z, 0-9 and hyphens, 3 to
// 250 characters, starting with "x-" or ending with "-ext".
func validCustomExtensionName(s string) bool {
	if len(s) < 3 || len(s) > 250 || !(strings.HasPrefix(s, "x-") || strings.HasSuffix(s, "-ext")) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// observableContainer checks the deprecated observed-data objects dictionary (section
// 2.13) loosely: it holds STIX 2.0-style observables keyed by local references.
func (v *validator) observableContainer(path, name string, raw []byte) *Error {
	if raw[0] != '{' || isEmptyObject(raw) {
		return v.at(path, name, "must be a non-empty dictionary of observables")
	}
	var e *Error
	members(raw, func(k, val []byte) bool {
		if val[0] != '{' {
			e = v.at(join(path, name), label(k), "must be an object")
		} else if t, ok := str(lookup0(val, "type")); !ok || !validTypeName(t) {
			e = v.at(join(path, name), label(k), "must have a valid type")
		}
		return e == nil
	})
	return e
}

// validTypeName checks an object type name: 3 to 250 characters a-z, 0-9 and hyphens,
// starting with a letter, without two hyphens in a row (they separate an identifier's type
// from its UUID) or a trailing hyphen.
func validTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-':
			if s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validPropertyName checks a property name (sections 3.1 and 11.1): 3 to 250 ASCII
// letters, digits and underscores, starting with a letter.
func validPropertyName(k []byte) bool {
	if len(k) < 3 || len(k) > 250 {
		return false
	}
	if c := k[0] | 0x20; c < 'a' || c > 'z' {
		return false
	}
	for _, c := range k {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkID checks an identifier "<type>--<uuid>" and returns its type, or a reason.
func checkID(s string) (string, string) {
	i := strings.Index(s, "--")
	if i < 0 {
		return "", "is not a valid identifier (<type>--<uuid>)"
	}
	typ, u := s[:i], s[i+2:]
	if !validTypeName(typ) {
		return "", "is not a valid identifier: the part before \"--\" is not a valid object type"
	}
	if !validUUID(u) {
		return "", "is not a valid identifier: the part after \"--\" is not an RFC 4122 UUID"
	}
	return typ, ""
}

// validUUID checks an RFC 4122 (now RFC 9562) UUID in its 8-4-4-4-12 form: a version
// from 1 to 8 and the RFC variant. RFC 4122 writes UUIDs in lower case and reads either
// case, and the OASIS schemas accept both (an OASIS example uses upper-case digits), so
// both are accepted. Identifiers are compared as the strings they are: the hub never
// rewrites an id, so a case-changed copy is another object, exactly as for any consumer
// that does not normalise case.
func validUUID(u string) bool {
	if !ValidUUID(u) {
		return false
	}
	if ver := u[14]; ver < '1' || ver > '8' {
		return false
	}
	switch u[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
		return true
	}
	return false
}

// validIPv4 accepts one IPv4 address or CIDR block.
func validIPv4(s string) bool {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return err == nil && p.Addr().Is4()
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// validIPv6 accepts one IPv6 address or CIDR block.
func validIPv6(s string) bool {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return err == nil && p.Addr().Is6() && p.Addr().Zone() == ""
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// validMAC accepts a colon-delimited, lower-case MAC-48 address (section 6.10).
func validMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < 17; i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
