package match

import (
	"slices"
	"testing"
)

func TestExactValues(t *testing.T) {
	tests := []struct {
		pattern string
		want    []ExactValue
		ok      bool
	}{
		{"[ipv4-addr:value = '198.51.100.7']", []ExactValue{{"ipv4-addr", "value", "198.51.100.7"}}, true},
		{"[ipv6-addr:value = '2001:0db8:0:0::1']", []ExactValue{{"ipv6-addr", "value", "2001:db8::1"}}, true},
		{"[domain-name:value = 'Evil.Example.'] OR [url:value = 'http://x.example/a']", []ExactValue{{"domain-name", "value", "evil.example"}, {"url", "value", "http://x.example/a"}}, true},
		{"[file:hashes.SHA256 = 'ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB'] ", []ExactValue{{"file", "hashes.'SHA-256'", "abababababababababababababababababababababababababababababababab"}}, true},
		{"[email-addr:value IN ('A@x.example', 'b@x.example')]", []ExactValue{{"email-addr", "value", "a@x.example"}, {"email-addr", "value", "b@x.example"}}, true},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/8']", nil, false},
		{"[domain-name:value LIKE '%.example']", nil, false},
		{"[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']", nil, false},
		{"[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS", nil, false},
		{"[ipv4-addr:value != '1.2.3.4']", nil, false},
		{"not a pattern", nil, false},
	}
	for _, tt := range tests {
		got, ok := ExactValues(tt.pattern)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ExactValues(%q) = %v, %v; want %v, %v", tt.pattern, got, ok, tt.want, tt.ok)
		}
	}
}

func TestObservedValuesMeetExactValues(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		obs     Observable
	}{
		{"[ipv6-addr:value = '2001:db8::1']", Observable{Type: "ipv6-addr", Path: "value", Value: "2001:0DB8:0000::1"}},
		{"[domain-name:value = 'evil.example']", Observable{Type: "domain-name", Path: "value", Value: "EVIL.example."}},
		{"[file:hashes.'SHA-256' = 'abababababababababababababababababababababababababababababababab']", Observable{Type: "file", Path: "hashes.SHA256", Value: "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"}},
		{"[ipv4-addr:value = '198.51.100.7']", Observable{Type: "network-traffic", Path: "dst_ref.value", Value: "198.51.100.7"}},
	} {
		want, _ := ExactValues(tc.pattern)
		got := ObservedValues(tc.obs)
		found := false
		for _, g := range got {
			found = found || slices.Contains(want, g)
		}
		if !found {
			t.Errorf("%+v spells as %v, which misses %v", tc.obs, got, want)
		}
	}
}
