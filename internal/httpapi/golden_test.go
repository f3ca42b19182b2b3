package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	tokAlice = "alice-token-0123456789"
	tokBob   = "bob-token-0123456789ab"
)

// openStore opens a fresh embedded store, closed when the test ends, with d applied.
func openStore(t *testing.T, d firebreak.Directory) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	return store
}

// newTestServer serves a fresh hub with two vetted organisations.
func newTestServer(t *testing.T) *httptest.Server {
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
		Circles: []firebreak.DeclaredCircle{{Name: "energy", Members: []string{"Acme"}}},
	})
	guard := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPAmber})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, Apply: guard.ApplyDirectory, MaxContentLength: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

type exchange struct {
	name, method, path, token string
	header                    map[string]string
	body                      string
}

var (
	bareUUID = regexp.MustCompile(`"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"`)
	stamp    = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"`)
	nextTok  = regexp.MustCompile(`"next": ?"[A-Za-z0-9_-]+"`)
)

// normalise replaces what changes from run to run (generated ids, the hub's clock,
// cursors) so that golden files pin the shape and everything else.
func normalise(s string) string {
	s = bareUUID.ReplaceAllString(s, `"<uuid>"`)
	s = stamp.ReplaceAllString(s, `"<date-added>"`)
	s = nextTok.ReplaceAllString(s, `"next":"<cursor>"`)
	return s
}

func render(t *testing.T, srv *httptest.Server, ex exchange, ids map[string]string) (string, []byte) {
	t.Helper()
	path := ex.path
	for k, v := range ids {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	var body io.Reader
	if ex.body != "" {
		body = strings.NewReader(ex.body)
	}
	req, _ := http.NewRequest(ex.method, srv.URL+path, body)
	if ex.token != "" {
		req.Header.Set("Authorization", "Bearer "+ex.token)
	}
	for k, v := range ex.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var pretty bytes.Buffer
	if len(b) > 0 && json.Indent(&pretty, b, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(b)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s %s\n%d\n", ex.method, ex.path, resp.StatusCode)
	var keys []string
	for k := range resp.Header {
		switch k {
		case "Content-Type", "Www-Authenticate", "X-Taxii-Date-Added-First", "X-Taxii-Date-Added-Last":
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&out, "%s: %s\n", k, normalise(`"`+resp.Header.Get(k)+`"`))
	}
	out.WriteString("\n")
	out.WriteString(normalise(pretty.String()))
	out.WriteString("\n")
	return out.String(), b
}

// TestGoldenTAXII pins the shape of every TAXII response the hub sends.
func TestGoldenTAXII(t *testing.T) {
	srv := newTestServer(t)
	ids := map[string]string{}
	// Collection ids are generated per hub; find them first.
	req, _ := http.NewRequest("GET", srv.URL+"/api/collections/", nil)
	req.Header.Set("Authorization", "Bearer "+tokAlice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var cs taxii.Collections
	json.NewDecoder(resp.Body).Decode(&cs)
	resp.Body.Close()
	for _, c := range cs.Collections {
		ids[c.Alias] = c.ID
	}
	ind := func(id, modified string) string {
		return `{"type":"indicator","spec_version":"2.1","id":"indicator--` + id + `","created":"2024-01-01T00:00:00.000Z","modified":"` + modified + `","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["` + stix.TLPGreenID + `"]}`
	}
	const a = "6b0e3856-95f4-4ba4-9d5f-5b4e2e3d6b9a"
	const b = "0f7a3e6c-2a6d-4b3c-8a0e-1b2c3d4e5f60"
	envelope := `{"objects":[` + ind(a, "2024-01-01T00:00:00.000Z") + "," + ind(a, "2024-02-01T00:00:00.000Z") + "," + ind(b, "2024-01-01T00:00:00.000Z") +
		`,{"type":"indicator","spec_version":"2.1","id":"indicator--` + uuidC + `"}]}`
	post := map[string]string{"Content-Type": taxii.MediaType}
	exchanges := []exchange{
		{name: "discovery", method: "GET", path: "/taxii2/", token: tokAlice},
		{name: "api_root", method: "GET", path: "/api/", token: tokAlice},
		{name: "collections", method: "GET", path: "/api/collections/", token: tokAlice},
		{name: "collection", method: "GET", path: "/api/collections/{shared}/", token: tokAlice},
		{name: "add_objects", method: "POST", path: "/api/collections/{inbox}/objects/", token: tokAlice, header: post, body: envelope},
		{name: "objects", method: "GET", path: "/api/collections/{shared}/objects/", token: tokBob},
		{name: "objects_paged", method: "GET", path: "/api/collections/{shared}/objects/?limit=1", token: tokBob},
		{name: "objects_empty", method: "GET", path: "/api/collections/{shared}/objects/?match[type]=malware", token: tokBob},
		{name: "object", method: "GET", path: "/api/collections/{shared}/objects/indicator--" + a + "/?match[version]=all", token: tokBob},
		{name: "versions", method: "GET", path: "/api/collections/{shared}/objects/indicator--" + a + "/versions/", token: tokBob},
		{name: "manifest", method: "GET", path: "/api/collections/{shared}/manifest/", token: tokBob},
		{name: "delete_object", method: "DELETE", path: "/api/collections/{mine}/objects/indicator--" + b + "/", token: tokAlice},
		{name: "error_not_found", method: "GET", path: "/api/collections/{shared}/objects/indicator--" + b + "/", token: tokBob},
		{name: "error_unauthorized", method: "GET", path: "/api/collections/"},
		{name: "error_not_acceptable", method: "GET", path: "/api/", token: tokAlice, header: map[string]string{"Accept": "application/xml"}},
		{name: "error_unsupported", method: "POST", path: "/api/collections/{inbox}/objects/", token: tokAlice, header: map[string]string{"Content-Type": "text/plain"}, body: "{}"},
		{name: "error_bad_request", method: "GET", path: "/api/collections/{shared}/objects/?limit=x", token: tokBob},
	}
	for _, ex := range exchanges {
		got, body := render(t, srv, ex, ids)
		checkGolden(t, ex.name, got)
		if ex.name == "add_objects" {
			// The status resource, fetched on its own, has the same shape.
			var st taxii.Status
			if err := json.Unmarshal(body, &st); err != nil {
				t.Fatal(err)
			}
			ids["status"] = st.ID
			got, _ := render(t, srv, exchange{method: "GET", path: "/api/status/{status}/", token: tokAlice}, ids)
			checkGolden(t, "status", got)
		}
	}
}

const uuidC = "1d8f3b52-6c1e-4f7a-9b2d-3e4f5a6b7c8d"

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test -update to create it)", name, err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}
