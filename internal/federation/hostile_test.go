package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

// Peers are hostile input: these tests put this hub in front of TAXII servers that
// misbehave, and check that a sync ends with an error, keeps its position and never
// hangs.

const (
	peerCollection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	peerInbox      = "52892447-4d7e-4f70-b94d-d7f22742ff63"
	// requestCap is how many object requests a fake peer answers before it answers 500,
	// so that a sync that would loop forever ends (with the wrong error) instead of
	// hanging the test.
	requestCap = 200
)

// peerIndicator is a valid TLP:GREEN indicator numbered n.
func peerIndicator(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		n, n%256, stix.TLPGreenID))
}

// fakePeer is a TAXII server whose objects endpoint a test scripts.
type fakePeer struct {
	srv *httptest.Server

	mu      sync.Mutex
	objects func(w http.ResponseWriter, r *http.Request, n int) // n counts object GETs from 1
	add     func(w http.ResponseWriter, r *http.Request, n int) // n counts POSTs from 1
	gets    []string                                            // raw queries of object GETs
	posts   int
	maxLen  int      // the advertised max_content_length (default 10 MiB)
	inbox   string   // the inbox collection's id (default peerInbox)
	other   []string // other requests: method and path
	// withdrawals answers GET /v1/withdrawals when set (404 otherwise, as any TAXII
	// server that is not a Firebreak hub).
	withdrawals func(w http.ResponseWriter, r *http.Request)
}

func newFakePeer(t *testing.T) *fakePeer {
	t.Helper()
	p := &fakePeer{maxLen: 10 << 20, inbox: peerInbox}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaType)
		p.mu.Lock()
		defer p.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/collections/"+peerCollection+"/objects/":
			p.gets = append(p.gets, r.URL.RawQuery)
			if len(p.gets) > requestCap {
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"title":"the client looped"}`)
				return
			}
			p.objects(w, r, len(p.gets))
		case r.Method == http.MethodPost && r.URL.Path == "/api/collections/"+p.inbox+"/objects/":
			p.posts++
			p.add(w, r, p.posts)
		case r.URL.Path == "/v1/withdrawals" && p.withdrawals != nil:
			w.Header().Set("Content-Type", "application/json")
			p.withdrawals(w, r)
		default:
			p.other = append(p.other, r.Method+" "+r.URL.Path)
			switch r.URL.Path {
			case "/api/":
				fmt.Fprintf(w, `{"title":"peer","versions":["application/taxii+json;version=2.1"],"max_content_length":%d}`, p.maxLen)
			case "/api/collections/":
				fmt.Fprintf(w, `{"collections":[{"id":%q,"title":"Shared","alias":"shared","can_read":true,"can_write":false},{"id":%q,"title":"Inbox","alias":"inbox","can_read":false,"can_write":true}]}`, peerCollection, p.inbox)
			default:
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"title":"not found"}`)
			}
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePeer) objectGets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.gets...)
}

func (p *fakePeer) postCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts
}

// envelope writes an envelope of objects numbered nums, with headers as name, value pairs.
func envelope(w http.ResponseWriter, more bool, next string, nums []int, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	env := taxii.Envelope{More: more, Next: next}
	for _, n := range nums {
		env.Objects = append(env.Objects, peerIndicator(n))
	}
	b, _ := json.Marshal(env)
	_, _ = w.Write(b)
}

// localHub is this hub, with the fake peer as its only peer.
type localHub struct {
	*benchHub
	engine *Engine
	peer   firebreak.Peer
}

func newLocalHub(t *testing.T, peerURL, dir string) *localHub {
	t.Helper()
	org := func(name, country string) firebreak.DeclaredOrganization {
		return firebreak.DeclaredOrganization{Name: name, Country: country, Type: firebreak.TypeCERT, Status: firebreak.OrgVetted}
	}
	h := newBenchHub(t, firebreak.Directory{
		Hub:           firebreak.Hub{Name: "B", Country: "CA", Operator: "B CERT"},
		Organizations: []firebreak.DeclaredOrganization{org("B CERT", "CA"), org("provider", "CA")},
		Users:         []firebreak.DeclaredUser{{Name: "p", Organization: "provider", TokenHash: firebreak.HashToken("provider-token-0123456789")}},
		Peers:         []firebreak.Peer{{Name: "hub-a", URL: peerURL + "/api/", Country: "CA", Type: firebreak.TypeCERT, Token: "hub-b-token-0123456789", Direction: dir, Interval: time.Hour, MaxTLP: firebreak.TLPGreen}},
	})
	peers, err := h.store.Peers(context.Background())
	if err != nil || len(peers) != 1 {
		t.Fatalf("peers: %v %v", peers, err)
	}
	return &localHub{benchHub: h, engine: New(Options{Store: h.store, Guard: h.guard, PageSize: 2}), peer: peers[0]}
}

func (h *localHub) state(t *testing.T) firebreak.PeerState {
	t.Helper()
	st, err := h.store.PeerState(context.Background(), h.peer.Name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPullRefusesToLoop: a peer that would keep a pull going forever makes the sync fail
// at once with an invalid error, with the cursor at the last good position; the next sync
// starts from there, not from zero.
func TestPullRefusesToLoop(t *testing.T) {
	t1 := "2026-01-01T00:00:01.000000Z"
	tests := []struct {
		name     string
		objects  func(w http.ResponseWriter, r *http.Request, n int)
		wantNext [2]string // after each run
		wantDate string
		resume   string // the query of the second run's first request
	}{
		{name: "same next", objects: func(w http.ResponseWriter, r *http.Request, n int) {
			envelope(w, true, "a", []int{1}, taxii.HeaderDateAddedLast, t1)
		}, wantNext: [2]string{"a", "a"}, wantDate: t1, resume: "limit=2&next=a"},
		{name: "next seen before", objects: func(w http.ResponseWriter, r *http.Request, n int) {
			next := map[string]string{"": "a", "a": "b", "b": "a"}[r.URL.Query().Get("next")]
			envelope(w, true, next, []int{n}, taxii.HeaderDateAddedLast, t1)
		}, wantNext: [2]string{"b", "a"}, wantDate: t1, resume: "limit=2&next=b"},
		{name: "date added does not advance", objects: func(w http.ResponseWriter, r *http.Request, n int) {
			envelope(w, true, "", []int{1}, taxii.HeaderDateAddedLast, t1)
		}, wantDate: t1, resume: "added_after=2026-01-01T00%3A00%3A00.999999Z&limit=2"},
		{name: "refuses every token it gives", objects: func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Query().Get("next") != "" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"title":"unknown next"}`)
				return
			}
			envelope(w, true, "b", []int{1}, taxii.HeaderDateAddedLast, t1)
		}, wantNext: [2]string{"b", "b"}, wantDate: t1, resume: "limit=2&next=b"},
		{name: "neither next nor date added", objects: func(w http.ResponseWriter, r *http.Request, n int) {
			envelope(w, true, "", []int{1})
		}, resume: "limit=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := newFakePeer(t)
			peer.objects = tt.objects
			h := newLocalHub(t, peer.srv.URL, firebreak.PeerPull)
			for run := 1; run <= 2; run++ {
				before := len(peer.objectGets())
				_, err := h.engine.Sync(context.Background(), h.peer, nil)
				if firebreak.ErrorCode(err) != firebreak.EINVALID {
					t.Fatalf("run %d: error %v, want invalid", run, err)
				}
				gets := peer.objectGets()
				if got := len(gets) - before; got > 4 {
					t.Errorf("run %d: %d object requests before giving up, want at most 4", run, got)
				}
				if run == 2 && len(gets) > before && gets[before] != tt.resume {
					t.Errorf("run 2 started with %q, want %q (where run 1 stopped)", gets[before], tt.resume)
				}
				st := h.state(t)
				if st.PullNext != tt.wantNext[run-1] || st.PullAddedAfter != tt.wantDate || st.PullComplete {
					t.Errorf("run %d: cursor next=%q date=%q complete=%v, want next=%q date=%q incomplete",
						run, st.PullNext, st.PullAddedAfter, st.PullComplete, tt.wantNext[run-1], tt.wantDate)
				}
				if st.LastError == "" {
					t.Errorf("run %d: the failure is not in the peer's state", run)
				}
			}
		})
	}
}

// TestPullDateAddedForms: a peer's X-TAXII-Date-Added-Last with a UTC offset or another
// precision is taken as the instant it names (kept in UTC, precision kept), and one that
// is not a timestamp leaves the cursor where it was and is reported; neither makes the
// next pull start from zero.
func TestPullDateAddedForms(t *testing.T) {
	tests := []struct {
		name    string
		headers []string // X-TAXII-Date-Added-Last of each run's page ("" for none)
		want    []string // the cursor after each run
		queries []string // each run's request
		warn    bool     // a warning is logged
	}{
		{name: "offset",
			headers: []string{"2026-01-01T02:00:01.5+02:00", "2026-01-01T02:00:02.000000001+02:00"},
			want:    []string{"2026-01-01T00:00:01.5Z", "2026-01-01T00:00:02.000000001Z"},
			queries: []string{"limit=2", "added_after=2026-01-01T00%3A00%3A01.5Z&limit=2"}},
		{name: "nanoseconds",
			headers: []string{"2026-01-01T00:00:01.123456789Z", ""},
			want:    []string{"2026-01-01T00:00:01.123456789Z", "2026-01-01T00:00:01.123456789Z"},
			queries: []string{"limit=2", "added_after=2026-01-01T00%3A00%3A01.123456789Z&limit=2"}},
		{name: "garbage keeps the cursor",
			headers: []string{"2026-01-01T00:00:01.000000Z", "yesterday", ""},
			want:    []string{"2026-01-01T00:00:01.000000Z", "2026-01-01T00:00:01.000000Z", "2026-01-01T00:00:01.000000Z"},
			queries: []string{"limit=2", "added_after=2026-01-01T00%3A00%3A01.000000Z&limit=2", "added_after=2026-01-01T00%3A00%3A01.000000Z&limit=2"},
			warn:    true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := newFakePeer(t)
			peer.objects = func(w http.ResponseWriter, r *http.Request, n int) {
				var h []string
				if v := tt.headers[n-1]; v != "" {
					h = []string{taxii.HeaderDateAddedLast, v}
				}
				envelope(w, false, "", []int{n}, h...)
			}
			h := newLocalHub(t, peer.srv.URL, firebreak.PeerPull)
			var logs syncBuffer
			h.engine = New(Options{Store: h.store, Guard: h.guard, PageSize: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			for run := range tt.headers {
				if _, err := h.engine.Sync(context.Background(), h.peer, nil); err != nil {
					t.Fatalf("run %d: %v", run+1, err)
				}
				if st := h.state(t); st.PullAddedAfter != tt.want[run] || !st.PullComplete {
					t.Errorf("run %d: cursor %q complete=%v, want %q complete", run+1, st.PullAddedAfter, st.PullComplete, tt.want[run])
				}
			}
			if got := peer.objectGets(); fmt.Sprint(got) != fmt.Sprint(tt.queries) {
				t.Errorf("requests %q, want %q", got, tt.queries)
			}
			if got := strings.Contains(logs.String(), "not a timestamp"); got != tt.warn {
				t.Errorf("warning logged: %v, want %v (log %q)", got, tt.warn, logs.String())
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// submit stores objects in the local hub as its member "provider".
func (h *localHub) submit(t *testing.T, objs ...json.RawMessage) {
	t.Helper()
	p, err := h.guard.PrincipalFor(context.Background(), "provider")
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.guard.Import(firebreak.NewContext(context.Background(), p), firebreak.AliasInbox, objs)
	if err != nil || len(st.Failures) != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
}

// bigIndicator is a valid indicator numbered n with a description of size bytes.
func bigIndicator(n, size int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2","description":"%s","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		n, strings.Repeat("x", size), n%256, stix.TLPGreenID))
}

// TestPushTooLarge: an object the peer cannot take (it answers 413, or the object is over
// its advertised max_content_length) is counted as rejected and passed over; the others
// go, and the next push does not try it again.
func TestPushTooLarge(t *testing.T) {
	const big = "indicator--00000000-0000-4000-8000-000000000002"
	tests := []struct {
		name    string
		maxLen  int
		sentBig bool // the big object reaches the peer
	}{
		{name: "peer answers 413", maxLen: 10 << 20, sentBig: true},
		{name: "over the advertised max_content_length", maxLen: 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := newFakePeer(t)
			peer.maxLen = tt.maxLen
			var mu sync.Mutex
			var got []string // ids the peer took
			sentBig := false
			peer.add = func(w http.ResponseWriter, r *http.Request, n int) {
				var env taxii.Envelope
				if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				var ids []string
				for _, o := range env.Objects {
					var v struct{ ID string }
					_ = json.Unmarshal(o, &v)
					if v.ID == big {
						mu.Lock()
						sentBig = true
						mu.Unlock()
						w.WriteHeader(http.StatusRequestEntityTooLarge)
						fmt.Fprint(w, `{"title":"too large"}`)
						return
					}
					ids = append(ids, v.ID)
				}
				mu.Lock()
				got = append(got, ids...)
				mu.Unlock()
				w.WriteHeader(http.StatusAccepted)
				fmt.Fprintf(w, `{"id":"s%d","status":"complete","total_count":%d,"success_count":%d,"failure_count":0,"pending_count":0}`, n, len(ids), len(ids))
			}
			h := newLocalHub(t, peer.srv.URL, firebreak.PeerPush)
			h.submit(t, peerIndicator(1), bigIndicator(2, 5000), peerIndicator(3))
			res, err := h.engine.Sync(context.Background(), h.peer, nil)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if res.Out != 2 || res.Rejected != 1 {
				t.Errorf("sent %d and rejected %d, want 2 and 1", res.Out, res.Rejected)
			}
			mu.Lock()
			want := []string{"indicator--00000000-0000-4000-8000-000000000001", "indicator--00000000-0000-4000-8000-000000000003"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the peer took %v, want %v", got, want)
			}
			if sentBig != tt.sentBig {
				t.Errorf("the big object was sent: %v, want %v", sentBig, tt.sentBig)
			}
			mu.Unlock()
			posts := peer.postCount()
			if res, err := h.engine.Sync(context.Background(), h.peer, nil); err != nil || res.Out != 0 || res.Rejected != 0 {
				t.Errorf("second sync: %+v %v, want nothing to do", res, err)
			}
			if n := peer.postCount() - posts; n != 0 {
				t.Errorf("the second sync posted %d times, want 0", n)
			}
			if st := h.state(t); st.Out != 2 {
				t.Errorf("state counts %d objects out, want 2", st.Out)
			}
		})
	}
}

func (p *fakePeer) otherRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.other...)
}

// acceptAll answers a push with success for every object.
func acceptAll(w http.ResponseWriter, r *http.Request, n int) {
	var env taxii.Envelope
	_ = json.NewDecoder(r.Body).Decode(&env)
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"id":"s%d","status":"complete","total_count":%d,"success_count":%d,"failure_count":0,"pending_count":0}`, n, len(env.Objects), len(env.Objects))
}

// TestPushRemembersInbox: the peer's inbox is looked up once, not on every push, and
// again when the peer answers 404 for it.
func TestPushRemembersInbox(t *testing.T) {
	peer := newFakePeer(t)
	peer.add = acceptAll
	h := newLocalHub(t, peer.srv.URL, firebreak.PeerPush)
	discovery := []string{"GET /api/", "GET /api/collections/"}
	steps := []struct {
		name   string
		move   string   // the inbox's new id before the step, if any
		lookup []string // discovery requests the push makes (and POSTs answered 404)
	}{
		{name: "first push", lookup: discovery},
		{name: "second push"},
		{name: "third push"},
		{name: "after the inbox moved", move: "0b6f0e7c-5cc1-4d56-9bd6-3c0f3b0e2a77",
			lookup: append([]string{"POST /api/collections/" + peerInbox + "/objects/"}, discovery...)},
		{name: "after that"},
	}
	for i, step := range steps {
		if step.move != "" {
			peer.mu.Lock()
			peer.inbox = step.move
			peer.mu.Unlock()
		}
		h.submit(t, peerIndicator(100+i))
		before := len(peer.otherRequests())
		res, err := h.engine.Sync(context.Background(), h.peer, nil)
		if err != nil || res.Out != 1 {
			t.Fatalf("%s: %+v %v, want one object out", step.name, res, err)
		}
		if got := peer.otherRequests()[before:]; fmt.Sprint(got) != fmt.Sprint(step.lookup) {
			t.Errorf("%s: lookups %q, want %q", step.name, got, step.lookup)
		}
	}
	if st := h.state(t); st.Out != int64(len(steps)) {
		t.Errorf("state counts %d objects out, want %d", st.Out, len(steps))
	}
}

// sharedStore is the store of a hub with several nodes, where another node may hold a
// peer's sync lock.
type sharedStore struct {
	Store
	busy     bool // another node holds the lock
	unlocked int
}

func (s *sharedStore) TryLockPeer(ctx context.Context, peer string) (func(), bool, error) {
	if s.busy {
		return nil, false, nil
	}
	return func() { s.unlocked++ }, true, nil
}

// TestSyncSkipsAPeerAnotherNodeSyncs: while another node holds the peer's sync lock, a
// sync sends the peer nothing and says it was busy; once the lock is free, it syncs and
// lets the lock go.
func TestSyncSkipsAPeerAnotherNodeSyncs(t *testing.T) {
	peer := newFakePeer(t)
	peer.objects = func(w http.ResponseWriter, r *http.Request, n int) { envelope(w, false, "", []int{1}) }
	h := newLocalHub(t, peer.srv.URL, firebreak.PeerPull)
	store := &sharedStore{Store: h.store, busy: true}
	e := New(Options{Store: store, Guard: h.guard})
	res, err := e.Sync(context.Background(), h.peer, nil)
	if err != nil || !res.Busy || res.Requests != 0 {
		t.Fatalf("sync while another node syncs: %+v, %v; want busy and no requests", res, err)
	}
	if gets, other := peer.objectGets(), peer.otherRequests(); len(gets) != 0 || len(other) != 0 {
		t.Errorf("the peer got requests %v %v", gets, other)
	}
	store.busy = false
	res, err = e.Sync(context.Background(), h.peer, nil)
	if err != nil || res.Busy || res.In != 1 {
		t.Fatalf("sync once the lock is free: %+v, %v; want one object in", res, err)
	}
	if store.unlocked != 1 {
		t.Errorf("the lock was released %d times, want once", store.unlocked)
	}
}

// TestPullWithdrawalsStartOverOnAStaleToken: a peer that no longer knows the withdrawals
// token it gave (restored with another secret) answers 400; the sync starts its
// withdrawals over once instead of failing every round, which would also stop its pushes.
func TestPullWithdrawalsStartOverOnAStaleToken(t *testing.T) {
	p := newFakePeer(t)
	p.objects = func(w http.ResponseWriter, r *http.Request, n int) { envelope(w, false, "", nil) }
	var asked []string
	p.withdrawals = func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("next")
		asked = append(asked, tok)
		if tok == "stale" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"title":"next: not a token this server issued"}`)
			return
		}
		fmt.Fprint(w, `{"withdrawals":[],"next":"fresh","more":false}`)
	}
	h := newLocalHub(t, p.srv.URL, firebreak.PeerPull)
	st := h.state(t)
	st.PullWithdrawn = "stale"
	if err := h.store.PutPeerState(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if _, err := h.engine.Sync(context.Background(), h.peer, nil); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if got := h.state(t).PullWithdrawn; got != "fresh" || strings.Join(asked, ",") != "stale," {
		t.Errorf("after a stale token: state %q, asked %q", got, asked)
	}
}
