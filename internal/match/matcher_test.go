package match

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	firebreak "github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix/pattern"
)

func ob(typ, path, v string) Observable { return Observable{Type: typ, Path: path, Value: v} }

func ipv4(v string) Observable   { return ob("ipv4-addr", "value", v) }
func ipv6(v string) Observable   { return ob("ipv6-addr", "value", v) }
func domain(v string) Observable { return ob("domain-name", "value", v) }

func hitIDs(hits []Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.IndicatorID
	}
	slices.Sort(ids)
	return ids
}

func mustUpdate(t testing.TB, m *Matcher, inds ...Indicator) {
	t.Helper()
	if errs := m.Update(inds...); len(errs) > 0 {
		t.Fatalf("Update: %v", errs)
	}
}

const (
	sha256a = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
	md5a    = "cead3f77f6cda6ec00f57d76c9a6879f"
	sha1a   = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"
)

// TestCompiledShapes checks each shape of the fast path: that it compiles to it, and
// what it matches.
func TestCompiledShapes(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		match   []Observable
		miss    []Observable
	}{
		{"ipv4 equality", "[ipv4-addr:value = '198.51.100.1']",
			[]Observable{ipv4("198.51.100.1")},
			[]Observable{ipv4("198.51.100.2"), domain("198.51.100.1"), ipv6("198.51.100.1"), ob("ipv4-addr", "name", "198.51.100.1")}},
		{"ipv6 equality across spellings", "[ipv6-addr:value = '2001:0DB8:0:0::1']",
			[]Observable{ipv6("2001:db8::1"), ipv6("2001:0db8:0000:0000:0000:0000:0000:0001"), ipv6("2001:DB8::0:1")},
			[]Observable{ipv6("2001:db8::2"), ipv6("2001:db8::1/128"), ipv6("fe80::1%eth0")}},
		{"ipv4 network equality keeps host bits", "[ipv4-addr:value = '10.0.0.1/24']",
			[]Observable{ipv4("10.0.0.1/24")},
			[]Observable{ipv4("10.0.0.0/24"), ipv4("10.0.0.1")}},
		{"ipv4-mapped ipv6 is not ipv4", "[ipv6-addr:value = '::ffff:192.0.2.1']",
			[]Observable{ipv6("::FFFF:192.0.2.1"), ipv6("0:0:0:0:0:ffff:c000:201")},
			[]Observable{ipv6("192.0.2.1"), ipv4("192.0.2.1")}},
		{"non-address ip value as written", "[ipv4-addr:value = 'not-an-ip']",
			[]Observable{ipv4("not-an-ip")},
			[]Observable{ipv4("NOT-AN-IP")}},
		{"domain case and trailing dot", "[domain-name:value = 'Evil.Example.COM']",
			[]Observable{domain("evil.example.com"), domain("EVIL.example.com."), domain("evil.EXAMPLE.com")},
			[]Observable{domain("evil.example.com.."), domain("sub.evil.example.com"), domain("example.com")}},
		{"domain IN", "[domain-name:value IN ('a.example', 'B.example.')]",
			[]Observable{domain("a.example"), domain("b.example")},
			[]Observable{domain("c.example")}},
		{"OR of comparisons on different types", "[ipv4-addr:value = '10.0.0.1' OR domain-name:value = 'x.example']",
			[]Observable{ipv4("10.0.0.1"), domain("x.example")},
			[]Observable{ipv4("10.0.0.2"), domain("10.0.0.1")}},
		{"observation OR", "[url:value = 'http://x.example/a'] OR [email-addr:value = 'Bob@Example.com']",
			[]Observable{ob("url", "value", "http://x.example/a"), ob("email-addr", "value", "bob@example.com"), ob("email-addr", "value", "BOB@EXAMPLE.COM")},
			[]Observable{ob("url", "value", "http://X.example/a"), ob("url", "value", "http://x.example/a/"), ob("email-addr", "value", "bob@example.org")}},
		{"sha-256", "[file:hashes.'SHA-256' = '" + strings.ToUpper(sha256a) + "']",
			[]Observable{ob("file", "hashes.'SHA-256'", sha256a), ob("file", "hashes.SHA256", sha256a), ob("file", "hashes.sha256", strings.ToUpper(sha256a))},
			[]Observable{ob("file", "hashes.MD5", sha256a), ob("artifact", "hashes.'SHA-256'", sha256a), ob("file", "name", sha256a)}},
		{"hash algorithm spelled otherwise", "[file:hashes.SHA256 = '" + sha256a + "' OR file:hashes.md5 = '" + md5a + "']",
			[]Observable{ob("file", "hashes.'SHA-256'", sha256a), ob("file", "hashes.MD5", md5a)},
			[]Observable{ob("file", "hashes.'SHA-1'", sha256a)}},
		{"md5 as hex literal", "[file:hashes.MD5 = h'" + md5a + "']",
			[]Observable{ob("file", "hashes.MD5", md5a), ob("file", "hashes.MD5", strings.ToUpper(md5a))},
			[]Observable{ob("file", "hashes.MD5", md5a[:30])}},
		{"sha-1 IN", "[file:hashes.'SHA-1' IN ('" + sha1a + "')]",
			[]Observable{ob("file", "hashes.'SHA-1'", sha1a)}, nil},
		{"hashes of other objects", "[x509-certificate:hashes.'SHA-1' = '" + sha1a + "']",
			[]Observable{ob("x509-certificate", "hashes.'SHA-1'", strings.ToUpper(sha1a))},
			[]Observable{ob("file", "hashes.'SHA-1'", sha1a)}},
		{"other property, exact", "[process:name = 'evil.exe']",
			[]Observable{ob("process", "name", "evil.exe")},
			[]Observable{ob("process", "name", "Evil.exe"), ob("file", "name", "evil.exe")}},
		{"nested property", "[file:extensions.'windows-pebinary-ext'.imphash = 'abc']",
			[]Observable{ob("file", "extensions.'windows-pebinary-ext'.imphash", "abc")},
			[]Observable{ob("file", "imphash", "abc")}},
		{"ipv4 ISSUBSET", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
			[]Observable{ipv4("198.51.100.7"), ipv4("198.51.100.0"), ipv4("198.51.100.255"), ipv4("198.51.100.128/25"), ipv4("198.51.100.0/24")},
			[]Observable{ipv4("198.51.101.1"), ipv4("198.51.100.0/23"), ipv4("garbage"), ipv6("198.51.100.7"), ipv4("::ffff:198.51.100.7")}},
		{"ipv4 ISSUBSET /0", "[ipv4-addr:value ISSUBSET '0.0.0.0/0']",
			[]Observable{ipv4("1.2.3.4"), ipv4("255.255.255.255"), ipv4("0.0.0.0/0")},
			[]Observable{ipv4("2001:db8::1")}},
		{"ipv4 ISSUBSET /32", "[ipv4-addr:value ISSUBSET '203.0.113.5/32']",
			[]Observable{ipv4("203.0.113.5")},
			[]Observable{ipv4("203.0.113.4"), ipv4("203.0.113.6"), ipv4("203.0.113.4/31")}},
		{"ipv4 ISSUBSET bare address", "[ipv4-addr:value ISSUBSET '203.0.113.5']",
			[]Observable{ipv4("203.0.113.5")},
			[]Observable{ipv4("203.0.113.4")}},
		{"ipv4 ISSUBSET odd length", "[ipv4-addr:value ISSUBSET '172.16.0.0/13']",
			[]Observable{ipv4("172.16.0.1"), ipv4("172.23.255.255")},
			[]Observable{ipv4("172.24.0.0"), ipv4("172.15.255.255")}},
		{"ipv4 ISSUBSET /1 and /31", "[ipv4-addr:value ISSUBSET '128.0.0.0/1' OR ipv4-addr:value ISSUBSET '10.0.0.2/31']",
			[]Observable{ipv4("200.1.1.1"), ipv4("10.0.0.2"), ipv4("10.0.0.3")},
			[]Observable{ipv4("10.0.0.1"), ipv4("10.0.0.4"), ipv4("127.255.255.255")}},
		{"ipv6 ISSUBSET", "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
			[]Observable{ipv6("2001:db8::1"), ipv6("2001:DB8:ffff::1"), ipv6("2001:db8::/48")},
			[]Observable{ipv6("2001:db9::1"), ipv6("2001:db8::/31"), ipv6("10.0.0.1"), ipv6("fe80::1%eth0")}},
		{"ipv6 ISSUBSET /128", "[ipv6-addr:value ISSUBSET '2001:db8::1/128']",
			[]Observable{ipv6("2001:0db8::0001")},
			[]Observable{ipv6("2001:db8::2"), ipv6("2001:db8::")}},
		{"ipv6 ISSUBSET /0", "[ipv6-addr:value ISSUBSET '::/0']",
			[]Observable{ipv6("::1"), ipv6("ffff::1")},
			[]Observable{ipv6("1.2.3.4")}},
		{"ipv6 ISSUBSET /127 and /61", "[ipv6-addr:value ISSUBSET '2001:db8::2/127' OR ipv6-addr:value ISSUBSET '2001:db8:0:8::/61']",
			[]Observable{ipv6("2001:db8::3"), ipv6("2001:db8:0:f::1")},
			[]Observable{ipv6("2001:db8::4"), ipv6("2001:db8:0:7::1"), ipv6("2001:db8:0:10::1")}},
		{"ipv4-addr holding an ipv6 network", "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
			[]Observable{ipv4("2001:db8::1")},
			[]Observable{ipv6("2001:db8::1")}},
		{"equality and network together hit once", "[ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value ISSUBSET '10.0.0.0/8' OR ipv4-addr:value ISSUBSET '10.0.0.0/16']",
			[]Observable{ipv4("10.0.0.1"), ipv4("10.9.9.9")},
			[]Observable{ipv4("11.0.0.1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := compilePattern(tt.pattern)
			if err != nil {
				t.Fatalf("compile %s: %v", tt.pattern, err)
			}
			if pl.general != nil {
				t.Fatalf("%s: left to the general evaluator, want the fast path", tt.pattern)
			}
			m := NewMatcher()
			mustUpdate(t, m, Indicator{ID: "indicator--1", Name: "one", Pattern: tt.pattern})
			for _, o := range tt.match {
				hits := m.Match(o, nil)
				if len(hits) != 1 || hits[0].IndicatorID != "indicator--1" || hits[0].Name != "one" || hits[0].Observable != o {
					t.Errorf("Match(%s:%s = %q) = %+v, want one hit of indicator--1", o.Type, o.Path, o.Value, hits)
				}
				if ev := m.MatchEvent(Event{Observables: []Observable{o}}, nil); len(ev) != 1 {
					t.Errorf("MatchEvent(%s:%s = %q) = %+v, want one hit", o.Type, o.Path, o.Value, ev)
				}
			}
			for _, o := range tt.miss {
				if hits := m.Match(o, nil); len(hits) != 0 {
					t.Errorf("Match(%s:%s = %q) = %+v, want no hit", o.Type, o.Path, o.Value, hits)
				}
			}
		})
	}
}

// TestGeneralShapes checks that the shapes outside the fast path are left to the
// evaluator, and that MatchEvent evaluates them.
func TestGeneralShapes(t *testing.T) {
	at := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	conn := Event{Time: at, Observables: []Observable{
		ipv4("10.0.0.5"), ob("network-traffic", "src_ref.value", "10.0.0.5"),
		ipv4("198.51.100.1"), ob("network-traffic", "dst_ref.value", "198.51.100.1"),
		ob("network-traffic", "src_port", "51234"), ob("network-traffic", "dst_port", "443"),
		ob("network-traffic", "protocols", "tcp"),
	}}
	dns := Event{Time: at, Observables: []Observable{domain("WWW.Evil.Example."), ipv4("203.0.113.9")}}
	file := Event{Time: at, Observables: []Observable{ob("file", "hashes.MD5", md5a), ob("file", "name", "a.exe")}}
	tests := []struct {
		pattern string
		match   []Event
		miss    []Event
	}{
		{"[network-traffic:src_ref.value = '10.0.0.5' AND network-traffic:dst_ref.value = '198.51.100.1']", []Event{conn}, []Event{dns}},
		{"[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port IN (443, 8443)]", []Event{conn}, nil},
		{"[network-traffic:dst_port = 443]", []Event{conn}, nil},
		{"[network-traffic:protocols[*] = 'tcp']", []Event{conn}, nil},
		{"[network-traffic:dst_port > 1024]", nil, []Event{conn}},
		{"[domain-name:value LIKE '%.evil.example']", []Event{dns}, []Event{conn}},
		{"[domain-name:value MATCHES '^www\\\\.']", []Event{dns}, nil},
		{"[domain-name:value = 'WWW.EVIL.EXAMPLE' AND domain-name:value != 'x']", []Event{dns}, nil},
		{"[domain-name:value != 'www.evil.example']", nil, []Event{dns}},
		{"[ipv4-addr:value NOT = '10.0.0.5']", []Event{conn, dns}, nil},
		{"[EXISTS file:hashes.MD5]", []Event{file}, []Event{dns}},
		{"[file:hashes.md5 = '" + strings.ToUpper(md5a) + "' AND file:name = 'a.exe']", []Event{file}, nil},
		{"[ipv4-addr:value ISSUPERSET '203.0.113.9']", []Event{dns}, []Event{conn}},
		{"[ipv4-addr:value = '203.0.113.9'] START t'2024-01-15T00:00:00Z' STOP t'2024-01-16T00:00:00Z'", []Event{dns}, nil},
		{"[ipv4-addr:value = '203.0.113.9'] START t'2024-01-16T00:00:00Z' STOP t'2024-01-17T00:00:00Z'", nil, []Event{dns}},
		{"[ipv4-addr:value = '203.0.113.9'] WITHIN 60 SECONDS", []Event{dns}, nil},
		{"[ipv4-addr:value = '203.0.113.9'] REPEATS 2 TIMES", nil, []Event{dns}},
		{"[ipv4-addr:value = '203.0.113.9'] AND [domain-name:value = 'www.evil.example']", nil, []Event{dns}},
		{"[ipv4-addr:value = '203.0.113.9'] FOLLOWEDBY [domain-name:value = 'www.evil.example']", nil, []Event{dns}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			pl, err := compilePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if pl.general == nil {
				t.Fatalf("compiled to the fast path, want the general evaluator")
			}
			m := NewMatcher()
			mustUpdate(t, m, Indicator{ID: "indicator--g", Pattern: tt.pattern})
			for _, ev := range tt.match {
				hits := m.MatchEvent(ev, nil)
				if len(hits) != 1 {
					t.Errorf("MatchEvent(%v) = %v, want one hit", ev.Observables, hits)
					continue
				}
				if !slices.Contains(pl.general.types, hits[0].Observable.Type) {
					t.Errorf("hit reports %+v, want an observable of type %v", hits[0].Observable, pl.general.types)
				}
			}
			for _, ev := range tt.miss {
				if hits := m.MatchEvent(ev, nil); len(hits) != 0 {
					t.Errorf("MatchEvent(%v) = %v, want no hit", ev.Observables, hits)
				}
			}
			for _, ev := range append(tt.match, tt.miss...) {
				for _, o := range ev.Observables {
					if hits := m.Match(o, nil); len(hits) != 0 {
						t.Errorf("Match(%v) = %v: general patterns are for MatchEvent only", o, hits)
					}
				}
			}
		})
	}
}

func TestNestedNetworks(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m,
		Indicator{ID: "a", Pattern: "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"},
		Indicator{ID: "b", Pattern: "[ipv4-addr:value ISSUBSET '10.1.0.0/16']"},
		Indicator{ID: "c", Pattern: "[ipv4-addr:value ISSUBSET '10.1.2.0/24']"},
		Indicator{ID: "d", Pattern: "[ipv4-addr:value ISSUBSET '10.1.2.3/32']"},
		Indicator{ID: "e", Pattern: "[ipv4-addr:value ISSUBSET '10.1.2.0/22']"},
		Indicator{ID: "f", Pattern: "[ipv4-addr:value ISSUBSET '0.0.0.0/0']"},
		Indicator{ID: "g", Pattern: "[ipv4-addr:value = '10.1.2.3']"},
		Indicator{ID: "v6a", Pattern: "[ipv6-addr:value ISSUBSET '2001:db8::/32']"},
		Indicator{ID: "v6b", Pattern: "[ipv6-addr:value ISSUBSET '2001:db8:1::/48']"},
		Indicator{ID: "v6c", Pattern: "[ipv6-addr:value ISSUBSET '2001:db8:1::1/128']"},
		Indicator{ID: "v6d", Pattern: "[ipv6-addr:value ISSUBSET '::/0']"},
	)
	tests := []struct {
		o    Observable
		want []string
	}{
		{ipv4("10.1.2.3"), []string{"a", "b", "c", "d", "e", "f", "g"}},
		{ipv4("10.1.2.4"), []string{"a", "b", "c", "e", "f"}},
		{ipv4("10.1.3.4"), []string{"a", "b", "e", "f"}},
		{ipv4("10.1.4.4"), []string{"a", "b", "f"}},
		{ipv4("10.2.0.1"), []string{"a", "f"}},
		{ipv4("11.0.0.1"), []string{"f"}},
		{ipv4("10.1.0.0/16"), []string{"a", "b", "f"}},
		{ipv6("2001:db8:1::1"), []string{"v6a", "v6b", "v6c", "v6d"}},
		{ipv6("2001:db8:1::2"), []string{"v6a", "v6b", "v6d"}},
		{ipv6("2001:db8:2::1"), []string{"v6a", "v6d"}},
		{ipv6("2001:db9::1"), []string{"v6d"}},
	}
	for _, tt := range tests {
		if got := hitIDs(m.Match(tt.o, nil)); !slices.Equal(got, tt.want) {
			t.Errorf("Match(%s) = %v, want %v", tt.o.Value, got, tt.want)
		}
	}
	// Removing a network leaves the others, nested or not.
	m.Remove("b", "v6b")
	if got, want := hitIDs(m.Match(ipv4("10.1.2.3"), nil)), []string{"a", "c", "d", "e", "f", "g"}; !slices.Equal(got, want) {
		t.Errorf("after removing b: %v, want %v", got, want)
	}
	if got, want := hitIDs(m.Match(ipv6("2001:db8:1::1"), nil)), []string{"v6a", "v6c", "v6d"}; !slices.Equal(got, want) {
		t.Errorf("after removing v6b: %v, want %v", got, want)
	}
	m.Remove("a", "c", "d", "e", "f", "g", "v6a", "v6c", "v6d")
	s := m.cur.Load()
	for i, root := range s.tries {
		if root != nil {
			t.Errorf("trie %d not pruned after removing every network", i)
		}
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) Now() time.Time  { return time.Unix(0, c.now.Load()).UTC() }
func (c *fakeClock) Set(t time.Time) { c.now.Store(t.UnixNano()) }
func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.Set(t)
	return c
}

func TestLifecycle(t *testing.T) {
	t0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	clk := newFakeClock(t0)
	m := NewMatcher()
	m.SetClock(clk.Now)
	mustUpdate(t, m,
		Indicator{ID: "keep", Pattern: "[ipv4-addr:value = '192.0.2.1']"},
		Indicator{ID: "revoke", Pattern: "[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'r.example']"},
		Indicator{ID: "expire", Pattern: "[ipv4-addr:value = '192.0.2.1']", ValidUntil: t0.Add(time.Hour)},
		Indicator{ID: "later", Pattern: "[ipv4-addr:value = '192.0.2.1']", ValidFrom: t0.Add(time.Hour)},
		Indicator{ID: "forever", Pattern: "[ipv4-addr:value = '192.0.2.1']", ValidUntil: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		Indicator{ID: "replace", Pattern: "[ipv4-addr:value ISSUBSET '192.0.2.0/24']"},
		Indicator{ID: "general", Pattern: "[domain-name:value LIKE '%.example'] ", ValidUntil: t0.Add(time.Hour)},
	)
	check := func(step string, o Observable, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := hitIDs(m.MatchEvent(Event{Observables: []Observable{o}}, nil)); !slices.Equal(got, want) {
			t.Errorf("%s: %s = %v, want %v", step, o.Value, got, want)
		}
	}
	check("start", ipv4("192.0.2.1"), "keep", "revoke", "expire", "forever", "replace")
	check("start", domain("r.example"), "revoke", "general")

	mustUpdate(t, m, Indicator{ID: "revoke", Pattern: "[ipv4-addr:value = '192.0.2.1']", Revoked: true})
	check("revoked", ipv4("192.0.2.1"), "keep", "expire", "forever", "replace")
	check("revoked", domain("r.example"), "general")

	mustUpdate(t, m, Indicator{ID: "replace", Pattern: "[domain-name:value = 'new.example']"})
	check("replaced", ipv4("192.0.2.1"), "keep", "expire", "forever")
	check("replaced", ipv4("192.0.2.77"))
	check("replaced", domain("new.example"), "replace", "general")

	clk.Set(t0.Add(time.Hour)) // no update: the clock alone expires and validates
	check("an hour later", ipv4("192.0.2.1"), "keep", "later", "forever")
	check("an hour later", domain("new.example"), "replace")

	if n := m.RemoveExpired(); n != 2 {
		t.Errorf("RemoveExpired = %d, want 2 (expire, general)", n)
	}
	if st := m.Stats(); st.Indicators != 4 || st.General != 0 {
		t.Errorf("Stats = %+v, want 4 indicators, 0 general", st)
	}
	mustUpdate(t, m, Indicator{ID: "keep"}) // an empty pattern removes
	check("emptied", ipv4("192.0.2.1"), "later", "forever")
	m.Remove("later", "unknown")
	check("removed", ipv4("192.0.2.1"), "forever")
}

func TestSeq(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m, Indicator{ID: "i", Pattern: "[domain-name:value = 'v2.example']", Seq: 2})
	mustUpdate(t, m, Indicator{ID: "i", Pattern: "[domain-name:value = 'v1.example']", Seq: 1})
	if hits := m.Match(domain("v2.example"), nil); len(hits) != 1 {
		t.Errorf("an older version replaced a newer one")
	}
	mustUpdate(t, m, Indicator{ID: "i", Revoked: true, Seq: 3})
	mustUpdate(t, m, Indicator{ID: "i", Pattern: "[domain-name:value = 'v2.example']", Seq: 2})
	if hits := m.Match(domain("v2.example"), nil); len(hits) != 0 {
		t.Errorf("an older version came back after the revocation")
	}
	// In one call, the highest Seq of an id wins whatever the order.
	mustUpdate(t, m, Indicator{ID: "j", Pattern: "[domain-name:value = 'j5.example']", Seq: 5},
		Indicator{ID: "j", Pattern: "[domain-name:value = 'j4.example']", Seq: 4})
	if hits := m.Match(domain("j5.example"), nil); len(hits) != 1 {
		t.Errorf("the highest Seq in a call did not win")
	}
	if hits := m.Match(domain("j4.example"), nil); len(hits) != 0 {
		t.Errorf("a lower Seq in a call was applied")
	}
}

func TestInvalidPatterns(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m, Indicator{ID: "was-valid", Pattern: "[domain-name:value = 'old.example']"})
	errs := m.Update(
		Indicator{ID: "good", Pattern: "[domain-name:value = 'good.example']"},
		Indicator{ID: "bad", Pattern: "[domain-name:value = ]"},
		Indicator{ID: "was-valid", Pattern: "[file:hashes.MD5 = 'nothex']"},
	)
	if len(errs) != 2 {
		t.Fatalf("Update returned %d errors, want 2: %v", len(errs), errs)
	}
	for i, id := range []string{"bad", "was-valid"} {
		err := errs[i]
		if firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("error %v has code %q, want %q", err, firebreak.ErrorCode(err), firebreak.EINVALID)
		}
		var se *pattern.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("error %v does not carry the *pattern.SyntaxError", err)
		}
		if msg := firebreak.ErrorMessage(err); !strings.Contains(msg, "indicator "+id) || !strings.Contains(msg, "pattern:1:") {
			t.Errorf("message %q does not name the indicator %s and the position", msg, id)
		}
	}
	if len(m.Match(domain("good.example"), nil)) != 1 {
		t.Errorf("the valid indicator of the batch was not applied")
	}
	if len(m.Match(domain("old.example"), nil)) != 0 {
		t.Errorf("an indicator replaced by an invalid version still matches")
	}
}

// TestIncrementalUpdates changes a few indicators among many, and checks that all the
// others still match as before, and that the shards and chunks not touched are shared
// with the previous snapshot.
func TestIncrementalUpdates(t *testing.T) {
	m := NewMatcher()
	const n = 5000
	var inds []Indicator
	for i := range n {
		var p string
		switch i % 4 {
		case 0:
			p = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		case 1:
			p = fmt.Sprintf("[domain-name:value = 'd%d.example']", i)
		case 2:
			p = fmt.Sprintf("[ipv4-addr:value ISSUBSET '172.%d.%d.0/24']", i>>8&255, i&255)
		case 3:
			p = fmt.Sprintf("[domain-name:value LIKE '%%.g%d.example']", i)
		}
		inds = append(inds, Indicator{ID: fmt.Sprintf("indicator--%d", i), Pattern: p})
	}
	mustUpdate(t, m, inds...)
	probe := func(i int) Event {
		switch i % 4 {
		case 0:
			return Event{Observables: []Observable{ipv4(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))}}
		case 1:
			return Event{Observables: []Observable{domain(fmt.Sprintf("d%d.example", i))}}
		case 2:
			return Event{Observables: []Observable{ipv4(fmt.Sprintf("172.%d.%d.9", i>>8&255, i&255))}}
		}
		return Event{Observables: []Observable{domain(fmt.Sprintf("x.g%d.example", i))}}
	}
	changed := map[int]bool{}
	for _, i := range []int{0, 1, 2, 3, 4001, 4002, 4003, 4004} {
		changed[i] = true
	}
	before := m.cur.Load()
	mustUpdate(t, m,
		Indicator{ID: "indicator--0", Revoked: true},
		Indicator{ID: "indicator--1", Pattern: "[domain-name:value = 'changed.example']"},
		Indicator{ID: "indicator--2", Revoked: true},
		Indicator{ID: "indicator--3", Revoked: true},
		Indicator{ID: "indicator--4001", Revoked: true},
		Indicator{ID: "indicator--4002", Pattern: "[url:value = 'http://changed.example/']"},
		Indicator{ID: "indicator--4003", Revoked: true},
		Indicator{ID: "indicator--4004"},
		Indicator{ID: "indicator--new", Pattern: "[ipv4-addr:value = '10.0.0.0']"},
	)
	for i := range n {
		hits := m.MatchEvent(probe(i), nil)
		want := []string{fmt.Sprintf("indicator--%d", i)}
		if changed[i] {
			want = nil
		}
		if i == 0 {
			want = []string{"indicator--new"}
		}
		if got := hitIDs(hits); !slices.Equal(got, want) {
			t.Errorf("indicator %d: hits %v, want %v", i, got, want)
		}
	}
	after := m.cur.Load()
	f0, f1 := before.fields[fieldKey{"domain-name", "value"}], after.fields[fieldKey{"domain-name", "value"}]
	shared := 0
	for s := range nShards {
		if f0.tabs[s] == f1.tabs[s] {
			shared++
		}
	}
	if shared < nShards-4 {
		t.Errorf("only %d of %d domain shards shared after changing 2 domains", shared, nShards)
	}
	sharedChunks := 0
	for i := range before.chunks {
		if before.chunks[i] == after.chunks[i] {
			sharedChunks++
		}
	}
	if sharedChunks < len(before.chunks)-3 {
		t.Errorf("only %d of %d record chunks shared", sharedChunks, len(before.chunks))
	}
}

// TestConcurrentUpdates matches while indicators change; run with -race.
func TestConcurrentUpdates(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m, Indicator{ID: "stable", Pattern: "[domain-name:value = 'stable.example']"})
	var stop atomic.Bool
	var wg sync.WaitGroup
	var missed atomic.Int64
	for range 2 {
		wg.Go(func() {
			var hits []Hit
			for !stop.Load() {
				hits = m.MatchEvent(Event{Observables: []Observable{domain("stable.example"), ipv4("10.0.0.1")}}, hits[:0])
				if !slices.ContainsFunc(hits, func(h Hit) bool { return h.IndicatorID == "stable" }) {
					missed.Add(1)
				}
			}
		})
	}
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for i := range rounds {
		mustUpdate(t, m,
			Indicator{ID: fmt.Sprintf("churn-%d", i%7), Pattern: fmt.Sprintf("[ipv4-addr:value ISSUBSET '10.%d.0.0/16' OR domain-name:value = 'c%d.example']", i%3, i)},
			Indicator{ID: fmt.Sprintf("general-%d", i%5), Pattern: "[domain-name:value LIKE 'stable%']"})
		m.Remove(fmt.Sprintf("churn-%d", (i+3)%7))
	}
	stop.Store(true)
	wg.Wait()
	if n := missed.Load(); n > 0 {
		t.Errorf("an unchanged indicator was missed %d times during updates", n)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m,
		Indicator{ID: "a", Pattern: "[ipv4-addr:value = '10.0.0.1' OR domain-name:value = 'a.example']"},
		Indicator{ID: "b", Pattern: "[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR file:hashes.MD5 = '" + md5a + "']"},
		Indicator{ID: "c", Pattern: "[url:value = 'http://a.example/']"},
		Indicator{ID: "g", Pattern: "[process:name LIKE 'x%']"},
	)
	obs := []Observable{ipv4("192.0.2.1"), ipv6("2001:db8::1"), domain("B.Example."), ob("file", "hashes.MD5", strings.ToUpper(md5a[:31])+"0"),
		ob("url", "value", "http://b.example/"), ipv4("garbage"), ob("unknown-type", "value", "x")}
	hits := make([]Hit, 0, 8)
	ev := Event{Observables: obs}
	if n := testing.AllocsPerRun(100, func() {
		for _, o := range obs {
			hits = m.Match(o, hits[:0])
		}
		hits = m.MatchEvent(ev, hits[:0])
	}); n != 0 {
		t.Errorf("Match and MatchEvent without hits allocate %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { hits = m.Match(ipv4("10.0.0.1"), hits[:0]) }); n != 0 {
		t.Errorf("Match with hits within capacity allocates %v times, want 0", n)
	}
}

// TestReferenceObservables checks that a value seen through a reference
// (network-traffic:dst_ref.value) matches the compiled indicators of the object it
// refers to, as the evaluator, which sees that object, would.
func TestReferenceObservables(t *testing.T) {
	m := NewMatcher()
	mustUpdate(t, m,
		Indicator{ID: "addr", Pattern: "[ipv4-addr:value = '198.51.100.1']"},
		Indicator{ID: "net6", Pattern: "[ipv6-addr:value ISSUBSET '2001:db8::/32']"},
		Indicator{ID: "name", Pattern: "[domain-name:value = 'c2.example']"},
		Indicator{ID: "general", Pattern: "[ipv4-addr:value = '198.51.100.1' AND ipv4-addr:value LIKE '198.%']"},
	)
	tests := []struct {
		o    Observable
		want []string
	}{
		{ob("network-traffic", "dst_ref.value", "198.51.100.1"), []string{"addr", "general"}},
		{ob("network-traffic", "src_ref.value", "2001:db8::5"), []string{"net6"}},
		{ob("network-traffic", "dst_ref.value", "C2.example"), []string{"name"}},
		{ob("network-traffic", "dst_ref.value", "198.51.100.2"), nil},
		{ob("network-traffic", "dst_ref.name", "198.51.100.1"), nil},
	}
	for _, tt := range tests {
		if got := hitIDs(m.MatchEvent(Event{Observables: []Observable{tt.o}}, nil)); !slices.Equal(got, tt.want) {
			t.Errorf("MatchEvent(%s = %s) = %v, want %v", tt.o.Path, tt.o.Value, got, tt.want)
		}
		fast := slices.DeleteFunc(slices.Clone(tt.want), func(id string) bool { return id == "general" })
		if got := hitIDs(m.Match(tt.o, nil)); !slices.Equal(got, fast) {
			t.Errorf("Match(%s = %s) = %v, want %v", tt.o.Path, tt.o.Value, got, fast)
		}
	}
}

// TestNeedsFold checks the word-at-a-time scan against a plain one, on the bytes around
// the upper-case letters, with and without the high bit.
func TestNeedsFold(t *testing.T) {
	plain := func(v string) bool {
		for i := 0; i < len(v); i++ {
			if 'A' <= v[i] && v[i] <= 'Z' {
				return true
			}
		}
		return false
	}
	edges := []byte{'@', 'A', 'M', 'Z', '[', 'a', 'z', '0', 0x7f, 0x80, 0xc1, 0xda, 0xff, 0x00}
	for _, c := range edges {
		for pos := range 17 {
			for n := pos + 1; n <= 17; n += 4 {
				b := []byte(strings.Repeat("x", n))
				b[pos] = c
				v := string(b)
				for _, norm := range []normKind{normEmail, normHash} {
					if got, want := needsFold(norm, v), plain(v); got != want {
						t.Errorf("needsFold(%q) = %v, want %v", v, got, want)
					}
				}
			}
		}
	}
	if !needsFold(normDomain, "a.example.") || needsFold(normEmail, "a.example.") {
		t.Errorf("a trailing dot folds domain names only")
	}
}

// TestTriggers checks which general patterns get triggers, and that they match the
// same with or without.
func TestTriggers(t *testing.T) {
	at := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		pattern   string
		triggered bool
		match     []Observable
		miss      []Observable
	}{
		{"[ipv4-addr:value = '192.0.2.1'] START t'2020-01-01T00:00:00Z' STOP t'2030-01-01T00:00:00Z'", true,
			[]Observable{ipv4("192.0.2.1")}, []Observable{ipv4("192.0.2.2")}},
		{"[file:hashes.MD5 = '" + md5a + "' AND file:name LIKE '%.exe']", true,
			nil, []Observable{ob("file", "name", "x.exe")}},
		{"[domain-name:value LIKE '%.evil.example']", true,
			[]Observable{domain("a.evil.example"), domain("A.B.Evil.Example.")}, []Observable{domain("evil.example"), domain("notevil.example"), domain("evil.example.org")}},
		{"[domain-name:value LIKE '%.Evil.example']", true, nil, []Observable{domain("a.evil.example")}},
		{"[email-addr:value LIKE '%@phish.example']", true,
			[]Observable{ob("email-addr", "value", "Billing@Phish.example")}, []Observable{ob("email-addr", "value", "a@notphish.example")}},
		{"[email-addr:value LIKE '%@b@c.example']", true,
			[]Observable{ob("email-addr", "value", "a@b@c.example")}, []Observable{ob("email-addr", "value", "a@c.example")}},
		{"[network-traffic:dst_ref.value = '198.51.100.1' AND network-traffic:dst_port = 443]", true, nil, nil},
		{"[network-traffic:dst_ref.value ISSUBSET '2001:db8::/32'] REPEATS 1 TIMES", true,
			[]Observable{ob("network-traffic", "dst_ref.value", "2001:db8::1")}, []Observable{ipv6("2001:db8::1"), ob("network-traffic", "src_ref.value", "2001:db8::1")}},
		{"[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value LIKE 'x%']", true, nil, []Observable{ipv4("192.0.2.1")}},
		{"[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value LIKE 'x%']", false,
			[]Observable{domain("x.example")}, []Observable{domain("y.example")}},
		{"[domain-name:value LIKE 'x%.example']", false, []Observable{domain("xy.example")}, []Observable{domain("y.example")}},
		{"[network-traffic:dst_ref.value = '2001:0db8::1']", false, nil, []Observable{ob("network-traffic", "dst_ref.value", "2001:db8::1")}},
		{"[ipv4-addr:value != '192.0.2.1']", false, []Observable{ipv4("192.0.2.2")}, []Observable{ipv4("192.0.2.1")}},
	}
	for _, tt := range tests {
		pl, err := compilePattern(tt.pattern)
		if err != nil || pl.general == nil {
			t.Fatalf("%s: %v, general %v", tt.pattern, err, pl.general != nil)
		}
		if got := pl.general.trigger != nil; got != tt.triggered {
			t.Errorf("%s: triggered %v, want %v", tt.pattern, got, tt.triggered)
		}
		m := NewMatcher()
		mustUpdate(t, m, Indicator{ID: "g", Pattern: tt.pattern})
		if st := m.Stats(); st.General != 1 || (st.Triggered == 1) != tt.triggered {
			t.Errorf("%s: Stats %+v", tt.pattern, st)
		}
		for _, o := range tt.match {
			if got := hitIDs(m.MatchEvent(Event{Time: at, Observables: []Observable{o}}, nil)); len(got) != 1 {
				t.Errorf("%s: MatchEvent(%s) = %v, want a hit", tt.pattern, o.Value, got)
			}
		}
		for _, o := range tt.miss {
			if got := hitIDs(m.MatchEvent(Event{Time: at, Observables: []Observable{o}}, nil)); len(got) != 0 {
				t.Errorf("%s: MatchEvent(%s) = %v, want none", tt.pattern, o.Value, got)
			}
		}
		m.Remove("g")
		if st := m.Stats(); st != (Stats{}) {
			t.Errorf("%s: Stats after removal %+v, want zero", tt.pattern, st)
		}
		s := m.cur.Load()
		if len(s.fields) != 0 || len(s.general) != 0 || s.tries != [nTries]*trie{} {
			t.Errorf("%s: structures left after removal", tt.pattern)
		}
	}
}
