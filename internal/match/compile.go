package match

import (
	"cmp"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"

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
// (it can match only an event holding an object of one of them), and, when they can be
// derived, its triggers: keys of the fast path one of which the event must hold for the
// pattern to match. A pattern with triggers is evaluated only when the fast path finds
// one; the others are evaluated on every event holding one of their types.
type generalPattern struct {
	p       *pattern.Pattern
	types   []string
	trigger *plan
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
	gp := &generalPattern{p: p, types: patternTypes(p.Expr, nil)}
	var tr plan
	if tr.triggerObservation(p.Expr) {
		tr.dedupe()
		gp.trigger = &tr
	}
	return plan{general: gp}, nil
}

// triggerObservation collects triggers of x: keys one of which an event must hold for x
// to match it. OR needs triggers on both sides, AND and FOLLOWEDBY on one.
func (pl *plan) triggerObservation(x pattern.ObservationExpr) bool {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return pl.triggerComparison(x.Comparison)
	case *pattern.ObservationBinary:
		if x.Op == pattern.ObsOr {
			return pl.triggerObservation(x.Left) && pl.triggerObservation(x.Right)
		}
		return pl.either(func(p *plan) bool { return p.triggerObservation(x.Left) },
			func(p *plan) bool { return p.triggerObservation(x.Right) })
	case *pattern.ObservationQualified:
		return pl.triggerObservation(x.Expr)
	}
	return false
}

func (pl *plan) triggerComparison(x pattern.ComparisonExpr) bool {
	switch x := x.(type) {
	case *pattern.ComparisonBinary:
		if x.Op == pattern.BoolOr {
			return pl.triggerComparison(x.Left) && pl.triggerComparison(x.Right)
		}
		return pl.either(func(p *plan) bool { return p.triggerComparison(x.Left) },
			func(p *plan) bool { return p.triggerComparison(x.Right) })
	case *pattern.Comparison:
		var leaf plan
		if leaf.leaf(x) || leaf.triggerLeaf(x) {
			pl.eq = append(pl.eq, leaf.eq...)
			pl.cidr = append(pl.cidr, leaf.cidr...)
			return true
		}
	}
	return false
}

// either adds the triggers of the first side that has some.
func (pl *plan) either(left, right func(*plan) bool) bool {
	for _, side := range []func(*plan) bool{left, right} {
		var p plan
		if side(&p) {
			pl.eq = append(pl.eq, p.eq...)
			pl.cidr = append(pl.cidr, p.cidr...)
			return true
		}
	}
	return false
}

// Paths of the suffix triggers: a domain name or the domain of an e-mail address is
// looked up in them by each of its label suffixes. A NUL cannot be in a path of a
// compiled comparison, so these fields are the triggers' alone.
const (
	pathLabelSuffix = "\x00label-suffix" // domain-name: "b.example" for "a.b.example"
	pathMailDomain  = "\x00mail-domain"  // email-addr: "example.com" for "a@example.com"
)

// triggerLeaf derives the triggers of a comparison beyond the fast path's own:
//
//   - an address through a reference, x_ref.value = 'address' (or IN, or ISSUBSET): the
//     referenced object is an ipv4-addr or ipv6-addr whose value the fast path looks up;
//   - domain-name:value LIKE '%.example.com': a domain whose label suffix is
//     example.com;
//   - email-addr:value LIKE '%@example.com': an address whose domain is example.com.
func (pl *plan) triggerLeaf(c *pattern.Comparison) bool {
	if c.Negated {
		return false
	}
	keys, ok := pathKeys(c.Path)
	if !ok {
		return false
	}
	if len(keys) == 2 && strings.HasSuffix(keys[0], "_ref") && keys[1] == "value" {
		switch c.Op {
		case pattern.OpIsSubset:
			p := c.Prefix()
			if !p.IsValid() {
				return false
			}
			pl.cidr = append(pl.cidr, cidrKey{trie: trieIndex(ipType(p.Addr()), !p.Addr().Is4()), pfx: p})
			return true
		case pattern.OpEqual, pattern.OpIn:
			lits := c.Set
			if c.Op == pattern.OpEqual {
				lits = []pattern.Literal{c.Value}
			}
			for _, l := range lits {
				// The builder gives the referenced object the canonical text of an
				// address; another constant cannot equal it.
				if l.Kind != pattern.KindString || canonicalText(normIP, l.Str) != l.Str {
					return false
				}
				a, _, network, ok := parseIPValue(l.Str)
				if !ok || network {
					return false
				}
				pl.eq = append(pl.eq, eqKey{fk: fieldKey{ipType(a), "value"}, norm: normIP, key: string(appendAddr(nil, a))})
			}
			return true
		}
		return false
	}
	if c.Op != pattern.OpLike || len(keys) != 1 || keys[0] != "value" || c.Value.Kind != pattern.KindString {
		return false
	}
	var sep, path string
	switch c.Path.Type {
	case "domain-name":
		sep, path = "%.", pathLabelSuffix
	case "email-addr":
		sep, path = "%@", pathMailDomain
	default:
		return false
	}
	lit, ok := strings.CutPrefix(c.Value.Str, sep)
	if !ok || lit == "" || strings.ContainsAny(lit, "%_") {
		return false
	}
	// LIKE is case-sensitive and sees canonical (lower-case) values: a constant with
	// upper case never matches, and its lower-cased trigger is merely never needed.
	pl.eq = append(pl.eq, eqKey{fk: fieldKey{c.Path.Type, path}, norm: normExact, key: lowerASCII(lit)})
	return true
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
				return cmp.Compare(a.fk.typ, b.fk.typ)
			case a.fk.path != b.fk.path:
				return cmp.Compare(a.fk.path, b.fk.path)
			case a.raw != b.raw:
				if a.raw {
					return 1
				}
				return -1
			}
			return cmp.Compare(a.key, b.key)
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
