package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// logOf builds a log of n entries with a checkpoint after every cpEvery entries.
func logOf(t *testing.T, n, cpEvery int) (*Memory, *Signer) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(nil)
	s := NewSigner(priv)
	m := &Memory{}
	l := New(m)
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		if err := l.Record(ctx, firebreak.AuditEvent{Time: time.Unix(int64(i), 0), Action: firebreak.AuditSubmit, Org: "Acme", Objects: []string{"indicator--x"}}); err != nil {
			t.Fatal(err)
		}
		if cpEvery > 0 && i%cpEvery == 0 {
			if _, _, err := s.Checkpoint(ctx, m, time.Unix(int64(i), 0)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m, s
}

func TestVerifyIntactLog(t *testing.T) {
	m, s := logOf(t, 25, 10)
	rep, err := Verify(context.Background(), m, s.Public())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if rep.Entries != 25 || rep.Checkpoints != 2 || rep.LastCheckpoint != 20 {
		t.Errorf("report = %+v", rep)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(m *Memory)
		bad    int64
		reason string
	}{
		{"edited content", func(m *Memory) {
			m.Entries[6].Body = bytes.Replace(m.Entries[6].Body, []byte("Acme"), []byte("Evil"), 1)
		}, 7, "edited"},
		{"edited and rehashed", func(m *Memory) {
			// An attacker who recomputes the rest of the chain still meets the checkpoint.
			m.Entries[6].Body = bytes.Replace(m.Entries[6].Body, []byte("Acme"), []byte("Evil"), 1)
			for i := 6; i < len(m.Entries); i++ {
				if i > 0 {
					m.Entries[i].Prev = m.Entries[i-1].Hash
				}
				m.Entries[i].Hash = firebreak.AuditHash(m.Entries[i].Seq, m.Entries[i].Prev, m.Entries[i].Body)
			}
		}, 10, "checkpoint"},
		{"deleted entry", func(m *Memory) { m.Entries = slices.Delete(m.Entries, 4, 5) }, 5, "missing"},
		{"deleted and renumbered", func(m *Memory) {
			m.Entries = slices.Delete(m.Entries, 4, 5)
			for i := 4; i < len(m.Entries); i++ {
				m.Entries[i].Seq--
			}
		}, 5, "link"},
		{"inserted entry", func(m *Memory) {
			fake := firebreak.AuditEntry{Seq: 5, Body: []byte(`{"action":"nothing"}`), Prev: m.Entries[3].Hash}
			fake.Hash = firebreak.AuditHash(5, fake.Prev, fake.Body)
			m.Entries = slices.Insert(m.Entries, 4, fake)
			for i := 5; i < len(m.Entries); i++ {
				m.Entries[i].Seq++
			}
		}, 6, "link"},
		{"swapped entries", func(m *Memory) {
			m.Entries[2], m.Entries[3] = m.Entries[3], m.Entries[2]
			m.Entries[2].Seq, m.Entries[3].Seq = 3, 4
		}, 3, "link"},
		{"tail cut after a checkpoint", func(m *Memory) { m.Entries = m.Entries[:17] }, 18, "tail was cut"},
		{"forged checkpoint", func(m *Memory) { m.Checkpoints[0].Hash = m.Entries[8].Hash }, 10, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := logOf(t, 25, 10)
			tt.tamper(m)
			_, err := Verify(context.Background(), m, s.Public())
			var bad *BadEntryError
			if !errors.As(err, &bad) {
				t.Fatalf("Verify = %v, want a BadEntryError", err)
			}
			if bad.Seq != tt.bad || !strings.Contains(bad.Reason, tt.reason) {
				t.Errorf("Verify named entry %d (%s), want entry %d (%s)", bad.Seq, bad.Reason, tt.bad, tt.reason)
			}
		})
	}
	// A checkpoint from an untrusted key is refused.
	m, _ := logOf(t, 12, 10)
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := Verify(context.Background(), m, other); err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Errorf("Verify with the wrong key = %v", err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	m, s := logOf(t, 30, 7)
	var buf bytes.Buffer
	if err := Export(context.Background(), m, &buf, s.Public()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), got, got.Keys...)
	if err != nil || rep.Entries != 30 || rep.Checkpoints != 4 {
		t.Fatalf("Verify(export) = %+v, %v", rep, err)
	}
	got.Entries[3].Body = []byte(`{"action":"forged"}`)
	if _, err := Verify(context.Background(), got, got.Keys...); err == nil {
		t.Errorf("an edited export verifies")
	}
}

// TestReadExportErrors checks that a malformed export is refused with a message that
// names the line in the export's terms, without the JSON decoder's text.
func TestReadExportErrors(t *testing.T) {
	header := `{"format":"firebreak-audit-export-v1","keys":[]}` + "\n"
	tests := []struct {
		name, export, want string
	}{
		{"not JSON", header + `{"entry":` + "\n", "line 2: not a checkpoint or an entry"},
		{"wrong type", header + `{"entry":{"seq":"one"}}` + "\n", "line 2: not a checkpoint or an entry"},
		{"line too long", header + strings.Repeat("x", 65<<20), "line 2: longer than 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadExport(strings.NewReader(tt.export))
			if got := firebreak.ErrorMessage(err); !strings.HasPrefix(got, tt.want) {
				t.Errorf("ReadExport: message %q (%v), want it to start with %q", got, err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.key")
	a, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Public().Equal(b.Public()) {
		t.Errorf("reloading the key gave another key")
	}
}

func FuzzReadExport(f *testing.F) {
	f.Add([]byte(`{"format":"firebreak-audit-export-v1","keys":[]}` + "\n" + `{"entry":{"seq":1,"body":{},"prev":"00","hash":"00"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadExport(bytes.NewReader(b))
		if err != nil {
			return
		}
		_, _ = Verify(context.Background(), m, m.Keys...)
	})
}
