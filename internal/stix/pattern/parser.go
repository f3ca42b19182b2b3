package pattern

import (
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Validate checks a STIX 2.1 pattern as the hub does at ingest: it returns Parse's error.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

// maxPatternBytes bounds the input, and with it the depth of the recursive descent.
const maxPatternBytes = 1 << 20

// maxNesting bounds how deep parentheses and brackets may nest.
const maxNesting = 500

// Parse parses a STIX 2.1 pattern and checks the rules of the specification that the
// grammar does not express. The error, if any, is a *SyntaxError: the first grammar error
// in the input or, when the grammar is satisfied, the first semantic error.
func Parse(s string) (*Pattern, error) {
	if len(s) > maxPatternBytes {
		return nil, errAt(s, 0, "pattern is longer than %d bytes", maxPatternBytes)
	}
	if !utf8.ValidString(s) {
		off := 0
		for off < len(s) {
			r, n := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, errAt(s, off, "pattern is not valid UTF-8")
	}
	p := &parser{lx: lexer{src: s}}
	expr, err := p.parse()
	if err != nil {
		return nil, err
	}
	if p.semantic != nil {
		return nil, p.semantic
	}
	return &Pattern{Expr: expr}, nil
}

type parser struct {
	lx       lexer
	tok      token
	depth    int
	semantic *SyntaxError // the first semantic error, reported once the grammar is satisfied
}

// bailout carries a grammar error up the recursive descent.
type bailout struct{ err *SyntaxError }

func (p *parser) parse() (expr ObservationExpr, err *SyntaxError) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			expr, err = nil, b.err
		}
	}()
	p.advance()
	expr = p.followedBy()
	if p.tok.kind != tEOF {
		p.fail(p.tok.pos, "unexpected %s after observation expression (want AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern)", p.tok.describe())
	}
	return expr, nil
}

func (p *parser) advance() {
	t, err := p.lx.next()
	if err != nil {
		panic(bailout{err})
	}
	p.tok = t
}

func (p *parser) fail(off int, format string, args ...any) {
	panic(bailout{errAt(p.lx.src, off, format, args...)})
}

// semanticf records a semantic error; only the first counts.
func (p *parser) semanticf(off int, format string, args ...any) {
	if p.semantic == nil {
		p.semantic = errAt(p.lx.src, off, format, args...)
	}
}

func (p *parser) expect(k tokenKind, format string, args ...any) token {
	t := p.tok
	if t.kind != k {
		p.fail(t.pos, format+", found %s", append(args, t.describe())...)
	}
	p.advance()
	return t
}

func (p *parser) enter(off int) {
	p.depth++
	if p.depth > maxNesting {
		p.fail(off, "expressions nest more than %d deep", maxNesting)
	}
}

// followedBy parses observation expressions joined by FOLLOWEDBY, the loosest operator.
func (p *parser) followedBy() ObservationExpr {
	x := p.obsOr()
	for p.tok.kind == tFollowedBy {
		p.advance()
		x = &ObservationBinary{Op: ObsFollowedBy, Left: x, Right: p.obsOr()}
	}
	return x
}

func (p *parser) obsOr() ObservationExpr {
	x := p.obsAnd()
	for p.tok.kind == tOr {
		p.advance()
		x = &ObservationBinary{Op: ObsOr, Left: x, Right: p.obsAnd()}
	}
	return x
}

func (p *parser) obsAnd() ObservationExpr {
	x := p.qualified()
	for p.tok.kind == tAnd {
		p.advance()
		x = &ObservationBinary{Op: ObsAnd, Left: x, Right: p.qualified()}
	}
	return x
}

// qualified parses a bracketed or parenthesised observation expression and the qualifiers
// after it. "An Observation Expression MUST NOT have more than one Qualifier of a
// particular type" (STIX 2.1 section 9, qualifiers; oasis-tcs/cti-stix2#70): "[a] WITHIN 5 SECONDS
// WITHIN 6 SECONDS" is an error, "([a] WITHIN 5 SECONDS) WITHIN 6 SECONDS" is not, since
// the parentheses make the qualified expression a new one.
func (p *parser) qualified() ObservationExpr {
	x := p.obsPrimary()
	var seen [4]bool
	for {
		q, pos, ok := p.qualifier()
		if !ok {
			return x
		}
		if seen[q.Kind] {
			p.semanticf(pos, "duplicate %s qualifier on one observation expression (parenthesise the qualified expression to apply it again)", qualifierName(q.Kind))
		}
		seen[q.Kind] = true
		x = &ObservationQualified{Expr: x, Qualifier: q}
	}
}

func qualifierName(k QualifierKind) string {
	switch k {
	case QualWithin:
		return "WITHIN"
	case QualRepeats:
		return "REPEATS"
	}
	return "START/STOP"
}

func (p *parser) obsPrimary() ObservationExpr {
	t := p.tok
	switch t.kind {
	case tLBrack:
		p.enter(t.pos)
		p.advance()
		c, _ := p.cmpOr()
		p.expect(tRBrack, "expected ']' after comparison expression")
		p.depth--
		return &ObservationSimple{Comparison: c}
	case tLParen:
		p.enter(t.pos)
		p.advance()
		x := p.followedBy()
		p.expect(tRParen, "expected ')' after observation expression")
		p.depth--
		return x
	}
	p.fail(t.pos, "expected '[' or '(' to start an observation expression, found %s", t.describe())
	return nil
}

// qualifier parses one qualifier if the current token starts one.
func (p *parser) qualifier() (Qualifier, int, bool) {
	t := p.tok
	switch t.kind {
	case tWithin:
		p.advance()
		n := p.tok
		if (n.kind != tInt && n.kind != tFloat) || n.text[0] == '-' {
			p.fail(n.pos, "expected a positive number of seconds after WITHIN, found %s", n.describe())
		}
		p.advance()
		p.expect(tSeconds, "expected SECONDS after WITHIN %s", n.text)
		secs, err := strconv.ParseFloat(n.text, 64)
		if err != nil || math.IsInf(secs, 0) {
			p.semanticf(n.pos, "WITHIN %s SECONDS is out of range", n.text)
		} else if secs <= 0 {
			p.semanticf(n.pos, "WITHIN needs a positive number of seconds, not %s", n.text)
		}
		return Qualifier{Kind: QualWithin, Seconds: secs}, t.pos, true
	case tRepeats:
		p.advance()
		n := p.tok
		if n.kind != tInt || n.text[0] == '-' {
			p.fail(n.pos, "expected a positive integer after REPEATS, found %s", n.describe())
		}
		p.advance()
		p.expect(tTimes, "expected TIMES after REPEATS %s", n.text)
		times, err := strconv.ParseInt(n.text, 10, 32)
		if err != nil {
			p.semanticf(n.pos, "REPEATS %s TIMES is out of range", n.text)
		} else if times <= 0 {
			p.semanticf(n.pos, "REPEATS needs a count of at least 1, not %s", n.text)
		}
		return Qualifier{Kind: QualRepeats, Times: int(times)}, t.pos, true
	case tStart:
		p.advance()
		start := p.expect(tTimestamp, "expected a timestamp literal (t'...') after START")
		p.expect(tStop, "expected STOP after START %s", start.text)
		stop := p.expect(tTimestamp, "expected a timestamp literal (t'...') after STOP")
		if !start.time.Before(stop.time) {
			p.semanticf(start.pos, "START %s must be earlier than STOP %s", start.text, stop.text)
		}
		return Qualifier{Kind: QualStartStop, Start: start.time, Stop: stop.time}, t.pos, true
	}
	return Qualifier{}, 0, false
}

// typeSet is the set of object types a comparison expression can hold for: one type for
// a comparison, the union for OR, the intersection for AND. Past maxTypeSet types it stops
// counting (many) and no longer takes part in the check, which keeps long OR chains linear.
type typeSet struct {
	names []string
	many  bool
}

const maxTypeSet = 32

func (s typeSet) String() string { return strings.Join(s.names, " or ") }

// cmpOr parses comparison expressions joined by OR.
func (p *parser) cmpOr() (ComparisonExpr, typeSet) {
	x, types := p.cmpAnd()
	for p.tok.kind == tOr {
		p.advance()
		y, ytypes := p.cmpAnd()
		x = &ComparisonBinary{Op: BoolOr, Left: x, Right: y}
		types.many = types.many || ytypes.many
		for _, t := range ytypes.names {
			if !types.many && !slices.Contains(types.names, t) {
				types.names = append(types.names, t)
				types.many = len(types.names) > maxTypeSet
			}
		}
		if types.many {
			types.names = nil
		}
	}
	return x, types
}

// cmpAnd parses comparison expressions joined by AND. Section 9.5 of the specification
// requires the operands of AND to apply to one object type ("file:name = 'a' AND
// process:pid = 1" can never match one object): the intersection of their types must not
// be empty.
func (p *parser) cmpAnd() (ComparisonExpr, typeSet) {
	x, types := p.propTest()
	for p.tok.kind == tAnd {
		and := p.tok
		p.advance()
		y, ytypes := p.propTest()
		x = &ComparisonBinary{Op: BoolAnd, Left: x, Right: y}
		switch {
		case types.many:
			types = ytypes
		case ytypes.many:
		default:
			var both []string
			for _, t := range types.names {
				if slices.Contains(ytypes.names, t) {
					both = append(both, t)
				}
			}
			if len(both) == 0 {
				p.semanticf(and.pos, "comparisons joined by AND must apply to the same object type, but the left applies to %s and the right to %s", types, ytypes)
			}
			types.names = both
		}
	}
	return x, types
}

func (p *parser) propTest() (ComparisonExpr, typeSet) {
	t := p.tok
	switch t.kind {
	case tLParen:
		p.enter(t.pos)
		p.advance()
		x, types := p.cmpOr()
		p.expect(tRParen, "expected ')' after comparison expression")
		p.depth--
		return x, types
	case tNot, tExists:
		negated := t.kind == tNot
		if negated {
			p.advance()
			if p.tok.kind != tExists {
				p.fail(p.tok.pos, "expected EXISTS after NOT at the start of a comparison (negate other comparisons after the path: a:b NOT = 1), found %s", p.tok.describe())
			}
		}
		p.advance()
		path := p.objectPath()
		return &Comparison{Path: path, Op: OpExists, Negated: negated}, typeSet{names: []string{path.Type}}
	}
	path := p.objectPath()
	c := &Comparison{Path: path}
	if p.tok.kind == tNot {
		c.Negated = true
		p.advance()
	}
	op := p.tok
	p.advance()
	valuePos := p.tok.pos
	switch op.kind {
	case tEq, tNeq:
		c.Op = OpEqual
		if op.kind == tNeq {
			c.Op = OpNotEqual
		}
		c.Value = p.literal(true, "after '"+op.text+"'")
	case tLt, tLe, tGt, tGe:
		c.Op = tokenOperator(op.kind)
		c.Value = p.literal(false, "after '"+op.text+"'")
	case tIn:
		c.Op = OpIn
		c.Set = p.set()
	case tLike, tMatches, tIsSubset, tIsSuperset:
		c.Op = tokenOperator(op.kind)
		lit := p.expect(tString, "expected a string literal after %s", op.text)
		c.Value = Literal{Kind: KindString, Str: lit.str}
		p.prepare(c, lit)
	default:
		p.fail(op.pos, "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after %s, found %s", path.String(), op.describe())
	}
	p.checkHash(c, valuePos)
	return c, typeSet{names: []string{path.Type}}
}

// tokenOperator maps an operator token to its Operator.
func tokenOperator(k tokenKind) Operator {
	switch k {
	case tLt:
		return OpLess
	case tLe:
		return OpLessEqual
	case tGt:
		return OpGreater
	case tGe:
		return OpGreaterEqual
	case tLike:
		return OpLike
	case tMatches:
		return OpMatches
	case tIsSubset:
		return OpIsSubset
	case tIsSuperset:
		return OpIsSuperset
	}
	return 0
}

// prepare compiles the string operand of LIKE, MATCHES, ISSUBSET and ISSUPERSET, so that
// a bad one is rejected at ingest and matching does not parse it again.
func (p *parser) prepare(c *Comparison, lit token) {
	switch c.Op {
	case OpLike:
		re, err := regexp.Compile(likeToRegexp(lit.str))
		if err != nil { // cannot happen: every character is quoted
			p.semanticf(lit.pos, "LIKE pattern %s cannot be used: %v", lit.describe(), err)
			return
		}
		c.re = re
	case OpMatches:
		re, off, msg := compilePCRE(lit.str)
		if msg != "" {
			p.semanticf(sourceOffset(lit.text, off)+lit.pos, "%s", msg)
			return
		}
		c.re = re
	case OpIsSubset, OpIsSuperset:
		pfx, ok := parseNetwork(lit.str)
		if !ok {
			p.semanticf(lit.pos, "%s needs an IPv4 or IPv6 address or CIDR network, not %s", c.Op, lit.describe())
			return
		}
		c.prefix = pfx
	}
}

// parseNetwork parses an address or a CIDR network and clears the host bits.
func parseNetwork(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return pfx.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// sourceOffset maps an offset into the value of a string literal to an offset into its
// source text (which starts with the opening quote and doubles escaped characters).
func sourceOffset(text string, off int) int {
	src := 1
	for i := 0; i < off && src < len(text); i++ {
		if text[src] == '\\' {
			src++
		}
		src++
	}
	return src
}

func (p *parser) set() []Literal {
	p.expect(tLParen, "expected '(' to start the set after IN")
	set := []Literal{}
	var first token
	if p.tok.kind != tRParen {
		for {
			t := p.tok
			l := p.literal(true, "in the set")
			if len(set) == 0 {
				first = t
			} else if !sameSetKind(set[0].Kind, l.Kind) {
				p.semanticf(t.pos, "the set mixes %s %s and %s %s: all members of an IN set must have one type",
					set[0].Kind, first.describe(), l.Kind, t.describe())
			}
			set = append(set, l)
			if p.tok.kind != tComma {
				break
			}
			p.advance()
		}
	}
	p.expect(tRParen, "expected ',' or ')' in the set after IN")
	return set
}

// sameSetKind reports whether two literals may share a set; integers and floats are both
// numbers.
func sameSetKind(a, b LiteralKind) bool {
	num := func(k LiteralKind) bool { return k == KindInt || k == KindFloat }
	return a == b || num(a) && num(b)
}

// literal parses a constant; booleans only where the grammar's primitiveLiteral allows
// them (not after the ordering operators).
func (p *parser) literal(boolOK bool, where string) Literal {
	t := p.tok
	var l Literal
	switch t.kind {
	case tString:
		l = Literal{Kind: KindString, Str: t.str}
	case tInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.semanticf(t.pos, "integer %s is out of range (64 bits)", t.text)
		}
		l = Literal{Kind: KindInt, Int: n}
	case tFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			p.semanticf(t.pos, "number %s is out of range", t.text)
		}
		l = Literal{Kind: KindFloat, Float: f}
	case tBool:
		if !boolOK {
			p.fail(t.pos, "expected an orderable literal (number, string, timestamp, hex or binary) %s, found %s", where, t.describe())
		}
		l = Literal{Kind: KindBool, Bool: t.text == "true"}
	case tHex:
		l = Literal{Kind: KindHex, Bytes: t.bytes}
	case tBinary:
		l = Literal{Kind: KindBinary, Bytes: t.bytes}
	case tTimestamp:
		l = Literal{Kind: KindTimestamp, Time: t.time}
	default:
		p.fail(t.pos, "expected a literal value %s, found %s", where, t.describe())
	}
	p.advance()
	return l
}

// objectPath parses "type:property" and the steps after it.
func (p *parser) objectPath() ObjectPath {
	t := p.tok
	if t.kind != tIdent {
		p.fail(t.pos, "expected an object path (type:property), found %s", t.describe())
	}
	if reason := checkTypeName(t.text); reason != "" {
		p.semanticf(t.pos, "object type %s %s", t.describe(), reason)
	}
	p.advance()
	p.expect(tColon, "expected ':' after object type %s", t.text)
	path := ObjectPath{Type: t.text, Steps: []PathStep{{Kind: StepKey, Key: p.pathKey("after ':'")}}}
	for {
		switch p.tok.kind {
		case tDot:
			p.advance()
			path.Steps = append(path.Steps, PathStep{Kind: StepKey, Key: p.pathKey("after '.'")})
		case tLBrack:
			p.advance()
			n := p.tok
			switch n.kind {
			case tAsterisk:
				path.Steps = append(path.Steps, PathStep{Kind: StepAny})
			case tInt:
				i, err := strconv.ParseInt(n.text, 10, 32)
				switch {
				case err != nil:
					p.semanticf(n.pos, "list index %s is out of range", n.text)
				case i < 0:
					p.semanticf(n.pos, "list index %s is negative: indexes count from 0", n.text)
				}
				path.Steps = append(path.Steps, PathStep{Kind: StepIndex, Index: int(i)})
			default:
				p.fail(n.pos, "expected a list index or '*' after '[', found %s", n.describe())
			}
			p.advance()
			p.expect(tRBrack, "expected ']' after list index")
		default:
			return path
		}
	}
}

// pathKey parses a property name: an identifier without hyphens, or a quoted string.
func (p *parser) pathKey(where string) string {
	t := p.tok
	switch {
	case t.kind == tIdent && !t.hyphen:
		p.advance()
		return t.text
	case t.kind == tString:
		p.advance()
		return t.str
	case t.kind == tIdent:
		p.fail(t.pos, "expected a property name %s, found %s (quote names with hyphens: '%s')", where, t.describe(), t.text)
	}
	p.fail(t.pos, "expected a property name %s, found %s", where, t.describe())
	return ""
}

// checkTypeName checks an object type name as section 3.1 of STIX 2.1 requires: 3 to 250
// characters, lower-case ASCII letters, digits and hyphens, starting with a letter, with
// no doubled or trailing hyphen. It returns a reason, or "".
func checkTypeName(s string) string {
	if len(s) < 3 || len(s) > 250 {
		return "is not a valid STIX type name (3 to 250 characters)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9' && i > 0:
		case c == '-' && i > 0 && s[i-1] != '-' && i < len(s)-1:
		default:
			return "is not a valid STIX type name (lower-case letters, digits and single hyphens, starting with a letter)"
		}
	}
	return ""
}

// hashHexDigits gives the length in hex digits of the hash algorithms of the STIX
// vocabulary and the common others, by name upper-cased without hyphens.
var hashHexDigits = map[string]int{
	"MD5": 32, "SHA1": 40, "SHA224": 56, "SHA256": 64, "SHA384": 96, "SHA512": 128,
	"SHA3224": 56, "SHA3256": 64, "SHA3384": 96, "SHA3512": 128, "RIPEMD160": 40, "WHIRLPOOL": 128,
}

// checkHash checks the constant of a comparison with a known hash ("file:hashes.MD5 =
// 'abc'") the way the OASIS validator does: a wrong length or a non-hex digit is an error,
// since such a pattern can never match.
func (p *parser) checkHash(c *Comparison, off int) {
	if c.Op != OpEqual && c.Op != OpNotEqual && c.Op != OpIn {
		return
	}
	steps := c.Path.Steps
	last := steps[len(steps)-1]
	if last.Kind != StepKey || len(steps) < 2 {
		return
	}
	under := false
	for _, s := range steps[:len(steps)-1] {
		under = under || s.Kind == StepKey && s.Key == "hashes"
	}
	name := strings.ToUpper(strings.ReplaceAll(last.Key, "-", ""))
	digits, known := hashHexDigits[name]
	if !under || !known {
		return
	}
	vals := c.Set
	if c.Op != OpIn {
		vals = []Literal{c.Value}
	}
	for _, v := range vals {
		switch {
		case v.Kind == KindString && (len(v.Str) != digits || !isHexString(v.Str)):
			p.semanticf(off, "%s is not a valid %s hash (%d hexadecimal digits)", quoteString(v.Str), last.Key, digits)
		case v.Kind == KindHex && len(v.Bytes)*2 != digits:
			p.semanticf(off, "%s is not a valid %s hash (%d hexadecimal digits)", v.String(), last.Key, digits)
		}
	}
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
