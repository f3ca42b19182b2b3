package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// RunAudit runs the audit-log part of the suite.
func RunAudit(t *testing.T, o Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*fixture)
	}{
		{"AuditChain", testAuditChain},
		{"AuditConcurrentAppends", testAuditConcurrentAppends},
		{"AuditCheckpoints", testAuditCheckpoints},
		{"AuditDurability", testAuditDurability},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

// checkChain reads the whole log in pages of limit and checks that it is one unbroken
// chain of n entries.
func checkChain(f *fixture, n int, limit int) []firebreak.AuditEntry {
	f.Helper()
	var all []firebreak.AuditEntry
	var after int64
	for {
		page, err := f.s.AuditEntries(f.ctx, after, limit)
		if err != nil {
			f.Fatalf("AuditEntries: %v", err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > limit {
			f.Fatalf("AuditEntries returned %d entries for limit %d", len(page), limit)
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != n {
		f.Fatalf("log has %d entries, want %d", len(all), n)
	}
	prev := make([]byte, 32)
	for i, e := range all {
		if e.Seq != int64(i+1) {
			f.Fatalf("entry %d has seq %d", i+1, e.Seq)
		}
		if !bytes.Equal(e.Prev, prev) || !bytes.Equal(e.Hash, firebreak.AuditHash(e.Seq, e.Prev, e.Body)) {
			f.Fatalf("entry %d does not chain", e.Seq)
		}
		prev = e.Hash
	}
	return all
}

func testAuditChain(f *fixture) {
	head, err := f.s.AuditHead(f.ctx)
	if err != nil || head.Seq != 0 {
		f.Fatalf("AuditHead of an empty log = %+v, %v", head, err)
	}
	got, err := f.s.AppendAudit(f.ctx, []byte(`{"n":1}`), []byte(`{"n":2}`))
	if err != nil || len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
		f.Fatalf("AppendAudit = %+v, %v", got, err)
	}
	for i := 3; i <= 25; i++ {
		if _, err := f.s.AppendAudit(f.ctx, []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			f.Fatal(err)
		}
	}
	all := checkChain(f, 25, 7)
	if string(all[9].Body) != `{"n":10}` {
		f.Errorf("entry 10 body = %s", all[9].Body)
	}
	head, err = f.s.AuditHead(f.ctx)
	if err != nil || head.Seq != 25 || !bytes.Equal(head.Hash, all[24].Hash) {
		f.Errorf("AuditHead = %d, %v", head.Seq, err)
	}
}

func testAuditConcurrentAppends(f *fixture) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if _, err := f.s.AppendAudit(f.ctx, []byte(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.Fatalf("concurrent AppendAudit: %v", err)
	}
	checkChain(f, 200, 1000)
}

func testAuditCheckpoints(f *fixture) {
	got, err := f.s.AppendAudit(f.ctx, []byte(`{}`), []byte(`{}`), []byte(`{}`))
	if err != nil {
		f.Fatal(err)
	}
	t1 := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)
	cps := []firebreak.AuditCheckpoint{
		{Seq: 2, Hash: got[1].Hash, Time: t1, KeyID: "k1", Signature: []byte{1, 2, 3}},
		{Seq: 3, Hash: got[2].Hash, Time: t1.Add(time.Second), KeyID: "k1", Signature: []byte{4, 5}},
	}
	for _, c := range []firebreak.AuditCheckpoint{cps[1], cps[0]} {
		if err := f.s.PutAuditCheckpoint(f.ctx, c); err != nil {
			f.Fatal(err)
		}
	}
	back, err := f.s.AuditCheckpoints(f.ctx)
	if err != nil || len(back) != 2 {
		f.Fatalf("AuditCheckpoints = %+v, %v", back, err)
	}
	for i := range cps {
		b, w := back[i], cps[i]
		if b.Seq != w.Seq || !bytes.Equal(b.Hash, w.Hash) || !b.Time.Equal(w.Time) || b.KeyID != w.KeyID || !bytes.Equal(b.Signature, w.Signature) {
			f.Errorf("checkpoint %d = %+v, want %+v", i, b, w)
		}
	}
}

func testAuditDurability(f *fixture) {
	if _, err := f.s.AppendAudit(f.ctx, []byte(`{"a":1}`), []byte(`{"a":2}`)); err != nil {
		f.Fatal(err)
	}
	f.reopen()
	if _, err := f.s.AppendAudit(f.ctx, []byte(`{"a":3}`)); err != nil {
		f.Fatal(err)
	}
	checkChain(f, 3, 10)
}

// RunAuditedWrites checks that writes and their audit entries commit together.
func RunAuditedWrites(t *testing.T, o Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*fixture)
	}{
		{"IngestAudited", testIngestAudited},
		{"DeleteAudited", testDeleteAudited},
		{"ApplyAudited", testApplyAudited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

func (f *fixture) auditLen() int64 {
	f.Helper()
	h, err := f.s.AuditHead(f.ctx)
	if err != nil {
		f.Fatal(err)
	}
	return h.Seq
}

func testIngestAudited(f *fixture) {
	p := f.orgs("p")[0]
	id := "indicator--00000000-0000-4000-8000-0000000000a1"
	if _, err := f.s.Ingest(f.ctx, p, []firebreak.IngestItem{Item(id, ts(1), "2.1", `{"a":1}`)}, []byte(`{"action":"object.submit"}`)); err != nil {
		f.Fatal(err)
	}
	if n := f.auditLen(); n != 1 {
		f.Errorf("audit has %d entries after an audited ingest, want 1", n)
	}
	// An audit entry that cannot be written fails the ingest and leaves no trace.
	id2 := "indicator--00000000-0000-4000-8000-0000000000a2"
	if _, err := f.s.Ingest(f.ctx, p, []firebreak.IngestItem{Item(id2, ts(1), "2.1", `{"a":1}`)}, nil); err == nil {
		f.Fatalf("Ingest with an unwritable audit entry succeeded")
	}
	page, err := f.s.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{id2}})
	if err != nil || len(page.Objects) != 0 {
		f.Errorf("the failed ingest left %d objects behind (%v)", len(page.Objects), err)
	}
	pols, _ := f.s.Policies(f.ctx, 0)
	if len(pols) != 1 {
		f.Errorf("the failed ingest left %d policies, want the 1 from before", len(pols))
	}
	if n := f.auditLen(); n != 1 {
		f.Errorf("audit has %d entries after the failed ingest, want 1", n)
	}
}

func testDeleteAudited(f *fixture) {
	p := f.orgs("p")[0]
	id := "indicator--00000000-0000-4000-8000-0000000000b1"
	f.ingest(p, Item(id, ts(1), "2.1", `{"a":1}`))
	if n, err := f.s.Delete(f.ctx, p, id, firebreak.VersionFilter{}, nil, nil); err == nil {
		f.Fatalf("Delete with an unwritable audit entry removed %d versions", n)
	}
	page, _ := f.s.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{id}})
	if len(page.Objects) != 1 {
		f.Fatalf("the failed delete removed the object")
	}
	if n, err := f.s.Delete(f.ctx, p, id, firebreak.VersionFilter{}, nil, []byte(`{"action":"object.delete"}`)); err != nil || n != 1 {
		f.Fatalf("Delete = %d, %v", n, err)
	}
	if n := f.auditLen(); n != 1 {
		f.Errorf("audit has %d entries after a delete, want 1", n)
	}
	if n, err := f.s.Delete(f.ctx, p, id, firebreak.VersionFilter{}, nil, []byte(`{"action":"object.delete"}`)); err != nil || n != 0 {
		f.Fatalf("second Delete = %d, %v", n, err)
	}
	if n := f.auditLen(); n != 1 {
		f.Errorf("a delete that removed nothing was recorded")
	}
}

func testApplyAudited(f *fixture) {
	d := firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "a", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted}}}
	if err := f.s.Apply(f.ctx, d, []byte(`{"action":"directory.apply"}`)); err != nil {
		f.Fatal(err)
	}
	if err := f.s.Apply(f.ctx, d, []byte(`{"action":"directory.apply"}`)); err != nil {
		f.Fatal(err)
	}
	if n := f.auditLen(); n != 1 {
		f.Errorf("audit has %d entries after applying one change twice, want 1", n)
	}
	d.Organizations[0].Status = firebreak.OrgSuspended
	if err := f.s.Apply(f.ctx, d, nil); err == nil {
		f.Fatalf("Apply with an unwritable audit entry succeeded")
	}
	o, _ := f.s.OrganizationByName(f.ctx, "a")
	if o.Status != firebreak.OrgVetted {
		f.Errorf("the failed apply changed the status to %s", o.Status)
	}
}
