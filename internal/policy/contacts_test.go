package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

// TestLeak08ContactsScrubbedAtOnce: a contact set with SetContacts is scrubbed from the
// very next object submitted, through the node that stored it and through any other node
// on the same database, without waiting for some unrelated change to the directory.
func TestLeak08ContactsScrubbedAtOnce(t *testing.T) {
	h := newHub(t)
	// A second node: another guard over the same database, with caches of its own.
	other := policy.NewGuard(h.store, policy.Options{Clock: h.clock, DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(h.store)})
	as := func(g *policy.Guard, token string) context.Context {
		t.Helper()
		p, err := g.Authenticate(context.Background(), "", token)
		if err != nil {
			t.Fatal(err)
		}
		return firebreak.NewContext(context.Background(), p)
	}
	note := func(n int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"for the takedown call Zoltan Kertesz","object_refs":["indicator--00000000-0000-4000-8000-000000000001"],"object_marking_refs":["%s"]}`, n, stix.TLPClearID))
	}
	for i, node := range []struct {
		name string
		g    *policy.Guard
	}{{"same node", h.guard}, {"other node", other}} {
		t.Run(node.name, func(t *testing.T) {
			co := as(node.g, "co-token-0123456789")
			// A first submission builds the node's scrubber from the contacts as they are.
			if st, err := node.g.Submit(co, firebreak.AliasInbox, []json.RawMessage{sharedIndicator(1+10*i, "192.0.2.1")}); err != nil || len(st.Failures) != 0 {
				t.Fatalf("submit: %+v %v", st, err)
			}
			// The CERT adds a contact through the first node.
			if err := h.guard.SetContacts(h.as("op-token-0123456789"), []firebreak.Contact{{Name: "Zoltan Kertesz", Role: "duty officer"}}); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("note--00000000-0000-4000-8000-%012d", 100+i)
			if st, err := node.g.Submit(co, firebreak.AliasInbox, []json.RawMessage{note(100 + i)}); err != nil || len(st.Failures) != 0 {
				t.Fatalf("submit the note: %+v %v", st, err)
			}
			page, err := node.g.Objects(as(node.g, "dept-token-0123456789"), firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{id}})
			if err != nil || len(page.Objects) != 1 {
				t.Fatalf("read the note: %d objects, %v", len(page.Objects), err)
			}
			if raw := string(page.Objects[0].Raw); strings.Contains(raw, "Zoltan") || strings.Contains(raw, "Kertesz") {
				t.Errorf("another member reads the contact's name: %s", raw)
			}
			// Clear the contacts again, so that the second node starts from none.
			if err := h.guard.SetContacts(h.as("op-token-0123456789"), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
