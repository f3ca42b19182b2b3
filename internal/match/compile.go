package match

import (
	"encoding/hex"
	"net/netip"
	"slices"

	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// plan is what an indicator's pattern compiles to: either the keys of its equalities and
// the networks of its ISSUBSET comparisons (the fast path), or a pattern for the general
// evaluator.
type plan struct {
	eq      []eqKey
	cidr    []cidrKey
	general *generalPattern
}

// eqKey is one compiled equality: the property, and the value's key (binary for IP
// addresses; raw for IP values that are not addresses).
type eqKey struct {
	fk   fieldKey
	norm normKind
	raw  bool
	key  string
}

// cidrKey is one compiled ISSUBSET: which trie, and the network.
type cidrKey struct {
	trie int
	pfx  netip.Prefix
}

// generalPattern is an indicator left to the evaluator, with the object types it needs
// (it can match only an event holding an object of one of them).
type generalPattern struct {
	p     *pattern.Pattern
	types []string
}

// compilePattern parses src and compiles it (see the package documentation for the
// shapes that take the fast path). Errors are the parser's *pattern.SyntaxError.
func compilePattern(src string) (plan, error) {
	p, err := pattern.Parse(src)
	if err != nil {
		return plan{}, err
	}
	var pl plan
	if pl.observation(p.Expr) {
		pl.dedupe()
		return pl, nil
	}
	normalizeTree(p.Expr)
	return plan{general: &generalPattern{p: p, types: patternTypes(p.Expr, nil)}}, nil
}

// observation compiles an observation expression of the fast path: [ ... ] or an OR of
// them, without qualifiers. On a single observation, [a] OR [b] is [a OR b].
func (pl *plan) observation(x pattern.ObservationExpr) bool {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return pl.comparison(x.Comparison)
	case *pattern.ObservationBinary:
		return x.Op == pattern.ObsOr && pl.observation(x.Left) && pl.observation(x.Right)
	}
	return false
}

func (pl *plan) comparison(x pattern.ComparisonExpr) bool {
	switch x := x.(type) {
	case *pattern.ComparisonBinary:
		return x.Op == pattern.BoolOr && pl.comparison(x.Left) && pl.comparison(x.Right)
	case *pattern.Comparison:
		return pl.leaf(x)
	}
	return false
}

// leaf compiles one comparison: = or IN with string constants (hex constants on hashes),
// or ISSUBSET on an address value.
func (pl *plan) leaf(c *pattern.Comparison) bool {
	if c.Negated {
		return false
	}
	keys, ok := pathKeys(c.Path)
	if !ok {
		return false
	}
	if c.Op == pattern.OpIsSubset {
		if len(keys) != 1 || keys[0] != "value" || (c.Path.Type != "ipv4-addr" && c.Path.Type != "ipv6-addr") || !c.Prefix().IsValid() {
			return false
		}
		pl.cidr = append(pl.cidr, cidrKey{trie: trieIndex(c.Path.Type, !c.Prefix().Addr().Is4()), pfx: c.Prefix()})
		return true
	}
	var lits []pattern.Literal
	switch c.Op {
	case pattern.OpEqual:
		lits = []pattern.Literal{c.Value}
	case pattern.OpIn:
		lits = c.Set
	default:
		return false
	}
	path, norm, ok := classifyPath(c.Path.Type, keys)
	if !ok {
		return false
	}
	fk := fieldKey{c.Path.Type, path}
	for _, l := range lits {
		switch {
		case l.Kind == pattern.KindString:
		case l.Kind == pattern.KindHex && norm == normHash:
			// A hash compares with h'..' as the bytes its hex text encodes.
			l = pattern.Literal{Kind: pattern.KindString, Str: hex.EncodeToString(l.Bytes)}
		default:
			return false
		}
		k := eqKey{fk: fk, norm: norm}
		if norm == normIP {
			if b, ok := appendIPKey(nil, l.Str); ok {
				k.key = string(b)
			} else {
				k.raw, k.key = true, l.Str
			}
		} else {
			k.key = canonicalText(norm, l.Str)
		}
		pl.eq = append(pl.eq, k)
	}
	return true
}

// dedupe drops repeated keys, so that an indicator is listed once under each.
func (pl *plan) dedupe() {
	if len(pl.eq) > 1 {
		slices.SortFunc(pl.eq, func(a, b eqKey) int {
			switch {
			case a.fk.typ != b.fk.typ:
				return cmpString(a.fk.typ, b.fk.typ)
			case a.fk.path != b.fk.path:
				return cmpString(a.fk.path, b.fk.path)
			case a.raw != b.raw:
				if a.raw {
					return 1
				}
				return -1
			}
			return cmpString(a.key, b.key)
		})
		pl.eq = slices.Compact(pl.eq)
	}
	if len(pl.cidr) > 1 {
		slices.SortFunc(pl.cidr, func(a, b cidrKey) int {
			if a.trie != b.trie {
				return a.trie - b.trie
			}
			if c := a.pfx.Addr().Compare(b.pfx.Addr()); c != 0 {
				return c
			}
			return a.pfx.Bits() - b.pfx.Bits()
		})
		pl.cidr = slices.Compact(pl.cidr)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// normalizeTree gives the constants of a general pattern the spelling the matcher gives
// observed values, so that equality means the same on both paths: hash algorithms by
// their vocabulary name, and the constants of =, != and IN on addresses, domain names,
// e-mail addresses and hashes in canonical form. LIKE and MATCHES constants are left as
// written (they see the canonical value).
func normalizeTree(x pattern.ObservationExpr) {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		normalizeComparison(x.Comparison)
	case *pattern.ObservationBinary:
		normalizeTree(x.Left)
		normalizeTree(x.Right)
	case *pattern.ObservationQualified:
		normalizeTree(x.Expr)
	}
}

func normalizeComparison(x pattern.ComparisonExpr) {
	switch x := x.(type) {
	case *pattern.ComparisonBinary:
		normalizeComparison(x.Left)
		normalizeComparison(x.Right)
	case *pattern.Comparison:
		steps := x.Path.Steps
		for i := 1; i < len(steps); i++ {
			if steps[i-1].Kind == pattern.StepKey && steps[i-1].Key == "hashes" && steps[i].Kind == pattern.StepKey {
				steps[i].Key = canonicalHashAlg(steps[i].Key)
			}
		}
		keys, ok := pathKeys(x.Path)
		if !ok {
			return
		}
		_, norm, ok := classifyPath(x.Path.Type, keys)
		if !ok || norm == normExact {
			return
		}
		switch x.Op {
		case pattern.OpEqual, pattern.OpNotEqual:
			if x.Value.Kind == pattern.KindString {
				x.Value.Str = canonicalText(norm, x.Value.Str)
			}
		case pattern.OpIn:
			for i := range x.Set {
				if x.Set[i].Kind == pattern.KindString {
					x.Set[i].Str = canonicalText(norm, x.Set[i].Str)
				}
			}
		}
	}
}

// patternTypes appends the object types the comparisons of x test.
func patternTypes(x pattern.ObservationExpr, types []string) []string {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return comparisonTypes(x.Comparison, types)
	case *pattern.ObservationBinary:
		return patternTypes(x.Right, patternTypes(x.Left, types))
	case *pattern.ObservationQualified:
		return patternTypes(x.Expr, types)
	}
	return types
}

func comparisonTypes(x pattern.ComparisonExpr, types []string) []string {
	switch x := x.(type) {
	case *pattern.ComparisonBinary:
		return comparisonTypes(x.Right, comparisonTypes(x.Left, types))
	case *pattern.Comparison:
		if !slices.Contains(types, x.Path.Type) {
			types = append(types, x.Path.Type)
		}
	}
	return types
}
