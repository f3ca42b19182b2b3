package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/firebreak/firebreak/internal/apply"
	"github.com/firebreak/firebreak/internal/sqlite"
)

func applyCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("f", "", "declaration file to apply (- for standard input)")
	s := newSettings(fs, "data", "store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return usageError("apply: -f FILE is required")
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	var r io.Reader = stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	d, err := apply.Parse(r)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	// apply is how a hub is first declared, so it may create the store; it says so, so
	// that a mistyped --data is seen at once.
	created := false
	if c.Store == "" {
		_, err := os.Stat(filepath.Join(c.Data, sqlite.FileName))
		created = errors.Is(err, os.ErrNotExist)
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if created {
		fmt.Fprintf(stderr, "created a new hub in %s\n", c.Data)
	}
	guard := guardFor(store, c, nil)
	if err := guard.ApplyDirectory(ctx, d); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	fmt.Fprintf(stdout, "applied %s: %d organisations, %d users, %d circles, %d peers\n",
		*file, len(d.Organizations), len(d.Users), len(d.Circles), len(d.Peers))
	return nil
}
