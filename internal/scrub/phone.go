package scrub

import (
	"strings"
	"unicode"
)

// Phone numbers come in three strengths. An international number with a '+' and a North
// American number with its punctuation ((555) 123-4567, 555-123-4567, 555.123.4567) are taken
// anywhere a number may stand. Weaker shapes that threat intelligence is full of (ten digits in
// a row, groups separated by spaces only, a national number with a trunk 0, an international
// number with 00) are only taken after a phone keyword on the same line.

func isPhoneSep(c byte) bool { return c == ' ' || c == '-' || c == '.' }

func digits3(s string) bool { return len(s) == 3 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) }

// phoneEndOK is numEndOK, but also allows an extension written right after the number
// (555-123-4567x89).
func phoneEndOK(text string, e int) bool {
	return numEndOK(text, e) || e+1 < len(text) && text[e] == 'x' && isDigit(text[e+1])
}

// nanpAt matches a North American number at text[i]: an optional leading "1" and separator,
// an area code (in parentheses or followed by a separator), the exchange and the line, with the
// same separator twice unless the area code is in parentheses. Area codes start with 2-9 and
// are not N11 service codes. Exchange codes also start with 2-9 in the plan, but the brief's own
// examples (and many a document) write 555-123-4567, so punctuation is taken as evidence
// enough; numbers separated by spaces alone need a valid exchange and a leading 1 or a phone
// keyword.
func nanpAt(text string, i int, ctx *keywords) int {
	j := i
	prefix := false
	if text[j] == '1' && j+2 < len(text) && isPhoneSep(text[j+1]) && (isDigit(text[j+2]) || text[j+2] == '(') {
		j += 2
		prefix = true
	}
	var area string
	var sep1 byte
	paren := text[j] == '('
	if paren {
		if j+5 > len(text) || !digits3(text[j+1:j+4]) || text[j+4] != ')' {
			return 0
		}
		area = text[j+1 : j+4]
		j += 5
		if j < len(text) && isPhoneSep(text[j]) {
			j++
		}
	} else {
		if j+4 > len(text) || !digits3(text[j:j+3]) || !isPhoneSep(text[j+3]) {
			return 0
		}
		area, sep1 = text[j:j+3], text[j+3]
		j += 4
	}
	if j+8 > len(text) || !digits3(text[j:j+3]) {
		return 0
	}
	exchange := text[j : j+3]
	sep2 := text[j+3]
	if paren && !isPhoneSep(sep2) || !paren && sep2 != sep1 {
		return 0
	}
	j += 4
	if digitRun(text, j)-j != 4 {
		return 0
	}
	j += 4
	spaced := !paren && sep1 == ' '
	if area[0] < '2' || area[1] == '1' && area[2] == '1' || spaced && exchange[0] < '2' {
		return 0
	}
	if !phoneEndOK(text, j) {
		return 0
	}
	if spaced && !prefix && (!ctx.phone() || inNumberList(text, i, j)) {
		return 0
	}
	return j
}

// intlAt matches an international number whose country code starts at text[j] (after the
// '+' or "00"): digit groups separated by single spaces, dashes or dots, optionally an area
// code in parentheses and a "(0)" trunk prefix. Where the number ends is decided by the
// national number lengths of its country when they are known, so that "+44 20 7946 0958 24
// hours" stops before "24"; otherwise it is the longest run of groups within E.164's 15
// digits. Fewer than 8 digits is not a phone number.
func intlAt(text string, j int) int {
	if j >= len(text) || text[j] < '1' || text[j] > '9' {
		return 0
	}
	type end struct{ pos, n int }
	var ends [16]end
	var digits [24]byte
	ne, n := 0, 0
	add := func(from, to int) bool {
		if n+to-from > len(digits) {
			return false
		}
		n += copy(digits[n:], text[from:to])
		return true
	}
	k := digitRun(text, j)
	if !add(j, k) {
		return 0
	}
	compact := true // one run of digits: E.164 numbers written so have ten digits or more
	ends[0] = end{k, n}
	ne = 1
	for pos := k; ne < len(ends); {
		p := pos
		if p < len(text) && isPhoneSep(text[p]) {
			p++
		}
		if p < len(text) && text[p] == '(' {
			q := digitRun(text, p+1)
			if q == p+1 || q-p-1 > 4 || q >= len(text) || text[q] != ')' {
				break
			}
			innerFrom, innerTo := p+1, q
			p = q + 1
			if p < len(text) && isPhoneSep(text[p]) {
				p++
			}
			if p >= len(text) || !isDigit(text[p]) {
				break
			}
			if text[innerFrom:innerTo] != "0" && !add(innerFrom, innerTo) {
				break
			}
		} else if p == pos || p >= len(text) || !isDigit(text[p]) {
			break
		}
		r := digitRun(text, p)
		if !add(p, r) {
			break
		}
		compact = false
		ends[ne] = end{r, n}
		ne++
		pos = r
	}
	if compact && n < 10 {
		return 0 // "+25000000 bots" is a number, not a phone
	}
	d := string(digits[:n])
	cc := countryCodeLen(d)
	if lens, ok := nationalLengths[d[:cc]]; ok {
		for _, e := range ends[:ne] {
			if nat := e.n - cc; nat >= 0 && nat < 32 && lens&(1<<nat) != 0 && phoneEndOK(text, e.pos) {
				return e.pos
			}
		}
	}
	for k := ne - 1; k >= 0; k-- {
		if e := ends[k]; e.n >= 8 && e.n <= 15 && phoneEndOK(text, e.pos) {
			return e.pos
		}
	}
	return 0
}

// countryCodeLen returns the length of the E.164 country code the digits start with. Codes
// are prefix-free: 1 and 7 have one digit, the two-digit codes are listed, the rest have three.
func countryCodeLen(d string) int {
	if d[0] == '1' || d[0] == '7' {
		return 1
	}
	if len(d) >= 2 && twoDigitCodes[d[:2]] {
		return 2
	}
	return min(3, len(d))
}

var twoDigitCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true,
	"36": true, "39": true, "40": true, "41": true, "43": true, "44": true, "45": true,
	"46": true, "47": true, "48": true, "49": true, "51": true, "52": true, "53": true,
	"54": true, "55": true, "56": true, "57": true, "58": true, "60": true, "61": true,
	"62": true, "63": true, "64": true, "65": true, "66": true, "81": true, "82": true,
	"84": true, "86": true, "90": true, "91": true, "92": true, "93": true, "94": true,
	"95": true, "98": true,
}

// nationalLengths are the lengths of national significant numbers (without the trunk 0) of
// countries whose numbers have few fixed lengths, as bit sets. Countries with variable lengths
// (Germany, Austria, Italy) are left out and use the generic rule.
var nationalLengths = map[string]uint32{
	"1": lengths(10), "7": lengths(10), "20": lengths(9, 10), "27": lengths(9), "30": lengths(10),
	"31": lengths(9), "32": lengths(8, 9), "33": lengths(9), "34": lengths(9), "36": lengths(8, 9),
	"40": lengths(9), "41": lengths(9), "44": lengths(9, 10), "45": lengths(8), "47": lengths(8),
	"48": lengths(9), "52": lengths(10, 11), "54": lengths(10, 11), "55": lengths(10, 11),
	"56": lengths(9), "57": lengths(10), "61": lengths(9), "63": lengths(10), "64": lengths(8, 9, 10),
	"65": lengths(8), "66": lengths(8, 9), "81": lengths(9, 10), "82": lengths(9, 10),
	"84": lengths(9, 10), "86": lengths(10, 11), "90": lengths(10), "91": lengths(10),
	"92": lengths(10), "98": lengths(10), "234": lengths(8, 10), "351": lengths(9),
	"353": lengths(7, 8, 9), "380": lengths(9), "966": lengths(9), "971": lengths(8, 9),
	"972": lengths(8, 9),
}

// weakPhoneAt matches, after a phone keyword only: ten digits in a row (or eleven starting
// with 1) in the North American plan, a seven-digit local number (555-0123), an international
// number written with 00, and a
// national number with a trunk 0 of 9 to 11 digits in groups of two or more
// (020 7946 0958, 01 23 45 67 89, 030 1234567).
func weakPhoneAt(text string, i int, ctx *keywords) int {
	run := digitRun(text, i)
	n := run - i
	switch {
	case n == 10 && text[i] >= '2' && text[i+3] >= '2',
		n == 11 && text[i] == '1' && text[i+1] >= '2' && text[i+4] >= '2':
		if phoneEndOK(text, run) && ctx.phone() {
			return run
		}
		return 0
	case n == 3 && text[i] >= '2':
		end := groupsAt(text, i, '-', 3, 4)
		if end == 0 {
			end = groupsAt(text, i, '.', 3, 4)
		}
		if end == 0 || !phoneEndOK(text, end) || !ctx.phone() {
			return 0
		}
		return end
	case text[i] != '0' || n < 2:
		return 0
	case text[i+1] == '0':
		if !ctx.phone() {
			return 0
		}
		return intlAt(text, i+2)
	}
	best, total := 0, 0
	for pos, groups := i, 0; groups < 6; groups++ {
		r := digitRun(text, pos)
		if r-pos < 2 {
			break
		}
		total += r - pos
		if total > 11 {
			break
		}
		if total >= 9 && phoneEndOK(text, r) {
			best = r
		}
		if r+1 >= len(text) || !isPhoneSep(text[r]) && text[r] != '/' || !isDigit(text[r+1]) {
			break
		}
		pos = r + 1
	}
	if best == 0 || !ctx.phone() {
		return 0
	}
	return best
}

// keywords answers, once per candidate and only when asked, whether a keyword comes shortly
// before text[at] on the same line.
type keywords struct {
	text  string
	at    int
	words []string // lower-cased words before at, nearest last; nil until first needed
	done  bool
}

// keywordWindow is how far back (in bytes) a keyword is looked for.
const keywordWindow = 48

func (k *keywords) load() {
	if k.done {
		return
	}
	k.done = true
	from := max(0, k.at-keywordWindow)
	window := k.text[from:k.at]
	if nl := strings.LastIndexByte(window, '\n'); nl >= 0 {
		window = window[nl+1:]
	} else {
		for stop := max(0, from-16); from > stop && wordRuneBefore(k.text, from); from-- {
			// do not cut the first word (a keyword is short; a longer one is cut anyway)
		}
		window = k.text[from:k.at]
	}
	k.words = strings.FieldsFunc(strings.ToLower(window), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
}

func (k *keywords) any(set map[string]bool, phrases ...string) bool {
	k.load()
	for _, w := range k.words {
		if set[w] {
			return true
		}
	}
	if len(phrases) > 0 {
		joined := strings.Join(k.words, " ")
		for _, p := range phrases {
			if strings.Contains(joined, p) {
				return true
			}
		}
	}
	return false
}

func (k *keywords) phone() bool { return k.any(phoneWords) }
func (k *keywords) ssn() bool   { return k.any(ssnWords, "social security") }
func (k *keywords) sin() bool {
	return k.any(sinWords, "social insurance", "assurance sociale")
}

var phoneWords = map[string]bool{
	"phone": true, "phones": true, "telephone": true, "tel": true, "tél": true, "telefon": true,
	"telefono": true, "teléfono": true, "téléphone": true, "mobile": true, "mob": true,
	"cell": true, "cellphone": true, "call": true, "calls": true, "called": true,
	"calling": true, "caller": true, "callback": true, "fax": true, "whatsapp": true,
	"signal": true, "sms": true, "hotline": true, "dial": true, "dialed": true, "dialled": true,
	"contact": true, "ph": true, "móvil": true, "movil": true, "celular": true, "tlf": true,
}

var ssnWords = map[string]bool{"ssn": true, "ssns": true}

var sinWords = map[string]bool{"sin": true, "sins": true, "nas": true}
