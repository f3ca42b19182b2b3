package scrub

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/firebreak/firebreak"
)

// Terms finds the names and domains of one organisation (the provider of an object whose
// readers may not learn who shared it) and redacts them. It is immutable after NewTerms
// and safe for concurrent use.
//
// Unlike Scrubber, which reads only free text, Terms reads every string of an object:
// an organisation's name hides as well in a label, an external reference's source name or
// external id, a kill-chain name or a custom property's name as in a description. And
// unlike the names of people, an organisation's name is written in many ways: "Acme
// Energy" is also "Acme-Energy", "AcmeEnergy", "ACME.ENERGY", "acme_energy" and
// "acme  energy", so Terms matches a term's words regardless of case and of what separates
// them.
type Terms struct {
	terms []term
	// squashed are the terms as MayMatch looks for them; unicode is set when one has
	// letters beyond ASCII.
	squashed [][]byte
	unicode  bool
}

// term is one compiled term.
type term struct {
	// words are the term's words, lower-cased: runs of letters and digits, split also
	// where a lower-case letter is followed by an upper-case one ("AcmeEnergy").
	words []string
	// exact, for a term shorter than 3 letters and digits, is its text with single spaces:
	// such a term matches only as that exact text, case included, on word boundaries, so
	// that "BP" does not take every "bp" and "3M" every "3m".
	exact string
	// domain is set for a domain name: its subdomains count as the term too.
	domain bool
}

// minLooseTerm is the length (letters and digits) from which a term is matched loosely.
const minLooseTerm = 3

// NewTerms compiles the terms that name an organisation: its names and its domain names.
//
// A term matches case-insensitively (Unicode simple folding), with any run of white space,
// hyphens, dots, underscores or defanged dots ("[.]", "(.)") between its words, or nothing
// at all ("Acme Energy" matches "ACME-ENERGY", "acme.energy", "AcmeEnergy"), and only on
// word boundaries: the letter or digit before and after the match must not continue a
// word, except across a change from lower to upper case ("myAcmeFeed" contains "Acme").
// A one-word term is that word on word boundaries. A term that looks like a domain name
// (a dot, no space, only letters, digits, hyphens and dots) also takes the subdomains
// before it: "acme-energy.com" matches all of "mail.acme-energy.com". A term with fewer
// than 3 letters and digits matches only as its exact text on word boundaries. Terms
// without a letter or digit are ignored.
func NewTerms(terms []string) *Terms {
	t := &Terms{}
	seen := map[string]bool{}
	for _, raw := range terms {
		c, ok := compileTerm(raw)
		key := c.exact + "\x00" + strings.Join(c.words, " ")
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		t.terms = append(t.terms, c)
		sq := squash(nil, []byte(strings.TrimSpace(raw)))
		for _, b := range sq {
			if b >= utf8.RuneSelf {
				t.unicode = true // case folding beyond ASCII: MayMatch cannot tell
			}
		}
		t.squashed = append(t.squashed, sq)
	}
	return t
}

// MayMatch reports whether raw may hold one of the terms: a quick test on the object's
// letters and digits alone, lower-cased, that spares most objects (those that do not
// name the provider) the walk of Object. It errs only on the side of yes: for terms with
// letters beyond ASCII, and for text with JSON escapes, it always says yes.
func (t *Terms) MayMatch(raw []byte) bool {
	if len(t.terms) == 0 {
		return false
	}
	// Escapes ("Acme\nEnergy") and letters or spaces beyond ASCII (a no-break space, a
	// Kelvin sign for K) match in Object but not in the squashed bytes: say yes.
	if t.unicode || bytes.IndexByte(raw, '\\') >= 0 || hasNonASCII(raw) {
		return true
	}
	sq := squash(make([]byte, 0, len(raw)), raw)
	for _, s := range t.squashed {
		if bytes.Contains(sq, s) {
			return true
		}
	}
	return false
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// squash appends to dst the ASCII letters and digits of b lower-cased, and its other
// bytes above ASCII as they are: what is left of a term whatever separates its words.
func squash(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c >= utf8.RuneSelf:
			dst = append(dst, c)
		case 'A' <= c && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		}
	}
	return dst
}

func compileTerm(raw string) (term, bool) {
	raw = strings.TrimSpace(raw)
	var words []string
	n := 0
	start := -1
	var prev rune
	for i, r := range raw {
		if !isTermWordRune(r) {
			if start >= 0 {
				words = append(words, strings.ToLower(raw[start:i]))
				start = -1
			}
			prev = r
			continue
		}
		if start >= 0 && unicode.IsLower(prev) && unicode.IsUpper(r) {
			words = append(words, strings.ToLower(raw[start:i]))
			start = i
		}
		if start < 0 {
			start = i
		}
		n++
		prev = r
	}
	if start >= 0 {
		words = append(words, strings.ToLower(raw[start:]))
	}
	if len(words) == 0 {
		return term{}, false
	}
	if n < minLooseTerm {
		return term{exact: strings.Join(strings.Fields(raw), " ")}, true
	}
	return term{words: words, domain: looksLikeDomain(raw)}, true
}

// looksLikeDomain reports whether s has the shape of a domain name: labels of letters,
// digits and hyphens separated by dots, the last one not all digits.
func looksLikeDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return hasLetter(labels[len(labels)-1])
}

// isTermWordRune reports whether r is part of a word for term matching. Unlike names, the
// underscore separates words: acme_energy is the organisation.
func isTermWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Text finds the terms in one string and returns it with each replaced by
// "[redacted:provider]", and the findings in order. When nothing is found it returns text
// unchanged and no findings.
func (t *Terms) Text(text string) (string, []Finding) {
	spans := t.find(text)
	if len(spans) == 0 {
		return text, nil
	}
	return render(text, spans), toFindings(spans, "")
}

// find returns the non-overlapping spans of text where a term occurs, leftmost first and,
// at one start, longest first. Existing redaction markers are never matched inside.
func (t *Terms) find(text string) []span {
	if len(t.terms) == 0 || text == "" {
		return nil
	}
	var found []span
	for i := range t.terms {
		found = t.terms[i].find(text, found)
	}
	if len(found) == 0 {
		return nil
	}
	sort.Slice(found, func(a, b int) bool {
		if found[a].start != found[b].start {
			return found[a].start < found[b].start
		}
		return found[a].end > found[b].end
	})
	out := found[:0]
	for _, f := range found {
		if len(out) > 0 && out[len(out)-1].end > f.start {
			continue
		}
		out = append(out, f)
	}
	// Drop what overlaps a marker, so that a term such as "provider" leaves markers whole.
	var keep []span
	for _, sp := range claim(markers(text), out) {
		if !sp.marker {
			keep = append(keep, sp)
		}
	}
	return keep
}

// find appends to out the spans of text where the term occurs.
func (c *term) find(text string, out []span) []span {
	if c.exact != "" {
		for off := 0; ; {
			k := strings.Index(text[off:], c.exact)
			if k < 0 {
				return out
			}
			s, e := off+k, off+k+len(c.exact)
			if !wordRuneBefore(text, s) && !wordRuneAt(text, e) {
				out = append(out, span{start: s, end: e, kind: KindProvider})
			}
			off = s + 1
		}
	}
	first, _ := utf8.DecodeRuneInString(c.words[0])
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if foldEqual(r, first) && termStartsAt(text, i) {
			if e, ok := c.matchAt(text, i); ok {
				s := i
				if c.domain {
					s = subdomainStart(text, s)
				}
				out = append(out, span{start: s, end: e, kind: KindProvider})
				i = e
				continue
			}
		}
		i += size
	}
	return out
}

// termStartsAt reports whether a word may start at text[i]: the rune before is not part of
// a word, or is a lower-case letter before an upper-case one.
func termStartsAt(text string, i int) bool {
	if i == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	if !isTermWordRune(prev) {
		return true
	}
	cur, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLower(prev) && unicode.IsUpper(cur)
}

// matchAt reports whether the term's words occur at text[i:], with only separators between
// them, ending on a word boundary, and returns where the match ends.
func (c *term) matchAt(text string, i int) (int, bool) {
	var last rune
	for w, word := range c.words {
		if w > 0 {
			i = skipTermSeparators(text, i)
		}
		for _, wr := range word {
			if i >= len(text) {
				return 0, false
			}
			tr, size := utf8.DecodeRuneInString(text[i:])
			if !foldEqual(tr, wr) {
				return 0, false
			}
			last = tr
			i += size
		}
	}
	if i < len(text) {
		next, _ := utf8.DecodeRuneInString(text[i:])
		if isTermWordRune(next) && !(unicode.IsLower(last) && unicode.IsUpper(next)) {
			return 0, false
		}
	}
	return i, true
}

// skipTermSeparators returns the offset past the run of separators at text[i:]: white
// space, hyphens, dots, underscores and the defanged dots "[.]" and "(.)".
func skipTermSeparators(text string, i int) int {
	for i < len(text) {
		switch c := text[i]; {
		case c == '-' || c == '.' || c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(text[i:], "[.]") || strings.HasPrefix(text[i:], "(.)"):
			i += 3
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) {
				return i
			}
			i += size
		default:
			return i
		}
	}
	return i
}

// subdomainStart moves the start s of a domain match back over the labels of its
// subdomains ("mail." in "mail.acme.example", "www[.]" when defanged).
func subdomainStart(text string, s int) int {
	for {
		j := s
		switch {
		case j >= 1 && text[j-1] == '.':
			j--
		case j >= 3 && (text[j-3:j] == "[.]" || text[j-3:j] == "(.)"):
			j -= 3
		default:
			return s
		}
		k := j
		for k > 0 && (isAlnum(text[k-1]) || text[k-1] == '-') {
			k--
		}
		if k == j || wordRuneBefore(text, k) {
			return s
		}
		s = k
	}
}

// Object redacts the terms in every string of one STIX object, given as raw JSON, and
// returns the redacted JSON and the findings in document order.
//
// Every string value at any depth is read, and every member name, except the values of
// id, type, spec_version, the timestamps (created, modified, valid_from, first_seen, ...),
// every member whose name ends in _ref or _refs, pattern, pattern_type, pattern_version
// and hashes; an observed-data's objects; and cyber-observable objects (SCOs) as a whole,
// whose values are indicators, not text. A term in a string value becomes
// "[redacted:provider]"; in a member name (custom properties are conventionally named
// after their producer, "x_acme_score") it becomes "redacted", so that the name stays a
// valid STIX property name ("x_redacted_score"), with "_2", "_3", ... appended should it
// then collide with another member of the same object; granular-marking selectors,
// which are paths of member names, are rewritten the same way.
//
// Only the strings that hold a term change; every other byte of raw is kept. When nothing
// is found, raw itself is returned. Invalid JSON, a value that is not an object, an object
// without a type and a bundle are EINVALID errors.
func (t *Terms) Object(raw []byte) ([]byte, []Finding, error) {
	if !json.Valid(raw) {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "object is not valid JSON")
	}
	start := skipSpace(raw, 0)
	if raw[start] != '{' {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "a STIX object must be a JSON object")
	}
	var types []string
	created := false
	eachMember(raw, start, func(key string, vs, ve int) {
		switch key {
		case "type":
			if s, ok := stringValue(raw[vs:ve]); ok {
				types = append(types, s)
			}
		case "created":
			created = true
		}
	})
	if len(types) == 0 || types[0] == "" {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "a STIX object must have a type")
	}
	observable := true
	for _, typ := range types {
		if typ == "bundle" {
			return nil, nil, firebreak.Errorf(firebreak.EINVALID, "expected one STIX object, not a bundle")
		}
		observable = observable && isObservable(typ, created)
	}
	if observable || len(t.terms) == 0 {
		return raw, nil, nil
	}
	w := termWalker{t: t, raw: raw}
	w.object(nil, start, true)
	if len(w.edits) == 0 {
		return raw, nil, nil
	}
	sw := walker{raw: raw, edits: w.edits}
	return sw.splice(), w.findings, nil
}

// termSkip are the members whose values Terms.Object does not read, at any depth:
// identifiers, timestamps, the pattern and hashes.
var termSkip = map[string]bool{
	"id": true, "type": true, "spec_version": true, "pattern": true, "pattern_type": true,
	"pattern_version": true, "hashes": true,
	"created": true, "modified": true, "valid_from": true, "valid_until": true,
	"first_seen": true, "last_seen": true, "first_observed": true, "last_observed": true,
	"published": true, "start_time": true, "stop_time": true, "submitted": true,
	"analysis_started": true, "analysis_ended": true, "object_modified": true,
	"expiration": true,
}

// termWalker collects the edits of Terms.Object.
type termWalker struct {
	t        *Terms
	raw      []byte
	edits    []edit
	findings []Finding
}

// object reads the members of the object at raw[vs]. Member names are left as they are:
// granular-marking selectors name them, and a renamed member would slip out from under
// the marking that restricts it.
func (w *termWalker) object(p *path, vs int, top bool) {
	eachMember(w.raw, vs, func(key string, vs, ve int) {
		w.member(&path{parent: p, key: key}, key, vs, ve, top)
	})
}

// member reads one member's value, unless it is one that never names anyone: ids,
// references, timestamps, patterns, selectors (member names), an observed-data's objects.
func (w *termWalker) member(p *path, key string, vs, ve int, top bool) {
	if termSkip[key] || isRefKey(key) || top && key == "objects" || key == "selectors" {
		return
	}
	w.value(p, vs, ve)
}

func (w *termWalker) value(p *path, vs, ve int) {
	switch w.raw[vs] {
	case '"':
		w.str(p, vs, ve)
	case '[':
		eachElement(w.raw, vs, func(i, s, e int) { w.value(&path{parent: p, index: i, elem: true}, s, e) })
	case '{':
		w.object(p, vs, false)
	}
}

// str records an edit of the string literal raw[vs:ve] when it holds a term.
func (w *termWalker) str(p *path, vs, ve int) {
	text, ok := stringValue(w.raw[vs:ve])
	if !ok {
		return
	}
	spans := w.t.find(text)
	if len(spans) == 0 {
		return
	}
	out := render(text, spans)
	w.edits = append(w.edits, edit{vs, ve, appendString(make([]byte, 0, len(out)+8), out)})
	w.findings = append(w.findings, toFindings(spans, p.String())...)
}
