// Package scrub finds personal data in the free text of STIX objects and redacts it.
//
// The hub shares what members submit, but the descriptions, notes and opinions that analysts
// write are full of e-mail addresses, phone numbers and names of colleagues and victims. This
// package is the pure engine that finds those and replaces each with a marker such as
// "[redacted:email]": it knows nothing about readers, policies or storage. The read path
// decides who gets the redacted copy (everyone but the provider) and keeps the findings as the
// provider's scrub report.
//
// Detection is tuned for threat intelligence, where most digits and many strings look like
// personal data and are not: IP addresses, hashes, versions, dates, CVE and ATT&CK ids, ports,
// registry paths, UUIDs and URLs. Numbers must stand alone (no letter, digit or path character
// next to them), must have the structure and checksum of the identifier they claim to be, and
// are never taken from inside a URL, a file or registry path or a defanged indicator. Weaker
// formats (a plain run of ten digits, a national phone number with a leading 0, an SSN without
// dashes, a SIN without grouping) are only taken when a keyword such as "phone" or "SSN" comes
// shortly before them on the same line.
//
// E-mail addresses and indicators: an address in free text is personal data (also role
// addresses such as soc@example.com: they name the provider's organisation, which is what
// attribution rules hide), except when the same address is a literal of the object's STIX
// pattern: then the text describes the indicator, and the address is left alone. The same
// applies to phone numbers. Defanged addresses (bob[@]evil[.]com, admin[at]evil[.]ru) are
// written that way precisely because they are indicators, and are not detected.
//
// Redaction is idempotent (markers are never scanned again) and complete: once a value has been
// detected, every other occurrence of it in the same string is redacted too, even where the
// detector alone would not have taken it (for example the same phone number inside a URL).
package scrub

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of personal data a finding is.
type Kind string

// The kinds of personal data the scrubber detects.
const (
	KindEmail Kind = "email" // an e-mail address
	KindPhone Kind = "phone" // an international (+...) or North American phone number
	KindSSN   Kind = "ssn"   // a US social security number
	KindSIN   Kind = "sin"   // a Canadian social insurance number
	KindCURP  Kind = "curp"  // a Mexican Clave Única de Registro de Población
	KindCard  Kind = "card"  // a payment-card number (PAN)
	KindName  Kind = "name"  // the name of a person
	// KindProvider is a name or domain of the provider, found by Terms (never by Scrubber).
	KindProvider Kind = "provider"
)

// kinds lists every Kind, for recognising markers.
var kinds = [...]Kind{KindEmail, KindPhone, KindSSN, KindSIN, KindCURP, KindCard, KindName, KindProvider}

// markerPrefix starts every redaction marker; the marker for kind k is "[redacted:k]".
const markerPrefix = "[redacted:"

// Marker returns the text that replaces a value of kind k: "[redacted:" + k + "]".
func Marker(k Kind) string { return markerPrefix + string(k) + "]" }

// Finding is one piece of personal data found in a string value.
type Finding struct {
	Kind Kind
	// Path locates the string value in the object, in the form "description",
	// "external_references[2].description" or "x_acme_contacts.owner". It is empty for Text.
	Path string
	// Start and End are the byte offsets of the value in the decoded string (for a JSON string
	// without escapes, the same as in its raw text).
	Start, End int
}

// Scrubber detects and redacts personal data. It is immutable after New and safe for
// concurrent use.
type Scrubber struct {
	names nameIndex
	// listedOnly turns off the detection of names that are not listed (see persons).
	listedOnly bool
}

// An Option changes how a Scrubber detects personal data.
type Option func(*Scrubber)

// ListedNamesOnly makes the Scrubber redact only the names given to New, without looking
// for other names of people in the text.
func ListedNamesOnly() Option { return func(s *Scrubber) { s.listedOnly = true } }

// New returns a Scrubber that, besides the built-in detectors, redacts the given names of
// people (the hub's contacts, the names of identity objects of identity_class individual).
// Names match case-insensitively, on word boundaries, with any run of white space between
// their words, longest first. Names without a letter are ignored.
//
// Unless ListedNamesOnly is given, it also finds names of people that no list knows, from
// given-name lists (English, French, Spanish), the shape of the words and cues such as
// "call", "Mr." or "Sra." (see persons.go); an external reference's description, which
// cites a published source and its authors, is read for listed names only.
func New(names []string, opts ...Option) *Scrubber {
	s := &Scrubber{names: newNameIndex(names)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Text finds personal data in one free-text string and returns the redacted string and the
// findings, in order. Offsets refer to text. When nothing is found it returns text unchanged
// and no findings.
func (s *Scrubber) Text(text string) (string, []Finding) {
	spans := s.scan(text, nil, !s.listedOnly)
	if len(spans) == 0 {
		return text, nil
	}
	return render(text, spans), toFindings(spans, "")
}

// span is a detected value: text[start:end] of kind kind. An exempt span is an indicator that
// looks like personal data (its value is a literal of the object's pattern): it keeps other
// detectors off its bytes but is not redacted.
type span struct {
	start, end int
	kind       Kind
	exempt     bool
	marker     bool // an existing redaction marker, never scanned and never redacted again
}

// maxRounds bounds the passes of scan. One pass is almost always enough; a second one is
// needed only when a redaction changes the context of a neighbour (a marker is shorter than
// the address it replaces, which brings a keyword closer to a number).
const maxRounds = 4

// scan returns the spans to redact in text, sorted and not overlapping. It repeats detection
// on its own output until nothing new is found, so that scrubbing twice gives the same result
// as scrubbing once. With guess, names that are not listed are looked for too.
func (s *Scrubber) scan(text string, ex *exemptions, guess bool) []span {
	spans := s.detect(text, ex, guess)
	if len(spans) == 0 {
		return nil
	}
	for round := 1; round < maxRounds; round++ {
		more := s.detect(render(text, spans), ex, guess)
		if len(more) == 0 {
			break
		}
		spans = claim(spans, mapBack(more, spans))
	}
	return spans
}

// detect runs every detector once over text and resolves overlaps: existing markers first,
// then e-mail addresses, then the numbers and CURPs, then listed names, then other names.
func (s *Scrubber) detect(text string, ex *exemptions, guess bool) []span {
	kept := markers(text)
	kept = claim(kept, emails(text, ex))
	kept = claim(kept, numbers(text, ex))
	kept = claim(kept, s.names.find(text))
	if guess {
		kept = claim(kept, persons(text))
	}
	kept = claim(kept, duplicates(text, kept))
	out := kept[:0]
	for _, sp := range kept {
		if !sp.marker && !sp.exempt {
			out = append(out, sp)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// claim merges add into kept, both sorted by start and free of overlaps, dropping every span
// of add that overlaps one of kept.
func claim(kept, add []span) []span {
	if len(add) == 0 {
		return kept
	}
	out := make([]span, 0, len(kept)+len(add))
	i := 0
	for _, a := range add {
		for i < len(kept) && kept[i].start < a.start {
			out = append(out, kept[i])
			i++
		}
		if len(out) > 0 && out[len(out)-1].end > a.start {
			continue // overlaps the span before
		}
		if i < len(kept) && kept[i].start < a.end {
			continue // overlaps the span after
		}
		out = append(out, a)
	}
	return append(out, kept[i:]...)
}

// markers returns the redaction markers already in text, so that no detector looks inside one
// (a name list containing "email" must not break "[redacted:email]").
func markers(text string) []span {
	var out []span
	for off := 0; ; {
		k := strings.Index(text[off:], markerPrefix)
		if k < 0 {
			return out
		}
		at := off + k
		off = at + len(markerPrefix)
		for _, kind := range kinds {
			if strings.HasPrefix(text[off:], string(kind)+"]") {
				off += len(kind) + 1
				out = append(out, span{start: at, end: off, marker: true})
				break
			}
		}
	}
}

// render returns text with every span replaced by its marker.
func render(text string, spans []span) string {
	var b strings.Builder
	b.Grow(len(text) + 16*len(spans))
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.start])
		b.WriteString(markerPrefix)
		b.WriteString(string(sp.kind))
		b.WriteByte(']')
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// mapBack translates spans found in render(text, done) back to offsets in text. Such spans
// never overlap a marker (markers are claimed first by detect), so each lies in a stretch
// that render copied unchanged.
func mapBack(found, done []span) []span {
	out := make([]span, 0, len(found))
	shift, j := 0, 0 // shift = rendered offset - original offset before done[j]
	for _, f := range found {
		for j < len(done) && done[j].start+shift+len(markerPrefix)+len(done[j].kind)+1 <= f.start {
			shift += len(markerPrefix) + len(done[j].kind) + 1 - (done[j].end - done[j].start)
			j++
		}
		f.start -= shift
		f.end -= shift
		out = append(out, f)
	}
	return out
}

// duplicates returns the other occurrences of the values already detected in text (except
// names, which only count as a person on word boundaries), so that a value known to be
// personal data does not survive elsewhere in the same string, for example inside a URL where
// the detectors do not look. Occurrences are found with one rolling-hash pass per distinct
// value length, so the cost stays linear in the text for any number of values.
func duplicates(text string, kept []span) []span {
	byLen := map[int]map[string]Kind{}
	for _, sp := range kept {
		if sp.marker || sp.exempt || sp.kind == KindName {
			continue
		}
		n := sp.end - sp.start
		if byLen[n] == nil {
			byLen[n] = map[string]Kind{}
		}
		byLen[n][text[sp.start:sp.end]] = sp.kind
	}
	if len(byLen) == 0 {
		return nil
	}
	var found []span
	for n, vals := range byLen {
		found = append(found, occurrences(text, n, vals)...)
	}
	sort.Slice(found, func(a, b int) bool { return found[a].start < found[b].start })
	// Keep a non-overlapping subset; claim drops those overlapping the detected spans.
	out := found[:0]
	for _, f := range found {
		if len(out) > 0 && out[len(out)-1].end > f.start {
			continue
		}
		out = append(out, f)
	}
	return out
}

// occurrences returns the spans of text where one of vals (all n bytes long) occurs. A few
// values are searched for one by one (strings.Index is fast); many at once with a Rabin-Karp
// rolling hash, which costs one pass whatever their number.
func occurrences(text string, n int, vals map[string]Kind) []span {
	if n == 0 || n > len(text) {
		return nil
	}
	var out []span
	if len(vals) <= 4 {
		for v, k := range vals {
			for off := 0; ; {
				i := strings.Index(text[off:], v)
				if i < 0 {
					break
				}
				out = append(out, span{start: off + i, end: off + i + n, kind: k})
				off += i + 1
			}
		}
		return out
	}
	const base = 16777619
	hashes := make(map[uint32]bool, len(vals))
	for v := range vals {
		hashes[hashOf(v)] = true
	}
	var pow uint32 = 1 // base^(n-1)
	for i := 1; i < n; i++ {
		pow *= base
	}
	h := hashOf(text[:n])
	for i := 0; ; i++ {
		if hashes[h] {
			if k, ok := vals[text[i:i+n]]; ok {
				out = append(out, span{start: i, end: i + n, kind: k})
			}
		}
		if i+n >= len(text) {
			return out
		}
		h = (h-uint32(text[i])*pow)*base + uint32(text[i+n])
	}
}

func hashOf(s string) uint32 {
	const base = 16777619
	var h uint32
	for i := 0; i < len(s); i++ {
		h = h*base + uint32(s[i])
	}
	return h
}

func toFindings(spans []span, path string) []Finding {
	out := make([]Finding, len(spans))
	for i, sp := range spans {
		out[i] = Finding{Kind: sp.kind, Path: path, Start: sp.start, End: sp.end}
	}
	return out
}

// Character classes. The detectors work on bytes; non-ASCII text only matters at boundaries,
// where a letter or digit in any script counts as part of a word.

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// wordRuneBefore reports whether the rune ending at text[i] (exclusive) is a letter or digit.
func wordRuneBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordRuneAt reports whether the rune starting at text[i] is a letter or digit.
func wordRuneAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	if c := text[i]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
