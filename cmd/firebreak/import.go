package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

func importCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := newFlags("import", stderr)
	org := fset.String("org", "", "organisation that provides the objects (default: the hub's operator organisation)")
	coll := fset.String("collection", firebreak.AliasInbox, "collection to write to: inbox or circle-<name>")
	batch := fset.Int("batch", 1000, "objects stored per transaction")
	s := newSettings(fset, "data", "store", "default-tlp", "review")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		return usageError("import: name at least one FILE or DIR (- for standard input)")
	}
	if *batch < 1 || *batch > 100000 {
		return usageError("import: --batch must be between 1 and 100000")
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	files, total, err := importFiles(fset.Args())
	if err != nil {
		return err
	}
	store, guard, err := openGuarded(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	name := *org
	if name == "" {
		hub, err := guard.Hub(ctx)
		if err != nil {
			return err
		}
		if hub.Operator == "" {
			return usageError("import: --org is required until a hub operator is declared with apply")
		}
		name = hub.Operator
	}
	if ctx, err = actingAs(ctx, guard, name); err != nil {
		return err
	}

	bar := newProgress(stderr, "import", total)
	im := &importer{guard: guard, coll: *coll, batch: *batch, stderr: stderr, bar: bar}
	var fileErrs int
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			bar.finish()
			return err
		}
		if err := im.file(ctx, f, stdin); err != nil {
			if code := firebreak.ErrorCode(err); code == firebreak.EUNAVAILABLE || code == firebreak.EINTERNAL || code == firebreak.EFORBIDDEN || code == firebreak.ENOTFOUND {
				bar.finish()
				return fmt.Errorf("%s: %w", f, err)
			}
			fileErrs++
			bar.finish()
			fmt.Fprintf(stderr, "%s: %s\n", f, shownText(err))
		}
	}
	bar.finish()
	fmt.Fprintf(stdout, "imported %d objects from %d file(s) as %q: %d stored or already held, %d rejected\n",
		im.objects, len(files), name, im.ok, im.failed)
	if im.failed > 0 || fileErrs > 0 {
		return fmt.Errorf("import: %d object(s) rejected, %d file(s) unreadable", im.failed, fileErrs)
	}
	return nil
}

// importFiles expands the arguments into files (directories are walked for *.json) and
// sums their sizes for the progress bar.
func importFiles(args []string) ([]string, int64, error) {
	var files []string
	var total int64
	for _, a := range args {
		if a == "-" {
			files = append(files, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, 0, err
		}
		if !st.IsDir() {
			files = append(files, a)
			total += st.Size()
			continue
		}
		err = filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.HasSuffix(strings.ToLower(d.Name()), ".json") {
				info, err := d.Info()
				if err != nil {
					return err
				}
				files = append(files, path)
				total += info.Size()
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return files, total, nil
}

type importer struct {
	guard           *policy.Guard
	coll            string
	batch           int
	stderr          io.Writer
	bar             *progress
	objects, ok     int
	failed, printed int
}

// file streams one file into the store in batches.
func (im *importer) file(ctx context.Context, name string, stdin io.Reader) error {
	r, err := openInput(name, stdin)
	if err != nil {
		return err
	}
	defer r.Close()
	rd := stix.NewReader(countingReader{r: r, p: im.bar})
	var pending []json.RawMessage
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		st, err := im.guard.Import(ctx, im.coll, pending)
		if err != nil {
			return err
		}
		im.ok += len(st.Successes)
		im.failed += len(st.Failures)
		im.bar.add(0, int64(len(pending)))
		for _, f := range st.Failures {
			if im.printed < 20 {
				im.bar.finish()
				fmt.Fprintf(im.stderr, "%s: %s: %s\n", name, f.ID, f.Message)
			}
			im.printed++
		}
		pending = pending[:0]
		return nil
	}
	for {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("after %d objects: %w", im.objects, err)
		}
		im.objects++
		pending = append(pending, bytes.Clone(raw))
		if len(pending) >= im.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
