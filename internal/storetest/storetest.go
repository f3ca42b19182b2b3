// Package storetest is the conformance suite for firebreak.Store: every store (the
// embedded SQLite one, PostgreSQL) runs the same tests, so that the contract written in
// the root package's method docs is what each of them does, not what one of them happens
// to do.
//
// A store's own test calls Run with an Opener:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Opener{
//			Open: func(t *testing.T, clock firebreak.Clock) firebreak.Store { ... },
//			Reopen: func(t *testing.T, s firebreak.Store, clock firebreak.Clock) firebreak.Store { ... },
//		})
//	}
//
// The suite tests behaviour through the interface only; it never looks at tables.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// Opener makes the stores the suite tests.
type Opener struct {
	// Open returns a new, empty store whose clock is clock. Each subtest opens its own,
	// and subtests run in parallel, so Open must give independent stores. The suite
	// closes the store; Open should register any other cleanup with t.Cleanup.
	Open func(t *testing.T, clock firebreak.Clock) firebreak.Store
	// Reopen closes s and opens the same database again with clock, as a restart of the
	// hub would. Nil skips the durability tests.
	Reopen func(t *testing.T, s firebreak.Store, clock firebreak.Clock) firebreak.Store
}

// Clock is a clock that tests set by hand. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until it is set or advanced.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set makes the clock read t, which may be earlier than before (clocks step back).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock by d (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Epoch is the time every fixture's clock starts at. It has a sub-microsecond part so
// that the suite checks how stores truncate to microseconds.
var Epoch = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

// Run runs the whole suite against the stores o makes.
func Run(t *testing.T, o Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*fixture)
	}{
		// directory
		{"HubBeforeApply", testHubBeforeApply},
		{"ApplyAndLookups", testApplyAndLookups},
		{"ApplyIdempotentEpoch", testApplyIdempotentEpoch},
		{"ApplyParentByName", testApplyParentByName},
		{"ApplyInvalid", testApplyInvalid},
		{"ApplyAtomic", testApplyAtomic},
		{"ApplyTokens", testApplyTokens},
		{"ApplyCircleMembership", testApplyCircleMembership},
		{"ApplyPeers", testApplyPeers},
		{"ApplyTrust", testApplyTrust},
		{"NotFound", testNotFound},
		{"ContactsAdvanceEpoch", testContactsAdvanceEpoch},
		// objects
		{"IngestOutcomes", testIngestOutcomes},
		{"IngestInBatchDuplicate", testIngestInBatchDuplicate},
		{"CopiesIngest", testCopiesIngest},
		{"CopiesDelete", testCopiesDelete},
		{"CopiesReaders", testCopiesReaders},
		{"CopiesGrant", testCopiesGrant},
		{"CopiesReview", testCopiesReview},
		{"CopiesMatrix", testCopiesMatrix},
		{"IngestDatesAndSeq", testIngestDatesAndSeq},
		{"IngestClockStepsBack", testIngestClockStepsBack},
		{"IngestEmpty", testIngestEmpty},
		{"IngestInvalid", testIngestInvalid},
		{"RawExact", testRawExact},
		{"VersionWithoutTimestamp", testVersionWithoutTimestamp},
		{"MetadataOnly", testMetadataOnly},
		{"FilterCases", testFilterCases},
		{"FilterMatrix", testFilterMatrix},
		{"FirstLastHonourVisibility", testFirstLastHonourVisibility},
		{"LastIgnoresCursorPosition", testLastIgnoresCursorPosition},
		{"Visibility", testVisibility},
		{"ExpiryRoundTrip", testExpiryRoundTrip},
		{"ExpiryHidesFromReaders", testExpiryHidesFromReaders},
		{"ExpiryFirstLast", testExpiryFirstLast},
		{"PagingOneDateAdded", testPagingOneDateAdded},
		{"PagingDefaultLimit", testPagingDefaultLimit},
		{"PagingWithConcurrentIngest", testPagingWithConcurrentIngest},
		{"Delete", testDelete},
		{"DeleteFreesID", testDeleteFreesID},
		{"Policies", testPolicies},
		{"Status", testStatus},
		{"Concurrent", testConcurrent},
		{"Durability", testDurability},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
	// The parts kept in files of their own; every store runs them all.
	t.Run("Audit", func(t *testing.T) { RunAudit(t, o) })
	t.Run("AuditedWrites", func(t *testing.T) { RunAuditedWrites(t, o) })
	t.Run("Disclosure", func(t *testing.T) { RunDisclosure(t, o) })
	t.Run("Anonymity", func(t *testing.T) { RunAnonymity(t, o) })
	t.Run("Federation", func(t *testing.T) { RunFederation(t, o) })
	t.Run("Backup", func(t *testing.T) { RunBackup(t, o) })
	t.Run("Withdrawals", func(t *testing.T) { RunWithdrawals(t, o) })
}

// fixture is one subtest's store, clock and helpers.
type fixture struct {
	*testing.T
	ctx   context.Context
	o     Opener
	clock *Clock
	s     firebreak.Store
}

func newFixture(t *testing.T, o Opener) *fixture {
	f := &fixture{T: t, ctx: t.Context(), o: o, clock: NewClock(Epoch)}
	f.s = o.Open(t, f.clock)
	t.Cleanup(func() {
		if err := f.s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// reopen restarts the store, or skips the test when the store cannot be reopened.
func (f *fixture) reopen() {
	f.Helper()
	if f.o.Reopen == nil {
		f.Skip("the opener has no Reopen")
	}
	f.s = f.o.Reopen(f.T, f.s, f.clock)
}

// apply applies d and fails the test on error.
func (f *fixture) apply(d firebreak.Directory) {
	f.Helper()
	if err := f.s.Apply(f.ctx, d); err != nil {
		f.Fatalf("Apply: %v", err)
	}
}

// orgs declares vetted organisations with the given names and returns their ids.
func (f *fixture) orgs(names ...string) []int64 {
	f.Helper()
	var d firebreak.Directory
	for _, n := range names {
		d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{
			Name: n, Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted})
	}
	f.apply(d)
	ids := make([]int64, len(names))
	for i, n := range names {
		o, err := f.s.OrganizationByName(f.ctx, n)
		if err != nil {
			f.Fatalf("OrganizationByName(%q): %v", n, err)
		}
		ids[i] = o.ID
	}
	return ids
}

func (f *fixture) epoch() int64 {
	f.Helper()
	e, err := f.s.Epoch(f.ctx)
	if err != nil {
		f.Fatalf("Epoch: %v", err)
	}
	return e
}

// ingest stores items for provider and fails the test on error.
func (f *fixture) ingest(provider int64, items ...firebreak.IngestItem) []firebreak.IngestResult {
	f.Helper()
	res, err := f.s.Ingest(f.ctx, provider, items)
	if err != nil {
		f.Fatalf("Ingest: %v", err)
	}
	if len(res) != len(items) {
		f.Fatalf("Ingest returned %d results for %d items", len(res), len(items))
	}
	return res
}

// objects runs one query and fails the test on error.
func (f *fixture) objects(vis firebreak.Visibility, flt firebreak.ObjectFilter) firebreak.Page {
	f.Helper()
	p, err := f.s.Objects(f.ctx, vis, flt)
	if err != nil {
		f.Fatalf("Objects(%+v, %+v): %v", vis, flt, err)
	}
	return p
}

// all pages through every version matching flt, checking at each page that the order
// is strict, that More and Next agree with what follows, and that paging ends.
func (f *fixture) all(vis firebreak.Visibility, flt firebreak.ObjectFilter) []firebreak.Object {
	f.Helper()
	var out []firebreak.Object
	var last firebreak.Cursor
	for pages := 0; ; pages++ {
		if pages > 100000 {
			f.Fatalf("paging did not end after %d pages", pages)
		}
		p := f.objects(vis, flt)
		if flt.Limit > 0 && len(p.Objects) > flt.Limit {
			f.Fatalf("page has %d objects, over the limit %d", len(p.Objects), flt.Limit)
		}
		for _, o := range p.Objects {
			c := firebreak.CursorOf(o)
			if !after(c, last) {
				f.Fatalf("position %+v does not follow %+v", c, last)
			}
			last = c
		}
		out = append(out, p.Objects...)
		if !p.More {
			return out
		}
		if len(p.Objects) == 0 {
			f.Fatalf("page says More but is empty")
		}
		if p.Next != last {
			f.Fatalf("Next = %+v, want the last version's position %+v", p.Next, last)
		}
		flt.After = p.Next
	}
}

// after reports whether a is strictly after b in (date added, seq) order.
func after(a, b firebreak.Cursor) bool {
	return a.Added > b.Added || a.Added == b.Added && a.Seq > b.Seq
}

// Item returns an ingest item for a STIX object with id (its type is the id's prefix),
// version as its modified timestamp ("" for none), spec version spec and the policy
// document doc. Its raw JSON is made from these, so different versions differ.
func Item(id, version, spec, doc string) firebreak.IngestItem {
	typ, _, _ := strings.Cut(id, "--")
	raw := fmt.Sprintf(`{"type":%q,"spec_version":%q,"id":%q`, typ, spec, id)
	if version != "" {
		raw += fmt.Sprintf(`,"created":"2020-01-01T00:00:00.000Z","modified":%q`, version)
	}
	raw += `}`
	return firebreak.IngestItem{
		ID: id, Type: typ, SpecVersion: spec, Version: version, VersionKey: VersionKey(version),
		PolicyDoc: []byte(doc), Raw: []byte(raw),
	}
}

// VersionKey returns the version key of an RFC 3339 timestamp: fixed width, nine fraction
// digits, UTC, so that keys sort as instants. "" stays "".
func VersionKey(version string) string {
	if version == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, version)
	if err != nil {
		panic("storetest: bad version " + version)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// ts returns a version timestamp n seconds after a fixed instant.
func ts(n int) string {
	return time.Date(2024, 1, 1, 0, 0, n, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")
}

// ident returns a deterministic STIX id of the given type.
func ident(typ string, n int) string {
	return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n)
}

// wantCode fails the test unless err has the code.
func (f *fixture) wantCode(what string, err error, code string) {
	f.Helper()
	if got := firebreak.ErrorCode(err); got != code {
		f.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// seqs returns the seqs of objs, for compact comparisons.
func seqs(objs []firebreak.Object) []int64 {
	out := make([]int64, len(objs))
	for i, o := range objs {
		out[i] = o.Seq
	}
	return out
}
