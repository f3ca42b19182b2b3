package match

import (
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/internal/stix/pattern"
)

var diffSeed = flag.Uint64("diff.seed", 0, "seed of TestDifferential (0: from the clock)")

// TestDifferential checks that the matcher (compiled fast path and MatchEvent) and the
// general evaluator of internal/stix/pattern agree on every pair of random indicators
// and random observables. Both are given the same meaning: the matcher sees the patterns
// and values with random spellings (upper case, expanded IPv6, trailing dots, hash
// algorithm aliases, network host bits), the evaluator their canonical spelling, on an
// observation holding the observable's object alone.
func TestDifferential(t *testing.T) {
	seed := *diffSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -diff.seed=%d)", seed, seed)
	nInd, nObs := 600, 3000
	if testing.Short() {
		nInd, nObs = 200, 800
	}
	g := newDiffGen(seed)
	at := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)

	type indicator struct {
		id, text, canon string
		p               *pattern.Pattern
		fast            bool
	}
	inds := make([]indicator, nInd)
	var batch []Indicator
	fast := 0
	for i := range inds {
		text, canon := g.pattern()
		p, err := pattern.Parse(canon)
		if err != nil {
			t.Fatalf("seed %d: canonical pattern %s: %v", seed, canon, err)
		}
		pl, err := compilePattern(text)
		if err != nil {
			t.Fatalf("seed %d: pattern %s: %v", seed, text, err)
		}
		id := fmt.Sprintf("indicator--%d", i)
		inds[i] = indicator{id: id, text: text, canon: canon, p: p, fast: pl.general == nil}
		if inds[i].fast {
			fast++
		}
		batch = append(batch, Indicator{ID: id, Name: text, Pattern: text})
	}
	if fast < nInd/3 || nInd-fast < nInd/5 {
		t.Fatalf("seed %d: %d of %d patterns on the fast path: the generator lost its mix", seed, fast, nInd)
	}
	m := NewMatcher()
	// Load in several batches, and churn some, so that incremental updates are covered.
	for i := 0; i < len(batch); i += 97 {
		mustUpdate(t, m, batch[i:min(i+97, len(batch))]...)
	}
	for i := 0; i < len(batch); i += 13 {
		m.Remove(batch[i].ID)
	}
	for i := 0; i < len(batch); i += 13 {
		mustUpdate(t, m, batch[i])
	}

	hitsTotal, fastHits := 0, 0
	for range nObs {
		o, canon := g.observable()
		o.Time = at
		obs := []pattern.Observation{{Objects: map[string]map[string]any{"x--1": canon.object()}, First: at, Last: at, Count: 1}}
		var want, wantFast []string
		for _, ind := range inds {
			if ind.p.Match(obs) {
				want = append(want, ind.id)
				if ind.fast {
					wantFast = append(wantFast, ind.id)
				}
			}
		}
		slices.Sort(want)
		slices.Sort(wantFast)
		got := hitIDs(m.MatchEvent(Event{Time: at, Observables: []Observable{o}}, nil))
		gotFast := hitIDs(m.Match(o, nil))
		if !slices.Equal(got, want) || !slices.Equal(gotFast, wantFast) {
			byID := map[string]indicator{}
			for _, ind := range inds {
				byID[ind.id] = ind
			}
			var diff []string
			for _, id := range symmetricDifference(append(got, gotFast...), append(want, wantFast...)) {
				diff = append(diff, fmt.Sprintf("%s: %s (canonical %s)", id, byID[id].text, byID[id].canon))
			}
			t.Fatalf("seed %d: observable %s:%s = %q (canonical %q):\nMatchEvent %v, evaluator %v\nMatch %v, evaluator on the fast path %v\n%s",
				seed, o.Type, o.Path, o.Value, canon.value, got, want, gotFast, wantFast, strings.Join(diff, "\n"))
		}
		hitsTotal += len(want)
		fastHits += len(wantFast)
	}
	t.Logf("%d indicators (%d on the fast path), %d observables, %d hits (%d on the fast path)", nInd, fast, nObs, hitsTotal, fastHits)
	if fastHits < nObs/10 || hitsTotal-fastHits < nObs/50 {
		t.Errorf("seed %d: too few hits (%d, %d on the fast path) to mean much", seed, hitsTotal, fastHits)
	}
}

func symmetricDifference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// diffGen draws values from small pools, so that patterns and observables meet.
type diffGen struct {
	r                          *rand.Rand
	v4, v6                     []netip.Addr
	nets4, nets6               []netip.Prefix
	domains, emails, urls      []string
	md5s, sha1s, sha256s, exes []string
}

func newDiffGen(seed uint64) *diffGen {
	g := &diffGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	r := g.r
	for range 40 {
		g.v4 = append(g.v4, netip.AddrFrom4([4]byte{[]byte{10, 198, 203, 172}[r.IntN(4)], byte(r.IntN(4)), byte(r.IntN(4)), byte(r.IntN(256))}))
		var b [16]byte
		copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8})
		b[5], b[15] = byte(r.IntN(3)), byte(r.IntN(256))
		if r.IntN(3) == 0 {
			b[8] = byte(r.IntN(256))
		}
		g.v6 = append(g.v6, netip.AddrFrom16(b))
	}
	for range 15 {
		a := g.v4[r.IntN(len(g.v4))]
		g.nets4 = append(g.nets4, netip.PrefixFrom(a, []int{0, 1, 7, 8, 13, 16, 22, 24, 25, 30, 31, 32}[r.IntN(12)]).Masked())
		a6 := g.v6[r.IntN(len(g.v6))]
		g.nets6 = append(g.nets6, netip.PrefixFrom(a6, []int{0, 3, 16, 32, 45, 48, 64, 65, 100, 127, 128}[r.IntN(11)]).Masked())
	}
	for i := range 30 {
		g.domains = append(g.domains, fmt.Sprintf("%s%d.%s", []string{"www.evil", "cdn", "mail.bad", "x"}[r.IntN(4)], i, []string{"example", "test", "example.org"}[r.IntN(3)]))
		g.emails = append(g.emails, fmt.Sprintf("user%d@%s", r.IntN(5), g.domains[i]))
		g.urls = append(g.urls, fmt.Sprintf("http://%s/p%d?q=%d", g.domains[i], r.IntN(3), i))
		g.exes = append(g.exes, fmt.Sprintf("Tool%d.exe", r.IntN(10)))
	}
	randHex := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return hex.EncodeToString(b)
	}
	for range 20 {
		g.md5s = append(g.md5s, randHex(16))
		g.sha1s = append(g.sha1s, randHex(20))
		g.sha256s = append(g.sha256s, randHex(32))
	}
	return g
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// spell returns a random spelling of a canonical value of the normalisation norm; with a
// nil variant source, the canonical one.
func spell(v *rand.Rand, norm normKind, s string) string {
	if v == nil || v.IntN(3) == 0 {
		return s
	}
	switch norm {
	case normIP:
		if a, err := netip.ParseAddr(s); err == nil && a.Is6() {
			if v.IntN(2) == 0 {
				return strings.ToUpper(a.StringExpanded())
			}
			return a.StringExpanded()
		}
	case normDomain, normEmail, normHash:
		b := []byte(s)
		for i := range b {
			if 'a' <= b[i] && b[i] <= 'z' && v.IntN(2) == 0 {
				b[i] -= 'a' - 'A'
			}
		}
		if norm == normDomain && v.IntN(3) == 0 {
			b = append(b, '.')
		}
		return string(b)
	}
	return s
}

// spellAlg returns a path step for a hash algorithm: the vocabulary name quoted, or an
// alias.
func spellAlg(v *rand.Rand, alg string) string {
	canon := map[string]string{"MD5": "MD5", "SHA-1": "'SHA-1'", "SHA-256": "'SHA-256'"}[alg]
	if v == nil || v.IntN(2) == 0 {
		return canon
	}
	return pick(v, map[string][]string{"MD5": {"md5", "'Md5'"}, "SHA-1": {"SHA1", "'sha-1'"}, "SHA-256": {"SHA256", "sha256", "'sha-256'"}}[alg])
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// leaf returns a comparison's renderer and its object type.
func (g *diffGen) leaf(r *rand.Rand, fast bool, typ string) (func(v *rand.Rand) string, string) {
	types := []string{"ipv4-addr", "ipv6-addr", "domain-name", "email-addr", "url", "file", "process"}
	if typ == "" {
		typ = pick(r, types)
	}
	var values []string
	var norm normKind
	path := "value"
	switch typ {
	case "ipv4-addr":
		for _, a := range g.v4 {
			values = append(values, a.String())
		}
		if r.IntN(10) == 0 {
			values = []string{pick(r, g.nets4).String(), pick(r, g.v6).String()}
		}
		norm = normIP
	case "ipv6-addr":
		for _, a := range g.v6 {
			values = append(values, a.String())
		}
		norm = normIP
	case "domain-name":
		values, norm = g.domains, normDomain
	case "email-addr":
		values, norm = g.emails, normEmail
	case "url":
		values, norm = g.urls, normExact
	case "process":
		values, norm, path = g.exes, normExact, "name"
	case "file":
		norm = normHash
	}
	var alg string
	if typ == "file" {
		alg = pick(r, []string{"MD5", "SHA-1", "SHA-256"})
		values = map[string][]string{"MD5": g.md5s, "SHA-1": g.sha1s, "SHA-256": g.sha256s}[alg]
	}
	lhs := func(v *rand.Rand) string {
		if typ == "file" {
			return "file:hashes." + spellAlg(v, alg)
		}
		return typ + ":" + path
	}
	if fast {
		isNet := (typ == "ipv4-addr" || typ == "ipv6-addr") && r.IntN(3) == 0
		switch {
		case isNet:
			nets := g.nets4
			if typ == "ipv6-addr" {
				nets = g.nets6
			}
			if r.IntN(8) == 0 { // the other family
				nets = map[bool][]netip.Prefix{true: g.nets4, false: g.nets6}[typ == "ipv6-addr"]
			}
			p := pick(r, nets)
			return func(v *rand.Rand) string {
				lit := p.String()
				if v != nil && v.IntN(2) == 0 { // host bits set: ISSUBSET masks them
					lit = netip.PrefixFrom(randomIn(v, p), p.Bits()).String()
				}
				return lhs(v) + " ISSUBSET " + quote(lit)
			}, typ
		case r.IntN(4) == 0:
			set := []string{pick(r, values), pick(r, values), pick(r, values)}
			return func(v *rand.Rand) string {
				var parts []string
				for _, s := range set {
					parts = append(parts, quote(spell(v, norm, s)))
				}
				return lhs(v) + " IN (" + strings.Join(parts, ", ") + ")"
			}, typ
		case typ == "file" && r.IntN(4) == 0:
			val := pick(r, values)
			return func(v *rand.Rand) string { return lhs(v) + " = h'" + spell(v, normHash, val) + "'" }, typ
		}
		val := pick(r, values)
		return func(v *rand.Rand) string { return lhs(v) + " = " + quote(spell(v, norm, val)) }, typ
	}
	val := pick(r, values)
	switch k := r.IntN(8); {
	case k == 0 && (typ == "domain-name" || typ == "url" || typ == "email-addr"):
		suffix := val[len(val)-min(len(val), r.IntN(8)+3):]
		return func(*rand.Rand) string { return lhs(nil) + " LIKE " + quote("%"+suffix) }, typ
	case k == 1 && typ != "file":
		prefix := val[:r.IntN(4)+1]
		return func(*rand.Rand) string { return lhs(nil) + " MATCHES " + quote("^"+regexpQuote(prefix)) }, typ
	case k == 2:
		return func(v *rand.Rand) string { return lhs(v) + " != " + quote(spell(v, norm, val)) }, typ
	case k == 3:
		return func(v *rand.Rand) string { return lhs(v) + " NOT = " + quote(spell(v, norm, val)) }, typ
	case k == 4 && (typ == "ipv4-addr" || typ == "ipv6-addr"):
		return func(*rand.Rand) string { return lhs(nil) + " ISSUPERSET " + quote(val) }, typ
	case k == 5:
		return func(v *rand.Rand) string { return "EXISTS " + lhs(v) }, typ
	case k == 6:
		return func(*rand.Rand) string { return lhs(nil) + " > " + quote(val) }, typ
	}
	return func(*rand.Rand) string { return lhs(nil) + " <= " + quote(val) }, typ
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteString(`\\`)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// pattern returns a random pattern with random spellings, and the same canonically.
func (g *diffGen) pattern() (text, canon string) {
	r := g.r
	structure := r.Uint64()
	variants := r.Uint64()
	render := func(v *rand.Rand) string {
		s := rand.New(rand.NewPCG(structure, 1))
		orOf := func(n int, fast bool, typ string) string {
			var parts []string
			for i := range n {
				leafFast := fast || i > 0 && s.IntN(2) == 0
				f, _ := g.leaf(s, leafFast, typ)
				parts = append(parts, f(v))
			}
			return strings.Join(parts, " OR ")
		}
		switch k := s.IntN(20); {
		case k < 10:
			return "[" + orOf(1+s.IntN(3), true, "") + "]"
		case k < 12:
			return "[" + orOf(1+s.IntN(2), true, "") + "] OR [" + orOf(1, true, "") + "]"
		case k < 14:
			return "[" + orOf(1+s.IntN(2), false, "") + "]"
		case k < 16:
			f, typ := g.leaf(s, true, "")
			f2, _ := g.leaf(s, s.IntN(2) == 0, typ)
			return "[" + f(v) + " AND " + f2(v) + "]"
		case k < 18:
			q := []string{"WITHIN 5 SECONDS", "REPEATS 1 TIMES", "REPEATS 2 TIMES",
				"START t'2024-01-15T00:00:00Z' STOP t'2024-01-16T00:00:00Z'", "START t'2024-01-16T00:00:00Z' STOP t'2024-01-17T00:00:00Z'"}
			return "[" + orOf(1, true, "") + "] " + pick(s, q)
		}
		return "[" + orOf(1, true, "") + "] " + pick(s, []string{"AND", "FOLLOWEDBY", "OR"}) + " [" + orOf(1, false, "") + "]"
	}
	return render(rand.New(rand.NewPCG(variants, 2))), render(nil)
}

// randomIn returns a random address of the network p.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 96
	}
	for i := p.Bits() + off; i < 128; i++ {
		if r.IntN(2) == 0 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// diffObservable is an observable in canonical form, for the evaluator.
type diffObservable struct {
	typ   string
	keys  []string
	value string
}

func (o diffObservable) object() map[string]any {
	obj := map[string]any{"type": o.typ, "id": "x--1"}
	m := obj
	for _, k := range o.keys[:len(o.keys)-1] {
		next := map[string]any{}
		m[k] = next
		m = next
	}
	m[o.keys[len(o.keys)-1]] = o.value
	return obj
}

// observable returns a random observable, with random spellings, and canonically.
func (g *diffGen) observable() (Observable, diffObservable) {
	r := g.r
	var typ, val string
	var norm normKind
	keys := []string{"value"}
	switch r.IntN(8) {
	case 0, 1:
		typ, norm = "ipv4-addr", normIP
		switch k := r.IntN(10); {
		case k < 5:
			val = pick(r, g.v4).String()
		case k < 8: // inside a network of the pool
			val = randomIn(r, pick(r, g.nets4)).String()
		case k < 9:
			val = netip.PrefixFrom(pick(r, g.v4), 16+r.IntN(17)).Masked().String()
		default:
			val = pick(r, []string{"garbage", "1.2.3", "10.0.0.256", pick(r, g.v6).String()})
		}
	case 2:
		typ, norm = "ipv6-addr", normIP
		switch k := r.IntN(10); {
		case k < 5:
			val = pick(r, g.v6).String()
		case k < 8:
			val = randomIn(r, pick(r, g.nets6)).String()
		case k < 9:
			val = netip.PrefixFrom(pick(r, g.v6), 32+r.IntN(97)).Masked().String()
		default:
			val = pick(r, []string{"::ffff:10.0.0.1", pick(r, g.v4).String(), "2001:db8::zz"})
		}
	case 3:
		typ, norm, val = "domain-name", normDomain, pick(r, g.domains)
		if r.IntN(5) == 0 {
			val = "other" + val
		}
	case 4:
		typ, norm, val = "email-addr", normEmail, pick(r, g.emails)
	case 5:
		typ, norm, val = "url", normExact, pick(r, g.urls)
		if r.IntN(5) == 0 {
			val = strings.ToUpper(val)
		}
	case 6:
		typ, norm = "file", normHash
		alg := pick(r, []string{"MD5", "SHA-1", "SHA-256"})
		val = pick(r, map[string][]string{"MD5": g.md5s, "SHA-1": g.sha1s, "SHA-256": g.sha256s}[alg])
		if r.IntN(6) == 0 {
			alg = pick(r, []string{"MD5", "SHA-1", "SHA-256"}) // a hash under another algorithm
		}
		keys = []string{"hashes", alg}
	default:
		typ, norm, val, keys = "process", normExact, pick(r, g.exes), []string{"name"}
	}
	canonVal := canonicalText(norm, val)
	path := renderPath(typ, keys)
	if typ == "file" {
		path = "hashes." + spellAlg(r, keys[1])
	}
	return Observable{Type: typ, Path: path, Value: spell(r, norm, val)},
		diffObservable{typ: typ, keys: keys, value: canonVal}
}
