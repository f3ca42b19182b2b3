package policy_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
)

// TestReleaseBeyondTheFirstPageOfHeldVersions: an operator releases a version however
// many others wait for review before it.
func TestReleaseBeyondTheFirstPageOfHeldVersions(t *testing.T) {
	h := newHub(t)
	g := policy.NewGuard(h.store, policy.Options{Clock: h.clock, Auditor: audit.New(h.store), Review: firebreak.ReviewAll})
	as := func(token string) context.Context {
		p, err := g.Authenticate(context.Background(), "", token)
		if err != nil {
			t.Fatal(err)
		}
		return firebreak.NewContext(context.Background(), p)
	}
	co, dept, op := as("co-token-0123456789"), as("dept-token-0123456789"), as("op-token-0123456789")
	const n = 1001
	objs := make([]json.RawMessage, n)
	for i := range objs {
		objs[i] = sharedIndicator(i+1, "192.0.2.1")
	}
	st, err := g.Submit(co, firebreak.AliasInbox, objs)
	if err != nil || len(st.Pendings) != n {
		t.Fatalf("submit: %d pending, %v; want %d pending", len(st.Pendings), err, n)
	}
	tests := []struct {
		name string
		nth  int // which of the held versions, in the order they were submitted
	}{
		{"the last", n},
		{"the first", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, version := indicatorID(tt.nth), "2026-01-01T00:00:00.000Z"
			if err := g.DecideHeld(op, "", id, version, true, ""); err != nil {
				t.Fatalf("release %s: %v", id, err)
			}
			page, err := g.Objects(dept, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{id}})
			if err != nil || len(page.Objects) != 1 {
				t.Errorf("after the release a reader gets %d objects (%v), want 1", len(page.Objects), err)
			}
		})
	}
	st, err = g.Status(co, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, d := range st.Successes {
		released = append(released, d.ID)
	}
	slices.Sort(released)
	if want := []string{indicatorID(1), indicatorID(n)}; !slices.Equal(released, want) {
		t.Errorf("the status lists %v as released, want %v", released, want)
	}
	if err := g.DecideHeld(op, "", indicatorID(n), "2026-01-01T00:00:00.000Z", true, ""); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("releasing a version twice: %v, want %s", err, firebreak.ENOTFOUND)
	}
}

// TestDecideHeldCopies: when two providers each hold a copy of one version for review,
// the operator names the provider whose copy it decides on (the review list shows it);
// without a name the decision is refused rather than applied to either copy.
func TestDecideHeldCopies(t *testing.T) {
	h := newHub(t)
	g := policy.NewGuard(h.store, policy.Options{Clock: h.clock, Auditor: audit.New(h.store), Review: firebreak.ReviewAll})
	as := func(token string) context.Context {
		p, err := g.Authenticate(context.Background(), "", token)
		if err != nil {
			t.Fatal(err)
		}
		return firebreak.NewContext(context.Background(), p)
	}
	co, dept, op := as("co-token-0123456789"), as("dept-token-0123456789"), as("op-token-0123456789")
	id, version := indicatorID(1), "2026-01-01T00:00:00.000Z"
	var statuses []string
	for _, who := range []context.Context{co, dept} {
		st, err := g.Submit(who, firebreak.AliasInbox, []json.RawMessage{sharedIndicator(1, "192.0.2.1")})
		if err != nil || len(st.Pendings) != 1 {
			t.Fatalf("submit: %+v, %v; want one pending", st, err)
		}
		statuses = append(statuses, st.ID)
	}
	if err := g.DecideHeld(op, "", id, version, true, ""); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("deciding on a version two providers hold, naming neither: %v, want %s", err, firebreak.EINVALID)
	}
	if err := g.DecideHeld(op, "Nobody", id, version, true, ""); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("naming an unknown provider: %v, want %s", err, firebreak.ENOTFOUND)
	}
	if err := g.DecideHeld(op, "Company", id, version, false, "not ours"); err != nil {
		t.Fatalf("rejecting the Company's copy: %v", err)
	}
	held, err := g.Held(op, 10)
	if err != nil || len(held) != 1 || held[0].Provider != "Department" {
		t.Fatalf("after rejecting the Company's copy, held: %+v, %v; want the Department's alone", held, err)
	}
	// One copy left: no name needed.
	if err := g.DecideHeld(op, "", id, version, true, ""); err != nil {
		t.Fatalf("releasing the only copy left: %v", err)
	}
	for i, who := range []context.Context{co, dept} {
		st, err := g.Status(who, statuses[i])
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 1}[i]; len(st.Successes) != want || len(st.Failures) != 1-want || len(st.Pendings) != 0 {
			t.Errorf("submitter %d's status: %+v; want %d released and %d rejected", i, st, want, 1-want)
		}
	}
	if err := g.DecideHeld(op, "", id, version, true, ""); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("deciding once both are decided: %v, want %s", err, firebreak.ENOTFOUND)
	}
}
