package postgres

import (
	"context"
	"errors"
	"github.com/firebreak/firebreak/internal/directory"
	"slices"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/jackc/pgx/v5"
)

// Apply makes the store hold the declared directory, in one transaction. Entities are
// matched by name; those the declaration does not mention stay as they are. Each
// statement changes a row only when a value differs, so applying the same directory again
// changes nothing and leaves the epoch alone, while any real change advances it by one.
//
// Applies are serialised across nodes by the lock on the epoch row, taken first: the
// checks that span rows (a token held by another user, a parent cycle) then see every
// earlier Apply, and no two Applies interleave their changes.
func (s *Store) Apply(ctx context.Context, d firebreak.Directory, audit ...[]byte) error {
	// validateDirectory normalises in place: work on copies, not on the caller's slices.
	d.Organizations = slices.Clone(d.Organizations)
	d.Circles = slices.Clone(d.Circles)
	d.Peers = slices.Clone(d.Peers)
	if err := directory.Normalize(&d); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, "cannot apply the directory")
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT value FROM meta WHERE key = 'epoch' FOR UPDATE`); err != nil {
		return mapErr(err, "cannot apply the directory")
	}
	a := applier{ctx: ctx, tx: tx}
	if err := a.apply(d); err != nil {
		return err
	}
	if a.changes > 0 {
		if _, err := tx.Exec(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'epoch'`); err != nil {
			return mapErr(err, "cannot apply the directory")
		}
		// Only a real change is an event for the record.
		if _, err := appendAudit(ctx, tx, audit); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, "cannot apply the directory")
	}
	return nil
}

// applier carries one Apply's transaction and counts the rows it changed.
type applier struct {
	ctx     context.Context
	tx      pgx.Tx
	changes int64
}

// exec runs a statement and counts the rows it changed.
func (a *applier) exec(query string, args ...any) error {
	tag, err := a.tx.Exec(a.ctx, query, args...)
	if err != nil {
		return mapErr(err, "cannot apply the directory")
	}
	a.changes += tag.RowsAffected()
	return nil
}

// orgID returns the id of the named organisation, or EINVALID naming what referred to it.
func (a *applier) orgID(name, referrer string) (int64, error) {
	var id int64
	err := a.tx.QueryRow(a.ctx, `SELECT id FROM organizations WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, firebreak.Errorf(firebreak.EINVALID, "%s: organization %q does not exist", referrer, name)
	}
	if err != nil {
		return 0, mapErr(err, "cannot apply the directory")
	}
	return id, nil
}

func (a *applier) apply(d firebreak.Directory) error {
	var hubUUID string
	if err := a.tx.QueryRow(a.ctx, `SELECT uuid FROM hub WHERE id = 1`).Scan(&hubUUID); err != nil {
		return mapErr(err, "cannot apply the directory")
	}

	// Organisations first, without parents, so that a parent may be declared after its
	// children; then the parents, by name.
	for _, o := range d.Organizations {
		// Attestations and affiliations are replaced by the declared ones (none when the
		// declaration lists none); their canonical text tells a change from a repeat.
		err := a.exec(`INSERT INTO organizations AS t (identity_id, name, country, type, sectors, status,
				attestations, affiliations, domains)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (name) DO UPDATE SET country = excluded.country, type = excluded.type,
				sectors = excluded.sectors, status = excluded.status,
				attestations = excluded.attestations, affiliations = excluded.affiliations,
				domains = excluded.domains
			WHERE t.country IS DISTINCT FROM excluded.country OR t.type IS DISTINCT FROM excluded.type
				OR t.sectors IS DISTINCT FROM excluded.sectors OR t.status IS DISTINCT FROM excluded.status
				OR t.attestations IS DISTINCT FROM excluded.attestations
				OR t.affiliations IS DISTINCT FROM excluded.affiliations
				OR t.domains IS DISTINCT FROM excluded.domains`,
			stix.DeriveID("identity", hubUUID, "organization:"+o.Name), o.Name, o.Country,
			string(o.Type), directory.EncodeList(o.Sectors), string(o.Status),
			directory.EncodeAttestations(o.Attestations), directory.EncodeAffiliations(o.Affiliations), directory.EncodeList(directory.NormalDomains(o.Domains)))
		if err != nil {
			return err
		}
	}
	parents := false
	for _, o := range d.Organizations {
		var parent *int64
		if o.Parent != "" {
			id, err := a.orgID(o.Parent, "organization "+quoteName(o.Name)+": parent")
			if err != nil {
				return err
			}
			parent = &id
			parents = true
		}
		if err := a.exec(`UPDATE organizations SET parent_id = $1::bigint
			WHERE name = $2 AND parent_id IS DISTINCT FROM $1::bigint`, parent, o.Name); err != nil {
			return err
		}
	}
	if parents {
		if err := a.checkParentCycle(); err != nil {
			return err
		}
	}

	for _, u := range d.Users {
		org, err := a.orgID(u.Organization, "user "+quoteName(u.Name))
		if err != nil {
			return err
		}
		var token []byte
		if len(u.TokenHash) > 0 {
			token = u.TokenHash
			var other string
			err := a.tx.QueryRow(a.ctx,
				`SELECT name FROM users WHERE token_hash = $1 AND name <> $2`, u.TokenHash, u.Name).Scan(&other)
			if err == nil {
				return firebreak.Errorf(firebreak.EINVALID, "user %q: its token is already the token of user %q; give each user its own", u.Name, other)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return mapErr(err, "cannot apply the directory")
			}
		}
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		err = a.exec(`INSERT INTO users AS t (name, org_id, roles, token_hash) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET org_id = excluded.org_id, roles = excluded.roles,
				token_hash = coalesce(excluded.token_hash, t.token_hash)
			WHERE t.org_id IS DISTINCT FROM excluded.org_id OR t.roles IS DISTINCT FROM excluded.roles
				OR (excluded.token_hash IS NOT NULL AND t.token_hash IS DISTINCT FROM excluded.token_hash)`,
			u.Name, org, directory.EncodeList(roles), token)
		if err != nil {
			return err
		}
	}

	for _, c := range d.Circles {
		if err := a.exec(`INSERT INTO circles AS t (name, rules, review) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET rules = excluded.rules, review = excluded.review
			WHERE t.rules IS DISTINCT FROM excluded.rules OR t.review IS DISTINCT FROM excluded.review`,
			c.Name, directory.EncodeRules(c.Rules), c.Review); err != nil {
			return err
		}
		var cid int64
		if err := a.tx.QueryRow(a.ctx, `SELECT id FROM circles WHERE name = $1`, c.Name).Scan(&cid); err != nil {
			return mapErr(err, "cannot apply the directory")
		}
		members := make([]int64, 0, len(c.Members))
		for _, m := range c.Members {
			id, err := a.orgID(m, "circle "+quoteName(c.Name)+": member")
			if err != nil {
				return err
			}
			members = append(members, id)
		}
		if err := a.exec(`DELETE FROM circle_members WHERE circle_id = $1 AND NOT (org_id = ANY($2::bigint[]))`,
			cid, members); err != nil {
			return err
		}
		if err := a.exec(`INSERT INTO circle_members (circle_id, org_id)
			SELECT $1, m FROM unnest($2::bigint[]) AS m ON CONFLICT DO NOTHING`, cid, members); err != nil {
			return err
		}
	}

	for _, p := range d.Peers {
		for _, c := range p.Circles {
			var one int
			err := a.tx.QueryRow(a.ctx, `SELECT 1 FROM circles WHERE name = $1`, c).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return firebreak.Errorf(firebreak.EINVALID, "peer %q: circle %q does not exist", p.Name, c)
			}
			if err != nil {
				return mapErr(err, "cannot apply the directory")
			}
		}
		err := a.exec(`INSERT INTO peers AS t (name, url, country, type, token, direction, interval_ns,
				max_tlp, circles, attribution)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (name) DO UPDATE SET url = excluded.url, country = excluded.country,
				type = excluded.type, token = excluded.token, direction = excluded.direction,
				interval_ns = excluded.interval_ns, max_tlp = excluded.max_tlp,
				circles = excluded.circles, attribution = excluded.attribution
			WHERE t.url IS DISTINCT FROM excluded.url OR t.country IS DISTINCT FROM excluded.country
				OR t.type IS DISTINCT FROM excluded.type OR t.token IS DISTINCT FROM excluded.token
				OR t.direction IS DISTINCT FROM excluded.direction
				OR t.interval_ns IS DISTINCT FROM excluded.interval_ns
				OR t.max_tlp IS DISTINCT FROM excluded.max_tlp OR t.circles IS DISTINCT FROM excluded.circles
				OR t.attribution IS DISTINCT FROM excluded.attribution`,
			p.Name, p.URL, p.Country, string(p.Type), p.Token, p.Direction, int64(p.Interval),
			int(p.MaxTLP), directory.EncodeList(p.Circles), p.Attribution)
		if err != nil {
			return err
		}
	}

	if h := d.Hub; h.Name != "" || h.Country != "" || h.Operator != "" {
		op, err := a.orgID(h.Operator, "hub: operator")
		if err != nil {
			return err
		}
		if err := a.exec(`UPDATE hub SET name = $1, country = $2, operator_id = $3
			WHERE id = 1 AND (name IS DISTINCT FROM $1 OR country IS DISTINCT FROM $2
				OR operator_id IS DISTINCT FROM $3)`,
			h.Name, h.Country, op); err != nil {
			return err
		}
	}
	return nil
}

// checkParentCycle refuses a directory in which an organisation is its own ancestor.
func (a *applier) checkParentCycle() error {
	var name string
	err := a.tx.QueryRow(a.ctx, `WITH RECURSIVE up (anc, start) AS (
			SELECT parent_id, id FROM organizations WHERE parent_id IS NOT NULL
			UNION
			SELECT o.parent_id, up.start FROM up JOIN organizations o ON o.id = up.anc
			WHERE o.parent_id IS NOT NULL
		)
		SELECT o.name FROM up JOIN organizations o ON o.id = up.start
		WHERE up.anc = up.start ORDER BY o.id LIMIT 1`).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return mapErr(err, "cannot apply the directory")
	}
	return firebreak.Errorf(firebreak.EINVALID, "organization %q: its parents form a cycle", name)
}

// Hub returns this hub's description; UUID and IdentityID are set from the first Open.
func (s *Store) Hub(ctx context.Context) (firebreak.Hub, error) {
	var h firebreak.Hub
	err := s.pool.QueryRow(ctx, `SELECT h.uuid, h.name, h.country, coalesce(o.name, ''), h.secret
		FROM hub h LEFT JOIN organizations o ON o.id = h.operator_id WHERE h.id = 1`).
		Scan(&h.UUID, &h.Name, &h.Country, &h.Operator, &h.Secret)
	if err != nil {
		return firebreak.Hub{}, mapErr(err, "cannot read the hub")
	}
	h.IdentityID = stix.DeriveID("identity", h.UUID, "hub")
	return h, nil
}

// Epoch returns the directory's change counter, kept in the database so that every
// node sees the same number as soon as the change commits.
func (s *Store) Epoch(ctx context.Context) (int64, error) {
	var e int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&e); err != nil {
		return 0, mapErr(err, "cannot read the directory epoch")
	}
	return e, nil
}

const orgColumns = `id, identity_id, name, country, type, sectors, coalesce(parent_id, 0), status,
	attestations, affiliations, domains`

func scanOrg(r pgx.Row) (firebreak.Organization, error) {
	var o firebreak.Organization
	var typ, status, sectors, atts, affs, domains string
	if err := r.Scan(&o.ID, &o.IdentityID, &o.Name, &o.Country, &typ, &sectors, &o.ParentID, &status,
		&atts, &affs, &domains); err != nil {
		return o, err
	}
	if err := directory.DecodeList([]byte(domains), &o.Domains); err != nil {
		return o, err
	}
	o.Type, o.Status = firebreak.OrgType(typ), firebreak.OrgStatus(status)
	if err := directory.DecodeList([]byte(sectors), &o.Sectors); err != nil {
		return o, err
	}
	var err error
	if o.Attestations, err = directory.DecodeAttestations([]byte(atts)); err != nil {
		return o, err
	}
	if err := directory.DecodeList([]byte(affs), &o.Affiliations); err != nil {
		return o, err
	}
	return o, nil
}

// Organizations returns every organisation, in the order they were created.
func (s *Store) Organizations(ctx context.Context) ([]firebreak.Organization, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+orgColumns+` FROM organizations ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "cannot read organizations")
	}
	defer rows.Close()
	var out []firebreak.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, mapErr(err, "cannot read organizations")
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "cannot read organizations")
	}
	return out, nil
}

// Organization returns the organisation with id (ENOTFOUND).
func (s *Store) Organization(ctx context.Context, id int64) (firebreak.Organization, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id))
	if err != nil {
		return firebreak.Organization{}, mapRead(err, "organization not found", "cannot read the organization")
	}
	return o, nil
}

// OrganizationByName returns the named organisation (ENOTFOUND).
func (s *Store) OrganizationByName(ctx context.Context, name string) (firebreak.Organization, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE name = $1`, name))
	if err != nil {
		return firebreak.Organization{}, mapRead(err, "organization not found", "cannot read the organization")
	}
	return o, nil
}

func scanUser(r pgx.Row) (firebreak.User, error) {
	var u firebreak.User
	var roles string
	if err := r.Scan(&u.ID, &u.Name, &u.OrgID, &roles, &u.TokenHash); err != nil {
		return u, err
	}
	if err := directory.DecodeList([]byte(roles), &u.Roles); err != nil {
		return u, err
	}
	return u, nil
}

// UserByTokenHash finds the user whose token hashes to h (ENOTFOUND).
func (s *Store) UserByTokenHash(ctx context.Context, h []byte) (firebreak.User, error) {
	if len(h) == 0 {
		return firebreak.User{}, firebreak.Errorf(firebreak.ENOTFOUND, "user not found")
	}
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT id, name, org_id, roles, token_hash FROM users WHERE token_hash = $1`, h))
	if err != nil {
		return firebreak.User{}, mapRead(err, "user not found", "cannot read the user")
	}
	return u, nil
}

// UserByName finds the named user (ENOTFOUND).
func (s *Store) UserByName(ctx context.Context, name string) (firebreak.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT id, name, org_id, roles, token_hash FROM users WHERE name = $1`, name))
	if err != nil {
		return firebreak.User{}, mapRead(err, "user not found", "cannot read the user")
	}
	return u, nil
}

// Circles returns every circle with its members (organisation ids, ascending), in the
// order the circles were created.
func (s *Store) Circles(ctx context.Context) ([]firebreak.Circle, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.name, c.rules, c.review,
			(SELECT array_agg(org_id ORDER BY org_id) FROM circle_members m WHERE m.circle_id = c.id)
		FROM circles c ORDER BY c.id`)
	if err != nil {
		return nil, mapErr(err, "cannot read circles")
	}
	defer rows.Close()
	var out []firebreak.Circle
	for rows.Next() {
		var c firebreak.Circle
		var rules string
		if err := rows.Scan(&c.ID, &c.Name, &rules, &c.Review, &c.Members); err != nil {
			return nil, mapErr(err, "cannot read circles")
		}
		if c.Rules, err = directory.DecodeRules([]byte(rules)); err != nil {
			return nil, mapErr(err, "cannot read circles")
		}
		if len(c.Members) == 0 {
			c.Members = nil
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "cannot read circles")
	}
	return out, nil
}

// Peers returns every peer, in the order they were created.
func (s *Store) Peers(ctx context.Context) ([]firebreak.Peer, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, url, country, type, token, direction,
		interval_ns, max_tlp, circles, attribution FROM peers ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "cannot read peers")
	}
	defer rows.Close()
	var out []firebreak.Peer
	for rows.Next() {
		var p firebreak.Peer
		var typ, circles string
		var interval int64
		var tlp int32
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.Country, &typ, &p.Token, &p.Direction,
			&interval, &tlp, &circles, &p.Attribution); err != nil {
			return nil, mapErr(err, "cannot read peers")
		}
		p.Type = firebreak.OrgType(typ)
		p.Interval = time.Duration(interval)
		p.MaxTLP = firebreak.TLP(tlp)
		if err := directory.DecodeList([]byte(circles), &p.Circles); err != nil {
			return nil, mapErr(err, "cannot read peers")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "cannot read peers")
	}
	return out, nil
}
