// Package sqlite is the embedded store: firebreak.Store on one SQLite database file in the
// hub's data directory, through the pure-Go driver modernc.org/sqlite, so that a hub needs
// no database server and no C toolchain.
//
// The database runs in WAL mode with synchronous=FULL, so that whatever a method reports
// as done survives a crash or a power loss. Writes go through one connection (SQLite
// admits one writer at a time, and queueing in Go is cheaper and fairer than retrying on
// SQLITE_BUSY); reads go through a pool of read-only connections and run alongside writes
// on the snapshot WAL gives them. The schema is made by numbered migrations embedded in
// the binary.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the name of the database file inside the data directory.
const FileName = "firebreak.db"

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// Clock gives the date added of ingested objects; nil means firebreak.SystemClock{}.
	Clock firebreak.Clock
	// Readers is the number of read connections; 0 means max(4, GOMAXPROCS). Each keeps
	// a page cache of up to 32 MiB (see connCache).
	Readers int
	// BusyTimeout is how long a connection waits for a lock that another process holds
	// before giving up with EUNAVAILABLE; 0 means 10 seconds.
	BusyTimeout time.Duration
}

// Store is firebreak.Store on SQLite. It is safe for concurrent use.
type Store struct {
	path  string
	clock firebreak.Clock
	w     *sql.DB // the one writer connection
	r     *sql.DB // read-only connections
	c     *sql.DB // the background checkpointer's connection

	ckpt     chan struct{} // a commit happened (buffer 1: signals coalesce)
	stop     chan struct{} // closed by Close
	ckptDone chan struct{} // closed when the checkpointer has returned

	closeOnce sync.Once

	// stmts caches prepared reader statements by SQL text; the text is built from a
	// bounded set of shapes (see objectQuery), so the cache stays small.
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

var _ firebreak.Store = (*Store)(nil)

// defaultBusyTimeout is how long a connection waits for a lock held by another process
// (or a checkpoint) before SQLITE_BUSY reaches us.
const defaultBusyTimeout = 10 * time.Second

// Open opens (creating if needed) the store in dir (file dir/firebreak.db), runs the
// embedded migrations, and returns it. A database made by a newer binary is refused.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = firebreak.SystemClock{}
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = defaultBusyTimeout
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, firebreak.Wrap(firebreak.EUNAVAILABLE, err, "cannot create the data directory")
	}
	path := filepath.Join(dir, FileName)
	s := &Store{path: path, clock: opts.Clock, stmts: make(map[string]*sql.Stmt)}

	var err error
	s.w, err = sql.Open("sqlite", dsn(path, roleWriter, opts.BusyTimeout))
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot open the database")
	}
	// One writer: SQLite serialises writers anyway, and a Go-side queue avoids
	// SQLITE_BUSY between our own goroutines.
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.w.Close()
		return nil, mapErr(err, "cannot open the database")
	}
	if err := migrate(ctx, s.w); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := initHub(ctx, s.w); err != nil {
		s.w.Close()
		return nil, err
	}

	s.r, err = sql.Open("sqlite", dsn(path, roleReader, opts.BusyTimeout))
	if err != nil {
		s.w.Close()
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot open the database")
	}
	s.r.SetMaxOpenConns(opts.Readers)
	s.r.SetMaxIdleConns(opts.Readers)
	s.r.SetConnMaxLifetime(0)
	s.r.SetConnMaxIdleTime(0)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, mapErr(err, "cannot open the database")
	}

	s.c, err = sql.Open("sqlite", dsn(path, roleCheckpointer, opts.BusyTimeout))
	if err != nil {
		s.Close()
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot open the database")
	}
	s.c.SetMaxOpenConns(1)
	s.c.SetMaxIdleConns(1)
	s.c.SetConnMaxLifetime(0)
	s.c.SetConnMaxIdleTime(0)
	s.ckpt = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.ckptDone = make(chan struct{})
	go s.checkpointer()
	return s, nil
}

// Connection roles: each gets its own pragmas.
const (
	roleWriter = iota
	roleReader
	roleCheckpointer
)

// connCache is the page cache of the writer and of each reader, in bytes. A larger cache
// keeps the id-hash index and the newest pages in memory, and pages are read with pread
// otherwise, from the operating system's cache.
//
// SQLite keeps one cache per connection, unshared, so the caches take at most
// (1 + Readers) × connCache + checkpointerCache: 162 MiB with the default four readers,
// whatever the size of the database. Memory-mapped I/O is what would break that bound,
// and it stays off (mmap_size 0; this build of SQLite supports maps of up to 2 GiB):
// every page read through a map counts in the process's resident set, and a large hub's
// database is bigger than the memory it should take. Importing 1,000,000 indicators
// (1.1 GB of database) peaked at 776 MiB RSS with a 1 GiB map and at 92 MiB without it,
// in the same time.
const connCache = 32 << 20

// checkpointerCache is the background checkpointer's page cache, in bytes.
const checkpointerCache = 2 << 20

// walBackstop is the WAL size, in pages, at which a commit checkpoints by itself. The
// background checkpointer normally keeps the WAL far below it; the backstop bounds the
// WAL if it falls behind.
const walBackstop = 16384

// dsn builds the connection string. Every connection gets a busy timeout and foreign
// keys; the writer also sets WAL (persistent in the file) and synchronous=FULL, which in
// WAL mode syncs the log at every commit: nothing acknowledged is lost on power loss.
// Readers are query_only so that a bug cannot write through them.
func dsn(path string, role int, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// Memory-mapped I/O stays off, whatever SQLite's default: see connCache.
	q.Add("_pragma", "mmap_size(0)")
	// Statement journals (a multi-row INSERT keeps one, to undo just that statement)
	// and sorts stay in memory instead of temporary files: a write system call per
	// page otherwise.
	q.Add("_pragma", "temp_store(MEMORY)")
	switch role {
	case roleWriter, roleReader:
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -connCache>>10))
	case roleCheckpointer:
		// A checkpoint copies frames from the WAL to the database file without the
		// page cache: this connection needs none to speak of.
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -checkpointerCache>>10))
	}
	switch role {
	case roleWriter:
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstop))
		// After a checkpoint that empties the WAL, shrink the file back to this size.
		q.Add("_pragma", "journal_size_limit(67108864)")
		q.Set("_txlock", "immediate")
	case roleReader:
		q.Add("_pragma", "query_only(1)")
	case roleCheckpointer:
		q.Add("_pragma", "synchronous(FULL)")
	}
	return path + "?" + q.Encode()
}

// checkpointer copies committed pages from the WAL into the database file, in the
// background, so that a commit only appends to the WAL and syncs it: with the random
// index inserts STIX ids cause, copying pages back is as costly as writing them, and
// doing it here lets ingest use the second core. A PASSIVE checkpoint never blocks the
// writer or readers. It runs after commits (signals coalesce while one runs) until
// Close stops it.
func (s *Store) checkpointer() {
	defer close(s.ckptDone)
	for {
		select {
		case <-s.stop:
			return
		case <-s.ckpt:
		}
		// Errors are not fatal here: the writer's backstop checkpoints if these fail,
		// and a real I/O problem surfaces on the next commit.
		_, _ = s.c.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// committed tells the checkpointer that the WAL has grown.
func (s *Store) committed() {
	select {
	case s.ckpt <- struct{}{}:
	default:
	}
}

// Close stops the background checkpointer and closes the database. The store must not be
// used afterwards; closing again does nothing.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.close() })
	return err
}

func (s *Store) close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.ckptDone
	}
	s.mu.Lock()
	for k, st := range s.stmts {
		st.Close()
		delete(s.stmts, k)
	}
	s.mu.Unlock()
	var errs []error
	if s.c != nil {
		errs = append(errs, s.c.Close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		// optimize refreshes the planner's statistics where it judges them stale; it is
		// cheap and makes the next Open plan with current numbers.
		_, _ = s.w.Exec("PRAGMA optimize")
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return mapErr(err, "cannot close the database")
	}
	return nil
}

// prepared returns the cached reader statement for query, preparing it on first use.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// mapErr turns a driver or database/sql error into a *firebreak.Error, classifying it by
// SQLite result code (never by message text). msg is the client-safe message.
func mapErr(err error, msg string) error {
	if err == nil {
		return nil
	}
	var fe *firebreak.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return firebreak.Wrap(firebreak.ENOTFOUND, err, msg)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return firebreak.Wrap(firebreak.EUNAVAILABLE, err, msg)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return firebreak.Wrap(codeOf(se.Code()), err, msg)
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) {
		return firebreak.Wrap(firebreak.EUNAVAILABLE, err, msg)
	}
	return firebreak.Wrap(firebreak.EINTERNAL, err, msg)
}

// mapRead is mapErr for a lookup: notFound is the message when there is no such row,
// msg the message of any other failure (an outage is not "not found").
func mapRead(err error, notFound, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return firebreak.Wrap(firebreak.ENOTFOUND, err, notFound)
	}
	return mapErr(err, msg)
}

// codeOf classifies an SQLite (extended) result code.
func codeOf(code int) string {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return firebreak.ECONFLICT
	}
	switch code & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		// foreign key, NOT NULL, CHECK: the request named something that does not hold.
		return firebreak.EINVALID
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return firebreak.EUNAVAILABLE
	}
	return firebreak.EINTERNAL
}

// jsonStrings renders a list as a JSON array, to pass a whole list as one parameter
// that json_each unpacks (so a list may be long without hitting the variable limit).
func jsonStrings(vs []string) string {
	if vs == nil {
		vs = []string{}
	}
	b, _ := json.Marshal(vs) // a []string always encodes
	return string(b)
}

// jsonCopies renders copies as a JSON array of [provider, id] pairs for json_each.
func jsonCopies(cs []firebreak.Copy) string {
	pairs := make([][2]any, len(cs))
	for i, c := range cs {
		pairs[i] = [2]any{c.Provider, c.ID}
	}
	b, _ := json.Marshal(pairs) // integers and strings always encode
	return string(b)
}

// jsonInts renders a list of integers as a JSON array for json_each.
func jsonInts(vs []int64) string {
	b := make([]byte, 0, 2+len(vs)*8)
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, ']')
	return string(b)
}
