package scrub

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/firebreak/firebreak"
)

// Object scrubs the free-text properties of one STIX object, given as the raw JSON its provider
// submitted, and returns the redacted JSON and the findings in document order.
//
// Free text is: name, description, aliases, objective, goals, contact_information (identity),
// abstract, content and authors (note), explanation and authors (opinion), the description of
// each external reference, and every string inside a custom property (one prefixed x_ or any
// other name STIX does not define), an extension, or a language-content's contents, however
// deeply nested. Never scanned: the pattern, ids and *_ref(s), timestamps, hashes, vocabularies
// and the other structured properties; cyber-observable objects (SCOs) as a whole, and the
// SCOs embedded in an observed-data's objects. An object of a type STIX does not define counts
// as an SCO when it has no created timestamp (every SDO, SRO and meta object has one).
//
// E-mail addresses and phone numbers that are literals of the object's pattern are left alone
// in its free text: there the text describes the indicator.
//
// Only the string values that hold personal data change; every other byte of raw is kept. A
// string without escapes is redacted in place; one with escapes is decoded, redacted and
// re-encoded (escaping only what JSON requires). When nothing is found, raw itself is
// returned. Invalid JSON, a value that is not an object, an object without a type, and a
// bundle are EINVALID errors.
func (s *Scrubber) Object(raw []byte) ([]byte, []Finding, error) {
	if !json.Valid(raw) {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "object is not valid JSON")
	}
	return s.ValidObject(raw)
}

// ValidObject is Object for raw that is known to be valid JSON, because stix.Parse
// accepted it: it skips the syntax check, which would read the object once more. Raw
// must be valid JSON; for anything else, call Object.
func (s *Scrubber) ValidObject(raw []byte) ([]byte, []Finding, error) {
	start := skipSpace(raw, 0)
	if raw[start] != '{' {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "a STIX object must be a JSON object")
	}
	var members []member
	eachMember(raw, start, func(key string, vs, ve int) {
		members = append(members, member{key, vs, ve})
	})
	var types []string
	created := false
	pattern := ""
	for _, m := range members {
		switch m.key {
		case "type":
			if t, ok := stringValue(raw[m.vs:m.ve]); ok {
				types = append(types, t)
			}
		case "created":
			created = true
		case "pattern":
			if p, ok := stringValue(raw[m.vs:m.ve]); ok {
				pattern += p + "\n"
			}
		}
	}
	if len(types) == 0 || types[0] == "" {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "a STIX object must have a type")
	}
	observable := true
	for _, t := range types {
		if t == "bundle" {
			return nil, nil, firebreak.Errorf(firebreak.EINVALID, "expected one STIX object, not a bundle")
		}
		// With two "type" members (refused elsewhere), scrub unless both say observable.
		observable = observable && isObservable(t, created)
	}
	if observable {
		return raw, nil, nil
	}
	w := walker{s: s, raw: raw, ex: patternExemptions(pattern)}
	for _, m := range members {
		w.top(m)
	}
	if len(w.edits) == 0 {
		return raw, nil, nil
	}
	return w.splice(), w.findings, nil
}

// member is one member of a JSON object: its decoded key and the bounds of its raw value.
type member struct {
	key    string
	vs, ve int
}

// freeText are the STIX properties that hold prose or names of people.
var freeText = map[string]bool{
	"name": true, "description": true, "aliases": true, "objective": true, "goals": true,
	"contact_information": true, "abstract": true, "content": true, "authors": true,
	"explanation": true,
}

// structured are the STIX 2.1 (and 2.0) properties of SDOs, SROs and meta objects that are not
// free text: identifiers, timestamps, vocabularies, numbers, the pattern, observable
// containers. Properties ending in _ref or _refs are structured too. Any other property is
// custom and scanned.
var structured = map[string]bool{
	"type": true, "spec_version": true, "id": true, "created": true, "modified": true,
	"revoked": true, "labels": true, "confidence": true, "lang": true,
	"granular_markings": true, "defanged": true, "kill_chain_phases": true,
	"indicator_types": true, "pattern": true, "pattern_type": true, "pattern_version": true,
	"valid_from": true, "valid_until": true, "first_seen": true, "last_seen": true,
	"malware_types": true, "is_family": true, "architecture_execution_envs": true,
	"implementation_languages": true, "capabilities": true, "product": true, "version": true,
	"configuration_version": true, "modules": true, "analysis_engine_version": true,
	"analysis_definition_version": true, "submitted": true, "analysis_started": true,
	"analysis_ended": true, "result_name": true, "result": true, "context": true, "roles": true,
	"identity_class": true, "sectors": true, "infrastructure_types": true, "latitude": true,
	"longitude": true, "precision": true, "region": true, "country": true,
	"administrative_area": true, "city": true, "street_address": true, "postal_code": true,
	"first_observed": true, "last_observed": true, "number_observed": true, "objects": true,
	"opinion": true, "report_types": true, "published": true, "threat_actor_types": true,
	"sophistication": true, "resource_level": true, "primary_motivation": true,
	"secondary_motivations": true, "personal_motivations": true, "tool_types": true,
	"tool_version": true, "relationship_type": true, "start_time": true, "stop_time": true,
	"count": true, "summary": true, "definition_type": true, "definition": true,
	"object_modified": true, "schema": true, "extension_types": true,
	"extension_properties": true, "action": true, "hashes": true,
}

// skipInside are the keys skipped inside custom dictionaries and extensions: identifiers,
// timestamps and hashes have the same meaning there as at the top level.
var skipInside = map[string]bool{
	"id": true, "type": true, "spec_version": true, "created": true, "modified": true,
	"hashes": true, "pattern": true, "extension_type": true,
}

func isRefKey(k string) bool { return strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") }

// observables are the STIX 2.1 cyber-observable object types.
var observables = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true,
	"ipv6-addr": true, "mac-addr": true, "mutex": true, "network-traffic": true,
	"process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true,
}

// nonObservables are the STIX 2.1 SDO, SRO and meta object types.
var nonObservables = map[string]bool{
	"attack-pattern": true, "campaign": true, "course-of-action": true, "grouping": true,
	"identity": true, "incident": true, "indicator": true, "infrastructure": true,
	"intrusion-set": true, "location": true, "malware": true, "malware-analysis": true,
	"note": true, "observed-data": true, "opinion": true, "report": true,
	"threat-actor": true, "tool": true, "vulnerability": true, "relationship": true,
	"sighting": true, "marking-definition": true, "language-content": true,
	"extension-definition": true,
}

func isObservable(typ string, created bool) bool {
	if observables[typ] {
		return true
	}
	return !nonObservables[typ] && !created
}

// path is the location of a value, built on the stack while walking and formatted only for
// a finding.
type path struct {
	parent *path
	key    string // the member name, unless elem
	index  int    // the array index, when elem
	elem   bool
}

func (p *path) String() string {
	if p == nil {
		return ""
	}
	prefix := p.parent.String()
	if p.elem {
		return prefix + "[" + strconv.Itoa(p.index) + "]"
	}
	if p.key == "" || strings.ContainsAny(p.key, ".[]\"") {
		return prefix + "[" + strconv.Quote(p.key) + "]"
	}
	if prefix == "" {
		return p.key
	}
	return prefix + "." + p.key
}

// walker collects the edits for one object.
type walker struct {
	s        *Scrubber
	raw      []byte
	ex       *exemptions
	edits    []edit
	findings []Finding
	// cited is set while reading an external reference, whose description cites a
	// published source: its authors are not looked for, only listed names.
	cited bool
}

// edit replaces raw[start:end] (a whole string literal) with repl.
type edit struct {
	start, end int
	repl       []byte
}

func (w *walker) top(m member) {
	p := &path{key: m.key}
	switch {
	case m.key == "external_references":
		w.externalReferences(p, m.vs)
	case m.key == "extensions":
		w.extensions(p, m.vs)
	case freeText[m.key]:
		w.any(p, m.vs, m.ve)
	case structured[m.key] || isRefKey(m.key):
	default:
		w.any(p, m.vs, m.ve) // a custom property
	}
}

// externalReferences scans the description (and any custom property) of each reference; the
// source name, URL, external id and hashes are identifiers.
func (w *walker) externalReferences(p *path, vs int) {
	if w.raw[vs] != '[' {
		return
	}
	eachElement(w.raw, vs, func(i, es, _ int) {
		if w.raw[es] != '{' {
			return
		}
		ep := &path{parent: p, index: i, elem: true}
		eachMember(w.raw, es, func(key string, s, e int) {
			switch key {
			case "source_name", "url", "external_id", "hashes":
				return
			}
			w.cited = true
			w.any(&path{parent: ep, key: key}, s, e)
			w.cited = false
		})
	})
}

// extensions scans the properties of each extension (all of them custom on an SDO or SRO)
// except extension_type and identifiers.
func (w *walker) extensions(p *path, vs int) {
	if w.raw[vs] != '{' {
		return
	}
	eachMember(w.raw, vs, func(name string, s, _ int) {
		if w.raw[s] != '{' {
			return
		}
		xp := &path{parent: p, key: name}
		eachMember(w.raw, s, func(key string, ks, ke int) {
			if skipInside[key] || isRefKey(key) {
				return
			}
			w.any(&path{parent: xp, key: key}, ks, ke)
		})
	})
}

// any scans every string in the value raw[vs:ve].
func (w *walker) any(p *path, vs, ve int) {
	switch w.raw[vs] {
	case '"':
		w.str(p, vs, ve)
	case '[':
		eachElement(w.raw, vs, func(i, s, e int) { w.any(&path{parent: p, index: i, elem: true}, s, e) })
	case '{':
		eachMember(w.raw, vs, func(key string, s, e int) {
			if skipInside[key] || isRefKey(key) {
				return
			}
			w.any(&path{parent: p, key: key}, s, e)
		})
	}
}

// str scans the string literal raw[vs:ve] and records an edit when it holds personal data.
func (w *walker) str(p *path, vs, ve int) {
	lit := w.raw[vs:ve]
	escaped := bytes.IndexByte(lit, '\\') >= 0
	var text string
	if escaped {
		if err := json.Unmarshal(lit, &text); err != nil {
			return // cannot happen: raw passed json.Valid
		}
	} else {
		text = string(lit[1 : len(lit)-1])
	}
	spans := w.s.scan(text, w.ex, !w.s.listedOnly && !w.cited)
	if len(spans) == 0 {
		return
	}
	out := render(text, spans)
	var repl []byte
	if escaped {
		repl = appendString(make([]byte, 0, len(out)+8), out)
	} else {
		repl = make([]byte, 0, len(out)+2)
		repl = append(append(append(repl, '"'), out...), '"')
	}
	w.edits = append(w.edits, edit{vs, ve, repl})
	w.findings = append(w.findings, toFindings(spans, p.String())...)
}

// splice returns raw with the edits applied. Edits come in document order.
func (w *walker) splice() []byte {
	n := len(w.raw)
	for _, e := range w.edits {
		n += len(e.repl) - (e.end - e.start)
	}
	out := make([]byte, 0, n)
	last := 0
	for _, e := range w.edits {
		out = append(out, w.raw[last:e.start]...)
		out = append(out, e.repl...)
		last = e.end
	}
	return append(out, w.raw[last:]...)
}

// appendString appends s as a JSON string literal, escaping only what JSON requires (quote,
// backslash, control characters) and invalid UTF-8.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}

// The functions below walk JSON that json.Valid has accepted; they do not check syntax.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the offset just past the string literal starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the offset just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' &&
		b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// eachMember calls fn with the decoded key and the value bounds of each member of the object
// starting at b[i].
func eachMember(b []byte, i int, fn func(key string, vs, ve int)) {
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		ke := stringEnd(b, i)
		key, _ := stringValue(b[i:ke])
		vs := skipSpace(b, skipSpace(b, ke)+1) // past the colon
		ve := valueEnd(b, vs)
		fn(key, vs, ve)
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// eachElement calls fn with the index and value bounds of each element of the array starting
// at b[i].
func eachElement(b []byte, i int, fn func(idx, vs, ve int)) {
	i = skipSpace(b, i+1)
	for idx := 0; i < len(b) && b[i] != ']'; idx++ {
		ve := valueEnd(b, i)
		fn(idx, i, ve)
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// stringValue decodes a JSON string literal; ok is false when lit is not a string.
func stringValue(lit []byte) (string, bool) {
	if len(lit) < 2 || lit[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1]), true
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", false
	}
	return s, true
}
