package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/postgres"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// backedUpData makes a data directory with a directory, object versions (two of one
// object, and two providers' copies of one version), an audit chain and a signed checkpoint, and returns it with its audit key.
func backedUpData(t *testing.T) (data, key string) {
	t.Helper()
	data = auditedData(t)
	bundle := filepath.Join(t.TempDir(), "v2.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--`+uuidN(990)+`","objects":[`+
		indicator("indicator--"+uuidN(0), "2024-02-01T00:00:00.123456Z", stix.TLPAmberID)+`]}`), 0o600)
	if _, _, err := cli(t, "", "import", "--org", "Acme Energy", "--data", data, bundle); err != nil {
		t.Fatal(err)
	}
	// Beta Bank holds its own copy of the same version: a backup carries both copies.
	if _, _, err := cli(t, "", "import", "--org", "Beta Bank", "--data", data, bundle); err != nil {
		t.Fatal(err)
	}
	checkpoint(t, data)
	return data, filepath.Join(data, "audit.key")
}

// storeAt opens the embedded store in data, or the PostgreSQL store at url.
func storeAt(t *testing.T, data, url string) firebreak.Store {
	t.Helper()
	var s firebreak.Store
	var err error
	if url != "" {
		s, err = postgres.Open(context.Background(), url, postgres.Options{})
	} else {
		s, err = sqlite.Open(context.Background(), data, sqlite.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// allVersions returns every version a store holds, every provider's copy, bodies included.
func allVersions(t *testing.T, s firebreak.Store) []firebreak.Object {
	t.Helper()
	var out []firebreak.Object
	f := firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}, Limit: 4, EveryCopy: true}
	for {
		p, err := s.Objects(context.Background(), firebreak.Visibility{All: true}, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Objects...)
		if !p.More {
			return out
		}
		f.After = p.Next
	}
}

// sameVersions fails unless the two stores hold the same versions: seq, date added, id,
// version, provider, policy, expiry and the bytes, in the same order.
func sameVersions(t *testing.T, want, got firebreak.Store) {
	t.Helper()
	w, g := allVersions(t, want), allVersions(t, got)
	if len(w) < 9 || len(g) != len(w) {
		t.Fatalf("restored store holds %d versions, the source %d (want at least 9)", len(g), len(w))
	}
	for i := range w {
		a, b := w[i], g[i]
		if a.Seq != b.Seq || !a.Added.Equal(b.Added) || a.ID != b.ID || a.Type != b.Type || a.Version != b.Version ||
			a.SpecVersion != b.SpecVersion || a.Provider != b.Provider || a.Policy != b.Policy ||
			!a.Expires.Equal(b.Expires) || !bytes.Equal(a.Raw, b.Raw) {
			t.Errorf("version %d:\n got %+v\n     %s\nwant %+v\n     %s", i, b, b.Raw, a, a.Raw)
		}
	}
	wh, _ := want.Hub(context.Background())
	gh, _ := got.Hub(context.Background())
	if wh.UUID != gh.UUID || wh.IdentityID != gh.IdentityID || !bytes.Equal(wh.Secret, gh.Secret) || wh.Name != gh.Name {
		t.Errorf("restored hub %+v, want %+v", gh, wh)
	}
}

// verifyAudit runs audit verify with the source hub's key and wants it to pass.
func verifyAudit(t *testing.T, key string, where ...string) {
	t.Helper()
	args := append([]string{"audit", "verify", "--audit-key", key}, where...)
	out, _, err := cli(t, "", args...)
	if err != nil || !strings.Contains(out, "intact") || !strings.Contains(out, "1 signed checkpoints") {
		t.Fatalf("audit verify %v: %v\n%s", where, err, out)
	}
}

// TestBackupRestoreAcrossStores backs up an embedded store, restores it into a fresh
// embedded store, into PostgreSQL and from there back into an embedded store; each time
// the audit log verifies and every version, date added and byte is the same.
func TestBackupRestoreAcrossStores(t *testing.T) {
	dir := t.TempDir()
	data, key := backedUpData(t)
	b1 := filepath.Join(dir, "b1.jsonl")
	out, _, err := cli(t, "", "backup", "--data", data, "--out", b1)
	if err != nil || !strings.Contains(out, "10 object versions") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if fi, err := os.Stat(b1); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup file: %v, mode %v; want it readable by its owner only", err, fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the backup left other files beside it: %v", ents)
	}

	data2 := filepath.Join(dir, "data2")
	out, _, err = cli(t, "", "restore", "--data", data2, b1)
	if err != nil || !strings.Contains(out, "10 object versions") || !strings.Contains(out, "note: the audit checkpoints") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	verifyAudit(t, key, "--data", data2)
	sameVersions(t, storeAt(t, data, ""), storeAt(t, data2, ""))

	t.Run("PostgreSQLAndBack", func(t *testing.T) {
		url := pgURL(t)
		if _, _, err := cli(t, "", "restore", "--store", url, b1); err != nil {
			t.Fatalf("restore into PostgreSQL: %v", err)
		}
		verifyAudit(t, key, "--store", url)
		sameVersions(t, storeAt(t, data, ""), storeAt(t, "", url))
		b2 := filepath.Join(dir, "b2.jsonl")
		if _, _, err := cli(t, "", "backup", "--store", url, "--out", b2); err != nil {
			t.Fatalf("backup of PostgreSQL: %v", err)
		}
		// The two backups differ in their headers only: the stores hold the same rows.
		one, _ := os.ReadFile(b1)
		two, _ := os.ReadFile(b2)
		_, body1, _ := bytes.Cut(one, []byte("\n"))
		_, body2, _ := bytes.Cut(two, []byte("\n"))
		if !bytes.Equal(body1, body2) {
			t.Errorf("the backup of the PostgreSQL store differs from the embedded store's")
		}
		data3 := filepath.Join(dir, "data3")
		if _, _, err := cli(t, "", "restore", "--data", data3, b2); err != nil {
			t.Fatalf("restore from PostgreSQL's backup: %v", err)
		}
		verifyAudit(t, key, "--data", data3)
		sameVersions(t, storeAt(t, data, ""), storeAt(t, data3, ""))
	})
}

func TestBackupCommandErrors(t *testing.T) {
	dir := t.TempDir()
	data, _ := backedUpData(t)
	good := filepath.Join(dir, "good.jsonl")
	if _, _, err := cli(t, "", "backup", "--data", data, "--out", good); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	lines := bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	truncated := filepath.Join(dir, "truncated.jsonl")
	os.WriteFile(truncated, bytes.Join(lines[:len(lines)-1], nil), 0o600)
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, b[:len(b)/2], 0o600)
	notBackup := filepath.Join(dir, "not.json")
	os.WriteFile(notBackup, []byte(`{"type":"bundle","objects":[]}`), 0o600)
	missing := filepath.Join(dir, "nothing-here")

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"backup without out", []string{"backup", "--data", data}, 2, "--out"},
		{"backup with an argument", []string{"backup", "--data", data, "--out", "x", "y"}, 2, "unexpected"},
		{"backup of no hub", []string{"backup", "--data", missing, "--out", filepath.Join(dir, "x.jsonl")}, 1, "holds no hub"},
		{"backup into no directory", []string{"backup", "--data", data, "--out", filepath.Join(missing, "x.jsonl")}, 1, "no such file"},
		{"restore without file", []string{"restore", "--data", missing}, 2, "FILE"},
		{"restore of no file", []string{"restore", "--data", missing, filepath.Join(dir, "none.jsonl")}, 1, "no such file"},
		{"restore of not a backup", []string{"restore", "--data", missing, notBackup}, 1, "not a firebreak backup"},
		{"restore into a hub", []string{"restore", "--data", data, good}, 1, "not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := cli(t, "", tt.args...)
			if err == nil {
				t.Fatalf("no error")
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code = %d, want %d (%v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error()+stderr, tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command created %s", missing)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed backup left a file")
	}

	// A truncated backup, cut at a line end or inside a line, restores nothing; the same
	// empty store then takes the whole backup.
	fresh := filepath.Join(dir, "fresh")
	for _, f := range []string{truncated, cut} {
		if _, _, err := cli(t, "", "restore", "--data", fresh, f); err == nil || !strings.Contains(err.Error(), "nothing was restored") {
			t.Errorf("restore of %s: %v", filepath.Base(f), err)
		}
	}
	if _, _, err := cli(t, "", "restore", "--data", fresh, good); err != nil {
		t.Fatalf("restore after refused ones: %v", err)
	}

	// Standard output takes the backup, and standard input gives it back.
	out, errOut, err := cli(t, "", "backup", "--data", data, "--out", "-")
	if err != nil || !strings.HasPrefix(out, `{"format":"firebreak-backup-v1"`) || !strings.Contains(errOut, "backed up") {
		t.Fatalf("backup to standard output: %v\n%.200s\n%s", err, out, errOut)
	}
	if _, _, err := cli(t, out, "restore", "--data", filepath.Join(dir, "from-stdin"), "-"); err != nil {
		t.Fatalf("restore from standard input: %v", err)
	}
}

// backupRow returns an empty row of a record kind, nil for an unknown kind.
func backupRow(kind string) firebreak.BackupRow {
	switch kind {
	case firebreak.BackupKindOrganization:
		return &firebreak.BackupOrganization{}
	case firebreak.BackupKindHub:
		return &firebreak.BackupHub{}
	case firebreak.BackupKindUser:
		return &firebreak.BackupUser{}
	case firebreak.BackupKindCircle:
		return &firebreak.BackupCircle{}
	case firebreak.BackupKindPeer:
		return &firebreak.BackupPeer{}
	case firebreak.BackupKindPolicy:
		return &firebreak.BackupPolicy{}
	case firebreak.BackupKindObject:
		return &firebreak.BackupObject{}
	case firebreak.BackupKindVariant:
		return &firebreak.BackupVariant{}
	case firebreak.BackupKindReview:
		return &firebreak.BackupReview{}
	case firebreak.BackupKindStatus:
		return &firebreak.BackupStatus{}
	case firebreak.BackupKindAudit:
		return &firebreak.BackupAudit{}
	case firebreak.BackupKindCheckpoint:
		return &firebreak.BackupCheckpoint{}
	case firebreak.BackupKindDisclosure:
		return &firebreak.BackupDisclosure{}
	case firebreak.BackupKindContact:
		return &firebreak.BackupContact{}
	case firebreak.BackupKindIntroduction:
		return &firebreak.BackupIntroduction{}
	case firebreak.BackupKindPeerState:
		return &firebreak.BackupPeerState{}
	case firebreak.BackupKindEnd:
		return &firebreak.BackupEnd{}
	}
	return nil
}

// readAll reads a backup stream to its end and returns the records and the first error.
func readAll(b []byte) ([]firebreak.BackupRecord, error) {
	br, err := firebreak.NewBackupReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var recs []firebreak.BackupRecord
	for {
		r, err := br.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, r)
	}
}

const (
	testHeader    = `{"format":"firebreak-backup-v1","schema":1,"created":"2026-01-01T00:00:00Z"}`
	testHubRecord = `{"kind":"hub","data":{"uuid":"u","secret":"AAEC","name":"","country":"","operator":0}}`
)

func testEnd(n int) string {
	return fmt.Sprintf(`{"kind":"end","data":{"records":%d,"epoch":0,"last_seq":0,"max_added":0}}`, n)
}

func TestReadBackup(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		n     int    // records read
		error string // "" for none
	}{
		{"smallest", testHeader + "\n" + testHubRecord + "\n" + testEnd(1) + "\n", 2, ""},
		{"no last line end", testHeader + "\n" + testHubRecord + "\n" + testEnd(1), 2, ""},
		{"crlf", testHeader + "\r\n" + testHubRecord + "\r\n" + testEnd(1) + "\r\n", 2, ""},
		{"empty", "", 0, "empty"},
		{"not json", "hello\n", 0, "header"},
		{"other format", `{"format":"stix","schema":1,"created":"2026-01-01T00:00:00Z"}` + "\n", 0, "format"},
		{"newer schema", `{"format":"firebreak-backup-v1","schema":2,"created":"2026-01-01T00:00:00Z"}` + "\n", 0, "newer"},
		{"no date", `{"format":"firebreak-backup-v1","schema":1}` + "\n", 0, "when"},
		{"header only", testHeader + "\n", 0, "truncated"},
		{"no end", testHeader + "\n" + testHubRecord + "\n", 1, "truncated"},
		{"no hub", testHeader + "\n" + testEnd(0) + "\n", 1, "no hub"},
		{"two hubs", testHeader + "\n" + testHubRecord + "\n" + testHubRecord + "\n", 1, "more than one hub"},
		{"end miscounts", testHeader + "\n" + testHubRecord + "\n" + testEnd(5) + "\n", 1, "counts 5"},
		{"after the end", testHeader + "\n" + testHubRecord + "\n" + testEnd(1) + "\n" + testHubRecord + "\n", 2, "after the end"},
		{"blank line", testHeader + "\n\n" + testHubRecord + "\n" + testEnd(1) + "\n", 0, "empty"},
		{"unknown kind", testHeader + "\n" + `{"kind":"x","data":{}}` + "\n", 0, "unknown record kind"},
		{"out of order", testHeader + "\n" + testHubRecord + "\n" + `{"kind":"organization","data":{}}` + "\n", 1, "order"},
		{"data not an object", testHeader + "\n" + `{"kind":"hub","data":[1]}` + "\n", 0, "must be an object"},
		{"unknown field", testHeader + "\n" + `{"kind":"hub","data":{},"extra":1}` + "\n", 0, "not a record"},
		{"two values", testHeader + "\n" + testHubRecord + testHubRecord + "\n", 0, "not a record"},
		{"trailing brace", testHeader + "\n" + `{"kind":"hub","data":{}}}` + "\n", 0, "not a record"},
		{"fields reordered", testHeader + "\n" + `{"data":{"uuid":"u"}, "kind":"hub"}` + "\n" + testEnd(1) + "\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readAll([]byte(tt.in))
			if len(recs) != tt.n {
				t.Errorf("read %d records, want %d", len(recs), tt.n)
			}
			switch {
			case tt.error == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.error != "" && (err == nil || !strings.Contains(err.Error(), tt.error)):
				t.Errorf("error %v, want one mentioning %q", err, tt.error)
			case err != nil && firebreak.ErrorCode(err) != firebreak.EINVALID:
				t.Errorf("error %v has code %s, want %s", err, firebreak.ErrorCode(err), firebreak.EINVALID)
			}
		})
	}
}

// FuzzReadBackup feeds the backup reader garbage: it never panics, refuses anything that
// is not a whole backup with EINVALID, and what it accepts is a backup: one header, records
// in order, one hub, an end record last, each record's data readable as its kind.
func FuzzReadBackup(f *testing.F) {
	f.Add([]byte(testHeader + "\n" + testHubRecord + "\n" + testEnd(1) + "\n"))
	f.Add([]byte(testHeader + "\n" + `{"kind":"organization","data":{"id":1,"identity_id":"identity--x","name":"A","country":"US","type":"private","sectors":[],"parent":0,"status":"vetted","attestations":[],"affiliations":[],"domains":[]}}` + "\n" + testHubRecord + "\n" + testEnd(2) + "\n"))
	f.Add([]byte(testHeader + "\n" + `{"kind":"object","data":{"seq":1,"raw":"e30="}}` + "\n"))
	f.Add([]byte(testHeader))
	f.Add([]byte(""))
	f.Add([]byte("{\n}\n"))
	f.Add([]byte(`{"format":"firebreak-backup-v1","schema":1,"created":"2026-01-01T00:00:00Z","extra":[1,2]}` + "\n" + testEnd(0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := readAll(b)
		if err != nil {
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Fatalf("error %v has code %s, want %s", err, firebreak.ErrorCode(err), firebreak.EINVALID)
			}
			return
		}
		if len(recs) == 0 || recs[len(recs)-1].Kind != firebreak.BackupKindEnd {
			t.Fatalf("accepted a stream that does not end with the end record: %d records", len(recs))
		}
		hubs := 0
		for _, r := range recs {
			row := backupRow(r.Kind)
			if row == nil {
				t.Fatalf("accepted a record of unknown kind %q", r.Kind)
			}
			if r.Kind == firebreak.BackupKindHub {
				hubs++
			}
			// Decoding may refuse the data, but only as invalid.
			if err := r.Decode(row); err != nil && firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Fatalf("Decode: %v", err)
			}
		}
		if hubs != 1 {
			t.Fatalf("accepted a stream with %d hub records", hubs)
		}
	})
}
