package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/firebreak/firebreak"
)

var _ firebreak.BackupStore = (*Store)(nil)

// backupTables are the tables whose rows a backup carries, in the order of the records
// that fill them. The other tables of the schema hold one row each that a restore updates
// (hub, ingest_state) or the keys in backupMetaKeys (meta).
var backupTables = []string{
	"organizations", "users", "circles", "circle_members", "peers", "policies", "objects",
	"variants", "review", "statuses", "audit_log", "audit_checkpoints", "disclosures",
	"contacts", "introductions", "peer_state",
}

// backupSingletons are the tables of one row that a backup reads and a restore updates.
var backupSingletons = []string{"hub", "ingest_state", "meta"}

// uncarriedTables are tables a backup leaves out on purpose. withdrawals are notices to
// peers about the hub's past (see firebreak.WithdrawalStore): a restored hub starts a
// fresh list, whose seqs follow the clock (see recordWithdrawals), so that peers' cursors
// into the old list do not hide the new one.
var uncarriedTables = []string{"withdrawals"}

// backupMetaKeys are the keys of meta: the schema version (this binary's), the epoch and
// the hub's secret (in the backup).
var backupMetaKeys = []string{"schema_version", "epoch", "hub_secret"}

// checkCovered refuses to back up a database that holds a table or a meta key this code
// does not know: a backup that silently left something out would be found out only when
// it is needed. A migration that adds a table must add it here and to the backup.
func checkCovered(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) error {
	names := func(query string) ([]string, error) {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, rows.Err()
	}
	tables, err := names(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	for _, t := range tables {
		if !slices.Contains(backupTables, t) && !slices.Contains(backupSingletons, t) && !slices.Contains(uncarriedTables, t) {
			return firebreak.Errorf(firebreak.EINTERNAL, "cannot back up the store: this firebreak does not know its table %q", t)
		}
	}
	keys, err := names(`SELECT key FROM meta`)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	for _, k := range keys {
		if !slices.Contains(backupMetaKeys, k) {
			return firebreak.Errorf(firebreak.EINTERNAL, "cannot back up the store: this firebreak does not know its setting %q", k)
		}
	}
	return nil
}

// backupRun is one Backup: its snapshot and the records written so far.
type backupRun struct {
	ctx context.Context
	tx  *sql.Tx
	w   func(firebreak.BackupRecord) error
	n   int64
}

// emit writes one row as a record.
func (b *backupRun) emit(row firebreak.BackupRow) error {
	rec, err := firebreak.NewBackupRecord(row)
	if err != nil {
		return err
	}
	b.n++
	return b.w(rec)
}

// each runs query and emits the row scan makes of each result row, one at a time, so
// that memory stays bounded however many rows there are.
func (b *backupRun) each(what, query string, scan func(*sql.Rows) (firebreak.BackupRow, error)) error {
	rows, err := b.tx.QueryContext(b.ctx, query)
	if err != nil {
		return mapErr(err, "cannot back up "+what)
	}
	defer rows.Close()
	for rows.Next() {
		row, err := scan(rows)
		if err != nil {
			return mapErr(err, "cannot back up "+what)
		}
		if err := b.emit(row); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "cannot back up "+what)
}

// Backup writes every row of the store to w, from one read transaction: WAL gives it a
// snapshot, so writes go on meanwhile and none of them is half in the backup.
func (s *Store) Backup(ctx context.Context, w func(firebreak.BackupRecord) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	defer tx.Rollback()
	if err := checkCovered(ctx, tx); err != nil {
		return err
	}
	b := &backupRun{ctx: ctx, tx: tx, w: w}
	steps := []func() error{
		func() error {
			return b.each("organizations", `SELECT id, identity_id, name, country, type, sectors,
					coalesce(parent_id, 0), status, attestations, affiliations, domains
				FROM organizations ORDER BY id`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var o firebreak.BackupOrganization
				var sectors, atts, affs, domains []byte
				err := r.Scan(&o.ID, &o.IdentityID, &o.Name, &o.Country, &o.Type, &sectors, &o.Parent, &o.Status,
					&atts, &affs, &domains)
				o.Sectors, o.Attestations, o.Affiliations, o.Domains = sectors, atts, affs, domains
				return o, err
			})
		},
		func() error {
			return b.each("the hub", `SELECT uuid, name, country, coalesce(operator_id, 0),
					(SELECT value FROM meta WHERE key = 'hub_secret')
				FROM hub WHERE id = 1`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var h firebreak.BackupHub
				err := r.Scan(&h.UUID, &h.Name, &h.Country, &h.Operator, &h.Secret)
				return h, err
			})
		},
		func() error {
			return b.each("users", `SELECT id, name, org_id, roles, token_hash FROM users ORDER BY id`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var u firebreak.BackupUser
					var roles []byte
					err := r.Scan(&u.ID, &u.Name, &u.Org, &roles, &u.TokenHash)
					u.Roles = roles
					return u, err
				})
		},
		func() error {
			return b.each("circles", `SELECT id, name, rules, review,
					(SELECT json_group_array(org_id) FROM
						(SELECT org_id FROM circle_members m WHERE m.circle_id = c.id ORDER BY org_id))
				FROM circles c ORDER BY id`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var c firebreak.BackupCircle
				var rules, members []byte
				if err := r.Scan(&c.ID, &c.Name, &rules, &c.Review, &members); err != nil {
					return nil, err
				}
				c.Rules = rules
				if err := json.Unmarshal(members, &c.Members); err != nil {
					return nil, err
				}
				if c.Members == nil {
					c.Members = []int64{}
				}
				return c, nil
			})
		},
		func() error {
			return b.each("peers", `SELECT id, name, url, country, type, token, direction, interval_ns,
					max_tlp, circles, attribution
				FROM peers ORDER BY id`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var p firebreak.BackupPeer
				var circles []byte
				err := r.Scan(&p.ID, &p.Name, &p.URL, &p.Country, &p.Type, &p.Token, &p.Direction, &p.IntervalNS,
					&p.MaxTLP, &circles, &p.Attribution)
				p.Circles = circles
				return p, err
			})
		},
		func() error {
			return b.each("policies", `SELECT id, provider, doc FROM policies ORDER BY id`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var p firebreak.BackupPolicy
					err := r.Scan(&p.ID, &p.Provider, &p.Doc)
					if p.Doc == nil {
						p.Doc = []byte{} // an empty document, never none
					}
					return p, err
				})
		},
		func() error {
			return b.each("objects", `SELECT seq, added, id, type, spec_version, version, vkey, provider,
					policy, expires, raw
				FROM objects ORDER BY seq`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var o firebreak.BackupObject
				err := r.Scan(&o.Seq, &o.Added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.VKey, &o.Provider,
					&o.Policy, &o.Expires, &o.Raw)
				return o, err
			})
		},
		func() error {
			return b.each("variants", `SELECT seq, shared, anon FROM variants ORDER BY seq`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var v firebreak.BackupVariant
					err := r.Scan(&v.Seq, &v.Shared, &v.Anon)
					return v, err
				})
		},
		func() error {
			return b.each("the review list", `SELECT seq, status_id FROM review ORDER BY seq`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var v firebreak.BackupReview
					err := r.Scan(&v.Seq, &v.StatusID)
					return v, err
				})
		},
		func() error {
			return b.each("statuses", `SELECT id, owner, body FROM statuses ORDER BY id`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var st firebreak.BackupStatus
					var body []byte
					err := r.Scan(&st.ID, &st.Owner, &body)
					st.Body = body
					return st, err
				})
		},
		func() error {
			return b.each("the audit log", `SELECT seq, body, prev, hash FROM audit_log ORDER BY seq`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var e firebreak.BackupAudit
					err := r.Scan(&e.Seq, &e.Body, &e.Prev, &e.Hash)
					return e, err
				})
		},
		func() error {
			return b.each("the audit checkpoints", `SELECT seq, hash, time, key_id, signature
				FROM audit_checkpoints ORDER BY seq`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var c firebreak.BackupCheckpoint
				err := r.Scan(&c.Seq, &c.Hash, &c.Time, &c.KeyID, &c.Signature)
				return c, err
			})
		},
		func() error {
			return b.each("disclosure requests", `SELECT id, requester, provider, state, created, body
				FROM disclosures ORDER BY id`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var d firebreak.BackupDisclosure
				var body []byte
				err := r.Scan(&d.ID, &d.Requester, &d.Provider, &d.State, &d.Created, &body)
				d.Body = body
				return d, err
			})
		},
		func() error {
			return b.each("contacts", `SELECT org, body FROM contacts ORDER BY org`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var c firebreak.BackupContact
					var body []byte
					err := r.Scan(&c.Org, &body)
					c.Body = body
					return c, err
				})
		},
		func() error {
			return b.each("introductions", `SELECT id, requester, provider, created, body
				FROM introductions ORDER BY id`, func(r *sql.Rows) (firebreak.BackupRow, error) {
				var in firebreak.BackupIntroduction
				var body []byte
				err := r.Scan(&in.ID, &in.Requester, &in.Provider, &in.Created, &body)
				in.Body = body
				return in, err
			})
		},
		func() error {
			return b.each("peer states", `SELECT peer, body FROM peer_state ORDER BY peer`,
				func(r *sql.Rows) (firebreak.BackupRow, error) {
					var p firebreak.BackupPeerState
					var body []byte
					err := r.Scan(&p.Peer, &body)
					p.Body = body
					return p, err
				})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	end := firebreak.BackupEnd{Records: b.n}
	err = tx.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key = 'epoch'), last_seq, max_added
		FROM ingest_state WHERE id = 1`).Scan(&end.Epoch, &end.LastSeq, &end.MaxAdded)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	return b.emit(end)
}

// Restore fills the empty store with a backup, in one write transaction: a restore that
// fails or is interrupted (the process killed, the disk full) leaves nothing behind, and
// the store stays empty. Foreign keys are checked at commit (an organisation may name a
// parent that comes after it).
func (s *Store) Restore(ctx context.Context, next func() (firebreak.BackupRecord, error)) error {
	const msg = "cannot restore the backup"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, msg)
	}
	defer tx.Rollback()
	if err := checkEmpty(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return mapErr(err, msg)
	}
	r := &restorer{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
	defer r.close()
	var check firebreak.BackupCheck
	for {
		rec, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := check.Add(rec); err != nil {
			return fmt.Errorf("backup record %d: %w", check.Count()+1, err)
		}
		if err := r.restore(rec); err != nil {
			return fmt.Errorf("backup record %d (%s): %w", check.Count(), rec.Kind, err)
		}
	}
	if err := check.Done(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err, msg+" (a record refers to a row the backup does not hold)")
	}
	s.committed()
	return nil
}

// checkEmpty refuses (ECONFLICT) a store that holds anything but its fresh hub row.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	var held []string
	for _, t := range backupTables {
		var has bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&has); err != nil {
			return mapErr(err, "cannot restore the backup")
		}
		if has {
			held = append(held, t)
		}
	}
	var used bool
	err := tx.QueryRowContext(ctx, `SELECT (SELECT last_seq <> 0 OR max_added <> 0 FROM ingest_state WHERE id = 1)
		OR EXISTS (SELECT 1 FROM withdrawals)
		OR (SELECT value <> 0 FROM meta WHERE key = 'epoch')
		OR (SELECT name <> '' OR country <> '' OR operator_id IS NOT NULL FROM hub WHERE id = 1)`).Scan(&used)
	if err != nil {
		return mapErr(err, "cannot restore the backup")
	}
	if used && len(held) == 0 {
		held = append(held, "counters of earlier use")
	}
	if len(held) > 0 {
		return firebreak.Errorf(firebreak.ECONFLICT,
			"the store is not empty (it holds %s): restore only into a new, empty store", strings.Join(held, ", "))
	}
	return nil
}

// restorer is one Restore's transaction, its prepared statements, and what it has seen
// of the rows, to check the counters against.
type restorer struct {
	ctx      context.Context
	tx       *sql.Tx
	stmts    map[string]*sql.Stmt
	maxSeq   int64
	maxAdded int64
}

// exec runs query, prepared once per restore, with args.
func (r *restorer) exec(query string, args ...any) error {
	st, ok := r.stmts[query]
	if !ok {
		var err error
		if st, err = r.tx.PrepareContext(r.ctx, query); err != nil {
			return mapErr(err, "cannot restore the backup")
		}
		r.stmts[query] = st
	}
	if _, err := st.ExecContext(r.ctx, args...); err != nil {
		return mapErr(err, "cannot restore the backup")
	}
	return nil
}

func (r *restorer) close() {
	for _, st := range r.stmts {
		st.Close()
	}
}

// nullID is an optional reference: 0 is none (NULL).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullBytes is optional bytes: nil is none (NULL).
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// restore writes one record's row, with each value in the storage class the store's own
// writes give it (text as TEXT, bytes as BLOB), so that comparisons the store makes later
// (Apply's change detection) see no difference.
func (r *restorer) restore(rec firebreak.BackupRecord) error {
	switch rec.Kind {
	case firebreak.BackupKindOrganization:
		var o firebreak.BackupOrganization
		if err := rec.Decode(&o); err != nil {
			return err
		}
		return r.exec(`INSERT INTO organizations (id, identity_id, name, country, type, sectors, parent_id,
				status, attestations, affiliations, domains) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.IdentityID, o.Name, o.Country, o.Type, string(o.Sectors), nullID(o.Parent), o.Status,
			string(o.Attestations), string(o.Affiliations), string(o.Domains))
	case firebreak.BackupKindHub:
		var h firebreak.BackupHub
		if err := rec.Decode(&h); err != nil {
			return err
		}
		if err := h.Check(); err != nil {
			return err
		}
		if err := r.exec(`UPDATE hub SET uuid = ?, name = ?, country = ?, operator_id = ? WHERE id = 1`,
			h.UUID, h.Name, h.Country, nullID(h.Operator)); err != nil {
			return err
		}
		return r.exec(`UPDATE meta SET value = ? WHERE key = 'hub_secret'`, h.Secret)
	case firebreak.BackupKindUser:
		var u firebreak.BackupUser
		if err := rec.Decode(&u); err != nil {
			return err
		}
		return r.exec(`INSERT INTO users (id, name, org_id, roles, token_hash) VALUES (?, ?, ?, ?, ?)`,
			u.ID, u.Name, u.Org, string(u.Roles), nullBytes(u.TokenHash))
	case firebreak.BackupKindCircle:
		var c firebreak.BackupCircle
		if err := rec.Decode(&c); err != nil {
			return err
		}
		if err := r.exec(`INSERT INTO circles (id, name, rules, review) VALUES (?, ?, ?, ?)`,
			c.ID, c.Name, string(c.Rules), c.Review); err != nil {
			return err
		}
		for _, m := range c.Members {
			if err := r.exec(`INSERT INTO circle_members (circle_id, org_id) VALUES (?, ?)`, c.ID, m); err != nil {
				return err
			}
		}
		return nil
	case firebreak.BackupKindPeer:
		var p firebreak.BackupPeer
		if err := rec.Decode(&p); err != nil {
			return err
		}
		return r.exec(`INSERT INTO peers (id, name, url, country, type, token, direction, interval_ns, max_tlp,
				circles, attribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.URL, p.Country, p.Type, p.Token, p.Direction, p.IntervalNS, p.MaxTLP,
			string(p.Circles), p.Attribution)
	case firebreak.BackupKindPolicy:
		var p firebreak.BackupPolicy
		if err := rec.Decode(&p); err != nil {
			return err
		}
		if p.Doc == nil {
			p.Doc = []byte{}
		}
		return r.exec(`INSERT INTO policies (id, provider, doc) VALUES (?, ?, ?)`, p.ID, p.Provider, p.Doc)
	case firebreak.BackupKindObject:
		var o firebreak.BackupObject
		if err := rec.Decode(&o); err != nil {
			return err
		}
		if err := o.Check(); err != nil {
			return err
		}
		r.maxSeq, r.maxAdded = max(r.maxSeq, o.Seq), max(r.maxAdded, o.Added)
		return r.exec(`INSERT INTO objects (seq, added, idh, id, type, spec_version, version, vkey, provider,
				policy, expires, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.Seq, o.Added, idHash(o.ID), o.ID, o.Type, o.SpecVersion, o.Version, o.VKey, o.Provider,
			o.Policy, o.Expires, o.Raw)
	case firebreak.BackupKindVariant:
		var v firebreak.BackupVariant
		if err := rec.Decode(&v); err != nil {
			return err
		}
		return r.exec(`INSERT INTO variants (seq, shared, anon) VALUES (?, ?, ?)`,
			v.Seq, nullBytes(v.Shared), nullBytes(v.Anon))
	case firebreak.BackupKindReview:
		var v firebreak.BackupReview
		if err := rec.Decode(&v); err != nil {
			return err
		}
		return r.exec(`INSERT INTO review (seq, status_id) VALUES (?, ?)`, v.Seq, v.StatusID)
	case firebreak.BackupKindStatus:
		var st firebreak.BackupStatus
		if err := rec.Decode(&st); err != nil {
			return err
		}
		return r.exec(`INSERT INTO statuses (id, owner, body) VALUES (?, ?, ?)`, st.ID, st.Owner, []byte(st.Body))
	case firebreak.BackupKindAudit:
		var e firebreak.BackupAudit
		if err := rec.Decode(&e); err != nil {
			return err
		}
		return r.exec(`INSERT INTO audit_log (seq, body, prev, hash) VALUES (?, ?, ?, ?)`,
			e.Seq, nonNilBytes(e.Body), nonNilBytes(e.Prev), nonNilBytes(e.Hash))
	case firebreak.BackupKindCheckpoint:
		var c firebreak.BackupCheckpoint
		if err := rec.Decode(&c); err != nil {
			return err
		}
		return r.exec(`INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)`,
			c.Seq, nonNilBytes(c.Hash), c.Time, c.KeyID, nonNilBytes(c.Signature))
	case firebreak.BackupKindDisclosure:
		var d firebreak.BackupDisclosure
		if err := rec.Decode(&d); err != nil {
			return err
		}
		return r.exec(`INSERT INTO disclosures (id, requester, provider, state, created, body) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.Requester, d.Provider, d.State, d.Created, []byte(d.Body))
	case firebreak.BackupKindContact:
		var c firebreak.BackupContact
		if err := rec.Decode(&c); err != nil {
			return err
		}
		return r.exec(`INSERT INTO contacts (org, body) VALUES (?, ?)`, c.Org, string(c.Body))
	case firebreak.BackupKindIntroduction:
		var in firebreak.BackupIntroduction
		if err := rec.Decode(&in); err != nil {
			return err
		}
		return r.exec(`INSERT INTO introductions (id, requester, provider, created, body) VALUES (?, ?, ?, ?, ?)`,
			in.ID, in.Requester, in.Provider, in.Created, []byte(in.Body))
	case firebreak.BackupKindPeerState:
		var p firebreak.BackupPeerState
		if err := rec.Decode(&p); err != nil {
			return err
		}
		return r.exec(`INSERT INTO peer_state (peer, body) VALUES (?, ?)`, p.Peer, string(p.Body))
	case firebreak.BackupKindEnd:
		var e firebreak.BackupEnd
		if err := rec.Decode(&e); err != nil {
			return err
		}
		if err := e.Check(r.maxSeq, r.maxAdded); err != nil {
			return err
		}
		// Twin marks are derived, like idh: every version of which another provider
		// holds a copy.
		if err := r.exec(markTwins); err != nil {
			return err
		}
		if err := r.exec(`UPDATE ingest_state SET last_seq = ?, max_added = ? WHERE id = 1`, e.LastSeq, e.MaxAdded); err != nil {
			return err
		}
		return r.exec(`UPDATE meta SET value = ? WHERE key = 'epoch'`, e.Epoch)
	}
	return firebreak.Errorf(firebreak.EINVALID, "unknown record kind %q", rec.Kind)
}

// markTwins marks every version of which another provider holds a copy (see 0007). It
// looks for copies only among ids held by more than one provider, found in one pass.
const markTwins = `UPDATE objects SET twin = 1 WHERE idh IN (SELECT idh FROM objects GROUP BY idh HAVING min(provider) <> max(provider))
	AND EXISTS (SELECT 1 FROM objects c WHERE c.idh = objects.idh AND c.id = objects.id AND c.vkey = objects.vkey
		AND c.provider <> objects.provider)`

// nonNilBytes gives an empty value for none, for the columns that must hold bytes.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
