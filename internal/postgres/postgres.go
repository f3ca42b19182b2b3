// Package postgres is the store for deployments that outgrow one machine:
// firebreak.Store on PostgreSQL, through github.com/jackc/pgx/v5, so that several
// stateless hub nodes can share one database.
//
// Several nodes on one database must behave as one hub. Whatever has to be sequential
// across the deployment is decided inside the database, by locks that end with the
// transaction (or the connection) that holds them, never by anything in one process:
//
//   - Ingests run side by side. Each locks its ids (a row each in id_locks) until
//     commit: ingests with an id in common take turns (one provider per id, one copy of
//     each version), others do not wait. Seqs and the date added are reserved under a
//     lock held only for the reservation, and the reserving transaction holds an
//     advisory lock named after its first seq until it ends. A reader first finds the
//     horizon, the seq below which everything that will commit has committed, waiting
//     for the ingests in flight below the high-water mark, and reads below it. So a
//     cursor never passes a version that commits later with a smaller position, and a
//     client reads what it has just written through any node. New policy ids are taken
//     under a transaction lock, so Policies(afterID) never misses one.
//   - The audit chain locks the one row of audit_state: one chain, whichever node writes.
//   - Apply locks the epoch row of meta: directory changes are applied one at a time and
//     every node reads the same epoch.
//
// Object bodies are kept as the exact bytes submitted (bytea, not jsonb, which would
// reorder keys and drop duplicates). Visibility is applied inside the page query, as the
// embedded store does, so that paging and first/last stay right for every reader.
//
// Errors are classified by SQLSTATE code and by the driver's error types, never by
// message text: a database that goes away gives EUNAVAILABLE, and the pool reconnects by
// itself when it returns.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"sync"
	"syscall"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// Clock gives the date added of ingested objects; nil means firebreak.SystemClock{}.
	// Every node should run on a synchronised clock; the store never lets the date added
	// go back whatever the clocks say.
	Clock firebreak.Clock
	// MaxConns caps the node's connections; 0 means the pool's default (the greater of 4
	// and the number of CPUs), or pool_max_conns in the URL.
	MaxConns int32
	// Schema, when set, is the one schema the store uses (its search_path), created if
	// missing. Tests use it to give each store a fresh schema in one database.
	Schema string
}

// Store is firebreak.Store on PostgreSQL. It is safe for concurrent use, and several
// Stores (nodes) may share one database.
type Store struct {
	pool      *pgxpool.Pool
	clock     firebreak.Clock
	closeOnce sync.Once
	peers     peerLocks
}

var _ firebreak.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value DSN), runs the
// embedded migrations and returns the store. Migrations hold an advisory lock, so nodes
// started at once apply each step once. A database migrated by a newer binary is refused.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = firebreak.SystemClock{}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The message of a parse error may hold the password: keep it out of the client
		// message (the cause stays for logs, redacted by pgconn).
		return nil, firebreak.Wrap(firebreak.EINVALID, err, "the PostgreSQL URL is not valid")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	// Timestamps and text travel in a known form whatever the server's defaults.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// No JIT: a page query over millions of rows has a high estimated cost (it stops
	// after a thousand, which the estimate cannot know), and compiling it took 120 ms
	// of a 2 ms query.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	cfg.AfterConnect = prepareConn
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, mapErr(err, "cannot connect to the database")
	}
	s := &Store{pool: pool, clock: opts.Clock}
	if err := migrate(ctx, pool, opts.Schema); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// prepareConn readies a new connection: each has its own staging table for Ingest (a
// temporary table, emptied at every commit), so that the bulk of a batch travels to the
// server before the ingest lock is taken.
func prepareConn(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS fb_stage (
		i            int    NOT NULL,
		idh          bigint NOT NULL,
		expires      bigint NOT NULL,
		id           text   NOT NULL,
		type         text   NOT NULL,
		spec_version text   NOT NULL,
		vkey         text   NOT NULL,
		raw          bytea  NOT NULL
	) ON COMMIT DELETE ROWS`)
	return err
}

// Close closes the pool. The store must not be used afterwards; closing again does
// nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.peers.close()
		s.pool.Close()
	})
	return nil
}

// idHash is the 64-bit FNV-1a hash of a STIX id, kept in objects.idh to find versions by
// id through a small index of integers rather than one of long random text: every new
// version lands on a random page of that index, and smaller entries mean fewer pages to
// dirty (and to log in full after a checkpoint). It is stored, so it must never change;
// queries compare the id itself too, so a collision costs a row read, not a wrong answer.
func idHash(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64(h.Sum64())
}

// mapErr turns a driver error into a *firebreak.Error, classifying it by SQLSTATE code
// and by error type (never by message text). msg is the client-safe message.
func mapErr(err error, msg string) error {
	if err == nil {
		return nil
	}
	var fe *firebreak.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return firebreak.Wrap(firebreak.ENOTFOUND, err, msg)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return firebreak.Wrap(codeOf(pe.Code), err, msg)
	}
	if unavailable(err) {
		return firebreak.Wrap(firebreak.EUNAVAILABLE, err, msg)
	}
	return firebreak.Wrap(firebreak.EINTERNAL, err, msg)
}

// mapRead is mapErr for a lookup: notFound is the message when there is no such row,
// msg the message of any other failure (an outage is not "not found").
func mapRead(err error, notFound, msg string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return firebreak.Wrap(firebreak.ENOTFOUND, err, notFound)
	}
	return mapErr(err, msg)
}

// unavailable reports whether err says that the database could not be reached or the
// connection broke: the request may succeed later, when the database is back.
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, pgconn.ErrConnClosed), errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	case errors.As(err, &errno):
		return errno == syscall.ECONNREFUSED || errno == syscall.ECONNRESET || errno == syscall.EPIPE
	}
	return false
}

// codeOf classifies a SQLSTATE code (see Appendix A of the PostgreSQL manual).
func codeOf(code string) string {
	switch code {
	case "23505": // unique_violation
		return firebreak.ECONFLICT
	case "23503", "23502", "23514", "23P01": // foreign key, not null, check, exclusion
		return firebreak.EINVALID
	case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
		"57014",          // query_canceled (a statement timeout)
		"40001", "40P01", // serialization_failure, deadlock_detected: try again
		"55P03",          // lock_not_available
		"25006",          // read_only_sql_transaction (a standby took the URL)
		"3D000", "3F000": // the database or schema is gone
		return firebreak.EUNAVAILABLE
	}
	switch code[:2] {
	case "08", // connection exception
		"53", // insufficient resources: too many connections, disk full, out of memory
		"58", // system error (I/O)
		"28": // invalid authorization: the server refuses this node
		return firebreak.EUNAVAILABLE
	case "22": // data exception: a value the column cannot hold
		return firebreak.EINVALID
	}
	return firebreak.EINTERNAL
}

// quoteName renders a string for an error message.
func quoteName(s string) string { return fmt.Sprintf("%q", s) }
