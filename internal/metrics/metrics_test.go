package metrics

import (
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounterVec("fb_requests_total", "Requests.", "route", "code")
	c.Inc("objects", "200")
	c.Add(2, "objects", "200")
	c.Inc("status", `4"04`)
	c.Inc("status", "a\\b\nc")
	h := r.NewHistogramVec("fb_seconds", "Latency.", []float64{0.1, 1}, "route")
	h.Observe(0.05, "objects")
	h.Observe(0.5, "objects")
	h.Observe(5, "objects")
	r.NewGaugeVec("fb_up", "Up.").Set(1)
	var b strings.Builder
	r.WriteText(&b)
	want := `# HELP fb_requests_total Requests.
# TYPE fb_requests_total counter
fb_requests_total{route="objects",code="200"} 3
fb_requests_total{route="status",code="4\"04"} 1
fb_requests_total{route="status",code="a\\b\nc"} 1
# HELP fb_seconds Latency.
# TYPE fb_seconds histogram
fb_seconds_bucket{route="objects",le="0.1"} 1
fb_seconds_bucket{route="objects",le="1"} 2
fb_seconds_bucket{route="objects",le="+Inf"} 3
fb_seconds_sum{route="objects"} 5.55
fb_seconds_count{route="objects"} 3
# HELP fb_up Up.
# TYPE fb_up gauge
fb_up 1
`
	if got := b.String(); got != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", got, want)
	}
}
