package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/firebreak/firebreak"
)

// Source is what Verify reads: a store, or an exported log.
type Source interface {
	AuditEntries(ctx context.Context, after int64, limit int) ([]firebreak.AuditEntry, error)
	AuditCheckpoints(ctx context.Context) ([]firebreak.AuditCheckpoint, error)
}

// Report is the outcome of a verification that found nothing wrong.
type Report struct {
	Entries     int64
	Head        []byte
	Checkpoints int
	// LastCheckpoint is the sequence number of the last checkpoint; entries after it are
	// chained but not yet signed.
	LastCheckpoint int64
}

// BadEntryError names the first entry that breaks the log, and why.
type BadEntryError struct {
	Seq    int64
	Reason string
}

func (e *BadEntryError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify walks the whole log and checks the chain and every checkpoint. keys are the
// public keys checkpoints may be signed with (by KeyID); a checkpoint signed by another
// key, or with a bad signature, is an error. It returns a *BadEntryError naming the first
// bad entry when the log was edited, cut, extended in the middle or reordered.
func Verify(ctx context.Context, src Source, keys ...ed25519.PublicKey) (Report, error) {
	var rep Report
	cps, err := src.AuditCheckpoints(ctx)
	if err != nil {
		return rep, err
	}
	byID := map[string]ed25519.PublicKey{}
	for _, k := range keys {
		byID[KeyID(k)] = k
	}
	for i, cp := range cps {
		k, ok := byID[cp.KeyID]
		if !ok {
			return rep, fmt.Errorf("checkpoint at entry %d is signed by key %s, which is not trusted", cp.Seq, cp.KeyID)
		}
		if !ed25519.Verify(k, checkpointMessage(cp.Seq, cp.Hash, cp.Time), cp.Signature) {
			return rep, &BadEntryError{Seq: cp.Seq, Reason: "the checkpoint's signature does not verify (the checkpoint was altered)"}
		}
		if i > 0 && cp.Seq <= cps[i-1].Seq {
			return rep, fmt.Errorf("checkpoints out of order at entry %d", cp.Seq)
		}
	}
	next := 0 // index of the next checkpoint to meet
	prev := make([]byte, 32)
	var seq int64
	for {
		batch, err := src.AuditEntries(ctx, seq, 10000)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			want := seq + 1
			switch {
			case e.Seq != want:
				return rep, &BadEntryError{Seq: want, Reason: fmt.Sprintf("missing: the next entry is numbered %d (entries were deleted or renumbered)", e.Seq)}
			case !bytes.Equal(e.Prev, prev):
				return rep, &BadEntryError{Seq: e.Seq, Reason: "its link to the previous entry does not match (an entry before it was inserted, removed or moved)"}
			case !bytes.Equal(firebreak.AuditHash(e.Seq, e.Prev, e.Body), e.Hash):
				return rep, &BadEntryError{Seq: e.Seq, Reason: "its content does not match its hash (the entry was edited)"}
			}
			for next < len(cps) && cps[next].Seq == e.Seq {
				if !bytes.Equal(cps[next].Hash, e.Hash) {
					return rep, &BadEntryError{Seq: e.Seq, Reason: "it differs from the signed checkpoint (the log was rewritten up to here)"}
				}
				next++
			}
			if next < len(cps) && cps[next].Seq < e.Seq {
				return rep, &BadEntryError{Seq: cps[next].Seq, Reason: "a checkpoint names this entry but the log skips it"}
			}
			prev, seq = e.Hash, e.Seq
			rep.Entries++
		}
	}
	if next < len(cps) {
		return rep, &BadEntryError{Seq: seq + 1, Reason: fmt.Sprintf("missing: the log ends at entry %d but a signed checkpoint covers entry %d (the tail was cut)", seq, cps[next].Seq)}
	}
	rep.Head = prev
	rep.Checkpoints = len(cps)
	if len(cps) > 0 {
		rep.LastCheckpoint = cps[len(cps)-1].Seq
	}
	return rep, nil
}
