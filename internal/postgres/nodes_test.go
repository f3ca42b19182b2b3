package postgres

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/storetest"
)

// The tests in this file run several nodes (stores with their own pools) on one schema,
// as several `firebreak serve` processes on one database would, and check what the
// suite cannot see with one store: that the nodes behave as one hub.

// twoNodes opens two nodes on a fresh schema, with one clock, and declares providers.
func twoNodes(t *testing.T, providers ...string) (a, b *Store, orgs []int64, clock *storetest.Clock) {
	t.Helper()
	schema := freshSchema(t)
	clock = storetest.NewClock(storetest.Epoch)
	a, b = openSchema(t, schema, clock), openSchema(t, schema, clock)
	var d firebreak.Directory
	for _, n := range providers {
		d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{Name: n, Country: "US",
			Type: firebreak.TypePrivate, Status: firebreak.OrgVetted})
	}
	if err := a.Apply(t.Context(), d); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, n := range providers {
		o, err := b.OrganizationByName(t.Context(), n)
		if err != nil {
			t.Fatalf("node B does not see organization %s declared through node A: %v", n, err)
		}
		orgs = append(orgs, o.ID)
	}
	return a, b, orgs, clock
}

func id(typ string, n int) string { return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n) }

func ts(n int) string {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second).Format("2006-01-02T15:04:05.000Z")
}

var everything = firebreak.Visibility{All: true}

// TestNodesReadEachOthersWrites writes through node A and reads through node B at once.
func TestNodesReadEachOthersWrites(t *testing.T) {
	a, b, orgs, _ := twoNodes(t, "p")
	ctx := t.Context()
	e0, _ := b.Epoch(ctx)
	if err := a.Apply(ctx, firebreak.Directory{Circles: []firebreak.DeclaredCircle{{Name: "c", Members: []string{"p"}}}}); err != nil {
		t.Fatal(err)
	}
	if e, err := b.Epoch(ctx); err != nil || e <= e0 {
		t.Errorf("node B's epoch after a change through node A = %d, %v; want above %d", e, err, e0)
	}
	if cs, err := b.Circles(ctx); err != nil || len(cs) != 1 {
		t.Errorf("node B's circles = %+v, %v; want the one declared through A", cs, err)
	}
	res, err := a.Ingest(ctx, orgs[0], []firebreak.IngestItem{storetest.Item(id("indicator", 1), ts(1), "2.1", "p")})
	if err != nil {
		t.Fatal(err)
	}
	page, err := b.Objects(ctx, everything, firebreak.ObjectFilter{})
	if err != nil || len(page.Objects) != 1 || page.Objects[0].Seq != res[0].Object.Seq {
		t.Errorf("node B's page after an ingest through A = %+v, %v", page.Objects, err)
	}
	// A cursor issued by one node works on the other.
	page, err = b.Objects(ctx, everything, firebreak.ObjectFilter{After: firebreak.CursorOf(res[0].Object)})
	if err != nil || len(page.Objects) != 0 {
		t.Errorf("node B after node A's cursor: %+v, %v; want nothing", page.Objects, err)
	}
	if err := a.PutStatus(ctx, firebreak.Status{ID: "s1", Owner: orgs[0], State: "complete", Total: 1}); err != nil {
		t.Fatal(err)
	}
	if st, err := b.Status(ctx, "s1"); err != nil || st.Total != 1 {
		t.Errorf("node B's status s1 = %+v, %v", st, err)
	}
	pa, _ := a.Policies(ctx, 0)
	pb, err := b.Policies(ctx, 0)
	if err != nil || len(pb) != 1 || len(pa) != 1 || pa[0].ID != pb[0].ID {
		t.Errorf("policies: node A %+v, node B %+v (%v)", pa, pb, err)
	}
	ha, _ := a.Hub(ctx)
	hb, _ := b.Hub(ctx)
	if ha.UUID != hb.UUID || !bytes.Equal(ha.Secret, hb.Secret) {
		t.Errorf("the nodes see different hubs: %s and %s", ha.UUID, hb.UUID)
	}
}

// TestNodesConcurrentVersions ingests new versions of the same objects through both
// nodes at once, and the same versions through both: every version is stored once, with
// one seq, and the hub's order stays strict.
func TestNodesConcurrentVersions(t *testing.T) {
	a, b, orgs, clock := twoNodes(t, "p")
	ctx := t.Context()
	const objects, rounds = 40, 10
	type got struct {
		res []firebreak.IngestResult
		err error
	}
	out := make(chan got, 4*rounds)
	var wg sync.WaitGroup
	for n, node := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				var items []firebreak.IngestItem
				for i := range objects {
					// Nodes 0 and 1 write distinct versions; 2 and 3 write the same ones,
					// so that both commit the same (id, version) at once.
					v := 1000 + r*2 + n%2
					if n >= 2 {
						v = 5000 + r
					}
					items = append(items, storetest.Item(id("indicator", i), ts(v), "2.1", "p"))
				}
				clock.Advance(time.Microsecond)
				res, err := node.Ingest(ctx, orgs[0], items)
				out <- got{res, err}
			}
		}()
	}
	wg.Wait()
	close(out)
	stored := map[string]int{}
	for g := range out {
		if g.err != nil {
			t.Fatalf("concurrent Ingest: %v", g.err)
		}
		for _, r := range g.res {
			if r.Outcome == firebreak.Stored {
				stored[r.Object.ID+"@"+r.Object.Version]++
			}
		}
	}
	want := objects * (2*rounds + rounds)
	if len(stored) != want {
		t.Errorf("%d distinct versions stored, want %d", len(stored), want)
	}
	for k, n := range stored {
		if n != 1 {
			t.Errorf("version %s reported stored %d times", k, n)
		}
	}
	all := pageAll(t, b, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}, Limit: 97})
	if len(all) != want {
		t.Errorf("node B pages %d versions, want %d", len(all), want)
	}
	seen := map[string]bool{}
	for _, o := range all {
		k := o.ID + "@" + o.Version
		if seen[k] {
			t.Errorf("version %s held twice", k)
		}
		seen[k] = true
	}
	// The last version of each object is the same through both nodes.
	la := pageAll(t, a, firebreak.ObjectFilter{Limit: 7})
	lb := pageAll(t, b, firebreak.ObjectFilter{Limit: 1000})
	if len(la) != objects || !slices.EqualFunc(la, lb, func(x, y firebreak.Object) bool { return x.Seq == y.Seq }) {
		t.Errorf("last versions differ between nodes: %d and %d", len(la), len(lb))
	}
}

// pageAll pages through everything f selects and checks the order is strict.
func pageAll(t *testing.T, s *Store, f firebreak.ObjectFilter) []firebreak.Object {
	t.Helper()
	var out []firebreak.Object
	var last firebreak.Cursor
	for {
		p, err := s.Objects(t.Context(), everything, f)
		if err != nil {
			t.Fatalf("Objects: %v", err)
		}
		for _, o := range p.Objects {
			c := firebreak.CursorOf(o)
			if c.Added < last.Added || c.Added == last.Added && c.Seq <= last.Seq {
				t.Fatalf("position %+v does not follow %+v", c, last)
			}
			last = c
		}
		out = append(out, p.Objects...)
		if !p.More {
			return out
		}
		f.After = p.Next
	}
}

// TestNodesAuditChain appends to the audit log through both nodes at once, directly and
// with ingests: the log stays one chain.
func TestNodesAuditChain(t *testing.T) {
	a, b, orgs, _ := twoNodes(t, "p")
	ctx := t.Context()
	const per = 30
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for n, node := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				var err error
				if n < 2 {
					_, err = node.AppendAudit(ctx, []byte(fmt.Sprintf(`{"n":%d,"i":%d}`, n, i)), []byte(`{"second":true}`))
				} else {
					_, err = node.Ingest(ctx, orgs[0], []firebreak.IngestItem{storetest.Item(id("tool", n*1000+i), ts(1), "2.1", "p")},
						[]byte(fmt.Sprintf(`{"ingest":%d}`, i)))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	entries, err := b.AuditEntries(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2*per*2 + 2*per; len(entries) != want {
		t.Fatalf("audit log has %d entries, want %d", len(entries), want)
	}
	prev := make([]byte, 32)
	for i, e := range entries {
		if e.Seq != int64(i+1) || !bytes.Equal(e.Prev, prev) || !bytes.Equal(e.Hash, firebreak.AuditHash(e.Seq, e.Prev, e.Body)) {
			t.Fatalf("entry %d (seq %d) does not chain", i+1, e.Seq)
		}
		prev = e.Hash
	}
	head, err := a.AuditHead(ctx)
	if err != nil || head.Seq != int64(len(entries)) || !bytes.Equal(head.Hash, prev) {
		t.Errorf("node A's head = %d, %v; want the last entry", head.Seq, err)
	}
}

// TestNodesPagingWhileIngesting pages through node B while both nodes ingest, with new
// policies now and then, and loads policies incrementally as the guard does: no version
// is skipped or repeated, however the commits interleave with the reads, and no policy
// is missed.
func TestNodesPagingWhileIngesting(t *testing.T) {
	a, b, orgs, clock := twoNodes(t, "p", "q")
	ctx := t.Context()
	const batches = 60
	var mu sync.Mutex
	var storedSeqs []int64
	done := make(chan error, 2)
	for w, node := range []*Store{a, b} {
		go func() {
			for n := range batches {
				var items []firebreak.IngestItem
				for i := range 25 {
					// A new policy document every few batches.
					items = append(items, storetest.Item(id("indicator", (w*batches+n)*100+i), ts(1), "2.1", fmt.Sprintf("doc-%d-%d", w, n/5)))
				}
				clock.Advance(time.Microsecond)
				res, err := node.Ingest(ctx, orgs[w], items)
				if err != nil {
					done <- err
					return
				}
				mu.Lock()
				for _, r := range res {
					storedSeqs = append(storedSeqs, r.Object.Seq)
				}
				mu.Unlock()
			}
			done <- nil
		}()
	}
	seen := map[int64]int{}
	var last firebreak.Cursor
	var policies []firebreak.PolicyRecord
	var lastPolicy int64
	f := firebreak.ObjectFilter{Limit: 13, MetadataOnly: true}
	writers := 2
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Ingest through node A: %v", err)
			}
			writers--
		default:
		}
		ps, err := b.Policies(ctx, lastPolicy)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.ID <= lastPolicy {
				t.Fatalf("Policies(%d) returned %d", lastPolicy, p.ID)
			}
			lastPolicy = p.ID
		}
		policies = append(policies, ps...)
		p, err := b.Objects(ctx, everything, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			seen[o.Seq]++
			if c := firebreak.CursorOf(o); c.Added < last.Added || c.Added == last.Added && c.Seq <= last.Seq {
				t.Fatalf("position %+v does not follow %+v", c, last)
			} else {
				last = c
			}
		}
		if len(p.Objects) > 0 {
			f.After = p.Next
		}
		if writers == 0 && !p.More {
			break
		}
	}
	if len(storedSeqs) != 2*batches*25 {
		t.Fatalf("stored %d, want %d", len(storedSeqs), 2*batches*25)
	}
	for _, s := range storedSeqs {
		if seen[s] != 1 {
			t.Errorf("seq %d seen %d times through node B, want once", s, seen[s])
		}
	}
	all, err := a.Policies(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(policies) != len(all) {
		t.Errorf("incremental Policies through node B found %d policies, want all %d", len(policies), len(all))
	}
}

// TestNodesReadBelowIngestsInFlight holds an ingest open on node A, between its
// reservation and its commit, while node B stores a later batch and a reader pages
// through node B. The reader must not pass node A's versions: it stops below them while
// they are in flight, and finds every version, once, when it resumes after the commit.
// (Without the horizon, the reader's cursor passes node B's batch, and node A's versions,
// committed later with smaller positions, are never read.)
func TestNodesReadBelowIngestsInFlight(t *testing.T) {
	a, b, orgs, clock := twoNodes(t, "p", "q")
	ctx := t.Context()
	batch := func(from int) []firebreak.IngestItem {
		var items []firebreak.IngestItem
		for i := range 5 {
			items = append(items, storetest.Item(id("indicator", from+i), ts(1), "2.1", "doc"))
		}
		return items
	}
	if _, err := b.Ingest(ctx, orgs[1], batch(0)); err != nil { // before anything is in flight
		t.Fatal(err)
	}

	tx, err := a.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	clock.Advance(time.Microsecond)
	early, _, err := a.ingest(ctx, tx, orgs[0], batch(100))
	if err != nil {
		t.Fatalf("ingest in flight: %v", err)
	}
	clock.Advance(time.Microsecond)
	late, err := b.Ingest(ctx, orgs[1], batch(200))
	if err != nil {
		t.Fatalf("Ingest through node B: %v", err)
	}
	if early[0].Object.Seq >= late[0].Object.Seq {
		t.Fatalf("the ingest in flight has seq %d, the later one %d: want it earlier", early[0].Object.Seq, late[0].Object.Seq)
	}

	// The reader waits for the ingest in flight, which does not end, and stays below it.
	f := firebreak.ObjectFilter{Limit: 3, MetadataOnly: true}
	seen := map[int64]int{}
	readOn(t, b, &f, seen)
	if len(seen) != 5 {
		t.Errorf("while node A's ingest is in flight, the reader sees %d versions, want the 5 stored before it", len(seen))
	}
	// A reader that does not wait stays below it as well.
	if p, err := b.Objects(ctx, everything, firebreak.ObjectFilter{NoWait: true, MetadataOnly: true}); err != nil || len(p.Objects) != 5 || p.More {
		t.Errorf("without waiting, while node A's ingest is in flight: %d versions (more %v), %v; want the 5 stored before it",
			len(p.Objects), p.More, err)
	}
	for _, r := range late {
		if seen[r.Object.Seq] > 0 {
			t.Errorf("the reader passed seq %d, after the ingest in flight", r.Object.Seq)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	readOn(t, b, &f, seen)
	for _, r := range append(early, late...) {
		if seen[r.Object.Seq] != 1 {
			t.Errorf("seq %d read %d times, want once", r.Object.Seq, seen[r.Object.Seq])
		}
	}
	if len(seen) != 15 {
		t.Errorf("the reader read %d versions in all, want 15", len(seen))
	}
}

// readOn pages through s from f.After to the end, counting each seq read in seen, and
// leaves f.After where it stopped.
func readOn(t *testing.T, s *Store, f *firebreak.ObjectFilter, seen map[int64]int) {
	t.Helper()
	for {
		p, err := s.Objects(t.Context(), everything, *f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			seen[o.Seq]++
		}
		f.After = p.Next
		if !p.More {
			return
		}
	}
}

// TestNodesCopies stores the same new versions of the same ids through both nodes at
// once for two providers: each provider holds its own copy of every version (ingests of
// one id take turns across providers, so the second marks both copies as twins), and an
// operator reads one copy of each version, the one stored first.
func TestNodesCopies(t *testing.T) {
	a, b, orgs, _ := twoNodes(t, "p", "q")
	ctx := t.Context()
	const ids = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for n, node := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var items []firebreak.IngestItem
			for i := range ids {
				// Opposite orders, so that id locks taken out of order would deadlock.
				k := i
				if n == 1 {
					k = ids - 1 - i
				}
				items = append(items, storetest.Item(id("indicator", k), ts(1), "2.1", "doc"))
			}
			res, err := node.Ingest(ctx, orgs[n], items)
			for _, r := range res {
				if r.Outcome != firebreak.Stored {
					err = fmt.Errorf("provider %d: %s %q, want stored", n, r.Object.ID, r.Outcome)
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
	}
	for n, org := range orgs {
		own, err := a.Objects(ctx, firebreak.Visibility{All: true, Provider: org}, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}})
		if err != nil || len(own.Objects) != ids {
			t.Errorf("provider %d holds %d versions (%v), want %d", n, len(own.Objects), err, ids)
		}
	}
	all := pageAll(t, b, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}})
	if len(all) != ids {
		t.Errorf("an operator reads %d versions, want %d: one copy of each", len(all), ids)
	}
	var twins int
	if err := a.pool.QueryRow(ctx, `SELECT count(*) FROM objects WHERE twin`).Scan(&twins); err != nil || twins != 2*ids {
		t.Errorf("%d versions marked twin (%v), want every copy, %d", twins, err, 2*ids)
	}
}

// TestNodesPeerLocks: one sync of a peer at a time across the nodes, and on one node;
// a lock is free again once released, or once its node closes.
func TestNodesPeerLocks(t *testing.T) {
	a, b, _, _ := twoNodes(t)
	ctx := t.Context()
	unlock, ok, err := a.TryLockPeer(ctx, "hub-x")
	if err != nil || !ok {
		t.Fatalf("node A locks hub-x: %v, %v", ok, err)
	}
	if _, ok, err := b.TryLockPeer(ctx, "hub-x"); err != nil || ok {
		t.Errorf("node B locks hub-x while node A holds it: %v, %v; want refused", ok, err)
	}
	if _, ok, err := a.TryLockPeer(ctx, "hub-x"); err != nil || ok {
		t.Errorf("node A locks hub-x again: %v, %v; want refused", ok, err)
	}
	unlockY, ok, err := b.TryLockPeer(ctx, "hub-y")
	if err != nil || !ok {
		t.Fatalf("node B locks another peer: %v, %v", ok, err)
	}
	unlock()
	unlock() // twice is once
	unlockX, ok, err := b.TryLockPeer(ctx, "hub-x")
	if err != nil || !ok {
		t.Fatalf("node B locks hub-x once node A let it go: %v, %v", ok, err)
	}
	unlockX()
	unlockY()
	// A node that goes away lets its locks go.
	if _, ok, err := b.TryLockPeer(ctx, "hub-z"); err != nil || !ok {
		t.Fatalf("node B locks hub-z: %v, %v", ok, err)
	}
	b.Close()
	// The server lets the locks go as the closed session's backend ends: poll.
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, ok, err := a.TryLockPeer(ctx, "hub-z")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node A cannot lock hub-z after node B closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReserveLetsGoWhenCanceled cancels a reservation while it holds its short lock: the
// lock must be free afterwards, or every node's ingests would wait for it for as long as
// the pooled connection lives.
func TestReserveLetsGoWhenCanceled(t *testing.T) {
	s := openTest(t, nil)
	ctx := t.Context()
	// Another session holds the in-flight lock the next reservation takes, so the
	// reservation waits there, inside its short lock, until its statement times out.
	blocker, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Release()
	defer blocker.Exec(context.Background(), `SELECT pg_advisory_unlock_all()`)
	var space, next int64
	if err := blocker.QueryRow(ctx, `SELECT ingest_lock_space(),
		greatest((SELECT last_value FROM ingest_seq), (SELECT last_seq FROM ingest_state)) + 1`).Scan(&space, &next); err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, `SELECT pg_advisory_lock($1::bigint << 40 | $2::bigint)`, space, next); err != nil {
		t.Fatal(err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = '200ms'`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.reserve(ctx, tx, 1); err == nil {
		t.Fatal("the reservation went through while its in-flight lock was held elsewhere")
	}
	tx.Rollback(ctx)
	var free bool
	if err := blocker.QueryRow(ctx, `SELECT pg_try_advisory_lock($1::int, 1)`, space).Scan(&free); err != nil {
		t.Fatal(err)
	}
	if !free {
		t.Error("the reservation's short lock is still held after it was canceled")
	}
}

// TestNodesWithdrawalsInOrder records withdrawals through both nodes at once (new
// versions under another policy, and deletes) while a reader on node B pages through
// them after the last seq it has seen, as a peer does: every withdrawal is recorded once,
// with its own seq, and the reader sees each of them, in order, none skipped.
func TestNodesWithdrawalsInOrder(t *testing.T) {
	a, b, orgs, clock := twoNodes(t, "p", "q", "r", "s")
	ctx := t.Context()
	const rounds = 15
	errs := make(chan error, len(orgs))
	var wg sync.WaitGroup
	for n, node := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				x := id("indicator", n*1000+r)
				clock.Advance(time.Microsecond)
				if _, err := node.Ingest(ctx, orgs[n], []firebreak.IngestItem{storetest.Item(x, ts(1), "2.1", "green")}); err != nil {
					errs <- err
					return
				}
				if _, err := node.Ingest(ctx, orgs[n], []firebreak.IngestItem{storetest.Item(x, ts(2), "2.1", "red")}); err != nil {
					errs <- err
					return
				}
				if _, err := node.Delete(ctx, orgs[n], x, firebreak.VersionFilter{}, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []firebreak.Withdrawal
	var after int64
	read := func() {
		ws, err := b.Withdrawals(ctx, after, 3)
		if err != nil {
			t.Fatalf("Withdrawals: %v", err)
		}
		for _, w := range ws {
			if w.Seq <= after {
				t.Fatalf("withdrawal seq %d after %d", w.Seq, after)
			}
			after = w.Seq
		}
		seen = append(seen, ws...)
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
		}
	}
	close(errs)
	for err := range errs {
		t.Fatalf("a writer failed: %v", err)
	}
	for n := -1; n != len(seen); {
		n = len(seen)
		read()
	}
	all, err := a.Withdrawals(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(orgs)*rounds*2 {
		t.Errorf("%d withdrawals recorded, want %d", len(all), len(orgs)*rounds*2)
	}
	if !slices.EqualFunc(seen, all, func(x, y firebreak.Withdrawal) bool { return x.Seq == y.Seq && x.ID == y.ID }) {
		t.Errorf("the reader saw %d withdrawals of the %d recorded: it skipped some", len(seen), len(all))
	}
}
