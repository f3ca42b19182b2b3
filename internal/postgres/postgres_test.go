package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// envDSN names the environment variable that gives the tests a PostgreSQL database.
const envDSN = "FIREBREAK_TEST_POSTGRES"

// testDSN returns the database the tests use, or skips the test when none is given.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL store's tests", envDSN)
	}
	return dsn
}

// freshSchema returns the name of a new, empty schema in the test database and drops it,
// with everything in it, when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	b := make([]byte, 8)
	rand.Read(b)
	name := "fb_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// openSchema opens a store (a node) on schema, closed when the test ends.
func openSchema(t testing.TB, schema string, clock firebreak.Clock) *Store {
	t.Helper()
	s, err := Open(context.Background(), testDSN(t), Options{Clock: clock, Schema: schema, MaxConns: 4})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openTest opens a store on a fresh schema.
func openTest(t testing.TB, clock firebreak.Clock) *Store {
	t.Helper()
	return openSchema(t, freshSchema(t), clock)
}

// opener opens stores on fresh schemas for the conformance suite; Reopen closes the pool
// and opens the same schema again, as a restarted node would.
func opener() storetest.Opener {
	// Which schema each store opened, for Reopen; subtests run in parallel.
	var mu sync.Mutex
	schemas := map[*Store]string{}
	remember := func(s *Store, schema string) {
		mu.Lock()
		defer mu.Unlock()
		schemas[s] = schema
	}
	return storetest.Opener{
		Open: func(t *testing.T, clock firebreak.Clock) firebreak.Store {
			schema := freshSchema(t)
			s, err := Open(context.Background(), testDSN(t), Options{Clock: clock, Schema: schema, MaxConns: 4})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { s.Close() }) // before the schema is dropped
			remember(s, schema)
			return s
		},
		Reopen: func(t *testing.T, st firebreak.Store, clock firebreak.Clock) firebreak.Store {
			old := st.(*Store)
			mu.Lock()
			schema := schemas[old]
			mu.Unlock()
			if err := old.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s, err := Open(context.Background(), testDSN(t), Options{Clock: clock, Schema: schema, MaxConns: 4})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			remember(s, schema)
			return s
		},
	}
}

func TestConformance(t *testing.T) { storetest.Run(t, opener()) }

func TestMigrations(t *testing.T) {
	schema := freshSchema(t)
	ctx := t.Context()
	s := openSchema(t, schema, nil)
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != SchemaVersion() || v < 1 {
		t.Errorf("schema_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	hub, err := s.Hub(ctx)
	if err != nil {
		t.Fatalf("Hub: %v", err)
	}
	// A database from a newer binary is refused, and left as it is.
	if _, err := s.pool.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'schema_version'`, SchemaVersion()+1); err != nil {
		t.Fatalf("setting a future version: %v", err)
	}
	_, err = Open(ctx, testDSN(t), Options{Schema: schema})
	if firebreak.ErrorCode(err) != firebreak.EINVALID || !strings.Contains(firebreak.ErrorMessage(err), "newer") {
		t.Errorf("opening a newer database: %v; want EINVALID saying it is newer", err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'schema_version'`, SchemaVersion()); err != nil {
		t.Fatal(err)
	}
	again := openSchema(t, schema, nil)
	if h, err := again.Hub(ctx); err != nil || h.UUID != hub.UUID || string(h.Secret) != string(hub.Secret) {
		t.Errorf("after reopening, hub %q (%v), want %q and the same secret", h.UUID, err, hub.UUID)
	}
}

// TestMigrationsConcurrent starts several nodes on one new schema at once: the advisory
// lock must let each migration run once, and every node must see one hub.
func TestMigrationsConcurrent(t *testing.T) {
	schema := freshSchema(t)
	const nodes = 6
	errs := make(chan error, nodes)
	stores := make(chan *Store, nodes)
	for range nodes {
		go func() {
			s, err := Open(context.Background(), testDSN(t), Options{Schema: schema, MaxConns: 2})
			errs <- err
			stores <- s
		}()
	}
	var uuid string
	for range nodes {
		if err := <-errs; err != nil {
			t.Errorf("a node starting at the same time as others: %v", err)
		}
		s := <-stores
		if s == nil {
			continue
		}
		defer s.Close()
		h, err := s.Hub(t.Context())
		if err != nil {
			t.Fatalf("Hub: %v", err)
		}
		if uuid == "" {
			uuid = h.UUID
		} else if h.UUID != uuid {
			t.Errorf("nodes see hubs %s and %s, want one", uuid, h.UUID)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	s := openTest(t, nil)
	ctx := t.Context()
	exec := func(q string, args ...any) error {
		_, err := s.pool.Exec(ctx, q, args...)
		return err
	}
	if err := exec(`INSERT INTO circles (name) VALUES ('c')`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"unique violation", exec(`INSERT INTO circles (name) VALUES ('c')`), firebreak.ECONFLICT},
		{"foreign key violation", exec(`INSERT INTO users (name, org_id, roles) VALUES ('u', 999, '[]')`), firebreak.EINVALID},
		{"not-null violation", exec(`INSERT INTO organizations (name) VALUES ('o')`), firebreak.EINVALID},
		{"syntax error", exec(`SELEKT 1`), firebreak.EINTERNAL},
		{"no rows", pgx.ErrNoRows, firebreak.ENOTFOUND},
		{"canceled", context.Canceled, firebreak.EUNAVAILABLE},
		{"connection closed", pgconn.ErrConnClosed, firebreak.EUNAVAILABLE},
		{"connection cut", io.ErrUnexpectedEOF, firebreak.EUNAVAILABLE},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, firebreak.EUNAVAILABLE},
		{"too many connections", &pgconn.PgError{Code: "53300"}, firebreak.EUNAVAILABLE},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, firebreak.EUNAVAILABLE},
		{"connection failure", &pgconn.PgError{Code: "08006"}, firebreak.EUNAVAILABLE},
		{"unknown", errors.New("boom"), firebreak.EINTERNAL},
	}
	for _, c := range cases {
		if got := firebreak.ErrorCode(mapErr(c.err, "x")); got != c.want {
			t.Errorf("%s: code %q, want %q (%v)", c.name, got, c.want, c.err)
		}
	}
	if msg := firebreak.ErrorMessage(mapErr(errors.New("boom"), "x")); msg != "internal error" {
		t.Errorf("an internal error's client message is %q, want it generic", msg)
	}
	// A server that refuses the connection is unavailable, not a bug.
	_, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", Options{})
	if got := firebreak.ErrorCode(err); got != firebreak.EUNAVAILABLE {
		t.Errorf("Open on a closed port: %v (code %q), want %q", err, got, firebreak.EUNAVAILABLE)
	}
	_, err = Open(ctx, "postgres://%zz", Options{})
	if got := firebreak.ErrorCode(err); got != firebreak.EINVALID {
		t.Errorf("Open with a malformed URL: %v (code %q), want %q", err, got, firebreak.EINVALID)
	}
}

// TestSkipMessage checks that without the environment variable the tests say how to run
// them.
func TestSkipMessage(t *testing.T) {
	if os.Getenv(envDSN) != "" {
		t.Skip("the variable is set")
	}
	ft := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		testDSN(ft)
	}()
	if !strings.Contains(ft.msg, envDSN) {
		t.Errorf("skip message %q does not name %s", ft.msg, envDSN)
	}
}

// fakeTB records a skip message instead of skipping.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("skipped")
}

func (f *fakeTB) Helper() {}

// TestUpgradeToConcurrentIngest fills a schema at version 2, from before ingests ran side
// by side, and opens it with this binary: the versions held keep their provider and
// positions, and what is stored next comes after them.
func TestUpgradeToConcurrentIngest(t *testing.T) {
	schema := freshSchema(t)
	ctx := t.Context()
	cfg, err := pgx.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for {
		done, err := migrateOne(ctx, conn, schema, ms[:2])
		if err != nil {
			t.Fatalf("migrating to version 2: %v", err)
		}
		if done {
			break
		}
	}
	x, y := id("indicator", 1), id("indicator", 2)
	const added = 1_700_000_000_000_000 // µs
	for _, q := range []string{
		`INSERT INTO organizations (id, identity_id, name, country, type, sectors, status) VALUES
			(1, 'identity--00000000-0000-4000-8000-000000000001', 'p', 'US', 'private', '[]', 'vetted'),
			(2, 'identity--00000000-0000-4000-8000-000000000002', 'q', 'US', 'private', '[]', 'vetted')`,
		`SELECT setval(pg_get_serial_sequence('organizations', 'id'), 2)`,
		`INSERT INTO policies (id, provider, digest, doc) VALUES (1, 1, sha256('p'::bytea), 'p')`,
		`SELECT setval(pg_get_serial_sequence('policies', 'id'), 1)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i, v := range []struct {
		id, version string
	}{{x, ts(1)}, {x, ts(2)}, {y, ts(1)}} {
		it := storetest.Item(v.id, v.version, "2.1", "p")
		if _, err := conn.Exec(ctx, `INSERT INTO objects (seq, added, idh, provider, policy, id, type, spec_version, version, vkey, raw)
			VALUES ($1, $2, $3, 1, 1, $4, 'indicator', '2.1', $5, $6, $7)`,
			i+1, added+i, idHash(v.id), v.id, it.Version, it.VersionKey, []byte(it.Raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE ingest_state SET last_seq = 5, max_added = $1`, added+10); err != nil {
		t.Fatal(err)
	}

	s := openSchema(t, schema, nil)
	res, err := s.Ingest(ctx, 1, []firebreak.IngestItem{
		storetest.Item(x, ts(3), "2.1", "p"), storetest.Item(y, ts(1), "2.1", "p")})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Outcome != firebreak.Stored || r.Object.Seq != 6 || r.Object.Added.UnixMicro() <= added+10 || r.Object.Policy != 1 {
		t.Errorf("a new version after the upgrade: %+v; want stored at seq 6, after the marks, under policy 1", r)
	}
	if r := res[1]; r.Outcome != firebreak.Duplicate || r.Object.Seq != 3 {
		t.Errorf("a version held before the upgrade: %+v; want a duplicate of seq 3", r)
	}
	// Another provider's copy of a version held before the upgrade is its own, and marks
	// the older copy: an operator still reads one copy of that version.
	if res, err := s.Ingest(ctx, 2, []firebreak.IngestItem{storetest.Item(x, ts(2), "2.1", "q")}); err != nil || res[0].Outcome != firebreak.Stored {
		t.Errorf("another provider's copy of a version held before the upgrade: %+v, %v; want stored", res, err)
	}
	all := pageAll(t, s, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}})
	var seqs []int64
	for _, o := range all {
		seqs = append(seqs, o.Seq)
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 6}) {
		t.Errorf("after the upgrade the hub holds seqs %v, want [1 2 3 6]", seqs)
	}
}
