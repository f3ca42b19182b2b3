package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// benchGuard is a guard over a fresh embedded store with a provider and a reader, the
// shape of the make bench hub.
func benchGuard(b *testing.B) (*policy.Guard, context.Context, context.Context) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	d := firebreak.Directory{
		Hub: firebreak.Hub{Name: "bench", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Provider", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
			{Name: "Reader", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
		},
	}
	if err := store.Apply(ctx, d); err != nil {
		b.Fatal(err)
	}
	g := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPGreen, Auditor: audit.New(store)})
	as := func(org string) context.Context {
		p, err := g.PrincipalFor(ctx, org)
		if err != nil {
			b.Fatal(err)
		}
		return firebreak.NewContext(ctx, p)
	}
	return g, as("Provider"), as("Reader")
}

// benchIndicators are realistic indicators (~700 bytes) like those of make bench.
func benchIndicators(r *rand.Rand, n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		ip := fmt.Sprintf("%d.%d.%d.%d", r.IntN(223)+1, r.IntN(256), r.IntN(256), r.IntN(256))
		ts := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(1e6)) * time.Second).Format("2006-01-02T15:04:05.000Z")
		out[i] = json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-%04x-4%03x-8%03x-%012x","created":"%s","modified":"%s",`+
			`"name":"C2 server %s","description":"Command and control server observed in a phishing campaign against the energy sector; blocks recommended.",`+
			`"indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"%s",`+
			`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}],`+
			`"external_references":[{"source_name":"capec","external_id":"CAPEC-98"}],"labels":["c2","energy"],"confidence":80,`+
			`"object_marking_refs":[%q]}`, r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1), ts, ts, ip, ip, ts, stix.TLPGreenID))
	}
	return out
}

// BenchmarkGuardImport measures the write path of the guard: parse, compile, scrub,
// anonymise and store a batch of 1,000 indicators.
func BenchmarkGuardImport(b *testing.B) {
	g, provider, _ := benchGuard(b)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := benchIndicators(r, 1000)
		b.StartTimer()
		if _, err := g.Import(provider, firebreak.AliasInbox, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGuardPage measures the read path of the guard: one page of 1,000 of 10,000
// indicators, as another member reads them.
func BenchmarkGuardPage(b *testing.B) {
	g, provider, reader := benchGuard(b)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10; i++ {
		if _, err := g.Import(provider, firebreak.AliasInbox, benchIndicators(r, 1000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	after := firebreak.Cursor{}
	for b.Loop() {
		page, err := g.Objects(reader, firebreak.AliasShared, firebreak.ObjectFilter{Limit: 1000, After: after})
		if err != nil || len(page.Objects) == 0 {
			b.Fatal(err)
		}
		after = page.Next
		if !page.More {
			after = firebreak.Cursor{}
		}
	}
}

// BenchmarkGuardImportMarked is BenchmarkGuardImport with each indicator under one of
// the provider's policy markings, stored before: every batch resolves them.
func BenchmarkGuardImportMarked(b *testing.B) {
	g, provider, _ := benchGuard(b)
	r := rand.New(rand.NewPCG(1, 2))
	mark := func(i int) string {
		return fmt.Sprintf("marking-definition--0000000a-0000-4000-8000-%012d", i)
	}
	var defs []json.RawMessage
	for i := 0; i < 4; i++ {
		defs = append(defs, json.RawMessage(`{"type":"marking-definition","spec_version":"2.1","id":"`+mark(i)+`","created":"2026-01-01T00:00:00.000Z","extensions":{"`+stix.PolicyExtensionID+`":{"extension_type":"property-extension","caveats":["no-foreign"]}}}`))
	}
	if _, err := g.Import(provider, firebreak.AliasInbox, defs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := benchIndicators(r, 1000)
		for i, raw := range batch {
			batch[i] = json.RawMessage(strings.Replace(string(raw), `"object_marking_refs":[`, `"object_marking_refs":["`+mark(i%4)+`",`, 1))
		}
		b.StartTimer()
		if _, err := g.Import(provider, firebreak.AliasInbox, batch); err != nil {
			b.Fatal(err)
		}
	}
}
