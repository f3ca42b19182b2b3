package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

// cursorHub is a hub with two nodes (two guards and servers over one database) where
// Acme shared three indicators that Beta sees, each after 100 that it does not.
type cursorHub struct {
	store      firebreak.Store
	node1      *httptest.Server
	node2      *httptest.Server
	shared     string // Beta's shared collection
	visibleIDs []string
}

func newCursorHub(t *testing.T) *cursorHub {
	t.Helper()
	store := openStore(t, firebreak.Directory{
		Hub: firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Acme", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
			{Name: "Beta", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "alice", Organization: "Acme", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken(tokAlice)},
			{Name: "bob", Organization: "Beta", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken(tokBob)},
		},
	})
	h := &cursorHub{store: store}
	for _, node := range []**httptest.Server{&h.node1, &h.node2} {
		guard := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPAmber})
		*node = httptest.NewServer(New(Config{Objects: guard, Auth: guard, MaxContentLength: 16 << 20}).Handler())
		t.Cleanup((*node).Close)
	}
	indicator := func(n int, marking string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`, n, marking))
	}
	n := 0
	for range 3 {
		var hidden []json.RawMessage
		for range 100 {
			n++
			hidden = append(hidden, indicator(n, stix.TLPRedID))
		}
		postEnvelope(t, h.node1.URL, tokAlice, hidden)
		n++
		postEnvelope(t, h.node1.URL, tokAlice, []json.RawMessage{indicator(n, stix.TLPClearID)})
		h.visibleIDs = append(h.visibleIDs, fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n))
	}
	h.shared = collectionIDOf(t, h.node1.URL, tokBob, firebreak.AliasShared)
	return h
}

// page reads one page of a TAXII listing and returns its ids and next token.
func page(t *testing.T, base, tok, coll, what, query string) (ids []string, next string, status int, body []byte) {
	t.Helper()
	resp, b := request(t, "GET", base+"/api/collections/"+coll+"/"+what+"/?"+query, tok, nil)
	if resp.StatusCode != 200 {
		return nil, "", resp.StatusCode, b
	}
	var env struct {
		More    bool   `json:"more"`
		Next    string `json:"next"`
		Objects []struct {
			ID string `json:"id"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	for _, o := range env.Objects {
		ids = append(ids, o.ID)
	}
	if env.More != (env.Next != "") {
		t.Errorf("more=%v but next=%q", env.More, env.Next)
	}
	return ids, env.Next, 200, b
}

// TestLeak14CursorsRevealNoPosition: a reader walking with limit=1 past versions hidden
// from it gets tokens that say nothing of the position: all of one length, different
// each time for the same page, never holding the date added or the sequence number in
// clear (as the unkeyed tokens did), and not readable as the unkeyed format at all.
func TestLeak14CursorsRevealNoPosition(t *testing.T) {
	h := newCursorHub(t)
	all, err := h.store.Objects(context.Background(), firebreak.Visibility{All: true}, firebreak.ObjectFilter{IDs: h.visibleIDs, Limit: 10, MetadataOnly: true})
	if err != nil || len(all.Objects) != 3 {
		t.Fatalf("the visible versions as stored: %+v %v", all.Objects, err)
	}
	var got []string
	next := ""
	for i := range 3 {
		q := "limit=1"
		if next != "" {
			q += "&next=" + next
		}
		ids, tok, status, body := page(t, h.node1.URL, tokBob, h.shared, "objects", q)
		if status != 200 {
			t.Fatalf("page %d: %d %s", i+1, status, body)
		}
		got = append(got, ids...)
		if i == 2 {
			break
		}
		if tok == "" {
			t.Fatalf("page %d has no next", i+1)
		}
		again, tok2, _, _ := page(t, h.node1.URL, tokBob, h.shared, "objects", q)
		if !slicesEqual(again, ids) || tok2 == tok {
			t.Errorf("page %d read twice: %v with %s, then %v with %s; want the same page with another token", i+1, ids, tok, again, tok2)
		}
		pos := firebreak.CursorOf(all.Objects[i])
		if pos.Seq < 64 {
			t.Fatalf("visible version %d has seq %d: the test needs hidden versions before it", i+1, pos.Seq)
		}
		clear := [][]byte{
			binary.AppendVarint(nil, pos.Seq), binary.AppendVarint(nil, pos.Added),
			binary.BigEndian.AppendUint64(nil, uint64(pos.Seq)), binary.BigEndian.AppendUint64(nil, uint64(pos.Added)),
		}
		for _, s := range []string{tok, tok2} {
			if len(s) != taxii.CursorLen {
				t.Errorf("token %q has %d characters, want every token to have %d", s, len(s), taxii.CursorLen)
			}
			raw, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil {
				t.Fatalf("token %q: %v", s, err)
			}
			if raw[0] == 1 {
				t.Errorf("token %q is in the unkeyed format", s)
			}
		}
		// A two-byte pattern turns up in a random token now and then: the position is in
		// clear only if it is in both tokens, which are sealed independently.
		raw1, _ := base64.RawURLEncoding.DecodeString(tok)
		raw2, _ := base64.RawURLEncoding.DecodeString(tok2)
		for _, c := range clear {
			if bytes.Contains(raw1, c) && bytes.Contains(raw2, c) {
				t.Errorf("page %d: both tokens hold % x, the position %+v in clear", i+1, c, pos)
			}
		}
		next = tok
	}
	if !slicesEqual(got, h.visibleIDs) {
		t.Errorf("walking with limit=1 read %v, want %v", got, h.visibleIDs)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestLeak14CursorsBound: a token works for the reader and collection it was issued to,
// on any node of the hub, and is refused (400, as any token the server did not issue)
// for another reader, for another collection, and when altered.
func TestLeak14CursorsBound(t *testing.T) {
	h := newCursorHub(t)
	_, tok, status, body := page(t, h.node1.URL, tokBob, h.shared, "objects", "limit=1")
	if status != 200 || tok == "" {
		t.Fatalf("first page: %d %s", status, body)
	}
	aliceShared := collectionIDOf(t, h.node1.URL, tokAlice, firebreak.AliasShared)
	bobMine := collectionIDOf(t, h.node1.URL, tokBob, firebreak.AliasMine)
	flipped := []byte(tok)
	if mid := len(tok) / 2; tok[mid] == 'a' {
		flipped[mid] = 'b'
	} else {
		flipped[mid] = 'a'
	}
	tests := []struct {
		name, base, tok, coll, what, next string
		want                              []string // nil: refused
	}{
		{"same reader, same node", h.node1.URL, tokBob, h.shared, "objects", tok, h.visibleIDs[1:2]},
		{"same reader, other node", h.node2.URL, tokBob, h.shared, "objects", tok, h.visibleIDs[1:2]},
		{"same reader, manifest", h.node2.URL, tokBob, h.shared, "manifest", tok, h.visibleIDs[1:2]},
		{"another reader", h.node1.URL, tokAlice, aliceShared, "objects", tok, nil},
		{"another reader, other node", h.node2.URL, tokAlice, aliceShared, "objects", tok, nil},
		{"another collection", h.node1.URL, tokBob, bobMine, "objects", tok, nil},
		{"altered", h.node1.URL, tokBob, h.shared, "objects", string(flipped), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, _, status, body := page(t, tt.base, tt.tok, tt.coll, tt.what, "limit=1&next="+tt.next)
			if tt.want == nil {
				if status != 400 || !strings.Contains(string(body), "not a token this server issued") {
					t.Errorf("status %d %s; want 400, not a token this server issued", status, body)
				}
				return
			}
			if status != 200 || !slicesEqual(ids, tt.want) {
				t.Errorf("status %d, objects %v; want 200 and %v (%s)", status, ids, tt.want, body)
			}
		})
	}
}
