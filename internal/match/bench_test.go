package match

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The benchmarks load a million indicators of the kinds members share: mostly IPv4
// addresses, domain names and file hashes, some URLs and e-mail addresses, 4% networks
// and a few hundred patterns for the general evaluator. A slice of them (hitRate of the
// observables) are values that the logs really contain.
const (
	benchIndicators = 1_000_000
	benchGeneral    = 300
)

type benchData struct {
	inds []Indicator
	// values of the indicators, by kind, so that observables can hit them
	v4, domains, sha256s, md5s, urls []string
	nets                             []netip.Prefix
}

var benchSet = sync.OnceValue(func() *benchData {
	r := rand.New(rand.NewPCG(1, 2))
	d := &benchData{inds: make([]Indicator, 0, benchIndicators)}
	randV4 := func() netip.Addr {
		return netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
	}
	randHex := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return hex.EncodeToString(b)
	}
	words := []string{"update", "cdn", "login", "secure", "mail", "api", "static", "files", "auth", "portal", "track", "sync"}
	tlds := []string{"com", "net", "org", "info", "xyz", "top", "ru", "io"}
	general := []string{
		"[domain-name:value LIKE '%%.%[1]s%[2]d.%[3]s']",
		"[url:value MATCHES '^https?://[^/]*%[1]s%[2]d\\\\.%[3]s/']",
		"[network-traffic:dst_ref.value ISSUBSET '%[4]s' AND network-traffic:dst_port IN (443, 8443)]",
		"[ipv4-addr:value = '%[5]s'] START t'2020-01-01T00:00:00Z' STOP t'2030-01-01T00:00:00Z'",
		"[file:hashes.'SHA-256' = '%[6]s' AND file:name = 'a%[2]d.exe']",
		"[email-addr:value LIKE '%%@%[1]s%[2]d.%[3]s']",
	}
	for i := range benchIndicators {
		var p string
		switch k := r.IntN(100); {
		case i < benchGeneral:
			a := randV4()
			p = fmt.Sprintf(general[i%len(general)], words[r.IntN(len(words))], i, tlds[r.IntN(len(tlds))],
				netip.PrefixFrom(a, 24).Masked(), a, randHex(32))
		case k < 40:
			v := randV4().String()
			d.v4 = append(d.v4, v)
			p = "[ipv4-addr:value = '" + v + "']"
		case k < 65:
			v := fmt.Sprintf("%s%d.%s%d.%s", words[r.IntN(len(words))], r.IntN(1000), words[r.IntN(len(words))], i, tlds[r.IntN(len(tlds))])
			d.domains = append(d.domains, v)
			p = "[domain-name:value = '" + v + "']"
		case k < 77:
			v := randHex(32)
			d.sha256s = append(d.sha256s, v)
			p = "[file:hashes.'SHA-256' = '" + v + "']"
		case k < 82:
			v := randHex(16)
			d.md5s = append(d.md5s, v)
			p = "[file:hashes.MD5 = '" + v + "']"
		case k < 85:
			p = "[file:hashes.'SHA-1' = '" + randHex(20) + "']"
		case k < 91:
			v := fmt.Sprintf("http://%s%d.%s/%s/%d.php", words[r.IntN(len(words))], i, tlds[r.IntN(len(tlds))], words[r.IntN(len(words))], r.IntN(100))
			d.urls = append(d.urls, v)
			p = "[url:value = '" + v + "']"
		case k < 96:
			p = fmt.Sprintf("[email-addr:value = 'user%d@%s%d.%s']", r.IntN(100), words[r.IntN(len(words))], i, tlds[r.IntN(len(tlds))])
		case k < 99:
			n := netip.PrefixFrom(randV4(), 16+r.IntN(15)).Masked()
			d.nets = append(d.nets, n)
			p = "[ipv4-addr:value ISSUBSET '" + n.String() + "']"
		default:
			var b [16]byte
			b[0], b[1] = 0x20, 0x01
			for j := 2; j < 8; j++ {
				b[j] = byte(r.Uint32())
			}
			p = "[ipv6-addr:value ISSUBSET '" + netip.PrefixFrom(netip.AddrFrom16(b), 32+r.IntN(33)).Masked().String() + "']"
		}
		d.inds = append(d.inds, Indicator{
			ID:      fmt.Sprintf("indicator--%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1)),
			Name:    fmt.Sprintf("feed item %d", i),
			Pattern: p,
		})
	}
	return d
})

var benchMatcher = sync.OnceValue(func() *Matcher {
	m := NewMatcher()
	if errs := m.Update(benchSet().inds...); len(errs) > 0 {
		panic(errs[0])
	}
	return m
})

// benchObservables returns n observables as logs give them: addresses (half of them),
// domain names, hashes and URLs, hitRate of them values of indicators. Their values are
// slices of one string, in order, as the readers make them (one string per line).
func benchObservables(n int, hitRate float64) []Observable {
	obs := randomObservables(n, hitRate)
	var all strings.Builder
	for _, o := range obs {
		all.WriteString(o.Value)
	}
	s, off := all.String(), 0
	for i := range obs {
		n := len(obs[i].Value)
		obs[i].Value = s[off : off+n]
		off += n
	}
	return obs
}

func randomObservables(n int, hitRate float64) []Observable {
	d := benchSet()
	r := rand.New(rand.NewPCG(3, 4))
	hit := func() bool { return r.Float64() < hitRate }
	obs := make([]Observable, n)
	for i := range obs {
		switch k := r.IntN(20); {
		case k < 10:
			v := netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String()
			if hit() {
				v = d.v4[r.IntN(len(d.v4))]
			}
			obs[i] = Observable{Type: "ipv4-addr", Path: "value", Value: v}
		case k < 11:
			v := fmt.Sprintf("2001:db8:%x::%x", r.IntN(1<<16), r.IntN(1<<16))
			obs[i] = Observable{Type: "ipv6-addr", Path: "value", Value: v}
		case k < 16:
			v := fmt.Sprintf("www%d.example%d.com", r.IntN(1000), r.IntN(100000))
			if hit() {
				v = d.domains[r.IntN(len(d.domains))]
			}
			obs[i] = Observable{Type: "domain-name", Path: "value", Value: v}
		case k < 18:
			b := make([]byte, 32)
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			v := hex.EncodeToString(b)
			if hit() {
				v = d.sha256s[r.IntN(len(d.sha256s))]
			}
			obs[i] = Observable{Type: "file", Path: pathSHA256, Value: v}
		default:
			v := fmt.Sprintf("http://www%d.example.com/index.php?id=%d", r.IntN(100000), i)
			if hit() {
				v = d.urls[r.IntN(len(d.urls))]
			}
			obs[i] = Observable{Type: "url", Path: "value", Value: v}
		}
	}
	return obs
}

// BenchmarkMatchExact matches observables one by one on one core against a million
// indicators; 1% of the observables are hits.
func BenchmarkMatchExact(b *testing.B) {
	m := benchMatcher()
	obs := benchObservables(1<<18, 0.01)
	hits := make([]Hit, 0, 16)
	found := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		hits = m.Match(obs[i&(len(obs)-1)], hits[:0])
		found += len(hits)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "observables/s")
	b.ReportMetric(float64(found)/float64(b.N), "hits/op")
}

// BenchmarkMatchExactParallel is BenchmarkMatchExact on every core.
func BenchmarkMatchExactParallel(b *testing.B) {
	m := benchMatcher()
	obs := benchObservables(1<<18, 0.01)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		hits := make([]Hit, 0, 16)
		i := rand.IntN(len(obs))
		for pb.Next() {
			hits = m.Match(obs[i&(len(obs)-1)], hits[:0])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "observables/s")
}

// zeekLog generates a Zeek JSON log of conn and dns lines (two thirds conn), with
// addresses and names of indicators in about one line in a hundred.
func zeekLog(lines int) []byte {
	d := benchSet()
	r := rand.New(rand.NewPCG(5, 6))
	var buf bytes.Buffer
	ts := 1705312800.0
	inside := []string{"10.0.0.5", "10.0.0.17", "10.0.1.23", "10.0.2.200", "192.168.1.44"}
	for i := range lines {
		ts += r.Float64() / 100
		resp := netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String()
		if r.IntN(100) == 0 {
			resp = d.v4[r.IntN(len(d.v4))]
		}
		uid := fmt.Sprintf("C%017x", r.Uint64())
		if i%3 != 0 {
			fmt.Fprintf(&buf, `{"ts":%.6f,"uid":"%s","id.orig_h":"%s","id.orig_p":%d,"id.resp_h":"%s","id.resp_p":%d,"proto":"tcp","service":"ssl","duration":%.6f,"orig_bytes":%d,"resp_bytes":%d,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":%d,"orig_ip_bytes":%d,"resp_pkts":%d,"resp_ip_bytes":%d}`+"\n",
				ts, uid, inside[r.IntN(len(inside))], 1024+r.IntN(60000), resp, 443, r.Float64()*30, r.IntN(5000), r.IntN(90000), r.IntN(40), r.IntN(9000), r.IntN(60), r.IntN(90000))
			continue
		}
		q := fmt.Sprintf("www%d.example%d.com", r.IntN(1000), r.IntN(100000))
		if r.IntN(100) == 0 {
			q = d.domains[r.IntN(len(d.domains))]
		}
		fmt.Fprintf(&buf, `{"ts":%.6f,"uid":"%s","id.orig_h":"%s","id.orig_p":%d,"id.resp_h":"10.0.0.1","id.resp_p":53,"proto":"udp","trans_id":%d,"rtt":%.6f,"query":"%s","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["%s","%s"],"TTLs":[300.0,300.0],"rejected":false}`+"\n",
			ts, uid, inside[r.IntN(len(inside))], 1024+r.IntN(60000), r.IntN(65536), r.Float64()/10, q, resp, netip.AddrFrom4([4]byte{93, 184, byte(r.IntN(256)), byte(r.IntN(256))}))
	}
	return buf.Bytes()
}

// BenchmarkZeekJSONEndToEnd reads a Zeek JSON log and matches every line against a
// million indicators, on one core.
func BenchmarkZeekJSONEndToEnd(b *testing.B) {
	m := benchMatcher()
	const lines = 200_000
	log := zeekLog(lines)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	b.ResetTimer()
	found := 0
	for b.Loop() {
		r := NewZeekJSON(bytes.NewReader(log))
		var hits []Hit
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			hits = m.MatchEvent(ev, hits[:0])
			found += len(hits)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(found)/float64(b.N), "hits/log")
}

// BenchmarkZeekJSONRead is the reading half of BenchmarkZeekJSONEndToEnd.
func BenchmarkZeekJSONRead(b *testing.B) {
	const lines = 200_000
	log := zeekLog(lines)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := NewZeekJSON(bytes.NewReader(log))
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkCompile1M compiles a million indicators from scratch, and reports the heap the
// matcher holds once built (after a collection): on its own, and with the indicators'
// strings, which it keeps rather than copies.
func BenchmarkCompile1M(b *testing.B) {
	inds := benchSet().inds
	var strs uint64
	for _, ind := range inds {
		strs += uint64(len(ind.ID) + len(ind.Name) + len(ind.Pattern))
	}
	var before, after runtime.MemStats
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		m := NewMatcher()
		if errs := m.Update(inds...); len(errs) > 0 {
			b.Fatal(errs[0])
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if st := m.Stats(); st.Indicators != len(inds) {
			b.Fatalf("%d indicators compiled, want %d", st.Indicators, len(inds))
		}
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	held := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	b.ReportMetric(held, "MiB-matcher")
	b.ReportMetric(held+float64(strs)/(1<<20), "MiB-with-strings")
	b.ReportMetric(float64(after.Sys)/(1<<20), "MiB-sys")
}

// BenchmarkUpdateOne replaces one indicator among a million: what following the store
// costs per change.
func BenchmarkUpdateOne(b *testing.B) {
	m := benchMatcher()
	inds := benchSet().inds
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ind := inds[benchGeneral+i%(len(inds)-benchGeneral)]
		ind.Pattern = fmt.Sprintf("[domain-name:value = 'changed%d.example']", i)
		if errs := m.Update(ind); len(errs) > 0 {
			b.Fatal(errs[0])
		}
	}
	b.StopTimer()
	// Put the originals back for the other benchmarks.
	m.Update(inds[benchGeneral : benchGeneral+min(b.N, len(inds)-benchGeneral)]...)
}
