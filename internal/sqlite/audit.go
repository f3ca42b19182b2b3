package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/firebreak/firebreak"
)

// AppendAudit appends entries to the audit chain in one write transaction. The writer
// connection is the only one, so no other append can come between reading the head and
// writing after it.
func (s *Store) AppendAudit(ctx context.Context, bodies ...[]byte) ([]firebreak.AuditEntry, error) {
	if len(bodies) == 0 {
		return nil, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	defer tx.Rollback()
	out, err := appendAudit(ctx, tx, bodies)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	s.committed()
	return out, nil
}

// appendAudit appends entries inside tx, so that an action and its audit entry commit
// together or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, bodies [][]byte) ([]firebreak.AuditEntry, error) {
	if len(bodies) == 0 {
		return nil, nil
	}
	for _, b := range bodies {
		if len(b) == 0 {
			return nil, firebreak.Errorf(firebreak.EINVALID, "an audit entry is empty; nothing is written")
		}
	}
	var seq int64
	prev := make([]byte, 32)
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, mapErr(err, "cannot write the audit log")
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit_log (seq, body, prev, hash) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return nil, mapErr(err, "cannot write the audit log")
	}
	defer stmt.Close()
	out := make([]firebreak.AuditEntry, len(bodies))
	for i, b := range bodies {
		seq++
		e := firebreak.AuditEntry{Seq: seq, Body: b, Prev: prev, Hash: firebreak.AuditHash(seq, prev, b)}
		if _, err := stmt.ExecContext(ctx, e.Seq, e.Body, e.Prev, e.Hash); err != nil {
			return nil, mapErr(err, "cannot write the audit log")
		}
		out[i], prev = e, e.Hash
	}
	return out, nil
}

// AuditEntries returns up to limit entries after a sequence number.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]firebreak.AuditEntry, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, body, prev, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
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
	err := s.r.QueryRowContext(ctx, `SELECT seq, body, prev, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.Body, &e.Prev, &e.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return firebreak.AuditEntry{}, nil
	}
	return e, mapErr(err, "cannot read the audit log")
}

// PutAuditCheckpoint stores a checkpoint.
func (s *Store) PutAuditCheckpoint(ctx context.Context, c firebreak.AuditCheckpoint) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Hash, c.Time.UnixNano(), c.KeyID, c.Signature)
	return mapErr(err, "cannot store the audit checkpoint")
}

// AuditCheckpoints returns every checkpoint by sequence number.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]firebreak.AuditCheckpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, hash, time, key_id, signature FROM audit_checkpoints ORDER BY seq`)
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
