package postgres

import (
	"context"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stored"
	"github.com/jackc/pgx/v5"
)

var _ firebreak.WithdrawalStore = (*Store)(nil)

// recordWithdrawals adds ws inside tx. Each gets the next seq: one more than the last
// handed out, but never below its date added in microseconds.
//
// Writes from every node commit side by side, so the seqs are taken under a transaction
// lock (the lock space's key 3) held until commit: the next writer reads the last seq
// only once this one has committed, so seqs become visible in ascending order and a peer
// reading after the last seq it has seen misses none. The lock is the last one a
// transaction takes (after the ids', the policies' and the audit chain's), so it never
// waits while holding it, and deletes and ingests that withdraw nothing never take it.
//
// The floor at the clock is for restores: a backup does not carry withdrawals, and a
// restored hub starts a fresh list, while its peers keep their cursors into the old
// one. With seqs that follow the clock, the new list starts above every seq handed out
// before, unless the clock has gone back; even then Withdrawals answers after any seq,
// and a peer whose cursor is ahead only misses withdrawals until the list passes it.
func recordWithdrawals(ctx context.Context, tx pgx.Tx, ws []firebreak.Withdrawal) error {
	if len(ws) == 0 {
		return nil
	}
	var floor int64
	added, provs, ids := make([]int64, len(ws)), make([]int64, len(ws)), make([]string, len(ws))
	pols, deleted := make([]string, len(ws)), make([]bool, len(ws))
	for i, w := range ws {
		added[i], provs[i], ids[i], pols[i], deleted[i] = w.Added.UnixMicro(), w.Provider, w.ID, stored.EncodePolicies(w.Policies), w.Deleted
		floor = max(floor, added[i])
	}
	// Two statements in one round trip: the second reads the last seq after the first
	// has taken the lock (each statement reads what committed before it began).
	var b pgx.Batch
	b.Queue(`SELECT pg_advisory_xact_lock(ingest_lock_space()::int, 3)`)
	b.Queue(`INSERT INTO withdrawals (seq, added, provider, id, policies, deleted)
		SELECT greatest(m.last + 1, $1) + u.k - 1, u.added, u.provider, u.id, u.policies, u.deleted
		FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::boolean[])
				WITH ORDINALITY AS u (added, provider, id, policies, deleted, k),
			(SELECT coalesce(max(seq), 0) AS last FROM withdrawals) m
		ORDER BY u.k`, floor, added, provs, ids, pols, deleted)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return mapErr(err, "cannot record the withdrawal")
	}
	return nil
}

// Withdrawals returns up to limit withdrawals (0 means 1000) with a seq above after,
// ascending.
func (s *Store) Withdrawals(ctx context.Context, after int64, limit int) ([]firebreak.Withdrawal, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, added, provider, id, policies, deleted FROM withdrawals
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, mapErr(err, "cannot read the withdrawals")
	}
	defer rows.Close()
	var out []firebreak.Withdrawal
	for rows.Next() {
		var w firebreak.Withdrawal
		var added int64
		var policies string
		if err := rows.Scan(&w.Seq, &added, &w.Provider, &w.ID, &policies, &w.Deleted); err != nil {
			return nil, mapErr(err, "cannot read the withdrawals")
		}
		w.Added = time.UnixMicro(added).UTC()
		if w.Policies, err = stored.DecodePolicies(policies); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, mapErr(rows.Err(), "cannot read the withdrawals")
}
