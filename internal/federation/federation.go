// Package federation syncs this hub with its peers over TAXII 2.1: it pulls from a peer's
// shared collection (any TAXII 2.1 server) and pushes to its inbox, on the peer's
// interval. What crosses is decided by the policy guard, as for any reader: a peer is a
// reader capped by its agreement. Objects taken from a peer are stored as provided by the
// peer's account, which keeps their provenance: they never go back to it, and go on to
// other peers only as their further_sharing allows.
//
// Sync state (the peer's cursor for pulls, this hub's position for pushes) is kept in the
// store after every batch, so a restart resumes where it stopped. A peer that is down,
// slow or answering errors gets exponential backoff in its own goroutine and holds up no
// other peer; every failure is reported in the peer's state, the metrics and the log.
package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/metrics"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/taxii"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// Store is what the engine needs of the hub's store.
type Store interface {
	Peers(ctx context.Context) ([]firebreak.Peer, error)
	firebreak.FederationStore
}

// Options configure an Engine.
type Options struct {
	Store Store
	Guard *policy.Guard
	Clock firebreak.Clock
	// HTTPClient talks to every peer (one connection pool); nil makes one.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Metrics    *metrics.Registry
	// PageSize is how many objects one pull request asks for (default 1000); BatchSize
	// how many one push sends at most (default 1000).
	PageSize, BatchSize int
	// BackoffMin and BackoffMax bound the wait after a failed sync (default 1s and 5m).
	BackoffMin, BackoffMax time.Duration
}

// Engine runs federation.
type Engine struct {
	opts    Options
	objects *metrics.CounterVec
	errors  *metrics.CounterVec
	lag     *metrics.GaugeVec

	mu      sync.Mutex
	inboxes map[string]pushTarget // by peer name: where pushes go
}

// pushTarget is a peer's inbox collection and its API root's max_content_length, found
// once and kept until the peer answers 404 for it or its URL changes.
type pushTarget struct {
	url    string // the peer's API root when it was found
	id     string
	maxLen int64
}

// New returns an engine.
func New(opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = firebreak.SystemClock{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = taxiiclient.NewHTTPClient()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewRegistry()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 5 * time.Minute
	}
	return &Engine{
		opts:    opts,
		objects: opts.Metrics.NewCounterVec("firebreak_federation_objects_total", "Objects taken from (in) and sent to (out) each peer.", "peer", "direction"),
		errors:  opts.Metrics.NewCounterVec("firebreak_federation_errors_total", "Failed syncs per peer.", "peer"),
		lag:     opts.Metrics.NewGaugeVec("firebreak_federation_lag_seconds", "Seconds since the last completed sync with each peer.", "peer"),
		inboxes: map[string]pushTarget{},
	}
}

// Result is what one sync with a peer did.
type Result struct {
	In, Out  int // objects taken and sent
	Rejected int // objects one side refused (reported, not retried)
	// Withdrawn counts the objects removed on a peer's word, or removed from a peer on
	// this hub's.
	Withdrawn int
	Requests  int // requests made
	// Busy is true when the sync did nothing because another node of the hub, or another
	// sync, was syncing the peer (see firebreak.PeerLocker).
	Busy bool
}

// Progress is told about objects as they cross, for a progress bar.
type Progress func(in, out int)

// Sync runs one sync with peer: a pull, a push, or both, as its direction says.
func (e *Engine) Sync(ctx context.Context, peer firebreak.Peer, progress Progress) (Result, error) {
	var res Result
	// On a store that several nodes share, one sync of a peer runs at a time, whichever
	// node starts it; its state is read once the lock is held, as the last one left it.
	if l, ok := e.opts.Store.(firebreak.PeerLocker); ok {
		unlock, held, err := l.TryLockPeer(ctx, peer.Name)
		if err != nil {
			return res, err
		}
		if !held {
			res.Busy = true
			return res, nil
		}
		defer unlock()
	}
	st, err := e.opts.Store.PeerState(ctx, peer.Name)
	if err != nil {
		return res, err
	}
	err = e.sync(ctx, peer, &st, &res, progress)
	if err != nil {
		st.LastError = err.Error()
		e.errors.Inc(peer.Name)
	} else {
		st.LastError, st.LastSuccess = "", e.opts.Clock.Now()
	}
	e.lag.Set(e.opts.Clock.Now().Sub(st.LastSuccess).Seconds(), peer.Name)
	if st.LastSuccess.IsZero() {
		e.lag.Set(-1, peer.Name)
	}
	// The outcome of the sync (not a batch: batches saved their own state) is kept
	// without a record of its own; a failure to keep it is reported with the sync's.
	if perr := e.opts.Store.PutPeerState(context.WithoutCancel(ctx), st); perr != nil && err == nil {
		err = perr
	}
	return res, err
}

func (e *Engine) sync(ctx context.Context, peer firebreak.Peer, st *firebreak.PeerState, res *Result, progress Progress) error {
	acct, err := e.opts.Guard.PrincipalFor(ctx, peer.Name)
	if err != nil {
		return fmt.Errorf("peer %s has no account on this hub: %w", peer.Name, err)
	}
	if acct.Peer == nil {
		return fmt.Errorf("organisation %s is not a peer", peer.Name)
	}
	pctx := firebreak.NewContext(ctx, acct)
	client, err := taxiiclient.New(peer.URL, taxiiclient.Options{HTTPClient: e.opts.HTTPClient, Token: peer.Token, UserAgent: "firebreak/" + firebreak.Version, Peer: "1"})
	if err != nil {
		return err
	}
	if peer.Direction == firebreak.PeerPull || peer.Direction == firebreak.PeerBoth {
		if err := e.pull(ctx, pctx, client, peer, st, res, progress); err != nil {
			return fmt.Errorf("pull from %s: %w", peer.Name, err)
		}
		if err := e.pullWithdrawals(ctx, pctx, client, peer, st, res); err != nil {
			return fmt.Errorf("withdrawals from %s: %w", peer.Name, err)
		}
	}
	if peer.Direction == firebreak.PeerPush || peer.Direction == firebreak.PeerBoth {
		if err := e.push(ctx, pctx, client, peer, st, res, progress); err != nil {
			return fmt.Errorf("push to %s: %w", peer.Name, err)
		}
		if err := e.pushWithdrawals(ctx, pctx, client, peer, st, res); err != nil {
			return fmt.Errorf("withdrawals to %s: %w", peer.Name, err)
		}
	}
	return nil
}

// pullWithdrawals takes from a Firebreak peer the objects it sent and has since
// withdrawn (deleted, or tightened beyond this hub), and removes this hub's copies of
// them: those its account provided here. Removing them records withdrawals here in
// turn, which go on to this hub's own peers. Another TAXII server has no withdrawals.
func (e *Engine) pullWithdrawals(ctx, pctx context.Context, c *taxiiclient.Client, peer firebreak.Peer, st *firebreak.PeerState, res *Result) error {
	restarted := false
	for {
		res.Requests++
		ids, next, more, err := c.Withdrawals(ctx, st.PullWithdrawn, 1000)
		if err != nil && !restarted && st.PullWithdrawn != "" && taxiiclient.StatusCode(err) == http.StatusBadRequest {
			// The peer no longer knows the token it gave (a restore with another secret,
			// our account made again): start over, once. Removing twice changes nothing.
			restarted, st.PullWithdrawn = true, ""
			continue
		}
		if err != nil {
			if code := taxiiclient.StatusCode(err); code == http.StatusNotFound || code == http.StatusForbidden || firebreak.ErrorCode(err) == firebreak.EUNSUPPORTED {
				return nil // not a Firebreak hub, or one that does not serve them to us
			}
			return err
		}
		for _, id := range ids {
			if err := e.opts.Guard.Delete(pctx, firebreak.AliasMine, id, firebreak.VersionFilter{All: true}, nil); err != nil && firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
				return err
			}
			res.Withdrawn++
		}
		st.PullWithdrawn = next
		if err := e.opts.Store.PutPeerState(ctx, *st); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// pushWithdrawals tells a peer this hub pushes to which objects it sent were since
// withdrawn: it deletes them from the peer, where this hub's account provided them.
func (e *Engine) pushWithdrawals(ctx, pctx context.Context, c *taxiiclient.Client, peer firebreak.Peer, st *firebreak.PeerState, res *Result) error {
	mine := ""
	for {
		ids, next, more, err := e.opts.Guard.Withdrawn(pctx, st.PushWithdrawnAfter, 1000)
		if err != nil {
			return err
		}
		if len(ids) > 0 && mine == "" {
			res.Requests++
			col, err := c.CollectionByAlias(ctx, firebreak.AliasMine)
			if err != nil {
				// Not a Firebreak hub: it offers no collection of what this hub sent,
				// and a delete elsewhere could remove what is not ours. These
				// withdrawals are passed over, said once, not read again each round.
				e.opts.Logger.Warn("federation: the peer has no collection of this hub's submissions; withdrawals are not passed on", "peer", peer.Name, "objects", len(ids))
				st.PushWithdrawnAfter = next
				if err := e.opts.Store.PutPeerState(ctx, *st); err != nil {
					return err
				}
				if more {
					continue
				}
				return nil
			}
			mine = col.ID
		}
		for _, id := range ids {
			res.Requests++
			if err := c.DeleteObject(ctx, mine, id, taxiiclient.Query{}); err != nil && taxiiclient.StatusCode(err) != http.StatusNotFound {
				return err
			}
			res.Withdrawn++
		}
		st.PushWithdrawnAfter = next
		if len(ids) > 0 || more {
			if err := e.opts.Store.PutPeerState(ctx, *st); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// readable finds the collection to pull from: the peer's shared collection (a Firebreak
// hub), else the first one it may read (any TAXII 2.1 server).
func readable(ctx context.Context, c *taxiiclient.Client, res *Result) (string, error) {
	res.Requests++
	cs, err := c.Collections(ctx)
	if err != nil {
		return "", err
	}
	for _, col := range cs {
		if col.Alias == firebreak.AliasShared && col.CanRead {
			return col.ID, nil
		}
	}
	for _, col := range cs {
		if col.CanRead {
			return col.ID, nil
		}
	}
	return "", errors.New("the peer offers no collection this hub may read")
}

func (e *Engine) pull(ctx, pctx context.Context, c *taxiiclient.Client, peer firebreak.Peer, st *firebreak.PeerState, res *Result, progress Progress) error {
	if st.PullCollection == "" {
		coll, err := readable(ctx, c, res)
		if err != nil {
			return err
		}
		st.PullCollection = coll
	}
	coll := st.PullCollection
	q := taxiiclient.Query{Limit: e.opts.PageSize}
	// Overlap: a pull cut off mid-stream without a next token resumes at, not strictly
	// after, the last date added taken, since strictly after would skip the rest of a group
	// sharing it. Re-taking the group is harmless (a version is stored once); losing it is
	// not. After a complete pull it asks strictly after: everything up to that date added
	// was taken (a Firebreak hub gives every submission a later date added than the one
	// before, so nothing else can share it).
	opts := taxiiclient.PagerOptions{From: taxiiclient.Position{Next: st.PullNext, DateAdded: st.PullAddedAfter, Complete: st.PullComplete}, Overlap: true}
	pager, err := c.Pager(coll, q, opts)
	if err != nil {
		// Only an old hub version saved a peer's date added unread: starting over re-takes
		// what is there, which changes nothing but time, and is said.
		e.opts.Logger.Warn("federation: the saved pull position is not a timestamp; pulling from the start", "peer", peer.Name, "position", st.PullAddedAfter)
		st.PullAddedAfter, st.PullComplete = "", false
		opts.From = taxiiclient.Position{Next: st.PullNext}
		if pager, err = c.Pager(coll, q, opts); err != nil {
			return err
		}
	}
	fellBack := false
	for pager.More() {
		res.Requests++
		page, err := pager.Next(ctx)
		if err != nil && !fellBack && pager.Position().Next != "" && taxiiclient.StatusCode(err) == http.StatusBadRequest {
			// The peer no longer knows its token: fall back to its date added, once (a
			// peer that refuses every token it gives must not keep the pull going).
			fellBack = true
			st.PullNext = ""
			opts.From = pager.Position()
			opts.From.Next = ""
			if pager, err = c.Pager(coll, q, opts); err != nil {
				return err
			}
			continue
		}
		if err != nil && taxiiclient.StatusCode(err) == http.StatusNotFound {
			// The collection went away (or changed id): find it again next time.
			st.PullCollection = ""
		}
		if err != nil {
			// A page the pager refused is not taken: the cursor stays after the last good one.
			return err
		}
		if len(page.Objects) > 0 {
			s, err := e.opts.Guard.Import(pctx, firebreak.AliasInbox, page.Objects)
			if err != nil {
				return err
			}
			res.In += s.Stored
			res.Rejected += len(s.Failures)
			st.In += int64(s.Stored)
			e.objects.Add(uint64(s.Stored), peer.Name, "in")
			for _, f := range s.Failures {
				e.opts.Logger.Warn("object from peer rejected", "peer", peer.Name, "id", f.ID, "reason", f.Message)
			}
			if progress != nil {
				progress(len(page.Objects), 0)
			}
		}
		if page.DateAddedLast != "" {
			if _, _, err := taxiiclient.ParseDateAdded(page.DateAddedLast); err != nil {
				v := page.DateAddedLast
				if len(v) > 64 {
					v = v[:64] + "…" // the peer's text, in our log
				}
				// The pager kept the last good date added: the next pull asks from there
				// (taking this page again, which changes nothing) rather than from zero.
				e.opts.Logger.Warn("federation: the peer's date added is not a timestamp; the cursor stays where it was",
					"peer", peer.Name, "header", taxii.HeaderDateAddedLast, "value", v)
			}
		}
		pos := pager.Position()
		st.PullNext, st.PullAddedAfter, st.PullComplete = pos.Next, pos.DateAdded, pos.Complete
		if len(page.Objects) > 0 || page.More {
			// The position is saved after the objects are: a crash in between takes the
			// same page again, which changes nothing.
			if err := e.opts.Store.PutPeerState(ctx, *st, e.record(peer, firebreak.AuditFederationPull, len(page.Objects))); err != nil {
				return err
			}
		}
	}
	return nil
}

// inbox returns where pushes to peer go, looking it up only when it is not known; fresh
// says it was just looked up.
func (e *Engine) inbox(ctx context.Context, c *taxiiclient.Client, peer firebreak.Peer, res *Result) (in pushTarget, fresh bool, err error) {
	e.mu.Lock()
	in, ok := e.inboxes[peer.Name]
	e.mu.Unlock()
	if ok && in.url == peer.URL {
		return in, false, nil
	}
	res.Requests += 2
	root, err := c.APIRoot(ctx)
	if err != nil {
		return in, true, err
	}
	col, err := c.CollectionByAlias(ctx, firebreak.AliasInbox)
	if err != nil {
		return in, true, err
	}
	in = pushTarget{url: peer.URL, id: col.ID, maxLen: root.MaxContentLength}
	e.mu.Lock()
	e.inboxes[peer.Name] = in
	e.mu.Unlock()
	return in, true, nil
}

// forgetInbox makes the next push to peer look its inbox up again.
func (e *Engine) forgetInbox(peer firebreak.Peer) {
	e.mu.Lock()
	delete(e.inboxes, peer.Name)
	e.mu.Unlock()
}

func (e *Engine) push(ctx, pctx context.Context, c *taxiiclient.Client, peer firebreak.Peer, st *firebreak.PeerState, res *Result, progress Progress) error {
	var in pushTarget
	fresh := false // in was looked up in this push
	for {
		page, err := e.opts.Guard.Objects(pctx, firebreak.AliasShared, firebreak.ObjectFilter{
			After: st.PushAfter, Versions: firebreak.VersionFilter{All: true}, Limit: e.opts.BatchSize})
		if err != nil {
			return err
		}
		if len(page.Objects) == 0 {
			return nil
		}
		if in.id == "" {
			if in, fresh, err = e.inbox(ctx, c, peer, res); err != nil {
				return err
			}
		}
		moved := false
		for _, batch := range split(page.Objects, in.maxLen) {
			if len(batch) == 1 && in.maxLen > 0 && envelopeSize(batch) > in.maxLen {
				// The peer said it takes no envelope this large: sending it would only
				// earn a 413, every round.
				e.refusedTooLarge(peer, res, batch[0], "over the peer's max_content_length")
				st.PushAfter = firebreak.CursorOf(batch[0])
				if err := e.opts.Store.PutPeerState(ctx, *st); err != nil {
					return err
				}
				if progress != nil {
					progress(0, 1)
				}
				continue
			}
			err := e.send(ctx, c, in.id, peer, st, res, batch, progress)
			if err != nil && taxiiclient.StatusCode(err) == http.StatusNotFound {
				// The inbox went away (or changed id): look it up again, once per push,
				// and go on from the cursor, which is past every batch sent.
				e.forgetInbox(peer)
				if fresh {
					return err
				}
				in, moved = pushTarget{}, true
				break
			}
			if err != nil {
				return err
			}
		}
		if !page.More && !moved {
			return nil
		}
	}
}

// send pushes one batch and moves the push cursor past it. A 413 from the peer (its real
// limit is below what it advertised) halves the batch until the object it cannot take is
// alone; that one is counted as rejected and passed over, so that it does not block every
// later push.
func (e *Engine) send(ctx context.Context, c *taxiiclient.Client, inbox string, peer firebreak.Peer, st *firebreak.PeerState, res *Result, batch []firebreak.Object, progress Progress) error {
	raws := make([]json.RawMessage, len(batch))
	for i, o := range batch {
		raws[i] = o.Raw
	}
	res.Requests++
	s, err := c.AddObjects(ctx, inbox, raws)
	switch {
	case taxiiclient.StatusCode(err) == http.StatusRequestEntityTooLarge && len(batch) > 1:
		h := len(batch) / 2
		if err := e.send(ctx, c, inbox, peer, st, res, batch[:h], progress); err != nil {
			return err
		}
		return e.send(ctx, c, inbox, peer, st, res, batch[h:], progress)
	case taxiiclient.StatusCode(err) == http.StatusRequestEntityTooLarge:
		// Sent and refused: recorded as a batch like any other, and passed over.
		e.refusedTooLarge(peer, res, batch[0], "the peer answered 413")
	case err != nil:
		return err
	default:
		res.Out += s.SuccessCount + s.PendingCount
		res.Rejected += s.FailureCount
		st.Out += int64(s.SuccessCount + s.PendingCount)
		e.objects.Add(uint64(s.SuccessCount+s.PendingCount), peer.Name, "out")
		for _, f := range s.Failures {
			e.opts.Logger.Warn("object refused by peer", "peer", peer.Name, "id", f.ID, "reason", f.Message)
		}
	}
	if progress != nil {
		progress(0, len(batch))
	}
	st.PushAfter = firebreak.CursorOf(batch[len(batch)-1])
	return e.opts.Store.PutPeerState(ctx, *st, e.record(peer, firebreak.AuditFederationPush, len(batch)))
}

// refusedTooLarge reports an object the peer cannot take for its size, as a refusal.
func (e *Engine) refusedTooLarge(peer firebreak.Peer, res *Result, o firebreak.Object, why string) {
	res.Rejected++
	e.opts.Logger.Warn("object refused by peer", "peer", peer.Name, "id", o.ID, "bytes", len(o.Raw), "reason", "too large: "+why)
}

// envelopeSize is the size of the envelope AddObjects sends for objs.
func envelopeSize(objs []firebreak.Object) int64 {
	n := int64(len(`{"objects":[]}`))
	for _, o := range objs {
		n += int64(len(o.Raw) + 1)
	}
	return n
}

// split cuts a page into envelopes that fit the peer's max_content_length.
func split(objs []firebreak.Object, maxLen int64) [][]firebreak.Object {
	if maxLen <= 0 {
		maxLen = 1 << 20
	}
	budget := maxLen - 64 - maxLen/100 // the envelope and a margin
	var out [][]firebreak.Object
	start, size := 0, int64(0)
	for i, o := range objs {
		n := int64(len(o.Raw) + 1)
		if i > start && size+n > budget {
			out = append(out, objs[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(out, objs[start:])
}

// record is the audit entry of one federation batch.
func (e *Engine) record(peer firebreak.Peer, action string, n int) []byte {
	return audit.Canonical(firebreak.AuditEvent{Time: e.opts.Clock.Now(), Action: action, User: "federation", Org: peer.Name,
		Detail: fmt.Sprintf("%d objects", n)})
}

// Run syncs every peer on its interval until ctx ends. Each peer has its own goroutine;
// a failing peer backs off exponentially (with jitter) without holding up the others.
// The peer list is read again every few seconds, so peers added, changed or removed by
// apply take effect without a restart.
func (e *Engine) Run(ctx context.Context) {
	type runner struct {
		cancel context.CancelFunc
		peer   firebreak.Peer
	}
	var wg sync.WaitGroup
	running := map[string]runner{}
	stopAll := func() {
		for _, r := range running {
			r.cancel()
		}
		wg.Wait()
	}
	defer stopAll()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		peers, err := e.opts.Store.Peers(ctx)
		if err != nil && ctx.Err() == nil {
			e.opts.Logger.Error("federation: cannot read peers", "error", err)
		}
		seen := map[string]bool{}
		for _, p := range peers {
			seen[p.Name] = true
			if r, ok := running[p.Name]; ok && samePeer(r.peer, p) {
				continue
			} else if ok {
				r.cancel()
			}
			pctx, cancel := context.WithCancel(ctx)
			running[p.Name] = runner{cancel: cancel, peer: p}
			wg.Add(1)
			go func(p firebreak.Peer) {
				defer wg.Done()
				e.loop(pctx, p)
			}(p)
		}
		for name, r := range running {
			if !seen[name] {
				r.cancel()
				delete(running, name)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func samePeer(a, b firebreak.Peer) bool {
	return a.URL == b.URL && a.Token == b.Token && a.Direction == b.Direction && a.Interval == b.Interval
}

// loop syncs one peer until ctx ends.
func (e *Engine) loop(ctx context.Context, p firebreak.Peer) {
	backoff := time.Duration(0)
	for {
		_, err := e.Sync(ctx, p, nil)
		wait := p.Interval
		if err != nil && ctx.Err() == nil {
			backoff = min(max(2*backoff, e.opts.BackoffMin), e.opts.BackoffMax)
			if ra := taxiiclient.RetryAfter(err); ra > backoff {
				backoff = min(ra, e.opts.BackoffMax)
			}
			// Jitter keeps many hubs from retrying a recovering peer in step.
			wait = backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
			e.opts.Logger.Warn("federation: sync failed", "peer", p.Name, "error", err, "retry_in", wait.String())
		} else {
			backoff = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Names lists the peers a caller named, or all of them, for the CLI.
func Names(peers []firebreak.Peer, want string) ([]firebreak.Peer, error) {
	if want == "" {
		return peers, nil
	}
	var out []firebreak.Peer
	for _, p := range peers {
		for _, w := range strings.Split(want, ",") {
			if p.Name == strings.TrimSpace(w) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "no peer named %q", want)
	}
	return out, nil
}
