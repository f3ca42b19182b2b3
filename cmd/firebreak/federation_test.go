package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/federation"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// Tokens of the federation tests: each hub's own users, and the accounts the US hub
// presents to its peers.
const (
	tokUSOp    = "us-operator-token-0123456"
	tokUSAlice = "us-alice-token-012345678"
	tokCAOp    = "ca-operator-token-0123456"
	tokCAMaple = "ca-maple-token-012345678"
	tokMXOp    = "mx-operator-token-0123456"
	tokUSatCA  = "us-hub-at-ca-token-01234"
	tokUSatMX  = "us-hub-at-mx-token-01234"
)

// peerSideDecl declares a national hub that the US hub federates with: its operator and
// one member, and the US hub's account with its agreement.
func peerSideDecl(country, cert, member, memberToken, opToken, usToken, maxTLP string) string {
	return fmt.Sprintf(`{
  "hub": {"name": "%[1]s national hub", "country": "%[1]s", "operator": %[2]q},
  "organizations": [
    {"name": %[2]q, "country": "%[1]s", "type": "cert", "status": "vetted"},
    {"name": %[3]q, "country": "%[1]s", "type": "private", "status": "vetted"},
    {"name": "us-hub", "country": "US", "type": "cert", "status": "vetted"}
  ],
  "users": [
    {"name": "op", "organization": %[2]q, "roles": ["operator"], "token": %[5]q},
    {"name": "member", "organization": %[3]q, "roles": ["analyst"], "token": %[4]q},
    {"name": "us", "organization": "us-hub", "roles": ["analyst"], "token": %[6]q}
  ],
  "peers": [{"name": "us-hub", "url": "http://127.0.0.1:1/api/", "country": "US", "type": "cert",
             "direction": "push", "max_tlp": %[7]q}]
}`, country, cert, member, memberToken, opToken, usToken, maxTLP)
}

func usDecl(caURL, mxURL string) string {
	return fmt.Sprintf(`{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Acme Energy", "country": "US", "type": "private", "status": "vetted"}
  ],
  "users": [
    {"name": "op", "organization": "US CERT", "roles": ["operator"], "token": %q},
    {"name": "alice", "organization": "Acme Energy", "roles": ["analyst"], "token": %q}
  ],
  "peers": [
    {"name": "ca-hub", "url": %q, "country": "CA", "type": "cert", "token": %q, "direction": "both", "interval": "1s", "max_tlp": "amber"},
    {"name": "mx-hub", "url": %q, "country": "MX", "type": "cert", "token": %q, "direction": "push", "interval": "1s", "max_tlp": "green"}
  ]
}`, tokUSOp, tokUSAlice, caURL+"/api/", tokUSatCA, mxURL+"/api/", tokUSatMX)
}

type threeHubs struct {
	us, ca, mx *testHub
	engine     *federation.Engine
}

func startThreeHubs(t *testing.T) *threeHubs {
	t.Helper()
	noFed := func(c *Config) { c.NoFederation = true }
	ca := startHubWith(t, peerSideDecl("CA", "CA CERT", "Maple Power", tokCAMaple, tokCAOp, tokUSatCA, "amber"), noFed)
	mx := startHubWith(t, peerSideDecl("MX", "MX CERT", "Aztec Grid", "mx-aztec-token-012345678", tokMXOp, tokUSatMX, "green"), noFed)
	us := startHubWith(t, usDecl(ca.URL, mx.URL), noFed)
	return &threeHubs{us: us, ca: ca, mx: mx, engine: federation.New(federation.Options{Store: us.hub.store, Guard: us.hub.guard, PageSize: 50})}
}

// syncAll runs one sync of the US hub with each peer.
func (th *threeHubs) syncAll(t *testing.T) {
	t.Helper()
	peers, err := th.us.hub.store.Peers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		if _, err := th.engine.Sync(context.Background(), p, nil); err != nil {
			t.Fatalf("sync with %s: %v", p.Name, err)
		}
	}
}

// holds reports whether a hub holds an object, as its operator sees it.
func holds(t *testing.T, h *testHub, opToken, id string) bool {
	t.Helper()
	c := h.client(t, opToken)
	_, err := c.Object(context.Background(), collectionID(t, c, "shared"), id, taxiiclient.Query{})
	if err != nil && httpStatus(err) != 404 {
		t.Fatalf("reading %s: %v", id, err)
	}
	return err == nil
}

func submitAs(t *testing.T, h *testHub, token string, objs ...string) {
	t.Helper()
	c := h.client(t, token)
	st, err := c.AddObjects(context.Background(), collectionID(t, c, "inbox"), raws(objs...))
	if err != nil || st.FailureCount != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
}

func TestFederationThreeHubs(t *testing.T) {
	th := startThreeHubs(t)
	ctx := context.Background()
	withMark := func(n int, tlp, markID, props string) []string {
		objs := []string{}
		marks := []string{tlp}
		if markID != "" {
			objs = append(objs, policyMark(markID, props))
			marks = append(marks, "marking-definition--"+markID)
		}
		ind := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created_by_ref":"identity--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
			uuidN(n), uuidN(n+5000), n%250, strings.Join(marks, `","`))
		return append(objs, ind)
	}
	green := "indicator--" + uuidN(1)
	submitAs(t, th.us, tokUSAlice, withMark(1, stix.TLPGreenID, "", "")...)
	noForeign := "indicator--" + uuidN(2)
	submitAs(t, th.us, tokUSAlice, withMark(2, stix.TLPGreenID, "00000000-0000-4000-8000-00000000e002", `,"caveats":["no-foreign"]`)...)
	amberCA := "indicator--" + uuidN(3)
	submitAs(t, th.us, tokUSAlice, withMark(3, stix.TLPAmberID, "00000000-0000-4000-8000-00000000e003", `,"audience":{"organizations":["ca-hub"]}`)...)
	red := "indicator--" + uuidN(4)
	submitAs(t, th.us, tokUSAlice, withMark(4, stix.TLPRedID, "00000000-0000-4000-8000-00000000e004", `,"audience":{"organizations":["ca-hub","mx-hub"]}`)...)
	// Two CA objects, one that may go on to other peers and one that may not.
	caPeers := "indicator--" + uuidN(5)
	submitAs(t, th.ca, tokCAMaple, withMark(5, stix.TLPGreenID, "00000000-0000-4000-8000-00000000e005", `,"further_sharing":"peers"`)...)
	caHubOnly := "indicator--" + uuidN(6)
	submitAs(t, th.ca, tokCAMaple, withMark(6, stix.TLPGreenID, "00000000-0000-4000-8000-00000000e006", `,"further_sharing":"hub-only"`)...)

	th.syncAll(t) // US pulls from CA, then pushes to CA and MX
	th.syncAll(t) // a second round changes nothing

	for _, tc := range []struct {
		name       string
		id         string
		us, ca, mx bool
	}{
		{"green with no caveats reaches every hub", green, true, true, true},
		{"no-foreign stays home", noForeign, true, false, false},
		{"amber for the CA peer reaches CA only", amberCA, true, true, false},
		{"red never leaves", red, true, false, false},
		{"CA object with further_sharing peers reaches MX through the US", caPeers, true, true, true},
		{"CA object with further_sharing hub-only stops at the US", caHubOnly, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := holds(t, th.us, tokUSOp, tc.id); got != tc.us {
				t.Errorf("US holds it: %v, want %v", got, tc.us)
			}
			if got := holds(t, th.ca, tokCAOp, tc.id); got != tc.ca {
				t.Errorf("CA holds it: %v, want %v", got, tc.ca)
			}
			if got := holds(t, th.mx, tokMXOp, tc.id); got != tc.mx {
				t.Errorf("MX holds it: %v, want %v", got, tc.mx)
			}
		})
	}
	// The provider is anonymised across the border: CA's member gets neither Acme's
	// creator reference nor the US hub's own identity for it.
	maple := th.ca.client(t, tokCAMaple)
	page, err := maple.Object(ctx, collectionID(t, maple, "shared"), green, taxiiclient.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page.Objects[0], []byte("identity--"+uuidN(5001))) {
		t.Errorf("the provider's identity crossed the border: %s", page.Objects[0])
	}
	// What came from CA never goes back to it, and nothing was repeated.
	st, _ := th.us.hub.store.PeerState(ctx, "ca-hub")
	if st.In != 4 { // the two CA indicators and their two policy markings
		t.Errorf("US took %d objects from CA, want 4", st.In)
	}
	// Recall: the provider revokes an object; the new version travels.
	rev := strings.Replace(withMark(1, stix.TLPGreenID, "", "")[0], `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-02-01T00:00:00.000Z","revoked":true`, 1)
	submitAs(t, th.us, tokUSAlice, rev)
	th.syncAll(t)
	for name, h := range map[string]*testHub{"CA": th.ca, "MX": th.mx} {
		tok := map[string]string{"CA": tokCAOp, "MX": tokMXOp}[name]
		c := h.client(t, tok)
		vs, err := c.Versions(ctx, collectionID(t, c, "shared"), green, taxiiclient.Query{})
		if err != nil || len(vs.Versions) != 2 {
			t.Errorf("%s versions of the revoked object: %v %v", name, vs.Versions, err)
		}
	}
	// A suspended peer receives nothing more, at once.
	patchAs(t, th.us, tokUSOp, "mx-hub", `{"status":"suspended"}`)
	later := "indicator--" + uuidN(7)
	submitAs(t, th.us, tokUSAlice, withMark(7, stix.TLPGreenID, "", "")...)
	peers, _ := th.us.hub.store.Peers(ctx)
	for _, p := range peers {
		_, err := th.engine.Sync(ctx, p, nil)
		if p.Name == "mx-hub" && err == nil {
			t.Errorf("syncing with a suspended peer succeeded")
		}
	}
	if holds(t, th.mx, tokMXOp, later) {
		t.Errorf("a suspended peer received a new object")
	}
	if !holds(t, th.ca, tokCAOp, later) {
		t.Errorf("the other peer missed the new object")
	}
	// An incremental pull with nothing new costs one request per peer collection, and
	// one for the peer's withdrawals.
	ca, _ := federation.Names(peers, "ca-hub")
	pullOnly := ca[0]
	pullOnly.Direction = firebreak.PeerPull
	res, err := th.engine.Sync(ctx, pullOnly, nil)
	if err != nil || res.Requests != 2 || res.In != 0 {
		t.Errorf("empty incremental pull: %+v %v, want 2 requests", res, err)
	}
}

// TestFederationResumesAfterACrash kills a sync in the middle and restarts the hub: what
// was taken stays, the rest follows, nothing is taken twice.
func TestFederationResumesAfterACrash(t *testing.T) {
	th := startThreeHubs(t)
	ctx := context.Background()
	var objs []string
	for i := 0; i < 230; i++ {
		objs = append(objs, indicator("indicator--"+uuidN(10000+i), "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	}
	submitAs(t, th.ca, tokCAMaple, objs...)
	peers, _ := th.us.hub.store.Peers(ctx)
	ca, _ := federation.Names(peers, "ca-hub")
	pull := ca[0]
	pull.Direction = firebreak.PeerPull
	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := th.engine.Sync(cctx, pull, func(in, out int) {
		if pages++; pages == 2 {
			cancel() // the hub dies after taking two pages
		}
	})
	if err == nil {
		t.Fatalf("the interrupted sync reported success")
	}
	// A new hub process on the same data: a fresh engine, store and guard.
	th.us.stop()
	c := th.us.cfg
	h2, err := newHub(ctx, c, newLogger(c, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer h2.store.Close()
	e2 := federation.New(federation.Options{Store: h2.store, Guard: h2.guard, PageSize: 50})
	if _, err := e2.Sync(ctx, pull, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := h2.store.PeerState(ctx, "ca-hub")
	if st.In != 230 {
		t.Errorf("took %d objects in all, want each of the 230 exactly once", st.In)
	}
	p, _ := h2.guard.OperatorPrincipal(ctx)
	page, err := h2.guard.Objects(firebreak.NewContext(ctx, p), firebreak.AliasShared, firebreak.ObjectFilter{Limit: 1000, Types: []string{"indicator"}})
	if err != nil || len(page.Objects) != 230 {
		t.Errorf("US holds %d of the 230 objects (%v)", len(page.Objects), err)
	}
}

// TestFederationBackoff puts a peer behind a proxy that answers 500 for a while: the
// background loop backs off, and catches up when the peer recovers.
func TestFederationBackoff(t *testing.T) {
	ca := startHubWith(t, peerSideDecl("CA", "CA CERT", "Maple Power", tokCAMaple, tokCAOp, tokUSatCA, "amber"), func(c *Config) { c.NoFederation = true })
	target, _ := url.Parse(ca.URL)
	var failing atomic.Bool
	var failures atomic.Int64
	failing.Store(true)
	proxy := httputil.NewSingleHostReverseProxy(target)
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			failures.Add(1)
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	us := startHubWith(t, usDecl(flaky.URL, "http://127.0.0.1:1"), func(c *Config) { c.NoFederation = true })
	submitAs(t, ca, tokCAMaple, indicator("indicator--"+uuidN(42), "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	e := federation.New(federation.Options{Store: us.hub.store, Guard: us.hub.guard, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for failures.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the engine did not retry the failing peer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := us.hub.store.PeerState(context.Background(), "ca-hub"); st.LastError == "" {
		t.Errorf("the failure is not reported in the peer's state")
	}
	failing.Store(false)
	for !holds(t, us, tokUSOp, "indicator--"+uuidN(42)) {
		if time.Now().After(deadline) {
			t.Fatalf("the engine did not catch up after the peer recovered")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPullFromAnyTAXIIServer pulls from a minimal TAXII 2.1 server written here, not a
// Firebreak hub.
func TestPullFromAnyTAXIIServer(t *testing.T) {
	var objs []json.RawMessage
	for i := 0; i < 7; i++ {
		objs = append(objs, json.RawMessage(indicator("indicator--"+uuidN(20000+i), "2026-01-01T00:00:00.000Z", stix.TLPClearID)))
	}
	const ct = "application/taxii+json;version=2.1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+tokUSatCA {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", ct)
		switch r.URL.Path {
		case "/api/collections/":
			fmt.Fprint(w, `{"collections":[{"id":"91a7b528-80eb-42ed-a74d-c6fbd5a26116","title":"Indicators","can_read":true,"can_write":false}]}`)
		case "/api/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/":
			// Dates added one second apart; pages of three; no next (added_after only).
			after, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("added_after"))
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var page []json.RawMessage
			var last time.Time
			more := false
			for i, o := range objs {
				added := base.Add(time.Duration(i) * time.Second)
				if !added.After(after) {
					continue
				}
				if len(page) == 3 {
					more = true
					break
				}
				page, last = append(page, o), added
			}
			if len(page) > 0 {
				w.Header().Set("X-TAXII-Date-Added-Last", last.Format("2006-01-02T15:04:05.000000Z"))
			}
			b, _ := json.Marshal(map[string]any{"more": more, "objects": page})
			w.Write(b)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"title":"not found"}`)
		}
	}))
	defer srv.Close()
	us := startHubWith(t, usDecl(srv.URL, "http://127.0.0.1:1"), func(c *Config) { c.NoFederation = true })
	e := federation.New(federation.Options{Store: us.hub.store, Guard: us.hub.guard})
	peers, _ := us.hub.store.Peers(context.Background())
	ca, _ := federation.Names(peers, "ca-hub")
	pull := ca[0]
	pull.Direction = firebreak.PeerPull
	res, err := e.Sync(context.Background(), pull, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if !holds(t, us, tokUSOp, "indicator--"+uuidN(20000+i)) {
			t.Errorf("object %d was not pulled", i)
		}
	}
	if res.In < 7 {
		t.Errorf("pulled %d, want 7", res.In)
	}
	// Again: nothing new, nothing lost.
	if res, err := e.Sync(context.Background(), pull, nil); err != nil || res.Rejected != 0 {
		t.Errorf("second pull: %+v %v", res, err)
	}
}

func TestSyncCommand(t *testing.T) {
	th := startThreeHubs(t)
	submitAs(t, th.us, tokUSAlice, indicator("indicator--"+uuidN(31), "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	out, _, err := cli(t, "", "sync", "--peer", "mx-hub", "--data", th.us.Data)
	if err != nil || !strings.Contains(out, "mx-hub: ") {
		t.Fatalf("sync: %q %v", out, err)
	}
	if !holds(t, th.mx, tokMXOp, "indicator--"+uuidN(31)) {
		t.Errorf("firebreak sync did not push to mx-hub")
	}
	if _, _, err := cli(t, "", "sync", "--peer", "nobody", "--data", th.us.Data); err == nil {
		t.Errorf("syncing an unknown peer succeeded")
	}
}

// TestSyncCommandFailure checks that a peer sync that fails is reported with the safe
// message of its error, not the transport's text beneath it (unless FIREBREAK_DEBUG asks),
// and that the command then fails.
func TestSyncCommandFailure(t *testing.T) {
	dir := t.TempDir()
	decl := filepath.Join(dir, "hub.json")
	os.WriteFile(decl, []byte(`{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "far-hub", "country": "CA", "type": "cert", "status": "vetted"}
  ],
  "peers": [{"name": "far-hub", "url": "http://127.0.0.1:1/api/", "country": "CA", "type": "cert", "direction": "pull", "max_tlp": "green"}]
}`), 0o600)
	data := filepath.Join(dir, "data")
	if _, _, err := cli(t, "", "apply", "-f", decl, "--data", data); err != nil {
		t.Fatalf("apply: %v", err)
	}
	tests := []struct {
		debug     string
		wantCause bool
	}{
		{"", false},
		{"1", true},
	}
	for _, tt := range tests {
		t.Setenv("FIREBREAK_DEBUG", tt.debug)
		out, _, err := cli(t, "", "sync", "--data", data)
		if err == nil || exitCode(err) != 1 {
			t.Errorf("debug %q: sync of an unreachable peer: err %v, want exit status 1", tt.debug, err)
		}
		if !strings.Contains(out, "far-hub: failed") || !strings.Contains(out, "could not be reached") {
			t.Errorf("debug %q: sync printed %q, want the peer's failure", tt.debug, out)
		}
		if got := strings.Contains(out, "dial tcp"); got != tt.wantCause {
			t.Errorf("debug %q: sync printed %q: shows the cause %v, want %v", tt.debug, out, got, tt.wantCause)
		}
	}
}
