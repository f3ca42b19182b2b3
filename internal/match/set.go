package match

import (
	"strings"

	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// ExactValue is a property and a value in the one spelling the matcher compares: the
// canonical form of an address, a lower-case domain, e-mail address or hash, and the
// vocabulary spelling of a hash algorithm in the path.
type ExactValue struct {
	Type, Path, Value string
}

// Key renders the value as one string for hashing: type, path and value separated by NUL,
// which none of them can hold.
func (v ExactValue) Key() string { return v.Type + "\x00" + v.Path + "\x00" + v.Value }

// ExactValues returns the values a pattern matches, when it is made only of equalities on
// plain properties (one [..] or several joined by OR, comparisons joined by OR, = and IN
// with string or hash constants): the indicators a set of keyed hashes can stand for.
// ok is false for any other pattern.
func ExactValues(src string) ([]ExactValue, bool) {
	p, err := pattern.Parse(src)
	if err != nil {
		return nil, false
	}
	var out []ExactValue
	if !exactObservation(p.Expr, &out) {
		return nil, false
	}
	return out, true
}

func exactObservation(x pattern.ObservationExpr, out *[]ExactValue) bool {
	switch x := x.(type) {
	case *pattern.ObservationSimple:
		return exactComparison(x.Comparison, out)
	case *pattern.ObservationBinary:
		return x.Op == pattern.ObsOr && exactObservation(x.Left, out) && exactObservation(x.Right, out)
	}
	return false
}

func exactComparison(x pattern.ComparisonExpr, out *[]ExactValue) bool {
	switch x := x.(type) {
	case *pattern.ComparisonBinary:
		return x.Op == pattern.BoolOr && exactComparison(x.Left, out) && exactComparison(x.Right, out)
	case *pattern.Comparison:
		if x.Negated || x.Op != pattern.OpEqual && x.Op != pattern.OpIn {
			return false
		}
		keys, ok := pathKeys(x.Path)
		if !ok {
			return false
		}
		path, norm, ok := classifyPath(x.Path.Type, keys)
		if !ok {
			return false
		}
		lits := x.Set
		if x.Op == pattern.OpEqual {
			lits = []pattern.Literal{x.Value}
		}
		for _, l := range lits {
			var v string
			switch {
			case l.Kind == pattern.KindString:
				v = l.Str
			case l.Kind == pattern.KindHex && norm == normHash:
				v = strings.ToLower(hexText(l.Bytes))
			default:
				return false
			}
			*out = append(*out, ExactValue{Type: x.Path.Type, Path: path, Value: canonicalText(norm, v)})
		}
		return true
	}
	return false
}

func hexText(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// ObservedValues returns the spellings under which an observed value is looked up: its
// own property, and for a value seen through a reference (dst_ref.value) the referenced
// object's value too, as the matcher does.
func ObservedValues(o Observable) []ExactValue {
	var out []ExactValue
	if keys, ok := splitPath(o.Path); ok {
		if path, norm, ok := classifyPath(o.Type, keys); ok {
			out = append(out, ExactValue{Type: o.Type, Path: path, Value: canonicalText(norm, o.Value)})
		}
	}
	if rt := refValueType(&o); rt != "" {
		if path, norm, ok := classifyPath(rt, []string{"value"}); ok {
			out = append(out, ExactValue{Type: rt, Path: path, Value: canonicalText(norm, o.Value)})
		}
	}
	return out
}
