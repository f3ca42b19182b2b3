package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"

	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/migration"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema migrations, named NNNN_summary.sql. Each runs once, in
// its own transaction, in number order; the number of the last one applied is kept as
// schema_version in the meta table. Migrations are never edited once released: a change
// to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]migration.Migration, error) { return migration.Load(migrationFiles, "migrations") }

// SchemaVersion is the schema version this binary's migrations reach.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the schema up to date, one migration per transaction, while holding a
// session advisory lock on the schema's name on one connection: nodes that start at once
// queue up, and each reads the version again once it holds the lock, so each step runs
// once. Each step is a transaction begun after the lock is taken: a transaction that took
// the lock itself could still look names up in a catalog cache from before the lock, and
// fail to create a schema or table that another node has just created. A node that dies
// mid-migration leaves no lock behind: the lock goes with its connection.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := migrations()
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "the embedded migrations are broken")
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return mapErr(err, "cannot migrate the database")
	}
	defer conn.Release()
	const lock = `hashtext('firebreak-migrate'), hashtext($1)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lock+`)`, schema); err != nil {
		return mapErr(err, "cannot migrate the database")
	}
	defer func() {
		// A connection that cannot say it is done goes, and its lock with it, rather
		// than back to the pool still holding the lock.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lock+`)`, schema); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		done, err := migrateOne(ctx, conn.Conn(), schema, ms)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return initHub(ctx, pool)
}

// migrateOne applies the next migration, if any; done reports that none was left.
func migrateOne(ctx context.Context, conn *pgx.Conn, schema string, ms []migration.Migration) (done bool, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	defer tx.Rollback(ctx)
	if schema != "" {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return false, mapErr(err, "cannot create the schema")
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value bigint NOT NULL)`); err != nil {
		return false, mapErr(err, "cannot prepare the database")
	}
	var v int
	err = tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, mapErr(err, "cannot read the schema version")
	}
	if v > len(ms) {
		return false, firebreak.Errorf(firebreak.EINVALID,
			"the database has schema version %d, newer than this binary's %d: run a newer firebreak", v, len(ms))
	}
	if v == len(ms) {
		return true, nil
	}
	m := ms[v]
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, mapErr(fmt.Errorf("migration %s: %w", m.Name, err), "cannot migrate the database")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, m.Version); err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	if err := tx.Commit(ctx); err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	return false, nil
}

// initHub makes the hub's row, with a fresh random UUID and secret, the first time the store opens.
// Nodes that start at once race harmlessly: the first insert wins, the others do nothing.
func initHub(ctx context.Context, pool *pgxpool.Pool) error {
	id := stix.NewID("x") // "x--<uuid v4>"
	uuid := strings.TrimPrefix(id, "x--")
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot make the hub's secret")
	}
	if _, err := pool.Exec(ctx, `INSERT INTO hub (id, uuid, secret) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
		uuid, secret); err != nil {
		return mapErr(err, "cannot initialise the hub")
	}
	return nil
}
