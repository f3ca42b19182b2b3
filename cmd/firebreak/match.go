package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/match"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// matchCmd is `firebreak match`: match logs against the indicators a member may see, from
// a hub over TAXII (--hub, --token) or from a local store (--data, --org).
func matchCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("match", stderr)
	hubURL := fs.String("hub", "", "hub base URL (its TAXII API root is HUB/api/); with --token")
	token := fs.String("token", "", "API token for --hub (env FIREBREAK_TOKEN)")
	org := fs.String("org", "", "with --data: match as this organisation")
	format := fs.String("format", "lines", "log format: zeek-json, zeek-tsv, eve, csv or lines")
	mapping := fs.String("map", "", "csv: column=type:path pairs, comma-separated (src_ip=ipv4-addr:value)")
	path := fs.String("path", "", "lines: the type:path of every value (default: recognised per value)")
	asJSON := fs.Bool("json", false, "print hits as JSON lines")
	report := fs.Bool("report", false, "report the hits back to the hub as sightings (with --hub)")
	reportTLP := fs.String("report-tlp", "green", "TLP of the reported sightings")
	setFile := fs.String("set", "", "match against a hashed set exported by the hub (GET /v1/match/set) instead of the indicators themselves")
	s := newSettings(fs, "data", "store")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("FIREBREAK_TOKEN")
	}
	if (*hubURL == "") == (*org == "") && *setFile == "" {
		return usageError("match: give --hub URL --token T (a hub over TAXII), --org NAME (a local store) or --set FILE")
	}
	if *report && *hubURL == "" {
		return usageError("match: --report needs --hub")
	}
	tlpRef, ok := tlpMarking(*reportTLP)
	if !ok {
		return usageError(fmt.Sprintf("match: --report-tlp %q is not clear, green, amber, amber+strict or red", *reportTLP))
	}
	// Before the indicators are loaded, so that a mistyped --format or --map costs nothing.
	newReader, err := logReader(*format, *mapping, *path)
	if err != nil {
		return err
	}
	m := match.NewMatcher()
	var client *taxiiclient.Client
	var n int
	var set *hashedSet
	// One client, for loading the indicators or reporting the sightings or both.
	if *hubURL != "" && (*report || *setFile == "") {
		if client, err = taxiiclient.New(strings.TrimSuffix(*hubURL, "/")+"/api/", taxiiclient.Options{Token: *token}); err != nil {
			return err
		}
	}
	if *setFile != "" {
		set, err = loadSet(*setFile)
		if set != nil {
			n = set.indicators
		}
	} else if *hubURL != "" {
		n, err = loadRemote(ctx, client, m)
	} else {
		c, lerr := s.load()
		if lerr != nil {
			return lerr
		}
		n, err = loadLocal(ctx, c, *org, m)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "matching against %d indicators\n", n)
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && f != "-" {
			total += st.Size()
		}
	}
	bar := newProgress(stderr, "match", total)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	agg := map[string]*seen{}
	var lines, hitCount int64
	for _, f := range files {
		// One file at a time, each closed before the next is opened.
		err := func() error {
			r, err := openInput(f, stdin)
			if err != nil {
				return err
			}
			defer r.Close()
			rd, err := newReader(countingReader{r: r, p: bar})
			if err != nil {
				return err
			}
			var hits []match.Hit
			for {
				ev, err := rd.Next()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if lerr := (*match.LineError)(nil); errors.As(err, &lerr) {
					bar.finish()
					fmt.Fprintf(stderr, "%s: %s\n", f, lerr.Error()) // a bad line is reported and skipped
					continue
				}
				if err != nil {
					// Any other error is the reader's for good: every later call returns it.
					return fmt.Errorf("%s: %w", f, err)
				}
				lines++
				bar.add(0, 1)
				if set != nil {
					hits = set.match(ev, hits[:0])
				} else {
					hits = m.MatchEvent(ev, hits[:0])
				}
				for _, h := range hits {
					hitCount++
					printHit(out, *asJSON, f, ev, h)
					a := agg[h.IndicatorID]
					if a == nil {
						a = &seen{}
						agg[h.IndicatorID] = a
					}
					a.add(ev.Time)
				}
			}
		}()
		if err != nil {
			return err
		}
	}
	bar.finish()
	out.Flush()
	fmt.Fprintf(stderr, "%d lines, %d hits on %d indicators\n", lines, hitCount, len(agg))
	if *report && len(agg) > 0 {
		return reportSightings(ctx, client, agg, tlpRef, stderr)
	}
	return nil
}

// seen counts the hits of one indicator and when they happened.
type seen struct {
	count       int
	first, last time.Time
}

func (s *seen) add(t time.Time) {
	s.count++
	if t.IsZero() {
		t = time.Now().UTC()
	}
	if s.first.IsZero() || t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
}

func printHit(w io.Writer, asJSON bool, file string, ev match.Event, h match.Hit) {
	if asJSON {
		b, _ := json.Marshal(map[string]any{"indicator": h.IndicatorID, "name": h.Name, "type": h.Observable.Type,
			"path": h.Observable.Path, "value": h.Observable.Value, "file": file, "line": ev.Line, "source": string(ev.Raw)})
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "%s:%d\t%s\t%s\t%s:%s = %s\n", file, ev.Line, h.IndicatorID, h.Name, h.Observable.Type, h.Observable.Path, h.Observable.Value)
}

// logReader returns how to read one log of the format named by --format, with the --map
// of a CSV log and the --path of a lines log; an unknown format or a malformed --map is a
// usageError.
func logReader(format, mapping, path string) (func(io.Reader) (match.Reader, error), error) {
	reader := func(f func(io.Reader) match.Reader) func(io.Reader) (match.Reader, error) {
		return func(r io.Reader) (match.Reader, error) { return f(r), nil }
	}
	switch format {
	case "zeek-json", "zeek":
		return reader(match.NewZeekJSON), nil
	case "zeek-tsv":
		return reader(match.NewZeekTSV), nil
	case "eve", "suricata":
		return reader(match.NewSuricataEVE), nil
	case "csv":
		cols := map[string]string{}
		for _, pair := range strings.Split(mapping, ",") {
			col, p, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok {
				return nil, usageError("match: --map takes column=type:path pairs")
			}
			cols[col] = p
		}
		return func(r io.Reader) (match.Reader, error) { return match.NewCSV(r, cols) }, nil
	case "lines":
		return reader(func(r io.Reader) match.Reader { return match.NewLines(r, path) }), nil
	}
	return nil, usageError(fmt.Sprintf("match: unknown --format %q (zeek-json, zeek-tsv, eve, csv, lines)", format))
}

// loadRemote reads the indicators the token's holder may see from the hub's shared
// collection.
func loadRemote(ctx context.Context, c *taxiiclient.Client, m *match.Matcher) (int, error) {
	col, err := c.CollectionByAlias(ctx, firebreak.AliasShared)
	if err != nil {
		return 0, err
	}
	var inds []match.Indicator
	seq := int64(0)
	for raw, err := range c.All(ctx, col.ID, taxiiclient.Query{Types: []string{"indicator"}}) {
		if err != nil {
			return 0, err
		}
		seq++
		if ind, ok := match.IndicatorFromSTIX(raw, seq); ok && ind.Pattern != "" {
			inds = append(inds, ind)
		}
	}
	for _, err := range m.Update(inds...) {
		_ = err // an indicator whose pattern does not compile matches nothing
	}
	return m.Stats().Indicators, nil
}

// loadLocal reads the indicators an organisation may see from the local store.
func loadLocal(ctx context.Context, c Config, org string, m *match.Matcher) (int, error) {
	store, guard, err := openGuarded(ctx, c)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	if ctx, err = actingAs(ctx, guard, org); err != nil {
		return 0, err
	}
	f := firebreak.ObjectFilter{Types: []string{"indicator"}, Limit: 1000}
	for {
		page, err := guard.Objects(ctx, firebreak.AliasShared, f)
		if err != nil {
			return 0, err
		}
		var inds []match.Indicator
		for _, o := range page.Objects {
			if ind, ok := match.IndicatorFromSTIX(o.Raw, o.Seq); ok && ind.Pattern != "" {
				inds = append(inds, ind)
			}
		}
		m.Update(inds...)
		if !page.More {
			return m.Stats().Indicators, nil
		}
		f.After = page.Next
	}
}

func tlpMarking(name string) (string, bool) {
	t, ok := firebreak.ParseTLP(name)
	if !ok {
		return "", false
	}
	return []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID}[t], true
}

// reportSightings sends one sighting per indicator hit to the hub's inbox. The sightings
// carry no where_sighted_refs: the hub knows who reports them and names nobody.
func reportSightings(ctx context.Context, c *taxiiclient.Client, agg map[string]*seen, tlpRef string, stderr io.Writer) error {
	col, err := c.CollectionByAlias(ctx, firebreak.AliasInbox)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	var objs []json.RawMessage
	for id, s := range agg {
		o := map[string]any{
			"type": "sighting", "spec_version": "2.1", "id": stix.NewID("sighting"), "created": now, "modified": now,
			"sighting_of_ref": id, "count": s.count,
			"first_seen": s.first.UTC().Format(time.RFC3339Nano), "last_seen": s.last.UTC().Format(time.RFC3339Nano),
			"object_marking_refs": []string{tlpRef},
		}
		b, _ := json.Marshal(o)
		objs = append(objs, b)
	}
	st, err := c.AddObjects(ctx, col.ID, objs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "reported %d sightings (%d refused)\n", st.SuccessCount+st.PendingCount, st.FailureCount)
	if st.FailureCount > 0 {
		return fmt.Errorf("match: the hub refused %d sightings: %s", st.FailureCount, st.Failures[0].Message)
	}
	return nil
}

// hashedSet is a set exported by a hub, ready to match.
type hashedSet struct {
	key        []byte
	byHash     map[string][]policy.SetEntry
	indicators int
}

func loadSet(path string) (*hashedSet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var hs policy.HashedSet
	if err := json.Unmarshal(b, &hs); err != nil || hs.Format != policy.SetFormat || len(hs.Key) < 16 {
		return nil, fmt.Errorf("%s: not a %s file", path, policy.SetFormat)
	}
	s := &hashedSet{key: hs.Key, byHash: map[string][]policy.SetEntry{}}
	ids := map[string]bool{}
	for _, e := range hs.Entries {
		s.byHash[e.Hash] = append(s.byHash[e.Hash], e)
		ids[e.Indicator] = true
	}
	s.indicators = len(ids)
	return s, nil
}

// match looks each observable of ev up by its keyed hash; each indicator is reported once
// per event.
func (s *hashedSet) match(ev match.Event, hits []match.Hit) []match.Hit {
	var seen map[string]bool
	for _, o := range ev.Observables {
		for _, v := range match.ObservedValues(o) {
			for _, e := range s.byHash[policy.SetHash(s.key, v)] {
				if seen == nil {
					seen = map[string]bool{}
				}
				if !seen[e.Indicator] {
					seen[e.Indicator] = true
					hits = append(hits, match.Hit{IndicatorID: e.Indicator, Name: e.Name, Observable: o})
				}
			}
		}
	}
	return hits
}
