package pattern

import (
	"testing"
	"time"
)

// typicalPatterns are indicator patterns of the kinds members share most.
var typicalPatterns = []string{
	"[ipv4-addr:value = '198.51.100.1']",
	"[domain-name:value = 'www.5z8.info']",
	"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
	"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:subject = 'Conference Info']",
	"[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port IN (443, 8443)]",
	"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
}

func BenchmarkParse(b *testing.B) {
	n := 0
	for _, s := range typicalPatterns {
		n += len(s)
	}
	b.SetBytes(int64(n / len(typicalPatterns)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(typicalPatterns[i%len(typicalPatterns)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchEquality(b *testing.B) {
	p := mustParse(b, "[ipv4-addr:value = '198.51.100.1']")
	at := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	obs := []Observation{{First: at, Last: at, Count: 1, Objects: map[string]map[string]any{
		"ipv4-addr--1": {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.1"},
	}}}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Match(obs) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchFollowedByWithin(b *testing.B) {
	p := mustParse(b, typicalPatterns[len(typicalPatterns)-1])
	obs := observationsAt(b,
		"2024-01-01T10:00:00Z", "", `{"type": "file", "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}}`,
		"2024-01-01T10:01:00Z", "", `{"type": "domain-name", "value": "example.com"}`,
		"2024-01-01T10:04:00Z", "", `{"type": "windows-registry-key", "key": "HKEY_LOCAL_MACHINE\\foo\\bar"}`)
	b.ReportAllocs()
	for b.Loop() {
		if !p.Match(obs) {
			b.Fatal("no match")
		}
	}
}
