package scrub

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// numbers returns the phone numbers, SSNs, SINs, card numbers and CURPs in text, in order and
// without overlaps. A number is only tried where a run of digits (or a '+' or '(') starts
// after a character that cannot be part of an identifier, so the digits inside hashes, UUIDs,
// versions, CVE ids and IP addresses are never candidates.
func numbers(text string, ex *exemptions) []span {
	var out []span
	var tokens tokenCache
	for i := 0; i < len(text); i++ {
		c := text[i]
		var sp span
		var ok bool
		switch {
		case isDigit(c) || c == '+' || c == '(':
			if !numStartOK(text, i) {
				continue
			}
			sp, ok = numberAt(text, i, ex, &tokens)
		case isUpper(c):
			if i+curpLen > len(text) || wordRuneBefore(text, i) {
				continue
			}
			sp, ok = curpAt(text, i)
		default:
			continue
		}
		if ok {
			out = append(out, sp)
			i = sp.end - 1
		}
	}
	return out
}

// numberAt tries the numeric detectors at text[i], strongest structure first.
func numberAt(text string, i int, ex *exemptions, tokens *tokenCache) (span, bool) {
	ctx := keywords{text: text, at: i}
	kind, end := KindPhone, 0
	switch text[i] {
	case '+':
		end = intlAt(text, i+1)
	case '(':
		end = nanpAt(text, i, &ctx)
	default:
		if end = cardAt(text, i); end > 0 {
			kind = KindCard
		} else if end = ssnAt(text, i, &ctx); end > 0 {
			kind = KindSSN
		} else if end = sinAt(text, i, &ctx); end > 0 {
			kind = KindSIN
		} else if end = nanpAt(text, i, &ctx); end == 0 {
			end = weakPhoneAt(text, i, &ctx)
		}
	}
	if end == 0 || tokens.indicator(text, i) || tokens.indicator(text, end-1) {
		return span{}, false
	}
	sp := span{start: i, end: end, kind: kind}
	if kind == KindPhone {
		sp.exempt = ex.phone(text[i:end])
	}
	return sp, true
}

// numStartOK reports whether a number may start at text[i]: the character before must not
// make it the tail of something else (a word, a version, a path, a URL query, an amount).
func numStartOK(text string, i int) bool {
	if i == 0 {
		return true
	}
	p := text[i-1]
	if p >= utf8.RuneSelf {
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Sc, r))
	}
	if isAlnum(p) || p == '_' {
		return false
	}
	switch p {
	case '.', '-', ',':
		// "v1.555", "CVE-2021-", "1,234": the tail of a number or a word.
		return i < 2 || !isAlnum(text[i-2])
	case ':':
		// "10:15" or an IPv6 group; "Tel:555-..." is fine.
		return i < 2 || !isDigit(text[i-2])
	case '/':
		// Two numbers written "555-123-4567/555-987-6543"; anything else is a path.
		return i >= 2 && (isDigit(text[i-2]) || text[i-2] == ')')
	case '\\', '@', '=', '#', '$', '%', '&', '+', '^', '~':
		return false
	}
	return true
}

// numEndOK reports whether a number may end at text[e] (exclusive).
func numEndOK(text string, e int) bool {
	if e >= len(text) {
		return true
	}
	c := text[e]
	if c >= utf8.RuneSelf {
		return !wordRuneAt(text, e)
	}
	if isAlnum(c) || c == '_' {
		return false
	}
	switch c {
	case '.', '-', ':', ',':
		// "4567.8", "4567-89", "4567:80", "1,234": the number goes on.
		return e+1 >= len(text) || !isAlnum(text[e+1])
	case '/':
		return e+1 >= len(text) || !isAlpha(text[e+1]) // "4567/tcp" is a port
	case '@', '\\', '=', '%', '+':
		return false
	}
	return true
}

// tokenCache remembers the last white-space delimited token classified by indicator. Numbers
// are found left to right, so each token is read once however many candidates it holds.
type tokenCache struct {
	start, end  int
	isIndicator bool
	valid       bool
}

// indicator reports whether text[i] lies in a URL, a file or registry path or a defanged
// indicator, as told by the white-space delimited token around it.
func (c *tokenCache) indicator(text string, i int) bool {
	if c.valid && c.start <= i && i < c.end {
		return c.isIndicator
	}
	start, end := i, i
	for start > 0 && text[start-1] > ' ' {
		start--
	}
	for end < len(text) && text[end] > ' ' {
		end++
	}
	*c = tokenCache{start: start, end: end, isIndicator: indicatorToken(text[start:end]), valid: true}
	return c.isIndicator
}

// indicatorToken reports whether a white-space delimited token is a URL, a path or a
// (defanged) domain with a path.
func indicatorToken(tok string) bool {
	t := strings.TrimLeft(tok, "(\"'<[{")
	if strings.HasPrefix(t, "/") || strings.ContainsAny(t, "\\") {
		return true
	}
	for _, s := range [...]string{"://", "[:]//", "[://]", "[.]", "(.)", "{.}", "[dot]", "www.", "hxxp", "HXXP"} {
		if strings.Contains(t, s) {
			return true
		}
	}
	// host.tld/path without a scheme.
	if slash := strings.IndexByte(t, '/'); slash > 0 {
		host := t[:slash]
		if dot := strings.LastIndexByte(host, '.'); dot >= 0 && dot+1 < len(host) && isAlpha(host[dot+1]) {
			return true
		}
	}
	return false
}

// digitRun returns the end of the run of digits starting at text[i].
func digitRun(text string, i int) int {
	for i < len(text) && isDigit(text[i]) {
		i++
	}
	return i
}

// groupsAt matches digit groups of exactly the given sizes at text[i], separated by sep (or
// adjacent when sep is 0), and returns the end of the match or 0.
func groupsAt(text string, i int, sep byte, sizes ...int) int {
	j := i
	for k, n := range sizes {
		if k > 0 && sep != 0 {
			if j >= len(text) || text[j] != sep {
				return 0
			}
			j++
		}
		if digitRun(text, j)-j < n || (sep != 0 || k == len(sizes)-1) && digitRun(text, j)-j != n {
			return 0
		}
		j += n
	}
	return j
}

// digitsOf returns the digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// luhn reports whether the digits pass the Luhn (mod 10) checksum.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// Payment cards.

// iinRange is a range of issuer identification number prefixes (lo and hi of equal length)
// and the card lengths issued in it, as a bit set.
type iinRange struct {
	lo, hi string
	lens   uint32
}

func lengths(ns ...int) uint32 {
	var b uint32
	for _, n := range ns {
		b |= 1 << n
	}
	return b
}

func lengthsFrom(lo, hi int) uint32 {
	var b uint32
	for n := lo; n <= hi; n++ {
		b |= 1 << n
	}
	return b
}

// iins are the prefixes of the major card schemes. A Luhn-valid run of digits outside them (a
// Twitter id, a Windows FILETIME, a millisecond timestamp) is not a card.
var iins = []iinRange{
	{"4", "4", lengths(13, 16, 19)},       // Visa
	{"51", "55", lengths(16)},             // Mastercard
	{"2221", "2720", lengths(16)},         // Mastercard 2-series
	{"34", "34", lengths(15)},             // American Express
	{"37", "37", lengths(15)},             // American Express
	{"300", "305", lengthsFrom(14, 19)},   // Diners Club
	{"3095", "3095", lengthsFrom(14, 19)}, // Diners Club
	{"36", "36", lengthsFrom(14, 19)},     // Diners Club
	{"38", "39", lengthsFrom(14, 19)},     // Diners Club
	{"3528", "3589", lengthsFrom(16, 19)}, // JCB
	{"6011", "6011", lengthsFrom(16, 19)}, // Discover
	{"644", "649", lengthsFrom(16, 19)},   // Discover
	{"65", "65", lengthsFrom(16, 19)},     // Discover, RuPay, Verve
	{"62", "62", lengthsFrom(16, 19)},     // UnionPay
	{"60", "60", lengths(16)},             // RuPay
	{"508", "509", lengths(16)},           // RuPay, Elo
	{"5018", "5018", lengthsFrom(13, 19)}, // Maestro
	{"5020", "5020", lengthsFrom(13, 19)}, // Maestro
	{"5038", "5038", lengthsFrom(13, 19)}, // Maestro
	{"5066", "5067", lengthsFrom(16, 19)}, // Elo, Verve
	{"5893", "5893", lengthsFrom(13, 19)}, // Maestro
	{"6304", "6304", lengthsFrom(13, 19)}, // Maestro
	{"6759", "6759", lengthsFrom(13, 19)}, // Maestro UK
	{"6761", "6763", lengthsFrom(13, 19)}, // Maestro
	{"2200", "2204", lengthsFrom(16, 19)}, // Mir
	{"9792", "9792", lengths(16)},         // Troy
}

// validCard reports whether the digits are a card number: a known scheme prefix with one of
// its lengths, and a valid Luhn checksum.
func validCard(d string) bool {
	for _, r := range iins {
		if len(d) < len(r.lo) || r.lens&(1<<len(d)) == 0 {
			continue
		}
		if p := d[:len(r.lo)]; r.lo <= p && p <= r.hi {
			return luhn(d)
		}
	}
	return false
}

// cardAt matches a card number at text[i]: 13 to 19 digits in one run, or groups separated by
// single spaces or dashes (the same throughout) whose first group has four digits (4-4-4-4,
// 4-6-5 for American Express, 4-4-4-4-3). A group that makes the number too long is left out,
// so "4111 1111 1111 1111 2026" is a card followed by a year.
func cardAt(text string, i int) int {
	j := digitRun(text, i)
	if n := j - i; n >= 13 {
		if n <= 19 && numEndOK(text, j) && validCard(text[i:j]) {
			return j
		}
		return 0
	}
	if j-i != 4 || j+1 >= len(text) || text[j] != ' ' && text[j] != '-' {
		return 0
	}
	sep := text[j]
	type group struct{ end, total, size int }
	var gs [6]group
	var digits [19]byte
	copy(digits[:], text[i:j])
	gs[0] = group{j, 4, 4}
	ng := 1
	for pos := j; ng < len(gs) && pos+1 < len(text) && text[pos] == sep && isDigit(text[pos+1]); ng++ {
		e := digitRun(text, pos+1)
		size := e - pos - 1
		total := gs[ng-1].total + size
		if size > 7 || total > 19 {
			break
		}
		copy(digits[gs[ng-1].total:], text[pos+1:e])
		gs[ng] = group{e, total, size}
		pos = e
	}
	for k := ng - 1; k >= 1; k-- {
		if gs[k].total < 13 {
			break
		}
		inner := true
		for m := 1; m < k; m++ {
			inner = inner && gs[m].size >= 3
		}
		if inner && numEndOK(text, gs[k].end) && validCard(string(digits[:gs[k].total])) {
			return gs[k].end
		}
	}
	return 0
}

// US social security numbers.

// ssnAt matches AAA-GG-SSSS at text[i]; with "SSN" or "social security" shortly before, also
// AAA GG SSSS and nine digits in a row.
func ssnAt(text string, i int, ctx *keywords) int {
	end := groupsAt(text, i, '-', 3, 2, 4)
	if end == 0 {
		if end = groupsAt(text, i, ' ', 3, 2, 4); end == 0 {
			end = groupsAt(text, i, 0, 9)
		}
		if end == 0 || !ctx.ssn() || text[i+3] == ' ' && inNumberList(text, i, end) {
			return 0
		}
	}
	if !numEndOK(text, end) || !validSSN(digitsOf(text[i:end])) {
		return 0
	}
	return end
}

// validSSN applies the SSA's rules: area 000, 666 and 900-999, group 00 and serial 0000 are
// never issued, and two numbers printed on sample cards are void.
func validSSN(d string) bool {
	area, group, serial := d[:3], d[3:5], d[5:]
	switch {
	case area == "000" || area == "666" || area[0] == '9':
		return false
	case group == "00" || serial == "0000":
		return false
	case d == "078051120" || d == "219099999":
		return false
	}
	return true
}

// Canadian social insurance numbers.

// sinAt matches nine digits grouped 3-3-3 by spaces or dashes, with a valid Luhn checksum and
// a first digit other than 8 (business numbers); with "SIN" or "social insurance" shortly
// before, also nine digits in a row. A number followed by a unit ("123 456 789 bytes") is a
// quantity.
func sinAt(text string, i int, ctx *keywords) int {
	end := groupsAt(text, i, '-', 3, 3, 3)
	if end == 0 {
		end = groupsAt(text, i, ' ', 3, 3, 3)
	}
	if end == 0 {
		if end = groupsAt(text, i, 0, 9); end == 0 || !ctx.sin() {
			return 0
		}
	}
	d := digitsOf(text[i:end])
	if d[0] == '8' || !luhn(d) || !numEndOK(text, end) || unitAfter(text, end) {
		return 0
	}
	if text[i+3] == ' ' && (inNumberList(text, i, end) || listWordBefore(text, i)) {
		return 0
	}
	return end
}

// inNumberList reports whether the space-separated number text[start:end] is part of a longer
// list of numbers ("80 135 445 443 3389"), where its grouping means nothing.
func inNumberList(text string, start, end int) bool {
	return start >= 2 && text[start-1] == ' ' && isDigit(text[start-2]) ||
		end+1 < len(text) && text[end] == ' ' && isDigit(text[end+1])
}

// listWordBefore reports whether the word just before text[start] names things that come in
// space-separated lists of numbers ("ports 135 445 443").
func listWordBefore(text string, start int) bool {
	j := start
	for j > 0 && (text[j-1] == ' ' || text[j-1] == ':') {
		j--
	}
	k := j
	for k > 0 && isAlpha(text[k-1]) {
		k--
	}
	return k < j && listWords[strings.ToLower(text[k:j])]
}

var listWords = map[string]bool{
	"port": true, "ports": true, "pid": true, "pids": true, "id": true, "ids": true,
	"event": true, "events": true, "error": true, "errors": true, "code": true, "codes": true,
	"sid": true, "sids": true, "rule": true, "rules": true, "build": true, "builds": true,
	"version": true, "versions": true, "step": true, "steps": true, "values": true,
}

// unitAfter reports whether the word after text[end] is a unit or a counted thing, which makes
// the number before it a quantity.
func unitAfter(text string, end int) bool {
	j := end
	for j < len(text) && text[j] == ' ' {
		j++
	}
	k := j
	for k < len(text) && isAlpha(text[k]) {
		k++
	}
	return k > j && units[strings.ToLower(text[j:k])]
}

var units = map[string]bool{
	"b": true, "byte": true, "bytes": true, "kb": true, "mb": true, "gb": true, "tb": true,
	"kib": true, "mib": true, "gib": true, "octets": true, "bits": true, "records": true,
	"rows": true, "entries": true, "users": true, "accounts": true, "files": true, "hosts": true,
	"devices": true, "events": true, "packets": true, "requests": true, "times": true,
	"ms": true, "seconds": true, "usd": true, "eur": true, "cad": true, "dollars": true,
	"euros": true, "btc": true, "sats": true,
}

// Mexican CURP.

const curpLen = 18

// curpStates are the two-letter codes of Mexican states (and NE, born abroad) in a CURP.
var curpStates = map[string]bool{
	"AS": true, "BC": true, "BS": true, "CC": true, "CL": true, "CM": true, "CS": true,
	"CH": true, "DF": true, "DG": true, "GT": true, "GR": true, "HG": true, "JC": true,
	"MC": true, "MN": true, "MS": true, "NT": true, "NL": true, "OC": true, "PL": true,
	"QT": true, "QR": true, "SP": true, "SL": true, "SR": true, "TC": true, "TS": true,
	"TL": true, "VZ": true, "YN": true, "ZS": true, "NE": true,
}

// curpAt matches a CURP at text[i]: four letters (the second a vowel or X), a birth date
// YYMMDD, sex H, M or X, a state code, three consonants, a homonym character and the check
// digit RENAPO computes over the first seventeen.
func curpAt(text string, i int) (span, bool) {
	c := text[i : i+curpLen]
	for k := 0; k < 4; k++ {
		if !isUpper(c[k]) {
			return span{}, false
		}
	}
	if !strings.ContainsRune("AEIOUX", rune(c[1])) {
		return span{}, false
	}
	for k := 4; k < 10; k++ {
		if !isDigit(c[k]) {
			return span{}, false
		}
	}
	month := int(c[6]-'0')*10 + int(c[7]-'0')
	day := int(c[8]-'0')*10 + int(c[9]-'0')
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return span{}, false
	}
	if c[10] != 'H' && c[10] != 'M' && c[10] != 'X' || !curpStates[c[11:13]] {
		return span{}, false
	}
	for k := 13; k < 16; k++ {
		if !isUpper(c[k]) || strings.ContainsRune("AEIOU", rune(c[k])) {
			return span{}, false
		}
	}
	if !isUpper(c[16]) && !isDigit(c[16]) || !isDigit(c[17]) || wordRuneAt(text, i+curpLen) {
		return span{}, false
	}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += curpValue(c[k]) * (18 - k)
	}
	if (10-sum%10)%10 != int(c[17]-'0') {
		return span{}, false
	}
	return span{start: i, end: i + curpLen, kind: KindCURP}, true
}

// curpValue is a character's value in the CURP checksum: digits 0-9, then A=10 through N=23,
// Ñ=24 (written X in CURPs, so never seen) and O=25 through Z=36.
func curpValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c <= 'N':
		return int(c-'A') + 10
	default:
		return int(c-'A') + 11
	}
}
