package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/storetest"
	"github.com/jackc/pgx/v5"
)

// withAppName returns the test DSN with an application_name that tells this test's
// connections apart in pg_stat_activity.
func withAppName(t *testing.T) (dsn, app string) {
	t.Helper()
	u, err := url.Parse(testDSN(t))
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL; this test needs one", envDSN)
	}
	b := make([]byte, 6)
	rand.Read(b)
	app = "fb_test_" + hex.EncodeToString(b)
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String(), app
}

// TestKillDuringIngest terminates the server process of a large Ingest at different
// moments (pg_terminate_backend, as a crash of the backend or an operator would): the
// call fails with EUNAVAILABLE, the objects of that call are all there or none, and the
// store goes on by itself with its next call.
func TestKillDuringIngest(t *testing.T) {
	dsn, app := withAppName(t)
	schema := freshSchema(t)
	ctx := t.Context()
	s, err := Open(ctx, dsn, Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Apply(ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "p", Status: firebreak.OrgVetted}}}); err != nil {
		t.Fatal(err)
	}
	org, _ := s.OrganizationByName(ctx, "p")
	killer, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(context.Background())

	const size = 20000
	killed := 0
	// How many polls that see the ingest working to let pass before the kill: from the
	// start of the transfer to (on this machine) the locked insert and the commit.
	waits := []int{0, 50, 200, 500, 1000, 2000, 4000}
	for round, wait := range waits {
		items := make([]firebreak.IngestItem, size)
		ids := make([]string, size)
		for i := range items {
			items[i] = benchIndicatorItem(round*size+i, 0)
			ids[i] = items[i].ID
		}
		result := make(chan error, 1)
		go func() {
			_, err := s.Ingest(ctx, org.ID, items, []byte(fmt.Sprintf(`{"round":%d}`, round)))
			result <- err
		}()
		// Wait for the ingest to be seen working, then let it run a little longer each
		// round (polls of pg_stat_activity, no sleeps), so that the kill lands in the
		// transfer, the locked insert or the commit.
		var ingestErr error
		var during string
		hits := 0
	poll:
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
			select {
			case ingestErr = <-result:
				break poll
			default:
			}
			var pid int32
			var query string
			err := killer.QueryRow(ctx, `SELECT pid, left(query, 40) FROM pg_stat_activity WHERE application_name = $1
				AND state = 'active' AND backend_type = 'client backend' LIMIT 1`, app).Scan(&pid, &query)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if hits++; hits > wait {
				if _, err := killer.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Fatal(err)
				}
				during = query
				ingestErr = <-result
				break
			}
		}
		if ingestErr != nil {
			killed++
			if got := firebreak.ErrorCode(ingestErr); got != firebreak.EUNAVAILABLE {
				t.Errorf("round %d: the killed Ingest failed with %v (code %q), want %q", round, ingestErr, got, firebreak.EUNAVAILABLE)
			}
		}
		// All or nothing, whatever the client was told.
		n := countIDs(t, s, ids)
		if n != 0 && n != size {
			t.Fatalf("round %d: %d of the %d objects of the killed Ingest are stored, want all or none", round, n, size)
		}
		if ingestErr == nil && n != size {
			t.Fatalf("round %d: an acknowledged Ingest left %d of %d objects", round, n, size)
		}
		t.Logf("round %d: killed during %q: Ingest error %v; %d of %d stored", round, during, ingestErr, n, size)
		// The store recovers by itself: the next call works.
		if _, err := s.Ingest(ctx, org.ID, []firebreak.IngestItem{storetest.Item(id("tool", round), ts(1), "2.1", "p")}); err != nil {
			t.Fatalf("round %d: Ingest after the kill: %v", round, err)
		}
	}
	if killed == 0 {
		t.Errorf("no Ingest was killed: the test did not test anything")
	}
	// The audit chain is whole: killed ingests left no entry behind.
	entries, err := s.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("audit entry %d has seq %d", i+1, e.Seq)
		}
	}
}

// countIDs returns how many of ids have a version stored.
func countIDs(t *testing.T, s *Store, ids []string) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(DISTINCT id) FROM objects WHERE id = ANY($1::text[])`, ids).Scan(&n); err != nil {
		t.Fatalf("counting: %v", err)
	}
	return n
}

// proxy is a TCP proxy to the database that the test can take down and bring back, as
// a database server that goes away and returns would look to a node.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.up("127.0.0.1:0")
	t.Cleanup(p.down)
	return p
}

// up listens on addr (the same address again after down) and forwards connections.
func (p *proxy) up(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// down closes the listener and every connection: the database is gone.
func (p *proxy) down() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// TestDatabaseGoesAway takes the database away from a node and brings it back: while it
// is gone every call fails with EUNAVAILABLE (503), and when it returns the node works
// again by itself, without a restart.
func TestDatabaseGoesAway(t *testing.T) {
	u, err := url.Parse(testDSN(t))
	if err != nil || u.Host == "" {
		t.Skipf("%s is not a URL with a host; this test needs one", envDSN)
	}
	schema := freshSchema(t)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	ctx := t.Context()
	s, err := Open(ctx, u.String(), Options{Schema: schema, MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Apply(ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "p", Status: firebreak.OrgVetted}}}); err != nil {
		t.Fatal(err)
	}
	org, _ := s.OrganizationByName(ctx, "p")
	item := func(n int) []firebreak.IngestItem {
		return []firebreak.IngestItem{storetest.Item(id("indicator", n), ts(1), "2.1", "p")}
	}
	if _, err := s.Ingest(ctx, org.ID, item(1)); err != nil {
		t.Fatal(err)
	}

	addr := p.addr
	p.down()
	calls := []struct {
		name string
		call func() error
	}{
		{"Ingest", func() error { _, err := s.Ingest(ctx, org.ID, item(2)); return err }},
		{"Objects", func() error { _, err := s.Objects(ctx, everything, firebreak.ObjectFilter{}); return err }},
		{"Epoch", func() error { _, err := s.Epoch(ctx); return err }},
		{"AppendAudit", func() error { _, err := s.AppendAudit(ctx, []byte(`{}`)); return err }},
		{"UserByTokenHash", func() error {
			_, err := s.UserByTokenHash(ctx, []byte("x"))
			if firebreak.ErrorCode(err) == firebreak.ENOTFOUND {
				return nil // the database answered: there is no such user
			}
			return err
		}},
	}
	for _, c := range calls {
		err := c.call()
		if got := firebreak.ErrorCode(err); got != firebreak.EUNAVAILABLE {
			t.Errorf("%s while the database is gone: %v (code %q), want %q", c.name, err, got, firebreak.EUNAVAILABLE)
		}
		// The message is what a client reads: an outage is not "user not found".
		if msg := firebreak.ErrorMessage(err); strings.Contains(msg, "not found") {
			t.Errorf("%s while the database is gone says %q", c.name, msg)
		}
	}

	p.up(addr)
	// Back: the node recovers by itself. Poll with a deadline: the pool drops the broken
	// connections it holds as it meets them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := s.Ingest(ctx, org.ID, item(3))
		if err == nil {
			break
		}
		if got := firebreak.ErrorCode(err); got != firebreak.EUNAVAILABLE {
			t.Fatalf("Ingest as the database returns: %v (code %q), want success or %q", err, got, firebreak.EUNAVAILABLE)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not recover after the database returned: %v", err)
		}
	}
	for _, c := range calls[1:] {
		if err := c.call(); err != nil {
			t.Errorf("%s after the database returned: %v", c.name, err)
		}
	}
	page, err := s.Objects(ctx, everything, firebreak.ObjectFilter{})
	if err != nil || len(page.Objects) != 2 {
		t.Errorf("after the outage, %d objects (%v), want the two acknowledged ones", len(page.Objects), err)
	}
}

// benchIndicatorItem is benchIndicator for tests: a realistic indicator of about 700
// bytes.
func benchIndicatorItem(n, v int) firebreak.IngestItem { return benchIndicator(n, v) }
