package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
)

// reportHub is a hub with two providers, three government requesters and one
// organisation of each of three types that have no other member.
type reportHub struct {
	t     *testing.T
	store *sqlite.Store
	guard *policy.Guard
	clock *clock
}

// The objects of the report hub: a and b held by P1, c held by P2, all TLP:RED (hidden
// from every requester), and ids that exist nowhere.
var (
	heldA, heldB, heldC = redID(1), redID(2), redID(3)
	nowhere             = func(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-0000000009%02d", n) }
)

func redID(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }

func redIndicator(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		redID(n), n, stix.TLPRedID))
}

func newReportHub(t *testing.T) *reportHub {
	t.Helper()
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	store, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d := firebreak.Directory{Hub: firebreak.Hub{Name: "h", Country: "US", Operator: "CERT"}}
	org := func(name string, typ firebreak.OrgType) {
		d.Organizations = append(d.Organizations, firebreak.DeclaredOrganization{Name: name, Country: "US", Type: typ, Status: firebreak.OrgVetted})
		d.Users = append(d.Users, firebreak.DeclaredUser{Name: strings.ToLower(name), Organization: name, Roles: []firebreak.Role{firebreak.RoleAnalyst},
			TokenHash: firebreak.HashToken(name + "-token-0123456789")})
	}
	org("CERT", firebreak.TypeCERT)
	org("P1", firebreak.TypePrivate)
	org("P2", firebreak.TypePrivate)
	org("R1", firebreak.TypeGovernment)
	org("R2", firebreak.TypeGovernment)
	org("R3", firebreak.TypeGovernment)
	org("Police", firebreak.TypeLawEnforcement)
	org("Army", firebreak.TypeMilitary)
	org("Charity", firebreak.TypeNGO)
	if err := store.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	h := &reportHub{t: t, store: store, clock: c,
		guard: policy.NewGuard(store, policy.Options{Clock: c, DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(store)})}
	for org, objs := range map[string][]json.RawMessage{"P1": {redIndicator(1), redIndicator(2)}, "P2": {redIndicator(3)}} {
		if st, err := h.guard.Submit(h.as(org), firebreak.AliasInbox, objs); err != nil || len(st.Failures) != 0 {
			t.Fatalf("submit: %+v %v", st, err)
		}
	}
	return h
}

func (h *reportHub) as(org string) context.Context {
	h.t.Helper()
	p, err := h.guard.Authenticate(context.Background(), "", org+"-token-0123456789")
	if err != nil {
		h.t.Fatal(err)
	}
	return firebreak.NewContext(context.Background(), p)
}

func (h *reportHub) ask(org string, a policy.DisclosureAsk) []policy.DisclosureView {
	h.t.Helper()
	if a.Kind == "" {
		a.Kind = firebreak.DisclosureObjects
	}
	if a.Purpose == "" {
		a.Purpose = "oversight"
	}
	vs, err := h.guard.RequestDisclosure(h.as(org), a)
	if err != nil {
		h.t.Fatalf("%s asks %+v: %v", org, a, err)
	}
	return vs
}

func (h *reportHub) report() string {
	h.t.Helper()
	r, err := h.guard.Transparency(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// count returns how many requests the report counts in its rows and as suppressed.
func count(report string) int {
	var r policy.TransparencyReport
	json.Unmarshal([]byte(report), &r)
	n := r.Suppressed
	for _, row := range r.Rows {
		n += row.Count
	}
	return n
}

// TestLeak06TransparencyIsNoOracle: what a request names moves the public report only
// through the providers' answers. Each case builds two hubs that differ only in the ids
// one request names, and compares their reports, while the request is open and after its
// deadline passes unanswered.
func TestLeak06TransparencyIsNoOracle(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
	}{
		{"hidden id and unknown id, or two unknown ids", []string{heldA, nowhere(1)}, []string{nowhere(1), nowhere(2)}},
		{"hidden id, or unknown id", []string{heldA}, []string{nowhere(1)}},
		{"two ids of one provider, or of two", []string{heldA, heldB}, []string{heldA, heldC}},
		{"two ids of two providers and an unknown one, or three unknown", []string{heldA, heldC, nowhere(3)}, []string{nowhere(1), nowhere(2), nowhere(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reports [2][2]string
			for i, ids := range [][]string{tt.a, tt.b} {
				h := newReportHub(t)
				// Every government requester has asked once before, so that the
				// government row shows (three requesters).
				for _, r := range []string{"R1", "R2", "R3"} {
					h.ask(r, policy.DisclosureAsk{Objects: []string{nowhere(50)}, Deadline: "24h"})
				}
				before := h.report()
				h.ask("R1", policy.DisclosureAsk{Objects: ids, Deadline: "24h"})
				reports[i][0] = h.report()
				if n := count(reports[i][0]) - count(before); n != 1 {
					t.Errorf("asking for %v moved the report by %d requests, want 1:\n%s\n%s", ids, n, before, reports[i][0])
				}
				h.clock.advance(25 * time.Hour)
				reports[i][1] = h.report()
			}
			for j, when := range []string{"while open", "after the deadline"} {
				if reports[0][j] != reports[1][j] {
					t.Errorf("%s, asking for %v gives the report\n%s\nand asking for %v\n%s", when, tt.a, reports[0][j], tt.b, reports[1][j])
				}
			}
		})
	}
}

// TestLeak06TransparencyOutcomeIsTheProviders: a provider's answer does show (that is
// what the report is for), once the request as the requester sees it is decided.
func TestLeak06TransparencyOutcomeIsTheProviders(t *testing.T) {
	h := newReportHub(t)
	for _, r := range []string{"R2", "R3"} {
		h.ask(r, policy.DisclosureAsk{Objects: []string{nowhere(50)}, Deadline: "24h"})
	}
	h.ask("R1", policy.DisclosureAsk{Objects: []string{heldA, heldC}, Deadline: "24h"})
	cases, err := h.guard.Disclosures(h.as("P1"))
	if err != nil || len(cases) != 1 {
		t.Fatalf("P1's cases: %+v %v", cases, err)
	}
	if _, err := h.guard.DecideDisclosure(h.as("P1"), cases[0].ID, policy.DisclosureDecision{Grant: true, Purpose: "oversight",
		Expires: h.clock.Now().Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	// P2 has not answered: the request is open, for the requester and in the report.
	if r := h.report(); !strings.Contains(r, `"outcome":"open","count":3`) || strings.Contains(r, "granted") {
		t.Errorf("with one provider still to answer, the report is %s", r)
	}
	h.clock.advance(25 * time.Hour)
	if r := h.report(); !strings.Contains(r, `{"month":"2026-03","requester_type":"government","outcome":"granted","count":1}`) ||
		!strings.Contains(r, `"outcome":"expired","count":2`) {
		t.Errorf("after the deadline, the report is %s", r)
	}
}

// TestLeak06TransparencyNamesNoRequester: a requester type with fewer than k requesters in
// a month is no row of its own; such types are pooled as "other", and a pool below k is
// left out, without a count that could single it out.
func TestLeak06TransparencyNamesNoRequester(t *testing.T) {
	h := newReportHub(t)
	h.ask("Police", policy.DisclosureAsk{Objects: []string{heldA}})
	h.ask("Police", policy.DisclosureAsk{Objects: []string{nowhere(1)}})
	r := h.report()
	if r != `{"disclosure_requests":[],"k":3,"suppressed":0}` {
		t.Errorf("one requester's requests give the report %s, want nothing", r)
	}
	// Two more single-member types ask: the pool has three requesters.
	h.ask("Army", policy.DisclosureAsk{Objects: []string{nowhere(2)}})
	if r := h.report(); r != `{"disclosure_requests":[],"k":3,"suppressed":0}` {
		t.Errorf("two requesters' requests give the report %s, want nothing", r)
	}
	h.ask("Charity", policy.DisclosureAsk{Objects: []string{nowhere(3)}})
	if r := h.report(); r != `{"disclosure_requests":[{"month":"2026-03","requester_type":"other","outcome":"open","count":4}],"k":3,"suppressed":0}` {
		t.Errorf("three requesters of three types give the report %s", r)
	}
	// Next month, the police asks alone again: left out of the rows, and since the
	// requests left out come from one requester, not counted either.
	h.clock.advance(31 * 24 * time.Hour)
	h.ask("Police", policy.DisclosureAsk{Objects: []string{nowhere(4)}})
	r = h.report()
	if strings.Contains(r, "2026-04") || strings.Contains(r, "law-enforcement") || !strings.HasSuffix(r, `"suppressed":0}`) {
		t.Errorf("a lone requester in a month shows: %s", r)
	}
	// Two more lone requesters in other months: the three left out come from three
	// requesters, and the count of requests left out is given.
	h.clock.advance(31 * 24 * time.Hour)
	h.ask("Army", policy.DisclosureAsk{Objects: []string{nowhere(5)}})
	h.clock.advance(31 * 24 * time.Hour)
	h.ask("Charity", policy.DisclosureAsk{Objects: []string{nowhere(6)}})
	if r := h.report(); !strings.HasSuffix(r, `"suppressed":3}`) || strings.Contains(r, "2026-04") {
		t.Errorf("three requests left out, by three requesters: %s", r)
	}
}

// TestRiskyDisclosureUnknownOrganisation: asking an organisation by a name nobody bears
// answers exactly as asking one that exists (issue 13, risky items): the reply, and the
// requester's list afterwards.
func TestRiskyDisclosureUnknownOrganisation(t *testing.T) {
	h := newReportHub(t)
	// normal renders views without what differs from one ask to the next, and with the
	// name asked for as <name>.
	normal := func(vs []policy.DisclosureView, name string) string {
		var out []string
		for _, v := range vs {
			if v.ID == "" {
				t.Errorf("a view without an id: %+v", v)
			}
			deadline := v.Deadline.Sub(v.Created)
			v.ID, v.Created, v.Deadline = "<id>", time.Time{}, time.Time{}
			b, _ := json.Marshal(v)
			out = append(out, strings.ReplaceAll(string(b), `"`+name+`"`, `"<name>"`)+" deadline "+deadline.String())
		}
		return strings.Join(out, "\n")
	}
	for _, kind := range []string{firebreak.DisclosureObjects, firebreak.DisclosureIdentity} {
		t.Run(kind, func(t *testing.T) {
			objs := []string{heldA}
			var replies, lists [2]string
			for i, name := range []string{"P1", "P9 Unknown Ltd"} {
				before, err := h.guard.Disclosures(h.as("R1"))
				if err != nil {
					t.Fatal(err)
				}
				vs, err := h.guard.RequestDisclosure(h.as("R1"), policy.DisclosureAsk{Kind: kind, Provider: name, Objects: objs, Purpose: "oversight"})
				if err != nil {
					t.Fatalf("asking %q: %v", name, err)
				}
				replies[i] = normal(vs, name)
				after, err := h.guard.Disclosures(h.as("R1"))
				if err != nil {
					t.Fatal(err)
				}
				// What the ask added to the list (which is not in the order of asking).
				had := map[string]bool{}
				for _, v := range before {
					had[v.ID] = true
				}
				var added []policy.DisclosureView
				for _, v := range after {
					if !had[v.ID] {
						added = append(added, v)
					}
				}
				lists[i] = normal(added, name)
			}
			if replies[0] != replies[1] {
				t.Errorf("asking an organisation that exists answers\n%s\nand one that does not\n%s", replies[0], replies[1])
			}
			if lists[0] != lists[1] {
				t.Errorf("the requester's list then shows\n%s\nand\n%s", lists[0], lists[1])
			}
		})
	}
	if _, err := h.guard.RequestDisclosure(h.as("R1"), policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: strings.Repeat("x", 201), Purpose: "p"}); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("a provider name of 201 characters: %v, want invalid", err)
	}
}
