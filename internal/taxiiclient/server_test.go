package taxiiclient

// A tiny TAXII 2.1 server kept in memory, written from the specification independently of
// internal/httpapi so that the client is checked against the text, not against our own
// server's reading of it.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak/internal/taxii"
)

type storedObject struct {
	id, typ, version string
	added            time.Time
	raw              json.RawMessage
}

type fakeServer struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	tokens      map[string]bool   // Bearer tokens
	users       map[string]string // Basic user -> password
	collections []taxii.Collection
	objects     map[string][]storedObject // by collection id, in date_added order
	statuses    map[string]taxii.Status
	clock       time.Time
	seq         int
	maxPage     int
	noNext      bool          // answer more=true without next, as some servers do
	requests    []http.Header // headers of every request, for checks
	paths       []string      // RequestURI of every request
}

const (
	colShared = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	colInbox  = "52892447-4d7e-4f70-b94d-d7f22742ff63"
	colHidden = "cb8ffa9e-4f0a-4b4c-9b86-5d3c1e3b7f11"
)

func newFakeServer(t testing.TB) *fakeServer {
	t.Helper()
	f := &fakeServer{
		t:      t,
		tokens: map[string]bool{"tok-alice": true},
		users:  map[string]string{"bob": "tok-bob"},
		collections: []taxii.Collection{
			{ID: colShared, Title: "Shared", Alias: "shared", CanRead: true, CanWrite: true, MediaTypes: []string{taxii.STIXMediaType}},
			{ID: colInbox, Title: "Inbox", Alias: "inbox", CanRead: false, CanWrite: true, MediaTypes: []string{taxii.STIXMediaType}},
		},
		objects:  map[string][]storedObject{},
		statuses: map[string]taxii.Status{},
		clock:    time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
		maxPage:  100,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /taxii2/{$}", f.discovery)
	mux.HandleFunc("GET /api/{$}", f.apiRoot)
	mux.HandleFunc("GET /api/collections/{$}", f.listCollections)
	mux.HandleFunc("GET /api/collections/{id}/{$}", f.getCollection)
	mux.HandleFunc("GET /api/collections/{id}/objects/{$}", f.getObjects)
	mux.HandleFunc("POST /api/collections/{id}/objects/{$}", f.addObjects)
	mux.HandleFunc("GET /api/collections/{id}/objects/{oid}/{$}", f.getObject)
	mux.HandleFunc("DELETE /api/collections/{id}/objects/{oid}/{$}", f.deleteObject)
	mux.HandleFunc("GET /api/collections/{id}/objects/{oid}/versions/{$}", f.getVersions)
	mux.HandleFunc("GET /api/collections/{id}/manifest/{$}", f.getManifest)
	mux.HandleFunc("GET /api/status/{sid}/{$}", f.getStatus)
	f.srv = httptest.NewServer(f.authenticate(mux))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) apiRootURL() string { return f.srv.URL + "/api/" }

// client returns a client of the fake server authenticated as alice (Bearer).
func (f *fakeServer) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(f.apiRootURL(), Options{Token: "tok-alice", HTTPClient: f.srv.Client()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeServer) lastRequest() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *fakeServer) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func writeTAXII(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", taxii.MediaType)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, title string) {
	writeTAXII(w, code, taxii.Error{Title: title, HTTPStatus: strconv.Itoa(code)})
}

func (f *fakeServer) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Header.Clone())
		f.paths = append(f.paths, r.RequestURI)
		ok := false
		if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			ok = f.tokens[tok]
		} else if u, p, found := r.BasicAuth(); found {
			want, known := f.users[u]
			ok = known && want == p
		}
		f.mu.Unlock()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="fake", Bearer realm="fake"`)
			writeError(w, http.StatusUnauthorized, "Authentication required")
			return
		}
		if !taxii.Acceptable(r.Header.Get("Accept")) {
			writeError(w, http.StatusNotAcceptable, "Not acceptable")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *fakeServer) discovery(w http.ResponseWriter, r *http.Request) {
	writeTAXII(w, 200, taxii.Discovery{Title: "Fake", Default: "/api/", APIRoots: []string{"/api/"}})
}

func (f *fakeServer) apiRoot(w http.ResponseWriter, r *http.Request) {
	writeTAXII(w, 200, taxii.APIRoot{Title: "Fake root", Versions: []string{taxii.MediaType}, MaxContentLength: 10 << 20})
}

func (f *fakeServer) listCollections(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeTAXII(w, 200, taxii.Collections{Collections: f.collections})
}

// collection finds a collection by id; callers hold f.mu.
func (f *fakeServer) collection(id string) (taxii.Collection, bool) {
	for _, c := range f.collections {
		if c.ID == id {
			return c, true
		}
	}
	return taxii.Collection{}, false
}

func (f *fakeServer) getCollection(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.collection(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "Collection not found")
		return
	}
	writeTAXII(w, 200, c)
}

// readable resolves the collection of a read request and writes 404 or 403; callers hold
// f.mu.
func (f *fakeServer) readable(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, ok := f.collection(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "Collection not found")
		return "", false
	}
	if !c.CanRead {
		writeError(w, 403, "Collection cannot be read")
		return "", false
	}
	return c.ID, true
}

// selectObjects applies added_after, match[id], match[type] and match[version] (default
// last) and returns the matches in date_added order.
func (f *fakeServer) selectObjects(col string, q map[string][]string, fixedID string, versionFilter bool) ([]storedObject, error) {
	var after time.Time
	if v := first(q, "added_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, err
		}
		after = t
	}
	ids := split(first(q, "match[id]"))
	if fixedID != "" {
		ids = []string{fixedID}
	}
	types := split(first(q, "match[type]"))
	versions := split(first(q, "match[version]"))
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	var cand []storedObject
	for _, o := range f.objects[col] {
		if len(ids) > 0 && !slices.Contains(ids, o.id) || len(types) > 0 && !slices.Contains(types, o.typ) {
			continue
		}
		cand = append(cand, o)
	}
	if versionFilter && !slices.Contains(versions, "all") {
		firstV, lastV := map[string]string{}, map[string]string{}
		for _, o := range cand {
			if v, ok := firstV[o.id]; !ok || o.version < v {
				firstV[o.id] = o.version
			}
			if v, ok := lastV[o.id]; !ok || o.version > v {
				lastV[o.id] = o.version
			}
		}
		var keep []storedObject
		for _, o := range cand {
			if slices.Contains(versions, "first") && firstV[o.id] == o.version ||
				slices.Contains(versions, "last") && lastV[o.id] == o.version ||
				slices.Contains(versions, o.version) {
				keep = append(keep, o)
			}
		}
		cand = keep
	}
	var out []storedObject
	for _, o := range cand {
		if o.added.After(after) {
			out = append(out, o)
		}
	}
	return out, nil
}

// page cuts one page out of a result and sets the TAXII headers; next is an offset.
func (f *fakeServer) page(w http.ResponseWriter, q map[string][]string, all []storedObject) ([]storedObject, bool, string, bool) {
	limit := f.maxPage
	if v := first(q, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, 400, "bad limit")
			return nil, false, "", false
		}
		limit = min(n, f.maxPage)
	}
	start := 0
	if v := first(q, "next"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(all) {
			writeError(w, 400, "bad next")
			return nil, false, "", false
		}
		start = n
	}
	end := min(start+limit, len(all))
	pg := all[start:end]
	more := end < len(all)
	next := ""
	if more && !f.noNext {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	if len(pg) > 0 {
		w.Header().Set(taxii.HeaderDateAddedFirst, taxii.FormatTimestamp(pg[0].added))
		w.Header().Set(taxii.HeaderDateAddedLast, taxii.FormatTimestamp(pg[len(pg)-1].added))
	}
	return pg, more, next, true
}

func (f *fakeServer) getObjects(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	col, ok := f.readable(w, r)
	if !ok {
		return
	}
	all, err := f.selectObjects(col, r.URL.Query(), "", true)
	if err != nil {
		writeError(w, 400, "bad query")
		return
	}
	pg, more, next, ok := f.page(w, r.URL.Query(), all)
	if !ok {
		return
	}
	env := taxii.Envelope{More: more, Next: next}
	for _, o := range pg {
		env.Objects = append(env.Objects, o.raw)
	}
	writeTAXII(w, 200, env)
}

func (f *fakeServer) getObject(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	col, ok := f.readable(w, r)
	if !ok {
		return
	}
	all, err := f.selectObjects(col, r.URL.Query(), r.PathValue("oid"), true)
	if err != nil {
		writeError(w, 400, "bad query")
		return
	}
	if len(all) == 0 {
		writeError(w, 404, "Object not found")
		return
	}
	pg, more, next, ok := f.page(w, r.URL.Query(), all)
	if !ok {
		return
	}
	env := taxii.Envelope{More: more, Next: next}
	for _, o := range pg {
		env.Objects = append(env.Objects, o.raw)
	}
	writeTAXII(w, 200, env)
}

func (f *fakeServer) getVersions(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	col, ok := f.readable(w, r)
	if !ok {
		return
	}
	all, err := f.selectObjects(col, r.URL.Query(), r.PathValue("oid"), false)
	if err != nil {
		writeError(w, 400, "bad query")
		return
	}
	if len(all) == 0 {
		writeError(w, 404, "Object not found")
		return
	}
	pg, more, next, ok := f.page(w, r.URL.Query(), all)
	if !ok {
		return
	}
	v := taxii.Versions{More: more, Next: next}
	for _, o := range pg {
		v.Versions = append(v.Versions, o.version)
	}
	writeTAXII(w, 200, v)
}

func (f *fakeServer) getManifest(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	col, ok := f.readable(w, r)
	if !ok {
		return
	}
	all, err := f.selectObjects(col, r.URL.Query(), "", true)
	if err != nil {
		writeError(w, 400, "bad query")
		return
	}
	pg, more, next, ok := f.page(w, r.URL.Query(), all)
	if !ok {
		return
	}
	m := taxii.Manifest{More: more, Next: next}
	for _, o := range pg {
		m.Objects = append(m.Objects, taxii.ManifestRecord{ID: o.id, DateAdded: taxii.FormatTimestamp(o.added), Version: o.version, MediaType: taxii.STIXMediaType})
	}
	writeTAXII(w, 200, m)
}

func (f *fakeServer) addObjects(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.collection(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "Collection not found")
		return
	}
	if !c.CanWrite {
		writeError(w, 403, "Collection cannot be written")
		return
	}
	if !taxii.ContentTypeOK(r.Header.Get("Content-Type")) {
		writeError(w, 415, "Unsupported media type")
		return
	}
	var env taxii.Envelope
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 10<<20)).Decode(&env); err != nil {
		writeError(w, 400, "Bad envelope")
		return
	}
	f.seq++
	st := taxii.Status{ID: fmt.Sprintf("2d086da7-4bdc-4f91-900e-%012d", f.seq), Status: "complete",
		RequestTimestamp: taxii.FormatTimestamp(f.clock), TotalCount: len(env.Objects)}
	for _, raw := range env.Objects {
		var o struct{ ID, Type, Modified, Created string }
		if err := json.Unmarshal(raw, &o); err != nil || o.ID == "" || o.Type == "" {
			st.Failures = append(st.Failures, taxii.StatusDetail{ID: o.ID, Message: "not a STIX object"})
			continue
		}
		version := o.Modified
		if version == "" {
			version = o.Created
		}
		f.clock = f.clock.Add(time.Millisecond)
		f.objects[c.ID] = append(f.objects[c.ID], storedObject{id: o.ID, typ: o.Type, version: version, added: f.clock, raw: raw})
		st.Successes = append(st.Successes, taxii.StatusDetail{ID: o.ID, Version: version})
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	f.statuses[st.ID] = st
	writeTAXII(w, 202, st)
}

func (f *fakeServer) deleteObject(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	col, ok := f.readable(w, r)
	if !ok {
		return
	}
	oid := r.PathValue("oid")
	versions := split(r.URL.Query().Get("match[version]"))
	var keep []storedObject
	n := 0
	for _, o := range f.objects[col] {
		// Without match[version] a delete removes every version.
		if o.id == oid && (len(versions) == 0 || slices.Contains(versions, o.version)) {
			n++
			continue
		}
		keep = append(keep, o)
	}
	if n == 0 {
		writeError(w, 404, "Object not found")
		return
	}
	f.objects[col] = keep
	w.WriteHeader(200)
}

func (f *fakeServer) getStatus(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.statuses[r.PathValue("sid")]
	if !ok {
		writeError(w, 404, "Status not found")
		return
	}
	writeTAXII(w, 200, st)
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, ",")
	sort.Strings(out)
	return out
}

// indicator returns a minimal STIX indicator with the given id number and modified time.
func indicator(n int, modified string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":%q,"pattern":"[ipv4-addr:value = '10.0.0.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`, n, modified, n%256))
}

func indicatorID(n int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n) }
