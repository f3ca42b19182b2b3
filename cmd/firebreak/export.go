package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlags("export", stderr)
	org := fset.String("org", "", "organisation whose view is exported (required)")
	coll := fset.String("collection", firebreak.AliasShared, "collection to export: shared, mine or circle-<name>")
	out := fset.String("out", "-", "file to write the bundle to (- for standard output)")
	types := fset.String("type", "", "only these object types (comma-separated)")
	all := fset.Bool("all-versions", false, "every version the organisation may see, not only the latest")
	s := newSettings(fset, "data", "store")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *org == "" {
		return usageError("export: --org is required: an export is what one organisation may see")
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	store, guard, err := openGuarded(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if ctx, err = actingAs(ctx, guard, *org); err != nil {
		return err
	}

	f := firebreak.ObjectFilter{Limit: 1000}
	if *types != "" {
		f.Types = strings.Split(*types, ",")
	}
	if *all {
		f.Versions.All = true
	}
	n := 0
	bar := newProgress(stderr, "export", 0)
	err = writeOutput(*out, stdout, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		fmt.Fprintf(bw, `{"type":"bundle","id":"%s","objects":[`, stix.NewID("bundle"))
		for {
			page, err := guard.Objects(ctx, *coll, f)
			if err != nil {
				return err
			}
			for _, o := range page.Objects {
				if n > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n")
				bw.Write(o.Raw)
				n++
			}
			bar.add(0, int64(len(page.Objects)))
			if !page.More {
				break
			}
			f.After = page.Next
		}
		bw.WriteString("\n]}\n")
		return bw.Flush()
	})
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d objects visible to %q from %s\n", n, *org, *coll)
	return nil
}
