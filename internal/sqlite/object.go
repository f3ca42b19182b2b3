package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
)

// defaultLimit is the page size when a filter gives none.
const defaultLimit = firebreak.DefaultPageLimit

// insertChunk is how many versions one INSERT statement carries: well under SQLite's
// variable limit, while taking most of the per-statement cost off each row.
const insertChunk = 64

// idHash is the 64-bit FNV-1a hash of a STIX id, kept in objects.idh to find versions by
// id through a small index. It is stored, so it must never change.
func idHash(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int64(h.Sum64())
}

// Ingest stores items for provider in one transaction. Every item gets one outcome:
// Duplicate when provider already holds this id and version key (also earlier in the
// same call), else Stored, whatever other providers hold (see PlanIngest). All
// versions stored by one call share one date added: the clock at the time of the
// transaction, but never earlier than any date added before, so that dates added never
// go back even when the clock does. The withdrawals the call makes (see
// IngestPlan.Withdrawals) are recorded in the same transaction, which is synced to disk
// before Ingest returns.
func (s *Store) Ingest(ctx context.Context, provider int64, items []firebreak.IngestItem, audit ...[]byte) ([]firebreak.IngestResult, error) {
	if err := firebreak.CheckIngestItems(items); err != nil {
		return nil, err
	}
	if len(items) == 0 && len(audit) == 0 {
		return []firebreak.IngestResult{}, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	defer tx.Rollback()
	// The record of the submission commits with it or not at all.
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return nil, err
	}

	held, err := heldVersions(ctx, tx, items)
	if err != nil {
		return nil, err
	}

	plan := firebreak.PlanIngest(provider, items, held)
	if fresh := plan.Fresh; len(fresh) > 0 {
		first, addedTime, err := s.reserve(ctx, tx, len(fresh))
		if err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		// Only the policies of versions actually stored are kept.
		policies, err := policyIDs(ctx, tx, provider, items, fresh)
		if err != nil {
			return nil, err
		}
		plan.Place(provider, items, first, addedTime, policies)
		added := addedTime.UnixMicro()
		rows := make([]any, 0, len(fresh)*insertColumns)
		for _, i := range fresh {
			it, o := items[i], plan.Results[i].Object
			rows = append(rows, o.Seq, added, idHash(o.ID), o.ID, o.Type, o.SpecVersion, o.Version, it.VersionKey,
				provider, o.Policy, firebreak.ExpiryMicros(it.Expires), []byte(it.Raw))
		}
		if err := insertVersions(ctx, tx, rows, len(fresh)); err != nil {
			return nil, err
		}
		// Copies of other providers' versions, and those versions, are marked as twins. The
		// statement runs whether or not there are any, so that storing a copy of another
		// provider's version runs the same statements as storing a fresh id.
		if _, err := tx.ExecContext(ctx, markQuery, jsonInts(plan.Marks())); err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		if err := insertExtras(ctx, tx, items, plan.Results, fresh); err != nil {
			return nil, err
		}
		// A copy whose new latest version has another policy than the latest before
		// withdraws that one: peers must hear of it (see firebreak.WithdrawalStore).
		if err := recordWithdrawals(ctx, tx, plan.Withdrawals(items)); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	s.committed()
	return plan.Results, nil
}

// markQuery marks the versions whose seqs it is given (a JSON array) as twins.
const markQuery = `UPDATE objects SET twin = 1 WHERE seq IN (SELECT value FROM json_each(?)) AND twin = 0`

// reserve hands out n seqs, from the returned one on, and the date added for a write
// transaction: the clock, but strictly after every earlier date added, so that a reader
// that resumes with added_after a date it has seen never skips a later call made within
// the same microsecond. The transaction holds the database's write lock, so no other
// reservation comes between.
func (s *Store) reserve(ctx context.Context, tx *sql.Tx, n int) (first int64, added time.Time, err error) {
	var lastSeq, maxAdded int64
	if err := tx.QueryRowContext(ctx, `SELECT last_seq, max_added FROM ingest_state WHERE id = 1`).
		Scan(&lastSeq, &maxAdded); err != nil {
		return 0, time.Time{}, err
	}
	us := max(s.clock.Now().UnixMicro(), maxAdded+1)
	if _, err := tx.ExecContext(ctx, `UPDATE ingest_state SET last_seq = ?, max_added = ? WHERE id = 1`,
		lastSeq+int64(n), us); err != nil {
		return 0, time.Time{}, err
	}
	return lastSeq + 1, time.UnixMicro(us).UTC(), nil
}

// heldVersions returns the stored versions of the items' ids, whoever provided them, by
// id and version key.
func heldVersions(ctx context.Context, tx *sql.Tx, items []firebreak.IngestItem) (map[string]map[string][]firebreak.Object, error) {
	hashes := make([]int64, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			hashes = append(hashes, idHash(it.ID))
		}
	}
	// Sorted hashes walk objects_idh in order, one seek per id.
	slices.Sort(hashes)
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.vkey, o.provider, o.seq, o.added, o.type,
			o.spec_version, o.version, o.policy, o.expires
		FROM json_each(?) j JOIN objects o ON o.idh = j.value`, jsonInts(hashes))
	if err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	defer rows.Close()
	held := make(map[string]map[string][]firebreak.Object)
	for rows.Next() {
		var vkey string
		var added, expires int64
		var o firebreak.Object
		if err := rows.Scan(&o.ID, &vkey, &o.Provider, &o.Seq, &added, &o.Type,
			&o.SpecVersion, &o.Version, &o.Policy, &expires); err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		if !seen[o.ID] {
			continue // another id with the same hash
		}
		o.Added = time.UnixMicro(added).UTC()
		o.Expires = firebreak.ExpiryFromMicros(expires)
		m := held[o.ID]
		if m == nil {
			m = map[string][]firebreak.Object{}
			held[o.ID] = m
		}
		m[vkey] = append(m[vkey], o)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	return held, nil
}

// policyIDs returns the ids of the distinct policy documents of items[which] for
// provider, storing the documents not yet held.
func policyIDs(ctx context.Context, tx *sql.Tx, provider int64, items []firebreak.IngestItem, which []int) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, i := range which {
		doc := string(items[i].PolicyDoc)
		if _, ok := ids[doc]; ok {
			continue
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM policies WHERE provider = ? AND doc = ?`,
			provider, []byte(doc)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `INSERT INTO policies (provider, doc) VALUES (?, ?) RETURNING id`,
				provider, []byte(doc)).Scan(&id)
		}
		if err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		ids[doc] = id
	}
	return ids, nil
}

// insertColumns is the number of arguments per version that insertVersions takes.
const insertColumns = 12

// insertVersions inserts n new versions whose arguments are in rows, insertColumns per
// version, a chunk at a time through one prepared statement.
func insertVersions(ctx context.Context, tx *sql.Tx, rows []any, n int) error {
	const cols = insertColumns
	if n == 0 {
		return nil
	}
	values := func(k int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO objects (seq, added, idh, id, type, spec_version, version, vkey, provider, policy, expires, raw) VALUES `)
		for i := range k {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
		}
		return b.String()
	}
	var full *sql.Stmt
	if n >= insertChunk {
		var err error
		full, err = tx.PrepareContext(ctx, values(insertChunk))
		if err != nil {
			return mapErr(err, "cannot store objects")
		}
		defer full.Close()
	}
	for len(rows) > 0 {
		k := min(insertChunk, len(rows)/cols)
		var err error
		if k == insertChunk {
			_, err = full.ExecContext(ctx, rows[:k*cols]...)
		} else {
			_, err = tx.ExecContext(ctx, values(k), rows[:k*cols]...)
		}
		if err != nil {
			return mapErr(err, "cannot store objects")
		}
		rows = rows[k*cols:]
	}
	return nil
}

// objectQuery builds the page query for vis and f. The text depends only on which
// filters are present (the lists travel as single JSON parameters), so the number of
// distinct texts is small and each is prepared once.
//
// The plan it aims for: walk the table in seq order from the start position (found
// through objects_added), check visibility and the filters on each row, then, for first
// and last, probe objects_idh for an earlier or later version of the same id that the
// reader may also see. A LIMIT of one more than the page size tells whether there is
// more.
type objectQuery struct {
	b    strings.Builder
	args []any
}

func (q *objectQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "?"
}

// visible writes the visibility and spec-version conditions on the version aliased a.
func (q *objectQuery) visible(a string, vis firebreak.Visibility, specs []string) {
	q.b.WriteString("1")
	if !vis.All {
		not := ""
		if vis.Except {
			not = "NOT "
		}
		fmt.Fprintf(&q.b, " AND (%s.policy %sIN (SELECT value FROM json_each(%s))", a, not, q.arg(jsonInts(vis.Policies)))
		if len(vis.Granted) > 0 {
			// A disclosure grant admits the grantor's copies it names whatever their
			// policy; another provider's copy of the id is not granted.
			q.granted(a, vis.Granted)
		}
		q.b.WriteString(")")
	}
	if vis.Provider != 0 {
		fmt.Fprintf(&q.b, " AND %s.provider = %s", a, q.arg(vis.Provider))
	}
	if !vis.Now.IsZero() {
		// Checked on the row, like the policy: the walk in seq order stays as it is. The
		// same condition is written into the first/last probe, so an expired version is
		// absent from that decision too.
		fmt.Fprintf(&q.b, " AND (%s.expires = 0 OR %s.expires > %s", a, a, q.arg(vis.Now.UnixMicro()))
		if vis.Owner != 0 {
			fmt.Fprintf(&q.b, " OR %s.provider = %s", a, q.arg(vis.Owner))
		}
		if len(vis.Granted) > 0 {
			q.granted(a, vis.Granted)
		}
		q.b.WriteString(")")
	}
	if len(specs) > 0 {
		fmt.Fprintf(&q.b, " AND %s.spec_version IN (SELECT value FROM json_each(%s))", a, q.arg(jsonStrings(specs)))
	}
}

// granted writes " OR" the condition that the version aliased a is of one of the copies.
func (q *objectQuery) granted(a string, copies []firebreak.Copy) {
	fmt.Fprintf(&q.b, " OR (%s.provider, %s.id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(%s))", a, a, q.arg(jsonCopies(copies)))
}

// oneCopy writes the condition that keeps one copy of each version the reader may see:
// a version of which another provider holds a copy is left out when the reader may see
// a copy stored before it. Only versions marked twin are looked at, so the walk costs
// nothing more for every other version; and only copies the reader may see count, so
// what it gets never depends on one it may not see.
func (q *objectQuery) oneCopy(vis firebreak.Visibility, specs []string) {
	if vis.Provider != 0 {
		return // one provider holds one copy of a version
	}
	q.b.WriteString(" AND (o.twin = 0 OR NOT EXISTS (SELECT 1 FROM objects c WHERE c.idh = o.idh AND c.seq < o.seq" +
		" AND c.id = o.id AND c.vkey = o.vkey AND ")
	q.visible("c", vis, specs)
	q.b.WriteString("))")
}

// versions writes the match[version] condition on the version aliased o, or nothing for
// all versions.
//
// With eachCopy, every provider's copy of an object is an object of its own: first and
// last are decided among that provider's versions only.
func (q *objectQuery) versions(v firebreak.VersionFilter, vis firebreak.Visibility, specs []string, eachCopy bool) {
	if v.All {
		return
	}
	if v.IsZero() {
		v.Last = true
	}
	var parts []func()
	edge := func(cmp string) func() {
		return func() {
			// n.seq <> o.seq is decided on the index entry, so a version with no other
			// version (most of them) costs one index seek and no row read.
			fmt.Fprintf(&q.b, "NOT EXISTS (SELECT 1 FROM objects n WHERE n.idh = o.idh AND n.seq <> o.seq"+
				" AND n.id = o.id AND n.vkey %s o.vkey AND ", cmp)
			if eachCopy {
				// The unary + keeps objects_provider out: without statistics SQLite would
				// walk every version of the provider for each row instead of the id's.
				q.b.WriteString("+n.provider = o.provider AND ")
			}
			q.visible("n", vis, specs)
			q.b.WriteString(")")
		}
	}
	if v.First {
		parts = append(parts, edge("<"))
	}
	if v.Last {
		parts = append(parts, edge(">"))
	}
	if len(v.At) > 0 {
		parts = append(parts, func() {
			// A version without a timestamp has the key "" and shows its date added as its
			// version; match it by the key of that date.
			at := q.arg(jsonStrings(v.At))
			fmt.Fprintf(&q.b, "o.vkey IN (SELECT value FROM json_each(%s))", at)
			fmt.Fprintf(&q.b, " OR (o.vkey = '' AND strftime('%%Y-%%m-%%dT%%H:%%M:%%S', o.added / 1000000, 'unixepoch')"+
				" || printf('.%%06d000Z', o.added %% 1000000) IN (SELECT value FROM json_each(%s)))", q.arg(jsonStrings(v.At)))
		})
	}
	q.b.WriteString(" AND (")
	for i, p := range parts {
		if i > 0 {
			q.b.WriteString(" OR ")
		}
		q.b.WriteString("(")
		p()
		q.b.WriteString(")")
	}
	q.b.WriteString(")")
}

// where writes the conditions that select whole objects (ids, types) and versions.
func (q *objectQuery) where(vis firebreak.Visibility, f firebreak.ObjectFilter) {
	q.visible("o", vis, f.SpecVersions)
	if len(f.IDs) > 0 {
		hashes := make([]int64, len(f.IDs))
		for i, id := range f.IDs {
			hashes[i] = idHash(id)
		}
		fmt.Fprintf(&q.b, " AND o.idh IN (SELECT value FROM json_each(%s)) AND o.id IN (SELECT value FROM json_each(%s))",
			q.arg(jsonInts(hashes)), q.arg(jsonStrings(f.IDs)))
	}
	switch len(f.Types) {
	case 0:
	case 1:
		// One type: objects_type yields that type's versions in seq order, so a page
		// reads only them and needs no sort.
		fmt.Fprintf(&q.b, " AND o.type = %s", q.arg(f.Types[0]))
	default:
		// Several: the index would give one seq-ordered run per type and SQLite would
		// sort them all to merge them, on every page. Filtering while walking seq order
		// (the unary + keeps the index out) costs at most the versions skipped.
		fmt.Fprintf(&q.b, " AND +o.type IN (SELECT value FROM json_each(%s))", q.arg(jsonStrings(f.Types)))
	}
	q.versions(f.Versions, vis, f.SpecVersions, f.EveryCopy)
	if !f.EveryCopy {
		q.oneCopy(vis, f.SpecVersions)
	}
}

// rawColumn writes the expression that gives a version's bytes as this reader receives
// them: as submitted for its provider (and operators), else scrubbed of personal data,
// and, unless its policy lets the reader name the provider, without the provider's names.
// The variants are read by seq only for the rows returned, so a page costs one primary
// key probe more per version, and nothing when a version has no variant.
func (q *objectQuery) rawColumn(vis firebreak.Visibility, metadataOnly bool) {
	switch {
	case metadataOnly:
		q.b.WriteString("NULL")
		return
	case vis.All || vis.Originals:
		q.b.WriteString("o.raw")
		return
	}
	q.b.WriteString("CASE WHEN o.provider = ")
	q.b.WriteString(q.arg(vis.Owner))
	q.b.WriteString(" THEN o.raw ELSE coalesce((SELECT CASE WHEN o.policy IN (SELECT value FROM json_each(")
	q.b.WriteString(q.arg(jsonInts(vis.Named)))
	q.b.WriteString(")) THEN v.shared ELSE coalesce(v.anon, v.shared) END FROM variants v WHERE v.seq = o.seq), o.raw) END")
}

// pageQuery builds the query for one page of at most limit versions (it asks for one
// more, to tell whether there are more).
func pageQuery(vis firebreak.Visibility, f firebreak.ObjectFilter, limit int) *objectQuery {
	pos := f.Start()
	q := &objectQuery{}
	q.b.WriteString("SELECT o.seq, o.added, o.id, o.type, o.spec_version, o.version, o.provider, o.policy, o.expires, ")
	q.rawColumn(vis, f.MetadataOnly)
	q.b.WriteString(" FROM objects o WHERE ")
	if !pos.IsZero() {
		// The versions after pos are those after the last version at or before it; see
		// the objects table for why seq order is (added, seq) order. Both probes are
		// index seeks, evaluated once per query.
		a := q.arg(pos.Added)
		fmt.Fprintf(&q.b, "o.seq > max("+
			"coalesce((SELECT seq FROM objects WHERE added < %s ORDER BY added DESC, seq DESC LIMIT 1), 0), "+
			"coalesce((SELECT seq FROM objects WHERE added = %s AND seq <= %s ORDER BY seq DESC LIMIT 1), 0)) AND ",
			a, q.arg(pos.Added), q.arg(pos.Seq))
	}
	q.where(vis, f)
	q.b.WriteString(" ORDER BY o.seq LIMIT ")
	q.b.WriteString(q.arg(limit + 1))
	return q
}

// Objects returns the versions that match f and vis, in (date added, seq) order. Next is
// the position of the last version returned (f.After when none is).
func (s *Store) Objects(ctx context.Context, vis firebreak.Visibility, f firebreak.ObjectFilter) (firebreak.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	page := firebreak.Page{Next: f.After}
	if vis.AdmitsNothing() {
		return page, nil
	}
	q := pageQuery(vis, f, limit)
	st, err := s.prepared(ctx, q.b.String())
	if err != nil {
		return page, mapErr(err, "cannot read objects")
	}
	rows, err := st.QueryContext(ctx, q.args...)
	if err != nil {
		return page, mapErr(err, "cannot read objects")
	}
	defer rows.Close()
	objs := make([]firebreak.Object, 0, min(limit+1, 1024))
	for rows.Next() {
		var o firebreak.Object
		var added, expires int64
		var rawb []byte
		if err := rows.Scan(&o.Seq, &added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.Provider, &o.Policy,
			&expires, &rawb); err != nil {
			return page, mapErr(err, "cannot read objects")
		}
		o.Added = time.UnixMicro(added).UTC()
		o.Expires = firebreak.ExpiryFromMicros(expires)
		if rawb != nil {
			o.Raw = rawb
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return page, mapErr(err, "cannot read objects")
	}
	return firebreak.PageOf(objs, limit, f.After), nil
}

// Delete removes the versions of id that provider provided and that match versions and
// specVersions (a zero VersionFilter means every version), and returns how many it
// removed. First and last are decided among the provider's versions that pass
// specVersions. When it removes any, it records their withdrawal in the same
// transaction.
func (s *Store) Delete(ctx context.Context, provider int64, id string, versions firebreak.VersionFilter, specVersions []string, audit ...[]byte) (int, error) {
	if versions.IsZero() {
		versions.All = true
	}
	vis := firebreak.Visibility{All: true, Provider: provider}
	var q objectQuery
	q.b.WriteString("SELECT o.seq, o.policy FROM objects o WHERE o.idh = ")
	q.b.WriteString(q.arg(idHash(id)))
	q.b.WriteString(" AND o.id = ")
	q.b.WriteString(q.arg(id))
	q.b.WriteString(" AND ")
	q.visible("o", vis, specVersions)
	q.versions(versions, vis, specVersions, false)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q.b.String(), q.args...)
	if err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	var seqs, policies []int64
	for rows.Next() {
		var seq, policy int64
		if err := rows.Scan(&seq, &policy); err != nil {
			rows.Close()
			return 0, mapErr(err, "cannot delete the object")
		}
		seqs, policies = append(seqs, seq), append(policies, policy)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	n := len(seqs)
	// The versions, and what hangs off them: their variants and review entries.
	for _, table := range []string{"objects", "variants", "review"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE seq IN (SELECT value FROM json_each(?))`, jsonInts(seqs)); err != nil {
			return 0, mapErr(err, "cannot delete the object")
		}
	}
	if n == 0 {
		return 0, nil // nothing happened, nothing to record
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return 0, err
	}
	// Peers that received the versions must remove them too.
	w := firebreak.Withdrawal{Added: s.clock.Now(), Provider: provider, ID: id, Policies: distinctPolicies(policies), Deleted: true}
	if err := recordWithdrawals(ctx, tx, []firebreak.Withdrawal{w}); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	s.committed()
	return int(n), nil
}

// Policies returns the stored policies with an id above afterID, ascending.
func (s *Store) Policies(ctx context.Context, afterID int64) ([]firebreak.PolicyRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, provider, doc FROM policies WHERE id > ? ORDER BY id`, afterID)
	if err != nil {
		return nil, mapErr(err, "cannot read policies")
	}
	defer rows.Close()
	var out []firebreak.PolicyRecord
	for rows.Next() {
		var p firebreak.PolicyRecord
		if err := rows.Scan(&p.ID, &p.Provider, &p.Doc); err != nil {
			return nil, mapErr(err, "cannot read policies")
		}
		if p.Doc == nil {
			p.Doc = []byte{}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "cannot read policies")
	}
	return out, nil
}

// PutStatus stores (or replaces) the status of a submission.
func (s *Store) PutStatus(ctx context.Context, st firebreak.Status) error {
	if st.ID == "" {
		return firebreak.Errorf(firebreak.EINVALID, "status: id is empty")
	}
	body, err := json.Marshal(st)
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the status")
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO statuses (id, owner, body) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, body = excluded.body`, st.ID, st.Owner, body)
	return mapErr(err, "cannot store the status")
}

// Status reads a submission's status back (ENOTFOUND).
func (s *Store) Status(ctx context.Context, id string) (firebreak.Status, error) {
	var body []byte
	if err := s.r.QueryRowContext(ctx, `SELECT body FROM statuses WHERE id = ?`, id).Scan(&body); err != nil {
		return firebreak.Status{}, mapRead(err, "status not found", "cannot read the status")
	}
	var st firebreak.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return firebreak.Status{}, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot read the status")
	}
	st.RequestTimestamp = st.RequestTimestamp.UTC()
	return st, nil
}
