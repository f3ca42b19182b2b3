package main

import (
	"context"
	"fmt"
	"io"

	"github.com/firebreak/firebreak/internal/apply"
)

func applyCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("apply", stderr)
	file := fs.String("f", "", "declaration file to apply (- for standard input)")
	s := newSettings(fs, "data", "store")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError("apply: -f FILE is required")
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	r, err := openInput(*file, stdin)
	if err != nil {
		return err
	}
	defer r.Close()
	d, err := apply.Parse(r)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	// apply is how a hub is first declared, so it may create the store; it says so, so
	// that a mistyped --data is seen at once.
	created, err := hubMissing(c)
	if err != nil {
		return err
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
