package pattern

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// likeToRegexp translates a LIKE pattern to an anchored regular expression: % is any run
// of characters, _ is one character, everything else stands for itself.
func likeToRegexp(like string) string {
	var b strings.Builder
	b.WriteString(`\A(?s:`)
	for _, r := range like {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)\z`)
	return b.String()
}

// compilePCRE compiles the operand of MATCHES. The specification says PCRE; Go has RE2,
// which lacks the PCRE features that need backtracking. Those are recognised first and
// refused with a message that names them (silently reading \1 as an octal escape, as RE2
// would, changes what a pattern means). On failure it returns the byte offset into re and
// a message.
func compilePCRE(re string) (*regexp.Regexp, int, string) {
	if off, what := findPCREOnly(re); what != "" {
		return nil, off, "MATCHES: " + what + " is PCRE-only and not supported here (regular expressions use RE2 syntax)"
	}
	c, err := regexp.Compile(re)
	if err != nil {
		off, msg := 0, err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = string(se.Code)
			if se.Expr != "" {
				msg += " " + quoteForMessage(se.Expr)
				if i := strings.Index(re, se.Expr); i >= 0 {
					off = i
				}
			}
		}
		return nil, off, "MATCHES: invalid regular expression: " + msg
	}
	return c, 0, ""
}

// findPCREOnly looks for PCRE syntax that RE2 lacks or reads differently, and returns its
// offset and a description, or "" if there is none.
func findPCREOnly(s string) (int, string) {
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return 0, "" // regexp reports the trailing backslash
			}
			if s[i+1] == 'Q' { // \Q...\E quotes literally, in both syntaxes
				end := strings.Index(s[i+2:], `\E`)
				if end < 0 {
					return 0, ""
				}
				i += 2 + end + 2
				continue
			}
			if what := pcreEscape(s[i+1], false); what != "" {
				return i, what
			}
			_, n := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + n
		case '[':
			end, off, what := scanClass(s, i)
			if what != "" {
				return off, what
			}
			i = end
		case '(':
			if what := pcreGroup(s[i:]); what != "" {
				return i, what
			}
			if strings.HasPrefix(s[i:], "(?") {
				i += 2 // the '?' is not a quantifier
				continue
			}
			i++
		case '*', '+', '?':
			if i+1 < len(s) && s[i+1] == '+' {
				return i, "a possessive quantifier (" + s[i:i+2] + ")"
			}
			i++
		case '{':
			end := repeatEnd(s, i)
			if end < 0 {
				i++
				continue
			}
			if end < len(s) && s[end] == '+' {
				return i, "a possessive quantifier (" + s[i:end+1] + ")"
			}
			i = end
		default:
			i++
		}
	}
	return 0, ""
}

// pcreEscape describes the PCRE escape \c that RE2 lacks or reads differently.
func pcreEscape(c byte, inClass bool) string {
	switch c {
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if inClass {
			return "" // an octal escape in PCRE; regexp reports it
		}
		return `a backreference (\` + string(c) + `)`
	case 'g', 'k':
		return `a backreference or subroutine call (\` + string(c) + `)`
	case 'K':
		return `\K (reset the match start)`
	case 'G':
		return `\G (the end of the previous match)`
	case 'Z':
		return `\Z (use \z)`
	case 'R':
		return `\R (any newline sequence)`
	case 'X':
		return `\X (an extended grapheme cluster)`
	case 'C':
		return `\C (a single byte)`
	case 'h', 'H':
		return `\` + string(c) + ` (horizontal white space; use a character class)`
	case 'v', 'V':
		return `\` + string(c) + ` (vertical white space in PCRE, a vertical tab in RE2; use a character class)`
	case 'N':
		return `\N`
	case 'e':
		return `\e (use \x1b)`
	case 'c':
		return `\c (a control character; use \xHH)`
	case 'o':
		return `\o{...} (use \x{...})`
	}
	return ""
}

// pcreGroup describes the PCRE group construct at the start of s that RE2 lacks.
func pcreGroup(s string) string {
	if strings.HasPrefix(s, "(*") && len(s) > 2 && 'A' <= s[2] && s[2] <= 'Z' {
		return "a backtracking control verb (" + s[:min(len(s), strings.IndexByte(s+")", ')')+1)] + ")"
	}
	if !strings.HasPrefix(s, "(?") || len(s) < 3 {
		return ""
	}
	rest := s[2:]
	switch {
	case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
		return "a lookahead assertion (" + s[:3] + ")"
	case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
		return "a lookbehind assertion (" + s[:4] + ")"
	case strings.HasPrefix(rest, ">"):
		return "an atomic group ((?>)"
	case strings.HasPrefix(rest, "|"):
		return "a branch reset group ((?|)"
	case strings.HasPrefix(rest, "#"):
		return "a comment group ((?#)"
	case strings.HasPrefix(rest, "R"), strings.HasPrefix(rest, "&"), strings.HasPrefix(rest, "P>"),
		isDigit(rest[0]), (rest[0] == '+' || rest[0] == '-') && len(rest) > 1 && isDigit(rest[1]):
		return "a recursion or subroutine call (" + s[:min(len(s), 4)] + ")"
	case strings.HasPrefix(rest, "P="):
		return "a named backreference ((?P=)"
	case strings.HasPrefix(rest, "("):
		return "a conditional group ((?()"
	case strings.HasPrefix(rest, "C"):
		return "a callout ((?C)"
	case strings.HasPrefix(rest, "'"):
		return "a named group written (?'name' (use (?P<name>...))"
	case strings.HasPrefix(rest, "<"), strings.HasPrefix(rest, "P<"):
		return "" // named group: RE2 has both spellings
	}
	// Inline flags: RE2 knows i, m, s and U.
	for j := 0; j < len(rest); j++ {
		switch c := rest[j]; c {
		case ':', ')':
			return ""
		case 'i', 'm', 's', 'U', '-':
		case 'x':
			return "the extended-syntax flag (?x)"
		default:
			return "the inline flag " + quoteForMessage(string(c))
		}
	}
	return ""
}

// scanClass skips the character class starting at s[i] == '[' and returns where it ends,
// or the offset and description of a PCRE-only escape in it.
func scanClass(s string, i int) (end, off int, what string) {
	j := i + 1
	if j < len(s) && s[j] == '^' {
		j++
	}
	if j < len(s) && s[j] == ']' {
		j++ // a leading ] is literal
	}
	for j < len(s) {
		switch {
		case s[j] == '\\' && j+1 < len(s):
			if what := pcreEscape(s[j+1], true); what != "" {
				return 0, j, what
			}
			_, n := utf8.DecodeRuneInString(s[j+1:])
			j += 1 + n
		case strings.HasPrefix(s[j:], "[:"):
			k := strings.Index(s[j+2:], ":]")
			if k < 0 {
				j++
			} else {
				j += 2 + k + 2
			}
		case s[j] == ']':
			return j + 1, 0, ""
		default:
			j++
		}
	}
	return len(s), 0, ""
}

// repeatEnd returns the end of a counted repetition {n}, {n,} or {n,m} at s[i], or -1.
func repeatEnd(s string, i int) int {
	j := i + 1
	start := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == start {
		return -1
	}
	if j < len(s) && s[j] == ',' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && s[j] == '}' {
		return j + 1
	}
	return -1
}
