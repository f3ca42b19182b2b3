package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/apply"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// testHub is a real hub serving on 127.0.0.1:0 over a fresh data directory.
type testHub struct {
	URL  string // base URL, e.g. http://127.0.0.1:41234
	Data string
	cfg  Config
	hub  *hub
	stop func()
}

// Tokens of the users the standard declaration creates.
const (
	tokAlice    = "alice-token-0123456789" // analyst, Acme Energy (US, private, vetted)
	tokBob      = "bob-token-0123456789ab" // analyst, Beta Bank (US, private, vetted)
	tokCarol    = "carol-token-0123456789" // analyst, Gamma Grid (US, private, pending)
	tokDave     = "dave-token-0123456789a" // analyst, Delta Dam (US, private, suspended)
	tokOperator = "oscar-token-0123456789" // operator+admin, US CERT
)

const declaration = `{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Acme Energy", "country": "US", "type": "private", "sectors": ["energy"], "status": "vetted", "domains": ["acme-energy.example"]},
    {"name": "Beta Bank", "country": "US", "type": "private", "sectors": ["financial-services"], "status": "vetted"},
    {"name": "Gamma Grid", "country": "US", "type": "private", "sectors": ["energy"], "status": "pending"},
    {"name": "Delta Dam", "country": "US", "type": "private", "sectors": ["dams"], "status": "suspended"}
  ],
  "users": [
    {"name": "alice", "organization": "Acme Energy", "roles": ["analyst"], "token": "` + tokAlice + `"},
    {"name": "bob", "organization": "Beta Bank", "roles": ["analyst"], "token": "` + tokBob + `"},
    {"name": "carol", "organization": "Gamma Grid", "roles": ["analyst"], "token": "` + tokCarol + `"},
    {"name": "dave", "organization": "Delta Dam", "roles": ["analyst"], "token": "` + tokDave + `"},
    {"name": "oscar", "organization": "US CERT", "roles": ["operator", "admin"], "token": "` + tokOperator + `"}
  ],
  "circles": [{"name": "us-energy", "members": ["Acme Energy", "Gamma Grid"]}]
}`

// startHub starts a hub with the standard declaration applied. mutate may change the
// configuration first.
func startHub(t *testing.T, mutate func(*Config)) *testHub {
	t.Helper()
	return startHubWith(t, declaration, mutate)
}

// startHubWith starts a hub with the given declaration applied.
func startHubWith(t *testing.T, decl string, mutate func(*Config)) *testHub {
	t.Helper()
	dir := t.TempDir()
	c := defaultConfig()
	c.Data = filepath.Join(dir, "data")
	c.Listen = "127.0.0.1:0"
	c.LogLevel = "error"
	if mutate != nil {
		mutate(&c)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := apply.Parse(strings.NewReader(decl))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHub(ctx, c, newLogger(c, os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.guard.ApplyDirectory(ctx, d); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.serve(ctx, ln) }()
	th := &testHub{URL: "http://" + ln.Addr().String(), Data: c.Data, cfg: c, hub: h}
	var stop func()
	var once sync.Once
	th.stop = func() { once.Do(stop) }
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("hub did not stop within 30s")
		}
	}
	t.Cleanup(th.stop)
	return th
}

// client returns a TAXII client for the hub's API root with token.
func (h *testHub) client(t *testing.T, token string) *taxiiclient.Client {
	t.Helper()
	c, err := taxiiclient.New(h.URL+"/api/", taxiiclient.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// collectionID finds a collection's id by alias.
func collectionID(t *testing.T, c *taxiiclient.Client, alias string) string {
	t.Helper()
	col, err := c.CollectionByAlias(context.Background(), alias)
	if err != nil {
		t.Fatalf("collection %s: %v", alias, err)
	}
	return col.ID
}

// raws turns JSON strings into raw messages.
func raws(objs ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		out[i] = json.RawMessage(o)
	}
	return out
}

func withPrincipal(ctx context.Context, p *firebreak.Principal) context.Context {
	return firebreak.NewContext(ctx, p)
}

func firebreakFilter(limit int) firebreak.ObjectFilter { return firebreak.ObjectFilter{Limit: limit} }

func timeNow() time.Time { return time.Now() }
