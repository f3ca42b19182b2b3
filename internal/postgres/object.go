package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

// defaultLimit is the page size when a filter gives none.
const defaultLimit = firebreak.DefaultPageLimit

// Ingest stores items for provider in one transaction. Every item gets one outcome:
// Duplicate when provider already holds this id and version key (also earlier in the
// same call), else Stored, whatever other providers hold (see PlanIngest). All
// versions stored by one call share one date added: the clock when the call reserves its
// positions, but never earlier than any date added before, so that dates added never go
// back even when a node's clock does.
//
// Ingests from every node run side by side. The items travel to the server first, by
// COPY into the connection's staging table; then the call locks its ids (id_locks)
// until commit (two calls with an id in common take turns, in id
// order; calls with none do not wait for each other), looks up the versions held,
// reserves its seqs and date added (ingest_reserve), takes any new policy ids, inserts,
// appends the audit entries, records the withdrawals it makes (see
// IngestPlan.Withdrawals) and commits. Readers never pass a reservation still in flight
// (see ingest_horizon).
func (s *Store) Ingest(ctx context.Context, provider int64, items []firebreak.IngestItem, audit ...[]byte) ([]firebreak.IngestResult, error) {
	if err := firebreak.CheckIngestItems(items); err != nil {
		return nil, err
	}
	if len(items) == 0 && len(audit) == 0 {
		return []firebreak.IngestResult{}, nil
	}
	if err := checkAudit(audit); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	defer tx.Rollback(ctx)
	results, withdrawn, err := s.ingest(ctx, tx, provider, items)
	if err != nil {
		return nil, err
	}
	// The record of the submission commits with it or not at all.
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return nil, err
	}
	// A copy whose new latest version has another policy than the latest before
	// withdraws that one: peers must hear of it (see firebreak.WithdrawalStore). Last, as
	// its lock must be (see recordWithdrawals).
	if len(withdrawn) > 0 {
		if err := recordWithdrawals(ctx, tx, withdrawn); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	return results, nil
}

// reserve hands out n seqs, from the returned one on, and the date added for a
// transaction (see ingest_reserve). The transaction holds its in-flight lock until it
// ends.
func (s *Store) reserve(ctx context.Context, tx pgx.Tx, n int) (first int64, added time.Time, err error) {
	var us int64
	if err := tx.QueryRow(ctx, `SELECT first_seq, added FROM ingest_reserve($1, $2)`, n, s.clock.Now().UnixMicro()).
		Scan(&first, &us); err != nil {
		return 0, time.Time{}, err
	}
	return first, time.UnixMicro(us).UTC(), nil
}

// ingest stores items inside tx and returns their results and the withdrawals they make,
// which the caller records (see recordWithdrawals for why not here).
func (s *Store) ingest(ctx context.Context, tx pgx.Tx, provider int64, items []firebreak.IngestItem) ([]firebreak.IngestResult, []firebreak.Withdrawal, error) {
	if len(items) == 0 {
		return []firebreak.IngestResult{}, nil, nil
	}
	// Organisations are never deleted, so checking the provider here, once, is as good
	// as a foreign key on every row.
	var known bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)`, provider).Scan(&known); err != nil {
		return nil, nil, mapErr(err, "cannot store objects")
	}
	if !known {
		return nil, nil, firebreak.Errorf(firebreak.EINVALID, "the provider does not exist")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", "fb_stage"},
		[]string{"i", "idh", "expires", "id", "type", "spec_version", "vkey", "raw"}, &stageRows{items: items}); err != nil {
		return nil, nil, mapErr(err, "cannot store objects")
	}
	// With its ids locked, the call sees every version of them committed before, and no
	// other call stores any until this one ends.
	if _, err := tx.Exec(ctx, `INSERT INTO id_locks (idh) SELECT DISTINCT idh FROM pg_temp.fb_stage ORDER BY idh
		ON CONFLICT (idh) DO UPDATE SET idh = excluded.idh WHERE false`); err != nil {
		return nil, nil, mapErr(err, "cannot store objects")
	}
	held, err := heldVersions(ctx, tx, items)
	if err != nil {
		return nil, nil, err
	}
	plan := firebreak.PlanIngest(provider, items, held)
	fresh := plan.Fresh
	if len(fresh) == 0 {
		return plan.Results, nil, nil
	}
	// Only the policies of versions actually stored are kept. They are taken before the
	// reservation: a new policy may wait for another ingest's policy lock, and readers
	// wait for every reservation in flight.
	policies, err := policyIDs(ctx, tx, provider, items, fresh)
	if err != nil {
		return nil, nil, err
	}
	first, addedTime, err := s.reserve(ctx, tx, len(fresh))
	if err != nil {
		return nil, nil, mapErr(err, "cannot store objects")
	}
	plan.Place(provider, items, first, addedTime, policies)
	results := plan.Results
	idx := make([]int32, len(fresh))
	seqs := make([]int64, len(fresh))
	pols := make([]int64, len(fresh))
	vers := make([]string, len(fresh))
	for k, i := range fresh {
		o := results[i].Object
		idx[k], seqs[k], pols[k], vers[k] = int32(i), o.Seq, o.Policy, o.Version
	}
	// Copies of other providers' versions, and those versions, are marked as twins in the
	// same statement, under the ids' locks (no other call moves or marks these versions
	// meanwhile). The statement is the same whether or not there are any: storing a copy
	// of another provider's version takes no more round trips than storing a fresh id.
	if _, err := tx.Exec(ctx, `WITH marked AS (UPDATE objects SET twin = true WHERE seq = ANY($7::bigint[]) AND NOT twin)
		INSERT INTO objects (seq, added, idh, provider, policy, expires, id, type, spec_version, version, vkey, raw, twin)
		SELECT u.seq, $1, s.idh, $2, u.policy, s.expires, s.id, s.type, s.spec_version, u.version, s.vkey, s.raw,
			u.seq = ANY($7::bigint[])
		FROM unnest($3::int[], $4::bigint[], $5::bigint[], $6::text[]) AS u (i, seq, policy, version)
		JOIN pg_temp.fb_stage s ON s.i = u.i
		ORDER BY u.seq`, addedTime.UnixMicro(), provider, idx, seqs, pols, vers, nonNil(plan.Marks())); err != nil {
		return nil, nil, mapErr(err, "cannot store objects")
	}
	if err := insertExtras(ctx, tx, items, results, fresh); err != nil {
		return nil, nil, err
	}
	return results, plan.Withdrawals(items), nil
}

// insertExtras stores, for the versions just stored, the variants other readers receive
// and the review entries of held versions: one statement each, and none when no version
// has any.
func insertExtras(ctx context.Context, tx pgx.Tx, items []firebreak.IngestItem, results []firebreak.IngestResult, fresh []int) error {
	var vSeqs, rSeqs []int64
	var shared, anon [][]byte
	var statuses []string
	for _, i := range fresh {
		it, seq := items[i], results[i].Object.Seq
		if it.Shared != nil || it.Anonymous != nil {
			// A nil slice travels as NULL: no variant of that kind.
			vSeqs, shared, anon = append(vSeqs, seq), append(shared, it.Shared), append(anon, it.Anonymous)
		}
		if it.Held {
			rSeqs, statuses = append(rSeqs, seq), append(statuses, it.StatusID)
		}
	}
	if len(vSeqs) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO variants (seq, shared, anon)
			SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])`, vSeqs, shared, anon); err != nil {
			return mapErr(err, "cannot store objects")
		}
	}
	if len(rSeqs) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO review (seq, status_id)
			SELECT * FROM unnest($1::bigint[], $2::text[])`, rSeqs, statuses); err != nil {
			return mapErr(err, "cannot store objects")
		}
	}
	return nil
}

// stageRows feeds Ingest's items to COPY.
type stageRows struct {
	items []firebreak.IngestItem
	i     int
	row   [8]any
}

func (r *stageRows) Next() bool {
	if r.i >= len(r.items) {
		return false
	}
	it := r.items[r.i]
	r.row = [8]any{int32(r.i), idHash(it.ID), firebreak.ExpiryMicros(it.Expires), it.ID, it.Type, it.SpecVersion,
		it.VersionKey, []byte(it.Raw)}
	r.i++
	return true
}

func (r *stageRows) Values() ([]any, error) { return r.row[:], nil }

func (r *stageRows) Err() error { return nil }

// heldVersions returns the stored versions of the items' ids, whoever provided them, by
// id and version key.
func heldVersions(ctx context.Context, tx pgx.Tx, items []firebreak.IngestItem) (map[string]map[string][]firebreak.Object, error) {
	hashes := make([]int64, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			hashes = append(hashes, idHash(it.ID))
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, vkey, provider, seq, added, type, spec_version, version, policy, expires
		FROM objects WHERE idh = ANY($1::bigint[])`, hashes)
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
// provider, storing the documents not yet held. New ids are taken under a transaction
// lock (the lock space's key 2), held until commit, so that they become visible in id
// order and Policies(afterID) never misses one; a call whose documents are all held
// takes no lock.
func policyIDs(ctx context.Context, tx pgx.Tx, provider int64, items []firebreak.IngestItem, which []int) (map[string]int64, error) {
	ids := map[string]int64{}
	var docs, digests [][]byte
	for _, i := range which {
		doc := items[i].PolicyDoc
		if _, ok := ids[string(doc)]; ok {
			continue
		}
		ids[string(doc)] = 0
		d := sha256.Sum256(doc)
		docs, digests = append(docs, doc), append(digests, d[:])
	}
	byDigest, err := heldPolicies(ctx, tx, provider, digests)
	if err != nil {
		return nil, err
	}
	if len(byDigest) < len(docs) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(ingest_lock_space()::int, 2)`); err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		// Another call may have stored some of them while this one waited.
		if byDigest, err = heldPolicies(ctx, tx, provider, digests); err != nil {
			return nil, err
		}
	}
	for k, doc := range docs {
		id, ok := byDigest[string(digests[k])]
		if !ok {
			if doc == nil {
				doc = []byte{} // an empty document is a document like any other
			}
			if err := tx.QueryRow(ctx, `INSERT INTO policies (provider, digest, doc) VALUES ($1, $2, $3) RETURNING id`,
				provider, digests[k], doc).Scan(&id); err != nil {
				return nil, mapErr(err, "cannot store objects")
			}
		}
		ids[string(doc)] = id
	}
	return ids, nil
}

// heldPolicies returns the ids of provider's policies with these digests, by digest.
func heldPolicies(ctx context.Context, tx pgx.Tx, provider int64, digests [][]byte) (map[string]int64, error) {
	byDigest := make(map[string]int64, len(digests))
	rows, err := tx.Query(ctx, `SELECT id, digest FROM policies WHERE provider = $1 AND digest = ANY($2::bytea[])`,
		provider, digests)
	if err != nil {
		return nil, mapErr(err, "cannot store objects")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d []byte
		if err := rows.Scan(&id, &d); err != nil {
			return nil, mapErr(err, "cannot store objects")
		}
		byDigest[string(d)] = id
	}
	return byDigest, mapErr(rows.Err(), "cannot store objects")
}

// objectQuery builds a page query for a visibility and a filter. The text depends only on
// which filters are present (every list travels as one array parameter), so the number of
// distinct texts is small and each is prepared once per connection.
//
// The plan it aims for: walk an index in the hub's order, (added, seq) (or (type, added,
// seq), (provider, added, seq)), from the start position, check visibility and the
// filters on each row, and for first and last probe objects_idh for an earlier or later
// version of the same id that the reader may also see. A LIMIT of one more than the page
// size tells whether there is more.
type objectQuery struct {
	b    strings.Builder
	args []any
}

// arg adds a parameter and returns its placeholder.
func (q *objectQuery) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// nonNil returns an empty slice for a nil one: a nil slice travels as NULL, and
// `x = ANY(NULL)` is NULL, not false.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// visible writes the visibility and spec-version conditions on the version aliased a.
func (q *objectQuery) visible(a string, vis firebreak.Visibility, specs []string) {
	q.b.WriteString("TRUE")
	var granted string
	if len(vis.Granted) > 0 && (!vis.All || !vis.Now.IsZero()) {
		// A disclosure grant admits the grantor's copies it names whatever their policy
		// and expiry; another provider's copy of the id is not granted.
		provs, ids := make([]int64, len(vis.Granted)), make([]string, len(vis.Granted))
		for i, c := range vis.Granted {
			provs[i], ids[i] = c.Provider, c.ID
		}
		granted = fmt.Sprintf("(%[1]s.provider, %[1]s.id) IN (SELECT * FROM unnest(%[2]s::bigint[], %[3]s::text[]))",
			a, q.arg(provs), q.arg(ids))
	}
	if !vis.All {
		not := ""
		if vis.Except {
			not = "NOT "
		}
		fmt.Fprintf(&q.b, " AND (%s(%s.policy = ANY(%s::bigint[]))", not, a, q.arg(nonNil(vis.Policies)))
		if granted != "" {
			q.b.WriteString(" OR " + granted)
		}
		q.b.WriteString(")")
	}
	if vis.Provider != 0 {
		fmt.Fprintf(&q.b, " AND %s.provider = %s", a, q.arg(vis.Provider))
	}
	if !vis.Now.IsZero() {
		// Checked on the row, like the policy: the walk in the hub's order stays as it
		// is. The same condition is written into the first/last probe, so an expired
		// version is absent from that decision too.
		fmt.Fprintf(&q.b, " AND (%s.expires = 0 OR %s.expires > %s", a, a, q.arg(vis.Now.UnixMicro()))
		if vis.Owner != 0 {
			fmt.Fprintf(&q.b, " OR %s.provider = %s", a, q.arg(vis.Owner))
		}
		if granted != "" {
			q.b.WriteString(" OR " + granted)
		}
		q.b.WriteString(")")
	}
	if len(specs) > 0 {
		fmt.Fprintf(&q.b, " AND %s.spec_version = ANY(%s::text[])", a, q.arg(specs))
	}
}

// oneCopy writes the condition that keeps one copy of each version the reader may see:
// a version of which another provider holds a copy is left out when the reader may see
// a copy stored before it. Only versions marked twin are looked at, so the walk costs
// nothing more for every other version; and only copies the reader may see count, so
// what it gets never depends on one it may not see. OFFSET 0 keeps the probe a lookup by
// id hash, as in the first/last probe.
func (q *objectQuery) oneCopy(vis firebreak.Visibility, specs []string) {
	if vis.Provider != 0 {
		return // one provider holds one copy of a version
	}
	q.b.WriteString(" AND (NOT o.twin OR NOT EXISTS (SELECT 1 FROM objects c WHERE c.idh = o.idh AND c.seq < o.seq" +
		" AND c.id = o.id AND c.vkey = o.vkey AND ")
	q.visible("c", vis, specs)
	q.b.WriteString(" OFFSET 0))")
}

// addedKeys returns, in microseconds, the dates added that version keys name: a version
// without a timestamp shows its date added as its version, and match[version] names it
// by the key of that date. Keys that are no whole microsecond name no date added.
func addedKeys(keys []string) []int64 {
	var out []int64
	for _, k := range keys {
		t, err := time.Parse(time.RFC3339Nano, k)
		if err != nil || t.Nanosecond()%1000 != 0 {
			continue
		}
		out = append(out, t.UnixMicro())
	}
	return nonNil(out)
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
			// OFFSET 0 keeps the planner from turning the probe into an anti-join over
			// the whole table: it stays a lookup by id hash for each row the walk keeps,
			// which is what a page of a thousand out of millions needs.
			fmt.Fprintf(&q.b, "NOT EXISTS (SELECT 1 FROM objects n WHERE n.idh = o.idh AND n.seq <> o.seq"+
				" AND n.id = o.id AND n.vkey %s o.vkey AND ", cmp)
			if eachCopy {
				// provider + 0 keeps the provider index out of the probe, which must stay
				// a lookup by id hash whatever the statistics say.
				q.b.WriteString("n.provider + 0 = o.provider AND ")
			}
			q.visible("n", vis, specs)
			q.b.WriteString(" OFFSET 0)")
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
			fmt.Fprintf(&q.b, "o.vkey = ANY(%s::text[]) OR (o.vkey = '' AND o.added = ANY(%s::bigint[]))",
				q.arg(v.At), q.arg(addedKeys(v.At)))
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
		fmt.Fprintf(&q.b, " AND o.idh = ANY(%s::bigint[]) AND o.id = ANY(%s::text[])", q.arg(hashes), q.arg(f.IDs))
	}
	switch len(f.Types) {
	case 0:
	case 1:
		// One type: objects_type yields that type's versions in the hub's order.
		fmt.Fprintf(&q.b, " AND o.type = %s", q.arg(f.Types[0]))
	default:
		fmt.Fprintf(&q.b, " AND o.type = ANY(%s::text[])", q.arg(f.Types))
	}
	q.versions(f.Versions, vis, f.SpecVersions, f.EveryCopy)
	if !f.EveryCopy {
		q.oneCopy(vis, f.SpecVersions)
	}
}

// rawColumn writes the expression that gives a version's bytes as this reader receives
// them: as submitted for its provider (and operators), else scrubbed of personal data,
// and, unless its policy lets the reader name the provider, without the provider's names.
// It is in the select list, so it is computed only for the rows a page returns: one
// primary-key probe of variants each, which finds nothing for most versions.
func (q *objectQuery) rawColumn(vis firebreak.Visibility, metadataOnly bool) {
	switch {
	case metadataOnly:
		q.b.WriteString("NULL::bytea")
		return
	case vis.All || vis.Originals:
		q.b.WriteString("o.raw")
		return
	}
	fmt.Fprintf(&q.b, "CASE WHEN o.provider = %s THEN o.raw ELSE coalesce((SELECT CASE WHEN o.policy = ANY(%s::bigint[])"+
		" THEN v.shared ELSE coalesce(v.anon, v.shared) END FROM variants v WHERE v.seq = o.seq), o.raw) END",
		q.arg(vis.Owner), q.arg(nonNil(vis.Named)))
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
		fmt.Fprintf(&q.b, "(o.added, o.seq) > (%s, %s) AND ", q.arg(pos.Added), q.arg(pos.Seq))
	}
	q.where(vis, f)
	q.b.WriteString(" ORDER BY o.added, o.seq LIMIT ")
	q.b.WriteString(q.arg(limit + 1))
	return q
}

// horizonWaitMillis bounds how long a read waits for each ingest in flight below it (one
// ingest of a thousand objects takes some tens of milliseconds). An ingest that takes
// longer, on a node that hangs say, holds readers below it until it ends.
const horizonWaitMillis = 250

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
	// Read below every ingest still in flight: a version that commits after this page
	// must come after its last position, or a client resuming from it would never see
	// it. Waiting for the ingests in flight, rather than only staying below them, lets a
	// client read what it has just written through any node; the hub's own incremental
	// readers (NoWait) stay below them.
	wait := horizonWaitMillis
	if f.NoWait {
		wait = 0
	}
	var horizon int64
	if err := s.pool.QueryRow(ctx, `SELECT ingest_horizon($1)`, wait).Scan(&horizon); err != nil {
		return page, mapErr(err, "cannot read objects")
	}
	q := pageQuery(vis, f, limit)
	rows, err := s.pool.Query(ctx, q.b.String(), q.args...)
	if err != nil {
		return page, mapErr(err, "cannot read objects")
	}
	defer rows.Close()
	objs := make([]firebreak.Object, 0, min(limit+1, 1024))
	for rows.Next() {
		var o firebreak.Object
		var added, expires int64
		var raw []byte
		if err := rows.Scan(&o.Seq, &added, &o.ID, &o.Type, &o.SpecVersion, &o.Version, &o.Provider, &o.Policy,
			&expires, &raw); err != nil {
			return page, mapErr(err, "cannot read objects")
		}
		o.Added = time.UnixMicro(added).UTC()
		o.Expires = firebreak.ExpiryFromMicros(expires)
		if raw != nil {
			o.Raw = raw
		}
		if o.Seq >= horizon {
			// Every version from the horizon on comes after every one below it in the
			// hub's order (its reservation came later, with a later date added), so the
			// page ends here, with nothing more for now. The query does not say it: a
			// condition on seq changes the planner's estimates enough to give up the
			// walk in order, and the first/last probe rightly looks at every version.
			break
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
	// The versions go, and what hangs off them: their variants and review entries.
	q.b.WriteString("WITH gone AS (DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects o WHERE o.idh = ")
	q.b.WriteString(q.arg(idHash(id)))
	q.b.WriteString(" AND o.id = ")
	q.b.WriteString(q.arg(id))
	q.b.WriteString(" AND ")
	q.visible("o", vis, specVersions)
	q.versions(versions, vis, specVersions, false)
	q.b.WriteString(") RETURNING seq, policy), v AS (DELETE FROM variants WHERE seq IN (SELECT seq FROM gone))," +
		" r AS (DELETE FROM review WHERE seq IN (SELECT seq FROM gone))" +
		" SELECT count(*), coalesce(array_agg(DISTINCT policy ORDER BY policy), '{}') FROM gone")
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	defer tx.Rollback(ctx)
	var n int64
	var policies []int64
	if err := tx.QueryRow(ctx, q.b.String(), q.args...).Scan(&n, &policies); err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	if n == 0 {
		return 0, nil // nothing happened, nothing to record
	}
	if _, err := appendAudit(ctx, tx, audit); err != nil {
		return 0, err
	}
	// Peers that received the versions must remove them too. Last, as its lock must be
	// (see recordWithdrawals).
	w := firebreak.Withdrawal{Added: s.clock.Now(), Provider: provider, ID: id, Policies: policies, Deleted: true}
	if err := recordWithdrawals(ctx, tx, []firebreak.Withdrawal{w}); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, mapErr(err, "cannot delete the object")
	}
	return int(n), nil
}

// Policies returns the stored policies with an id above afterID, ascending.
func (s *Store) Policies(ctx context.Context, afterID int64) ([]firebreak.PolicyRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, provider, doc FROM policies WHERE id > $1 ORDER BY id`, afterID)
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
	_, err = s.pool.Exec(ctx, `INSERT INTO statuses (id, owner, body) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, body = excluded.body`, st.ID, st.Owner, body)
	return mapErr(err, "cannot store the status")
}

// Status reads a submission's status back (ENOTFOUND).
func (s *Store) Status(ctx context.Context, id string) (firebreak.Status, error) {
	var body []byte
	if err := s.pool.QueryRow(ctx, `SELECT body FROM statuses WHERE id = $1`, id).Scan(&body); err != nil {
		return firebreak.Status{}, mapRead(err, "status not found", "cannot read the status")
	}
	var st firebreak.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return firebreak.Status{}, firebreak.Wrap(firebreak.EINTERNAL, err, "cannot read the status")
	}
	st.RequestTimestamp = st.RequestTimestamp.UTC()
	return st, nil
}
