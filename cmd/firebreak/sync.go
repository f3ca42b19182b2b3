package main

import (
	"context"
	"fmt"
	"io"

	"github.com/firebreak/firebreak/internal/federation"
)

// syncCmd is `firebreak sync`: one sync with each peer (or those named), by hand.
func syncCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sync", stderr)
	only := fs.String("peer", "", "sync only these peers (comma-separated names)")
	s := newSettings(fs, "data", "store", "default-tlp", "review")
	if err := parseFlags(fs, args); err != nil {
		return err
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
	all, err := store.Peers(ctx)
	if err != nil {
		return err
	}
	peers, err := federation.Names(all, *only)
	if err != nil {
		return err
	}
	if len(peers) == 0 {
		fmt.Fprintln(stdout, "no peers are declared")
		return nil
	}
	e := federation.New(federation.Options{Store: store, Guard: guard})
	failed := 0
	for _, p := range peers {
		bar := newProgress(stderr, "sync "+p.Name, 0)
		res, err := e.Sync(ctx, p, func(in, out int) { bar.add(0, int64(in+out)) })
		bar.finish()
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: failed after %d in, %d out: %s\n", p.Name, res.In, res.Out, shownText(err))
			continue
		}
		if res.Busy {
			fmt.Fprintf(stdout, "%s: another node of this hub is syncing it; nothing done\n", p.Name)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d in, %d out, %d refused, %d requests\n", p.Name, res.In, res.Out, res.Rejected, res.Requests)
	}
	if failed > 0 {
		return fmt.Errorf("sync: %d of %d peers failed", failed, len(peers))
	}
	return nil
}
