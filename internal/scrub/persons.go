package scrub

import (
	"bufio"
	"bytes"
	"embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Names of people that no directory lists are found with word lists and the shape of the
// text around them:
//
//   - a given name (English, French or Spanish lists in names/) followed by one or more
//     capitalised words that may be surnames ("Jane Doe", "Pierre-Louis Martin", "María José
//     García de la Cruz", "Robert M. Lee");
//   - a courtesy title followed by capitalised words ("Mr. Smith", "Sra. Fernández", "M.
//     Dupont"), the title itself being left in the text;
//   - any capitalised word after a cue that introduces a person ("call Okonkwo", "ask for
//     Jane", "attn: Tremblay", "c/o Dupont", "Victim: ...", a signature after "Regards,").
//
// Precision matters as much as recall in threat intelligence, whose text is full of
// capitalised names that are not people. A run is not a person when one of its words, or
// the word right after it, is in names/notnames.txt (months, malware, threat-actor naming
// schemes such as "Bear" or "Typhoon", vendors, products, places, organisation words such as
// "Group" or "Foundation", ATT&CK vocabulary), when it is a known non-person phrase (names/
// notname-phrases.txt: "Charles Schwab", "San Francisco"), when the word before it makes it a
// place or a product ("San", "Fort", "Operation"), or when it sits inside a reference to a
// citation ("(Citation: ...)"), a URL, a path or an identifier. Given names that are also
// common words or places ("Grant", "May", "Austin", "Ruby") start a name only before a
// known surname (names/surnames.txt) or after a cue. A lone given name counts only after a
// cue ("reach Priya") or before a possessive ("Priya's laptop").

//go:embed names/*.txt
var nameFiles embed.FS

// lexicon holds the word lists, parsed once on first use.
type lexicon struct {
	given    map[string]uint8 // lower-cased given name: givenStrong or givenWeak
	surnames map[string]bool
	notnames map[string]bool
	phrases  map[string]bool // lower-cased, single spaces
}

const (
	givenStrong = 1
	givenWeak   = 2
)

var loadLexicon = sync.OnceValue(func() *lexicon {
	lx := &lexicon{given: map[string]uint8{}, surnames: map[string]bool{}, notnames: map[string]bool{}, phrases: map[string]bool{}}
	for _, f := range []string{"names/given-en.txt", "names/given-fr.txt", "names/given-es.txt"} {
		for _, w := range readList(f) {
			lx.given[strings.ToLower(w)] = givenStrong
		}
	}
	for _, w := range readList("names/given-ambiguous.txt") {
		lx.given[strings.ToLower(w)] = givenWeak
	}
	for _, w := range readList("names/surnames.txt") {
		lx.surnames[strings.ToLower(w)] = true
	}
	for _, w := range readList("names/notnames.txt") {
		w = strings.ToLower(w)
		// A word that is also a given name or a surname (Black, West, Francisco) is
		// judged by those lists: a known person's name outweighs a product's.
		if _, g := lx.given[w]; !g && !lx.surnames[w] {
			lx.notnames[w] = true
		}
	}
	for _, w := range hardNotnames {
		lx.notnames[w] = true
	}
	for _, p := range readList("names/notname-phrases.txt") {
		lx.phrases[strings.ToLower(strings.Join(strings.Fields(p), " "))] = true
	}
	return lx
})

// hardNotnames are never part of a name even though they are given names too: months,
// which follow and precede capitalised words in every date.
var hardNotnames = []string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december", "jan", "feb", "mar", "apr",
	"jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}

func readList(name string) []string {
	f, err := nameFiles.Open(name)
	if err != nil {
		panic("scrub: embedded word list missing: " + name) // a build defect
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// cue is how strongly the words before a capitalised word announce a person.
type cue uint8

const (
	cueNone   cue = iota
	cueMedium     // "reported by", "thanks to", "analyst": a person if the word is a known name
	cueStrong     // "call", "contact", "attn:", "Regards,": a person if the word may be a name
)

// cueWords are single words right before a name.
var cueWords = map[string]cue{
	"call": cueStrong, "called": cueStrong, "calling": cueStrong, "contact": cueStrong,
	"contacted": cueStrong, "contacting": cueStrong, "reach": cueStrong, "reached": cueStrong,
	"reaching": cueStrong, "attn": cueStrong, "attention": cueStrong, "cc": cueStrong,
	"ask": cueStrong, "asked": cueStrong, "email": cueStrong, "e-mail": cueStrong,
	"emailed": cueStrong, "phone": cueStrong, "phoned": cueStrong, "ping": cueStrong,
	"dear": cueStrong, "hi": cueStrong, "hello": cueStrong, "thanks": cueMedium,
	"thank": cueMedium, "per": cueMedium, "analyst": cueMedium, "victim": cueMedium,
	"employee": cueMedium, "user": cueMedium, "colleague": cueMedium, "manager": cueMedium,
	"technician": cueMedium, "operator": cueMedium, "engineer": cueMedium,
	"appeler": cueStrong, "appelez": cueStrong, "contacter": cueStrong, "contactez": cueStrong,
	"joindre": cueStrong, "joignez": cueStrong, "demander": cueStrong, "demandez": cueStrong,
	"bonjour": cueStrong, "cher": cueStrong, "chère": cueStrong, "merci": cueMedium,
	"llamar": cueStrong, "llame": cueStrong, "contactar": cueStrong, "contacte": cueStrong,
	"estimado": cueStrong, "estimada": cueStrong, "hola": cueStrong, "gracias": cueMedium,
	"víctima": cueMedium, "victime": cueMedium, "analista": cueMedium, "empleado": cueMedium,
	"empleada": cueMedium, "usuario": cueMedium, "usuaria": cueMedium, "employé": cueMedium,
	"employée": cueMedium, "utilisateur": cueMedium, "utilisatrice": cueMedium,
}

// cueBigrams are two words before a name, the second a preposition.
var cueBigrams = map[string]cue{
	"ask for": cueStrong, "asked for": cueStrong, "ask to": cueStrong, "speak to": cueStrong,
	"speak with": cueStrong, "spoke with": cueStrong, "spoke to": cueStrong, "talk to": cueStrong,
	"talk with": cueStrong, "care of": cueStrong, "thanks to": cueMedium, "reported by": cueMedium,
	"prepared by": cueMedium, "written by": cueMedium, "signed by": cueMedium,
	"sent by": cueMedium, "reviewed by": cueMedium, "confirmed by": cueMedium,
	"approved by": cueMedium, "escalated to": cueMedium, "forwarded to": cueMedium,
	"assigned to": cueMedium, "addressed to": cueMedium,
	"demander à": cueStrong, "parler à": cueStrong, "auprès de": cueStrong,
	"attention de": cueStrong, "part de": cueMedium, "signalé par": cueMedium,
	"rédigé par": cueMedium, "envoyé par": cueMedium, "confirmé par": cueMedium,
	"llamar a": cueStrong, "llame a": cueStrong, "contactar a": cueStrong,
	"contacte a": cueStrong, "contactar con": cueStrong, "hablar con": cueStrong,
	"hable con": cueStrong, "preguntar por": cueStrong, "pregunte por": cueStrong,
	"atención de": cueStrong, "reportado por": cueMedium, "preparado por": cueMedium,
	"enviado por": cueMedium, "confirmado por": cueMedium, "firmado por": cueMedium,
}

// labelCues are field labels followed by a colon ("Victim: ...", "From: ...").
var labelCues = map[string]bool{
	"attn": true, "contact": true, "contacto": true, "victim": true, "victime": true,
	"víctima": true, "analyst": true, "analista": true, "owner": true, "author": true,
	"auteur": true, "autor": true, "reporter": true, "employee": true, "user": true,
	"from": true, "to": true, "cc": true, "de": true, "para": true, "à": true,
	"signed": true, "signé": true, "firmado": true, "responsable": true, "name": true,
	"nom": true, "nombre": true, "suspect": true, "sospechoso": true, "poc": true,
}

// signoffs end a letter; the name follows on the next line.
var signoffs = map[string]bool{
	"regards": true, "cordialement": true, "saludos": true, "atentamente": true,
	"thanks": true, "cheers": true, "merci": true, "gracias": true, "sincerely": true,
	"best": true, "salutations": true, "cordialmente": true, "respectfully": true,
}

// titles are courtesy titles, matched with their case; the name follows.
var titles = map[string]bool{
	"Mr": true, "Mrs": true, "Ms": true, "Mx": true, "Dr": true, "Prof": true, "Sir": true,
	"Mme": true, "Mlle": true, "Monsieur": true, "Madame": true, "Mademoiselle": true,
	"Sr": true, "Sra": true, "Srta": true, "Dra": true, "Don": true, "Doña": true,
	"Señor": true, "Señora": true, "Señorita": true, "Lic": true, "Ing": true,
}

// maxTitle is the length in bytes of the longest title, to skip the lookup for longer words.
const maxTitle = len("Mademoiselle")

// particles join the parts of a surname.
var particles = map[string]bool{
	"de": true, "del": true, "la": true, "las": true, "los": true, "van": true, "von": true,
	"der": true, "den": true, "du": true, "des": true, "da": true, "di": true, "dos": true,
	"bin": true, "ibn": true, "al": true, "el": true, "le": true, "ter": true,
}

// placePrefixes before a capitalised word make it part of a place or a product name.
var placePrefixes = map[string]bool{
	"san": true, "santa": true, "santo": true, "são": true, "los": true, "las": true,
	"el": true, "new": true, "port": true, "fort": true, "saint": true, "st": true,
	"mount": true, "mt": true, "lake": true, "cape": true, "palo": true, "puerto": true,
	"rio": true, "río": true, "villa": true, "ciudad": true, "nueva": true, "nuevo": true,
	"operation": true, "opération": true, "operación": true, "project": true,
	"hurricane": true, "camp": true, "king": true, "queen": true, "prince": true,
	"princess": true, "lady": true, "lord": true, "agent": true, "team": true, "group": true,
	"bank": true, "banco": true, "hotel": true, "casa": true, "club": true, "grupo": true,
	"air": true, "radio": true, "windows": true, "microsoft": true, "google": true,
	"apple": true, "amazon": true, "cisco": true, "oracle": true, "project's": true,
}

// mayStart holds the bytes a name may start with: upper-case ASCII letters and the first
// byte of a non-ASCII rune (startsUpper decides for those). inWord holds the bytes that
// continue a word, so that a capital inside one ("iPhone", "McAfee"'s "A") starts nothing.
var mayStart, inWord = wordTables()

func wordTables() (mayStart, inWord [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		mayStart[c] = isUpper(b) || b >= 0xc0
		inWord[c] = isAlnum(b) || b >= utf8.RuneSelf || b == '\'' || b == '-' || b == '_'
	}
	return mayStart, inWord
}

// word is a word of text, text[s:e].
type word struct{ s, e int }

// persons finds the names of people in text.
func persons(text string) []span {
	var lx *lexicon
	var out []span
	cites := citations(text)
	var buf [32]byte
	for i := 0; i < len(text); {
		// Only an upper-case letter or a non-ASCII rune at the start of a word may start a
		// name: find the next one with a table, a byte at a time.
		for i < len(text) && (!mayStart[text[i]] || i > 0 && inWord[text[i-1]]) {
			i++
		}
		if i >= len(text) {
			break
		}
		w := word{i, wordEnd(text, i)}
		if w.e == w.s { // a non-letter rune
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		i = w.e
		if !startsUpper(text, w.s) || hasDigit(text[w.s:w.e]) || inRanges(cites, w.s) || !standsAlone(text, w) {
			continue // an identifier (APT28, T1566) is no name
		}
		if lx == nil {
			lx = loadLexicon()
		}
		if sp, ok := lx.personAt(text, w, buf[:0]); ok {
			out = append(out, sp)
			i = sp.end
		}
	}
	return out
}

// personAt decides whether a person's name starts at the capitalised word w.
func (lx *lexicon) personAt(text string, w word, buf []byte) (span, bool) {
	tok := text[w.s:w.e]
	// A courtesy title: the name is the capitalised words after it. "M." is the French
	// Monsieur (an initial inside a name never gets here: the name's run took it).
	if len(tok) <= maxTitle && titles[tok] || tok == "M" && w.e < len(text) && text[w.e] == '.' {
		next := w.e
		if next < len(text) && text[next] == '.' {
			next++
		}
		if n, ok := nextWord(text, next); ok && startsUpper(text, n.s) {
			if run := lx.run(text, n, true); len(run) > 0 && lx.acceptRun(text, run) {
				return span{start: n.s, end: run[len(run)-1].e, kind: KindName}, true
			}
		}
		return span{}, false
	}
	possessive := strings.HasSuffix(tok, "'s") || strings.HasSuffix(tok, "’s")
	bare := tok
	if possessive {
		bare = tok[:strings.LastIndexAny(tok, "'’")]
	}
	low := lowerBytes(buf, bare)
	first := low
	if k := bytes.IndexByte(low, '-'); k > 0 {
		first = low[:k] // Jean-Luc, Pierre-Louis
	}
	g, isGiven := lx.given[string(low)]
	if !isGiven {
		g, isGiven = lx.given[string(first)]
	}
	if isGiven && lx.notnames[string(low)] && g == givenStrong {
		g = givenWeak
	}
	allCaps := isAllCaps(tok)
	if allCaps && (g != givenStrong || len(tok) < 3) {
		return span{}, false // ALL-CAPS words are acronyms, unless a plain given name
	}
	q := cueBefore(text, w.s)
	if !isGiven && (q == cueNone || q == cueMedium && !lx.surnames[string(low)]) {
		return span{}, false // most capitalised words: no name, no cue
	}
	var pb [24]byte
	if prev, ok := prevWord(text, w.s); ok && startsUpper(text, prev.s) &&
		placePrefixes[string(lowerBytes(pb[:0], text[prev.s:prev.e]))] {
		return span{}, false
	}
	if !isGiven {
		// Any name-shaped word after a strong cue; a known surname after a medium one.
		if q == cueStrong || q == cueMedium && lx.surnames[string(low)] {
			if run := lx.run(text, w, true); len(run) > 0 && lx.acceptRun(text, run) {
				return lx.spanOf(text, run), true
			}
		}
		return span{}, false
	}
	run := lx.run(text, w, false)
	if len(run) == 0 {
		return span{}, false
	}
	if allCaps {
		for _, r := range run {
			if !isAllCaps(text[r.s:r.e]) {
				return span{}, false
			}
		}
		if len(run) < 2 {
			return span{}, false
		}
	}
	ok := false
	switch {
	case len(run) == 1:
		ok = q == cueStrong || g == givenStrong && (q == cueMedium || possessive)
	case g == givenStrong:
		ok = true
	default: // an ambiguous given name: confirmed by a surname, a given name or a cue
		ok = q != cueNone
		for _, r := range run[1:] {
			l := strings.ToLower(text[r.s:r.e])
			if lx.surnames[l] || lx.given[l] == givenStrong {
				ok = true
			}
		}
	}
	if !ok || !lx.acceptRun(text, run) {
		return span{}, false
	}
	return lx.spanOf(text, run), true
}

// spanOf returns the span of a run, without a final possessive.
func (lx *lexicon) spanOf(text string, run []word) span {
	end := run[len(run)-1].e
	if t := text[:end]; strings.HasSuffix(t, "'s") {
		end -= 2
	} else if strings.HasSuffix(t, "’s") {
		end -= len("’s")
	}
	return span{start: run[0].s, end: end, kind: KindName}
}

// maxRun bounds the words of one name.
const maxRun = 6

// run returns the words of a name starting at w: w, then capitalised words that may be
// surnames (with particles and middle initials between them), separated by spaces only.
// With surnameFirst, w itself must look like a surname. It returns nil when a word of the
// run is a known non-name.
func (lx *lexicon) run(text string, w word, surnameFirst bool) []word {
	if !nameShaped(text[w.s:w.e]) && (surnameFirst || !isAllCaps(text[w.s:w.e])) {
		return nil
	}
	if surnameFirst && lx.isNotname(text[w.s:w.e]) {
		return nil
	}
	out := []word{w}
	end := w.e
	for len(out) < maxRun {
		n, ok := nextWord(text, end)
		if !ok {
			break
		}
		tok := text[n.s:n.e]
		switch {
		case len(tok) == 1 && isUpper(tok[0]) && n.e < len(text) && text[n.e] == '.':
			// A middle initial, only when a surname follows ("Robert M. Lee").
			m, ok := nextWord(text, n.e+1)
			if !ok || !lx.surnameLike(text[m.s:m.e]) {
				return out
			}
			out = append(out, word{n.s, n.e + 1}, m)
			end = m.e
			continue
		case particles[tok]:
			// "de la Cruz", "van der Berg": particles, then a surname.
			parts := []word{n}
			m, ok := nextWord(text, n.e)
			for ok && particles[text[m.s:m.e]] && len(parts) < 3 {
				parts = append(parts, m)
				m, ok = nextWord(text, m.e)
			}
			if !ok || !lx.surnameLike(text[m.s:m.e]) {
				return out
			}
			out = append(append(out, parts...), m)
			end = m.e
			continue
		case lx.surnameLike(tok) || isAllCaps(tok) && isAllCaps(text[w.s:w.e]) && len(tok) > 1 && !lx.isNotname(tok):
			out = append(out, n)
			end = n.e
			continue
		case startsUpper(text, n.s) && lx.isNotname(tok):
			// "Jane Street Capital", "Lorenz Ransomware": an organisation or a product.
			return nil
		}
		break
	}
	if len(out) > 1 && strings.HasSuffix(text[out[0].s:out[0].e], "s") {
		// "Jane's Doe" is not a name: a possessive ends the name.
		if t := text[out[0].s:out[0].e]; strings.HasSuffix(t, "'s") || strings.HasSuffix(t, "’s") {
			return out[:1]
		}
	}
	return out
}

// acceptRun rejects runs that are known non-person phrases.
func (lx *lexicon) acceptRun(text string, run []word) bool {
	if len(run) < 2 {
		return true
	}
	// The phrase lower-cased with single spaces, built without allocating: every
	// candidate name of every string comes here.
	var buf [96]byte
	phrase := func(words []word) []byte {
		b := buf[:0]
		for k, w := range words {
			if k > 0 {
				b = append(b, ' ')
			}
			b = lowerBytes(b, text[w.s:w.e])
		}
		return b
	}
	if lx.phrases[string(phrase(run[:2]))] {
		return false
	}
	return len(run) < 3 || !lx.phrases[string(phrase(run[:3]))]
}

func (lx *lexicon) isNotname(tok string) bool {
	var buf [32]byte
	low := lowerBytes(buf[:0], tok)
	if lx.notnames[string(low)] {
		return true
	}
	if k := bytes.IndexByte(low, '-'); k > 0 && lx.notnames[string(low[:k])] && lx.given[string(low[:k])] == 0 {
		return true // Drive-by, Public-Facing
	}
	return false
}

// surnameLike reports whether tok may be part of a surname: name-shaped and not a known
// non-name.
func (lx *lexicon) surnameLike(tok string) bool {
	return nameShaped(tok) && !lx.isNotname(tok)
}

// nameShaped reports whether tok is written like a name: a capital letter, then lower-case
// letters, with capitals allowed only after a hyphen or an apostrophe or after the
// prefixes Mc, Mac, De, Di, Da, La, Le, Van, Fitz (McDonald, O'Connor, Al-Sayed,
// DiCaprio); no digits. CamelCase product names (PowerShell, CrowdStrike) are not.
func nameShaped(tok string) bool {
	if strings.HasSuffix(tok, "'s") || strings.HasSuffix(tok, "’s") {
		tok = tok[:strings.LastIndexAny(tok, "'’")]
	}
	n := 0
	var prev rune
	lowerSeen := false
	for i, r := range tok {
		switch {
		case i == 0:
			if !unicode.IsUpper(r) {
				return false
			}
		case unicode.IsUpper(r):
			if prev != '-' && prev != '\'' && prev != '’' && !namePrefix(tok[:i]) {
				return false
			}
		case unicode.IsLower(r) || unicode.Is(unicode.Mn, r):
			lowerSeen = true
		case r == '-' || r == '\'' || r == '’':
		default:
			return false
		}
		prev = r
		n++
	}
	return n >= 2 && lowerSeen
}

func namePrefix(p string) bool {
	switch p {
	case "Mc", "Mac", "De", "Di", "Da", "La", "Le", "Van", "Fitz", "O'", "D'", "O’", "D’":
		return true
	}
	return false
}

func isAllCaps(tok string) bool {
	n := 0
	for _, r := range tok {
		if r == '-' || r == '\'' || r == '’' {
			continue
		}
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// wordEnd returns the end of the word of letters starting at text[i]: letters, combining
// marks, and apostrophes or hyphens between letters. It returns i when text[i] does not
// start with a letter.
func wordEnd(text string, i int) int {
	j := i
	for j < len(text) {
		r, size := rune(text[j]), 1
		if r < utf8.RuneSelf {
			if c := byte(r); isAlpha(c) {
				j++
				continue
			}
		} else {
			r, size = utf8.DecodeRuneInString(text[j:])
		}
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			j += size
		case (r == '-' || r == '\'' || r == '’') && j > i:
			nr, _ := utf8.DecodeRuneInString(text[j+size:])
			if j+size >= len(text) || !unicode.IsLetter(nr) {
				return j
			}
			j += size
		case unicode.IsDigit(r) || r == '_':
			// Letters and digits together are an identifier (APT28, T1566, S0154):
			// report the whole run as one word, which is not name-shaped.
			j += size
		default:
			return j
		}
	}
	return j
}

func startsUpper(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	if c := text[i]; c < utf8.RuneSelf {
		return isUpper(c)
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsUpper(r)
}

// standsAlone reports whether w is a word of prose rather than part of a URL, a path, an
// address or an identifier.
func standsAlone(text string, w word) bool {
	if w.s > 0 {
		switch text[w.s-1] {
		case '/', '\\', '@', '.', '_', '=', '%', '$', '#', '&', '+', '~', '<':
			return false
		}
	}
	if w.e < len(text) {
		switch text[w.e] {
		case '/', '\\', '@', '_', '=', '%', '(', '>':
			return false
		case '.':
			if w.e+1 < len(text) && isAlnum(text[w.e+1]) {
				return false // jane.doe, Evil.Corp
			}
		}
	}
	return true
}

// nextWord returns the word that follows text[:i] after one to three spaces on the same
// line.
func nextWord(text string, i int) (word, bool) {
	j := i
	for j < len(text) && j-i < 3 && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	if j < len(text) && text[j] == 0xc2 && j+1 < len(text) && text[j+1] == 0xa0 { // NBSP
		j += 2
	}
	if j == i || j >= len(text) {
		return word{}, false
	}
	e := wordEnd(text, j)
	if e == j {
		return word{}, false
	}
	return word{j, e}, true
}

// prevWord returns the word before text[i:] when only spaces separate them.
func prevWord(text string, i int) (word, bool) {
	j := i
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j == i || j == 0 {
		return word{}, false
	}
	e := j
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if !unicode.IsLetter(r) && r != '\'' && r != '-' && r != '’' {
			break
		}
		j -= size
	}
	if j == e {
		return word{}, false
	}
	return word{j, e}, true
}

// cueBefore reports how strongly the text before a capitalised word at i announces a
// person.
func cueBefore(text string, i int) cue {
	j := i
	newline := false
	for j > 0 {
		c := text[j-1]
		if c == '\n' || c == '\r' {
			newline = true
		} else if c != ' ' && c != '\t' {
			break
		}
		j--
	}
	if j == 0 {
		return cueNone
	}
	var low [24]byte
	switch text[j-1] {
	case ':':
		if w := wordBefore(text, j-1); w.e > w.s && labelCues[string(lowerBytes(low[:0], text[w.s:w.e]))] {
			return cueStrong
		}
		return cueNone
	case ',':
		if newline {
			if w := wordBefore(text, j-1); w.e > w.s && signoffs[string(lowerBytes(low[:0], text[w.s:w.e]))] {
				return cueStrong
			}
		}
		return cueNone
	case '-':
		return cueNone
	}
	if newline {
		return cueNone
	}
	if strings.HasSuffix(text[:j], "c/o") || strings.HasSuffix(text[:j], "C/O") || strings.HasSuffix(text[:j], "a/a") {
		return cueStrong
	}
	w := wordBefore(text, j)
	if w.e == w.s || w.e != j {
		return cueNone
	}
	last := lowerBytes(low[:0], text[w.s:w.e])
	if q := cueWords[string(last)]; q != cueNone {
		return q
	}
	if p, ok := prevWord(text, w.s); ok {
		var low2 [48]byte
		b := lowerBytes(low2[:0], text[p.s:p.e])
		b = append(append(b, ' '), last...)
		if q := cueBigrams[string(b)]; q != cueNone {
			return q
		}
		// "à l'attention de", "a la atención de": the word before the preposition.
		if string(last) == "de" {
			if q := cueBigrams[strings.ToLower(text[p.s:p.e])+" de"]; q != cueNone {
				return q
			}
		}
	} else if pw := wordBefore(text, w.s); pw.e > pw.s && pw.e == w.s && string(last) == "de" {
		if q := cueBigrams[strings.ToLower(text[pw.s:pw.e])+" de"]; q != cueNone {
			return q
		}
	}
	return cueNone
}

// wordBefore returns the run of letters (and apostrophes) that ends at text[i].
func wordBefore(text string, i int) word {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if !unicode.IsLetter(r) && r != '-' {
			break
		}
		j -= size
	}
	return word{j, i}
}

// lowerBytes appends s lower-cased to dst. Map lookups with string(lowerBytes(...)) do not
// allocate, which matters: every capitalised word of every string is looked up.
func lowerBytes(dst []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c >= utf8.RuneSelf {
			return append(dst[:len(dst)-k], strings.ToLower(s)...)
		}
		if isUpper(c) {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// citations returns the ranges of "(Citation: ...)" references, which name sources, not
// people to protect.
func citations(text string) [][2]int {
	var out [][2]int
	for off := 0; ; {
		k := strings.Index(text[off:], "(Citation:")
		if k < 0 {
			return out
		}
		s := off + k
		e := strings.IndexByte(text[s:], ')')
		if e < 0 {
			return append(out, [2]int{s, len(text)})
		}
		out = append(out, [2]int{s, s + e + 1})
		off = s + e + 1
	}
}

func inRanges(rs [][2]int, i int) bool {
	for _, r := range rs {
		if r[0] <= i && i < r[1] {
			return true
		}
	}
	return false
}

func hasDigit(s string) bool {
	for k := 0; k < len(s); k++ {
		if isDigit(s[k]) || s[k] == '_' {
			return true
		}
	}
	return false
}
