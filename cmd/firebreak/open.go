package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/postgres"
	"github.com/firebreak/firebreak/internal/sqlite"
)

// newFlags returns the flag set of one command: errors are returned, not fatal, and the
// usage goes to w.
func newFlags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parseFlags parses args into fs. A mistake in them (an unknown flag, a value that does
// not parse) is a usageError, exit status 2, as for every other command-line mistake.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError(err.Error())
}

// openStore opens the store the configuration names, creating it when there is none: only
// serve, apply and restore, which bring a hub into being, use it. Every other command uses
// openExistingStore.
func openStore(ctx context.Context, c Config) (firebreak.Store, error) {
	if c.Store != "" {
		s, err := postgres.Open(ctx, c.Store, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redactURL(c.Store), err)
		}
		return s, nil
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	s, err := sqlite.Open(ctx, c.Data, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", c.Data, err)
	}
	return s, nil
}

// hubMissing reports whether the configuration names a data directory without a hub;
// a PostgreSQL store is never missing (its migrations run on open).
func hubMissing(c Config) (bool, error) {
	if c.Store != "" {
		return false, nil
	}
	_, err := os.Stat(filepath.Join(c.Data, sqlite.FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, firebreak.Wrap(firebreak.EUNAVAILABLE, err, fmt.Sprintf("cannot read the data directory %s", c.Data))
	}
	return false, nil
}

// openExistingStore opens the store the configuration names only when a hub is already
// there, so that a mistyped --data fails instead of making a new, empty hub. For the
// embedded store the database file must exist; a PostgreSQL store is opened as it is (its
// migrations run on open).
func openExistingStore(ctx context.Context, c Config) (firebreak.Store, error) {
	missing, err := hubMissing(c)
	if err != nil {
		return nil, err
	}
	if missing {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND,
			"%s holds no hub (no %s): check --data, or create the hub with firebreak apply or serve", c.Data, sqlite.FileName)
	}
	return openStore(ctx, c)
}

// openGuarded opens the existing hub the configuration names and the policy guard over
// it, through which a command reads and writes. The caller closes the store.
func openGuarded(ctx context.Context, c Config) (firebreak.Store, *policy.Guard, error) {
	store, err := openExistingStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return store, guardFor(store, c, nil), nil
}

// actingAs returns ctx with the principal of the organisation named org, or of the hub
// operator when org is empty: whom a command acts for.
func actingAs(ctx context.Context, g *policy.Guard, org string) (context.Context, error) {
	var p *firebreak.Principal
	var err error
	if org == "" {
		p, err = g.OperatorPrincipal(ctx)
	} else {
		p, err = g.PrincipalFor(ctx, org)
	}
	if err != nil {
		return ctx, err
	}
	return firebreak.NewContext(ctx, p), nil
}

// openInput opens a named input, standard input for "-". The caller closes it.
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(name)
}

// writeOutput writes through fn to standard output for "-", else to the file at path,
// atomically (see writeAtomically): a failed write leaves no half file.
func writeOutput(path string, stdout io.Writer, fn func(io.Writer) error) error {
	if path == "-" {
		return fn(stdout)
	}
	return writeAtomically(path, fn)
}
