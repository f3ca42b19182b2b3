package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pattern is a parsed STIX pattern: the root of the syntax tree.
//
// A Pattern from Parse is immutable and safe for concurrent use.
type Pattern struct {
	Expr ObservationExpr
}

// String renders the pattern in canonical form: single spaces, '=' and '!=' for their
// synonyms, parentheses only where the tree needs them, literals in one spelling. Parsing
// the result gives an equal tree.
func (p *Pattern) String() string {
	var b strings.Builder
	writeObs(&b, p.Expr)
	return b.String()
}

// ObservationExpr is an observation expression: *ObservationSimple, *ObservationBinary or
// *ObservationQualified. Parentheses are not kept as nodes; the tree's shape records them.
type ObservationExpr interface {
	String() string
	obsNode()
}

// ObservationSimple is "[ comparison expression ]": it matches one observation that holds
// an object satisfying the comparison expression.
type ObservationSimple struct {
	Comparison ComparisonExpr
}

// ObservationOp is an operator joining two observation expressions.
type ObservationOp uint8

// The observation operators, in increasing order of precedence.
const (
	ObsFollowedBy ObservationOp = iota + 1 // FOLLOWEDBY: left's observations precede right's
	ObsOr                                  // OR: either side matches
	ObsAnd                                 // AND: both sides match, on distinct observations
)

// String returns the operator's keyword.
func (op ObservationOp) String() string {
	switch op {
	case ObsFollowedBy:
		return "FOLLOWEDBY"
	case ObsOr:
		return "OR"
	case ObsAnd:
		return "AND"
	}
	return "ObservationOp(" + strconv.Itoa(int(op)) + ")"
}

// ObservationBinary is "Left Op Right".
type ObservationBinary struct {
	Op          ObservationOp
	Left, Right ObservationExpr
}

// ObservationQualified is an observation expression restricted by a qualifier.
type ObservationQualified struct {
	Expr      ObservationExpr
	Qualifier Qualifier
}

// QualifierKind says which qualifier a Qualifier is.
type QualifierKind uint8

// The qualifiers.
const (
	QualWithin    QualifierKind = iota + 1 // WITHIN n SECONDS
	QualRepeats                            // REPEATS n TIMES
	QualStartStop                          // START t'..' STOP t'..'
)

// Qualifier is WITHIN, REPEATS or START/STOP. Only the fields of its Kind are set.
type Qualifier struct {
	Kind        QualifierKind
	Seconds     float64   // QualWithin: the window, > 0
	Times       int       // QualRepeats: the count, > 0
	Start, Stop time.Time // QualStartStop: Start < Stop, both UTC
}

// String renders the qualifier as written in a pattern.
func (q Qualifier) String() string {
	switch q.Kind {
	case QualWithin:
		return "WITHIN " + strconv.FormatFloat(q.Seconds, 'f', -1, 64) + " SECONDS"
	case QualRepeats:
		return "REPEATS " + strconv.Itoa(q.Times) + " TIMES"
	case QualStartStop:
		return "START " + formatTimestamp(q.Start) + " STOP " + formatTimestamp(q.Stop)
	}
	return "<invalid qualifier>"
}

// ComparisonExpr is a comparison expression inside [ ]: *Comparison or *ComparisonBinary.
type ComparisonExpr interface {
	String() string
	cmpNode()
}

// BoolOp joins two comparison expressions.
type BoolOp uint8

// The comparison-expression operators, in increasing order of precedence.
const (
	BoolOr  BoolOp = iota + 1 // OR
	BoolAnd                   // AND: both hold for the same object
)

// String returns the operator's keyword.
func (op BoolOp) String() string {
	switch op {
	case BoolOr:
		return "OR"
	case BoolAnd:
		return "AND"
	}
	return "BoolOp(" + strconv.Itoa(int(op)) + ")"
}

// ComparisonBinary is "Left Op Right" inside [ ].
type ComparisonBinary struct {
	Op          BoolOp
	Left, Right ComparisonExpr
}

// Operator is a comparison operator.
type Operator uint8

// The comparison operators.
const (
	OpEqual        Operator = iota + 1 // = (also written ==)
	OpNotEqual                         // != (also written <>)
	OpLess                             // <
	OpLessEqual                        // <=
	OpGreater                          // >
	OpGreaterEqual                     // >=
	OpIn                               // IN (set)
	OpLike                             // LIKE 'sql%pattern'
	OpMatches                          // MATCHES 'regexp'
	OpIsSubset                         // ISSUBSET 'cidr'
	OpIsSuperset                       // ISSUPERSET 'cidr'
	OpExists                           // EXISTS path
)

var operatorText = [...]string{"", "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"}

// String returns the operator as written in a pattern.
func (op Operator) String() string {
	if int(op) < len(operatorText) && op != 0 {
		return operatorText[op]
	}
	return "Operator(" + strconv.Itoa(int(op)) + ")"
}

// Comparison is one test of an object property: "Path [NOT] Op Value", "Path [NOT] IN
// (Set...)" or "[NOT] EXISTS Path".
type Comparison struct {
	Path    ObjectPath
	Op      Operator
	Negated bool      // NOT: the whole comparison is negated (see the package doc)
	Value   Literal   // the constant; zero for OpIn and OpExists
	Set     []Literal // OpIn: the members, all of one kind (ints and floats may mix)

	// Prepared by Parse for the evaluator and for compilers of the tree.
	re     *regexp.Regexp // OpLike, OpMatches
	prefix netip.Prefix   // OpIsSubset, OpIsSuperset
}

// Regexp returns the compiled regular expression of a LIKE or MATCHES comparison made by
// Parse (LIKE patterns are translated, anchored at both ends), or nil.
func (c *Comparison) Regexp() *regexp.Regexp { return c.re }

// Prefix returns the network of an ISSUBSET or ISSUPERSET comparison made by Parse, with
// its host bits cleared (a bare address is a /32 or /128), or the zero Prefix.
func (c *Comparison) Prefix() netip.Prefix { return c.prefix }

// ObjectPath is "type:property.sub[0].x[*]": the object type and the steps into it. The
// first step is always a key.
type ObjectPath struct {
	Type  string
	Steps []PathStep
}

// StepKind says what a PathStep selects.
type StepKind uint8

// The path steps.
const (
	StepKey   StepKind = iota + 1 // .name or .'quoted name'
	StepIndex                     // [n]
	StepAny                       // [*]: every element of a list (or value of a dictionary)
)

// PathStep is one step of an object path.
type PathStep struct {
	Kind  StepKind
	Key   string // StepKey
	Index int    // StepIndex, >= 0
}

// LiteralKind is the type of a constant.
type LiteralKind uint8

// The literal kinds.
const (
	KindString    LiteralKind = iota + 1 // 'text'
	KindInt                              // 42, -1
	KindFloat                            // 7.0, -.5
	KindBool                             // true, false
	KindHex                              // h'ffd8'
	KindBinary                           // b'dGVzdA=='
	KindTimestamp                        // t'2016-06-01T01:30:00Z'
)

// Literal is a constant. Only the field of its Kind is set.
type Literal struct {
	Kind  LiteralKind
	Str   string    // KindString
	Int   int64     // KindInt
	Float float64   // KindFloat
	Bool  bool      // KindBool
	Bytes []byte    // KindHex, KindBinary
	Time  time.Time // KindTimestamp, UTC
}

// String renders the literal as written in a pattern.
func (l Literal) String() string {
	switch l.Kind {
	case KindString:
		return quoteString(l.Str)
	case KindInt:
		return strconv.FormatInt(l.Int, 10)
	case KindFloat:
		s := strconv.FormatFloat(l.Float, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0" // the grammar's floats always have a point
		}
		return s
	case KindBool:
		return strconv.FormatBool(l.Bool)
	case KindHex:
		return "h'" + hex.EncodeToString(l.Bytes) + "'"
	case KindBinary:
		return "b'" + base64.StdEncoding.EncodeToString(l.Bytes) + "'"
	case KindTimestamp:
		return formatTimestamp(l.Time)
	}
	return "<invalid literal>"
}

// String names the kind, for messages.
func (l LiteralKind) String() string {
	switch l {
	case KindString:
		return "string"
	case KindInt:
		return "integer"
	case KindFloat:
		return "float"
	case KindBool:
		return "boolean"
	case KindHex:
		return "hex"
	case KindBinary:
		return "binary"
	case KindTimestamp:
		return "timestamp"
	}
	return "LiteralKind(" + strconv.Itoa(int(l)) + ")"
}

func formatTimestamp(t time.Time) string {
	return "t'" + t.UTC().Format("2006-01-02T15:04:05.999999999Z") + "'"
}

// quoteString writes s as a string literal: only ' and \ are escaped.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// String renders the path. Keys that are not plain identifiers (or that are keywords) are
// quoted.
func (p ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(p.Type)
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte('.')
			}
			if plainKey(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quoteString(s.Key))
			}
		case StepIndex:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case StepAny:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// plainKey reports whether a property name can be written without quotes.
func plainKey(k string) bool {
	if k == "" || !isIdentStart(k[0]) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	_, reserved := keywords[k]
	return !reserved
}

// String renders the comparison.
func (c *Comparison) String() string {
	var b strings.Builder
	writeCmp(&b, c)
	return b.String()
}

// String renders the comparison expression.
func (c *ComparisonBinary) String() string {
	var b strings.Builder
	writeCmp(&b, c)
	return b.String()
}

// String renders the observation expression.
func (o *ObservationSimple) String() string {
	var b strings.Builder
	writeObs(&b, o)
	return b.String()
}

// String renders the observation expression.
func (o *ObservationBinary) String() string {
	var b strings.Builder
	writeObs(&b, o)
	return b.String()
}

// String renders the observation expression.
func (o *ObservationQualified) String() string {
	var b strings.Builder
	writeObs(&b, o)
	return b.String()
}

func (*ObservationSimple) obsNode()    {}
func (*ObservationBinary) obsNode()    {}
func (*ObservationQualified) obsNode() {}
func (*Comparison) cmpNode()           {}
func (*ComparisonBinary) cmpNode()     {}

// obsPrec is the binding strength of an observation expression; qualified and simple
// expressions bind tightest.
func obsPrec(x ObservationExpr) int {
	if b, ok := x.(*ObservationBinary); ok {
		return int(b.Op)
	}
	return 4
}

func writeObs(b *strings.Builder, x ObservationExpr) {
	switch x := x.(type) {
	case *ObservationSimple:
		b.WriteByte('[')
		writeCmp(b, x.Comparison)
		b.WriteByte(']')
	case *ObservationBinary:
		// Left-associative: a right operand of the same precedence needs parentheses.
		writeObsParen(b, x.Left, obsPrec(x.Left) < int(x.Op))
		b.WriteString(" " + x.Op.String() + " ")
		writeObsParen(b, x.Right, obsPrec(x.Right) <= int(x.Op))
	case *ObservationQualified:
		// A qualifier may not repeat on one expression (see Parse); parentheses make
		// the qualified expression a new one.
		writeObsParen(b, x.Expr, obsPrec(x.Expr) < 4 || trailingQualifiers(x.Expr)[x.Qualifier.Kind])
		b.WriteString(" " + x.Qualifier.String())
	case nil:
		b.WriteString("<nil>")
	}
}

func writeObsParen(b *strings.Builder, x ObservationExpr, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	writeObs(b, x)
	if paren {
		b.WriteByte(')')
	}
}

// trailingQualifiers returns the kinds of the qualifiers that writeObs renders after the
// last bracketed or parenthesised expression of x: those that apply to one expression.
func trailingQualifiers(x ObservationExpr) (kinds [4]bool) {
	q, ok := x.(*ObservationQualified)
	if !ok {
		return kinds
	}
	if obsPrec(q.Expr) == 4 {
		kinds = trailingQualifiers(q.Expr)
		if kinds[q.Qualifier.Kind] { // rendered in parentheses
			kinds = [4]bool{}
		}
	}
	kinds[q.Qualifier.Kind] = true
	return kinds
}

func cmpPrec(x ComparisonExpr) int {
	if b, ok := x.(*ComparisonBinary); ok {
		return int(b.Op)
	}
	return 3
}

func writeCmp(b *strings.Builder, x ComparisonExpr) {
	switch x := x.(type) {
	case *Comparison:
		if x.Op == OpExists {
			if x.Negated {
				b.WriteString("NOT ")
			}
			b.WriteString("EXISTS " + x.Path.String())
			return
		}
		b.WriteString(x.Path.String())
		if x.Negated {
			b.WriteString(" NOT")
		}
		b.WriteString(" " + x.Op.String() + " ")
		if x.Op == OpIn {
			b.WriteByte('(')
			for i, l := range x.Set {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(l.String())
			}
			b.WriteByte(')')
			return
		}
		b.WriteString(x.Value.String())
	case *ComparisonBinary:
		paren := cmpPrec(x.Left) < int(x.Op)
		if paren {
			b.WriteByte('(')
		}
		writeCmp(b, x.Left)
		if paren {
			b.WriteByte(')')
		}
		b.WriteString(" " + x.Op.String() + " ")
		paren = cmpPrec(x.Right) <= int(x.Op)
		if paren {
			b.WriteByte('(')
		}
		writeCmp(b, x.Right)
		if paren {
			b.WriteByte(')')
		}
	case nil:
		b.WriteString("<nil>")
	}
}
