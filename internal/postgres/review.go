package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

const heldColumns = `o.seq, o.added, o.id, o.type, o.spec_version, o.version, o.provider, o.policy, o.expires, o.raw, r.status_id`

func scanHeld(r pgx.Row) (firebreak.HeldVersion, error) {
	var h firebreak.HeldVersion
	var added, expires int64
	var raw []byte
	o := &h.Object
	err := r.Scan(&o.Seq, &added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.Provider, &o.Policy, &expires, &raw, &h.StatusID)
	o.Added, o.Expires, o.Raw = time.UnixMicro(added).UTC(), firebreak.ExpiryFromMicros(expires), raw
	return h, err
}

// HeldVersions lists versions held for review, oldest first.
func (s *Store) HeldVersions(ctx context.Context, limit int) ([]firebreak.HeldVersion, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+heldColumns+` FROM review r JOIN objects o ON o.seq = r.seq
		ORDER BY r.seq LIMIT $1`, limit)
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

// held finds provider's held version of id by its version inside tx and locks its review
// entry, so that two operators deciding at once on two nodes cannot both decide it. It
// first takes the id's ingest lock (see 0003): a release moves the version to a new seq,
// and an ingest of another provider's copy, which marks this one as a twin by its seq,
// must not run meanwhile.
func held(ctx context.Context, tx pgx.Tx, provider int64, id, version string) (firebreak.HeldVersion, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO id_locks (idh) VALUES ($1)
		ON CONFLICT (idh) DO UPDATE SET idh = excluded.idh WHERE false`, idHash(id)); err != nil {
		return firebreak.HeldVersion{}, mapErr(err, "cannot read the review list")
	}
	h, err := scanHeld(tx.QueryRow(ctx, `SELECT `+heldColumns+` FROM review r JOIN objects o ON o.seq = r.seq
		WHERE o.idh = $1 AND o.id = $2 AND o.version = $3 AND o.provider = $4 FOR UPDATE OF r`, idHash(id), id, version, provider))
	if errors.Is(err, pgx.ErrNoRows) {
		return h, firebreak.Errorf(firebreak.ENOTFOUND, "no version %s of %s is held for review", version, id)
	}
	return h, mapErr(err, "cannot read the review list")
}

// Release takes a held version off the review list under its new policy. The version
// moves to a new seq and date added, as if it were stored now: readers only see it from
// now on, and a reader's cursor, which may have passed its old position while it was
// held, must not skip it.
func (s *Store) Release(ctx context.Context, provider int64, id, version string, policyDoc []byte, audit ...[]byte) (firebreak.HeldVersion, error) {
	return s.decide(ctx, provider, id, version, func(tx pgx.Tx, h *firebreak.HeldVersion) error {
		pids, err := policyIDs(ctx, tx, h.Object.Provider, []firebreak.IngestItem{{PolicyDoc: policyDoc}}, []int{0})
		if err != nil {
			return err
		}
		seq, added, err := s.reserve(ctx, tx, 1)
		if err != nil {
			return mapErr(err, "cannot release the version")
		}
		o := &h.Object
		if err := tx.QueryRow(ctx, `UPDATE objects SET seq = $1, added = $2, policy = $3,
				version = CASE WHEN vkey = '' THEN $4 ELSE version END
			WHERE seq = $5 RETURNING version`,
			seq, added.UnixMicro(), pids[string(policyDoc)], added.Format(firebreak.AddedLayout), o.Seq).Scan(&o.Version); err != nil {
			return mapErr(err, "cannot release the version")
		}
		if _, err := tx.Exec(ctx, `UPDATE variants SET seq = $1 WHERE seq = $2`, seq, o.Seq); err != nil {
			return mapErr(err, "cannot release the version")
		}
		o.Seq, o.Added, o.Policy = seq, added, pids[string(policyDoc)]
		return nil
	}, audit)
}

// Reject deletes a held version.
func (s *Store) Reject(ctx context.Context, provider int64, id, version string, audit ...[]byte) (firebreak.HeldVersion, error) {
	return s.decide(ctx, provider, id, version, func(tx pgx.Tx, h *firebreak.HeldVersion) error {
		for _, q := range []string{`DELETE FROM objects WHERE seq = $1`, `DELETE FROM variants WHERE seq = $1`} {
			if _, err := tx.Exec(ctx, q, h.Object.Seq); err != nil {
				return mapErr(err, "cannot reject the version")
			}
		}
		return nil
	}, audit)
}

func (s *Store) decide(ctx context.Context, provider int64, id, version string, act func(pgx.Tx, *firebreak.HeldVersion) error, audit [][]byte) (firebreak.HeldVersion, error) {
	if err := checkAudit(audit); err != nil {
		return firebreak.HeldVersion{}, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return firebreak.HeldVersion{}, mapErr(err, "cannot change the review list")
	}
	defer tx.Rollback(ctx)
	h, err := held(ctx, tx, provider, id, version)
	if err != nil {
		return h, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM review WHERE seq = $1`, h.Object.Seq); err != nil {
		return h, mapErr(err, "cannot change the review list")
	}
	if err := act(tx, &h); err != nil {
		return h, err
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return h, err
	}
	if err := tx.Commit(ctx); err != nil {
		return h, mapErr(err, fmt.Sprintf("cannot change the review list for %s", id))
	}
	return h, nil
}
