package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stored"
)

// Contacts returns an organisation's contacts.
func (s *Store) Contacts(ctx context.Context, org int64) ([]firebreak.Contact, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM contacts WHERE org = ?`, org).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "cannot read contacts")
	}
	var cs []firebreak.Contact
	if err := json.Unmarshal(body, &cs); err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "stored contacts cannot be read")
	}
	return cs, nil
}

// PutContacts replaces an organisation's contacts and advances the directory epoch in
// the same transaction: contact names are what the personal-data scrubber looks for, and
// the guards of every node reload them when, and only when, the epoch moves.
func (s *Store) PutContacts(ctx context.Context, org int64, cs []firebreak.Contact, audit ...[]byte) error {
	body, err := json.Marshal(cs)
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store contacts")
	}
	return s.inTx(ctx, "cannot store contacts", audit, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (org, body) VALUES (?, ?) ON CONFLICT (org) DO UPDATE SET body = excluded.body`, org, string(body)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'epoch'`)
		return err
	})
}

// ContactNames returns the names of every contact.
func (s *Store) ContactNames(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT json_extract(c.value, '$.name') FROM contacts, json_each(contacts.body) c`)
	if err != nil {
		return nil, mapErr(err, "cannot read contacts")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n sql.NullString
		if err := rows.Scan(&n); err != nil {
			return nil, mapErr(err, "cannot read contacts")
		}
		if n.Valid && strings.TrimSpace(n.String) != "" {
			out = append(out, n.String)
		}
	}
	return out, mapErr(rows.Err(), "cannot read contacts")
}

// PutIntroduction creates or replaces an introduction.
func (s *Store) PutIntroduction(ctx context.Context, in firebreak.Introduction, audit ...[]byte) error {
	if in.ID == "" {
		return firebreak.Errorf(firebreak.EINVALID, "introduction: id is empty")
	}
	body, err := stored.EncodeIntroduction(in)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "cannot store the introduction", audit, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO introductions (id, requester, provider, created, body) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body`, in.ID, in.Requester, in.Provider, in.Created.UnixMicro(), body)
		return err
	})
}

// Introduction returns one introduction.
func (s *Store) Introduction(ctx context.Context, id string) (firebreak.Introduction, error) {
	var body []byte
	if err := s.r.QueryRowContext(ctx, `SELECT body FROM introductions WHERE id = ?`, id).Scan(&body); err != nil {
		return firebreak.Introduction{}, mapRead(err, fmt.Sprintf("no introduction %q", id), "cannot read the introduction")
	}
	return stored.DecodeIntroduction(body)
}

// Introductions returns the introductions with the given requester or provider.
func (s *Store) Introductions(ctx context.Context, requester, provider int64) ([]firebreak.Introduction, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM introductions WHERE (?1 = 0 OR requester = ?1) AND (?2 = 0 OR provider = ?2) ORDER BY created, id`, requester, provider)
	if err != nil {
		return nil, mapErr(err, "cannot read introductions")
	}
	defer rows.Close()
	var out []firebreak.Introduction
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, mapErr(err, "cannot read introductions")
		}
		in, err := stored.DecodeIntroduction(body)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, mapErr(rows.Err(), "cannot read introductions")
}

// inTx runs fn and appends audit in one write transaction.
func (s *Store) inTx(ctx context.Context, msg string, audit [][]byte, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, msg)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return mapErr(err, msg)
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, msg)
	}
	s.committed()
	return nil
}
