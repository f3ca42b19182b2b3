package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak/firebreak"
)

// insertExtras stores, for the versions just stored, the variants other readers receive
// and the review entries of held versions.
func insertExtras(ctx context.Context, tx *sql.Tx, items []firebreak.IngestItem, results []firebreak.IngestResult, fresh []int) error {
	for _, i := range fresh {
		it, seq := items[i], results[i].Object.Seq
		if it.Shared != nil || it.Anonymous != nil {
			var shared, anon any
			if it.Shared != nil {
				shared = []byte(it.Shared)
			}
			if it.Anonymous != nil {
				anon = []byte(it.Anonymous)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO variants (seq, shared, anon) VALUES (?, ?, ?)`, seq, shared, anon); err != nil {
				return mapErr(err, "cannot store objects")
			}
		}
		if it.Held {
			if _, err := tx.ExecContext(ctx, `INSERT INTO review (seq, status_id) VALUES (?, ?)`, seq, it.StatusID); err != nil {
				return mapErr(err, "cannot store objects")
			}
		}
	}
	return nil
}

const heldColumns = `o.seq, o.added, o.id, o.type, o.spec_version, o.version, o.provider, o.policy, o.expires, o.raw, r.status_id`

func scanHeld(sc scanner) (firebreak.HeldVersion, error) {
	var h firebreak.HeldVersion
	var added, expires int64
	o := &h.Object
	err := sc.Scan(&o.Seq, &added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.Provider, &o.Policy, &expires, &o.Raw, &h.StatusID)
	o.Added, o.Expires = time.UnixMicro(added).UTC(), firebreak.ExpiryFromMicros(expires)
	return h, err
}

// HeldVersions lists versions held for review, oldest first.
func (s *Store) HeldVersions(ctx context.Context, limit int) ([]firebreak.HeldVersion, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+heldColumns+` FROM review r JOIN objects o ON o.seq = r.seq ORDER BY r.seq LIMIT ?`, limit)
	if err != nil {
		return nil, mapErr(err, "cannot read the review list")
	}
	defer rows.Close()
	var out []firebreak.HeldVersion
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, mapErr(err, "cannot read the review list")
		}
		out = append(out, h)
	}
	return out, mapErr(rows.Err(), "cannot read the review list")
}

// held finds provider's held version of id by its version inside tx.
func held(ctx context.Context, tx *sql.Tx, provider int64, id, version string) (firebreak.HeldVersion, error) {
	h, err := scanHeld(tx.QueryRowContext(ctx, `SELECT `+heldColumns+` FROM review r JOIN objects o ON o.seq = r.seq
		WHERE o.idh = ? AND o.id = ? AND o.version = ? AND o.provider = ?`, idHash(id), id, version, provider))
	if errors.Is(err, sql.ErrNoRows) {
		return h, firebreak.Errorf(firebreak.ENOTFOUND, "no version %s of %s is held for review", version, id)
	}
	return h, mapErr(err, "cannot read the review list")
}

// Release takes a held version off the review list under its new policy.
//
// A twin mark stays with the version (see 0007): moved past its copies, it is the one
// left out where a reader may see one of them too.
func (s *Store) Release(ctx context.Context, provider int64, id, version string, policyDoc []byte, audit ...[]byte) (firebreak.HeldVersion, error) {
	return s.decide(ctx, provider, id, version, func(tx *sql.Tx, h *firebreak.HeldVersion) error {
		pids, err := policyIDs(ctx, tx, h.Object.Provider, []firebreak.IngestItem{{PolicyDoc: policyDoc}}, []int{0})
		if err != nil {
			return err
		}
		pid := pids[string(policyDoc)]
		// The version moves to a new seq and date added, as if it were stored now: a
		// reader's cursor may have passed its old position while it was held.
		seq, addedTime, err := s.reserve(ctx, tx, 1)
		if err != nil {
			return mapErr(err, "cannot release the version")
		}
		o := &h.Object
		if err := tx.QueryRowContext(ctx, `UPDATE objects SET seq = ?, added = ?, policy = ?,
				version = CASE WHEN vkey = '' THEN ? ELSE version END
			WHERE seq = ? RETURNING version`, seq, addedTime.UnixMicro(), pid, addedTime.Format(firebreak.AddedLayout), o.Seq).Scan(&o.Version); err != nil {
			return mapErr(err, "cannot release the version")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE variants SET seq = ? WHERE seq = ?`, seq, o.Seq); err != nil {
			return mapErr(err, "cannot release the version")
		}
		o.Seq, o.Added, o.Policy = seq, addedTime, pid
		return nil
	}, audit)
}

// Reject deletes a held version.
func (s *Store) Reject(ctx context.Context, provider int64, id, version string, audit ...[]byte) (firebreak.HeldVersion, error) {
	return s.decide(ctx, provider, id, version, func(tx *sql.Tx, h *firebreak.HeldVersion) error {
		for _, q := range []string{`DELETE FROM objects WHERE seq = ?`, `DELETE FROM variants WHERE seq = ?`} {
			if _, err := tx.ExecContext(ctx, q, h.Object.Seq); err != nil {
				return mapErr(err, "cannot reject the version")
			}
		}
		return nil
	}, audit)
}

func (s *Store) decide(ctx context.Context, provider int64, id, version string, act func(*sql.Tx, *firebreak.HeldVersion) error, audit [][]byte) (firebreak.HeldVersion, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return firebreak.HeldVersion{}, mapErr(err, "cannot change the review list")
	}
	defer tx.Rollback()
	h, err := held(ctx, tx, provider, id, version)
	if err != nil {
		return h, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM review WHERE seq = ?`, h.Object.Seq); err != nil {
		return h, mapErr(err, "cannot change the review list")
	}
	if err := act(tx, &h); err != nil {
		return h, err
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return h, err
	}
	if err := tx.Commit(); err != nil {
		return h, mapErr(err, fmt.Sprintf("cannot change the review list for %s", id))
	}
	s.committed()
	return h, nil
}
