// Package audit keeps the hub's tamper-evident audit log: every event is appended to a
// hash chain in the store (so several nodes on one database keep one chain), the chain's
// head is signed with Ed25519 in checkpoints, and Verify finds any edited, deleted,
// inserted or reordered entry, and a tail cut after a checkpoint, naming the first bad
// entry. Exported logs and checkpoints can be verified without the hub.
package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/firebreak/firebreak"
)

// Log records audit events in a store. It implements firebreak.Auditor.
type Log struct {
	store firebreak.AuditStore
}

// New returns a log over store.
func New(store firebreak.AuditStore) *Log { return &Log{store: store} }

// Record appends e to the chain. It returns only when the entry is durable; an error means
// the event is not on the record, and the action it belongs to must fail.
func (l *Log) Record(ctx context.Context, e firebreak.AuditEvent) error {
	_, err := l.store.AppendAudit(ctx, Canonical(e))
	return err
}

// Canonical is the encoding of an event that the chain commits to: JSON with the fields in
// a fixed order and the time in UTC.
func Canonical(e firebreak.AuditEvent) []byte {
	e.Time = e.Time.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		panic("audit: encoding an event cannot fail: " + err.Error())
	}
	return b
}

// Signer signs checkpoints with an Ed25519 key.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
}

// NewSigner returns a signer for key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	pub := key.Public().(ed25519.PublicKey)
	return &Signer{key: key, keyID: KeyID(pub)}
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// Public returns the public key that verifies this signer's checkpoints.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// PublicPEM returns the public key as PEM (PKIX), the form ReadPublicKey reads and
// `firebreak audit key` prints.
func (s *Signer) PublicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(s.Public())
	if err != nil {
		panic("audit: encoding an Ed25519 public key cannot fail: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// LoadKey reads the PEM (PKCS #8) Ed25519 key at path. A missing file is an ENOTFOUND
// *firebreak.Error (wrapping fs.ErrNotExist); LoadKey never creates a key, so a command
// that only reads the log cannot leave behind a key nobody trusts.
func LoadKey(path string) (*Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, firebreak.Wrap(firebreak.ENOTFOUND, err,
			fmt.Sprintf("audit key %s does not exist: the hub creates it when it first starts (firebreak serve), or name the key file with audit_key", path))
	}
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, firebreak.Errorf(firebreak.EINVALID, "audit key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINVALID, err, fmt.Sprintf("audit key %s: not a PKCS #8 private key", path))
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, firebreak.Errorf(firebreak.EINVALID, "audit key %s: not an Ed25519 key", path)
	}
	return NewSigner(priv), nil
}

// LoadOrCreateKey is LoadKey, except that it creates a key (mode 0600) when the file does
// not exist.
func LoadOrCreateKey(path string) (*Signer, error) {
	s, err := LoadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return NewSigner(priv), nil
}

// ReadPublicKey reads a PEM (PKIX) Ed25519 public key, as PublicPEM writes it: the key an
// auditor trusts when verifying a log or an export.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, firebreak.Wrap(firebreak.ENOTFOUND, err, fmt.Sprintf("public key %s does not exist", path))
	}
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, firebreak.Errorf(firebreak.EINVALID, "public key %s: not PEM", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINVALID, err, fmt.Sprintf("public key %s: not a PKIX public key", path))
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, firebreak.Errorf(firebreak.EINVALID, "public key %s: not an Ed25519 public key", path)
	}
	return pub, nil
}

// checkpointMessage is what a checkpoint signature covers.
func checkpointMessage(seq int64, hash []byte, t time.Time) []byte {
	m := []byte("firebreak-audit-checkpoint-v1\n")
	m = binary.BigEndian.AppendUint64(m, uint64(seq))
	m = append(m, hash...)
	return binary.BigEndian.AppendUint64(m, uint64(t.UTC().UnixNano()))
}

// Checkpoint signs the chain's current head and stores the checkpoint. It does nothing
// (and returns false) when the log is empty or the head is already checkpointed.
func (s *Signer) Checkpoint(ctx context.Context, store firebreak.AuditStore, now time.Time) (firebreak.AuditCheckpoint, bool, error) {
	head, err := store.AuditHead(ctx)
	if err != nil || head.Seq == 0 {
		return firebreak.AuditCheckpoint{}, false, err
	}
	cps, err := store.AuditCheckpoints(ctx)
	if err != nil {
		return firebreak.AuditCheckpoint{}, false, err
	}
	if n := len(cps); n > 0 && cps[n-1].Seq >= head.Seq {
		return cps[n-1], false, nil
	}
	now = now.UTC().Truncate(time.Microsecond)
	cp := firebreak.AuditCheckpoint{Seq: head.Seq, Hash: head.Hash, Time: now, KeyID: s.keyID,
		Signature: ed25519.Sign(s.key, checkpointMessage(head.Seq, head.Hash, now))}
	return cp, true, store.PutAuditCheckpoint(ctx, cp)
}

// Checkpoints runs Checkpoint every interval until ctx ends, and once more then, so that
// a clean shutdown leaves the head signed. Errors go to report.
func (s *Signer) Checkpoints(ctx context.Context, store firebreak.AuditStore, clock firebreak.Clock, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, _, err := s.Checkpoint(sctx, store, clock.Now()); err != nil {
				report(err)
			}
			cancel()
			return
		case <-t.C:
			if _, _, err := s.Checkpoint(ctx, store, clock.Now()); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}
