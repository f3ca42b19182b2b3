package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stored"
)

// PutDisclosure creates or replaces a request and appends its audit entries, in one
// transaction.
func (s *Store) PutDisclosure(ctx context.Context, r firebreak.DisclosureRequest, audit ...[]byte) error {
	if r.ID == "" {
		return firebreak.Errorf(firebreak.EINVALID, "disclosure request: id is empty")
	}
	body, err := stored.EncodeDisclosure(r)
	if err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO disclosures (id, requester, provider, state, created, body)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET requester = excluded.requester, provider = excluded.provider,
			state = excluded.state, body = excluded.body`,
		r.ID, r.Requester, r.Provider, r.State, r.Created.UnixMicro(), body)
	if err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	return nil
}

// Disclosure returns one request (ENOTFOUND).
func (s *Store) Disclosure(ctx context.Context, id string) (firebreak.DisclosureRequest, error) {
	var body []byte
	if err := s.pool.QueryRow(ctx, `SELECT body FROM disclosures WHERE id = $1`, id).Scan(&body); err != nil {
		return firebreak.DisclosureRequest{}, mapRead(err, fmt.Sprintf("no disclosure request %q", id), "cannot read the disclosure request")
	}
	return stored.DecodeDisclosure(body)
}

// Disclosures returns the requests f selects, oldest first.
func (s *Store) Disclosures(ctx context.Context, f firebreak.DisclosureFilter) ([]firebreak.DisclosureRequest, error) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Requester != 0 {
		add("requester = $%d", f.Requester)
	}
	if f.Provider != 0 {
		add("provider = $%d", f.Provider)
	}
	if f.State != "" {
		add("state = $%d", f.State)
	}
	q := `SELECT body FROM disclosures`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY created, id", args...)
	if err != nil {
		return nil, mapErr(err, "cannot read disclosure requests")
	}
	defer rows.Close()
	var out []firebreak.DisclosureRequest
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, mapErr(err, "cannot read disclosure requests")
		}
		r, err := stored.DecodeDisclosure(body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "cannot read disclosure requests")
}
