package scrub

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameIndex finds the names of known people. Names are kept lower-cased with single spaces
// between their words, grouped by their first word, longest first, so that the text is read
// once and only a word that starts some name costs more than a map lookup.
type nameIndex struct {
	byFirst map[string][]string
	// firstBytes and keyLens let most words be skipped without a map lookup: the lower-cased
	// first byte and the length (up to 63) of some name's first word.
	firstBytes [256]bool
	keyLens    uint64
}

func newNameIndex(names []string) nameIndex {
	idx := nameIndex{byFirst: map[string][]string{}}
	seen := map[string]bool{}
	for _, n := range names {
		norm := strings.ToLower(strings.Join(strings.Fields(n), " "))
		first := firstWord(norm)
		if first == "" || seen[norm] || !hasLetter(norm) {
			continue // no name, or one that does not start with a letter or digit
		}
		seen[norm] = true
		idx.byFirst[first] = append(idx.byFirst[first], norm)
		idx.firstBytes[first[0]] = true
		idx.keyLens |= 1 << min(len(first), 63)
	}
	for _, list := range idx.byFirst {
		sort.Slice(list, func(a, b int) bool {
			if len(list[a]) != len(list[b]) {
				return len(list[a]) > len(list[b])
			}
			return list[a] < list[b]
		})
	}
	return idx
}

// isWordRune reports whether r belongs to a word for name matching. The underscore does, as
// in regular expressions: jane_doe is an identifier, not the person.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isNameByte(c byte) bool { return isAlnum(c) || c == '_' }

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// firstWord returns the leading run of letters and digits of s.
func firstWord(s string) string {
	for i, r := range s {
		if !isWordRune(r) {
			return s[:i]
		}
	}
	return s
}

// find returns the known names in text, on word boundaries.
func (x nameIndex) find(text string) []span {
	if len(x.byFirst) == 0 {
		return nil
	}
	var out []span
	var buf [64]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf && !isNameByte(c) {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(text[i:]); !isWordRune(r) {
				i += size
				continue
			}
		}
		// A word starts at i (the loop always skips whole words).
		start, end, ascii := i, i, true
		for end < len(text) {
			if c := text[end]; c < utf8.RuneSelf {
				if !isNameByte(c) {
					break
				}
				end++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[end:])
			if !isWordRune(r) {
				break
			}
			ascii = false
			end += size
		}
		var candidates []string
		first := text[start]
		if isUpper(first) {
			first += 'a' - 'A'
		}
		switch {
		case ascii && (!x.firstBytes[first] || x.keyLens&(1<<min(end-start, 63)) == 0):
			// no name starts with this word
		case ascii && end-start <= len(buf):
			w := buf[:end-start]
			for k := range w {
				c := text[start+k]
				if isUpper(c) {
					c += 'a' - 'A'
				}
				w[k] = c
			}
			candidates = x.byFirst[string(w)]
		case !ascii:
			candidates = x.byFirst[strings.ToLower(text[start:end])]
		}
		for _, name := range candidates {
			if e, ok := matchName(text, start, name); ok {
				out = append(out, span{start: start, end: e, kind: KindName})
				end = e
				break
			}
		}
		i = end
	}
	return out
}

// matchName reports whether the lower-cased name occurs at text[start:] (case-insensitively,
// any run of white space where the name has a space) and ends on a word boundary, and returns
// where it ends.
func matchName(text string, start int, name string) (int, bool) {
	i := start
	for k := 0; k < len(name); {
		nr, nsize := utf8.DecodeRuneInString(name[k:])
		k += nsize
		if nr == ' ' {
			spaces := 0
			for i < len(text) {
				r, size := utf8.DecodeRuneInString(text[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += size
				spaces++
			}
			if spaces == 0 {
				return 0, false
			}
			continue
		}
		if i >= len(text) {
			return 0, false
		}
		tr, tsize := utf8.DecodeRuneInString(text[i:])
		if !foldEqual(tr, nr) {
			return 0, false
		}
		i += tsize
	}
	if i < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[i:]); isWordRune(r) {
			return 0, false
		}
	}
	return i, true
}

// foldEqual reports whether two runes are equal under Unicode simple case folding.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
