package pattern

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Observation is one observed-data worth of cyber observables for matching: its objects
// by id (SCOs as parsed JSON maps, numbers as json.Number or float64), the first and last
// observed times and number_observed. A Count below 1 counts as 1.
type Observation struct {
	Objects     map[string]map[string]any
	First, Last time.Time
	Count       int
}

// maxMatchSteps bounds the work of one Match: the number of times an observation is tried
// for a bracketed expression. Matching qualifiers and observation operators is a search
// that can grow exponentially (REPEATS over many observations); past the bound Match gives
// up and reports no match.
const maxMatchSteps = 1 << 17

// Match reports whether the observations match the pattern, with the semantics described
// in the package documentation. It is safe to call concurrently.
func (p *Pattern) Match(obs []Observation) bool {
	if p == nil || p.Expr == nil || len(obs) == 0 {
		return false
	}
	if s, ok := p.Expr.(*ObservationSimple); ok { // the common indicator: no search needed
		for i := range obs {
			if obs[i].holds(s.Comparison) {
				return true
			}
		}
		return false
	}
	e := &evaluator{obs: obs, used: make([]int, len(obs))}
	if !e.possible(p.Expr) {
		return false
	}
	return e.match(p.Expr, func(binding) bool { return true })
}

// evaluator searches for a binding: an assignment of observations to the bracketed
// expressions of a pattern that satisfies its operators and qualifiers, each observation
// used at most Count times in all.
type evaluator struct {
	obs    []Observation
	used   []int                        // how many times each observation is bound
	hitsOf map[*ObservationSimple][]int // the observations each bracketed expression matches
	scopes []scope                      // the temporal constraints in force
	saved  []savedScope
	steps  int
}

type scopeKind uint8

const (
	scopeWindow scopeKind = iota + 1 // WITHIN: all bound observations within Seconds
	scopeFloor                       // FOLLOWEDBY: right side last observed >= Floor
	scopeRange                       // START/STOP
)

// scope is a temporal constraint on the observations bound under a qualifier or on the
// right of FOLLOWEDBY. All are monotone (binding more observations never satisfies a
// failed one), so they are checked as each observation is bound.
type scope struct {
	kind        scopeKind
	seconds     float64
	floor       time.Time
	start, stop time.Time
	// scopeWindow: the latest first_observed and earliest last_observed bound so far
	bound             bool
	maxFirst, minLast time.Time
}

type savedScope struct {
	index int
	scope scope
}

// binding summarises the observations bound to an expression.
type binding struct {
	maxFirst, minLast time.Time
	minObs            int // the lowest observation index, to enumerate REPEATS in order
}

func merge(a, b binding) binding {
	if b.maxFirst.After(a.maxFirst) {
		a.maxFirst = b.maxFirst
	}
	if b.minLast.Before(a.minLast) {
		a.minLast = b.minLast
	}
	a.minObs = min(a.minObs, b.minObs)
	return a
}

// capacity is how many times observation i can be bound.
func (e *evaluator) capacity(i int) int { return min(max(e.obs[i].Count, 1), math.MaxInt32) }

func (e *evaluator) hits(x *ObservationSimple) []int {
	if hits, ok := e.hitsOf[x]; ok {
		return hits
	}
	var hits []int
	for i := range e.obs {
		if e.obs[i].holds(x.Comparison) {
			hits = append(hits, i)
		}
	}
	if e.hitsOf == nil {
		e.hitsOf = make(map[*ObservationSimple][]int)
	}
	e.hitsOf[x] = hits
	return hits
}

// possible is a quick necessary condition: every bracketed expression that must match
// matches some observation, and REPEATS does not ask for more observations than there are.
func (e *evaluator) possible(x ObservationExpr) bool {
	switch x := x.(type) {
	case *ObservationSimple:
		return len(e.hits(x)) > 0
	case *ObservationBinary:
		if x.Op == ObsOr {
			l, r := e.possible(x.Left), e.possible(x.Right) // both, to fill the hits
			return l || r
		}
		return e.possible(x.Left) && e.possible(x.Right)
	case *ObservationQualified:
		if x.Qualifier.Kind == QualRepeats {
			total := 0
			for i := range e.obs {
				total = min(total+e.capacity(i), math.MaxInt32)
			}
			if x.Qualifier.Times > total {
				return false
			}
		}
		return e.possible(x.Expr)
	}
	return false
}

// match calls k with each binding of x compatible with the observations already bound
// and the scopes in force, until k returns true.
func (e *evaluator) match(x ObservationExpr, k func(binding) bool) bool {
	switch x := x.(type) {
	case *ObservationSimple:
		return e.leaf(x, k)
	case *ObservationBinary:
		switch x.Op {
		case ObsOr:
			return e.match(x.Left, k) || e.match(x.Right, k)
		case ObsAnd:
			return e.match(x.Left, func(l binding) bool {
				return e.match(x.Right, func(r binding) bool { return k(merge(l, r)) })
			})
		case ObsFollowedBy:
			// Optimistic, as the OASIS matcher: there must be instants in the observed
			// intervals that put every left observation at or before every right one.
			return e.match(x.Left, func(l binding) bool {
				return e.scoped(scope{kind: scopeFloor, floor: l.maxFirst}, x.Right, func(r binding) bool { return k(merge(l, r)) })
			})
		}
	case *ObservationQualified:
		q := x.Qualifier
		switch q.Kind {
		case QualWithin:
			return e.scoped(scope{kind: scopeWindow, seconds: q.Seconds}, x.Expr, k)
		case QualStartStop:
			return e.scoped(scope{kind: scopeRange, start: q.Start, stop: q.Stop}, x.Expr, k)
		case QualRepeats:
			return e.repeat(x.Expr, q.Times, binding{}, false, 0, k)
		}
	}
	return false
}

// scoped matches x under the constraint s, which is lifted before k runs.
func (e *evaluator) scoped(s scope, x ObservationExpr, k func(binding) bool) bool {
	e.scopes = append(e.scopes, s)
	n := len(e.scopes)
	ok := e.match(x, func(b binding) bool {
		top := e.scopes[n-1]
		e.scopes = e.scopes[:n-1]
		r := k(b)
		e.scopes = append(e.scopes, top)
		return r
	})
	e.scopes = e.scopes[:n-1]
	return ok
}

// repeat finds n bindings of x on distinct observations. They are enumerated in order of
// their lowest observation, so that each set is tried once rather than in every order.
func (e *evaluator) repeat(x ObservationExpr, n int, acc binding, have bool, lowest int, k func(binding) bool) bool {
	if n == 0 {
		return k(acc)
	}
	return e.match(x, func(b binding) bool {
		if b.minObs < lowest {
			return false
		}
		next := b
		if have {
			next = merge(acc, b)
		}
		return e.repeat(x, n-1, next, true, b.minObs, k)
	})
}

// leaf binds each observation that matches x and is still available.
func (e *evaluator) leaf(x *ObservationSimple, k func(binding) bool) bool {
	for _, i := range e.hits(x) {
		e.steps++
		if e.steps > maxMatchSteps {
			return false
		}
		if e.used[i] >= e.capacity(i) {
			continue
		}
		o := &e.obs[i]
		mark, ok := e.admit(o)
		if !ok {
			continue
		}
		e.used[i]++
		r := k(binding{maxFirst: o.First, minLast: o.Last, minObs: i})
		e.used[i]--
		e.restore(mark)
		if r {
			return true
		}
	}
	return false
}

// admit checks o against the scopes in force and, if it passes, records it in the window
// scopes. restore(mark) undoes the recording.
func (e *evaluator) admit(o *Observation) (int, bool) {
	for _, s := range e.scopes {
		switch s.kind {
		case scopeFloor:
			if o.Last.Before(s.floor) {
				return 0, false
			}
		case scopeRange:
			if o.Last.Before(s.start) || !o.First.Before(s.stop) {
				return 0, false
			}
		case scopeWindow:
			maxFirst, minLast := o.First, o.Last
			if s.bound {
				maxFirst, minLast = later(maxFirst, s.maxFirst), earlier(minLast, s.minLast)
			}
			if maxFirst.Sub(minLast).Seconds() > s.seconds {
				return 0, false
			}
		}
	}
	mark := len(e.saved)
	for i := range e.scopes {
		s := &e.scopes[i]
		if s.kind != scopeWindow {
			continue
		}
		e.saved = append(e.saved, savedScope{i, *s})
		if s.bound {
			s.maxFirst, s.minLast = later(o.First, s.maxFirst), earlier(o.Last, s.minLast)
		} else {
			s.bound, s.maxFirst, s.minLast = true, o.First, o.Last
		}
	}
	return mark, true
}

func (e *evaluator) restore(mark int) {
	for j := len(e.saved) - 1; j >= mark; j-- {
		e.scopes[e.saved[j].index] = e.saved[j].scope
	}
	e.saved = e.saved[:mark]
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// holds reports whether some object of the observation satisfies the comparison
// expression.
func (o *Observation) holds(c ComparisonExpr) bool {
	for _, obj := range o.Objects {
		if o.test(c, obj) {
			return true
		}
	}
	return false
}

// test evaluates a comparison expression with obj as the object all its paths start from.
func (o *Observation) test(c ComparisonExpr, obj map[string]any) bool {
	switch c := c.(type) {
	case *ComparisonBinary:
		if c.Op == BoolAnd {
			return o.test(c.Left, obj) && o.test(c.Right, obj)
		}
		return o.test(c.Left, obj) || o.test(c.Right, obj)
	case *Comparison:
		if t, _ := obj["type"].(string); t != c.Path.Type {
			return false
		}
		found, held := false, false
		o.walk(obj, c.Path.Steps, false, func(v any) bool {
			found = true
			held = c.Op == OpExists || c.holds(v)
			return held
		})
		if c.Op == OpExists {
			return found != c.Negated
		}
		// A path that selects nothing makes the comparison false, NOT or not: there is
		// nothing to compare.
		return found && held != c.Negated
	}
	return false
}

// hexText is a value that holds bytes as hex text: a hash (a value of a hashes
// dictionary) or a property whose name ends in _hex. It compares with string constants as
// text, without regard to case when both are hex, and with hex and binary constants as the
// bytes it encodes.
type hexText string

// walk visits the values the path steps select from v, until visit returns true. Stepping
// into a property whose name ends in _ref or _refs follows the reference(s) to objects of
// the same observation when more steps follow; _bin values become bytes, _hex values and
// hashes hexText.
func (o *Observation) walk(v any, steps []PathStep, inHashes bool, visit func(any) bool) bool {
	if len(steps) == 0 {
		return visit(v)
	}
	s, rest := steps[0], steps[1:]
	switch s.Kind {
	case StepKey:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		child, ok := m[s.Key]
		if !ok || child == nil {
			return false
		}
		if inHashes {
			child = asHex(child)
		}
		child = o.convert(s.Key, child, len(rest) > 0)
		if child == nil {
			return false
		}
		return o.walk(child, rest, s.Key == "hashes", visit)
	case StepIndex:
		l, ok := v.([]any)
		if !ok || s.Index >= len(l) || l[s.Index] == nil {
			return false
		}
		return o.walk(l[s.Index], rest, false, visit)
	case StepAny:
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				if e != nil && o.walk(e, rest, false, visit) {
					return true
				}
			}
		case map[string]any: // an extension: [*] on a dictionary selects its values
			for _, e := range v {
				if inHashes {
					e = asHex(e)
				}
				if e != nil && o.walk(e, rest, false, visit) {
					return true
				}
			}
		}
	}
	return false
}

func asHex(v any) any {
	if s, ok := v.(string); ok {
		return hexText(s)
	}
	return v
}

// convert applies the meaning of a property's name suffix to its value; nil means the
// value selects nothing (a reference that does not resolve).
func (o *Observation) convert(key string, v any, deref bool) any {
	switch {
	case deref && strings.HasSuffix(key, "_ref"):
		id, _ := v.(string)
		if obj, ok := o.Objects[id]; ok && obj != nil {
			return obj
		}
		return nil
	case deref && strings.HasSuffix(key, "_refs"):
		ids, ok := v.([]any)
		if !ok {
			return nil
		}
		objs := make([]any, 0, len(ids))
		for _, x := range ids {
			id, _ := x.(string)
			if obj, ok := o.Objects[id]; ok && obj != nil {
				objs = append(objs, obj)
			}
		}
		return objs
	case strings.HasSuffix(key, "_hex"):
		return asHex(v)
	case strings.HasSuffix(key, "_bin"):
		if s, ok := v.(string); ok {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b
			}
		}
	}
	return v
}

// holds applies the operator to one selected value. Values of a type the operator cannot
// compare with the constant give false, except for != which gives true (section 9.6).
func (c *Comparison) holds(v any) bool {
	switch c.Op {
	case OpEqual:
		eq, ok := equal(c.Value, v)
		return ok && eq
	case OpNotEqual:
		eq, ok := equal(c.Value, v)
		return !ok || !eq
	case OpLess, OpLessEqual, OpGreater, OpGreaterEqual:
		n, ok := order(v, c.Value)
		if !ok {
			return false
		}
		switch c.Op {
		case OpLess:
			return n < 0
		case OpLessEqual:
			return n <= 0
		case OpGreater:
			return n > 0
		}
		return n >= 0
	case OpIn:
		for _, l := range c.Set {
			if eq, ok := equal(l, v); ok && eq {
				return true
			}
		}
		return false
	case OpLike, OpMatches:
		re := c.regexp()
		switch v := v.(type) {
		case string:
			return re != nil && re.MatchString(v)
		case hexText:
			return re != nil && re.MatchString(string(v))
		case []byte:
			// Binary data is matched byte for byte: each byte is the character of the
			// same code point, so \xd4 in the expression matches the byte 0xd4.
			return c.Op == OpMatches && re != nil && re.MatchString(latin1String(v))
		}
		return false
	case OpIsSubset, OpIsSuperset:
		s, ok := v.(string)
		if !ok {
			return false
		}
		val, ok := parseNetwork(s)
		lit := c.network()
		if !ok || !lit.IsValid() || val.Addr().Is4() != lit.Addr().Is4() {
			return false
		}
		if c.Op == OpIsSubset {
			return lit.Bits() <= val.Bits() && lit.Contains(val.Addr())
		}
		return val.Bits() <= lit.Bits() && val.Contains(lit.Addr())
	}
	return false
}

// regexp returns the prepared expression, or compiles it for a tree not made by Parse
// (nil if it does not compile).
func (c *Comparison) regexp() *regexp.Regexp {
	if c.re != nil {
		return c.re
	}
	if c.Op == OpLike {
		re, _ := regexp.Compile(likeToRegexp(c.Value.Str))
		return re
	}
	re, _, _ := compilePCRE(c.Value.Str)
	return re
}

func (c *Comparison) network() netip.Prefix {
	if c.prefix.IsValid() {
		return c.prefix
	}
	p, _ := parseNetwork(c.Value.Str)
	return p
}

// equal compares a value with a constant; ok is false when their types do not compare.
func equal(l Literal, v any) (eq, ok bool) {
	switch l.Kind {
	case KindInt, KindFloat:
		n, ok := compareNumber(v, l)
		return n == 0, ok
	case KindString:
		switch v := v.(type) {
		case string:
			return v == l.Str, true
		case hexText:
			if isHexString(l.Str) && isHexString(string(v)) {
				return strings.EqualFold(string(v), l.Str), true
			}
			return string(v) == l.Str, true
		case []byte:
			b, ok := latin1Bytes(l.Str)
			return ok && bytes.Equal(v, b), ok
		}
	case KindBool:
		b, ok := v.(bool)
		return ok && b == l.Bool, ok
	case KindTimestamp:
		t, ok := timeOf(v)
		return ok && t.Equal(l.Time), ok
	case KindHex, KindBinary:
		b, ok := bytesOf(v)
		return ok && bytes.Equal(b, l.Bytes), ok
	}
	return false, false
}

// order compares a value with a constant: negative, zero or positive as v is less than,
// equal to or greater than l; ok is false when their types do not order.
func order(v any, l Literal) (int, bool) {
	switch l.Kind {
	case KindInt, KindFloat:
		return compareNumber(v, l)
	case KindString:
		switch v := v.(type) {
		case string:
			return strings.Compare(v, l.Str), true
		case hexText:
			return strings.Compare(string(v), l.Str), true
		case []byte:
			b, ok := latin1Bytes(l.Str)
			return bytes.Compare(v, b), ok
		}
	case KindTimestamp:
		t, ok := timeOf(v)
		return t.Compare(l.Time), ok
	case KindHex, KindBinary:
		b, ok := bytesOf(v)
		return bytes.Compare(b, l.Bytes), ok
	}
	return 0, false
}

// compareNumber compares a JSON number with a numeric constant, exactly when both are
// integers.
func compareNumber(v any, l Literal) (int, bool) {
	var vi int64
	var vf float64
	isInt := false
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			vi, isInt = i, true
		} else if f, err := v.Float64(); err == nil {
			vf = f
		} else {
			return 0, false
		}
	case float64:
		vf = v
	case int:
		vi, isInt = int64(v), true
	case int64:
		vi, isInt = v, true
	default:
		return 0, false
	}
	if isInt && l.Kind == KindInt {
		return cmp.Compare(vi, l.Int), true
	}
	if isInt {
		vf = float64(vi)
	}
	lf := l.Float
	if l.Kind == KindInt {
		lf = float64(l.Int)
	}
	if math.IsNaN(vf) { // a constant is never NaN: cmp.Compare then agrees with < and >
		return 0, false
	}
	return cmp.Compare(vf, lf), true
}

// timeOf reads a timestamp value (a string in RFC 3339 form).
func timeOf(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// bytesOf reads a value as bytes for a hex or binary constant: binary properties are
// bytes already, hexText is decoded, other strings are taken character by character (code
// points above 255 do not compare).
func bytesOf(v any) ([]byte, bool) {
	switch v := v.(type) {
	case []byte:
		return v, true
	case hexText:
		b, err := hex.DecodeString(string(v))
		return b, err == nil
	case string:
		return latin1Bytes(v)
	}
	return nil, false
}

func latin1Bytes(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

func latin1String(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) * 2)
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}
