package stix

import (
	"bytes"
	"strings"
)

// References are the members whose key ends in "_ref" (one id) or "_refs" (a list of
// ids), at any depth: created_by_ref, object_refs, source_ref, where_sighted_refs, the
// marking_ref of a granular marking, and the references of extensions and custom
// properties alike. What a reader receives of them is edited on the way out: the
// provider's identity replaced by a pseudonym, references to what the reader may not see
// removed.

// IsRefKey reports whether a member named key holds references.
func IsRefKey(key string) bool {
	return strings.HasSuffix(key, "_ref") || strings.HasSuffix(key, "_refs")
}

// RefEdit is what becomes of one reference: kept (the zero value), replaced by With (a
// JSON value, usually a quoted id), or dropped.
type RefEdit struct {
	With []byte
	Drop bool
}

// EditRefs returns raw with every reference edited as fn says. fn gets the key of the
// member that holds the reference and the id. A dropped element leaves its list; a
// dropped single reference, or a list left empty, takes its member away. Every member and
// element not edited keeps its bytes; raw itself is returned when nothing changes. Values
// that are not strings (in a _ref) or lists of strings (in a _refs) are left alone.
func EditRefs(raw []byte, fn func(key, id string) RefEdit) []byte {
	start := skipSpace(raw, 0)
	if start >= len(raw) {
		return raw
	}
	out, changed := editRefsIn(raw, span{start, skipValue(raw, start)}, fn)
	if !changed {
		return raw
	}
	b := make([]byte, 0, len(raw))
	b = append(b, raw[:start]...)
	b = append(b, out...)
	return append(b, raw[skipValue(raw, start):]...)
}

// editRefsIn edits the value at s, an object or an array; it returns the new text of the
// value and whether it changed.
func editRefsIn(raw []byte, s span, fn func(key, id string) RefEdit) ([]byte, bool) {
	switch raw[s.start] {
	case '{':
		return editRefsObject(raw, s, fn)
	case '[':
		var parts [][]byte
		changed := false
		elementSpans(raw, s.start, func(_ int, v span) bool {
			if sub, ok := editRefsIn(raw, v, fn); ok {
				parts, changed = append(parts, sub), true
			} else {
				parts = append(parts, raw[v.start:v.end])
			}
			return true
		})
		if !changed {
			return nil, false
		}
		return joinJSON('[', parts, ']'), true
	}
	return nil, false
}

func editRefsObject(raw []byte, s span, fn func(key, id string) RefEdit) ([]byte, bool) {
	var parts [][]byte
	changed := false
	memberSpans(raw, s.start, func(key []byte, m, v span) bool {
		k := string(key)
		head := raw[m.start:v.start] // the key and its colon
		switch {
		case strings.HasSuffix(k, "_ref") && raw[v.start] == '"':
			id, ok := stringValue(raw[v.start:v.end])
			if !ok {
				break
			}
			e := fn(k, id)
			if e.Drop {
				changed = true
				return true
			}
			if e.With != nil {
				parts, changed = append(parts, concat(head, e.With)), true
				return true
			}
		case strings.HasSuffix(k, "_refs") && raw[v.start] == '[':
			var elems [][]byte
			edited := false
			elementSpans(raw, v.start, func(_ int, ev span) bool {
				id, ok := stringValue(raw[ev.start:ev.end])
				if !ok {
					elems = append(elems, raw[ev.start:ev.end])
					return true
				}
				e := fn(k, id)
				switch {
				case e.Drop:
					edited = true
				case e.With != nil:
					elems, edited = append(elems, e.With), true
				default:
					elems = append(elems, raw[ev.start:ev.end])
				}
				return true
			})
			if !edited {
				break
			}
			changed = true
			if len(elems) == 0 {
				return true // an empty list is not valid STIX: the member goes
			}
			parts = append(parts, concat(head, joinJSON('[', elems, ']')))
			return true
		default:
			if raw[v.start] == '{' || raw[v.start] == '[' {
				if sub, ok := editRefsIn(raw, v, fn); ok {
					parts, changed = append(parts, concat(head, sub)), true
					return true
				}
			}
		}
		parts = append(parts, raw[m.start:m.end])
		return true
	})
	if !changed {
		return nil, false
	}
	return joinJSON('{', parts, '}'), true
}

func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func joinJSON(open byte, parts [][]byte, close byte) []byte {
	n := 2
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, open)
	out = append(out, bytes.Join(parts, []byte(","))...)
	return append(out, close)
}

// Refs calls fn with the key and id of every reference in raw, at any depth, in order.
func Refs(raw []byte, fn func(key, id string)) {
	EditRefs(raw, func(key, id string) RefEdit {
		fn(key, id)
		return RefEdit{}
	})
}

// RefKeys calls fn with the name of every key of raw that ends in "_ref" or "_refs", at
// any depth, in one pass over the bytes and without parsing: a quick look that errs only
// on the side of yes (a string value that looks like such a key counts too). fn returns
// false to stop.
func RefKeys(raw []byte, fn func(key []byte) bool) {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(`_ref`))
		if j < 0 {
			return
		}
		j += i
		i = j + 4
		// Only a key that ends there ("_ref" or "_refs"), not external_references.
		end := j + 4
		switch {
		case end < len(raw) && raw[end] == '"':
		case end+1 < len(raw) && raw[end] == 's' && raw[end+1] == '"':
			end++
		default:
			continue
		}
		k := j
		for k > 0 && raw[k-1] != '"' {
			k--
		}
		if !fn(raw[k:end]) {
			return
		}
	}
}

// MayHaveRefs reports whether raw may hold a reference other than created_by_ref and
// marking references (object_marking_refs, a granular marking's marking_ref): a quick test
// that spares most objects (indicators, malware, identities) a walk on every read. It errs
// only on the side of yes.
func MayHaveRefs(raw []byte) bool {
	found := false
	RefKeys(raw, func(key []byte) bool {
		switch string(key) {
		case "created_by_ref", "object_marking_refs", "marking_ref":
			return true
		}
		found = true
		return false
	})
	return found
}
