package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/federation"
	"github.com/firebreak/firebreak/internal/httpapi"
	"github.com/firebreak/firebreak/internal/metrics"
	"github.com/firebreak/firebreak/internal/policy"
)

func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := logLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// guardFor is the policy guard over store with the configuration's settings: every
// command that reads or writes objects goes through one made here, so that they all
// decide, scrub, hold and record alike.
func guardFor(store firebreak.Store, c Config, logger *slog.Logger) *policy.Guard {
	return policy.NewGuard(store, policy.Options{DefaultTLP: c.defaultTLP(), Logger: logger, Auditor: audit.New(store),
		Review: c.Review, SightingsK: c.SightingsK})
}

// hub is a running hub: the store, the guard and the HTTP server wired together.
type hub struct {
	cfg    Config
	store  firebreak.Store
	guard  *policy.Guard
	server *http.Server
	log    *slog.Logger
	signer *audit.Signer
	fed    *federation.Engine
}

// newHub wires a hub from a configuration. The caller closes the store.
func newHub(ctx context.Context, c Config, logger *slog.Logger) (*hub, error) {
	// Before the store, so that a missing --audit-key or an unreadable certificate leaves
	// the database untouched.
	keyPath, err := c.auditKeyPath()
	if err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return nil, err
	}
	signer, err := audit.LoadOrCreateKey(keyPath)
	if err != nil {
		store.Close()
		return nil, err
	}
	guard := guardFor(store, c, logger)
	reg := metrics.NewRegistry()
	api := httpapi.New(httpapi.Config{
		Objects:          guard,
		Auth:             guard,
		Trust:            guard,
		Disclosures:      guard,
		People:           guard,
		Withdrawals:      guard,
		Matcher:          guard,
		Audit:            guard,
		Apply:            guard.ApplyDirectory,
		MaxContentLength: c.MaxContentLength,
		Limits:           c.limits(),
		Logger:           logger,
		Metrics:          reg,
		Ready: func(ctx context.Context) error {
			_, err := store.Epoch(ctx)
			return err
		},
	})
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	fed := federation.New(federation.Options{Store: store, Guard: guard, Logger: logger, Metrics: reg})
	return &hub{cfg: c, store: store, guard: guard, server: srv, log: logger, signer: signer, fed: fed}, nil
}

// serve accepts connections on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to the shutdown timeout) and closes the
// store, so that every acknowledged write is durable.
func (h *hub) serve(ctx context.Context, ln net.Listener) error {
	tlsOn := h.server.TLSConfig != nil
	if tlsOn {
		ln = tls.NewListener(ln, h.server.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- h.server.Serve(ln) }()
	// The background work below runs until the server has stopped; stopBackground ends it
	// and waits for it, before the store is closed.
	bg, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	stopBackground := func() { cancel(); wg.Wait() }
	// Sign the audit chain's head regularly, and once more on the way out.
	wg.Go(func() {
		h.signer.Checkpoints(bg, h.store, firebreak.SystemClock{}, time.Duration(h.cfg.AuditCheckpointInterval), func(err error) {
			h.log.Error("audit checkpoint failed", "error", err)
		})
	})
	// Federation with the peers, each on its interval.
	if !h.cfg.NoFederation {
		wg.Go(func() { h.fed.Run(bg) })
	}
	// Requests unanswered at their deadline are refused, on the record, even if nobody
	// looks at them.
	wg.Go(func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				if err := h.guard.ExpireDisclosures(bg); err != nil && bg.Err() == nil {
					h.log.Error("expiring disclosure requests failed", "error", err)
				}
			}
		}
	})
	h.log.Info("firebreak serving", "version", firebreak.Version, "addr", ln.Addr().String(), "tls", tlsOn, "data", h.cfg.Data)
	select {
	case err := <-errc:
		stopBackground()
		h.store.Close()
		return err
	case <-ctx.Done():
	}
	h.log.Info("shutting down")
	sctx, cancelShutdown := context.WithTimeout(context.Background(), time.Duration(h.cfg.ShutdownTimeout))
	defer cancelShutdown()
	err := h.server.Shutdown(sctx)
	stopBackground()
	if cerr := h.store.Close(); err == nil {
		err = cerr
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	s := newSettings(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0)))
	}
	c, err := s.load()
	if err != nil {
		return err
	}
	logger := newLogger(c, stderr)
	h, err := newHub(ctx, c, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		h.store.Close()
		return err
	}
	return h.serve(ctx, ln)
}
