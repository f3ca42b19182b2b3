package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/firebreak/firebreak"
)

// backupCmd is `firebreak backup [--data DIR | --store URL] --out FILE|-`: a logical
// backup of the whole store (see firebreak.BackupHeader), taken from one snapshot while
// the hub runs.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	s := newSettings(fs, "data", "store")
	out := fs.String("out", "", "file to write the backup to, put in place only once it is complete (- for standard output); "+
		"it holds the hub's secrets and peer tokens: keep it like the database")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("backup: unexpected argument %q", fs.Arg(0)))
	}
	if *out == "" {
		return usageError("backup: --out FILE is required (--out - for standard output)")
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	hub, err := store.Hub(ctx)
	if err != nil {
		return err
	}
	h := firebreak.BackupHeader{Created: time.Now().UTC(), Hub: hub.UUID, Store: storeKind(c), Version: firebreak.Version}
	counts := map[string]int64{}
	write := func(w io.Writer) error {
		bw, err := firebreak.NewBackupWriter(w, h)
		if err != nil {
			return err
		}
		err = store.Backup(ctx, func(r firebreak.BackupRecord) error {
			counts[r.Kind]++
			return bw.Write(r)
		})
		if err != nil {
			return err
		}
		return bw.Close()
	}
	report := stdout
	if *out == "-" {
		report = stderr // standard output is the backup
	}
	if err := writeOutput(*out, stdout, write); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(report, "backed up %s to %s: %s\n", describeStore(c), *out, describeCounts(counts))
	return nil
}

// restoreCmd is `firebreak restore [--data DIR | --store URL] FILE|-`: fills an empty store
// with a backup, all or nothing.
func restoreCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	s := newSettings(fs, "data", "store")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("restore: give one backup FILE (- for standard input)")
	}
	file := fs.Arg(0)
	c, err := s.load()
	if err != nil {
		return err
	}
	// The backup is opened before the store, so that a wrong file name creates nothing.
	r, err := openInput(file, stdin)
	if err != nil {
		return err
	}
	defer r.Close()
	br, err := firebreak.NewBackupReader(r)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	counts := map[string]int64{}
	next := func() (firebreak.BackupRecord, error) {
		rec, err := br.Next()
		if err == nil {
			counts[rec.Kind]++
		}
		return rec, err
	}
	if err := store.Restore(ctx, next); err != nil {
		return fmt.Errorf("restore %s into %s: %w (nothing was restored)", file, describeStore(c), err)
	}
	h := br.Header()
	fmt.Fprintf(stdout, "restored %s into %s: %s\n", file, describeStore(c), describeCounts(counts))
	fmt.Fprintf(stdout, "the backup was made %s from hub %s (%s store, firebreak %s)\n",
		h.Created.Format(time.RFC3339), h.Hub, h.Store, h.Version)
	if counts[firebreak.BackupKindCheckpoint] > 0 {
		fmt.Fprintln(stdout, "note: the audit checkpoints are signed with the backed-up hub's key, which is not in the backup: "+
			"give this hub the same key (copy audit.key into the data directory, or --audit-key) so that audit verify can check them")
	}
	return nil
}

// writeAtomically writes a file through fn into a temporary file beside it, synced, and
// renames it into place only when fn succeeded: an interrupted backup never replaces a
// good one, nor leaves a partial file under the name. The file is readable by its owner
// only.
func writeAtomically(path string, fn func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fn(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is durable once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// storeKind names the kind of store the configuration selects, for a backup's header.
func storeKind(c Config) string {
	if c.Store != "" {
		return "postgres"
	}
	return "sqlite"
}

// describeStore names the store for messages, without a password.
func describeStore(c Config) string {
	if c.Store != "" {
		return redactURL(c.Store)
	}
	return c.Data
}

// describeCounts summarises what a backup holds.
func describeCounts(n map[string]int64) string {
	return fmt.Sprintf("%d organisations, %d users, %d object versions, %d audit entries, %d checkpoints, %d records in all",
		n[firebreak.BackupKindOrganization], n[firebreak.BackupKindUser], n[firebreak.BackupKindObject],
		n[firebreak.BackupKindAudit], n[firebreak.BackupKindCheckpoint], total(n))
}

func total(n map[string]int64) int64 {
	var t int64
	for _, v := range n {
		t += v
	}
	return t
}
