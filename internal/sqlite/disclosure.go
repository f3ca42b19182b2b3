package sqlite

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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO disclosures (id, requester, provider, state, created, body) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET requester = excluded.requester, provider = excluded.provider,
			state = excluded.state, body = excluded.body`,
		r.ID, r.Requester, r.Provider, r.State, r.Created.UnixMicro(), body)
	if err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, "cannot store the disclosure request")
	}
	s.committed()
	return nil
}

// Disclosure returns one request.
func (s *Store) Disclosure(ctx context.Context, id string) (firebreak.DisclosureRequest, error) {
	var body []byte
	if err := s.r.QueryRowContext(ctx, `SELECT body FROM disclosures WHERE id = ?`, id).Scan(&body); err != nil {
		return firebreak.DisclosureRequest{}, mapRead(err, fmt.Sprintf("no disclosure request %q", id), "cannot read the disclosure request")
	}
	return stored.DecodeDisclosure(body)
}

// Disclosures returns the requests f selects, oldest first.
func (s *Store) Disclosures(ctx context.Context, f firebreak.DisclosureFilter) ([]firebreak.DisclosureRequest, error) {
	var conds []string
	var args []any
	if f.Requester != 0 {
		conds, args = append(conds, "requester = ?"), append(args, f.Requester)
	}
	if f.Provider != 0 {
		conds, args = append(conds, "provider = ?"), append(args, f.Provider)
	}
	if f.State != "" {
		conds, args = append(conds, "state = ?"), append(args, f.State)
	}
	q := `SELECT body FROM disclosures`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY created, id", args...)
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
