package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stored"
	"github.com/jackc/pgx/v5"
)

// Contacts returns an organisation's contacts (none is not an error).
func (s *Store) Contacts(ctx context.Context, org int64) ([]firebreak.Contact, error) {
	var body string
	err := s.pool.QueryRow(ctx, `SELECT body FROM contacts WHERE org = $1`, org).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err, "cannot read contacts")
	}
	var cs []firebreak.Contact
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		return nil, firebreak.Wrap(firebreak.EINTERNAL, err, "stored contacts cannot be read")
	}
	return cs, nil
}

// PutContacts replaces an organisation's contacts and advances the directory epoch in
// the same transaction: contact names are what the personal-data scrubber looks for, and
// the guards of every node reload them when, and only when, the epoch moves. The epoch
// row is locked first, as Apply locks it, so that the two never deadlock.
func (s *Store) PutContacts(ctx context.Context, org int64, cs []firebreak.Contact, audit ...[]byte) error {
	body, err := json.Marshal(cs)
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store contacts")
	}
	return s.inTx(ctx, "cannot store contacts", audit, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'epoch'`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO contacts (org, body) VALUES ($1, $2)
			ON CONFLICT (org) DO UPDATE SET body = excluded.body`, org, string(body))
		return err
	})
}

// ContactNames returns the names of every contact of every organisation.
func (s *Store) ContactNames(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT c ->> 'name' FROM contacts, json_array_elements(contacts.body::json) c
		WHERE json_typeof(contacts.body::json) = 'array'`)
	if err != nil {
		return nil, mapErr(err, "cannot read contacts")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n *string
		if err := rows.Scan(&n); err != nil {
			return nil, mapErr(err, "cannot read contacts")
		}
		if n != nil && strings.TrimSpace(*n) != "" {
			out = append(out, *n)
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
	return s.inTx(ctx, "cannot store the introduction", audit, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO introductions (id, requester, provider, created, body) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body`, in.ID, in.Requester, in.Provider, in.Created.UnixMicro(), body)
		return err
	})
}

// Introduction returns one introduction (ENOTFOUND).
func (s *Store) Introduction(ctx context.Context, id string) (firebreak.Introduction, error) {
	var body []byte
	if err := s.pool.QueryRow(ctx, `SELECT body FROM introductions WHERE id = $1`, id).Scan(&body); err != nil {
		return firebreak.Introduction{}, mapRead(err, fmt.Sprintf("no introduction %q", id), "cannot read the introduction")
	}
	return stored.DecodeIntroduction(body)
}

// Introductions returns the introductions with the given requester or provider (0
// matches any), oldest first.
func (s *Store) Introductions(ctx context.Context, requester, provider int64) ([]firebreak.Introduction, error) {
	rows, err := s.pool.Query(ctx, `SELECT body FROM introductions
		WHERE ($1 = 0 OR requester = $1) AND ($2 = 0 OR provider = $2) ORDER BY created, id`, requester, provider)
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

// inTx runs fn and appends audit in one transaction.
func (s *Store) inTx(ctx context.Context, msg string, audit [][]byte, fn func(pgx.Tx) error) error {
	if err := checkAudit(audit); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, msg)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return mapErr(err, msg)
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, msg)
	}
	return nil
}
