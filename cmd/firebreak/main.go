// Command firebreak is the Firebreak hub: one binary that serves the hub and administers
// it. It is the only place where the store, the policy guard and the HTTP server are
// wired together.
//
//	firebreak serve    run the hub
//	firebreak apply    apply a declarative hub file
//	firebreak import   import STIX bundles and TAXII envelopes
//	firebreak export   export what one organisation may see as a STIX bundle
//	firebreak audit    verify or export the tamper-evident audit log
//	firebreak review   the operators' review queue
//	firebreak sync     sync with the peer hubs once, by hand
//	firebreak match    match logs against the indicators a member may see
//	firebreak disclosure  disclosure requests and the transparency report
//	firebreak backup   write a backup of the whole store
//	firebreak restore  fill an empty store from a backup
//	firebreak version  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/firebreak/firebreak"
)

const usage = `Firebreak: a threat-intelligence sharing hub (STIX 2.1, TAXII 2.1).

Usage:
  firebreak serve   [--listen ADDR] [--data DIR] [--store URL] [--config FILE] ...
  firebreak apply   -f FILE [--data DIR] [--store URL]
  firebreak import  [--org NAME] [--collection ALIAS] [--data DIR] FILE|DIR...
  firebreak export  --org NAME [--collection ALIAS] [--out FILE] [--data DIR]
  firebreak audit   verify [--data DIR | --store URL | --file EXPORT] | export | key
  firebreak review  list | release --id ID --version V | reject --id ID --version V [--reason R]
  firebreak sync    [--peer NAME,...] [--data DIR]
  firebreak match   (--hub URL --token T | --org NAME --data DIR) [--format F] [--report] [FILE...]
  firebreak disclosure list | request | grant | refuse | report  [--org NAME] ...
  firebreak backup  [--data DIR | --store URL] --out FILE|-
  firebreak restore [--data DIR | --store URL] FILE|-
  firebreak version

Run "firebreak COMMAND -h" for the flags of a command. Settings also come from a JSON
config file (--config or FIREBREAK_CONFIG) and FIREBREAK_* environment variables; flags
win over the environment, which wins over the file. Errors show what is safe to show;
FIREBREAK_DEBUG=1 adds their internal cause.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "firebreak:", shownText(err))
		}
		os.Exit(exitCode(err))
	}
}

// run executes one command line. It is main without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, stderr)
	case "apply":
		return applyCmd(ctx, rest, stdin, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, stdin, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr)
	case "audit":
		return auditCmd(ctx, rest, stdout, stderr)
	case "review":
		return reviewCmd(ctx, rest, stdout, stderr)
	case "sync":
		return syncCmd(ctx, rest, stdout, stderr)
	case "match":
		return matchCmd(ctx, rest, stdin, stdout, stderr)
	case "disclosure":
		return disclosureCmd(ctx, rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "firebreak", firebreak.Version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError(fmt.Sprintf("unknown command %q", cmd))
}

// usageError is a command-line mistake: exit status 2, like the flag package.
type usageError string

func (e usageError) Error() string { return string(e) }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// shownText is errorText as the CLI prints it, for the error a command ends with and for
// those it reports and goes on from (a file, a peer): debug when FIREBREAK_DEBUG=1.
func shownText(err error) string { return errorText(err, os.Getenv("FIREBREAK_DEBUG") == "1") }

// errorText is what the CLI prints for an error: its text with each firebreak.Error cut
// down to its client-safe message, so that driver, SQL and decoder text stays out of the
// terminal and of the scripts that read it; the context wrapped around it (a file, a
// store) stays. With debug (FIREBREAK_DEBUG=1) it is the whole error, cause and all.
func errorText(err error, debug bool) string {
	text := err.Error()
	if debug {
		return text
	}
	var fe *firebreak.Error
	if !errors.As(err, &fe) {
		return text
	}
	msg := fe.Message
	if msg == "" {
		msg = "internal error"
	}
	if fe.Err == nil {
		return text
	}
	const hint = " (FIREBREAK_DEBUG=1 shows the cause)"
	// The outermost firebreak.Error's text sits inside the whole: what is around it is
	// context (a file, a store), what is inside it is the cause.
	if before, after, ok := strings.Cut(text, fe.Error()); ok {
		return before + msg + after + hint
	}
	return msg + hint
}
