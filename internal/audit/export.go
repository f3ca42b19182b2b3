package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/firebreak/firebreak"
)

// exportFormat names the export format in its first line.
const exportFormat = "firebreak-audit-export-v1"

type exportHeader struct {
	Format string   `json:"format"`
	Keys   [][]byte `json:"keys"` // Ed25519 public keys
}

type exportEntry struct {
	Seq  int64           `json:"seq"`
	Body json.RawMessage `json:"body"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
}

type exportLine struct {
	Checkpoint *firebreak.AuditCheckpoint `json:"checkpoint,omitempty"`
	Entry      *exportEntry               `json:"entry,omitempty"`
}

// Export writes the whole log from src as JSON lines: a header with the public keys, the
// checkpoints, then every entry. A third party can check it with Verify (ReadExport) and
// compare its checkpoints with ones it was given earlier.
func Export(ctx context.Context, src Source, w io.Writer, keys ...ed25519.PublicKey) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	h := exportHeader{Format: exportFormat}
	for _, k := range keys {
		h.Keys = append(h.Keys, k)
	}
	if err := enc.Encode(h); err != nil {
		return err
	}
	cps, err := src.AuditCheckpoints(ctx)
	if err != nil {
		return err
	}
	for i := range cps {
		if err := enc.Encode(exportLine{Checkpoint: &cps[i]}); err != nil {
			return err
		}
	}
	var after int64
	for {
		batch, err := src.AuditEntries(ctx, after, 10000)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			line := exportLine{Entry: &exportEntry{Seq: e.Seq, Body: e.Body, Prev: hex.EncodeToString(e.Prev), Hash: hex.EncodeToString(e.Hash)}}
			if !json.Valid(e.Body) {
				// Keep whatever is stored, so that Verify reports it rather than Export
				// failing: an edited body need not be JSON.
				b, _ := json.Marshal(string(e.Body))
				line.Entry.Body = b
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
			after = e.Seq
		}
	}
	return bw.Flush()
}

// Memory is an audit log held in memory: what ReadExport returns, and a store for tests.
type Memory struct {
	mu          sync.Mutex
	Entries     []firebreak.AuditEntry
	Checkpoints []firebreak.AuditCheckpoint
	Keys        []ed25519.PublicKey
}

// ReadExport reads a log written by Export.
func ReadExport(r io.Reader) (*Memory, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	m := &Memory{}
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			var h exportHeader
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Format != exportFormat {
				return nil, fmt.Errorf("line 1: not a %s file", exportFormat)
			}
			for _, k := range h.Keys {
				if len(k) != ed25519.PublicKeySize {
					return nil, fmt.Errorf("line 1: a key is not an Ed25519 public key")
				}
				m.Keys = append(m.Keys, ed25519.PublicKey(k))
			}
			continue
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, firebreak.Wrap(firebreak.EINVALID, err, fmt.Sprintf("line %d: not a checkpoint or an entry of an audit export", line))
		}
		switch {
		case l.Checkpoint != nil:
			m.Checkpoints = append(m.Checkpoints, *l.Checkpoint)
		case l.Entry != nil:
			prev, err1 := hex.DecodeString(l.Entry.Prev)
			hash, err2 := hex.DecodeString(l.Entry.Hash)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("line %d: hashes must be hexadecimal", line)
			}
			m.Entries = append(m.Entries, firebreak.AuditEntry{Seq: l.Entry.Seq, Body: l.Entry.Body, Prev: prev, Hash: hash})
		default:
			return nil, fmt.Errorf("line %d: neither a checkpoint nor an entry", line)
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil, firebreak.Wrap(firebreak.EINVALID, sc.Err(), fmt.Sprintf("line %d: longer than 64 MiB", line+1))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("empty file")
	}
	return m, nil
}

// AppendAudit appends entries, chaining them.
func (m *Memory) AppendAudit(_ context.Context, bodies ...[]byte) ([]firebreak.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []firebreak.AuditEntry
	for _, b := range bodies {
		prev := make([]byte, 32)
		seq := int64(1)
		if n := len(m.Entries); n > 0 {
			prev, seq = m.Entries[n-1].Hash, m.Entries[n-1].Seq+1
		}
		e := firebreak.AuditEntry{Seq: seq, Body: slices.Clone(b), Prev: prev, Hash: firebreak.AuditHash(seq, prev, b)}
		m.Entries = append(m.Entries, e)
		out = append(out, e)
	}
	return out, nil
}

// AuditEntries returns entries after a sequence number.
func (m *Memory) AuditEntries(_ context.Context, after int64, limit int) ([]firebreak.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []firebreak.AuditEntry
	for _, e := range m.Entries {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// AuditHead returns the last entry.
func (m *Memory) AuditHead(context.Context) (firebreak.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.Entries) == 0 {
		return firebreak.AuditEntry{}, nil
	}
	return m.Entries[len(m.Entries)-1], nil
}

// PutAuditCheckpoint stores a checkpoint.
func (m *Memory) PutAuditCheckpoint(_ context.Context, c firebreak.AuditCheckpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Checkpoints = append(m.Checkpoints, c)
	return nil
}

// AuditCheckpoints returns the checkpoints.
func (m *Memory) AuditCheckpoints(context.Context) ([]firebreak.AuditCheckpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.Checkpoints), nil
}
