package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

const tlpRed = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

// copiesHub serves a hub where Acme shares, and Beta (vetted) and Newco (pending) submit.
func copiesHub(t *testing.T) (base string, tokens map[string]string) {
	t.Helper()
	tokens = map[string]string{"Acme": "acme-token-0123456789", "Beta": "beta-token-0123456789", "Newco": "newco-token-0123456789"}
	d := firebreak.Directory{
		Hub: firebreak.Hub{Name: "Test hub", Country: "US", Operator: "CERT"},
		Organizations: []firebreak.DeclaredOrganization{
			{Name: "CERT", Country: "US", Type: firebreak.TypeCERT, Status: firebreak.OrgVetted},
			{Name: "Acme", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
			{Name: "Beta", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgVetted},
			{Name: "Newco", Country: "US", Type: firebreak.TypePrivate, Status: firebreak.OrgPending},
		},
	}
	for org, tok := range tokens {
		d.Users = append(d.Users, firebreak.DeclaredUser{Name: "u-" + org, Organization: org,
			Roles: []firebreak.Role{firebreak.RoleAnalyst}, TokenHash: firebreak.HashToken(tok)})
	}
	store := openStore(t, d)
	guard := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(store)})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, MaxContentLength: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return srv.URL, tokens
}

// observable returns an ipv4-addr with its id derived from its value, as STIX 2.1 says.
func observable(value, marking string) json.RawMessage {
	id := stix.DeriveID("ipv4-addr", "00abedb4-aa42-466c-9c01-fed23315a9b7", fmt.Sprintf(`{"value":%q}`, value))
	return json.RawMessage(fmt.Sprintf(`{"type":"ipv4-addr","spec_version":"2.1","id":%q,"value":%q,"object_marking_refs":[%q]}`,
		id, value, marking))
}

// indicatorOf returns an indicator of id with a name of its own.
func indicatorOf(id, name, marking string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z",`+
		`"modified":"2026-01-01T00:00:00.000Z","name":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix",`+
		`"valid_from":"2026-01-01T00:00:00Z","object_marking_refs":[%q]}`, id, name, marking))
}

var addedStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// statusShape is a status with what differs between any two submissions taken out: its
// id and time, the objects' ids (by position) and dates added used as versions.
func statusShape(t *testing.T, st any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(st)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "id")
	delete(m, "request_timestamp")
	n := 0
	for _, list := range []string{"successes", "failures", "pendings"} {
		details, _ := m[list].([]any)
		for _, d := range details {
			d := d.(map[string]any)
			d["id"] = fmt.Sprintf("object %d", n)
			if v, _ := d["version"].(string); addedStamp.MatchString(v) {
				d["version"] = "date added"
			}
			n++
		}
	}
	return m
}

// TestLeak03StatusSaysNothingOfOtherCopies: a member, vetted or pending, that submits an
// indicator or an observable whose id another provider holds at TLP:RED gets the status
// it gets for a fresh id. Until issue 13 it was told "this id belongs to another
// provider": an oracle of whether anyone had shared an address, a domain or a hash.
func TestLeak03StatusSaysNothingOfOtherCopies(t *testing.T) {
	base, tokens := copiesHub(t)
	held := "indicator--6b1e2f0a-7d3c-4e5f-9a8b-1c2d3e4f5a6b"
	st := postEnvelope(t, base, tokens["Acme"], []json.RawMessage{
		indicatorOf(held, "Acme's secret", tlpRed), observable("198.51.100.7", tlpRed)})
	if st.SuccessCount != 2 {
		t.Fatalf("Acme's submission: %+v", st)
	}
	for i, org := range []string{"Beta", "Newco"} {
		tlp := "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb" // green
		copies := postEnvelope(t, base, tokens[org], []json.RawMessage{
			indicatorOf(held, org+"'s own", tlp), observable("198.51.100.7", tlp)})
		fresh := postEnvelope(t, base, tokens[org], []json.RawMessage{
			indicatorOf(fmt.Sprintf("indicator--6b1e2f0a-7d3c-4e5f-9a8b-00000000000%d", i), org+"'s own", tlp),
			observable(fmt.Sprintf("203.0.113.%d", i+1), tlp)})
		if got, want := statusShape(t, copies), statusShape(t, fresh); !reflect.DeepEqual(got, want) {
			t.Errorf("%s submitting ids Acme holds got\n  %v\nand fresh ids got\n  %v", org, got, want)
		}
		if copies.FailureCount != 0 {
			t.Errorf("%s submitting ids Acme holds: %+v, want no failure", org, copies)
		}
		// What the submitter reads back is its own copy.
		mine := collectionIDOf(t, base, tokens[org], firebreak.AliasMine)
		got := pageAll(t, base, tokens[org], mine, "objects", 10, "match[id]="+held)
		if len(got) != 1 || !json.Valid(got[0].raw) || !regexp.MustCompile(org+`'s own`).Match(got[0].raw) {
			t.Errorf("%s reads back %d versions of the id; want its own copy", org, len(got))
		}
	}
}

// TestLeak03SecondImportOfAttack: a member importing ATT&CK objects another member has
// imported stores every one of them, as the first did.
func TestLeak03SecondImportOfAttack(t *testing.T) {
	b, err := os.ReadFile("testdata/attack-ics-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	base, tokens := copiesHub(t)
	first := postEnvelope(t, base, tokens["Acme"], bundle.Objects)
	second := postEnvelope(t, base, tokens["Beta"], bundle.Objects)
	n := len(bundle.Objects)
	if first.SuccessCount != n || second.SuccessCount != n || second.FailureCount != 0 {
		t.Errorf("importing %d ATT&CK objects: first %d successes, second %d successes and %d failures; want all successes",
			n, first.SuccessCount, second.SuccessCount, second.FailureCount)
	}
	if got, want := statusShape(t, second), statusShape(t, first); !reflect.DeepEqual(got, want) {
		t.Errorf("the second import's status\n  %v\ndiffers from the first's\n  %v", got, want)
	}
	mine := collectionIDOf(t, base, tokens["Beta"], firebreak.AliasMine)
	if got := pageAll(t, base, tokens["Beta"], mine, "objects", 3, ""); len(got) != n {
		t.Errorf("Beta's own collection holds %d objects, want its %d", len(got), n)
	}
}
