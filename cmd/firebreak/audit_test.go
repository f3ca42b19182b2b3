package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// auditedData makes a data directory whose audit log has entries and a checkpoint: a
// declaration applied, then submissions.
func auditedData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	decl := filepath.Join(dir, "hub.json")
	os.WriteFile(decl, []byte(declaration), 0o600)
	if _, _, err := cli(t, "", "apply", "-f", decl, "--data", data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		bundle := filepath.Join(dir, "b.json")
		os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--`+uuidN(900+i)+`","objects":[`+indicator("indicator--"+uuidN(i), "2024-01-01T00:00:00.000Z", stix.TLPGreenID)+`]}`), 0o600)
		if _, _, err := cli(t, "", "import", "--org", "Acme Energy", "--batch", "1", "--data", data, bundle); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// checkpoint signs the head of the log in data.
func checkpoint(t *testing.T, data string) {
	t.Helper()
	c := defaultConfig()
	c.Data = data
	h, err := newHub(context.Background(), c, newLogger(c, os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	defer h.store.Close()
	if _, _, err := h.signer.Checkpoint(context.Background(), h.store, timeNow()); err != nil {
		t.Fatal(err)
	}
}

// TestAuditVerifyFindsTampering edits the database behind the hub's back, each time in
// another way; `firebreak audit verify` must fail and name the right entry.
func TestAuditVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name  string
		sql   []string
		entry string
	}{
		{"untouched", nil, ""},
		{"edited content", []string{`UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), 'Acme', 'Evil') AS BLOB) WHERE seq = 4`}, "entry 4"},
		{"deleted entry", []string{`DELETE FROM audit_log WHERE seq = 3`}, "entry 3"},
		{"inserted entry", []string{
			`UPDATE audit_log SET seq = seq + 100 WHERE seq >= 5`,
			`UPDATE audit_log SET seq = seq - 99 WHERE seq >= 105`,
			`INSERT INTO audit_log (seq, body, prev, hash) SELECT 5, CAST('{"action":"nothing to see"}' AS BLOB), hash, hash FROM audit_log WHERE seq = 4`}, "entry 5"},
		{"swapped entries", []string{
			`UPDATE audit_log SET seq = -1 WHERE seq = 6`, `UPDATE audit_log SET seq = 6 WHERE seq = 7`, `UPDATE audit_log SET seq = 7 WHERE seq = -1`}, "entry 6"},
		{"tail cut after a checkpoint", []string{`DELETE FROM audit_log WHERE seq >= 8`}, "entry 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := auditedData(t)
			checkpoint(t, data)
			if len(tt.sql) > 0 {
				db, err := sql.Open("sqlite", filepath.Join(data, sqlite.FileName))
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range tt.sql {
					if _, err := db.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				db.Close()
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"audit", "verify", "--data", data}, nil, &out, &errOut)
			if tt.entry == "" {
				if err != nil || !strings.Contains(out.String(), "intact") {
					t.Fatalf("untouched log: %v %s", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("verify passed a tampered log: %s", out.String())
			}
			if exitCode(err) == 0 || !strings.Contains(err.Error(), tt.entry) {
				t.Errorf("verify said %q, want it to name %s", err, tt.entry)
			}
		})
	}
}
