package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

const acmeIdentity = "identity--0f0e0d0c-0b0a-4909-8807-060504030201"

// acmeObjects are what a provider that did not allow attribution submits: its own
// identity, an indicator it created that names it in several places and carries personal
// data, and a sighting where it saw the indicator.
func acmeObjects(marking string) []json.RawMessage {
	marks := `"object_marking_refs":["` + stix.TLPGreenID + `"` + marking + `]`
	return raws(
		`{"type":"identity","spec_version":"2.1","id":"`+acmeIdentity+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Acme Energy","identity_class":"organization",`+marks+`}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(700)+`","created_by_ref":"`+acmeIdentity+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",`+
			`"name":"Phishing sender","description":"Seen by the Acme Energy SOC; write to jane.roe@acme-energy.example or call +1 202 555 0147.",`+
			`"x_reported_by":"acme energy","pattern":"[email-addr:value = 'billing@evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",`+
			`"external_references":[{"source_name":"acme","url":"https://intel.acme-energy.example/r/1"},{"source_name":"capec","external_id":"CAPEC-98"}],`+marks+`}`,
		`{"type":"sighting","spec_version":"2.1","id":"sighting--`+uuidN(701)+`","created_by_ref":"`+acmeIdentity+`","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z",`+
			`"sighting_of_ref":"indicator--`+uuidN(700)+`","where_sighted_refs":["`+acmeIdentity+`"],"count":3,`+marks+`}`,
	)
}

// get fetches a URL as token and returns the body.
func get(t *testing.T, url, token string) []byte {
	t.Helper()
	resp := do(t, "GET", url, "Bearer "+token, nil, nil)
	b, _ := io.ReadAll(resp.Body)
	return b
}

// TestAnonymousByDefault checks that no response to another reader, on any endpoint,
// contains the anonymous provider's identity id, name or domain anywhere in its bytes.
func TestAnonymousByDefault(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	st, err := alice.AddObjects(ctx, collectionID(t, alice, "inbox"), acmeObjects(""))
	if err != nil || st.FailureCount != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	if !strings.Contains(st.Successes[1].Message, "personal data redacted for other readers") {
		t.Errorf("no scrub report in the status: %+v", st.Successes)
	}
	orgIdentity := ""
	var who struct {
		IdentityID string `json:"identity_id"`
	}
	json.Unmarshal(get(t, h.URL+"/v1/whoami", tokAlice), &who)
	orgIdentity = who.IdentityID

	bob := h.client(t, tokBob)
	shared := collectionID(t, bob, "shared")
	base := h.URL + "/api/collections/" + shared
	ind, sig := "indicator--"+uuidN(700), "sighting--"+uuidN(701)
	// Bob asks to be introduced; until Acme accepts he learns nothing about it.
	resp := do(t, "POST", h.URL+"/v1/introductions", "Bearer "+tokBob, nil, strings.NewReader(`{"object":"`+ind+`","message":"same campaign here"}`))
	if resp.StatusCode != 201 {
		t.Fatalf("introduction: %d", resp.StatusCode)
	}
	bodies := map[string][]byte{
		"objects":         get(t, base+"/objects/", tokBob),
		"objects all":     get(t, base+"/objects/?match[version]=all", tokBob),
		"object":          get(t, base+"/objects/"+ind+"/", tokBob),
		"sighting":        get(t, base+"/objects/"+sig+"/", tokBob),
		"versions":        get(t, base+"/objects/"+ind+"/versions/", tokBob),
		"manifest":        get(t, base+"/manifest/", tokBob),
		"collections":     get(t, h.URL+"/api/collections/", tokBob),
		"discovery":       get(t, h.URL+"/taxii2/", tokBob),
		"whoami":          get(t, h.URL+"/v1/whoami", tokBob),
		"introductions":   get(t, h.URL+"/v1/introductions", tokBob),
		"disclosures":     get(t, h.URL+"/v1/disclosures", tokBob),
		"transparency":    get(t, h.URL+"/v1/transparency", ""),
		"preview of mine": get(t, h.URL+"/v1/preview", tokBob),
	}
	exp := filepath.Join(t.TempDir(), "bob.json")
	// The export is the same view, through the CLI (the hub is running on the same data).
	if _, _, err := cli(t, "", "export", "--org", "Beta Bank", "--data", h.Data, "--out", exp); err != nil {
		t.Fatal(err)
	}
	bodies["export"], _ = os.ReadFile(exp)
	for name, b := range bodies {
		low := bytes.ToLower(b)
		for _, leak := range []string{acmeIdentity, orgIdentity, "acme energy", "acme-energy", "jane.roe", "555 0147"} {
			if bytes.Contains(low, []byte(strings.ToLower(leak))) {
				t.Errorf("%s: the response contains %q:\n%s", name, leak, b)
			}
		}
	}
	if !bytes.Contains(bodies["object"], []byte("[redacted:email]")) || !bytes.Contains(bodies["object"], []byte("billing@evil.example")) {
		t.Errorf("personal data should be redacted and the indicator's own value kept:\n%s", bodies["object"])
	}
	if resp := do(t, "GET", base+"/objects/"+acmeIdentity+"/", "Bearer "+tokBob, nil, nil); resp.StatusCode != 404 {
		t.Errorf("the provider's identity object: %d, want 404", resp.StatusCode)
	}
	// The pseudonym is stable for one reader and differs between readers.
	pseudo := func(token string) string {
		c := h.client(t, token)
		page, err := c.Object(ctx, collectionID(t, c, "shared"), ind, taxiiclient.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var o struct {
			CreatedByRef string `json:"created_by_ref"`
		}
		json.Unmarshal(page.Objects[0], &o)
		return o.CreatedByRef
	}
	b1, b2, op := pseudo(tokBob), pseudo(tokBob), pseudo(tokOperator)
	if b1 == "" || b1 != b2 || b1 == op || !stix.ValidID(b1) {
		t.Errorf("pseudonyms: bob %q then %q, operator %q", b1, b2, op)
	}
	// The provider gets its own back as submitted.
	page, err := alice.Object(ctx, collectionID(t, alice, "mine"), ind, taxiiclient.Query{})
	if err != nil || string(page.Objects[0]) != string(acmeObjects("")[1]) {
		t.Errorf("the provider's own object changed: %v", err)
	}
}

// TestAttributionAllowed: with attribution everyone, other readers learn the provider.
func TestAttributionAllowed(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	mark := policyMark("00000000-0000-4000-8000-00000000d001", `,"attribution":"everyone"`)
	objs := append(raws(mark), acmeObjects(`,"marking-definition--00000000-0000-4000-8000-00000000d001"`)...)
	if st, err := alice.AddObjects(ctx, collectionID(t, alice, "inbox"), objs); err != nil || st.FailureCount != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	bob := h.client(t, tokBob)
	page, err := bob.Object(ctx, collectionID(t, bob, "shared"), "indicator--"+uuidN(700), taxiiclient.Query{})
	if err != nil || !bytes.Contains(page.Objects[0], []byte(acmeIdentity)) || !bytes.Contains(page.Objects[0], []byte("Acme Energy SOC")) {
		t.Errorf("attribution everyone: %s %v", page.Objects, err)
	}
	if _, err := bob.Object(ctx, collectionID(t, bob, "shared"), acmeIdentity, taxiiclient.Query{}); err != nil {
		t.Errorf("the provider's identity object should be readable: %v", err)
	}
}

func TestReviewQueue(t *testing.T) {
	h := startHub(t, func(c *Config) { c.Review = "findings" })
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	clean := indicator("indicator--"+uuidN(801), "2026-01-01T00:00:00.000Z", stix.TLPGreenID)
	st, err := alice.AddObjects(ctx, inbox, append(acmeObjects("")[1:2], raws(clean)...))
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "pending" || st.PendingCount != 1 || st.SuccessCount != 1 {
		t.Fatalf("status = %+v, want the object with personal data pending and the clean one done", st)
	}
	bob := h.client(t, tokBob)
	shared := collectionID(t, bob, "shared")
	ind := "indicator--" + uuidN(700)
	if _, err := bob.Object(ctx, shared, ind, taxiiclient.Query{}); httpStatus(err) != 404 {
		t.Fatalf("a held object is visible to another member: %v", err)
	}
	// The operator sees the queue (as submitted) and releases it.
	var q struct {
		Held []struct{ ID, Version string }
	}
	if err := json.Unmarshal(get(t, h.URL+"/v1/review", tokOperator), &q); err != nil || len(q.Held) != 1 || q.Held[0].ID != ind {
		t.Fatalf("review queue = %+v %v", q, err)
	}
	if code := do(t, "GET", h.URL+"/v1/review", "Bearer "+tokBob, nil, nil).StatusCode; code != 403 {
		t.Errorf("a member reads the review queue: %d", code)
	}
	resp := do(t, "POST", h.URL+"/v1/review/decision", "Bearer "+tokOperator, nil,
		strings.NewReader(`{"id":"`+ind+`","version":"`+q.Held[0].Version+`","release":true}`))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("release: %d", resp.StatusCode)
	}
	page, err := bob.Object(ctx, shared, ind, taxiiclient.Query{})
	if err != nil || !bytes.Contains(page.Objects[0], []byte("[redacted:email]")) {
		t.Errorf("after release: %s %v", page.Objects, err)
	}
	if st2, err := alice.Status(ctx, st.ID); err != nil || st2.Status != "complete" || st2.SuccessCount != 2 || st2.PendingCount != 0 {
		t.Errorf("status after release = %+v %v", st2, err)
	}
	// Rejection through the CLI.
	st3, _ := alice.AddObjects(ctx, inbox, raws(strings.Replace(string(acmeObjects("")[1]), uuidN(700), uuidN(702), 1)))
	if st3.PendingCount != 1 {
		t.Fatalf("second submission not held: %+v", st3)
	}
	if _, _, err := cli(t, "", "review", "reject", "--data", h.Data, "--id", "indicator--"+uuidN(702), "--version", "2026-01-01T00:00:00.000Z", "--reason", "contains a person's phone"); err != nil {
		t.Fatal(err)
	}
	if st4, _ := alice.Status(ctx, st3.ID); st4.Status != "complete" || st4.FailureCount != 1 {
		t.Errorf("status after rejection = %+v", st4)
	}
}

func TestIntroductions(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	if st, err := alice.AddObjects(ctx, collectionID(t, alice, "inbox"), acmeObjects("")); err != nil || st.FailureCount != 0 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	put := func(token, body string) {
		if code := do(t, "PUT", h.URL+"/v1/contacts", "Bearer "+token, nil, strings.NewReader(body)).StatusCode; code != 204 {
			t.Fatalf("contacts: %d", code)
		}
	}
	put(tokAlice, `{"contacts":[{"name":"Jane Roe","role":"SOC lead","email":"jane.roe@acme-energy.example"}]}`)
	put(tokBob, `{"contacts":[{"name":"Bo Lund","email":"bo@beta.example"}]}`)
	// Asking about an object one cannot see is "not found".
	if code := do(t, "POST", h.URL+"/v1/introductions", "Bearer "+tokCarol, nil, strings.NewReader(`{"object":"indicator--`+uuidN(700)+`"}`)).StatusCode; code != 404 {
		t.Errorf("introduction about an invisible object: %d", code)
	}
	resp := do(t, "POST", h.URL+"/v1/introductions", "Bearer "+tokBob, nil, strings.NewReader(`{"object":"indicator--`+uuidN(700)+`","message":"we saw it too"}`))
	var in struct {
		ID          string
		Counterpart string
		Contacts    []struct{ Name string }
	}
	json.NewDecoder(resp.Body).Decode(&in)
	if in.ID == "" || in.Counterpart != "" || len(in.Contacts) != 0 {
		t.Fatalf("request view = %+v", in)
	}
	var asked struct {
		Introductions []struct {
			ID, Role, Counterpart, Message string
		}
	}
	json.Unmarshal(get(t, h.URL+"/v1/introductions", tokAlice), &asked)
	if len(asked.Introductions) != 1 || asked.Introductions[0].Counterpart != "Beta Bank" || asked.Introductions[0].Role != "provider" {
		t.Fatalf("provider's view = %+v", asked)
	}
	if code := do(t, "POST", h.URL+"/v1/introductions/"+in.ID+"/decision", "Bearer "+tokBob, nil, strings.NewReader(`{"accept":true}`)).StatusCode; code != 403 {
		t.Errorf("the requester accepted its own request: %d", code)
	}
	if code := do(t, "POST", h.URL+"/v1/introductions/"+in.ID+"/decision", "Bearer "+tokAlice, nil, strings.NewReader(`{"accept":true}`)).StatusCode; code != 200 {
		t.Fatalf("accept: %d", code)
	}
	var mine struct {
		Introductions []struct {
			Counterpart string
			Contacts    []struct{ Name, Email string }
		}
	}
	json.Unmarshal(get(t, h.URL+"/v1/introductions", tokBob), &mine)
	if len(mine.Introductions) != 1 || mine.Introductions[0].Counterpart != "Acme Energy" || len(mine.Introductions[0].Contacts) != 1 || mine.Introductions[0].Contacts[0].Name != "Jane Roe" {
		t.Errorf("after acceptance the requester sees %+v", mine)
	}
	json.Unmarshal(get(t, h.URL+"/v1/introductions", tokAlice), &mine)
	if len(mine.Introductions) != 1 || mine.Introductions[0].Contacts[0].Name != "Bo Lund" {
		t.Errorf("after acceptance the provider sees %+v", mine)
	}
}
