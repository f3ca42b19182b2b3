package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/firebreak/firebreak/internal/apply"
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
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	guard := guardFor(store, c, nil)
	if err := guard.ApplyDirectory(ctx, d); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	fmt.Fprintf(stdout, "applied %s: %d organisations, %d users, %d circles, %d peers\n",
		*file, len(d.Organizations), len(d.Users), len(d.Circles), len(d.Peers))
	return nil
}
