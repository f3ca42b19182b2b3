package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/firebreak/firebreak/internal/audit"
)

// auditKeyPath is where the checkpoint signing key lives: the configured file, else
// audit.key in the data directory.
func (c Config) auditKeyPath() (string, error) {
	if c.AuditKey != "" {
		return c.AuditKey, nil
	}
	if c.Store != "" {
		return "", usageError("audit_key: with a --store URL, name the checkpoint signing key file (every node must use the same key)")
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return "", err
	}
	return filepath.Join(c.Data, "audit.key"), nil
}

// auditCmd is `firebreak audit verify|export|key`.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("audit: give a subcommand: verify, export or key")
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := newSettings(fs, "data", "store", "audit-key")
	var file, keyFile, out *string
	switch sub {
	case "verify":
		file = fs.String("file", "", "verify an exported log instead of the store (no hub needed)")
		keyFile = fs.String("key", "", "public key (PEM) to trust for checkpoints; default: the hub's key, or for --file the keys in the export")
	case "export":
		out = fs.String("out", "-", "file to write the export to (- for standard output)")
	case "key":
	default:
		return usageError(fmt.Sprintf("audit: unknown subcommand %q (verify, export or key)", sub))
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	if sub == "verify" && *file != "" {
		return verifyExport(ctx, *file, *keyFile, stdout)
	}
	keyPath, err := c.auditKeyPath()
	if err != nil {
		return err
	}
	signer, err := audit.LoadOrCreateKey(keyPath)
	if err != nil {
		return err
	}
	if sub == "key" {
		der, err := x509.MarshalPKIXPublicKey(signer.Public())
		if err != nil {
			return err
		}
		return pem.Encode(stdout, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "export":
		var w io.Writer = stdout
		if *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		return audit.Export(ctx, store, w, signer.Public())
	}
	trusted := []ed25519.PublicKey{signer.Public()}
	if *keyFile != "" {
		k, err := readPublicKey(*keyFile)
		if err != nil {
			return err
		}
		trusted = []ed25519.PublicKey{k}
	}
	rep, err := audit.Verify(ctx, store, trusted...)
	if err != nil {
		return err
	}
	printReport(stdout, rep)
	return nil
}

func verifyExport(ctx context.Context, file, keyFile string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := audit.ReadExport(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	keys := m.Keys
	if keyFile != "" {
		k, err := readPublicKey(keyFile)
		if err != nil {
			return err
		}
		keys = []ed25519.PublicKey{k}
	} else {
		fmt.Fprintln(stdout, "note: trusting the key in the export; pass --key to check against a key you hold")
	}
	rep, err := audit.Verify(ctx, m, keys...)
	if err != nil {
		return err
	}
	printReport(stdout, rep)
	return nil
}

func printReport(w io.Writer, rep audit.Report) {
	fmt.Fprintf(w, "audit log intact: %d entries, %d signed checkpoints (last at entry %d), head %x\n",
		rep.Entries, rep.Checkpoints, rep.LastCheckpoint, rep.Head)
	if rep.Entries > rep.LastCheckpoint {
		fmt.Fprintf(w, "%d entries after the last checkpoint are chained but not yet signed\n", rep.Entries-rep.LastCheckpoint)
	}
}

func readPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: not PEM", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New(path + ": not an Ed25519 public key")
	}
	return pub, nil
}
