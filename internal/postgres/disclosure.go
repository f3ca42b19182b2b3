package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak"
)

// disclosureRow is what the body column holds: the request with the fields its JSON form
// leaves to columns. It is the embedded store's encoding, so backups move between stores.
type disclosureRow struct {
	firebreak.DisclosureRequest
	Requester     int64  `json:"requester"`
	RequesterUser string `json:"requester_user"`
	Provider      int64  `json:"provider"`
}

// PutDisclosure creates or replaces a request and appends its audit entries, in one
// transaction.
func (s *Store) PutDisclosure(ctx context.Context, r firebreak.DisclosureRequest, audit ...[]byte) error {
	if r.ID == "" {
		return firebreak.Errorf(firebreak.EINVALID, "disclosure request: id is empty")
	}
	body, err := json.Marshal(disclosureRow{DisclosureRequest: r, Requester: r.Requester, RequesterUser: r.RequesterUser, Provider: r.Provider})
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the disclosure request")
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

func decodeDisclosure(body []byte) (firebreak.DisclosureRequest, error) {
	var row disclosureRow
	if err := json.Unmarshal(body, &row); err != nil {
		return firebreak.DisclosureRequest{}, firebreak.Wrap(firebreak.EINTERNAL, err, "a stored disclosure request cannot be read")
	}
	r := row.DisclosureRequest
	r.Requester, r.RequesterUser, r.Provider = row.Requester, row.RequesterUser, row.Provider
	return r, nil
}

// Disclosure returns one request (ENOTFOUND).
func (s *Store) Disclosure(ctx context.Context, id string) (firebreak.DisclosureRequest, error) {
	var body []byte
	if err := s.pool.QueryRow(ctx, `SELECT body FROM disclosures WHERE id = $1`, id).Scan(&body); err != nil {
		return firebreak.DisclosureRequest{}, mapRead(err, fmt.Sprintf("no disclosure request %q", id), "cannot read the disclosure request")
	}
	return decodeDisclosure(body)
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
		r, err := decodeDisclosure(body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "cannot read disclosure requests")
}
