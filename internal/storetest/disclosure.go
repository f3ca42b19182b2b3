package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

// RunDisclosure runs the disclosure part of the suite.
func RunDisclosure(t *testing.T, o Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*fixture)
	}{
		{"DisclosureRoundTrip", testDisclosureRoundTrip},
		{"DisclosureAuditedAtomically", testDisclosureAuditedAtomically},
		{"VisibilityGranted", testVisibilityGranted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(newFixture(t, o))
		})
	}
}

func testDisclosureRoundTrip(f *fixture) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 123456000, time.UTC)
	r := firebreak.DisclosureRequest{ID: "req-1", Ask: "ask-1", Kind: firebreak.DisclosureObjects, Requester: 7, RequesterUser: "dept-user",
		Provider: 3, Objects: []string{"indicator--a", "indicator--b"}, Purpose: "inquiry", Created: at, Deadline: at.Add(72 * time.Hour),
		State: firebreak.DisclosureOpen}
	if err := f.s.PutDisclosure(f.ctx, r); err != nil {
		f.Fatal(err)
	}
	other := r
	other.ID, other.Ask, other.Requester, other.Provider, other.Created = "req-2", "", 8, 3, at.Add(time.Second)
	if err := f.s.PutDisclosure(f.ctx, other); err != nil {
		f.Fatal(err)
	}
	got, err := f.s.Disclosure(f.ctx, "req-1")
	if err != nil || got.Ask != "ask-1" || got.Requester != 7 || got.Provider != 3 || got.RequesterUser != "dept-user" || !got.Created.Equal(at) ||
		!got.Deadline.Equal(r.Deadline) || !slices.Equal(got.Objects, r.Objects) || got.State != firebreak.DisclosureOpen {
		f.Fatalf("Disclosure = %+v, %v", got, err)
	}
	// Deciding replaces the request.
	r.State, r.Decided = firebreak.DisclosureGranted, at.Add(time.Hour)
	r.Grant = &firebreak.DisclosureGrant{Objects: []string{"indicator--a"}, Purpose: "inquiry only", Expires: at.Add(30 * 24 * time.Hour)}
	if err := f.s.PutDisclosure(f.ctx, r); err != nil {
		f.Fatal(err)
	}
	got, _ = f.s.Disclosure(f.ctx, "req-1")
	if got.Ask != "ask-1" || got.State != firebreak.DisclosureGranted || got.Grant == nil || !got.Grant.Expires.Equal(r.Grant.Expires) || !slices.Equal(got.Grant.Objects, []string{"indicator--a"}) {
		f.Errorf("after the grant: %+v", got)
	}
	for _, tc := range []struct {
		f    firebreak.DisclosureFilter
		want []string
	}{
		{firebreak.DisclosureFilter{}, []string{"req-1", "req-2"}},
		{firebreak.DisclosureFilter{Requester: 8}, []string{"req-2"}},
		{firebreak.DisclosureFilter{Provider: 3, State: firebreak.DisclosureOpen}, []string{"req-2"}},
		{firebreak.DisclosureFilter{Provider: 4}, nil},
	} {
		list, err := f.s.Disclosures(f.ctx, tc.f)
		if err != nil {
			f.Fatal(err)
		}
		var ids []string
		for _, d := range list {
			ids = append(ids, d.ID)
		}
		if !slices.Equal(ids, tc.want) {
			f.Errorf("Disclosures(%+v) = %v, want %v", tc.f, ids, tc.want)
		}
	}
	if _, err := f.s.Disclosure(f.ctx, "nope"); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		f.Errorf("Disclosure(nope) = %v, want not found", err)
	}
}

func testDisclosureAuditedAtomically(f *fixture) {
	r := firebreak.DisclosureRequest{ID: "req-a", Kind: firebreak.DisclosureIdentity, Created: Epoch, Deadline: Epoch.Add(time.Hour), State: firebreak.DisclosureOpen}
	if err := f.s.PutDisclosure(f.ctx, r, []byte(`{"action":"disclosure.request"}`), []byte(`{"action":"x"}`)); err != nil {
		f.Fatal(err)
	}
	head, err := f.s.AuditHead(f.ctx)
	if err != nil || head.Seq != 2 || string(head.Body) != `{"action":"x"}` {
		f.Errorf("audit head after PutDisclosure = %+v, %v", head, err)
	}
	// A step whose record cannot be written does not happen.
	r.State = firebreak.DisclosureGranted
	if err := f.s.PutDisclosure(f.ctx, r, nil); err == nil {
		f.Fatalf("PutDisclosure with an unwritable audit entry succeeded")
	}
	if got, _ := f.s.Disclosure(f.ctx, r.ID); got.State != firebreak.DisclosureOpen {
		f.Errorf("the failed step changed the state to %s", got.State)
	}
}

func testVisibilityGranted(f *fixture) {
	ids := f.orgs("p")
	f.ingest(ids[0], Item("indicator--00000000-0000-4000-8000-00000000000a", ts(1), "2.1", `{"p":1}`),
		Item("indicator--00000000-0000-4000-8000-00000000000b", ts(1), "2.1", `{"p":1}`))
	vis := firebreak.Visibility{Policies: []int64{}, Granted: []firebreak.Copy{{Provider: ids[0], ID: "indicator--00000000-0000-4000-8000-00000000000b"}}, Now: Epoch, Owner: 99}
	page, err := f.s.Objects(f.ctx, vis, firebreak.ObjectFilter{})
	if err != nil {
		f.Fatal(err)
	}
	if len(page.Objects) != 1 || page.Objects[0].ID != "indicator--00000000-0000-4000-8000-00000000000b" {
		f.Errorf("granted visibility returned %d objects", len(page.Objects))
	}
}
