package policy_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/match"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

// TestLeak13GrantBindsToTheGrantorsCopy: a disclosure grant lets the grantee read the
// grantor's copy of an object and no other. Until issue 13 grants named bare ids, so
// after the grantor deleted its object, another provider's object with the same id (here
// the CERT's, at TLP:RED) was served to the grantee.
func TestLeak13GrantBindsToTheGrantorsCopy(t *testing.T) {
	h := newHub(t)
	co, dept, op := h.as("co-token-0123456789"), h.as("dept-token-0123456789"), h.as("op-token-0123456789")
	a := "indicator--00000000-0000-4000-8000-000000000001"
	if st, err := h.guard.Submit(co, firebreak.AliasInbox, []json.RawMessage{json.RawMessage(restrictiveMark), ind("1")}); err != nil || len(st.Failures) != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	reqs, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Provider: "Company", Objects: []string{a}, Purpose: "inquiry"})
	if err != nil || len(reqs) != 1 {
		t.Fatal(reqs, err)
	}
	if _, err := h.guard.DecideDisclosure(co, reqs[0].ID, policy.DisclosureDecision{Grant: true, Purpose: "inquiry",
		Expires: h.clock.Now().Add(24 * time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	if got := h.sees(dept); len(got) != 1 || got[0] != a {
		t.Fatalf("under the grant the department sees %v, want %s", got, a)
	}
	// The CERT holds its own copy of the id, for itself alone.
	red := strings.Replace(string(ind("1")), `"object_marking_refs":["`+stix.TLPAmberID+`","marking-definition--00000000-0000-4000-8000-0000000000c1"]`,
		`"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],"name":"the CERT's own"`, 1)
	if st, err := h.guard.Submit(op, firebreak.AliasInbox, []json.RawMessage{json.RawMessage(red)}); err != nil || len(st.Successes) != 1 {
		t.Fatalf("the CERT's copy: %+v %v", st, err)
	}
	page, err := h.guard.Objects(dept, firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{a}})
	if err != nil || len(page.Objects) != 1 || strings.Contains(string(page.Objects[0].Raw), "the CERT's own") {
		t.Fatalf("under the grant, with the CERT's copy stored: %d objects, %v", len(page.Objects), err)
	}
	if err := h.guard.Delete(co, firebreak.AliasMine, a, firebreak.VersionFilter{All: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []firebreak.ObjectFilter{{}, {IDs: []string{a}}, {Versions: firebreak.VersionFilter{All: true}}} {
		page, err := h.guard.Objects(dept, firebreak.AliasShared, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			if o.ID == a {
				t.Errorf("after the grantor deleted its object, the grant serves %s: %s", a, o.Raw)
			}
		}
	}
}

// TestMatchEveryCopy: two providers hold copies of one version of an indicator, with
// different patterns; a reader matches the pattern of the copy it may see, never the
// other's, whichever was stored first.
func TestMatchEveryCopy(t *testing.T) {
	h := newHub(t)
	co, dept, op := h.as("co-token-0123456789"), h.as("dept-token-0123456789"), h.as("op-token-0123456789")
	const companys, certs = "192.0.2.1", "198.51.100.7"
	// The Company's copy comes first, for itself alone; the CERT's, for everyone.
	h.submit(co, json.RawMessage(restrictiveMark),
		indicatorVersion("2026-01-01T00:00:00.000Z", "first copy", companys, stix.TLPAmberID, "marking-definition--00000000-0000-4000-8000-0000000000c1"))
	h.submit(op, indicatorVersion("2026-01-01T00:00:00.000Z", "second copy", certs, stix.TLPClearID))
	for _, tt := range []struct {
		name   string
		reader context.Context
		value  string
		want   []string
	}{
		{"the department, the CERT's value", dept, certs, []string{"second copy"}},
		{"the department, the Company's value", dept, companys, nil},
		{"the Company, its own value", co, companys, []string{"first copy"}},
	} {
		hits, err := h.guard.Match(tt.reader, []match.Observable{{Type: "ipv4-addr", Path: "value", Value: tt.value}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, hit := range hits {
			got = append(got, hit.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: hits %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestDisclosureAsksEveryHolder: a request that names an object, not its provider, asks
// every provider that holds a copy of it about its own copy; the requester sees one ask.
func TestDisclosureAsksEveryHolder(t *testing.T) {
	h := newHub(t)
	co, dept, op := h.as("co-token-0123456789"), h.as("dept-token-0123456789"), h.as("op-token-0123456789")
	a := "indicator--00000000-0000-4000-8000-000000000001"
	h.submit(co, json.RawMessage(restrictiveMark), ind("1"))
	red := strings.Replace(string(ind("1")), `"object_marking_refs":["`+stix.TLPAmberID+`","marking-definition--00000000-0000-4000-8000-0000000000c1"]`,
		`"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]`, 1)
	h.submit(op, json.RawMessage(red))
	views, err := h.guard.RequestDisclosure(dept, policy.DisclosureAsk{Kind: firebreak.DisclosureObjects, Objects: []string{a}, Purpose: "inquiry"})
	if err != nil || len(views) != 1 {
		t.Fatalf("request: %+v, %v; want one view", views, err)
	}
	ctx := context.Background()
	for _, org := range []string{"Company", "CERT"} {
		o, err := h.store.OrganizationByName(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := h.store.Disclosures(ctx, firebreak.DisclosureFilter{Provider: o.ID})
		if err != nil || len(cases) != 1 || !slices.Equal(cases[0].Objects, []string{a}) {
			t.Errorf("%s is asked %+v, %v; want one case about %s", org, cases, err, a)
		}
	}
}
