package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/migration"
	"github.com/firebreak/firebreak/internal/stix"
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

// migrate brings the database up to date. It is safe to run on an existing database and
// from several processes at once: each step runs in an immediate (write-locked)
// transaction that first reads the version again.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "the embedded migrations are broken")
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value ANY) STRICT`); err != nil {
		return mapErr(err, "cannot prepare the database")
	}
	for {
		done, err := migrateOne(ctx, db, ms)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the next migration, if any; done reports that none was left.
func migrateOne(ctx context.Context, db *sql.DB, ms []migration.Migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	defer tx.Rollback()
	var v int
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return false, mapErr(err, "cannot read the schema version")
	}
	if v > len(ms) {
		return false, firebreak.Errorf(firebreak.EINVALID,
			"the database %s has schema version %d, newer than this binary's %d: run a newer firebreak",
			FileName, v, len(ms))
	}
	if v == len(ms) {
		return true, nil
	}
	m := ms[v]
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, mapErr(fmt.Errorf("migration %s: %w", m.Name, err), "cannot migrate the database")
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO meta (key, value) VALUES ('schema_version', ?)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value`, m.Version); err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	if err := tx.Commit(); err != nil {
		return false, mapErr(err, "cannot migrate the database")
	}
	return false, nil
}

// initHub makes the hub's row, with a fresh random UUID, the first time the store opens.
func initHub(ctx context.Context, db *sql.DB) error {
	id := stix.NewID("x") // "x--<uuid v4>"
	uuid := strings.TrimPrefix(id, "x--")
	if _, err := db.ExecContext(ctx,
		`INSERT INTO hub (id, uuid) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, uuid); err != nil {
		return mapErr(err, "cannot initialise the hub")
	}
	return nil
}
