// Package metrics keeps the hub's counters and histograms and writes them in the
// Prometheus text exposition format. It is small on purpose: the hub needs a handful of
// labelled counters and latency histograms, not a client library.
package metrics

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds named metrics and writes them in registration order.
type Registry struct {
	mu      sync.Mutex
	metrics []metric
}

type metric interface {
	write(w io.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

func (r *Registry) add(m metric) {
	r.mu.Lock()
	r.metrics = append(r.metrics, m)
	r.mu.Unlock()
}

// WriteText writes every metric in the Prometheus text format (version 0.0.4).
func (r *Registry) WriteText(w io.Writer) {
	r.mu.Lock()
	ms := slices.Clone(r.metrics)
	r.mu.Unlock()
	for _, m := range ms {
		m.write(w)
	}
}

// ContentType is the media type of WriteText's output.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// CounterVec is a family of counters told apart by label values.
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	values     map[string]*atomic.Uint64
	order      []string
}

// NewCounterVec registers a counter family. Label values are given to With in the order
// of labels.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, labels: labels, values: map[string]*atomic.Uint64{}}
	r.add(c)
	return c
}

// Add adds n to the counter with the given label values.
func (c *CounterVec) Add(n uint64, values ...string) {
	key := labelString(c.labels, values)
	c.mu.Lock()
	v := c.values[key]
	if v == nil {
		v = new(atomic.Uint64)
		c.values[key] = v
		c.order = append(c.order, key)
	}
	c.mu.Unlock()
	v.Add(n)
}

// Inc adds one.
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

func (c *CounterVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
	c.mu.Lock()
	keys := slices.Clone(c.order)
	c.mu.Unlock()
	slices.Sort(keys)
	for _, k := range keys {
		c.mu.Lock()
		v := c.values[k].Load()
		c.mu.Unlock()
		fmt.Fprintf(w, "%s%s %d\n", c.name, k, v)
	}
}

// HistogramVec is a family of histograms told apart by label values.
type HistogramVec struct {
	name, help string
	labels     []string
	buckets    []float64
	mu         sync.Mutex
	series     map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	count  uint64
}

// DefaultBuckets suit request latencies in seconds.
var DefaultBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewHistogramVec registers a histogram family with the given upper bounds (ascending).
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	h := &HistogramVec{name: name, help: help, labels: labels, buckets: buckets, series: map[string]*histogram{}}
	r.add(h)
	return h
}

// Observe records v in the histogram with the given label values.
func (h *HistogramVec) Observe(v float64, values ...string) {
	key := labelString(h.labels, values)
	i, _ := slices.BinarySearch(h.buckets, v)
	h.mu.Lock()
	s := h.series[key]
	if s == nil {
		s = &histogram{counts: make([]uint64, len(h.buckets)+1)}
		h.series[key] = s
	}
	s.counts[i]++
	s.sum += v
	s.count++
	h.mu.Unlock()
}

func (h *HistogramVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, h.help, h.name)
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := h.series[k]
		var cum uint64
		for i, b := range h.buckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, withLabel(k, "le", formatFloat(b)), cum)
		}
		cum += s.counts[len(h.buckets)]
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, withLabel(k, "le", "+Inf"), cum)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, k, formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, k, s.count)
	}
}

// labelString renders {a="x",b="y"}; "" when there are no labels.
func labelString(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escape(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func withLabel(labels, name, value string) string {
	l := name + `="` + value + `"`
	if labels == "" {
		return "{" + l + "}"
	}
	return labels[:len(labels)-1] + "," + l + "}"
}

// labelEscaper escapes a label value as the text format asks. A Replacer is safe for
// concurrent use and costly to build, so there is one.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escape(s string) string { return labelEscaper.Replace(s) }

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// GaugeVec is a family of gauges told apart by label values.
type GaugeVec struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	values     map[string]float64
}

// NewGaugeVec registers a gauge family.
func (r *Registry) NewGaugeVec(name, help string, labels ...string) *GaugeVec {
	g := &GaugeVec{name: name, help: help, labels: labels, values: map[string]float64{}}
	r.add(g)
	return g
}

// Set sets the gauge with the given label values.
func (g *GaugeVec) Set(v float64, values ...string) {
	key := labelString(g.labels, values)
	g.mu.Lock()
	g.values[key] = v
	g.mu.Unlock()
}

func (g *GaugeVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, g.help, g.name)
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := make([]string, 0, len(g.values))
	for k := range g.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s %s\n", g.name, k, formatFloat(g.values[k]))
	}
}
