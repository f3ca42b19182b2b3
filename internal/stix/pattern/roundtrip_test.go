package pattern

import (
	"reflect"
	"testing"
)

// checkRoundTrip checks that p (parsed from src) renders to a form that parses to an
// equal tree and renders the same again.
func checkRoundTrip(t *testing.T, src string, p *Pattern) {
	t.Helper()
	s := p.String()
	q, err := Parse(s)
	if err != nil {
		t.Errorf("Parse(%q).String() = %q, which does not parse: %v", src, s, err)
		return
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("Parse(%q).String() = %q parses to a different tree", src, s)
	}
	if s2 := q.String(); s2 != s {
		t.Errorf("String is not a fixed point: %q then %q", s, s2)
	}
}
