package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stored"
)

var _ firebreak.WithdrawalStore = (*Store)(nil)

// recordWithdrawals adds ws inside tx. Each gets the next seq: one more than the last
// handed out, but never below its date added in microseconds. The one writer hands them
// out inside its transaction, so they become visible in seq order.
//
// The floor at the clock is for restores: a backup does not carry withdrawals, and a
// restored hub starts a fresh list, while its peers keep their cursors into the old
// one. With seqs that follow the clock, the new list starts above every seq handed out
// before, unless the clock has gone back; even then Withdrawals answers after any seq,
// and a peer whose cursor is ahead only misses withdrawals until the list passes it.
func recordWithdrawals(ctx context.Context, tx *sql.Tx, ws []firebreak.Withdrawal) error {
	if len(ws) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM withdrawals`).Scan(&last); err != nil {
		return mapErr(err, "cannot record the withdrawal")
	}
	for _, w := range ws {
		us := w.Added.UnixMicro()
		last = max(last+1, us)
		if _, err := tx.ExecContext(ctx, `INSERT INTO withdrawals (seq, added, provider, id, policies, deleted)
			VALUES (?, ?, ?, ?, ?, ?)`, last, us, w.Provider, w.ID, stored.EncodePolicies(w.Policies), w.Deleted); err != nil {
			return mapErr(err, "cannot record the withdrawal")
		}
	}
	return nil
}

// Withdrawals returns up to limit withdrawals (0 means 1000) with a seq above after,
// ascending.
func (s *Store) Withdrawals(ctx context.Context, after int64, limit int) ([]firebreak.Withdrawal, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, added, provider, id, policies, deleted FROM withdrawals
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
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

// distinctPolicies returns the distinct policies, ascending.
func distinctPolicies(ps []int64) []int64 {
	ps = slices.Clone(ps)
	slices.Sort(ps)
	return slices.Compact(ps)
}
