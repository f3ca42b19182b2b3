package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// tokenKind classifies a token. The set follows the lexer rules of the STIX 2.1 ANTLR
// grammar (STIXPattern.g4), including tokens the parser never accepts (LAST, '^', '/'),
// so that they are reported as misplaced rather than as unknown characters.
type tokenKind uint8

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tInt
	tFloat
	tHex
	tBinary
	tTimestamp
	tBool

	// keywords
	tAnd
	tOr
	tNot
	tFollowedBy
	tLike
	tMatches
	tIsSuperset
	tIsSubset
	tExists
	tLast
	tIn
	tStart
	tStop
	tSeconds
	tWithin
	tRepeats
	tTimes

	// punctuation
	tEq
	tNeq
	tLt
	tLe
	tGt
	tGe
	tColon
	tDot
	tComma
	tLParen
	tRParen
	tLBrack
	tRBrack
	tPlus
	tMinus
	tPower
	tDivide
	tAsterisk
)

// keywords maps the reserved words to their kinds. They are case-sensitive, as in the
// grammar: "and" is an identifier.
var keywords = map[string]tokenKind{
	"AND": tAnd, "OR": tOr, "NOT": tNot, "FOLLOWEDBY": tFollowedBy, "LIKE": tLike,
	"MATCHES": tMatches, "ISSUPERSET": tIsSuperset, "ISSUBSET": tIsSubset, "EXISTS": tExists,
	"LAST": tLast, "IN": tIn, "START": tStart, "STOP": tStop, "SECONDS": tSeconds,
	"WITHIN": tWithin, "REPEATS": tRepeats, "TIMES": tTimes, "true": tBool, "false": tBool,
}

// token is one lexeme. pos and end are byte offsets into the pattern; text is the source
// between them. Literal tokens carry their decoded value.
type token struct {
	kind     tokenKind
	pos, end int
	text     string
	hyphen   bool      // tIdent: contains '-', so it can only be an object type
	str      string    // tString: the value with escapes resolved
	bytes    []byte    // tHex, tBinary: the decoded bytes
	time     time.Time // tTimestamp: the instant
}

// describe renders a token for an error message.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of pattern"
	}
	s := t.text
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return quoteForMessage(s)
}

// quoteForMessage quotes s with double quotes; unlike strconv.Quote it keeps backslashes
// as they are, so that a message shows the pattern text the user wrote.
func quoteForMessage(s string) string {
	return `"` + strings.ToValidUTF8(s, "\uFFFD") + `"`
}

// lexer produces tokens on demand, so that the first error reported is the first one in
// the input whether it is lexical or grammatical.
type lexer struct {
	src string
	pos int
}

// next returns the next token, or a *SyntaxError for input that forms no token.
func (l *lexer) next() (token, *SyntaxError) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	s, start := l.src, l.pos
	if start >= len(s) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := s[start]
	switch {
	case isIdentStart(c):
		i := start + 1
		hyphen := false
		for i < len(s) && (isIdentPart(s[i]) || s[i] == '-') {
			hyphen = hyphen || s[i] == '-'
			i++
		}
		word := s[start:i]
		if i < len(s) && s[i] == '\'' && len(word) == 1 {
			switch word {
			case "h":
				return l.hexLiteral(start)
			case "b":
				return l.binaryLiteral(start)
			case "t":
				return l.timestampLiteral(start)
			}
		}
		l.pos = i
		if k, ok := keywords[word]; ok {
			return token{kind: k, pos: start, end: i, text: word}, nil
		}
		return token{kind: tIdent, pos: start, end: i, text: word, hyphen: hyphen}, nil
	case c == '\'':
		return l.stringLiteral()
	case isDigit(c), c == '.' && start+1 < len(s) && isDigit(s[start+1]):
		return l.number(start, start)
	case (c == '+' || c == '-') && start+1 < len(s) &&
		(isDigit(s[start+1]) || s[start+1] == '.' && start+2 < len(s) && isDigit(s[start+2])):
		return l.number(start, start+1)
	}
	kind, n := tEOF, 1
	switch c {
	case '=':
		kind = tEq
		if strings.HasPrefix(s[start:], "==") {
			n = 2
		}
	case '!':
		if strings.HasPrefix(s[start:], "!=") {
			kind, n = tNeq, 2
		}
	case '<':
		switch {
		case strings.HasPrefix(s[start:], "<="):
			kind, n = tLe, 2
		case strings.HasPrefix(s[start:], "<>"):
			kind, n = tNeq, 2
		default:
			kind = tLt
		}
	case '>':
		kind = tGt
		if strings.HasPrefix(s[start:], ">=") {
			kind, n = tGe, 2
		}
	case ':':
		kind = tColon
	case '.':
		kind = tDot
	case ',':
		kind = tComma
	case '(':
		kind = tLParen
	case ')':
		kind = tRParen
	case '[':
		kind = tLBrack
	case ']':
		kind = tRBrack
	case '+':
		kind = tPlus
	case '-':
		kind = tMinus
	case '^':
		kind = tPower
	case '/':
		kind = tDivide
	case '*':
		kind = tAsterisk
	}
	if kind == tEOF {
		r, _ := utf8.DecodeRuneInString(s[start:])
		return token{}, errAt(s, start, "unexpected character %s", quoteForMessage(string(r)))
	}
	l.pos = start + n
	return token{kind: kind, pos: start, end: start + n, text: s[start : start+n]}, nil
}

// skipSpace skips white space and comments (/* ... */ and // to the end of the line), as
// the grammar's WS, COMMENT and LINE_COMMENT rules do.
func (l *lexer) skipSpace() *SyntaxError {
	s := l.src
	for l.pos < len(s) {
		c := s[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			l.pos++
		case c == '/' && strings.HasPrefix(s[l.pos:], "/*"):
			end := strings.Index(s[l.pos+2:], "*/")
			if end < 0 {
				return errAt(s, l.pos, "unterminated comment")
			}
			l.pos += 2 + end + 2
		case c == '/' && strings.HasPrefix(s[l.pos:], "//"):
			end := strings.IndexAny(s[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(s)
			} else {
				l.pos += end
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[l.pos:])
			if !isUnicodeSpace(r) {
				return nil
			}
			l.pos += n
		default:
			return nil
		}
	}
	return nil
}

// isUnicodeSpace reports the non-ASCII white space the grammar's WS rule skips.
func isUnicodeSpace(r rune) bool {
	switch r {
	case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// stringLiteral lexes 'text' in which only \' and \\ are escapes.
func (l *lexer) stringLiteral() (token, *SyntaxError) {
	s, start := l.src, l.pos
	var b strings.Builder
	i := start + 1
	plain := i // start of the run not yet copied to b
	for {
		if i >= len(s) {
			return token{}, errAt(s, start, "unterminated string literal")
		}
		switch s[i] {
		case '\'':
			var v string
			if b.Len() == 0 {
				v = s[plain:i]
			} else {
				b.WriteString(s[plain:i])
				v = b.String()
			}
			l.pos = i + 1
			return token{kind: tString, pos: start, end: i + 1, text: s[start : i+1], str: v}, nil
		case '\\':
			if i+1 >= len(s) || s[i+1] != '\'' && s[i+1] != '\\' {
				esc := `\`
				if i+1 < len(s) {
					r, _ := utf8.DecodeRuneInString(s[i+1:])
					esc += string(r)
				}
				return token{}, errAt(s, i, `invalid escape %s in string literal (only \' and \\ are escapes; write a backslash as \\)`, quoteForMessage(esc))
			}
			b.WriteString(s[plain:i])
			b.WriteByte(s[i+1])
			i += 2
			plain = i
		default:
			i++
		}
	}
}

// quoted returns the text between the quotes of a prefixed literal (h'..', b'..', t'..')
// starting at start, or an error if the closing quote is missing.
func (l *lexer) quoted(start int, what string) (string, int, *SyntaxError) {
	s := l.src
	end := strings.IndexByte(s[start+2:], '\'')
	if end < 0 {
		return "", 0, errAt(s, start, "unterminated %s literal", what)
	}
	end += start + 2
	return s[start+2 : end], end + 1, nil
}

func (l *lexer) hexLiteral(start int) (token, *SyntaxError) {
	body, end, err := l.quoted(start, "hex")
	if err != nil {
		return token{}, err
	}
	b, derr := hex.DecodeString(body)
	if derr != nil {
		return token{}, errAt(l.src, start, "invalid hex literal %s: want an even number of hexadecimal digits", quoteForMessage(l.src[start:end]))
	}
	l.pos = end
	return token{kind: tHex, pos: start, end: end, text: l.src[start:end], bytes: b}, nil
}

func (l *lexer) binaryLiteral(start int) (token, *SyntaxError) {
	body, end, err := l.quoted(start, "binary")
	if err != nil {
		return token{}, err
	}
	// The grammar requires at least one group of four base64 characters, padding only at
	// the end; StdEncoding checks the rest.
	b, derr := base64.StdEncoding.DecodeString(body)
	if body == "" || derr != nil || strings.ContainsAny(body, "\r\n") {
		return token{}, errAt(l.src, start, "invalid binary literal %s: want non-empty padded base64", quoteForMessage(l.src[start:end]))
	}
	l.pos = end
	return token{kind: tBinary, pos: start, end: end, text: l.src[start:end], bytes: b}, nil
}

func (l *lexer) timestampLiteral(start int) (token, *SyntaxError) {
	body, end, err := l.quoted(start, "timestamp")
	if err != nil {
		return token{}, err
	}
	t, reason := parseTimestamp(body)
	if reason != "" {
		return token{}, errAt(l.src, start, "invalid timestamp literal %s: %s", quoteForMessage(l.src[start:end]), reason)
	}
	l.pos = end
	return token{kind: tTimestamp, pos: start, end: end, text: l.src[start:end], time: t}, nil
}

// parseTimestamp parses the body of a timestamp literal: YYYY-MM-DDTHH:MM:SS[.s+]Z in UTC,
// a real calendar date. Leap seconds, which the grammar admits, are refused because
// time.Time cannot represent them.
func parseTimestamp(s string) (time.Time, string) {
	const want = "want YYYY-MM-DDTHH:MM:SS[.fraction]Z"
	if len(s) < 20 || s[len(s)-1] != 'Z' {
		return time.Time{}, want
	}
	for i := 0; i < 19; i++ {
		ok := isDigit(s[i])
		switch i {
		case 4, 7:
			ok = s[i] == '-'
		case 10:
			ok = s[i] == 'T'
		case 13, 16:
			ok = s[i] == ':'
		}
		if !ok {
			return time.Time{}, want
		}
	}
	if len(s) > 20 {
		if s[19] != '.' || len(s) == 21 {
			return time.Time{}, want
		}
		for i := 20; i < len(s)-1; i++ {
			if !isDigit(s[i]) {
				return time.Time{}, want
			}
		}
	}
	if s[17:19] == "60" {
		return time.Time{}, "leap seconds are not supported"
	}
	// time.Parse reads any number of fraction digits and checks the calendar.
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "not a valid date and time"
	}
	return t.UTC(), ""
}

// number lexes an integer or a float. digits is where the digits (or the '.') start,
// after an optional sign.
func (l *lexer) number(start, digits int) (token, *SyntaxError) {
	s := l.src
	i := digits
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	kind := tInt
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		kind = tFloat
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if kind == tInt && intEnd-digits > 1 && s[digits] == '0' {
		return token{}, errAt(s, start, "invalid number %s: integers have no leading zeros", quoteForMessage(s[start:intEnd]))
	}
	l.pos = i
	return token{kind: kind, pos: start, end: i, text: s[start:i]}, nil
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
