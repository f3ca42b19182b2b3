package main

import (
	"context"
	"crypto/ed25519"
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
	return filepath.Join(c.Data, "audit.key"), nil
}

// loadAuditKey loads the existing checkpoint signing key. Only serve creates one: a
// command that reads the log must not leave behind a key nobody trusts.
func (c Config) loadAuditKey() (*audit.Signer, error) {
	path, err := c.auditKeyPath()
	if err != nil {
		return nil, err
	}
	return audit.LoadKey(path)
}

// auditCmd is `firebreak audit verify|export|key`.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("audit: give a subcommand: verify, export or key")
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("audit "+sub, stderr)
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
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	if sub == "verify" && *file != "" {
		return verifyExport(ctx, *file, *keyFile, stdout)
	}
	if sub == "key" {
		signer, err := c.loadAuditKey()
		if err != nil {
			return err
		}
		_, err = stdout.Write(signer.PublicPEM())
		return err
	}
	store, err := openExistingStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	// An auditor who names the key to trust needs no access to the hub's private key.
	var trusted ed25519.PublicKey
	if sub == "verify" && *keyFile != "" {
		trusted, err = audit.ReadPublicKey(*keyFile)
	} else {
		var signer *audit.Signer
		signer, err = c.loadAuditKey()
		if signer != nil {
			trusted = signer.Public()
		}
	}
	if err != nil {
		return err
	}
	if sub == "export" {
		return writeOutput(*out, stdout, func(w io.Writer) error { return audit.Export(ctx, store, w, trusted) })
	}
	rep, err := audit.Verify(ctx, store, trusted)
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
		k, err := audit.ReadPublicKey(keyFile)
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
