package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	org := fset.String("org", "", "organisation whose view is exported (required)")
	coll := fset.String("collection", firebreak.AliasShared, "collection to export: shared, mine or circle-<name>")
	out := fset.String("out", "-", "file to write the bundle to (- for standard output)")
	types := fset.String("type", "", "only these object types (comma-separated)")
	all := fset.Bool("all-versions", false, "every version the organisation may see, not only the latest")
	s := newSettings(fset, "data", "store")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *org == "" {
		return usageError("export: --org is required: an export is what one organisation may see")
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
	guard := guardFor(store, c, nil)
	p, err := guard.PrincipalFor(ctx, *org)
	if err != nil {
		return err
	}
	ctx = firebreak.NewContext(ctx, p)

	var w io.Writer = stdout
	var file *os.File
	if *out != "-" {
		// Write next to the target and rename, so a failed export leaves no half bundle.
		file, err = os.CreateTemp(dirOf(*out), ".export-*")
		if err != nil {
			return err
		}
		defer os.Remove(file.Name())
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	f := firebreak.ObjectFilter{Limit: 1000}
	if *types != "" {
		f.Types = strings.Split(*types, ",")
	}
	if *all {
		f.Versions.All = true
	}
	bar := newProgress(stderr, "export", 0)
	fmt.Fprintf(bw, `{"type":"bundle","id":"%s","objects":[`, stix.NewID("bundle"))
	n := 0
	for {
		page, err := guard.Objects(ctx, *coll, f)
		if err != nil {
			bar.finish()
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
	bar.finish()
	if err := bw.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Sync(); err != nil {
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		if err := os.Rename(file.Name(), *out); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "exported %d objects visible to %q from %s\n", n, *org, *coll)
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
