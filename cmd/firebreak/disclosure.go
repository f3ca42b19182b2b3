package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
)

// disclosureCmd is `firebreak disclosure list|request|grant|refuse|report`: the
// disclosure workflow from the command line, acting for one organisation (--org) of the
// local store, or as the hub operator for list and report.
func disclosureCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("disclosure: give a subcommand: list, request, grant, refuse or report")
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("disclosure "+sub, stderr)
	s := newSettings(fs, "data", "store")
	org := fs.String("org", "", "the organisation acting (list: default the hub operator)")
	id := fs.String("id", "", "grant, refuse: the request")
	kind := fs.String("kind", firebreak.DisclosureObjects, "request: objects or identity")
	provider := fs.String("provider", "", "request: the organisation asked, when known")
	objects := fs.String("objects", "", "request, grant: object ids, comma-separated")
	purpose := fs.String("purpose", "", "request, grant: the purpose")
	deadline := fs.String("deadline", "", "request: how long the provider has (default 336h)")
	expires := fs.String("expires", "", "grant: until when (RFC 3339)")
	reason := fs.String("reason", "", "refuse: why")
	asJSON := fs.Bool("json", false, "print JSON")
	switch sub {
	case "list", "request", "grant", "refuse", "report":
	default:
		return usageError(fmt.Sprintf("disclosure: unknown subcommand %q", sub))
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	store, g, err := openGuarded(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if sub == "report" {
		report, err := g.Transparency(ctx)
		if err != nil {
			return err
		}
		return printJSONOr(stdout, *asJSON, report, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "month\trequester type\toutcome\tcount")
			for _, r := range report.Rows {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", r.Month, r.RequesterType, r.Outcome, r.Count)
			}
			fmt.Fprintf(w, "(rows stand for at least %d requesters each; %d requests suppressed)\n", report.K, report.Suppressed)
		})
	}
	if *org == "" && sub != "list" {
		return usageError("disclosure " + sub + ": --org is required")
	}
	if ctx, err = actingAs(ctx, g, *org); err != nil {
		return err
	}
	ids := splitList(*objects)
	var out any
	switch sub {
	case "list":
		out, err = g.Disclosures(ctx)
	case "request":
		out, err = g.RequestDisclosure(ctx, policy.DisclosureAsk{Kind: *kind, Provider: *provider, Objects: ids, Purpose: *purpose, Deadline: *deadline})
	case "grant":
		out, err = g.DecideDisclosure(ctx, *id, policy.DisclosureDecision{Grant: true, Objects: ids, Purpose: *purpose, Expires: *expires})
	case "refuse":
		out, err = g.DecideDisclosure(ctx, *id, policy.DisclosureDecision{Reason: *reason})
	}
	if err != nil {
		return err
	}
	var views []policy.DisclosureView
	switch v := out.(type) {
	case []policy.DisclosureView:
		views = v
	case policy.DisclosureView:
		views = []policy.DisclosureView{v}
	}
	return printJSONOr(stdout, *asJSON, views, func(w *tabwriter.Writer) {
		fmt.Fprintln(w, "id\tkind\tstate\trole\trequester\tprovider\tdeadline\tobjects")
		for _, v := range views {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", v.ID, v.Kind, v.State, v.Role, v.Requester, v.Provider,
				v.Deadline.Format("2006-01-02T15:04Z"), len(v.Objects))
		}
	})
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func printJSONOr(w io.Writer, asJSON bool, v any, table func(*tabwriter.Writer)) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}
