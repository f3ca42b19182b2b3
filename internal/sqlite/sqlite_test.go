package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/storetest"
)

// opener opens stores in fresh temporary directories for the conformance suite.
func opener() storetest.Opener {
	return storetest.Opener{
		Open: func(t *testing.T, clock firebreak.Clock) firebreak.Store {
			s, err := Open(context.Background(), t.TempDir(), Options{Clock: clock})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
		Reopen: func(t *testing.T, st firebreak.Store, clock firebreak.Clock) firebreak.Store {
			old := st.(*Store)
			if err := old.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s, err := Open(context.Background(), filepath.Dir(old.path), Options{Clock: clock})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			return s
		},
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener())
}

// openTest opens a store in a temporary directory and closes it when the test ends.
func openTest(t *testing.T, clock firebreak.Clock) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir(), Options{Clock: clock})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func cursorTime(c firebreak.Cursor) time.Time { return time.UnixMicro(c.Added) }

func TestPragmas(t *testing.T) {
	s := openTest(t, nil)
	for _, c := range []struct {
		db    *sql.DB
		name  string
		want  string
		pragm string
	}{
		{s.w, "writer", "wal", "journal_mode"},
		{s.w, "writer", "2", "synchronous"}, // FULL
		{s.w, "writer", "1", "foreign_keys"},
		{s.w, "writer", "10000", "busy_timeout"},
		{s.r, "reader", "wal", "journal_mode"},
		{s.r, "reader", "1", "query_only"},
		{s.r, "reader", "1", "foreign_keys"},
		// Mapped pages count in the resident set: a large database must not be mapped.
		{s.w, "writer", "0", "mmap_size"},
		{s.r, "reader", "0", "mmap_size"},
		{s.c, "checkpointer", "0", "mmap_size"},
		{s.w, "writer", fmt.Sprint(-connCache >> 10), "cache_size"},
		{s.r, "reader", fmt.Sprint(-connCache >> 10), "cache_size"},
		{s.c, "checkpointer", fmt.Sprint(-checkpointerCache >> 10), "cache_size"},
	} {
		var got string
		if err := c.db.QueryRow("PRAGMA " + c.pragm).Scan(&got); err != nil {
			t.Fatalf("%s: PRAGMA %s: %v", c.name, c.pragm, err)
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %q, want %q", c.name, c.pragm, got, c.want)
		}
	}
	if _, err := s.r.Exec(`UPDATE meta SET value = 5 WHERE key = 'epoch'`); err == nil {
		t.Errorf("a reader connection wrote; want it read-only")
	}
}

func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var v int
	if err := s.r.QueryRow(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v); err != nil || v != SchemaVersion() || v < 1 {
		t.Errorf("schema_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	hub, err := s.Hub(t.Context())
	if err != nil {
		t.Fatalf("Hub: %v", err)
	}
	// A database from a newer binary is refused, and left as it is.
	if _, err := s.w.Exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, SchemaVersion()+1); err != nil {
		t.Fatalf("setting a future version: %v", err)
	}
	s.Close()
	_, err = Open(t.Context(), dir, Options{})
	if firebreak.ErrorCode(err) != firebreak.EINVALID || !strings.Contains(firebreak.ErrorMessage(err), "newer") {
		t.Errorf("opening a newer database: %v; want EINVALID saying it is newer", err)
	}
	// Back at the current version, it opens again and keeps its hub.
	raw, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, SchemaVersion()); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s, err = Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer s.Close()
	if h, err := s.Hub(t.Context()); err != nil || h.UUID != hub.UUID {
		t.Errorf("after reopening, hub UUID %q (%v), want %q", h.UUID, err, hub.UUID)
	}
	ms, err := migrations()
	if err != nil || len(ms) != SchemaVersion() {
		t.Errorf("migrations() = %d, %v", len(ms), err)
	}
}

func TestErrorCodes(t *testing.T) {
	s := openTest(t, nil)
	ctx := t.Context()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO circles (name) VALUES ('c')`); err != nil {
		t.Fatal(err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO circles (name) VALUES ('c')`)
	if got := firebreak.ErrorCode(mapErr(err, "x")); got != firebreak.ECONFLICT {
		t.Errorf("unique violation: code %q, want %q (%v)", got, firebreak.ECONFLICT, err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO users (name, org_id, roles) VALUES ('u', 999, '[]')`)
	if got := firebreak.ErrorCode(mapErr(err, "x")); got != firebreak.EINVALID {
		t.Errorf("foreign key violation: code %q, want %q (%v)", got, firebreak.EINVALID, err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO organizations (name) VALUES ('o')`)
	if got := firebreak.ErrorCode(mapErr(err, "x")); got != firebreak.EINVALID {
		t.Errorf("not-null violation: code %q, want %q (%v)", got, firebreak.EINVALID, err)
	}
	if got := firebreak.ErrorCode(mapErr(sql.ErrNoRows, "x")); got != firebreak.ENOTFOUND {
		t.Errorf("no rows: code %q, want %q", got, firebreak.ENOTFOUND)
	}
	if got := firebreak.ErrorCode(mapErr(context.Canceled, "x")); got != firebreak.EUNAVAILABLE {
		t.Errorf("canceled: code %q, want %q", got, firebreak.EUNAVAILABLE)
	}
	if err := mapErr(errors.New("boom"), "x"); firebreak.ErrorCode(err) != firebreak.EINTERNAL || firebreak.ErrorMessage(err) != "internal error" {
		t.Errorf("unknown error: %v (%q), want internal", err, firebreak.ErrorCode(err))
	}
}

// TestBusyIsUnavailable holds the write lock from another connection, as another process
// would, and checks that a writer that cannot get it reports EUNAVAILABLE.
func TestBusyIsUnavailable(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir, Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	other, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	defer tx.Rollback()
	err = s.Apply(t.Context(), firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "A"}}})
	if got := firebreak.ErrorCode(err); got != firebreak.EUNAVAILABLE {
		t.Errorf("Apply while another process writes: %v (code %q), want %q", err, got, firebreak.EUNAVAILABLE)
	}
	// Reads go on meanwhile.
	if _, err := s.Epoch(t.Context()); err != nil {
		t.Errorf("Epoch while another process writes: %v", err)
	}
}

// TestCommittedSurvivesCrash copies the database files while the store is open, as a
// crash would leave them, and checks that a store opened on the copy holds everything
// Ingest and Apply had acknowledged.
func TestCommittedSurvivesCrash(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Apply(ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "A"}}}); err != nil {
		t.Fatal(err)
	}
	org, err := s.OrganizationByName(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	var items []firebreak.IngestItem
	for i := range 50 {
		items = append(items, storetest.Item(fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i), "2024-01-01T00:00:00Z", "2.1", "p"))
	}
	if _, err := s.Ingest(ctx, org.ID, items); err != nil {
		t.Fatal(err)
	}
	crash := t.TempDir()
	for _, name := range []string{FileName, FileName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crash, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Open(ctx, crash, Options{})
	if err != nil {
		t.Fatalf("opening the crashed copy: %v", err)
	}
	defer c.Close()
	p, err := c.Objects(ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{})
	if err != nil || len(p.Objects) != len(items) {
		t.Errorf("the crashed copy holds %d objects (%v), want %d", len(p.Objects), err, len(items))
	}
	if _, err := c.OrganizationByName(ctx, "A"); err != nil {
		t.Errorf("the crashed copy lost organization A: %v", err)
	}
}
