package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

// AppendAudit appends entries to the audit chain in one transaction.
func (s *Store) AppendAudit(ctx context.Context, bodies ...[]byte) ([]firebreak.AuditEntry, error) {
	if len(bodies) == 0 {
		return nil, nil
	}
	if err := checkAudit(bodies); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	defer tx.Rollback(ctx)
	out, err := appendAudit(ctx, tx, bodies)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	return out, nil
}

// checkAudit refuses empty audit bodies before anything is written.
func checkAudit(bodies [][]byte) error {
	for _, b := range bodies {
		if len(b) == 0 {
			return firebreak.Errorf(firebreak.EINVALID, "an audit entry is empty; nothing is written")
		}
	}
	return nil
}

// appendAudit appends entries inside tx, so that an action and its audit entry commit
// together or not at all. It locks the chain's head (the one row of audit_state) until
// tx ends: appends from every node queue there, so the log stays one chain, and a
// transaction that rolls back leaves the head as it was.
func appendAudit(ctx context.Context, tx pgx.Tx, bodies [][]byte) ([]firebreak.AuditEntry, error) {
	if len(bodies) == 0 {
		return nil, nil
	}
	if err := checkAudit(bodies); err != nil {
		return nil, err
	}
	var seq int64
	var prev []byte
	if err := tx.QueryRow(ctx, `SELECT last_seq, hash FROM audit_state WHERE id = 1 FOR UPDATE`).Scan(&seq, &prev); err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	out := make([]firebreak.AuditEntry, len(bodies))
	rows := make([][]any, len(bodies))
	for i, b := range bodies {
		seq++
		e := firebreak.AuditEntry{Seq: seq, Body: b, Prev: prev, Hash: firebreak.AuditHash(seq, prev, b)}
		out[i], prev = e, e.Hash
		rows[i] = []any{e.Seq, e.Body, e.Prev, e.Hash}
	}
	var err error
	if len(rows) < 8 {
		// A few rows: one statement each in a batch is one round trip and cheaper than
		// COPY's set-up.
		var b pgx.Batch
		for _, r := range rows {
			b.Queue(`INSERT INTO audit_log (seq, body, prev, hash) VALUES ($1, $2, $3, $4)`, r...)
		}
		b.Queue(`UPDATE audit_state SET last_seq = $1, hash = $2 WHERE id = 1`, seq, prev)
		err = tx.SendBatch(ctx, &b).Close()
	} else {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, []string{"seq", "body", "prev", "hash"}, pgx.CopyFromRows(rows))
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE audit_state SET last_seq = $1, hash = $2 WHERE id = 1`, seq, prev)
		}
	}
	if err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	return out, nil
}

// AuditEntries returns up to limit entries after a sequence number.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]firebreak.AuditEntry, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, body, prev, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, mapErr(err, "cannot read the audit log")
	}
	defer rows.Close()
	var out []firebreak.AuditEntry
	for rows.Next() {
		var e firebreak.AuditEntry
		if err := rows.Scan(&e.Seq, &e.Body, &e.Prev, &e.Hash); err != nil {
			return nil, mapErr(err, "cannot read the audit log")
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "cannot read the audit log")
}

// AuditHead returns the last entry, or a zero entry for an empty log.
func (s *Store) AuditHead(ctx context.Context) (firebreak.AuditEntry, error) {
	var e firebreak.AuditEntry
	err := s.pool.QueryRow(ctx, `SELECT seq, body, prev, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).
		Scan(&e.Seq, &e.Body, &e.Prev, &e.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return firebreak.AuditEntry{}, nil
	}
	return e, mapErr(err, "cannot read the audit log")
}

// PutAuditCheckpoint stores a checkpoint; one already stored at the same Seq stays.
func (s *Store) PutAuditCheckpoint(ctx context.Context, c firebreak.AuditCheckpoint) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING`,
		c.Seq, c.Hash, c.Time.UnixNano(), c.KeyID, c.Signature)
	return mapErr(err, "cannot store the audit checkpoint")
}

// AuditCheckpoints returns every checkpoint by sequence number.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]firebreak.AuditCheckpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, hash, time, key_id, signature FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, mapErr(err, "cannot read the audit checkpoints")
	}
	defer rows.Close()
	var out []firebreak.AuditCheckpoint
	for rows.Next() {
		var c firebreak.AuditCheckpoint
		var ns int64
		if err := rows.Scan(&c.Seq, &c.Hash, &ns, &c.KeyID, &c.Signature); err != nil {
			return nil, mapErr(err, "cannot read the audit checkpoints")
		}
		c.Time = time.Unix(0, ns).UTC()
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "cannot read the audit checkpoints")
}
