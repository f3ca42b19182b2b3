package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// reviewCmd is `firebreak review list|release|reject`: the operators' review queue from
// the command line.
func reviewCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("review: give a subcommand: list, release or reject")
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("review "+sub, stderr)
	s := newSettings(fs, "data", "store")
	id := fs.String("id", "", "object id (release, reject)")
	version := fs.String("version", "", "object version (release, reject)")
	provider := fs.String("provider", "", "the organisation whose held copy is meant, when several hold one (release, reject)")
	reason := fs.String("reason", "", "why the version is rejected (reject)")
	asJSON := fs.Bool("json", false, "list: print JSON")
	switch sub {
	case "list", "release", "reject":
	default:
		return usageError(fmt.Sprintf("review: unknown subcommand %q (list, release or reject)", sub))
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if sub != "list" && (*id == "" || *version == "") {
		return usageError("review " + sub + ": --id and --version are required")
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
	if ctx, err = actingAs(ctx, guard, ""); err != nil {
		return err
	}
	switch sub {
	case "list":
		held, err := guard.Held(ctx, 1000)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(held)
		}
		for _, h := range held {
			fmt.Fprintf(stdout, "%s  %s  %s  from %s (status %s)\n", h.Added.Format("2006-01-02T15:04:05Z"), h.ID, h.Version, h.Provider, h.StatusID)
		}
		fmt.Fprintf(stdout, "%d version(s) held for review\n", len(held))
		return nil
	case "release":
		if err := guard.DecideHeld(ctx, *provider, *id, *version, true, ""); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "released %s %s\n", *id, *version)
	case "reject":
		if err := guard.DecideHeld(ctx, *provider, *id, *version, false, *reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rejected %s %s\n", *id, *version)
	}
	return nil
}
