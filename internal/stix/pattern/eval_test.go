package pattern

import (
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// objects decodes a JSON dictionary of objects the way ObservationFromSTIX does.
func objects(t testing.TB, js string) map[string]map[string]any {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		t.Fatal(err)
	}
	m := make(map[string]map[string]any)
	for k, v := range raw {
		obj, err := decodeObject(v)
		if err != nil {
			t.Fatal(err)
		}
		m[k] = obj
	}
	return m
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustParse(t testing.TB, s string) *Pattern {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return p
}

var pcapHeader = base64.StdEncoding.EncodeToString([]byte{0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x7f})

// oneObservation holds the objects of the comparison tests, most from the examples of the
// specification.
func oneObservation(t testing.TB) []Observation {
	return []Observation{{
		First: ts(t, "2024-01-01T10:00:00Z"), Last: ts(t, "2024-01-01T10:00:00Z"), Count: 1,
		Objects: objects(t, `{
		"0": {"type": "file", "name": "foo.dll", "size": 1280, "created": "2014-01-13T07:03:17Z",
		      "hashes": {"MD5": "CEAD3F77F6CDA6EC00F57D76C9A6879F", "SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
		      "parent_directory_ref": "2", "magic_number_hex": "FFD8", "mime_type": "image/bmp",
		      "big": 9007199254740993, "ratio": 0.5,
		      "extensions": {"windows-pebinary-ext": {"sections": [{"name": ".text", "entropy": 7.5}, {"entropy": 1.2}]}}},
		"2": {"type": "directory", "path": "C:\\Windows\\System32"},
		"3": {"type": "ipv4-addr", "value": "198.51.100.7"},
		"4": {"type": "network-traffic", "dst_ref": "3", "src_ref": "missing", "src_port": 37020, "protocols": ["ipv4", "tcp"]},
		"5": {"type": "domain-name", "value": "www.5z8.info", "resolves_to_refs": ["3", "6", "missing"]},
		"6": {"type": "ipv6-addr", "value": "2001:db8:dead:beef::1"},
		"7": {"type": "artifact", "mime_type": "application/vnd.tcpdump.pcap", "payload_bin": "`+pcapHeader+`"},
		"8": {"type": "email-message", "from_ref": "9", "subject": "Conference Info", "body_multipart": [{"body_raw_ref": "10"}]},
		"9": {"type": "email-addr", "value": "jdoe@example.com"},
		"10": {"type": "file", "name": "Final Report 2024.exe", "size": 1},
		"11": {"type": "user-account", "account_login": "Peter", "is_privileged": true, "display_name": "Łukasz"},
		"12": {"type": "ipv4-addr", "value": "203.0.113.0/24"}
	}`)}}
}

func TestMatchComparisons(t *testing.T) {
	obs := oneObservation(t)
	tests := []struct {
		pattern string
		want    bool
	}{
		// = and !=
		{`[file:name = 'foo.dll']`, true},
		{`[file:name = 'bar.dll']`, false},
		{`[file:name != 'bar.dll']`, true},
		{`[file:name != 'foo.dll']`, true}, // the other file
		{`[file:name != 'foo.dll' AND file:size = 1280]`, false},
		{`[file:name NOT = 'foo.dll' AND file:size = 1280]`, false},
		{`[file:name = 5]`, false},      // types that do not compare: false...
		{`[file:name != 5]`, true},      // ...except for !=
		{`[file:name NOT = 5]`, true},   // NOT negates the false
		{`[file:missing = 'x']`, false}, // nothing selected: false, whatever the operator
		{`[file:missing != 'x']`, false},
		{`[file:missing NOT = 'x']`, false},
		{`[process:name != 'x']`, false}, // no object of the type
		// numbers
		{`[file:size = 1280]`, true},
		{`[file:size = 1280.0]`, true},
		{`[file:size > 1024]`, true},
		{`[file:size < 1]`, false},
		{`[file:size <= 1280]`, true},
		{`[file:size >= 1281]`, false},
		{`[file:size NOT > 2000]`, true},
		{`[file:size > 'a']`, false},
		{`[file:big = 9007199254740993]`, true}, // integers compare exactly
		{`[file:big = 9007199254740992]`, false},
		{`[file:ratio < 1]`, true},
		{`[file:ratio = 0.5]`, true},
		// strings order by code point
		{`[file:name > 'fa']`, true},
		{`[file:name < 'Fa']`, false},
		// IN
		{`[file:size IN (1024, 1280, 4096)]`, true},
		{`[file:size IN (2, 2.5)]`, false},
		{`[file:size NOT IN (1, 2)]`, true},
		{`[file:name IN ('test.txt', 'foo.dll')]`, true},
		{`[file:name IN ()]`, false},
		{`[file:name NOT IN ()]`, true},
		// LIKE
		{`[file:name LIKE 'foo%']`, true},
		{`[file:name LIKE '%.DLL']`, false},
		{`[file:name LIKE 'f_o.dll']`, true},
		{`[file:name LIKE 'f_o']`, false},
		{`[file:name NOT LIKE '%.%']`, false},
		{`[file:size LIKE '1%']`, false},
		{`[user-account:display_name LIKE '_ukasz']`, true},
		// MATCHES: a search, not anchored unless the expression says so
		{`[file:name MATCHES '^foo\\.dll$']`, true},
		{`[file:name MATCHES 'oo']`, true},
		{`[file:name MATCHES '^oo']`, false},
		{`[file:name MATCHES '(?i)^FOO']`, true},
		{`[file:name NOT MATCHES '^bar']`, true},
		{`[file:size MATCHES '1']`, false},
		{`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`, true},
		{`[artifact:payload_bin MATCHES '^\\xd4\\xc3.*\\x7f$']`, true},
		{`[artifact:payload_bin MATCHES '\\xa1\\xb2']`, false},
		// ISSUBSET, ISSUPERSET
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, true},
		{`[ipv4-addr:value ISSUBSET '198.51.100.7']`, true},
		{`[ipv4-addr:value ISSUBSET '10.0.0.0/8']`, false},
		{`[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']`, true},
		{`[ipv4-addr:value ISSUBSET '::/0']`, false}, // IPv4 is not in an IPv6 network
		{`[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`, true},
		{`[ipv4-addr:value ISSUPERSET '203.0.113.33']`, true},
		{`[ipv4-addr:value ISSUPERSET '203.0.113.128/25']`, true},
		{`[ipv4-addr:value ISSUPERSET '203.0.0.0/16']`, false},
		{`[file:name ISSUBSET '0.0.0.0/0']`, false},
		// timestamps: string values read as timestamps
		{`[file:created = t'2014-01-13T07:03:17Z']`, true},
		{`[file:created = t'2014-01-13T07:03:17.000Z']`, true},
		{`[file:created > t'2014-01-01T00:00:00Z']`, true},
		{`[file:created < t'2014-01-01T00:00:00Z']`, false},
		{`[file:name = t'2014-01-13T07:03:17Z']`, false},
		{`[file:name != t'2014-01-13T07:03:17Z']`, true},
		// hex and binary
		{`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`, true},
		{`[file:magic_number_hex = h'FFD8']`, true},
		{`[file:magic_number_hex = h'ffd9']`, false},
		{`[file:magic_number_hex = 'ffd8']`, true}, // _hex text against a string: case-insensitive
		{`[file:magic_number_hex < h'ffd9']`, true},
		{`[artifact:payload_bin = b'` + pcapHeader + `']`, true},
		{`[artifact:payload_bin = h'd4c3b2a1020004007f']`, true},
		{`[artifact:payload_bin > h'd4']`, true},
		{`[artifact:payload_bin = b'AAAA']`, false},
		{`[file:name = h'666f6f2e646c6c']`, true}, // a string against bytes: character by character
		// hashes
		{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879e']`, false},
		{`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'image/bmp']`, true},
		{`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[file:hashes[*] = 'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[file:hashes.MD5 = h'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', '79054025255fb1a26e4bc422aef54eb4')]`, true},
		// booleans
		{`[user-account:is_privileged = true]`, true},
		{`[user-account:is_privileged = false]`, false},
		{`[user-account:is_privileged != false]`, true},
		// EXISTS
		{`[EXISTS file:name]`, true},
		{`[EXISTS file:missing]`, false},
		{`[NOT EXISTS file:missing]`, true},
		{`[NOT EXISTS file:name AND file:size = 1]`, false},
		{`[NOT EXISTS file:hashes AND file:size = 1]`, true}, // the second file
		{`[NOT EXISTS process:name]`, false},                 // no process to lack it
		{`[EXISTS network-traffic:src_ref]`, true},           // the property exists, resolved or not
		// references, within the observation
		{`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`, true},
		{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7']`, true},
		{`[network-traffic:src_ref.value = '198.51.100.7']`, false},
		{`[network-traffic:src_ref.value != 'x']`, false}, // an unresolved reference selects nothing
		{`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.7']`, true},
		{`[domain-name:resolves_to_refs[1].value = '2001:db8:dead:beef::1']`, true},
		{`[domain-name:resolves_to_refs[2].value = 'x']`, false},
		{`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`, true},
		{`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`, false},
		// lists
		{`[network-traffic:protocols[*] = 'tcp']`, true},
		{`[network-traffic:protocols[*] != 'tcp']`, true},     // ipv4 != tcp
		{`[network-traffic:protocols[*] NOT = 'tcp']`, false}, // NOT negates "some protocol is tcp"
		{`[network-traffic:protocols[0] = 'ipv4']`, true},
		{`[network-traffic:protocols[5] = 'ipv4']`, false},
		{`[network-traffic:protocols = 'tcp']`, false}, // a list is not a string
		{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`, true},
		{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 8.0]`, false},
		{`[file:extensions.'windows-pebinary-ext'.sections[1].name = '.text']`, false},
		// AND holds for one object, OR may mix objects and types
		{`[file:name = 'foo.dll' AND file:size = 1280]`, true},
		{`[file:name = 'foo.dll' AND file:size = 1]`, false}, // size 1 is the other file
		{`[(file:name = 'foo.dll' OR file:size = 1) AND file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, true},
		{`[ipv4-addr:value = '1.1.1.1' OR ipv6-addr:value = '2001:db8:dead:beef::1']`, true},
		{`[ipv4-addr:value = '1.1.1.1' OR ipv6-addr:value = '::1']`, false},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.pattern)
		if got := p.Match(obs); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

// observationsAt builds observations of one object each, observed at the given times.
func observationsAt(t testing.TB, spec ...string) []Observation {
	t.Helper()
	var obs []Observation
	for i := 0; i+2 < len(spec); i += 3 {
		first, last := ts(t, spec[i]), ts(t, spec[i])
		if spec[i+1] != "" {
			last = ts(t, spec[i+1])
		}
		obs = append(obs, Observation{First: first, Last: last, Count: 1, Objects: objects(t, `{"0": `+spec[i+2]+`}`)})
	}
	return obs
}

const (
	ipA     = `{"type": "ipv4-addr", "value": "198.51.100.1"}`
	domainX = `{"type": "domain-name", "value": "example.com"}`
)

func TestMatchObservationExpressions(t *testing.T) {
	three := observationsAt(t,
		"2024-01-01T10:00:00Z", "", ipA,
		"2024-01-01T10:01:00Z", "", domainX,
		"2024-01-01T10:10:00Z", "", ipA)
	twice := func(o []Observation, i int) []Observation {
		c := append([]Observation(nil), o...)
		c[i].Count = 2
		return c
	}
	const (
		ip     = `[ipv4-addr:value = '198.51.100.1']`
		domain = `[domain-name:value = 'example.com']`
		other  = `[domain-name:value = 'other.example']`
	)
	tests := []struct {
		name    string
		pattern string
		obs     []Observation
		want    bool
	}{
		{"AND", ip + " AND " + domain, three, true},
		{"AND missing", ip + " AND " + other, three, false},
		{"AND needs distinct observations", domain + " AND " + domain, three, false},
		{"AND counts number_observed", domain + " AND " + domain, twice(three, 1), true},
		{"OR", other + " OR " + domain, three, true},
		{"OR neither", other + " OR " + other, three, false},
		{"FOLLOWEDBY", ip + " FOLLOWEDBY " + domain, three, true},
		{"FOLLOWEDBY later ip", domain + " FOLLOWEDBY " + ip, three, true},
		{"FOLLOWEDBY wrong order", domain + " FOLLOWEDBY " + ip, three[:2], false},
		{"FOLLOWEDBY same time", domain + " FOLLOWEDBY " + domain, twice(three, 1), true},
		{"FOLLOWEDBY chain", ip + " FOLLOWEDBY " + domain + " FOLLOWEDBY " + ip, three, true},
		{"FOLLOWEDBY chain fails", domain + " FOLLOWEDBY " + ip + " FOLLOWEDBY " + domain, three, false},
		{"WITHIN", "(" + ip + " FOLLOWEDBY " + domain + ") WITHIN 300 SECONDS", three, true},
		{"WITHIN too short", "(" + domain + " FOLLOWEDBY " + ip + ") WITHIN 300 SECONDS", three, false},
		{"WITHIN long enough", "(" + domain + " FOLLOWEDBY " + ip + ") WITHIN 540 SECONDS", three, true},
		{"WITHIN fraction", "(" + ip + " AND " + domain + ") WITHIN 59.5 SECONDS", three, false},
		{"WITHIN on one side", ip + " AND " + domain + " WITHIN 1 SECONDS", three, true},
		{"REPEATS", ip + " REPEATS 2 TIMES", three, true},
		{"REPEATS too many", ip + " REPEATS 3 TIMES", three, false},
		{"REPEATS counts number_observed", ip + " REPEATS 3 TIMES", twice(three, 0), true},
		{"REPEATS WITHIN too short", ip + " REPEATS 2 TIMES WITHIN 60 SECONDS", three, false},
		{"REPEATS WITHIN", ip + " REPEATS 2 TIMES WITHIN 600 SECONDS", three, true},
		{"REPEATS of AND", "(" + ip + " AND " + domain + ") REPEATS 2 TIMES", three, false},
		{"REPEATS of AND counted", "(" + ip + " AND " + domain + ") REPEATS 2 TIMES", twice(three, 1), true},
		{"START/STOP", ip + " START t'2024-01-01T10:05:00Z' STOP t'2024-01-01T11:00:00Z'", three, true},
		{"START/STOP none", ip + " START t'2024-01-01T10:20:00Z' STOP t'2024-01-01T11:00:00Z'", three, false},
		{"START inclusive", ip + " START t'2024-01-01T10:00:00Z' STOP t'2024-01-01T10:00:30Z'", three[:1], true},
		{"STOP exclusive", ip + " START t'2024-01-01T09:00:00Z' STOP t'2024-01-01T10:00:00Z'", three[:1], false},
		{"REPEATS in START/STOP", ip + " REPEATS 2 TIMES START t'2024-01-01T10:05:00Z' STOP t'2024-01-01T11:00:00Z'", three, false},
		{"qualifier on a group", "([ipv4-addr:value = '198.51.100.1'] WITHIN 5 SECONDS) WITHIN 6 SECONDS", three, true},
		{"nested REPEATS", "(" + ip + " REPEATS 1 TIMES) REPEATS 2 TIMES", three, true},
		{"OR then AND", "(" + other + " OR " + ip + ") AND " + ip, three, true},
		{"OR then AND, one ip", "(" + other + " OR " + ip + ") AND " + ip, three[:2], false},
		{"spec: FOLLOWEDBY WITHIN", `([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
			observationsAt(t,
				"2024-01-01T10:00:00Z", "", `{"type": "file", "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}}`,
				"2024-01-01T10:04:00Z", "", `{"type": "windows-registry-key", "key": "HKEY_LOCAL_MACHINE\\foo\\bar"}`), true},
		{"spec: AND across observations", `([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
			observationsAt(t, "2024-01-01T10:00:00Z", "", `{"type": "process", "name": "procfoo"}`), true},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.pattern)
		if got := p.Match(tt.obs); got != tt.want {
			t.Errorf("%s: %s: Match = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
	}
}

// TestMatchIntervals checks the optimistic reading of observation intervals (as the OASIS
// matcher): an observation from first_observed to last_observed may have happened at any
// instant in between.
func TestMatchIntervals(t *testing.T) {
	obs := observationsAt(t,
		"2024-01-01T09:00:00Z", "2024-01-01T12:00:00Z", domainX, // a long observation
		"2024-01-01T10:00:00Z", "", ipA)
	tests := []struct {
		pattern string
		want    bool
	}{
		{"([ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'example.com']) WITHIN 1 SECONDS", true},
		{"[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'example.com']", true},
		{"[domain-name:value = 'example.com'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']", true},
		{"[domain-name:value = 'example.com'] START t'2024-01-01T11:59:00Z' STOP t'2024-01-01T13:00:00Z'", true},
		{"[domain-name:value = 'example.com'] START t'2024-01-01T12:00:01Z' STOP t'2024-01-01T13:00:00Z'", false},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.pattern).Match(obs); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestMatchRepeatsWithin(t *testing.T) {
	// The specification's example: five connections to example.com within 30 minutes.
	const pattern = `[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`
	conn := func(gap time.Duration, n int) []Observation {
		var obs []Observation
		start := ts(t, "2024-01-01T10:00:00Z")
		for i := range n {
			at := start.Add(time.Duration(i) * gap)
			obs = append(obs, Observation{First: at, Last: at, Count: 1, Objects: objects(t, `{
				"a": {"type": "network-traffic", "dst_ref": "b"},
				"b": {"type": "domain-name", "value": "example.com"}}`)})
		}
		return obs
	}
	p := mustParse(t, pattern)
	for _, tt := range []struct {
		gap  time.Duration
		n    int
		want bool
	}{
		{5 * time.Minute, 5, true},
		{10 * time.Minute, 5, false},
		{10 * time.Minute, 12, false},
		{5 * time.Minute, 4, false},
		{9 * time.Minute, 12, false},
		{7 * time.Minute, 12, true},
	} {
		if got := p.Match(conn(tt.gap, tt.n)); got != tt.want {
			t.Errorf("%d observations %v apart: Match = %v, want %v", tt.n, tt.gap, got, tt.want)
		}
	}
}

// TestMatchGivesUp checks that a search that would take exponential time stops.
func TestMatchGivesUp(t *testing.T) {
	var spec []string
	for i := range 40 {
		spec = append(spec, time.Date(2024, 1, 1, 10, i, 0, 0, time.UTC).Format(time.RFC3339), "", ipA)
	}
	spec = append(spec, "2024-01-01T09:00:00Z", "", domainX)
	obs := observationsAt(t, spec...)
	// 20 of 40 observations, C(40, 20) ways, each to be followed by a domain seen before all.
	p := mustParse(t, "[ipv4-addr:value = '198.51.100.1'] REPEATS 20 TIMES FOLLOWEDBY [domain-name:value = 'example.com']")
	if p.Match(obs) {
		t.Error("Match = true, want false")
	}
	e := &evaluator{obs: obs, used: make([]int, len(obs))}
	e.match(p.Expr, func(binding) bool { return true })
	if e.steps <= maxMatchSteps {
		t.Errorf("the search ended after %d steps, within the bound: the test no longer exercises it", e.steps)
	}
}

func TestMatchConcurrent(t *testing.T) {
	obs := oneObservation(t)
	p := mustParse(t, "([file:name MATCHES '^foo'] AND [ipv4-addr:value ISSUBSET '198.51.100.0/24']) OR [file:size > 1]")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if !p.Match(obs) {
					t.Error("Match = false")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMatchBuiltTree(t *testing.T) {
	// A tree built by hand, without the parser's preparations.
	p := &Pattern{Expr: &ObservationSimple{Comparison: &ComparisonBinary{Op: BoolAnd,
		Left: &Comparison{Path: ObjectPath{Type: "file", Steps: []PathStep{{Kind: StepKey, Key: "name"}}},
			Op: OpLike, Value: Literal{Kind: KindString, Str: "foo%"}},
		Right: &Comparison{Path: ObjectPath{Type: "file", Steps: []PathStep{{Kind: StepKey, Key: "name"}}},
			Op: OpMatches, Value: Literal{Kind: KindString, Str: `\.dll$`}},
	}}}
	if !p.Match(oneObservation(t)) {
		t.Error("Match = false, want true")
	}
	if got, want := p.String(), `[file:name LIKE 'foo%' AND file:name MATCHES '\\.dll$']`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	var nilPattern *Pattern
	if nilPattern.Match(oneObservation(t)) || p.Match(nil) {
		t.Error("Match on nothing = true")
	}
}
