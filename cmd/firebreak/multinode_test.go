package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/firebreak/firebreak/internal/apply"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// pgURL returns the test database URL with a fresh schema as its search path, dropped
// when the test ends; it skips the test when no database is configured.
func pgURL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("FIREBREAK_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("FIREBREAK_TEST_POSTGRES is not set: set it to a PostgreSQL URL to run the multi-node tests")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("fb_e2e_%d", rand.Uint64()%1_000_000_000)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// startNode starts a hub node on a shared database.
func startNode(t *testing.T, url, keyFile string) *testHub {
	t.Helper()
	c := defaultConfig()
	c.Store, c.AuditKey, c.Listen, c.LogLevel, c.NoFederation = url, keyFile, "127.0.0.1:0", "error", true
	ctx, cancel := context.WithCancel(context.Background())
	h, err := newHub(ctx, c, newLogger(c, os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.serve(ctx, ln) }()
	var once sync.Once
	th := &testHub{URL: "http://" + ln.Addr().String(), cfg: c, hub: h}
	th.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("node did not stop")
			}
		})
	}
	t.Cleanup(th.stop)
	return th
}

// TestTwoNodesOneDatabase runs two hub nodes on one PostgreSQL database and alternates
// requests between them: writes through one are read through the other at once, cursors
// and status ids issued by one work on the other, and concurrent new versions of the same
// object through both are each stored once.
func TestTwoNodesOneDatabase(t *testing.T) {
	url := pgURL(t)
	key := t.TempDir() + "/audit.key"
	a, b := startNode(t, url, key), startNode(t, url, key)
	d, _ := apply.Parse(strings.NewReader(declaration))
	if err := a.hub.guard.ApplyDirectory(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes := []*testHub{a, b}
	alice := []*taxiiclient.Client{a.client(t, tokAlice), b.client(t, tokAlice)}
	bob := []*taxiiclient.Client{a.client(t, tokBob), b.client(t, tokBob)}
	// Collection ids are the same on both nodes.
	if collectionID(t, alice[0], "inbox") != collectionID(t, alice[1], "inbox") {
		t.Fatalf("the nodes give the collections different ids")
	}
	inbox, shared := collectionID(t, alice[0], "inbox"), collectionID(t, bob[0], "shared")
	// Write through one, read through the other, alternating.
	for i := 0; i < 20; i++ {
		id := "indicator--" + uuidN(60000+i)
		st, err := alice[i%2].AddObjects(ctx, inbox, raws(indicator(id, "2026-01-01T00:00:00.000Z", stix.TLPGreenID)))
		if err != nil || st.SuccessCount != 1 {
			t.Fatalf("write through node %d: %+v %v", i%2, st, err)
		}
		if _, err := bob[(i+1)%2].Object(ctx, shared, id, taxiiclient.Query{}); err != nil {
			t.Fatalf("%s written through node %d is not readable through the other at once: %v", id, i%2, err)
		}
		// A status id from one node is readable on the other.
		if got, err := alice[(i+1)%2].Status(ctx, st.ID); err != nil || got.SuccessCount != 1 {
			t.Fatalf("status %s from the other node: %+v %v", st.ID, got, err)
		}
	}
	// A cursor from one node pages on the other.
	seen := map[string]bool{}
	q := taxiiclient.Query{Limit: 3}
	for n := 0; ; n++ {
		page, err := bob[n%2].Objects(ctx, shared, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Objects {
			id, _ := idAndVersion(t, raw)
			if seen[id] {
				t.Fatalf("%s returned twice when paging across nodes", id)
			}
			seen[id] = true
		}
		if !page.More {
			break
		}
		q.Next = page.Next
	}
	if len(seen) != 20 {
		t.Errorf("paging across nodes saw %d objects, want 20", len(seen))
	}
	// Concurrent new versions of the same object through both nodes.
	id := "indicator--" + uuidN(61000)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 0; v < 10; v++ {
				mod := fmt.Sprintf("2026-02-%02dT00:00:00.000Z", 1+v)
				st, err := alice[w%2].AddObjects(ctx, inbox, raws(indicator(id, mod, stix.TLPGreenID)))
				if err != nil || st.SuccessCount != 1 {
					t.Errorf("concurrent version %s through node %d: %+v %v", mod, w%2, st, err)
				}
			}
		}()
	}
	wg.Wait()
	for i, c := range bob {
		vs, err := c.Versions(ctx, shared, id, taxiiclient.Query{})
		if err != nil || len(vs.Versions) != 10 {
			t.Errorf("node %d sees %d versions (%v), want each of the 10 once", i, len(vs.Versions), err)
		}
	}
	// One audit chain for the deployment.
	for _, n := range nodes {
		n.stop()
	}
	out, _, err := cli(t, "", "audit", "verify", "--store", url, "--audit-key", key)
	if err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %v %s", err, out)
	}
}
