package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// RunBackup runs the backup part of the suite: a store backed up and restored into a
// fresh store of the same kind must hold exactly what the first held, and go on from there.
func RunBackup(t *testing.T, o Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*fixture)
	}{
		{"RoundTrip", testBackupRoundTrip},
		{"RefusesNonEmpty", testBackupRefusesNonEmpty},
		{"RefusesBroken", testBackupRefusesBroken},
		{"Snapshot", testBackupSnapshot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

// backupHeader is the header every backup of the suite carries, so that two backups of
// the same content are the same bytes.
var backupHeader = firebreak.BackupHeader{Created: Epoch, Store: "storetest"}

// filled is what fillForBackup stored, for the checks that follow a restore.
type filled struct {
	users    []string
	orgs     []int64
	lastSeq  int64     // the highest seq handed out (its version since deleted)
	maxAdded time.Time // the latest date added
	status   string
	peer     string
}

// fillForBackup puts something of every kind the store keeps into f's store: a directory
// with trust (a parent declared after its child, attestations, affiliations, domains, a
// user without a token), object versions with and without timestamps, expiring, with
// variants, held and released, a deleted newest version, statuses, an audit chain with a
// checkpoint, disclosure requests, contacts, an introduction and a peer's state.
func fillForBackup(f *fixture) filled {
	f.Helper()
	ctx := f.ctx
	var out filled
	d := sampleDirectory()
	d.Organizations[0].Domains = []string{"acme.example", "acme-energy.example"}
	d.Circles[0].Review = firebreak.ReviewFindings
	if err := f.s.Apply(ctx, d, []byte(`{"action":"directory.apply","n":1}`)); err != nil {
		f.Fatal(err)
	}
	// A second, different declaration: the epoch moves again, and a user has no token.
	d2 := firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "Beta Bank <&> é", Country: "ca", Type: firebreak.TypePrivate,
			Sectors: []string{"financial-services"}, Status: firebreak.OrgVetted}},
		Users:   []firebreak.DeclaredUser{{Name: "bob", Organization: "Beta Bank <&> é", Roles: []firebreak.Role{firebreak.RoleAnalyst}}},
		Circles: []firebreak.DeclaredCircle{{Name: "empty-circle"}},
	}
	if err := f.s.Apply(ctx, d2, []byte(`{"action":"directory.apply","n":2}`)); err != nil {
		f.Fatal(err)
	}
	out.users = []string{"alice", "olga", "bob"}
	orgs, err := f.s.Organizations(ctx)
	if err != nil {
		f.Fatal(err)
	}
	for _, o := range orgs {
		out.orgs = append(out.orgs, o.ID)
	}
	acme, err := f.s.OrganizationByName(ctx, "Acme Energy")
	if err != nil {
		f.Fatal(err)
	}
	beta, err := f.s.OrganizationByName(ctx, "Beta Bank <&> é")
	if err != nil {
		f.Fatal(err)
	}

	// Objects: several versions of one id, a version without a timestamp, an expiring one,
	// variants, raw bytes that are not compact JSON.
	multi := ident("indicator", 1)
	v1 := Item(multi, ts(1), "2.1", `{"tlp":"green"}`)
	v1.Raw = []byte("{\n  \"type\": \"indicator\",\t\"id\": \"" + multi + "\", \"modified\": \"" + ts(1) + "\",\n  \"name\": \"caf\u00e9 \u2028 <b>&amp;</b>\"\n}\n")
	v1.Shared, v1.Anonymous = []byte(`{"shared":"v1 <x>"}`), []byte(`{"anon":"v1"}`)
	noTS := Item(ident("identity", 2), "", "2.1", `{"tlp":"clear"}`)
	exp := expiring(time.Date(2027, 1, 2, 3, 4, 5, 678901000, time.UTC), ident("malware", 3), ts(1), "2.1", `{"tlp":"amber"}`)
	f.clock.Advance(time.Second)
	if _, err := f.s.Ingest(ctx, acme.ID, []firebreak.IngestItem{v1, noTS, exp}, []byte(`{"action":"object.submit"}`)); err != nil {
		f.Fatal(err)
	}
	f.clock.Advance(1500 * time.Microsecond)
	v2 := Item(multi, ts(2), "2.1", `{"tlp":"green"}`)
	v2.Anonymous = []byte(`{"anon":"v2 only"}`)
	held1 := Item(ident("report", 4), ts(1), "2.1", `{"held":true}`)
	held1.Held, held1.StatusID = true, "status-1"
	held2 := Item(ident("report", 5), ts(1), "2.1", `{"held":true}`)
	held2.Held, held2.StatusID = true, "status-1"
	held2.Shared = []byte(`{"held":"shared"}`)
	f.ingest(acme.ID, v2, held1, held2)
	if _, err := f.s.Release(ctx, acme.ID, held1.ID, ts(1), []byte(`{"released":true}`), []byte(`{"action":"review.release"}`)); err != nil {
		f.Fatal(err)
	}
	f.clock.Advance(time.Second)
	// Beta holds its own copy of multi: a version of its own, and a copy of Acme's first.
	f.ingest(beta.ID, Item(ident("indicator", 6), ts(3), "2.0", `{"tlp":"red"}`), Item(multi, ts(9), "2.1", `{"foreign":true}`),
		Item(multi, ts(1), "2.1", `{"copy":true}`))
	// The newest version is deleted: its seq is never handed out again, after a restore too.
	f.clock.Advance(time.Second)
	last := f.ingest(beta.ID, Item(ident("indicator", 7), ts(1), "2.1", `{"tlp":"red"}`))
	out.lastSeq, out.maxAdded = last[0].Object.Seq, last[0].Object.Added
	if n, err := f.s.Delete(ctx, beta.ID, ident("indicator", 7), firebreak.VersionFilter{}, nil, []byte(`{"action":"object.delete"}`)); err != nil || n != 1 {
		f.Fatalf("Delete = %d, %v", n, err)
	}

	out.status = "status-1"
	if err := f.s.PutStatus(ctx, firebreak.Status{ID: out.status, Owner: acme.ID, State: "pending",
		RequestTimestamp: Epoch, Total: 2, Successes: []firebreak.StatusDetail{{ID: held1.ID, Version: ts(1)}},
		Pendings: []firebreak.StatusDetail{{ID: held2.ID, Version: ts(1), Message: "held for <review>"}}}); err != nil {
		f.Fatal(err)
	}

	// The audit chain, a checkpoint, and entries after it.
	if _, err := f.s.AppendAudit(ctx, []byte(`{"action":"read.restricted","detail":"caf\u00e9"}`), []byte("{\"x\": 1,\n \"y\": \"<\"}")); err != nil {
		f.Fatal(err)
	}
	head, err := f.s.AuditHead(ctx)
	if err != nil {
		f.Fatal(err)
	}
	if err := f.s.PutAuditCheckpoint(ctx, firebreak.AuditCheckpoint{Seq: head.Seq, Hash: head.Hash,
		Time: Epoch.Add(time.Hour), KeyID: "0123456789abcdef", Signature: bytes.Repeat([]byte{7}, 64)}); err != nil {
		f.Fatal(err)
	}

	at := time.Date(2026, 5, 1, 10, 0, 0, 123456000, time.UTC)
	if err := f.s.PutDisclosure(ctx, firebreak.DisclosureRequest{ID: "req-1", Ask: "ask-1", Kind: firebreak.DisclosureObjects,
		Requester: beta.ID, RequesterUser: "bob", Provider: acme.ID, Objects: []string{exp.ID}, Purpose: "inquiry <&>",
		Created: at, Deadline: at.Add(72 * time.Hour), State: firebreak.DisclosureGranted, Decided: at.Add(time.Hour),
		Grant: &firebreak.DisclosureGrant{Objects: []string{exp.ID}, Purpose: "inquiry", Expires: at.Add(720 * time.Hour)}},
		[]byte(`{"action":"disclosure.grant"}`)); err != nil {
		f.Fatal(err)
	}
	if err := f.s.PutDisclosure(ctx, firebreak.DisclosureRequest{ID: "req-0", Kind: firebreak.DisclosureIdentity,
		Requester: acme.ID, Created: at.Add(time.Second), Deadline: at.Add(time.Hour), State: firebreak.DisclosureOpen}); err != nil {
		f.Fatal(err)
	}
	if err := f.s.PutContacts(ctx, acme.ID, []firebreak.Contact{{Name: "Jane Doe", Role: "CISO", Email: "jane@acme.example",
		Phone: "+1 555 0100"}, {Name: "Zoë Ångström"}}, []byte(`{"action":"contacts.change"}`)); err != nil {
		f.Fatal(err)
	}
	if err := f.s.PutContacts(ctx, beta.ID, nil); err != nil {
		f.Fatal(err)
	}
	if err := f.s.PutIntroduction(ctx, firebreak.Introduction{ID: "intro-1", Object: multi, Requester: beta.ID,
		RequesterUser: "bob", Provider: acme.ID, Message: "may we talk?", State: firebreak.IntroductionAccepted,
		Created: at, Decided: at.Add(time.Minute)}, []byte(`{"action":"introduction"}`)); err != nil {
		f.Fatal(err)
	}
	out.peer = "ca-hub"
	if err := f.s.PutPeerState(ctx, firebreak.PeerState{Peer: out.peer, PullNext: "next<&>", PullAddedAfter: "2026-01-01T00:00:00.123456Z",
		PullComplete: true, PushAfter: firebreak.Cursor{Added: 5, Seq: 9}, LastSuccess: Epoch, LastError: "timeout", In: 3, Out: 4},
		[]byte(`{"action":"federation.pull"}`)); err != nil {
		f.Fatal(err)
	}
	return out
}

// backup writes a backup of s and fails the test on error.
func (f *fixture) backup(s firebreak.Store) []byte {
	f.Helper()
	var b bytes.Buffer
	if err := firebreak.WriteBackup(f.ctx, s, &b, backupHeader); err != nil {
		f.Fatalf("WriteBackup: %v", err)
	}
	return b.Bytes()
}

// firstDiff describes the first line where two backups differ, "" when they are equal.
func firstDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, gl, wl)
		}
	}
	return ""
}

// fresh opens another, empty store of the kind under test, closed when the test ends.
func (f *fixture) fresh(clock firebreak.Clock) firebreak.Store {
	f.Helper()
	s := f.o.Open(f.T, clock)
	f.Cleanup(func() {
		if err := s.Close(); err != nil {
			f.Errorf("Close: %v", err)
		}
	})
	return s
}

// versionsOf pages through every version s holds, bodies included, as vis shows them.
func versionsOf(f *fixture, s firebreak.Store, vis firebreak.Visibility) []firebreak.Object {
	f.Helper()
	var out []firebreak.Object
	flt := firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}, Limit: 3}
	for {
		p, err := s.Objects(f.ctx, vis, flt)
		if err != nil {
			f.Fatalf("Objects: %v", err)
		}
		out = append(out, p.Objects...)
		if !p.More {
			return out
		}
		flt.After = p.Next
	}
}

// sameStore compares everything the two stores answer, through the interface.
func sameStore(f *fixture, want, got firebreak.Store, fl filled) {
	f.Helper()
	ctx := f.ctx
	check := func(what string, w, g any, werr, gerr error) {
		f.Helper()
		if werr != nil || gerr != nil {
			f.Fatalf("%s: errors %v / %v", what, werr, gerr)
		}
		if !reflect.DeepEqual(w, g) {
			f.Errorf("%s after restore:\n got %+v\nwant %+v", what, g, w)
		}
	}
	wh, werr := want.Hub(ctx)
	gh, gerr := got.Hub(ctx)
	check("Hub", wh, gh, werr, gerr)
	we, werr := want.Epoch(ctx)
	ge, gerr := got.Epoch(ctx)
	check("Epoch", we, ge, werr, gerr)
	wo, werr := want.Organizations(ctx)
	gorg, gerr := got.Organizations(ctx)
	check("Organizations", wo, gorg, werr, gerr)
	for _, id := range fl.orgs {
		w, werr := want.Organization(ctx, id)
		g, gerr := got.Organization(ctx, id)
		check(fmt.Sprintf("Organization(%d)", id), w, g, werr, gerr)
		wc, werr := want.Contacts(ctx, id)
		gc, gerr := got.Contacts(ctx, id)
		check(fmt.Sprintf("Contacts(%d)", id), wc, gc, werr, gerr)
	}
	for _, n := range fl.users {
		w, werr := want.UserByName(ctx, n)
		g, gerr := got.UserByName(ctx, n)
		check("UserByName("+n+")", w, g, werr, gerr)
		if len(w.TokenHash) > 0 {
			g, gerr := got.UserByTokenHash(ctx, w.TokenHash)
			check("UserByTokenHash("+n+")", w, g, nil, gerr)
		}
	}
	wc, werr := want.Circles(ctx)
	gc, gerr := got.Circles(ctx)
	check("Circles", wc, gc, werr, gerr)
	wp, werr := want.Peers(ctx)
	gp, gerr := got.Peers(ctx)
	check("Peers", wp, gp, werr, gerr)
	wpol, werr := want.Policies(ctx, 0)
	gpol, gerr := got.Policies(ctx, 0)
	check("Policies", wpol, gpol, werr, gerr)

	// Every version, as submitted and as other readers receive it (the variants).
	var named []int64
	for _, p := range wpol {
		named = append(named, p.ID)
	}
	for _, vis := range []firebreak.Visibility{{All: true}, {Except: true}, {Except: true, Named: named}} {
		w, g := versionsOf(f, want, vis), versionsOf(f, got, vis)
		if len(w) < 7 {
			f.Fatalf("the source holds only %d versions", len(w))
		}
		f.checkObjects(fmt.Sprintf("versions seen with %+v", vis), g, w)
	}
	wheld, werr := want.HeldVersions(ctx, 100)
	gheld, gerr := got.HeldVersions(ctx, 100)
	check("HeldVersions", wheld, gheld, werr, gerr)
	if len(wheld) != 1 {
		f.Errorf("the source holds %d versions for review, want 1", len(wheld))
	}
	ws, werr := want.Status(ctx, fl.status)
	gs, gerr := got.Status(ctx, fl.status)
	check("Status", ws, gs, werr, gerr)

	wa, werr := want.AuditEntries(ctx, 0, 1000)
	ga, gerr := got.AuditEntries(ctx, 0, 1000)
	check("AuditEntries", wa, ga, werr, gerr)
	wah, werr := want.AuditHead(ctx)
	gah, gerr := got.AuditHead(ctx)
	check("AuditHead", wah, gah, werr, gerr)
	wcp, werr := want.AuditCheckpoints(ctx)
	gcp, gerr := got.AuditCheckpoints(ctx)
	check("AuditCheckpoints", wcp, gcp, werr, gerr)

	wd, werr := want.Disclosures(ctx, firebreak.DisclosureFilter{})
	gd, gerr := got.Disclosures(ctx, firebreak.DisclosureFilter{})
	check("Disclosures", wd, gd, werr, gerr)
	wn, werr := want.ContactNames(ctx)
	gn, gerr := got.ContactNames(ctx)
	slices.Sort(wn)
	slices.Sort(gn)
	check("ContactNames", wn, gn, werr, gerr)
	wi, werr := want.Introductions(ctx, 0, 0)
	gi, gerr := got.Introductions(ctx, 0, 0)
	check("Introductions", wi, gi, werr, gerr)
	wps, werr := want.PeerState(ctx, fl.peer)
	gps, gerr := got.PeerState(ctx, fl.peer)
	check("PeerState", wps, gps, werr, gerr)
}

func testBackupRoundTrip(f *fixture) {
	fl := fillForBackup(f)
	b := f.backup(f.s)
	// The restored store's clock is behind every date added it restores.
	clock := NewClock(Epoch)
	dst := f.fresh(clock)
	h, err := firebreak.RestoreBackup(f.ctx, dst, bytes.NewReader(b))
	if err != nil {
		f.Fatalf("RestoreBackup: %v", err)
	}
	if h.Format != firebreak.BackupFormat || !h.Created.Equal(Epoch) {
		f.Errorf("header = %+v", h)
	}
	sameStore(f, f.s, dst, fl)
	// A backup of the restored store is the same stream, byte for byte: nothing was lost
	// or changed, including what the interface does not show.
	if d := firstDiff(b, f.backup(dst)); d != "" {
		f.Errorf("a backup of the restored store differs from the original backup: %s", d)
	}

	// Later writes continue after the restored ones.
	orgs, _ := dst.Organizations(f.ctx)
	circles, _ := dst.Circles(f.ctx)
	peers, _ := dst.Peers(f.ctx)
	pols, _ := dst.Policies(f.ctx, 0)
	head, _ := dst.AuditHead(f.ctx)
	err = dst.Apply(f.ctx, firebreak.Directory{
		Organizations: []firebreak.DeclaredOrganization{{Name: "Gamma", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}},
		Users:         []firebreak.DeclaredUser{{Name: "gina", Organization: "Gamma", TokenHash: firebreak.HashToken("gina-secret")}},
		Circles:       []firebreak.DeclaredCircle{{Name: "later", Members: []string{"Gamma"}}},
		Peers:         []firebreak.Peer{{Name: "mx-hub", URL: "http://127.0.0.1:1/api/", Direction: firebreak.PeerPush}},
	}, []byte(`{"action":"directory.apply","n":3}`))
	if err != nil {
		f.Fatalf("Apply after restore: %v", err)
	}
	gamma, err := dst.OrganizationByName(f.ctx, "Gamma")
	if err != nil || gamma.ID <= slices.MaxFunc(orgs, func(a, b firebreak.Organization) int { return int(a.ID - b.ID) }).ID {
		f.Errorf("a new organisation got id %d (%v), not after the restored ones", gamma.ID, err)
	}
	c2, _ := dst.Circles(f.ctx)
	p2, _ := dst.Peers(f.ctx)
	if len(c2) != len(circles)+1 || c2[len(c2)-1].ID <= circles[len(circles)-1].ID {
		f.Errorf("a new circle did not get a later id: %+v", c2)
	}
	if len(p2) != len(peers)+1 || p2[len(p2)-1].ID <= peers[len(peers)-1].ID {
		f.Errorf("a new peer did not get a later id: %+v", p2)
	}
	if u, err := dst.UserByTokenHash(f.ctx, firebreak.HashToken("gina-secret")); err != nil || u.OrgID != gamma.ID {
		f.Errorf("the new user = %+v, %v", u, err)
	}
	res, err := dst.Ingest(f.ctx, gamma.ID, []firebreak.IngestItem{Item(ident("indicator", 100), ts(1), "2.1", `{"new":"doc"}`)},
		[]byte(`{"action":"object.submit","n":"after"}`))
	if err != nil {
		f.Fatalf("Ingest after restore: %v", err)
	}
	if o := res[0].Object; o.Seq != fl.lastSeq+1 || !o.Added.After(fl.maxAdded) || o.Policy <= pols[len(pols)-1].ID {
		f.Errorf("the first version after restore has seq %d, date added %v, policy %d; want seq %d, a date after %v, a new policy id",
			o.Seq, o.Added, o.Policy, fl.lastSeq+1, fl.maxAdded)
	}
	// Another provider may add its own copy of a restored object, as before the backup.
	acme, _ := dst.OrganizationByName(f.ctx, "Acme Energy")
	res, err = dst.Ingest(f.ctx, gamma.ID, []firebreak.IngestItem{Item(ident("indicator", 1), ts(5), "2.1", `{}`)})
	if err != nil || res[0].Outcome != firebreak.Stored {
		f.Errorf("a copy of another provider's restored object: %+v, %v", res, err)
	}
	// The restored copies of one version from two providers read as one, Acme's (stored
	// first): the restore marked them as copies.
	one, err := dst.Objects(f.ctx, firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: []string{ident("indicator", 1)},
		Versions: firebreak.VersionFilter{At: []string{VersionKey(ts(1))}}, MetadataOnly: true})
	if err != nil || len(one.Objects) != 1 || one.Objects[0].Provider != acme.ID {
		f.Errorf("after restore, version %s of a version two providers hold: %v%s; want Acme's copy alone", ts(1), err, describe(one.Objects))
	}
	res, err = dst.Ingest(f.ctx, acme.ID, []firebreak.IngestItem{Item(ident("indicator", 1), ts(2), "2.1", `{"tlp":"green"}`)})
	if err != nil || res[0].Outcome != firebreak.Duplicate {
		f.Errorf("a restored version submitted again: %+v, %v", res, err)
	}
	// The audit chain goes on from the restored head, unbroken.
	entries, err := dst.AuditEntries(f.ctx, 0, 1000)
	if err != nil {
		f.Fatal(err)
	}
	if len(entries) != int(head.Seq)+2 {
		f.Errorf("after two audited writes the log has %d entries, want %d", len(entries), head.Seq+2)
	}
	prev := make([]byte, 32)
	for i, e := range entries {
		if e.Seq != int64(i+1) || !bytes.Equal(e.Prev, prev) || !bytes.Equal(e.Hash, firebreak.AuditHash(e.Seq, e.Prev, e.Body)) {
			f.Fatalf("the restored audit chain breaks at entry %d", e.Seq)
		}
		prev = e.Hash
	}
	// Writes to the source after the backup do not reach the restored store, and the
	// other way round: they are two stores.
	if o2, _ := f.s.OrganizationByName(f.ctx, "Gamma"); o2.ID != 0 {
		f.Errorf("the source has the restored store's organisation")
	}
}

func testBackupRefusesNonEmpty(f *fixture) {
	fillForBackup(f)
	b := f.backup(f.s)
	before := f.backup(f.s)
	if _, err := firebreak.RestoreBackup(f.ctx, f.s, bytes.NewReader(b)); firebreak.ErrorCode(err) != firebreak.ECONFLICT {
		f.Errorf("restoring into the store backed up: %v, want a conflict", err)
	}
	if d := firstDiff(before, f.backup(f.s)); d != "" {
		f.Errorf("the refused restore changed the store: %s", d)
	}
	// One organisation is enough to refuse, and so is a store whose counters moved even
	// though it holds nothing now.
	one := f.fresh(NewClock(Epoch))
	if err := one.Apply(f.ctx, firebreak.Directory{Organizations: []firebreak.DeclaredOrganization{{Name: "x"}}}); err != nil {
		f.Fatal(err)
	}
	if _, err := firebreak.RestoreBackup(f.ctx, one, bytes.NewReader(b)); firebreak.ErrorCode(err) != firebreak.ECONFLICT {
		f.Errorf("restoring into a store with an organisation: %v, want a conflict", err)
	}
	used := f.fresh(NewClock(Epoch))
	if _, err := used.AppendAudit(f.ctx, []byte(`{"a":1}`)); err != nil {
		f.Fatal(err)
	}
	if _, err := firebreak.RestoreBackup(f.ctx, used, bytes.NewReader(b)); firebreak.ErrorCode(err) != firebreak.ECONFLICT {
		f.Errorf("restoring into a store with an audit entry: %v, want a conflict", err)
	}
}

// records returns the records of a backup stream.
func records(f *fixture, b []byte) []firebreak.BackupRecord {
	f.Helper()
	br, err := firebreak.NewBackupReader(bytes.NewReader(b))
	if err != nil {
		f.Fatal(err)
	}
	var out []firebreak.BackupRecord
	for {
		r, err := br.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, r)
	}
}

// feed returns a Restore source that yields recs, then err (io.EOF when nil).
func feed(recs []firebreak.BackupRecord, err error) func() (firebreak.BackupRecord, error) {
	return func() (firebreak.BackupRecord, error) {
		if len(recs) == 0 {
			if err == nil {
				return firebreak.BackupRecord{}, io.EOF
			}
			return firebreak.BackupRecord{}, err
		}
		r := recs[0]
		recs = recs[1:]
		return r, nil
	}
}

// kindIndex returns the index of the first record of kind.
func kindIndex(f *fixture, recs []firebreak.BackupRecord, kind string) int {
	f.Helper()
	i := slices.IndexFunc(recs, func(r firebreak.BackupRecord) bool { return r.Kind == kind })
	if i < 0 {
		f.Fatalf("the backup has no %s record", kind)
	}
	return i
}

// changeRecord returns a copy of recs in which change has changed the row of record i.
func changeRecord[T any, P interface {
	*T
	firebreak.BackupRow
}](f *fixture, recs []firebreak.BackupRecord, i int, change func(P)) []firebreak.BackupRecord {
	f.Helper()
	row := P(new(T))
	if err := recs[i].Decode(row); err != nil {
		f.Fatal(err)
	}
	change(row)
	rec, err := firebreak.NewBackupRecord(row)
	if err != nil {
		f.Fatal(err)
	}
	out := slices.Clone(recs)
	out[i] = rec
	return out
}

func testBackupRefusesBroken(f *fixture) {
	fillForBackup(f)
	b := f.backup(f.s)
	recs := records(f, b)
	obj := kindIndex(f, recs, firebreak.BackupKindObject)
	user := kindIndex(f, recs, firebreak.BackupKindUser)
	// A user of an organisation the backup does not hold.
	dangling := slices.Clone(recs)
	var u firebreak.BackupUser
	if err := dangling[user].Decode(&u); err != nil {
		f.Fatal(err)
	}
	u.Org = 999999
	rec, err := firebreak.NewBackupRecord(u)
	if err != nil {
		f.Fatal(err)
	}
	dangling[user] = rec
	// An end record that counts one record too many.
	miscount := slices.Clone(recs)
	var end firebreak.BackupEnd
	if err := miscount[len(recs)-1].Decode(&end); err != nil {
		f.Fatal(err)
	}
	end.Records++
	if miscount[len(recs)-1], err = firebreak.NewBackupRecord(end); err != nil {
		f.Fatal(err)
	}
	// A body that is not what the record kind holds.
	unknownField := slices.Clone(recs)
	unknownField[obj].Data = append([]byte(`{"surprise":1,`), unknownField[obj].Data[1:]...)
	// Rows that no store may restore, whatever its schema allows.
	hub := kindIndex(f, recs, firebreak.BackupKindHub)
	noSecret := changeRecord(f, recs, hub, func(h *firebreak.BackupHub) { h.Secret = nil })
	noBody := changeRecord(f, recs, obj, func(o *firebreak.BackupObject) { o.Raw = nil })
	endBehind := changeRecord(f, recs, len(recs)-1, func(e *firebreak.BackupEnd) { e.LastSeq = 0 })
	interrupted := errors.New("the disk went away")
	tests := []struct {
		name string
		next func() (firebreak.BackupRecord, error)
		code string
	}{
		{"no end record", feed(recs[:len(recs)-1], nil), firebreak.EINVALID},
		{"cut in the objects", feed(recs[:obj+1], nil), firebreak.EINVALID},
		{"interrupted", feed(recs[:obj+1], interrupted), ""},
		{"out of order", feed(append([]firebreak.BackupRecord{recs[obj]}, recs...), nil), firebreak.EINVALID},
		{"end miscounts", feed(miscount, nil), firebreak.EINVALID},
		{"dangling reference", feed(dangling, nil), firebreak.EINVALID},
		{"unknown field", feed(unknownField, nil), firebreak.EINVALID},
		{"hub without secret", feed(noSecret, nil), firebreak.EINVALID},
		{"object without body", feed(noBody, nil), firebreak.EINVALID},
		{"end behind the objects", feed(endBehind, nil), firebreak.EINVALID},
		{"unknown kind", feed(append([]firebreak.BackupRecord{{Kind: "secret", Data: []byte(`{}`)}}, recs...), nil), firebreak.EINVALID},
	}
	// Every refused restore leaves the store empty: the same store then takes the whole
	// backup.
	dst := f.fresh(NewClock(Epoch))
	for _, tc := range tests {
		err := dst.Restore(f.ctx, tc.next)
		switch {
		case err == nil:
			f.Errorf("%s: restored", tc.name)
		case tc.code == "" && !errors.Is(err, interrupted):
			f.Errorf("%s: %v, want the source's error", tc.name, err)
		case tc.code != "" && firebreak.ErrorCode(err) != tc.code:
			f.Errorf("%s: %v (code %s), want %s", tc.name, err, firebreak.ErrorCode(err), tc.code)
		}
	}
	if orgs, err := dst.Organizations(f.ctx); err != nil || len(orgs) != 0 {
		f.Fatalf("refused restores left %d organisations behind (%v)", len(orgs), err)
	}
	if err := dst.Restore(f.ctx, feed(recs, nil)); err != nil {
		f.Fatalf("restoring the whole backup after the refused ones: %v", err)
	}
	if d := firstDiff(b, f.backup(dst)); d != "" {
		f.Errorf("the store restored after refused attempts differs from the source: %s", d)
	}
}

func testBackupSnapshot(f *fixture) {
	p := f.orgs("p")[0]
	f.ingest(p, Item(ident("indicator", 1), ts(1), "2.1", `{}`))
	// A write made while the backup runs is not in it, and the end record's counters are
	// those of the snapshot.
	var b bytes.Buffer
	bw, err := firebreak.NewBackupWriter(&b, backupHeader)
	if err != nil {
		f.Fatal(err)
	}
	wrote := false
	err = f.s.Backup(f.ctx, func(r firebreak.BackupRecord) error {
		if !wrote && r.Kind == firebreak.BackupKindObject {
			wrote = true
			f.clock.Advance(time.Second)
			if _, err := f.s.Ingest(f.ctx, p, []firebreak.IngestItem{Item(ident("indicator", 2), ts(1), "2.1", `{}`)}); err != nil {
				return err
			}
			if _, err := f.s.AppendAudit(f.ctx, []byte(`{"during":"backup"}`)); err != nil {
				return err
			}
		}
		return bw.Write(r)
	})
	if err != nil {
		f.Fatalf("Backup: %v", err)
	}
	if err := bw.Close(); err != nil {
		f.Fatal(err)
	}
	recs := records(f, b.Bytes())
	var end firebreak.BackupEnd
	if err := recs[len(recs)-1].Decode(&end); err != nil {
		f.Fatal(err)
	}
	objects, audits := 0, 0
	for _, r := range recs {
		switch r.Kind {
		case firebreak.BackupKindObject:
			objects++
		case firebreak.BackupKindAudit:
			audits++
		}
	}
	if objects != 1 || audits != 0 || end.LastSeq != 1 {
		f.Errorf("the backup holds %d objects, %d audit entries and last seq %d; want the snapshot's 1, 0 and 1",
			objects, audits, end.LastSeq)
	}
	dst := f.fresh(NewClock(Epoch))
	if _, err := firebreak.RestoreBackup(f.ctx, dst, bytes.NewReader(b.Bytes())); err != nil {
		f.Fatalf("RestoreBackup: %v", err)
	}
}
