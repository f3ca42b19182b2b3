package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/firebreak/firebreak"
)

// TestUpgradeKeepsObjects makes a database as the first release left it (schema 1,
// objects without expires, directory without trust) and checks that opening it with
// this binary keeps every version as it was, and that the rebuilt objects table has
// expires before raw and its indexes back.
func TestUpgradeKeepsObjects(t *testing.T) {
	dir := t.TempDir()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY) STRICT`,
		ms[0].SQL,
		`INSERT INTO meta (key, value) VALUES ('schema_version', 1)`,
		`INSERT INTO hub (id, uuid) VALUES (1, '6f1c7a2e-4b1d-4c8e-9a51-0d2e3f4a5b6c')`,
		`INSERT INTO organizations (id, identity_id, name, country, type, sectors, status)
			VALUES (1, 'identity--1', 'A', 'US', 'private', '[]', 'vetted')`,
		`INSERT INTO circles (id, name) VALUES (1, 'c')`,
		`INSERT INTO policies (id, provider, doc) VALUES (1, 1, 'p')`,
		`INSERT INTO objects (seq, added, idh, id, type, spec_version, version, vkey, provider, policy, raw) VALUES
			(3, 1000, 11, 'indicator--a', 'indicator', '2.1', 'v1', 'k1', 1, 1, '{"a":1}'),
			(7, 2000, 11, 'indicator--a', 'indicator', '2.1', 'v2', 'k2', 1, 1, '{"a":2}')`,
		`UPDATE ingest_state SET last_seq = 7, max_added = 2000`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("making a schema 1 database: %v\n%s", err, q)
		}
	}
	raw.Close()

	s, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatalf("Open on a schema 1 database: %v", err)
	}
	defer s.Close()
	p, err := s.Objects(t.Context(), firebreak.Visibility{All: true}, firebreak.ObjectFilter{Versions: firebreak.VersionFilter{All: true}})
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	if len(p.Objects) != 2 {
		t.Fatalf("after the upgrade, %d versions, want 2", len(p.Objects))
	}
	for i, want := range []struct {
		seq int64
		raw string
	}{{3, `{"a":1}`}, {7, `{"a":2}`}} {
		o := p.Objects[i]
		if o.Seq != want.seq || string(o.Raw) != want.raw || !o.Expires.IsZero() || o.Provider != 1 || o.Policy != 1 {
			t.Errorf("version %d after the upgrade = %+v (raw %s), want seq %d, raw %s, no expiry", i, o, o.Raw, want.seq, want.raw)
		}
	}
	last := s.objectsLast(t)
	if last != 7 {
		t.Errorf("last version after the upgrade has seq %d, want 7", last)
	}

	var cols []string
	rows, err := s.r.Query(`SELECT name FROM pragma_table_info('objects') ORDER BY cid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	if n := len(cols); n < 3 || cols[n-3] != "expires" || cols[n-2] != "twin" || cols[n-1] != "raw" {
		t.Errorf("objects columns %v, want expires and twin just before raw, raw last", cols)
	}
	for _, idx := range []string{"objects_idh", "objects_added", "objects_type", "objects_provider"} {
		var one int
		if err := s.r.QueryRow(`SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ? AND tbl_name = 'objects'`, idx).Scan(&one); err != nil {
			t.Errorf("index %s after the upgrade: %v", idx, err)
		}
	}
	orgs, err := s.Organizations(t.Context())
	if err != nil || len(orgs) != 1 || orgs[0].Attestations != nil || orgs[0].Affiliations != nil {
		t.Errorf("organizations after the upgrade = %+v, %v; want A without attestations or affiliations", orgs, err)
	}
	circles, err := s.Circles(t.Context())
	if err != nil || len(circles) != 1 || len(circles[0].Rules.Countries) != 0 {
		t.Errorf("circles after the upgrade = %+v, %v; want c without rules", circles, err)
	}
	// New versions continue the sequence.
	res, err := s.Ingest(t.Context(), 1, []firebreak.IngestItem{{ID: "indicator--b", Type: "indicator", SpecVersion: "2.1",
		Version: "v", VersionKey: "k", PolicyDoc: []byte("p"), Raw: []byte(`{}`)}})
	if err != nil || res[0].Object.Seq != 8 {
		t.Errorf("Ingest after the upgrade = %+v, %v; want seq 8", res, err)
	}
}

// objectsLast returns the seq of the last version the store holds.
func (s *Store) objectsLast(t *testing.T) int64 {
	t.Helper()
	p, err := s.Objects(t.Context(), firebreak.Visibility{All: true}, firebreak.ObjectFilter{})
	if err != nil || len(p.Objects) == 0 {
		t.Fatalf("Objects: %+v, %v", p, err)
	}
	return p.Objects[len(p.Objects)-1].Seq
}
