package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

var _ firebreak.BackupStore = (*Store)(nil)

// backupTables are the tables whose rows a backup carries, in the order of the records
// that fill them.
var backupTables = []string{
	"organizations", "users", "circles", "circle_members", "peers", "policies", "objects",
	"variants", "review", "statuses", "audit_log", "audit_checkpoints", "disclosures",
	"contacts", "introductions", "peer_state",
}

// backupSingletons are the tables of one row (or, for meta, of known keys) that a backup
// reads and a restore updates or derives: audit_state is the head of the restored chain.
var backupSingletons = []string{"hub", "ingest_state", "audit_state", "meta"}

// derivedTables are tables a backup leaves out because they hold nothing a restore
// needs: id_locks only has rows to lock, made on demand. withdrawals are notices to peers
// about the hub's past (see firebreak.WithdrawalStore): a restored hub starts a fresh
// list, whose seqs follow the clock (see recordWithdrawals), so that peers' cursors into
// the old list do not hide the new one.
var derivedTables = []string{"id_locks", "withdrawals"}

// backupMetaKeys are the keys of meta: the schema version (this binary's) and the epoch.
var backupMetaKeys = []string{"schema_version", "epoch"}

// identityTables are the tables whose ids the database hands out: a restore moves each
// sequence past the ids it restored.
var identityTables = []string{"organizations", "users", "circles", "peers", "policies"}

// checkCovered refuses to back up a schema that holds a table or a meta key this code
// does not know: a backup that silently left something out would be found out only when
// it is needed. A migration that adds a table must add it here and to the backup. So the
// store's schema must be its own (see Options.Schema, or a search_path in the URL).
func checkCovered(ctx context.Context, tx pgx.Tx) error {
	names := func(query string) ([]string, error) {
		rows, err := tx.Query(ctx, query)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	tables, err := names(`SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	for _, t := range tables {
		if !slices.Contains(backupTables, t) && !slices.Contains(backupSingletons, t) && !slices.Contains(derivedTables, t) {
			return firebreak.Errorf(firebreak.EINTERNAL,
				"cannot back up the store: its schema holds a table %q that this firebreak does not know, and a backup would leave it out (give the hub a schema of its own)", t)
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
	tx  pgx.Tx
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

// each runs query and emits the row scan makes of each result row as it arrives, so that
// memory stays bounded however many rows there are.
func (b *backupRun) each(what, query string, scan func(pgx.Rows) (firebreak.BackupRow, error)) error {
	rows, err := b.tx.Query(b.ctx, query)
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

// Backup writes every row of the store to w from one repeatable-read, read-only
// transaction: one snapshot of the whole database, while every node goes on writing.
func (s *Store) Backup(ctx context.Context, w func(firebreak.BackupRecord) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	defer tx.Rollback(ctx)
	// The first statement takes the snapshot. The live marks are sequences, outside any
	// snapshot, so they are read now, with it: ahead of the rows backed up by the
	// ingests in flight, never behind, and not moved by ingests made while the backup
	// runs.
	end := firebreak.BackupEnd{}
	err = tx.QueryRow(ctx, `SELECT greatest(i.last_seq, s.last_value), greatest(i.max_added, a.last_value)
		FROM ingest_state i, ingest_seq s, ingest_added a WHERE i.id = 1`).Scan(&end.LastSeq, &end.MaxAdded)
	if err != nil {
		return mapErr(err, "cannot back up the store")
	}
	if err := checkCovered(ctx, tx); err != nil {
		return err
	}
	b := &backupRun{ctx: ctx, tx: tx, w: w}
	steps := []func() error{
		func() error {
			return b.each("organizations", `SELECT id, identity_id, name, country, type, sectors,
					coalesce(parent_id, 0), status, attestations, affiliations, domains
				FROM organizations ORDER BY id`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var o firebreak.BackupOrganization
				var sectors, atts, affs, domains string
				err := r.Scan(&o.ID, &o.IdentityID, &o.Name, &o.Country, &o.Type, &sectors, &o.Parent, &o.Status,
					&atts, &affs, &domains)
				o.Sectors, o.Attestations, o.Affiliations, o.Domains = []byte(sectors), []byte(atts), []byte(affs), []byte(domains)
				return o, err
			})
		},
		func() error {
			return b.each("the hub", `SELECT uuid, secret, name, country, coalesce(operator_id, 0) FROM hub WHERE id = 1`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var h firebreak.BackupHub
					err := r.Scan(&h.UUID, &h.Secret, &h.Name, &h.Country, &h.Operator)
					return h, err
				})
		},
		func() error {
			return b.each("users", `SELECT id, name, org_id, roles, token_hash FROM users ORDER BY id`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var u firebreak.BackupUser
					var roles string
					err := r.Scan(&u.ID, &u.Name, &u.Org, &roles, &u.TokenHash)
					u.Roles = []byte(roles)
					return u, err
				})
		},
		func() error {
			return b.each("circles", `SELECT id, name, rules, review,
					coalesce((SELECT array_agg(org_id ORDER BY org_id) FROM circle_members m WHERE m.circle_id = c.id), '{}')
				FROM circles c ORDER BY id`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var c firebreak.BackupCircle
				var rules string
				err := r.Scan(&c.ID, &c.Name, &rules, &c.Review, &c.Members)
				c.Rules = []byte(rules)
				if c.Members == nil {
					c.Members = []int64{}
				}
				return c, err
			})
		},
		func() error {
			return b.each("peers", `SELECT id, name, url, country, type, token, direction, interval_ns,
					max_tlp, circles, attribution
				FROM peers ORDER BY id`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var p firebreak.BackupPeer
				var circles string
				var tlp int32
				err := r.Scan(&p.ID, &p.Name, &p.URL, &p.Country, &p.Type, &p.Token, &p.Direction, &p.IntervalNS,
					&tlp, &circles, &p.Attribution)
				p.MaxTLP, p.Circles = int(tlp), []byte(circles)
				return p, err
			})
		},
		func() error {
			return b.each("policies", `SELECT id, provider, doc FROM policies ORDER BY id`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
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
				FROM objects ORDER BY seq`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var o firebreak.BackupObject
				err := r.Scan(&o.Seq, &o.Added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.VKey, &o.Provider,
					&o.Policy, &o.Expires, &o.Raw)
				return o, err
			})
		},
		func() error {
			return b.each("variants", `SELECT seq, shared, anon FROM variants ORDER BY seq`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var v firebreak.BackupVariant
					err := r.Scan(&v.Seq, &v.Shared, &v.Anon)
					return v, err
				})
		},
		func() error {
			return b.each("the review list", `SELECT seq, status_id FROM review ORDER BY seq`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var v firebreak.BackupReview
					err := r.Scan(&v.Seq, &v.StatusID)
					return v, err
				})
		},
		func() error {
			return b.each("statuses", `SELECT id, owner, body FROM statuses ORDER BY id`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var st firebreak.BackupStatus
					var body []byte
					err := r.Scan(&st.ID, &st.Owner, &body)
					st.Body = body
					return st, err
				})
		},
		func() error {
			return b.each("the audit log", `SELECT seq, body, prev, hash FROM audit_log ORDER BY seq`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var e firebreak.BackupAudit
					err := r.Scan(&e.Seq, &e.Body, &e.Prev, &e.Hash)
					return e, err
				})
		},
		func() error {
			return b.each("the audit checkpoints", `SELECT seq, hash, time, key_id, signature
				FROM audit_checkpoints ORDER BY seq`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var c firebreak.BackupCheckpoint
				err := r.Scan(&c.Seq, &c.Hash, &c.Time, &c.KeyID, &c.Signature)
				return c, err
			})
		},
		func() error {
			return b.each("disclosure requests", `SELECT id, requester, provider, state, created, body
				FROM disclosures ORDER BY id`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var d firebreak.BackupDisclosure
				var body []byte
				err := r.Scan(&d.ID, &d.Requester, &d.Provider, &d.State, &d.Created, &body)
				d.Body = body
				return d, err
			})
		},
		func() error {
			return b.each("contacts", `SELECT org, body FROM contacts ORDER BY org`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var c firebreak.BackupContact
					var body string
					err := r.Scan(&c.Org, &body)
					c.Body = []byte(body)
					return c, err
				})
		},
		func() error {
			return b.each("introductions", `SELECT id, requester, provider, created, body
				FROM introductions ORDER BY id`, func(r pgx.Rows) (firebreak.BackupRow, error) {
				var in firebreak.BackupIntroduction
				var body []byte
				err := r.Scan(&in.ID, &in.Requester, &in.Provider, &in.Created, &body)
				in.Body = body
				return in, err
			})
		},
		func() error {
			return b.each("peer states", `SELECT peer, body FROM peer_state ORDER BY peer`,
				func(r pgx.Rows) (firebreak.BackupRow, error) {
					var p firebreak.BackupPeerState
					var body string
					err := r.Scan(&p.Peer, &body)
					p.Body = []byte(body)
					return p, err
				})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	end.Records = b.n
	if err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&end.Epoch); err != nil {
		return mapErr(err, "cannot back up the store")
	}
	return b.emit(end)
}

// recordSource reads a restore's records one ahead, checking the stream's shape, so that
// a COPY can take the records of one kind and stop before the next kind.
type recordSource struct {
	next   func() (firebreak.BackupRecord, error)
	check  firebreak.BackupCheck
	peeked *firebreak.BackupRecord
	eof    bool
}

// peek returns the next record without taking it; ok is false at the end of the stream.
func (r *recordSource) peek() (rec firebreak.BackupRecord, ok bool, err error) {
	if r.peeked != nil {
		return *r.peeked, true, nil
	}
	if r.eof {
		return rec, false, nil
	}
	rec, err = r.next()
	if errors.Is(err, io.EOF) {
		r.eof = true
		return rec, false, r.check.Done()
	}
	if err != nil {
		return rec, false, err
	}
	if err := r.check.Add(rec); err != nil {
		return rec, false, fmt.Errorf("backup record %d: %w", r.check.Count()+1, err)
	}
	r.peeked = &rec
	return rec, true, nil
}

// take consumes the record peek returned.
func (r *recordSource) take() { r.peeked = nil }

// restorer is one Restore's transaction and what it has seen of the rows, to check the
// counters and to set the chain's head.
type restorer struct {
	ctx      context.Context
	tx       pgx.Tx
	src      *recordSource
	maxSeq   int64
	maxAdded int64
	members  [][]any // circle_members rows, written after the circles
	audit    int64   // the last audit entry's seq, and its hash
	head     []byte
}

// copySource feeds COPY with the rows of consecutive records of one kind.
type copySource struct {
	r    *restorer
	kind string
	row  func(firebreak.BackupRecord) ([]any, error)
	vals []any
	err  error
}

func (c *copySource) Next() bool {
	rec, ok, err := c.r.src.peek()
	if err != nil {
		c.err = err
		return false
	}
	if !ok || rec.Kind != c.kind {
		return false
	}
	c.r.src.take()
	if c.vals, c.err = c.row(rec); c.err != nil {
		c.err = fmt.Errorf("backup record %d (%s): %w", c.r.src.check.Count(), rec.Kind, c.err)
		return false
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }

func (c *copySource) Err() error { return c.err }

// Restore fills the empty store with a backup in one transaction, with COPY for the rows:
// a restore that fails or is interrupted (the process killed, the connection lost) leaves
// nothing behind, and the store stays empty. It first takes the locks that Ingest, the
// audit chain and Apply take, so no node writes meanwhile; nodes should still be stopped,
// as they would not see the restored hub's UUID until they restart.
func (s *Store) Restore(ctx context.Context, next func() (firebreak.BackupRecord, error)) error {
	const msg = "cannot restore the backup"
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, msg)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{
		`SELECT 1 FROM ingest_state WHERE id = 1 FOR UPDATE`,
		`SELECT 1 FROM audit_state WHERE id = 1 FOR UPDATE`,
		`SELECT 1 FROM meta WHERE key = 'epoch' FOR UPDATE`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return mapErr(err, msg)
		}
	}
	if err := checkEmpty(ctx, tx); err != nil {
		return err
	}
	r := &restorer{ctx: ctx, tx: tx, src: &recordSource{next: next}, head: make([]byte, 32)}
	for {
		rec, ok, err := r.src.peek()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := r.restore(rec); err != nil {
			return err
		}
	}
	if len(r.members) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"circle_members"}, []string{"circle_id", "org_id"},
			pgx.CopyFromRows(r.members)); err != nil {
			return mapErr(err, msg+": circle members")
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_state SET last_seq = $1, hash = $2 WHERE id = 1`, r.audit, r.head); err != nil {
		return mapErr(err, msg)
	}
	for _, t := range identityTables {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'),
			coalesce((SELECT max(id) FROM %s), 0) + 1, false)`, t, t)); err != nil {
			return mapErr(err, msg)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, msg)
	}
	return nil
}

// checkEmpty refuses (ECONFLICT) a store that holds anything but its fresh hub row.
func checkEmpty(ctx context.Context, tx pgx.Tx) error {
	var held []string
	for _, t := range backupTables {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&has); err != nil {
			return mapErr(err, "cannot restore the backup")
		}
		if has {
			held = append(held, t)
		}
	}
	var used bool
	err := tx.QueryRow(ctx, `SELECT (SELECT last_seq <> 0 OR max_added <> 0 FROM ingest_state WHERE id = 1)
		OR (SELECT last_value <> 0 FROM ingest_seq) OR (SELECT last_value <> 0 FROM ingest_added)
		OR (SELECT last_seq <> 0 FROM audit_state WHERE id = 1)
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

// nullID is an optional reference: 0 is none (NULL).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nonNilBytes gives an empty value for none, for the columns that must hold bytes.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// copyKind copies the consecutive records of rec's kind into table.
func (r *restorer) copyKind(table string, columns []string, row func(firebreak.BackupRecord) ([]any, error)) error {
	kind, _, _ := r.src.peek()
	src := &copySource{r: r, kind: kind.Kind, row: row}
	_, err := r.tx.CopyFrom(r.ctx, pgx.Identifier{table}, columns, src)
	if src.err != nil {
		// The source's own error (a record refused, the stream cut) says more than COPY's.
		return src.err
	}
	if err != nil {
		return mapErr(err, "cannot restore the backup: "+table+" (a record refers to a row the backup does not hold, or repeats one)")
	}
	return nil
}

// markTwins marks every version of which another provider holds a copy (see 0004). It
// looks for copies only among ids held by more than one provider.
const markTwins = `UPDATE objects o SET twin = true WHERE o.idh IN (SELECT idh FROM objects GROUP BY idh HAVING min(provider) <> max(provider))
	AND EXISTS (SELECT 1 FROM objects c WHERE c.idh = o.idh AND c.id = o.id AND c.vkey = o.vkey AND c.provider <> o.provider)`

// restore writes the next record (and those of the same kind after it).
func (r *restorer) restore(rec firebreak.BackupRecord) (err error) {
	switch rec.Kind {
	case firebreak.BackupKindHub:
		r.src.take()
		var h firebreak.BackupHub
		if err := rec.Decode(&h); err != nil {
			return err
		}
		if err := h.Check(); err != nil {
			return err
		}
		_, err := r.tx.Exec(r.ctx, `UPDATE hub SET uuid = $1, secret = $2, name = $3, country = $4, operator_id = $5 WHERE id = 1`,
			h.UUID, h.Secret, h.Name, h.Country, nullID(h.Operator))
		return mapErr(err, "cannot restore the backup: the hub (its operator organisation is missing)")
	case firebreak.BackupKindEnd:
		r.src.take()
		var e firebreak.BackupEnd
		if err := rec.Decode(&e); err != nil {
			return err
		}
		if err := e.Check(r.maxSeq, r.maxAdded); err != nil {
			return err
		}
		if _, err := r.tx.Exec(r.ctx, `UPDATE ingest_state SET last_seq = $1, max_added = $2 WHERE id = 1`, e.LastSeq, e.MaxAdded); err != nil {
			return mapErr(err, "cannot restore the backup")
		}
		_, err := r.tx.Exec(r.ctx, `UPDATE meta SET value = $1 WHERE key = 'epoch'`, e.Epoch)
		return mapErr(err, "cannot restore the backup")
	case firebreak.BackupKindOrganization:
		// One COPY takes every organisation: foreign keys are checked at the end of the
		// statement, so a parent may come after its child.
		return r.copyKind("organizations", []string{"id", "identity_id", "name", "country", "type", "sectors",
			"parent_id", "status", "attestations", "affiliations", "domains"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var o firebreak.BackupOrganization
				err := rec.Decode(&o)
				return []any{o.ID, o.IdentityID, o.Name, o.Country, o.Type, string(o.Sectors), nullID(o.Parent), o.Status,
					string(o.Attestations), string(o.Affiliations), string(o.Domains)}, err
			})
	case firebreak.BackupKindUser:
		return r.copyKind("users", []string{"id", "name", "org_id", "roles", "token_hash"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var u firebreak.BackupUser
				err := rec.Decode(&u)
				return []any{u.ID, u.Name, u.Org, string(u.Roles), u.TokenHash}, err
			})
	case firebreak.BackupKindCircle:
		return r.copyKind("circles", []string{"id", "name", "rules", "review"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var c firebreak.BackupCircle
				err := rec.Decode(&c)
				for _, m := range c.Members {
					r.members = append(r.members, []any{c.ID, m})
				}
				return []any{c.ID, c.Name, string(c.Rules), c.Review}, err
			})
	case firebreak.BackupKindPeer:
		return r.copyKind("peers", []string{"id", "name", "url", "country", "type", "token", "direction",
			"interval_ns", "max_tlp", "circles", "attribution"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var p firebreak.BackupPeer
				err := rec.Decode(&p)
				return []any{p.ID, p.Name, p.URL, p.Country, p.Type, p.Token, p.Direction, p.IntervalNS,
					int32(p.MaxTLP), string(p.Circles), p.Attribution}, err
			})
	case firebreak.BackupKindPolicy:
		return r.copyKind("policies", []string{"id", "provider", "digest", "doc"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var p firebreak.BackupPolicy
				err := rec.Decode(&p)
				d := sha256.Sum256(p.Doc)
				return []any{p.ID, p.Provider, d[:], nonNilBytes(p.Doc)}, err
			})
	case firebreak.BackupKindObject:
		defer func() {
			if err == nil {
				// Twin marks are derived, like idh: every version of which another
				// provider holds a copy.
				_, err = r.tx.Exec(r.ctx, markTwins)
				err = mapErr(err, "cannot restore the backup")
			}
		}()
		return r.copyKind("objects", []string{"seq", "added", "idh", "provider", "policy", "expires", "id", "type",
			"spec_version", "version", "vkey", "raw"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var o firebreak.BackupObject
				if err := rec.Decode(&o); err != nil {
					return nil, err
				}
				if err := o.Check(); err != nil {
					return nil, err
				}
				r.maxSeq, r.maxAdded = max(r.maxSeq, o.Seq), max(r.maxAdded, o.Added)
				return []any{o.Seq, o.Added, idHash(o.ID), o.Provider, o.Policy, o.Expires, o.ID, o.Type,
					o.SpecVersion, o.Version, o.VKey, o.Raw}, nil
			})
	case firebreak.BackupKindVariant:
		return r.copyKind("variants", []string{"seq", "shared", "anon"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var v firebreak.BackupVariant
				err := rec.Decode(&v)
				return []any{v.Seq, v.Shared, v.Anon}, err
			})
	case firebreak.BackupKindReview:
		return r.copyKind("review", []string{"seq", "status_id"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var v firebreak.BackupReview
				err := rec.Decode(&v)
				return []any{v.Seq, v.StatusID}, err
			})
	case firebreak.BackupKindStatus:
		return r.copyKind("statuses", []string{"id", "owner", "body"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var st firebreak.BackupStatus
				err := rec.Decode(&st)
				return []any{st.ID, st.Owner, []byte(st.Body)}, err
			})
	case firebreak.BackupKindAudit:
		return r.copyKind("audit_log", []string{"seq", "body", "prev", "hash"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var e firebreak.BackupAudit
				if err := rec.Decode(&e); err != nil {
					return nil, err
				}
				if e.Seq > r.audit {
					r.audit, r.head = e.Seq, nonNilBytes(e.Hash)
				}
				return []any{e.Seq, nonNilBytes(e.Body), nonNilBytes(e.Prev), nonNilBytes(e.Hash)}, nil
			})
	case firebreak.BackupKindCheckpoint:
		return r.copyKind("audit_checkpoints", []string{"seq", "hash", "time", "key_id", "signature"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var c firebreak.BackupCheckpoint
				err := rec.Decode(&c)
				return []any{c.Seq, nonNilBytes(c.Hash), c.Time, c.KeyID, nonNilBytes(c.Signature)}, err
			})
	case firebreak.BackupKindDisclosure:
		return r.copyKind("disclosures", []string{"id", "requester", "provider", "state", "created", "body"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var d firebreak.BackupDisclosure
				err := rec.Decode(&d)
				return []any{d.ID, d.Requester, d.Provider, d.State, d.Created, []byte(d.Body)}, err
			})
	case firebreak.BackupKindContact:
		return r.copyKind("contacts", []string{"org", "body"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var c firebreak.BackupContact
				err := rec.Decode(&c)
				return []any{c.Org, string(c.Body)}, err
			})
	case firebreak.BackupKindIntroduction:
		return r.copyKind("introductions", []string{"id", "requester", "provider", "created", "body"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var in firebreak.BackupIntroduction
				err := rec.Decode(&in)
				return []any{in.ID, in.Requester, in.Provider, in.Created, []byte(in.Body)}, err
			})
	case firebreak.BackupKindPeerState:
		return r.copyKind("peer_state", []string{"peer", "body"},
			func(rec firebreak.BackupRecord) ([]any, error) {
				var p firebreak.BackupPeerState
				err := rec.Decode(&p)
				return []any{p.Peer, string(p.Body)}, err
			})
	}
	return firebreak.Errorf(firebreak.EINVALID, "backup: unknown record kind %q", rec.Kind)
}
