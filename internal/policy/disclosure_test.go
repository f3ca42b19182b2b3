package policy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// hub is a guard over a fresh embedded store, with principals for its organisations.
type hub struct {
	t     *testing.T
	store *sqlite.Store
	guard *policy.Guard
	clock *clock
}

func newHub(t *testing.T) *hub {
	ctx := context.Background()
	c := &clock{now: time.Now().UTC()}
	store, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d := firebreak.Directory{
		Hub: firebreak.Hub{Name: "h", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Department", Country: "US", Type: firebreak.TypeGovernment, Status: firebreak.OrgVetted},
			{Name: "Company", Country: "US", Type: firebreak.TypePrivate, Parent: "Department", Status: firebreak.OrgVetted},
		},
		Users: []firebreak.DeclaredUser{
			{Name: "op", Organization: "CERT", Roles: []firebreak.Role{firebreak.RoleOperator, firebreak.RoleAuditor}, TokenHash: firebreak.HashToken("op-token-0123456789")},
			{Name: "dept", Organization: "Department", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken("dept-token-0123456789")},
			{Name: "co", Organization: "Company", Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken("co-token-0123456789")},
		},
	}
	if err := store.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	g := policy.NewGuard(store, policy.Options{Clock: c, DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(store)})
	return &hub{t: t, store: store, guard: g, clock: c}
}

func (h *hub) as(token string) context.Context {
	h.t.Helper()
	p, err := h.guard.Authenticate(context.Background(), "", token)
	if err != nil {
		h.t.Fatal(err)
	}
	return firebreak.NewContext(context.Background(), p)
}

func (h *hub) sees(ctx context.Context) []string {
	h.t.Helper()
	page, err := h.guard.Objects(ctx, firebreak.AliasShared, firebreak.ObjectFilter{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	var ids []string
	for _, o := range page.Objects {
		if o.Type == "indicator" {
			ids = append(ids, o.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

const restrictiveMark = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--00000000-0000-4000-8000-0000000000c1","created":"2026-01-01T00:00:00.000Z","extensions":{"` + stix.PolicyExtensionID + `":{"extension_type":"property-extension","caveats":["proprietary","no-parent"]}}}`

func ind(n string) json.RawMessage {
	return json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-00000000000` + n + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"identity--00000000-0000-4000-8000-0000000000ee","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["` + stix.TLPAmberID + `","marking-definition--00000000-0000-4000-8000-0000000000c1"]}`)
}

// TestDisclosureCase is the case behind the brief: a parent department asks for a
// company's proprietary, no-parent data; silence past the deadline is refusal; a grant
// for one purpose until a date shows exactly the granted objects until then and nothing
// after; every step is on the record and the log verifies.
func TestDisclosureCase(t *testing.T) {
	h := newHub(t)
	co, dept, op := h.as("co-token-0123456789"), h.as("dept-token-0123456789"), h.as("op-token-0123456789")
	a, b := "indicator--00000000-0000-4000-8000-000000000001", "indicator--00000000-0000-4000-8000-000000000002"
	st, err := h.guard.Submit(co, firebreak.AliasInbox, []json.RawMessage{json.RawMessage(restrictiveMark), ind("1"), ind("2")})
	if err != nil || len(st.Failures) != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	if got := h.sees(dept); len(got) != 0 {
		t.Fatalf("the parent department sees %v before any grant", got)
	}
	// 1. Asked and not answered: refused at the deadline.
	reqs, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Objects: []string{a, b}, Purpose: "oversight", Deadline: "72h"})
	if err != nil || len(reqs) != 1 || reqs[0].State != firebreak.DisclosureOpen || reqs[0].Provider != "" {
		t.Fatalf("request: %+v %v (the requester must not learn the provider)", reqs, err)
	}
	if _, err := h.guard.DecideDisclosure(op, reqs[0].ID, policy.DisclosureDecision{Grant: true, Purpose: "x", Expires: h.clock.Now().Add(time.Hour).Format(time.RFC3339)}); firebreak.ErrorCode(err) != firebreak.EFORBIDDEN {
		t.Errorf("an operator granted on the provider's behalf: %v", err)
	}
	if _, err := h.guard.DecideDisclosure(dept, reqs[0].ID, policy.DisclosureDecision{Grant: true, Purpose: "x", Expires: h.clock.Now().Add(time.Hour).Format(time.RFC3339)}); firebreak.ErrorCode(err) != firebreak.EFORBIDDEN {
		t.Errorf("the requester granted its own request: %v", err)
	}
	asked, _ := h.guard.Disclosures(co)
	if len(asked) != 1 || asked[0].Role != "provider" || asked[0].Requester != "Department" {
		t.Fatalf("the provider's view: %+v", asked)
	}
	h.clock.advance(73 * time.Hour)
	mine, _ := h.guard.Disclosures(dept)
	if len(mine) != 1 || mine[0].State != firebreak.DisclosureExpired {
		t.Fatalf("after the deadline: %+v", mine)
	}
	if got := h.sees(dept); len(got) != 0 {
		t.Fatalf("expired request, but the department sees %v", got)
	}
	// 2. Asked again; the company grants one object for one purpose until a date.
	reqs, err = h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: "Company", Objects: []string{a, b}, Purpose: "inquiry 42"})
	if err != nil || len(reqs) != 1 {
		t.Fatal(reqs, err)
	}
	until := h.clock.Now().Add(30 * 24 * time.Hour)
	if _, err := h.guard.DecideDisclosure(co, reqs[0].ID, policy.DisclosureDecision{Grant: true, Objects: []string{a, "indicator--00000000-0000-4000-8000-000000000009"}, Purpose: "inquiry 42", Expires: until.Format(time.RFC3339)}); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("granting an object not asked for: %v", err)
	}
	if _, err := h.guard.DecideDisclosure(co, reqs[0].ID, policy.DisclosureDecision{Grant: true, Objects: []string{a}, Purpose: "inquiry 42", Expires: until.Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	if got := h.sees(dept); !slices.Equal(got, []string{a}) {
		t.Fatalf("under the grant the department sees %v, want exactly %s", got, a)
	}
	page, _ := h.guard.Objects(dept, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{a}})
	if len(page.Objects) != 1 || strings.Contains(string(page.Objects[0].Raw), "identity--00000000-0000-4000-8000-0000000000ee") {
		t.Errorf("an objects grant must not name the provider: %s", page.Objects[0].Raw)
	}
	// 3. After the grant's end, nothing.
	h.clock.advance(31 * 24 * time.Hour)
	if got := h.sees(dept); len(got) != 0 {
		t.Fatalf("after the grant ended the department sees %v", got)
	}
	// 4. Every step is on the record, and the log verifies.
	entries, err := h.store.AuditEntries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		var ev firebreak.AuditEvent
		json.Unmarshal(e.Body, &ev)
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{firebreak.AuditSubmit, firebreak.AuditDisclosureRequest, firebreak.AuditDisclosureExpire, firebreak.AuditDisclosureGrant, firebreak.AuditGrantedRead} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s entry in the audit log %v", want, actions)
		}
	}
	if _, err := audit.Verify(context.Background(), h.store); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// 5. The transparency report counts, and names nobody: the one government requester
	// is fewer than k (3), so it is no row of its own; with k at 1 it is.
	if report, err := h.guard.Transparency(context.Background()); err != nil || len(report.Rows) != 0 || report.Suppressed != 0 {
		t.Errorf("transparency with one requester = %+v, %v; want no row", report, err)
	}
	k1 := policy.NewGuard(h.store, policy.Options{Clock: h.clock, SightingsK: 1})
	report, err := k1.Transparency(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range report.Rows {
		got[r.RequesterType+"/"+r.Outcome] += r.Count
	}
	if got["government/expired"] != 1 || got["government/granted"] != 1 || len(got) != 2 {
		t.Errorf("transparency = %+v", report)
	}
	b2, _ := json.Marshal(report)
	for _, name := range []string{"Department", "Company", "dept", "co"} {
		if strings.Contains(string(b2), `"`+name+`"`) {
			t.Errorf("the transparency report names %s", name)
		}
	}
}

// failingAudit makes every audit entry of a write impossible to append, as a full disk
// or a broken log would.
type failingAudit struct{ *sqlite.Store }

func (f failingAudit) Ingest(ctx context.Context, provider int64, items []firebreak.IngestItem, _ ...[]byte) ([]firebreak.IngestResult, error) {
	return f.Store.Ingest(ctx, provider, items, nil)
}

func TestSubmissionFailsWhenTheAuditLogCannotBeWritten(t *testing.T) {
	h := newHub(t)
	g := policy.NewGuard(failingAudit{h.store}, policy.Options{Clock: h.clock, Auditor: audit.New(h.store)})
	p, err := g.Authenticate(context.Background(), "", "co-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	ctx := firebreak.NewContext(context.Background(), p)
	if _, err := g.Submit(ctx, firebreak.AliasInbox, []json.RawMessage{ind("5")}); err == nil {
		t.Fatalf("the submission succeeded without its audit entry")
	}
	page, err := h.guard.Objects(h.as("co-token-0123456789"), firebreak.AliasMine, firebreak.ObjectFilter{})
	if err != nil || len(page.Objects) != 0 {
		t.Errorf("the failed submission left %d objects (%v)", len(page.Objects), err)
	}
	if head, _ := h.store.AuditHead(context.Background()); head.Seq != 0 {
		t.Errorf("the failed submission left %d audit entries", head.Seq)
	}
}

// TestDisclosureHiddenLooksLikeNotFound: asking for objects that exist but that the
// requester may not see answers exactly as asking for objects that exist nowhere, at once
// and in the requester's list.
func TestDisclosureHiddenLooksLikeNotFound(t *testing.T) {
	h := newHub(t)
	co, dept := h.as("co-token-0123456789"), h.as("dept-token-0123456789")
	h.submit(co, json.RawMessage(restrictiveMark), ind("1"))
	hidden := "indicator--00000000-0000-4000-8000-000000000001"
	missing := func(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-0000000009%02d", n) }
	// shape is a view without what differs from one ask to the next.
	shape := func(vs []policy.DisclosureView) string {
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprintf("%s %s %s requester=%q provider=%q type=%q objects=%d deadline=%s reason=%q grant=%v",
				v.Role, v.Kind, v.State, v.Requester, v.Provider, v.RequesterType, len(v.Objects), v.Deadline.Sub(v.Created), v.Reason, v.Grant != nil))
		}
		return strings.Join(out, "\n")
	}
	tests := []struct {
		name    string
		exists  []string
		nowhere []string
		kind    string
	}{
		{"one object", []string{hidden}, []string{missing(1)}, firebreak.DisclosureObjects},
		{"with one that exists nowhere", []string{hidden, missing(2)}, []string{missing(3), missing(4)}, firebreak.DisclosureObjects},
		{"identity", []string{missing(5), hidden}, []string{missing(6), missing(7)}, firebreak.DisclosureIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ask := func(objs []string) []policy.DisclosureView {
				t.Helper()
				h.clock.advance(time.Minute)
				vs, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: tt.kind, Objects: objs, Purpose: "oversight"})
				if err != nil {
					t.Fatal(err)
				}
				return vs
			}
			before, err := h.guard.Disclosures(dept)
			if err != nil {
				t.Fatal(err)
			}
			got, want := shape(ask(tt.exists)), shape(ask(tt.nowhere))
			if got != want {
				t.Errorf("asking for hidden objects answers\n%s\nand for objects that exist nowhere\n%s", got, want)
			}
			after, err := h.guard.Disclosures(dept)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(after) - len(before); n != 2 {
				t.Errorf("two asks added %d cases to the requester's list:\n%s", n, shape(after[len(before):]))
			}
		})
	}
	// The provider is still asked about its own object, and about nothing else.
	asked, err := h.guard.Disclosures(co)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range asked {
		if v.Role != "provider" || !slices.Equal(v.Objects, []string{hidden}) {
			t.Errorf("the provider is asked %s about %v, want only %s", v.Role, v.Objects, hidden)
		}
	}
	if len(asked) != len(tests) {
		t.Errorf("the provider is asked %d times, want %d", len(asked), len(tests))
	}
}

// TestTransparencyWritesNothing: the public report counts a request past its deadline as
// expired without writing to the store: anyone may read it, as often as they like.
func TestTransparencyWritesNothing(t *testing.T) {
	h := newHub(t)
	dept := h.as("dept-token-0123456789")
	if _, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: "Company", Purpose: "oversight", Deadline: "1h"}); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(2 * time.Hour)
	before, err := h.store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// k at 1: the one requester is a row.
	report, err := policy.NewGuard(h.store, policy.Options{Clock: h.clock, SightingsK: 1}).Transparency(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rows := report.Rows; len(rows) != 1 || rows[0].Outcome != firebreak.DisclosureExpired || rows[0].Count != 1 {
		t.Errorf("transparency = %+v, want one expired request", rows)
	}
	after, err := h.store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.Seq != before.Seq {
		t.Errorf("reading the report appended %d audit entries", after.Seq-before.Seq)
	}
	// The case itself expires on the record when a party looks, or the server sweeps.
	if err := h.guard.ExpireDisclosures(context.Background()); err != nil {
		t.Fatal(err)
	}
	if head, _ := h.store.AuditHead(context.Background()); head.Seq != before.Seq+1 {
		t.Errorf("the sweep appended %d audit entries, want 1", head.Seq-before.Seq)
	}
}

// TestGrantKeepsGranularMarkings: a disclosure grant covers the object, not the
// properties its provider marked stricter (issue 13, risky items): the grantee gets the
// object without them.
func TestGrantKeepsGranularMarkings(t *testing.T) {
	h := newHub(t)
	co, dept := h.as("co-token-0123456789"), h.as("dept-token-0123456789")
	id := "indicator--00000000-0000-4000-8000-000000000031"
	obj := `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","description":"the informant's notes","pattern":"[ipv4-addr:value = '192.0.2.31']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",` +
		`"object_marking_refs":["` + stix.TLPAmberID + `","marking-definition--00000000-0000-4000-8000-0000000000c1"],"granular_markings":[{"marking_ref":"` + stix.TLPRedID + `","selectors":["description"]}]}`
	if st, err := h.guard.Submit(co, firebreak.AliasInbox, []json.RawMessage{json.RawMessage(restrictiveMark), json.RawMessage(obj)}); err != nil || len(st.Failures) != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	reqs, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: "Company", Objects: []string{id}, Purpose: "inquiry"})
	if err != nil || len(reqs) != 1 {
		t.Fatal(reqs, err)
	}
	if _, err := h.guard.DecideDisclosure(co, reqs[0].ID, policy.DisclosureDecision{Grant: true, Objects: []string{id}, Purpose: "inquiry", Expires: h.clock.Now().Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	page, err := h.guard.Objects(dept, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{id}})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("under the grant: %v %v", page.Objects, err)
	}
	if bytes.Contains(page.Objects[0].Raw, []byte("informant")) || bytes.Contains(page.Objects[0].Raw, []byte("granular_markings")) {
		t.Errorf("the grantee gets the property marked red: %s", page.Objects[0].Raw)
	}
}
