package stix

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// This file edits objects on their way out to a reader, byte for byte: what a reader may
// not see is cut out of the exact bytes submitted, and everything else stays as it was.
// The input is always an object Parse accepted (as stored), so the walkers below need no
// syntax checks; a malformed input is returned unchanged rather than guessed at.

// span is a byte range [start, end) of a JSON text.
type span struct{ start, end int }

// memberSpans walks the members of the object at raw[i:] and calls fn with each key
// (decoded; a sub-slice of raw when it has no escapes, so that walking an object on the
// way out allocates nothing), the span of the whole member (from the key's opening quote
// to the value's end) and the span of its value.
func memberSpans(raw []byte, i int, fn func(key []byte, member, value span) bool) {
	if i >= len(raw) || raw[i] != '{' {
		return
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		kstart := i
		kend := skipString(raw, i)
		key := raw[kstart+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = unescape(raw[kstart+1 : kend])
		}
		i = skipSpace(raw, kend)
		if i >= len(raw) || raw[i] != ':' {
			return
		}
		i = skipSpace(raw, i+1)
		if i >= len(raw) {
			return
		}
		vend := skipValue(raw, i)
		if !fn(key, span{kstart, vend}, span{i, vend}) {
			return
		}
		i = skipSpace(raw, vend)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
}

// elementSpans walks the elements of the array at raw[i:].
func elementSpans(raw []byte, i int, fn func(n int, value span) bool) {
	if i >= len(raw) || raw[i] != '[' {
		return
	}
	i = skipSpace(raw, i+1)
	for n := 0; i < len(raw) && raw[i] != ']'; n++ {
		end := skipValue(raw, i)
		if !fn(n, span{i, end}) {
			return
		}
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
}

// locate finds what a granular-marking selector ("description",
// "external_references.[0].url", "labels.[2]") selects in raw: the span to cut to remove
// it (the member or element with one neighbouring comma) and whether it was found.
func locate(raw []byte, selector string) (span, bool) {
	steps := strings.Split(selector, ".")
	at := skipSpace(raw, 0)
	var cut span
	for k, step := range steps {
		found := false
		if strings.HasPrefix(step, "[") && strings.HasSuffix(step, "]") {
			n, err := strconv.Atoi(step[1 : len(step)-1])
			if err != nil || n < 0 {
				return span{}, false
			}
			elementSpans(raw, at, func(i int, v span) bool {
				if i == n {
					found, cut, at = true, v, v.start
					return false
				}
				return true
			})
		} else {
			memberSpans(raw, at, func(key []byte, m, v span) bool {
				if string(key) == step {
					found, cut, at = true, m, v.start
					return false
				}
				return true
			})
		}
		if !found {
			return span{}, false
		}
		if k == len(steps)-1 {
			return withComma(raw, cut), true
		}
	}
	return span{}, false
}

// withComma widens the span of a member or element to take one separating comma with it:
// the one after it, or, for the last one, the one before it.
func withComma(raw []byte, s span) span {
	j := skipSpace(raw, s.end)
	if j < len(raw) && raw[j] == ',' {
		return span{s.start, skipSpace(raw, j+1)}
	}
	i := s.start - 1
	for i >= 0 && isSpace(raw[i]) {
		i--
	}
	if i >= 0 && raw[i] == ',' {
		return span{i, s.end}
	}
	return s
}

// RemoveSelected returns raw without the properties and list elements the granular-marking
// selectors select. Selectors that select nothing are ignored; a selector inside another
// one's selection is covered by it. Every other byte is kept. raw itself is returned when
// nothing is removed.
func RemoveSelected(raw []byte, selectors []string) []byte {
	var cuts []span
	for _, sel := range selectors {
		if s, ok := locate(raw, sel); ok {
			cuts = append(cuts, s)
		}
	}
	if len(cuts) == 0 {
		return raw
	}
	slices.SortFunc(cuts, func(a, b span) int { return a.start - b.start })
	// Merge overlapping cuts (a member and something inside it, or two neighbours that
	// claimed the same comma).
	merged := cuts[:1]
	for _, c := range cuts[1:] {
		last := &merged[len(merged)-1]
		if c.start < last.end {
			last.end = max(last.end, c.end)
			continue
		}
		merged = append(merged, c)
	}
	out := make([]byte, 0, len(raw))
	prev := 0
	for _, c := range merged {
		out = append(out, raw[prev:c.start]...)
		prev = c.end
	}
	out = append(out, raw[prev:]...)
	return fixCommas(out)
}

// fixCommas repairs the one shape two adjacent cuts can leave behind: a comma right after
// an opening bracket or right before a closing one, or two commas in a row. It only ever
// removes commas and the space around them.
func fixCommas(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				i++
				out = append(out, b[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ',':
			// Drop a comma that follows an opening bracket or another comma, or that
			// precedes a closing bracket.
			j := len(out) - 1
			for j >= 0 && isSpace(out[j]) {
				j--
			}
			if j < 0 || out[j] == '{' || out[j] == '[' || out[j] == ',' {
				continue
			}
			k := skipSpace(b, i+1)
			if k < len(b) && (b[k] == '}' || b[k] == ']') {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// ReplaceMember returns raw with the value of its top-level member key replaced by value
// (which must be valid JSON), and whether the member was there. Everything else is kept
// byte for byte.
func ReplaceMember(raw []byte, key string, value []byte) ([]byte, bool) {
	var at span
	found := false
	memberSpans(raw, skipSpace(raw, 0), func(k []byte, _, v span) bool {
		if string(k) == key {
			at, found = v, true
			return false
		}
		return true
	})
	if !found {
		return raw, false
	}
	out := make([]byte, 0, len(raw)-(at.end-at.start)+len(value))
	out = append(out, raw[:at.start]...)
	out = append(out, value...)
	return append(out, raw[at.end:]...), true
}

// Redact removes what the selectors select, as RemoveSelected does, and also the
// granular markings that applied only to what was removed, so that the object stays valid
// STIX: a granular marking whose selectors select nothing is an error.
//
// A selector of one list element widens to the whole list: cutting an element out would
// shift the indexes that other granular markings use for the elements after it, and
// withholding more is safe where withholding less is a leak.
func Redact(raw []byte, selectors []string) []byte {
	if len(selectors) == 0 {
		return raw
	}
	selectors = slices.Clone(selectors)
	for i, sel := range selectors {
		for {
			dot := strings.LastIndexByte(sel, '.')
			if dot < 0 || !strings.HasPrefix(sel[dot+1:], "[") {
				break
			}
			sel = sel[:dot]
		}
		selectors[i] = sel
	}
	covered := func(s string) bool {
		for _, r := range selectors {
			if s == r || strings.HasPrefix(s, r+".") {
				return true
			}
		}
		return false
	}
	cuts := slices.Clone(selectors)
	gm, ok := lookup(raw, "granular_markings")
	if ok && len(gm) > 0 && gm[0] == '[' {
		entries, all := 0, 0
		elements(gm, func(i int, entry []byte) bool {
			entries++
			sels, ok := lookup(entry, "selectors")
			if !ok {
				return true
			}
			n, gone := 0, 0
			elements(sels, func(j int, v []byte) bool {
				n++
				if sel, ok := stringValue(v); ok && covered(sel) {
					gone++
					cuts = append(cuts, "granular_markings.["+strconv.Itoa(i)+"].selectors.["+strconv.Itoa(j)+"]")
				}
				return true
			})
			if n > 0 && gone == n {
				cuts = append(cuts, "granular_markings.["+strconv.Itoa(i)+"]")
				all++
			}
			return true
		})
		if entries > 0 && all == entries {
			cuts = append(cuts, "granular_markings")
		}
	}
	return RemoveSelected(raw, cuts)
}

// SetExtension returns raw with its extension key set to value (valid JSON): replaced
// when the object has it, added (and the extensions member with it) when not. Every other
// byte is kept.
func SetExtension(raw []byte, key string, value []byte) []byte {
	exts, ok := lookup(raw, "extensions")
	if ok && len(exts) > 0 && exts[0] == '{' {
		next, replaced := ReplaceMember(exts, key, value)
		if !replaced {
			next = appendMember(exts, key, value)
		}
		out, _ := ReplaceMember(raw, "extensions", next)
		return out
	}
	return appendMember(raw, "extensions", appendMember([]byte("{}"), key, value))
}

// appendMember adds a member at the end of the object raw.
func appendMember(raw []byte, key string, value []byte) []byte {
	end := len(raw) - 1
	for end >= 0 && raw[end] != '}' {
		end--
	}
	if end < 0 {
		return raw
	}
	i := end - 1
	for i >= 0 && isSpace(raw[i]) {
		i--
	}
	out := make([]byte, 0, len(raw)+len(key)+len(value)+4)
	out = append(out, raw[:end]...)
	if i >= 0 && raw[i] != '{' {
		out = append(out, ',')
	}
	out = strconv.AppendQuote(out, key)
	out = append(out, ':')
	out = append(out, value...)
	return append(out, raw[end:]...)
}
