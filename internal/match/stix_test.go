package match

import (
	"testing"
	"time"
)

func TestIndicatorFromSTIX(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		raw  string
		want Indicator
		ok   bool
	}{
		{"stix", `{"type":"indicator","id":"indicator--1","name":"C2","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
			Indicator{ID: "indicator--1", Name: "C2", Pattern: "[ipv4-addr:value = '198.51.100.1']", ValidFrom: from, Seq: 7}, true},
		{"revoked", `{"type":"indicator","id":"indicator--1","pattern":"[x:y = 'z']","pattern_type":"stix","revoked":true}`,
			Indicator{ID: "indicator--1", Pattern: "[x:y = 'z']", Revoked: true, Seq: 7}, true},
		{"another language", `{"type":"indicator","id":"indicator--1","pattern":"title: x","pattern_type":"sigma"}`,
			Indicator{ID: "indicator--1", Seq: 7}, true},
		{"not an indicator", `{"type":"malware","id":"malware--1"}`, Indicator{}, false},
		{"not JSON", `{"type":`, Indicator{}, false},
	}
	for _, tt := range tests {
		got, ok := IndicatorFromSTIX([]byte(tt.raw), 7)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
