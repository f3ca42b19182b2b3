package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/storetest"
)

// benchPolicies are three realistic canonical policy documents (as internal/policy
// might encode them): the bench spreads indicators over them.
var benchPolicies = [3]string{
	`{"tlp":"green","audience":{"circles":["us-energy"]},"attribution":"none","caveats":[],"further_sharing":"peers"}`,
	`{"tlp":"amber","audience":{"organizations":["identity--5f0f2a9e-6a47-4a0d-9d35-0c1c0b5a7e11"]},"attribution":"government","caveats":["no-parent"]}`,
	`{"tlp":"clear","attribution":"everyone","caveats":[],"further_sharing":"peers"}`,
}

// benchIndicator returns the n-th indicator of a realistic feed, about 700 bytes, at
// version v (v > 0 for updates).
func benchIndicator(n, v int) firebreak.IngestItem {
	id := fmt.Sprintf("indicator--%08x-%04x-4%03x-8%03x-%012x", n*2654435761&0xffffffff, n&0xffff, n%4096, (n/7)%4096, n)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	modified := created.Add(time.Duration(v) * time.Hour)
	ip := fmt.Sprintf("%d.%d.%d.%d", 10+n%200, (n/200)%256, (n/51200)%256, n%251)
	version := modified.Format("2006-01-02T15:04:05.000Z")
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,`+
		`"created_by_ref":"identity--5f0f2a9e-6a47-4a0d-9d35-0c1c0b5a7e11",`+
		`"name":"Malicious IP %s","description":"Command-and-control server observed in a phishing campaign against `+
		`energy-sector operators; traffic seen on TCP 443 with a self-signed certificate. Block and review logs.",`+
		`"indicator_types":["malicious-activity","attribution"],"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix",`+
		`"valid_from":%q,"labels":["c2","phishing"],"confidence":80,`+
		`"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",`+
		`"marking-definition--3b3f7a32-0a1c-4b5d-9a8e-5d1f2e3c4b5a"],`+
		`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}]}`,
		id, created.Format("2006-01-02T15:04:05.000Z"), version, ip, ip, created.Format("2006-01-02T15:04:05Z"))
	return firebreak.IngestItem{
		ID: id, Type: "indicator", SpecVersion: "2.1", Version: version, VersionKey: storetest.VersionKey(version),
		PolicyDoc: []byte(benchPolicies[n%3]), Raw: []byte(raw),
	}
}

// benchStore opens a store (a node) on a fresh schema with one provider for benchmarks.
func benchStore(b *testing.B, clock firebreak.Clock) (*Store, int64) {
	b.Helper()
	s := openTest(b, clock)
	return s, benchProvider(b, s)
}

// benchProvider declares the benchmarks' provider and returns its id.
func benchProvider(b *testing.B, s *Store) int64 {
	b.Helper()
	err := s.Apply(context.Background(), firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{
		{Name: "Acme", Status: firebreak.OrgVetted, Type: firebreak.TypePrivate}}})
	if err != nil {
		b.Fatalf("Apply: %v", err)
	}
	org, err := s.OrganizationByName(context.Background(), "Acme")
	if err != nil {
		b.Fatalf("OrganizationByName: %v", err)
	}
	return org.ID
}

// BenchmarkIngest stores batches of 1,000 new indicators, as a large TAXII POST would,
// through one node. Making the indicators is outside the timed part; the store's own
// work, including the server's sync to disk at each commit, is inside.
func BenchmarkIngest(b *testing.B) { benchIngest(b, false) }

// BenchmarkIngestAudited is BenchmarkIngest with the submission's audit entry (naming
// every id of the batch, as the guard writes it) appended in the same transaction.
func BenchmarkIngestAudited(b *testing.B) { benchIngest(b, true) }

func benchIngest(b *testing.B, audited bool) {
	s, org := benchStore(b, nil)
	ctx := context.Background()
	n := 0
	batch := make([]firebreak.IngestItem, 1000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			batch[i] = benchIndicator(n, 0)
			n++
		}
		var audit [][]byte
		if audited {
			ids := make([]string, len(batch))
			for i, it := range batch {
				ids[i] = it.ID
			}
			body, _ := json.Marshal(firebreak.AuditEvent{Time: time.Now(), Action: firebreak.AuditSubmit, User: "u", Org: "o", Objects: ids, Detail: "1000 objects to inbox"})
			audit = append(audit, body)
		}
		b.StartTimer()
		res, err := s.Ingest(ctx, org, batch, audit...)
		if err != nil {
			b.Fatalf("Ingest: %v", err)
		}
		if res[0].Outcome != firebreak.Stored {
			b.Fatalf("outcome %q", res[0].Outcome)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
}

// fillStore ingests n versions in batches of 1,000, one date added per batch (the clock
// moves 1 ms a batch); about one in ten is a newer version of an earlier indicator. It
// returns the position of every version and the three policy ids.
func fillStore(b *testing.B, n int) (*Store, []firebreak.Cursor, []int64) {
	b.Helper()
	clock := storetest.NewClock(storetest.Epoch)
	s, org := benchStore(b, clock)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	cursors := make([]firebreak.Cursor, 0, n)
	policies := map[int64]bool{}
	fresh := 0
	batch := make([]firebreak.IngestItem, 0, 1000)
	t0 := time.Now()
	for len(cursors) < n {
		batch = batch[:0]
		seen := map[int]bool{}
		for len(batch) < min(1000, n-len(cursors)) {
			if fresh > 1000 && rng.IntN(10) == 0 {
				old := rng.IntN(fresh)
				if seen[old] {
					continue
				}
				seen[old] = true
				batch = append(batch, benchIndicator(old, 1+len(cursors)))
				continue
			}
			batch = append(batch, benchIndicator(fresh, 0))
			seen[fresh] = true
			fresh++
		}
		res, err := s.Ingest(ctx, org, batch)
		if err != nil {
			b.Fatalf("Ingest: %v", err)
		}
		for _, r := range res {
			if r.Outcome != firebreak.Stored {
				b.Fatalf("filling: outcome %q", r.Outcome)
			}
			cursors = append(cursors, firebreak.CursorOf(r.Object))
			policies[r.Object.Policy] = true
		}
		clock.Advance(time.Millisecond)
	}
	b.Logf("filled %d versions in %v (%.0f/s)", n, time.Since(t0).Round(time.Millisecond), float64(n)/time.Since(t0).Seconds())
	var ids []int64
	for id := range policies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return s, cursors, ids
}

// benchPages reads pages of 1,000 (last versions, visible through a list of policies)
// from random cursor positions and reports the median and 99th percentile per page.
func benchPages(b *testing.B, n int) {
	s, cursors, policies := fillStore(b, n)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name     string
		vis      firebreak.Visibility
		versions firebreak.VersionFilter
	}{
		{"3policies", firebreak.Visibility{Policies: policies}, firebreak.VersionFilter{}},
		{"2of3policies", firebreak.Visibility{Policies: policies[:2]}, firebreak.VersionFilter{}},
		// All versions needs no first/last probe: the difference is what the probe costs.
		{"3policies-allversions", firebreak.Visibility{Policies: policies}, firebreak.VersionFilter{All: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var durations []time.Duration
			rows := 0
			for b.Loop() {
				at := cursors[rng.IntN(len(cursors)-3000)]
				t0 := time.Now()
				p, err := s.Objects(ctx, c.vis, firebreak.ObjectFilter{After: at, Limit: 1000, Versions: c.versions})
				durations = append(durations, time.Since(t0))
				if err != nil {
					b.Fatalf("Objects: %v", err)
				}
				if len(p.Objects) != 1000 || !p.More {
					b.Fatalf("page of %d (More %v), want 1000 and more", len(p.Objects), p.More)
				}
				rows += len(p.Objects)
			}
			slices.Sort(durations)
			ms := func(q float64) float64 {
				return float64(durations[int(q*float64(len(durations)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), "ms-p50/page")
			b.ReportMetric(ms(0.99), "ms-p99/page")
			b.ReportMetric(float64(rows)/float64(len(durations)), "objects/page")
		})
	}
}

func BenchmarkPage10k(b *testing.B) { benchPages(b, 10_000) }

func BenchmarkPage1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a database of a million versions; skipped with -short")
	}
	benchPages(b, 1_000_000)
}

// BenchmarkAppendAudit measures one audit entry of an ordinary request (a read or a
// trust change) appended on its own.
func BenchmarkAppendAudit(b *testing.B) {
	s, _ := benchStore(b, nil)
	ctx := context.Background()
	body, _ := json.Marshal(firebreak.AuditEvent{Time: time.Now(), Action: firebreak.AuditRestrictedRead, User: "oscar", Org: "US CERT",
		Objects: []string{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}})
	for b.Loop() {
		if _, err := s.AppendAudit(ctx, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestTwoNodes stores batches of 1,000 new indicators through two nodes (two
// stores, two pools) on one database, two goroutines each, and reports objects/s and the
// ratio to one node with one goroutine (measured first, in the same run). Ingests
// commit one at a time across nodes (the ingest lock); what runs alongside is the
// transfer of each batch into the staging table, and everything outside the store.
func BenchmarkIngestTwoNodes(b *testing.B) {
	schema := freshSchema(b)
	nodes := []*Store{openSchema(b, schema, nil), openSchema(b, schema, nil)}
	org := benchProvider(b, nodes[0])
	ctx := context.Background()
	const batch = 1000
	// Batches are made before timing: the figure is the store's.
	var next atomic.Int64
	makeBatch := func() []firebreak.IngestItem {
		n := int(next.Add(batch)) - batch
		items := make([]firebreak.IngestItem, batch)
		for i := range items {
			items[i] = benchIndicator(n+i, 0)
		}
		return items
	}
	run := func(writers []*Store, batches int) float64 {
		work := make(chan []firebreak.IngestItem, batches)
		for range batches {
			work <- makeBatch()
		}
		close(work)
		var wg sync.WaitGroup
		errs := make(chan error, len(writers))
		t0 := time.Now()
		for _, s := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for items := range work {
					if _, err := s.Ingest(ctx, org, items); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(t0)
		close(errs)
		for err := range errs {
			b.Fatalf("Ingest: %v", err)
		}
		return float64(batches*batch) / elapsed.Seconds()
	}
	batches := max(b.N, 20)
	one := run(nodes[:1], batches)
	b.ResetTimer()
	two := run([]*Store{nodes[0], nodes[0], nodes[1], nodes[1]}, batches)
	b.StopTimer()
	b.ReportMetric(one, "objects/s-1node")
	b.ReportMetric(two, "objects/s")
	b.ReportMetric(two/one, "ratio-to-1node")
}
