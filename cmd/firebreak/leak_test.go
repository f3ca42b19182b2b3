package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/apply"
	"github.com/firebreak/firebreak/internal/federation"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// The adversarial suite of issue 13: each test is one class of leak, tried through the
// public API by every kind of reader (members, a foreign CERT, law enforcement, the
// provider's parent declared as a peer hub, a pending member, the operator), on both
// stores. The numbered findings are kept as regression cases inside their class.

const leakDeclaration = `{
  "hub": {"name": "US national hub", "country": "US", "operator": "US CERT"},
  "organizations": [
    {"name": "US CERT", "country": "US", "type": "cert", "status": "vetted"},
    {"name": "Energy Dept", "country": "US", "type": "government", "status": "vetted"},
    {"name": "Acme Energy", "country": "US", "type": "private", "sectors": ["energy"], "parent": "Energy Dept", "status": "vetted", "domains": ["acme-energy.example"]},
    {"name": "Beta Bank", "country": "US", "type": "private", "sectors": ["financial-services"], "status": "vetted"},
    {"name": "FBI", "country": "US", "type": "law-enforcement", "status": "vetted"},
    {"name": "CA CERT", "country": "CA", "type": "cert", "status": "vetted"},
    {"name": "Gamma Grid", "country": "US", "type": "private", "status": "pending"}
  ],
  "users": [
    {"name": "oscar", "organization": "US CERT", "roles": ["operator", "admin"], "token": "oscar-token-0123456789"},
    {"name": "doe", "organization": "Energy Dept", "roles": ["analyst"], "token": "doe-token-0123456789ab"},
    {"name": "alice", "organization": "Acme Energy", "roles": ["analyst"], "token": "alice-token-0123456789"},
    {"name": "bob", "organization": "Beta Bank", "roles": ["analyst"], "token": "bob-token-0123456789ab"},
    {"name": "fbi", "organization": "FBI", "roles": ["analyst"], "token": "fbi-token-0123456789ab"},
    {"name": "cacert", "organization": "CA CERT", "roles": ["analyst"], "token": "cacert-token-01234567"},
    {"name": "carol", "organization": "Gamma Grid", "roles": ["analyst"], "token": "carol-token-0123456789"}
  ],
  "circles": [{"name": "us-energy", "members": ["Acme Energy", "Beta Bank"]}],
  "peers": [{"name": "Energy Dept", "url": "http://127.0.0.1:9/api/", "country": "US", "type": "government",
             "token": "unused-peer-token-0123", "direction": "pull", "interval": "1h", "max_tlp": "amber", "attribution": true}]
}`

// leakReaders are every kind of reader of the leak hub, by organisation.
var leakReaders = map[string]string{
	"US CERT": "oscar-token-0123456789", "Energy Dept": "doe-token-0123456789ab", "Acme Energy": "alice-token-0123456789",
	"Beta Bank": "bob-token-0123456789ab", "FBI": "fbi-token-0123456789ab", "CA CERT": "cacert-token-01234567",
	"Gamma Grid": "carol-token-0123456789",
}

const (
	tokLeakAlice = "alice-token-0123456789"
	tokLeakBob   = "bob-token-0123456789ab"
	tokLeakFBI   = "fbi-token-0123456789ab"
	tokLeakCA    = "cacert-token-01234567"
	tokLeakPeer  = "doe-token-0123456789ab" // Energy Dept: Acme's parent, and a peer hub
)

// forEachStore runs fn on a fresh leak hub on the embedded store, and on PostgreSQL when
// FIREBREAK_TEST_POSTGRES names one.
func forEachStore(t *testing.T, fn func(t *testing.T, h *testHub)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, startHubWith(t, leakDeclaration, func(c *Config) { c.NoFederation = true }))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("FIREBREAK_TEST_POSTGRES") == "" {
			t.Skip("FIREBREAK_TEST_POSTGRES is not set: the leak suite runs on the embedded store only")
		}
		url, key := pgURL(t), filepath.Join(t.TempDir(), "audit.key")
		fn(t, startHubWith(t, leakDeclaration, func(c *Config) { c.NoFederation, c.Store, c.AuditKey = true, url, key }))
	})
}

// leakSubmit submits objects as token and returns the status.
func leakSubmit(t *testing.T, h *testHub, token string, objs ...string) taxii.Status {
	t.Helper()
	c := h.client(t, token)
	st, err := c.AddObjects(context.Background(), collectionID(t, c, "inbox"), raws(objs...))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return st
}

// sees reports whether the reader with token finds id in its shared collection, by id
// and in the list (which must agree), and returns what it got.
func sees(t *testing.T, h *testHub, token, id string) (bool, []byte) {
	t.Helper()
	c := h.client(t, token)
	shared := collectionID(t, c, "shared")
	page, err := c.Object(context.Background(), shared, id, taxiiclient.Query{})
	if err != nil && httpStatus(err) != 404 {
		t.Fatalf("reading %s: %v", id, err)
	}
	var got []byte
	if err == nil && len(page.Objects) > 0 {
		got = page.Objects[len(page.Objects)-1]
	}
	inList := false
	for raw, err := range c.All(context.Background(), shared, taxiiclient.Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			ID string `json:"id"`
		}
		json.Unmarshal(raw, &head)
		inList = inList || head.ID == id
	}
	if (got != nil) != inList {
		t.Errorf("%s: by id %v but in the list %v", id, got != nil, inList)
	}
	return got != nil, got
}

// whoSeesLeak returns the organisations that see id.
func whoSeesLeak(t *testing.T, h *testHub, id string) []string {
	t.Helper()
	var out []string
	for _, org := range []string{"Acme Energy", "Beta Bank", "CA CERT", "Energy Dept", "FBI", "Gamma Grid", "US CERT"} {
		if ok, _ := sees(t, h, leakReaders[org], id); ok {
			out = append(out, org)
		}
	}
	return out
}

func expectSeen(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s is seen by %v, want %v", what, got, want)
	}
}

func leakIndicator(n int, extra string, marks ...string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"n%d","pattern":"[ipv4-addr:value = '203.0.113.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]%s}`,
		uuidN(n), n, n%250, strings.Join(marks, `","`), extra)
}

// Class: fail closed. A marking the hub does not wholly understand hides the object from
// everyone but its provider and the operators (finding 1: policy + IEP extensions).
func TestLeakClassFailClosed(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		mixed := fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--%s","created":"2026-01-01T00:00:00.000Z","extensions":{
			%q:{"extension_type":"property-extension","audience":{"organizations":["Beta Bank"]},"caveats":["no-law-enforcement"]},
			"extension-definition--88888888-8888-4888-8888-888888888888":{"extension_type":"property-extension","iep_version":"2.0","tlp":"amber"}}}`, uuidN(9001), stix.PolicyExtensionID)
		st := leakSubmit(t, h, tokLeakAlice, mixed, leakIndicator(1, "", stix.TLPAmberID, "marking-definition--"+uuidN(9001)))
		if st.FailureCount != 0 || !strings.Contains(st.Successes[1].Message, "does not understand marking") {
			t.Errorf("status: %+v", st)
		}
		expectSeen(t, "an object under a half-understood marking", whoSeesLeak(t, h, "indicator--"+uuidN(1)), "Acme Energy", "US CERT")
	})
}

// Class: a peer is a reader like any other (finding 2: no-parent applies to a parent
// declared as a peer hub, on pull and in the preview).
func TestLeakClassPeerIsAReader(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		mark := policyMark(uuidN(9002), `,"caveats":["no-parent"]`)
		leakSubmit(t, h, tokLeakAlice, mark, leakIndicator(2, "", stix.TLPGreenID, "marking-definition--"+uuidN(9002)),
			leakIndicator(3, "", stix.TLPGreenID))
		expectSeen(t, "a no-parent object", whoSeesLeak(t, h, "indicator--"+uuidN(2)), "Acme Energy", "Beta Bank", "CA CERT", "FBI", "US CERT")
		if ok, _ := sees(t, h, tokLeakPeer, "indicator--"+uuidN(3)); !ok {
			t.Errorf("the peer does not read a plain green object: the test proves nothing")
		}
		// A hub that syncs through an account not declared as a peer's is refused, not
		// served as an ordinary member.
		for tok, want := range map[string]int{tokLeakBob: 403, tokLeakPeer: 200} {
			if resp := do(t, "GET", h.URL+"/api/collections/", "Bearer "+tok, map[string]string{taxii.HeaderPeer: "1"}, nil); resp.StatusCode != want {
				t.Errorf("a hub syncing as %s: %d, want %d", tok, resp.StatusCode, want)
			}
		}
		resp := do(t, "POST", h.URL+"/v1/preview", "Bearer "+tokLeakAlice, map[string]string{"Content-Type": "application/json"},
			strings.NewReader(`{"objects":[`+mark+`,`+leakIndicator(4, "", stix.TLPGreenID, "marking-definition--"+uuidN(9002))+`]}`))
		var pv struct {
			Previews []struct {
				Peers []string `json:"peers"`
			} `json:"previews"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&pv); err != nil || len(pv.Previews) != 2 || len(pv.Previews[1].Peers) != 0 {
			t.Errorf("preview of a no-parent object: %+v %v, want no peers", pv, err)
		}
	})
}

// Class: every object is an object. A policy marking reaches only those who may see
// something it marks, shows each reader only its own part of the audience, and is
// scrubbed and anonymised (findings 4, 5).
func TestLeakClassEveryObjectIsAnObject(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		markID := "marking-definition--" + uuidN(9004)
		mark := fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","name":"Acme Energy red list, ask jane.roe@acme-energy.example",
			"extensions":{%q:{"extension_type":"property-extension","audience":{"organizations":["Beta Bank","FBI","CA CERT"],"circles":["us-energy"]},"caveats":["no-foreign"]}}}`, markID, stix.PolicyExtensionID)
		leakSubmit(t, h, tokLeakAlice, mark, leakIndicator(5, "", stix.TLPRedID, markID))
		expectSeen(t, "the red object", whoSeesLeak(t, h, "indicator--"+uuidN(5)), "Acme Energy", "Beta Bank", "FBI", "US CERT")
		expectSeen(t, "its policy marking", whoSeesLeak(t, h, markID), "Acme Energy", "Beta Bank", "FBI", "US CERT")
		_, got := sees(t, h, tokLeakBob, markID)
		for _, leak := range []string{"FBI", "CA CERT", "jane.roe", "Acme Energy", "acme-energy"} {
			if bytes.Contains(got, []byte(leak)) {
				t.Errorf("Beta Bank's copy of the marking names %q: %s", leak, got)
			}
		}
		if !bytes.Contains(got, []byte(`"Beta Bank"`)) || !bytes.Contains(got, []byte(`"us-energy"`)) || !bytes.Contains(got, []byte(`"no-foreign"`)) {
			t.Errorf("Beta Bank's copy of the marking lost what binds it: %s", got)
		}
		// A marking nobody else's objects use stays with its provider.
		lonely := "marking-definition--" + uuidN(9005)
		leakSubmit(t, h, tokLeakAlice, policyMark(uuidN(9005), `,"caveats":["no-foreign"]`))
		expectSeen(t, "an unused marking", whoSeesLeak(t, h, lonely), "Acme Energy", "US CERT")
	})
}

// Class: nothing a caller learns depends on what it may not see. The submission status
// and the preview are the same whether a hidden marking or object exists or not
// (findings 7, 12).
func TestLeakClassAnswersFromTheCallersView(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		// Beta Bank holds a hidden marking and a red individual.
		hidden := "marking-definition--" + uuidN(9006)
		leakSubmit(t, h, tokLeakBob, policyMark(uuidN(9006), `,"audience":{"organizations":["Beta Bank"]}`),
			fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Zoltan Kertesz","identity_class":"individual","object_marking_refs":[%q]}`, uuidN(9007), stix.TLPRedID))
		absent := "marking-definition--" + uuidN(9008)
		norm := func(st taxii.Status) string {
			b, _ := json.Marshal(st.Successes)
			s := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).ReplaceAllString(string(b), "ID")
			return s + fmt.Sprint(st.FailureCount, st.PendingCount)
		}
		preview := func(body string) string {
			// A hub that syncs through an account not declared as a peer's is refused, not
			// served as an ordinary member.
			for tok, want := range map[string]int{tokLeakBob: 403, tokLeakPeer: 200} {
				if resp := do(t, "GET", h.URL+"/api/collections/", "Bearer "+tok, map[string]string{taxii.HeaderPeer: "1"}, nil); resp.StatusCode != want {
					t.Errorf("a hub syncing as %s: %d, want %d", tok, resp.StatusCode, want)
				}
			}
			resp := do(t, "POST", h.URL+"/v1/preview", "Bearer "+tokLeakAlice, map[string]string{"Content-Type": "application/json"}, strings.NewReader(body))
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			return regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).ReplaceAllString(b.String(), "ID")
		}
		// A pending member gets no preview: it would hand it the member directory.
		resp := do(t, "POST", h.URL+"/v1/preview", "Bearer "+leakReaders["Gamma Grid"], map[string]string{"Content-Type": "application/json"},
			strings.NewReader(leakIndicator(12, "", stix.TLPGreenID)))
		if resp.StatusCode != 403 {
			t.Errorf("a pending member's preview: %d, want 403", resp.StatusCode)
		}
		a := leakIndicator(10, `,"description":"call Zoltan Kertesz"`, stix.TLPGreenID, hidden)
		b := leakIndicator(11, `,"description":"call Xaver Quilleran"`, stix.TLPGreenID, absent)
		if pa, pb := preview(a), preview(b); pa != pb {
			t.Errorf("the preview tells a hidden marking from an absent one:\n%s\n%s", pa, pb)
		}
		if sa, sb := norm(leakSubmit(t, h, tokLeakAlice, a)), norm(leakSubmit(t, h, tokLeakAlice, b)); sa != sb {
			t.Errorf("the status tells a hidden marking or name from an absent one:\n%s\n%s", sa, sb)
		}
	})
}

// Class: anonymity covers every property. Pseudonyms are per object; the provider's
// identity is replaced in every reference; its names are redacted in every string
// (findings 9, 10, 11).
func TestLeakClassAnonymity(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		var who struct {
			IdentityID string `json:"identity_id"`
		}
		json.Unmarshal(get(t, h.URL+"/v1/whoami", tokLeakAlice), &who)
		own := "identity--" + uuidN(9010)
		idObj := fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Acme Energy","identity_class":"organization","object_marking_refs":[%q]}`, own, stix.TLPGreenID)
		everyone := policyMark(uuidN(9011), `,"attribution":"everyone"`)
		linkable := policyMark(uuidN(9012), `,"attribution":"pseudonymous"`)
		ind := func(n int, extra string, marks ...string) string {
			return leakIndicator(n, `,"created_by_ref":"`+own+`"`+extra, marks...)
		}
		report := fmt.Sprintf(`{"type":"report","spec_version":"2.1","id":"report--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":%q,"name":"weekly","published":"2026-01-01T00:00:00Z",
			"object_refs":[%q,%q,"indicator--%s"],"object_marking_refs":[%q]}`, uuidN(9013), own, own, who.IdentityID, uuidN(20), stix.TLPGreenID)
		rel := fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":%q,"relationship_type":"attributed-to",
			"source_ref":"indicator--%s","target_ref":%q,"object_marking_refs":[%q]}`, uuidN(9014), own, uuidN(20), own, stix.TLPGreenID)
		named := ind(23, `,"external_references":[{"source_name":"Acme-Energy","external_id":"ACMEENERGY-7"}],"labels":["AcmeEnergy"],"kill_chain_phases":[{"kill_chain_name":"acme.energy","phase_name":"recon"}]`, stix.TLPGreenID)
		st := leakSubmit(t, h, tokLeakAlice, idObj, everyone, linkable, ind(20, "", stix.TLPGreenID), ind(21, "", stix.TLPGreenID),
			ind(22, "", stix.TLPGreenID, "marking-definition--"+uuidN(9011)), report, rel, named,
			ind(24, "", stix.TLPGreenID, "marking-definition--"+uuidN(9012)), ind(25, "", stix.TLPGreenID, "marking-definition--"+uuidN(9012)))
		if st.FailureCount != 0 {
			t.Fatalf("submit: %+v", st.Failures)
		}
		creator := func(token string, n int) string {
			_, raw := sees(t, h, token, "indicator--"+uuidN(n))
			var o struct {
				CreatedByRef string `json:"created_by_ref"`
			}
			json.Unmarshal(raw, &o)
			return o.CreatedByRef
		}
		// Finding 9: naming one object (attribution everyone) names no other.
		if c := creator(tokLeakBob, 22); c != own {
			t.Errorf("the attributed object's creator is %q, want %q", c, own)
		}
		p20, p21 := creator(tokLeakBob, 20), creator(tokLeakBob, 21)
		if p20 == own || p21 == own || p20 == p21 || p20 == "" {
			t.Errorf("anonymous objects of one provider are linkable: %q %q", p20, p21)
		}
		if creator(tokLeakBob, 20) != p20 || creator(tokLeakFBI, 20) == p20 {
			t.Errorf("a pseudonym is not stable for one reader, or is shared between readers")
		}
		// attribution pseudonymous: linkable for one reader, not named.
		p24, p25 := creator(tokLeakBob, 24), creator(tokLeakBob, 25)
		if p24 != p25 || p24 == own || p24 == p20 {
			t.Errorf("pseudonymous objects: %q %q (own %q)", p24, p25, own)
		}
		// Finding 10: no reference, anywhere, names the provider.
		for _, id := range []string{"report--" + uuidN(9013), "relationship--" + uuidN(9014)} {
			ok, raw := sees(t, h, tokLeakBob, id)
			if !ok {
				t.Errorf("%s is not visible", id)
			}
			for _, leak := range []string{own, who.IdentityID} {
				if bytes.Contains(raw, []byte(leak)) {
					t.Errorf("%s names the provider's identity %s: %s", id, leak, raw)
				}
			}
		}
		// Finding 11: names in every string, however written.
		_, raw := sees(t, h, tokLeakBob, "indicator--"+uuidN(23))
		low := strings.ToLower(string(raw))
		for _, leak := range []string{"acme-energy", "acmeenergy", "acme.energy"} {
			if strings.Contains(low, leak) {
				t.Errorf("the provider's name %q survives: %s", leak, raw)
			}
		}
		// The identity object itself reaches nobody who may not learn the provider.
		expectSeen(t, "the provider's identity object", whoSeesLeak(t, h, own), "Acme Energy", "US CERT")
	})
}

// Class: references. A reference to an object the reader may not see is removed from
// its copy; a relationship whose end it may not see is withheld, and paging never tells.
func TestLeakClassReferences(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		red := leakIndicator(30, "", stix.TLPRedID)
		green := leakIndicator(31, "", stix.TLPGreenID)
		sco := fmt.Sprintf(`{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--%s","value":"198.51.100.99","object_marking_refs":[%q]}`, uuidN(32), stix.TLPRedID)
		report := fmt.Sprintf(`{"type":"report","spec_version":"2.1","id":"report--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"r","published":"2026-01-01T00:00:00Z",
			"object_refs":["indicator--%s","indicator--%s","ipv4-addr--%s"],"object_marking_refs":[%q]}`, uuidN(33), uuidN(30), uuidN(31), uuidN(32), stix.TLPGreenID)
		var rels []string
		for i := 0; i < 3; i++ {
			rels = append(rels, fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","relationship_type":"related-to",
				"source_ref":"indicator--%s","target_ref":"indicator--%s","object_marking_refs":[%q]}`, uuidN(34+i), uuidN(31), uuidN(30), stix.TLPGreenID))
		}
		leakSubmit(t, h, tokLeakAlice, append([]string{red, green, sco, report}, rels...)...)
		ok, raw := sees(t, h, tokLeakBob, "report--"+uuidN(33))
		if !ok || bytes.Contains(raw, []byte(uuidN(30))) || bytes.Contains(raw, []byte(uuidN(32))) || !bytes.Contains(raw, []byte(uuidN(31))) {
			t.Errorf("the report as Beta Bank gets it: %s", raw)
		}
		for i := 0; i < 3; i++ {
			expectSeen(t, "a relationship to a red object", whoSeesLeak(t, h, "relationship--"+uuidN(34+i)), "Acme Energy", "US CERT")
		}
		// Walking with limit=1: every page holds one object, and the last says no more.
		c := h.client(t, tokLeakBob)
		shared := collectionID(t, c, "shared")
		q := taxiiclient.Query{Limit: 1}
		pages := 0
		for {
			env, err := c.Objects(context.Background(), shared, q)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(env.Objects) != 1 {
				t.Errorf("page %d holds %d objects", pages, len(env.Objects))
			}
			if !env.More {
				break
			}
			q.Next = env.Next
		}
		if pages != 2 { // the green indicator and the report
			t.Errorf("%d pages, want 2", pages)
		}
	})
}

// Finding 15: an operator's read of an expired object is on the record.
func TestLeakOperatorReadsOfExpiredAreAudited(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		mark := policyMark(uuidN(9020), `,"expires":"2020-01-01T00:00:00Z"`)
		leakSubmit(t, h, tokLeakAlice, mark, leakIndicator(40, "", stix.TLPGreenID, "marking-definition--"+uuidN(9020)))
		if ok, _ := sees(t, h, leakReaders["US CERT"], "indicator--"+uuidN(40)); !ok {
			t.Fatal("the operator does not see the expired object")
		}
		body := get(t, h.URL+"/v1/audit?limit=1000", leakReaders["US CERT"])
		if !regexp.MustCompile(`"read\.restricted"[^}]*` + uuidN(40)).Match(body) {
			t.Errorf("no restricted read of the expired object in the audit log: %s", body)
		}
	})
}

// Class: the origin's promise travels with the object (findings 16, 17, 19, 20, and the
// markings of objects that never leave). Three real hubs: the US hub pulls from and pushes
// to CA, and pushes to MX.
func TestLeakClassFederation(t *testing.T) {
	noFed := func(c *Config) { c.NoFederation = true }
	// CA has a member named like a US member and a circle named like a US circle.
	caDecl := strings.Replace(peerSideDecl("CA", "CA CERT", "Beta Bank", tokCAMaple, tokCAOp, tokUSatCA, "amber"),
		`"peers":`, `"circles": [{"name": "us-energy", "members": ["Beta Bank"]}], "peers":`, 1)
	ca := startHubWith(t, caDecl, noFed)
	mx := startHubWith(t, peerSideDecl("MX", "MX CERT", "Aztec Grid", "mx-aztec-token-012345678", tokMXOp, tokUSatMX, "green"), noFed)
	usd := strings.Replace(usDecl(ca.URL, mx.URL), `"token": "`+tokUSatCA+`", "direction": "both", "interval": "1s", "max_tlp": "amber"`,
		`"token": "`+tokUSatCA+`", "direction": "both", "interval": "1s", "max_tlp": "amber", "circles": ["us-energy"]`, 1)
	usd = strings.Replace(usd, `{"name": "Acme Energy", "country": "US", "type": "private", "status": "vetted"}`,
		`{"name": "Acme Energy", "country": "US", "type": "private", "status": "vetted"}, {"name": "Beta Bank", "country": "US", "type": "private", "status": "vetted"}`, 1)
	usd = strings.Replace(usd, `"peers": [`, `"circles": [{"name": "us-energy", "members": ["Acme Energy", "Beta Bank"]}], "peers": [`, 1)
	us := startHubWith(t, usd, noFed)
	th := &threeHubs{us: us, ca: ca, mx: mx, engine: federation.New(federation.Options{Store: us.hub.store, Guard: us.hub.guard, PageSize: 50})}
	// Finding 17: CA's Beta Bank squats the id of the US marking before it arrives,
	// with an audience of itself.
	submitAs(t, ca, tokCAMaple, policyMark(uuidN(9050), `,"audience":{"organizations":["Beta Bank"]}`))

	var who struct {
		IdentityID string `json:"identity_id"`
	}
	json.Unmarshal(get(t, us.URL+"/v1/whoami", tokUSAlice), &who)
	circleGreen := leakIndicator(50, "", stix.TLPGreenID, "marking-definition--"+uuidN(9050))
	amberNamed := leakIndicator(51, "", stix.TLPAmberID, "marking-definition--"+uuidN(9051))
	redMarked := leakIndicator(52, "", stix.TLPRedID, "marking-definition--"+uuidN(9052))
	anon1 := leakIndicator(53, `,"created_by_ref":"`+who.IdentityID+`"`, stix.TLPGreenID)
	anon2 := leakIndicator(54, `,"created_by_ref":"`+who.IdentityID+`"`, stix.TLPGreenID)
	report := fmt.Sprintf(`{"type":"report","spec_version":"2.1","id":"report--%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"r","published":"2026-01-01T00:00:00Z",
		"object_refs":[%q,"indicator--%s"],"object_marking_refs":[%q]}`, uuidN(55), who.IdentityID, uuidN(53), stix.TLPGreenID)
	submitAs(t, us, tokUSAlice,
		policyMark(uuidN(9050), `,"audience":{"circles":["us-energy"]}`), circleGreen,
		policyMark(uuidN(9051), `,"audience":{"organizations":["Beta Bank","ca-hub"]}`), amberNamed,
		policyMark(uuidN(9052), `,"audience":{"organizations":["ca-hub"]},"caveats":["no-federation"]`), redMarked,
		anon1, anon2, report)
	th.syncAll(t)

	caBeta := ca.client(t, tokCAMaple)
	caShared := collectionID(t, caBeta, "shared")
	read := func(c *taxiiclient.Client, coll, id string) []byte {
		page, err := c.Object(context.Background(), coll, id, taxiiclient.Query{})
		if err != nil {
			if httpStatus(err) == 404 {
				return nil
			}
			t.Fatal(err)
		}
		return page.Objects[len(page.Objects)-1]
	}
	// Finding 16: names are local. The CA hub holds both objects, but neither its "Beta
	// Bank" nor its circle "us-energy" reads them.
	for _, id := range []string{"indicator--" + uuidN(50), "indicator--" + uuidN(51)} {
		if !holds(t, ca, tokCAOp, id) {
			t.Errorf("%s did not cross to CA: the test proves nothing", id)
		}
		if read(caBeta, caShared, id) != nil {
			t.Errorf("CA's Beta Bank reads %s, meant for the US Beta Bank or circle", id)
		}
	}
	// The red object's markings never leave either.
	for _, id := range []string{"indicator--" + uuidN(52), "marking-definition--" + uuidN(9052)} {
		if holds(t, ca, tokCAOp, id) || holds(t, mx, tokMXOp, id) {
			t.Errorf("%s crossed a border", id)
		}
	}
	// The marking that crossed (the US hub's copy at CA, beside the squatter's) names no
	// US member and no bare US circle.
	usAtCA := ca.client(t, tokUSatCA)
	for _, id := range []string{"marking-definition--" + uuidN(9050), "marking-definition--" + uuidN(9051)} {
		raw := read(usAtCA, collectionID(t, usAtCA, "mine"), id)
		if raw == nil || bytes.Contains(raw, []byte(`"Beta Bank"`)) || bytes.Contains(raw, []byte(`"us-energy"`)) {
			t.Errorf("the marking crossed with local names, or not at all: %s", raw)
		}
	}
	caOp := ca.client(t, tokCAOp)
	// Findings 19, 20: the provider's identity crosses nowhere, and what CA received as
	// pseudonyms links nothing there.
	for _, h := range []*testHub{ca, mx} {
		tok := map[*testHub]string{ca: tokCAOp, mx: tokMXOp}[h]
		c := h.client(t, tok)
		shared := collectionID(t, c, "shared")
		for raw, err := range c.All(context.Background(), shared, taxiiclient.Query{}) {
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte(who.IdentityID)) {
				t.Errorf("the provider's identity crossed: %s", raw)
			}
		}
	}
	creator := func(c *taxiiclient.Client, coll string, n int) string {
		var o struct {
			CreatedByRef string `json:"created_by_ref"`
		}
		json.Unmarshal(read(c, coll, "indicator--"+uuidN(n)), &o)
		return o.CreatedByRef
	}
	caOpShared := collectionID(t, caOp, "shared")
	if a, b := creator(caOp, caOpShared, 53), creator(caOp, caOpShared, 54); a == "" || a == b {
		t.Errorf("two anonymous US objects carry one creator at CA: %q %q", a, b)
	}
	if a, b := creator(caBeta, caShared, 53), creator(caBeta, caShared, 54); a == "" || a == b || a == creator(caOp, caOpShared, 53) {
		t.Errorf("CA's member links anonymous US objects: %q %q", a, b)
	}
}

// ringDecl declares one hub of a ring in which each hub pushes to the next: its operator
// and one member, the account of the hub before it (which pushes here), and the hub after
// it, which it pushes to with token.
func ringDecl(country, prev, next, nextURL, token string) string {
	return fmt.Sprintf(`{
  "hub": {"name": "%[1]s hub", "country": "%[1]s", "operator": "%[1]s CERT"},
  "organizations": [
    {"name": "%[1]s CERT", "country": "%[1]s", "type": "cert", "status": "vetted"},
    {"name": "%[1]s Member", "country": "%[1]s", "type": "private", "status": "vetted"},
    {"name": %[2]q, "country": "XX", "type": "cert", "status": "vetted"}
  ],
  "users": [
    {"name": "op", "organization": "%[1]s CERT", "roles": ["operator"], "token": "op-%[1]s-token-0123456789"},
    {"name": "member", "organization": "%[1]s Member", "roles": ["analyst"], "token": "member-%[1]s-token-01234567"},
    {"name": "in", "organization": %[2]q, "roles": ["analyst"], "token": "in-%[1]s-token-0123456789"}
  ],
  "peers": [
    {"name": %[2]q, "url": "http://127.0.0.1:9/api/", "country": "XX", "type": "cert", "direction": "push", "max_tlp": "green"},
    {"name": %[3]q, "url": %[4]q, "country": "XX", "type": "cert", "token": %[5]q, "direction": "push", "max_tlp": "green"}
  ]
}`, country, prev, next, nextURL+"/api/", token)
}

// Finding 18: a deleted object comes back through a loop. Three hubs push in a ring
// (US → CA → MX → US); an object that may be re-shared goes round, and the hub it came
// from refuses it: what its provider deletes stays deleted.
func TestLeakClassFederationLoop(t *testing.T) {
	noFed := func(c *Config) { c.NoFederation = true }
	// Each hub's URL is needed by the one before it: start them, then declare.
	hubs := map[string]*testHub{}
	for _, c := range []string{"US", "CA", "MX"} {
		hubs[c] = startHubWith(t, `{"hub": {"name": "`+c+` hub", "country": "`+c+`", "operator": "`+c+` CERT"}, "organizations": [{"name": "`+c+` CERT", "country": "`+c+`", "type": "cert", "status": "vetted"}]}`, noFed)
	}
	next := map[string]string{"US": "CA", "CA": "MX", "MX": "US"}
	prev := map[string]string{"US": "MX", "CA": "US", "MX": "CA"}
	for c, h := range hubs {
		decl := ringDecl(c, prev[c]+"-hub", next[c]+"-hub", hubs[next[c]].URL, "in-"+next[c]+"-token-0123456789")
		d, err := apply.Parse(strings.NewReader(decl))
		if err != nil {
			t.Fatal(err)
		}
		if err := h.hub.guard.ApplyDirectory(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	syncRing := func() {
		for _, c := range []string{"US", "CA", "MX"} {
			h := hubs[c]
			engine := federation.New(federation.Options{Store: h.hub.store, Guard: h.hub.guard, PageSize: 50})
			peers, err := h.hub.store.Peers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range peers {
				if p.Name == next[c]+"-hub" {
					if _, err := engine.Sync(context.Background(), p, nil); err != nil {
						t.Fatalf("%s → %s: %v", c, p.Name, err)
					}
				}
			}
		}
	}
	id := "indicator--" + uuidN(60)
	mark := policyMark(uuidN(9060), `,"further_sharing":"peers"`)
	submitAs(t, hubs["US"], "member-US-token-01234567", mark, leakIndicator(60, "", stix.TLPGreenID, "marking-definition--"+uuidN(9060)))
	syncRing()
	syncRing()
	for _, c := range []string{"CA", "MX"} {
		if !holds(t, hubs[c], "op-"+c+"-token-0123456789", id) {
			t.Fatalf("the object did not reach %s: the test proves nothing", c)
		}
	}
	if st, _ := hubs["MX"].hub.store.PeerState(context.Background(), "US-hub"); st.Out != 0 {
		t.Errorf("the US took %d objects back from MX, want 0", st.Out)
	}
	if st, _ := hubs["CA"].hub.store.PeerState(context.Background(), "MX-hub"); st.Out != 2 {
		t.Errorf("CA passed %d objects on to MX, want the object and its marking", st.Out)
	}
	// The US holds only its member's copy: MX's push of it was refused.
	us := hubs["US"].client(t, "op-US-token-0123456789")
	vs, err := us.Versions(context.Background(), collectionID(t, us, "shared"), id, taxiiclient.Query{})
	if err != nil || len(vs.Versions) != 1 {
		t.Fatalf("US versions: %v %v", vs.Versions, err)
	}
	// What crossed carries its path, origin first.
	mx := hubs["MX"].client(t, "op-MX-token-0123456789")
	page, err := mx.Object(context.Background(), collectionID(t, mx, "shared"), id, taxiiclient.Query{})
	if err != nil || !bytes.Contains(page.Objects[0], []byte(stix.ProvenanceExtensionID)) {
		t.Errorf("the object at MX carries no provenance: %v %s", err, page.Objects)
	}
	member := hubs["US"].client(t, "member-US-token-01234567")
	if err := member.DeleteObject(context.Background(), collectionID(t, member, "mine"), id, taxiiclient.Query{}); err != nil {
		t.Fatal(err)
	}
	syncRing()
	syncRing()
	for _, c := range []string{"US", "CA", "MX"} {
		if holds(t, hubs[c], "op-"+c+"-token-0123456789", id) {
			t.Errorf("%s holds the deleted object after the ring synced", c)
		}
	}
}

// Finding 18, and a version tightened beyond a peer: deletes and withdrawals reach every
// hub that received the object, pushed and pulled, and on through the next hop.
func TestLeakClassFederationWithdrawals(t *testing.T) {
	th := startThreeHubs(t)
	green := func(n int, modified, tlp string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00.000Z","modified":%q,"pattern":"[ipv4-addr:value = '203.0.113.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":[%q,"marking-definition--%s"]}`,
			uuidN(n), modified, n%250, tlp, uuidN(9070))
	}
	mark := policyMark(uuidN(9070), `,"further_sharing":"peers"`)
	deleted, tightened, fromCA := "indicator--"+uuidN(70), "indicator--"+uuidN(71), "indicator--"+uuidN(72)
	submitAs(t, th.us, tokUSAlice, mark, green(70, "2026-01-01T00:00:00.000Z", stix.TLPGreenID), green(71, "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	submitAs(t, th.ca, tokCAMaple, mark, green(72, "2026-01-01T00:00:00.000Z", stix.TLPGreenID))
	th.syncAll(t)
	for name, tc := range map[string]struct {
		h   *testHub
		tok string
	}{"CA": {th.ca, tokCAOp}, "MX": {th.mx, tokMXOp}} {
		for _, id := range []string{deleted, tightened} {
			if !holds(t, tc.h, tc.tok, id) {
				t.Fatalf("%s did not receive %s: the test proves nothing", name, id)
			}
		}
	}
	if !holds(t, th.us, tokUSOp, fromCA) || !holds(t, th.mx, tokMXOp, fromCA) {
		t.Fatalf("the CA object did not travel: the test proves nothing")
	}
	alice := th.us.client(t, tokUSAlice)
	if err := alice.DeleteObject(context.Background(), collectionID(t, alice, "mine"), deleted, taxiiclient.Query{}); err != nil {
		t.Fatal(err)
	}
	submitAs(t, th.us, tokUSAlice, green(71, "2026-02-01T00:00:00.000Z", stix.TLPRedID))
	maple := th.ca.client(t, tokCAMaple)
	if err := maple.DeleteObject(context.Background(), collectionID(t, maple, "mine"), fromCA, taxiiclient.Query{}); err != nil {
		t.Fatal(err)
	}
	th.syncAll(t) // US takes CA's withdrawal, and passes its own and CA's on
	th.syncAll(t)
	for name, tc := range map[string]struct {
		h   *testHub
		tok string
	}{"US": {th.us, tokUSOp}, "CA": {th.ca, tokCAOp}, "MX": {th.mx, tokMXOp}} {
		for _, id := range []string{deleted, fromCA} {
			if holds(t, tc.h, tc.tok, id) {
				t.Errorf("%s still holds %s, deleted by its provider", name, id)
			}
		}
		if name != "US" && holds(t, tc.h, tc.tok, tightened) {
			t.Errorf("%s still holds %s, tightened to red at its origin", name, tightened)
		}
	}
}

// Finding 21: no cache outlives a change on another node. A provider deletes its policy
// marking and stores it again with another audience through one node; an object marked
// with it through the other node follows the definition as it is now.
func TestLeakMarkingsAcrossNodes(t *testing.T) {
	url := pgURL(t)
	key := t.TempDir() + "/audit.key"
	a, b := startNode(t, url, key), startNode(t, url, key)
	d, err := apply.Parse(strings.NewReader(leakDeclaration))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.hub.guard.ApplyDirectory(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	markID := "marking-definition--" + uuidN(9080)
	forBob := policyMark(uuidN(9080), `,"audience":{"organizations":["Beta Bank"]}`)
	forFBI := policyMark(uuidN(9080), `,"audience":{"organizations":["FBI"]}`)
	leakSubmit(t, a, tokLeakAlice, forBob, leakIndicator(80, "", stix.TLPAmberID, markID))
	// Node b has read the definition once, through this submission.
	leakSubmit(t, b, tokLeakAlice, leakIndicator(81, "", stix.TLPAmberID, markID))
	alice := a.client(t, tokLeakAlice)
	if err := alice.DeleteObject(context.Background(), collectionID(t, alice, "mine"), markID, taxiiclient.Query{}); err != nil {
		t.Fatal(err)
	}
	leakSubmit(t, a, tokLeakAlice, forFBI)
	leakSubmit(t, b, tokLeakAlice, leakIndicator(82, "", stix.TLPAmberID, markID))
	if ok, _ := sees(t, a, tokLeakBob, "indicator--"+uuidN(82)); ok {
		t.Errorf("node b applied the deleted definition's audience")
	}
	if ok, _ := sees(t, a, tokLeakFBI, "indicator--"+uuidN(82)); !ok {
		t.Errorf("node b did not apply the definition as it is now")
	}
}

// Withdrawals say nothing of those that do not concern the peer: walking them one at a
// time, a peer gets the ids it could see, and never an empty page that says more follow.
func TestLeakWithdrawalsCountNothingHidden(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *testHub) {
		alice := h.client(t, tokLeakAlice)
		mine := collectionID(t, alice, "mine")
		for n := 90; n < 96; n++ {
			tlp := stix.TLPRedID // hidden from the peer
			if n == 93 {
				tlp = stix.TLPGreenID
			}
			leakSubmit(t, h, tokLeakAlice, leakIndicator(n, "", tlp))
			if err := alice.DeleteObject(context.Background(), mine, "indicator--"+uuidN(n), taxiiclient.Query{}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		next := ""
		for pages := 0; pages < 20; pages++ {
			resp := do(t, "GET", h.URL+"/v1/withdrawals?limit=1&next="+next, "Bearer "+tokLeakPeer, nil, nil)
			var body struct {
				Withdrawals []string `json:"withdrawals"`
				Next        string   `json:"next"`
				More        bool     `json:"more"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
				t.Fatalf("withdrawals: %d %v", resp.StatusCode, err)
			}
			if body.More && len(body.Withdrawals) == 0 {
				t.Fatalf("an empty page that says more follow: it counts what the peer may not see")
			}
			got = append(got, body.Withdrawals...)
			next = body.Next
			if !body.More {
				break
			}
		}
		if len(got) != 1 || got[0] != "indicator--"+uuidN(93) {
			t.Errorf("the peer is told of %v, want only the object it could see", got)
		}
		if resp := do(t, "GET", h.URL+"/v1/withdrawals", "Bearer "+tokLeakBob, nil, nil); resp.StatusCode != 403 {
			t.Errorf("a member asks for withdrawals: %d, want 403", resp.StatusCode)
		}
	})
}
