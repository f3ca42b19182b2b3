package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/httpapi"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

func TestSplitFitsMaxContentLength(t *testing.T) {
	var objs []firebreak.Object
	for i := 0; i < 100; i++ {
		objs = append(objs, firebreak.Object{Raw: make([]byte, 1000)})
	}
	for _, max := range []int64{0, 5000, 100_000, 10 << 20} {
		batches := split(objs, max)
		n := 0
		for _, b := range batches {
			size := int64(64)
			for _, o := range b {
				size += int64(len(o.Raw) + 1)
			}
			if max > 0 && size > max && len(b) > 1 {
				t.Errorf("max %d: a batch of %d objects is %d bytes", max, len(b), size)
			}
			n += len(b)
		}
		if n != len(objs) {
			t.Errorf("max %d: batches hold %d objects, want %d", max, n, len(objs))
		}
	}
}

// benchHub is a hub in this process: store, guard and TAXII server.
type benchHub struct {
	store *sqlite.Store
	guard *policy.Guard
	url   string
}

func newBenchHub(b testing.TB, d firebreak.Directory) *benchHub {
	b.Helper()
	store, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	g := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPGreen, Auditor: audit.New(store)})
	if err := g.ApplyDirectory(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Objects: g, Auth: g}).Handler())
	b.Cleanup(srv.Close)
	return &benchHub{store: store, guard: g, url: srv.URL}
}

// BenchmarkPull100k moves 100,000 objects from hub A to hub B with one pull and reports
// objects per second (the target is at least 10,000/s).
func BenchmarkPull100k(b *testing.B) {
	const n = 100_000
	org := func(name, country string) firebreak.DeclaredOrganization {
		return firebreak.DeclaredOrganization{Name: name, Country: country, Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}
	}
	a := newBenchHub(b, firebreak.Directory{
		Hub:           firebreak.Hub{Name: "A", Country: "US", Operator: "A CERT"},
		Organizations: []firebreak.DeclaredOrganization{org("A CERT", "US"), org("provider", "US")},
		Users: []firebreak.DeclaredUser{{Name: "b", Organization: "hub-b", TokenHash: firebreak.HashToken("hub-b-token-0123456789")},
			{Name: "p", Organization: "provider", TokenHash: firebreak.HashToken("provider-token-0123456789")}},
		Peers: []firebreak.Peer{{Name: "hub-b", URL: "http://127.0.0.1:1/api/", Country: "CA", Type: firebreak.TypeCERT, Direction: firebreak.PeerPush, Interval: time.Hour, MaxTLP: firebreak.TLPGreen}},
	})
	p, _ := a.guard.PrincipalFor(context.Background(), "provider")
	ctx := firebreak.NewContext(context.Background(), p)
	for i := 0; i < n; i += 1000 {
		batch := make([]json.RawMessage, 1000)
		for j := range batch {
			batch[j] = json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2 server","description":"Command and control server seen in a phishing campaign against the energy sector.","pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
				i+j, (i+j)/256%256, (i+j)%256, stix.TLPGreenID))
		}
		if _, err := a.guard.Import(ctx, firebreak.AliasInbox, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dst := newBenchHub(b, firebreak.Directory{
			Hub:           firebreak.Hub{Name: "B", Country: "CA", Operator: "B CERT"},
			Organizations: []firebreak.DeclaredOrganization{org("B CERT", "CA")},
			Peers:         []firebreak.Peer{{Name: "hub-a", URL: a.url + "/api/", Country: "US", Type: firebreak.TypeCERT, Token: "hub-b-token-0123456789", Direction: firebreak.PeerPull, Interval: time.Hour, MaxTLP: firebreak.TLPGreen}},
		})
		e := New(Options{Store: dst.store, Guard: dst.guard})
		peers, _ := dst.store.Peers(context.Background())
		b.StartTimer()
		start := time.Now()
		res, err := e.Sync(context.Background(), peers[0], nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.In != n {
			b.Fatalf("pulled %d objects, want %d", res.In, n)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "objects/s")
	}
}
