package taxiiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

func TestNew(t *testing.T) {
	tests := []struct {
		in, want string
		code     string
	}{
		{in: "http://127.0.0.1:8443/api/", want: "http://127.0.0.1:8443/api/"},
		{in: "http://127.0.0.1:8443/api", want: "http://127.0.0.1:8443/api/"},
		{in: "https://hub.example/taxii/root%2Fa", want: "https://hub.example/taxii/root%2Fa/"},
		{in: "https://hub.example", want: "https://hub.example/"},
		{in: "ftp://hub.example/api/", code: firebreak.EINVALID},
		{in: "/api/", code: firebreak.EINVALID},
		{in: "http://hub.example/api/?x=1", code: firebreak.EINVALID},
		{in: "http://hub.example/api/#f", code: firebreak.EINVALID},
		{in: "http://[::1", code: firebreak.EINVALID},
	}
	for _, tt := range tests {
		c, err := New(tt.in, Options{})
		if got := firebreak.ErrorCode(err); got != tt.code {
			t.Errorf("New(%q) error code = %q (%v), want %q", tt.in, got, err, tt.code)
			continue
		}
		if err == nil && c.APIRootURL() != tt.want {
			t.Errorf("New(%q).APIRootURL() = %q, want %q", tt.in, c.APIRootURL(), tt.want)
		}
	}
}

func TestDiscoveryRootAndCollections(t *testing.T) {
	f := newFakeServer(t)
	ctx := context.Background()
	opts := Options{Token: "tok-alice", HTTPClient: f.srv.Client()}
	for _, base := range []string{f.srv.URL, f.srv.URL + "/", f.srv.URL + "/taxii2", f.srv.URL + "/taxii2/"} {
		d, err := Discover(ctx, base, opts)
		if err != nil {
			t.Fatalf("Discover(%q): %v", base, err)
		}
		if d.Title != "Fake" || d.Default != "/api/" || len(d.APIRoots) != 1 {
			t.Errorf("Discover(%q) = %+v, want the fake discovery", base, d)
		}
		root, err := ResolveAPIRoot(base, d.Default)
		if want := f.srv.URL + "/api/"; err != nil || root != want {
			t.Errorf("ResolveAPIRoot(%q, %q) = %q, %v; want %q", base, d.Default, root, err, want)
		}
	}
	c := f.client(t)
	root, err := c.APIRoot(ctx)
	if err != nil || root.MaxContentLength != 10<<20 || len(root.Versions) != 1 || root.Versions[0] != taxii.MediaType {
		t.Errorf("APIRoot() = %+v, %v", root, err)
	}
	cols, err := c.Collections(ctx)
	if err != nil || len(cols) != 2 {
		t.Fatalf("Collections() = %+v, %v; want 2", cols, err)
	}
	col, err := c.Collection(ctx, colShared)
	if err != nil || col.Alias != "shared" || !col.CanRead {
		t.Errorf("Collection(shared) = %+v, %v", col, err)
	}
	if _, err := c.Collection(ctx, colHidden); firebreak.ErrorCode(err) != firebreak.ENOTFOUND || StatusCode(err) != 404 {
		t.Errorf("Collection(unknown) error = %v (code %q, status %d), want not_found 404", err, firebreak.ErrorCode(err), StatusCode(err))
	}
	inbox, err := c.CollectionByAlias(ctx, "inbox")
	if err != nil || inbox.ID != colInbox {
		t.Errorf("CollectionByAlias(inbox) = %+v, %v; want %s", inbox, err, colInbox)
	}
	if _, err := c.CollectionByAlias(ctx, "nope"); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("CollectionByAlias(nope) error = %v, want not_found", err)
	}
}

func TestCollectionByAliasDuplicate(t *testing.T) {
	f := newFakeServer(t)
	f.collections = append(f.collections, taxii.Collection{ID: colHidden, Title: "Again", Alias: "shared", CanRead: true})
	if _, err := f.client(t).CollectionByAlias(context.Background(), "shared"); firebreak.ErrorCode(err) != firebreak.ECONFLICT {
		t.Errorf("CollectionByAlias with two matches error = %v, want conflict", err)
	}
}

func TestAddGetVersionsManifestDelete(t *testing.T) {
	f := newFakeServer(t)
	c := f.client(t)
	ctx := context.Background()

	st, err := c.AddObjects(ctx, colShared, []json.RawMessage{
		indicator(1, "2024-01-01T00:00:00.000Z"),
		indicator(1, "2024-02-01T00:00:00.000Z"),
		indicator(2, "2024-01-01T00:00:00.000Z"),
		json.RawMessage(`{"no":"id"}`),
	})
	if err != nil {
		t.Fatalf("AddObjects: %v", err)
	}
	if st.Status != "complete" || st.TotalCount != 4 || st.SuccessCount != 3 || st.FailureCount != 1 {
		t.Errorf("AddObjects status = %+v, want complete 4/3/1", st)
	}
	if len(st.Successes) != 3 || st.Successes[1].Version != "2024-02-01T00:00:00.000Z" {
		t.Errorf("AddObjects successes = %+v, want versions carried", st.Successes)
	}
	got, err := c.Status(ctx, st.ID)
	if err != nil || got.ID != st.ID || got.SuccessCount != 3 {
		t.Errorf("Status(%s) = %+v, %v", st.ID, got, err)
	}
	if _, err := c.Status(ctx, "00000000-0000-4000-8000-000000000000"); StatusCode(err) != 404 {
		t.Errorf("Status(unknown) error = %v, want 404", err)
	}

	page, err := c.Objects(ctx, colShared, Query{})
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	if len(page.Objects) != 2 || page.More || page.Next != "" {
		t.Errorf("Objects() = %d objects more=%v next=%q; want the 2 latest versions, no more", len(page.Objects), page.More, page.Next)
	}
	if page.DateAddedFirst != "2024-03-01T12:00:00.002000Z" || page.DateAddedLast != "2024-03-01T12:00:00.003000Z" {
		t.Errorf("Objects() headers = %q, %q", page.DateAddedFirst, page.DateAddedLast)
	}

	obj, err := c.Object(ctx, colShared, indicatorID(1), Query{})
	if err != nil || len(obj.Objects) != 1 || !strings.Contains(string(obj.Objects[0]), "2024-02-01") {
		t.Errorf("Object(1) = %s, %v; want only the latest version", obj.Objects, err)
	}
	obj, err = c.Object(ctx, colShared, indicatorID(1), Query{Versions: []string{"all"}})
	if err != nil || len(obj.Objects) != 2 {
		t.Errorf("Object(1, all) = %d objects, %v; want 2", len(obj.Objects), err)
	}

	vs, err := c.Versions(ctx, colShared, indicatorID(1), Query{})
	if err != nil || len(vs.Versions) != 2 || vs.Versions[0] != "2024-01-01T00:00:00.000Z" {
		t.Errorf("Versions(1) = %+v, %v", vs, err)
	}

	m, err := c.Manifest(ctx, colShared, Query{Types: []string{"indicator"}, Versions: []string{"all"}, Limit: 2})
	if err != nil || len(m.Objects) != 2 || !m.More || m.Next == "" || m.Objects[0].ID != indicatorID(1) {
		t.Errorf("Manifest(limit 2) = %+v, %v; want 2 records and more", m, err)
	}

	if err := c.DeleteObject(ctx, colShared, indicatorID(1), Query{}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if _, err := c.Object(ctx, colShared, indicatorID(1), Query{Versions: []string{"all"}}); firebreak.ErrorCode(err) != firebreak.ENOTFOUND {
		t.Errorf("Object after delete error = %v, want not_found", err)
	}
	if err := c.DeleteObject(ctx, colShared, indicatorID(1), Query{}); StatusCode(err) != 404 {
		t.Errorf("second DeleteObject error = %v, want 404", err)
	}
	if _, err := c.Objects(ctx, colInbox, Query{}); firebreak.ErrorCode(err) != firebreak.EFORBIDDEN {
		t.Errorf("Objects(inbox, can_read false) error = %v, want forbidden", err)
	}
	if _, err := c.AddObjects(ctx, colShared, nil); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("AddObjects(nil) error = %v, want invalid", err)
	}
	if _, err := c.AddObjects(ctx, colShared, []json.RawMessage{json.RawMessage(`{bad`)}); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("AddObjects(bad JSON) error = %v, want invalid", err)
	}
}

func addMany(t *testing.T, c *Client, n int) {
	t.Helper()
	objs := make([]json.RawMessage, n)
	for i := range objs {
		objs[i] = indicator(i, "2024-01-01T00:00:00.000Z")
	}
	if _, err := c.AddObjects(context.Background(), colShared, objs); err != nil {
		t.Fatalf("AddObjects: %v", err)
	}
}

func collectIDs(t *testing.T, c *Client, q Query) ([]string, error) {
	t.Helper()
	var ids []string
	for raw, err := range c.All(context.Background(), colShared, q) {
		if err != nil {
			return ids, err
		}
		var o struct{ ID string }
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("All yielded bad JSON %s: %v", raw, err)
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func TestAllPaging(t *testing.T) {
	tests := []struct {
		name     string
		noNext   bool
		limit    int
		from     time.Time
		want     int // objects
		requests int // object requests
	}{
		{name: "next", limit: 7, want: 25, requests: 4},
		{name: "more without next", noNext: true, limit: 7, want: 25, requests: 4},
		{name: "one page", limit: 100, want: 25, requests: 1},
		{name: "exact multiple", limit: 5, want: 25, requests: 5},
		{name: "added_after", limit: 4, from: time.Date(2024, 3, 1, 12, 0, 0, 20e6, time.UTC), want: 5, requests: 2},
		{name: "fallback with added_after", noNext: true, limit: 4, from: time.Date(2024, 3, 1, 12, 0, 0, 20e6, time.UTC), want: 5, requests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t)
			c := f.client(t)
			addMany(t, c, 25)
			f.noNext = tt.noNext
			before := f.requestCount()
			ids, err := collectIDs(t, c, Query{Limit: tt.limit, AddedAfter: tt.from})
			if err != nil {
				t.Fatalf("All: %v", err)
			}
			if len(ids) != tt.want {
				t.Fatalf("All yielded %d objects, want %d", len(ids), tt.want)
			}
			for i, id := range ids {
				if want := indicatorID(25 - tt.want + i); id != want {
					t.Errorf("object %d = %s, want %s (order or duplicates wrong)", i, id, want)
				}
			}
			if got := f.requestCount() - before; got != tt.requests {
				t.Errorf("All made %d requests, want %d", got, tt.requests)
			}
		})
	}
}

func TestAllStopsEarly(t *testing.T) {
	f := newFakeServer(t)
	c := f.client(t)
	addMany(t, c, 10)
	before := f.requestCount()
	n := 0
	for _, err := range c.All(context.Background(), colShared, Query{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 4 {
			break
		}
	}
	if got := f.requestCount() - before; got != 2 {
		t.Errorf("breaking after 4 objects made %d requests, want 2", got)
	}
}

// hostile serves fixed answers in turn, repeating the last one.
func hostile(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) *Client {
	t.Helper()
	var mu sync.Mutex
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a := answers[min(i, len(answers)-1)]
		i++
		mu.Unlock()
		a(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/api/", Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func envelopeAnswer(body string, headers ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", taxii.MediaType)
		_, _ = w.Write([]byte(body))
	}
}

func TestAllRefusesToLoop(t *testing.T) {
	tests := []struct {
		name    string
		answers []func(http.ResponseWriter, *http.Request)
		want    int // objects yielded before the error
	}{
		{name: "same next twice", answers: []func(http.ResponseWriter, *http.Request){
			envelopeAnswer(`{"more":true,"next":"a","objects":[{"id":"x--1"}]}`),
		}, want: 2},
		{name: "more without next or header", answers: []func(http.ResponseWriter, *http.Request){
			envelopeAnswer(`{"more":true,"objects":[{"id":"x--1"}]}`),
		}, want: 1},
		{name: "header does not advance", answers: []func(http.ResponseWriter, *http.Request){
			envelopeAnswer(`{"more":true,"objects":[{"id":"x--1"}]}`, taxii.HeaderDateAddedLast, "2024-01-01T00:00:00.000000Z"),
		}, want: 2},
		{name: "garbage header", answers: []func(http.ResponseWriter, *http.Request){
			envelopeAnswer(`{"more":true,"objects":[{"id":"x--1"}]}`, taxii.HeaderDateAddedLast, "yesterday"),
		}, want: 1},
		{name: "error on second page", answers: []func(http.ResponseWriter, *http.Request){
			envelopeAnswer(`{"more":true,"next":"a","objects":[{"id":"x--1"}]}`),
			envelopeAnswer(`not json`),
		}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hostile(t, tt.answers...)
			n, errs := 0, 0
			for raw, err := range c.All(context.Background(), "c", Query{}) {
				if err != nil {
					if raw != nil {
						t.Errorf("error %v came with an object", err)
					}
					errs++
					if firebreak.ErrorCode(err) != firebreak.EINVALID {
						t.Errorf("error %v has code %q, want invalid", err, firebreak.ErrorCode(err))
					}
					continue
				}
				n++
			}
			if n != tt.want || errs != 1 {
				t.Errorf("All yielded %d objects and %d errors, want %d and 1", n, errs, tt.want)
			}
		})
	}
}

func TestAuthHeaders(t *testing.T) {
	f := newFakeServer(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		opts   Options
		header string
		ok     bool
	}{
		{name: "bearer", opts: Options{Token: "tok-alice"}, header: "Bearer tok-alice", ok: true},
		{name: "basic", opts: Options{User: "bob", Token: "tok-bob"}, header: "Basic Ym9iOnRvay1ib2I=", ok: true},
		{name: "wrong bearer", opts: Options{Token: "nope"}, header: "Bearer nope"},
		{name: "wrong basic", opts: Options{User: "bob", Token: "nope"}, header: "Basic Ym9iOm5vcGU="},
		{name: "none", opts: Options{}, header: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.HTTPClient = f.srv.Client()
			c, err := New(f.apiRootURL(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.APIRoot(ctx)
			if got := f.lastRequest().Get("Authorization"); got != tt.header {
				t.Errorf("Authorization = %q, want %q", got, tt.header)
			}
			if tt.ok {
				if err != nil {
					t.Errorf("APIRoot: %v", err)
				}
				return
			}
			var te *taxii.Error
			if !errors.As(err, &te) || te.Title != "Authentication required" || te.HTTPStatus != "401" {
				t.Errorf("APIRoot error = %v, want the server's 401 error resource", err)
			}
			if firebreak.ErrorCode(err) != firebreak.EUNAUTHORIZED || Retryable(err) {
				t.Errorf("APIRoot error code %q retryable %v, want unauthorized, not retryable", firebreak.ErrorCode(err), Retryable(err))
			}
		})
	}
}

func TestRequestHeadersAndURLs(t *testing.T) {
	f := newFakeServer(t)
	c, err := New(f.apiRootURL(), Options{Token: "tok-alice", UserAgent: "test-agent/1", HTTPClient: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.AddObjects(ctx, colShared, []json.RawMessage{indicator(1, "2024-01-01T00:00:00.000Z")}); err != nil {
		t.Fatal(err)
	}
	h := f.lastRequest()
	if h.Get("Accept") != taxii.MediaType || h.Get("Content-Type") != taxii.MediaType || h.Get("User-Agent") != "test-agent/1" {
		t.Errorf("POST headers Accept=%q Content-Type=%q User-Agent=%q", h.Get("Accept"), h.Get("Content-Type"), h.Get("User-Agent"))
	}
	q := Query{
		AddedAfter:   time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600)),
		Limit:        5,
		Next:         "tok/en",
		IDs:          []string{indicatorID(1), indicatorID(2)},
		Types:        []string{"indicator"},
		Versions:     []string{"first", "last"},
		SpecVersions: []string{"2.1"},
	}
	if _, err := c.Objects(ctx, colShared, q); err != nil && StatusCode(err) != 400 {
		t.Fatal(err)
	}
	h = f.lastRequest()
	if h.Get("Accept") != taxii.MediaType || h.Get("Content-Type") != "" {
		t.Errorf("GET headers Accept=%q Content-Type=%q; want TAXII accept and no content type", h.Get("Accept"), h.Get("Content-Type"))
	}
	f.mu.Lock()
	uri := f.paths[len(f.paths)-1]
	f.mu.Unlock()
	u, _ := url.Parse(uri)
	want := url.Values{
		"added_after":         {"2024-03-01T11:00:00.123456Z"},
		"limit":               {"5"},
		"next":                {"tok/en"},
		"match[id]":           {indicatorID(1) + "," + indicatorID(2)},
		"match[type]":         {"indicator"},
		"match[version]":      {"first,last"},
		"match[spec_version]": {"2.1"},
	}
	if got := u.Query(); got.Encode() != want.Encode() {
		t.Errorf("query = %s, want %s", got.Encode(), want.Encode())
	}
	if u.Path != "/api/collections/"+colShared+"/objects/" {
		t.Errorf("path = %q", u.Path)
	}

	// Ids are escaped as one path segment each.
	_, _ = c.Object(ctx, "a/b c", "x?y#z", Query{})
	f.mu.Lock()
	uri = f.paths[len(f.paths)-1]
	f.mu.Unlock()
	if want := "/api/collections/a%2Fb%20c/objects/x%3Fy%23z/"; uri != want {
		t.Errorf("escaped request URI = %q, want %q", uri, want)
	}

	for _, bad := range []string{"", ".", ".."} {
		if _, err := c.Collection(ctx, bad); firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("Collection(%q) error = %v, want invalid", bad, err)
		}
	}
	for _, q := range []Query{{IDs: []string{"a,b"}}, {Types: []string{""}}, {Limit: -1}} {
		if _, err := c.Objects(ctx, colShared, q); firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("Objects(%+v) error = %v, want invalid", q, err)
		}
	}
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		ct, body    string
		wantTitle   string
		wantStatus  string
		wantDesc    string
		wantDetails map[string]string
		code        string
	}{
		{name: "taxii error", status: 404, ct: taxii.MediaType,
			body:      `{"title":"Collection not found","description":"no such id","http_status":"404","error_code":"E1"}`,
			wantTitle: "Collection not found", wantStatus: "404", wantDesc: "no such id", code: firebreak.ENOTFOUND},
		{name: "no http_status", status: 403, ct: taxii.MediaType, body: `{"title":"No"}`,
			wantTitle: "No", wantStatus: "403", code: firebreak.EFORBIDDEN},
		{name: "numeric status and nested details", status: 400, ct: "application/json",
			body:      `{"title":"Business validation","http_status":400,"details":{"category":"business","n":3,"o":{"a":[1]}}}`,
			wantTitle: "Business validation", wantStatus: "400", code: firebreak.EINVALID,
			wantDetails: map[string]string{"category": "business", "n": "3", "o": `{"a":[1]}`}},
		{name: "html body", status: 502, ct: "text/html", body: `<html>Bad Gateway</html>`,
			wantTitle: "Bad Gateway", wantStatus: "502", code: firebreak.EUNAVAILABLE},
		{name: "empty body", status: 413, wantTitle: "Request Entity Too Large", wantStatus: "413", code: firebreak.ETOOLARGE},
		{name: "json without title", status: 500, ct: taxii.MediaType, body: `{"message":"boom"}`,
			wantTitle: "Internal Server Error", wantStatus: "500", code: firebreak.EUNAVAILABLE},
		{name: "title not a string", status: 409, ct: taxii.MediaType, body: `{"title":5}`,
			wantTitle: "Conflict", wantStatus: "409", code: firebreak.ECONFLICT},
		{name: "415", status: 415, wantTitle: "Unsupported Media Type", wantStatus: "415", code: firebreak.EUNSUPPORTED},
		{name: "406", status: 406, wantTitle: "Not Acceptable", wantStatus: "406", code: firebreak.ENOTACCEPTABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := c.Collections(context.Background())
			var te *taxii.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) does not wrap a *taxii.Error", err, err)
			}
			if te.Title != tt.wantTitle || te.HTTPStatus != tt.wantStatus || te.Description != tt.wantDesc {
				t.Errorf("taxii.Error = %+v, want title %q status %q description %q", te, tt.wantTitle, tt.wantStatus, tt.wantDesc)
			}
			for k, v := range tt.wantDetails {
				if te.Details[k] != v {
					t.Errorf("details[%q] = %q, want %q", k, te.Details[k], v)
				}
			}
			if got := firebreak.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if StatusCode(err) != tt.status {
				t.Errorf("StatusCode = %d, want %d", StatusCode(err), tt.status)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		retryable  bool
		wait       time.Duration
	}{
		{status: 400},
		{status: 401},
		{status: 403},
		{status: 404},
		{status: 408, retryable: true},
		{status: 413},
		{status: 422},
		{status: 429, retryAfter: "7", retryable: true, wait: 7 * time.Second},
		{status: 500, retryable: true},
		{status: 501},
		{status: 502, retryable: true},
		{status: 503, retryAfter: "999999999999", retryable: true, wait: maxRetryAfter},
		{status: 503, retryAfter: "soon", retryable: true},
		{status: 504, retryable: true},
	}
	for _, tt := range tests {
		c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
			if tt.retryAfter != "" {
				w.Header().Set("Retry-After", tt.retryAfter)
			}
			w.WriteHeader(tt.status)
		})
		_, err := c.APIRoot(context.Background())
		if err == nil {
			t.Fatalf("status %d: no error", tt.status)
		}
		if got := Retryable(err); got != tt.retryable {
			t.Errorf("status %d: Retryable = %v, want %v", tt.status, got, tt.retryable)
		}
		if got := RetryAfter(err); got != tt.wait {
			t.Errorf("status %d Retry-After %q: RetryAfter = %v, want %v", tt.status, tt.retryAfter, got, tt.wait)
		}
	}

	// A server that is gone is a network error: retryable, without Retry-After.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := New(srv.URL+"/api/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.APIRoot(context.Background())
	if !Retryable(err) || RetryAfter(err) != 0 || firebreak.ErrorCode(err) != firebreak.EUNAVAILABLE {
		t.Errorf("closed server: err %v Retryable %v RetryAfter %v code %q; want retryable unavailable", err, Retryable(err), RetryAfter(err), firebreak.ErrorCode(err))
	}
	if Retryable(nil) || Retryable(errors.New("x")) || RetryAfter(nil) != 0 || StatusCode(nil) != 0 {
		t.Error("nil or foreign errors must not be retryable")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{"Fri, 01 Mar 2024 12:01:30 GMT", 90 * time.Second},
		{"Fri, 01 Mar 2024 11:00:00 GMT", 0},
		{"Fri, 01 Mar 2030 11:00:00 GMT", maxRetryAfter},
		{"9223372036854775807", maxRetryAfter},
		{"99999999999999999999999", 0},
		{"1.5", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBodyCap(t *testing.T) {
	big := `{"objects":[` + strings.Repeat(`{"id":"x--1"},`, 1000) + `{"id":"x--1"}]}`
	tests := []struct {
		name    string
		chunked bool
		max     int64
		code    string
	}{
		{name: "content-length over cap", max: 1000, code: firebreak.ETOOLARGE},
		{name: "chunked over cap", chunked: true, max: 1000, code: firebreak.ETOOLARGE},
		{name: "exactly the cap", max: int64(len(big))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", taxii.MediaType)
				if tt.chunked {
					// Two writes with a flush between force chunked encoding: no length.
					_, _ = w.Write([]byte(big[:10]))
					w.(http.Flusher).Flush()
					_, _ = w.Write([]byte(big[10:]))
					return
				}
				_, _ = w.Write([]byte(big))
			}))
			defer srv.Close()
			c, err := New(srv.URL+"/api/", Options{HTTPClient: srv.Client(), MaxResponseBytes: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.Objects(context.Background(), "c", Query{})
			if got := firebreak.ErrorCode(err); got != tt.code {
				t.Fatalf("Objects error = %v (code %q), want code %q", err, got, tt.code)
			}
			if err != nil && Retryable(err) {
				t.Errorf("an over-size body must not be retryable")
			}
			if err == nil && len(p.Objects) != 1001 {
				t.Errorf("Objects got %d objects, want 1001", len(p.Objects))
			}
		})
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		ct string
		ok bool
	}{
		{ct: taxii.MediaType, ok: true},
		{ct: "application/taxii+json", ok: true},
		{ct: "application/taxii+json; version=2.1; charset=utf-8", ok: true},
		{ct: "Application/TAXII+JSON;version=2.1", ok: true},
		{ct: "application/json", ok: true},
		{ct: "application/json; charset=utf-8", ok: true},
		{ct: "application/taxii+json;version=2.0"},
		{ct: "application/vnd.oasis.taxii+json; version=2.0"},
		{ct: "application/stix+json;version=2.1"},
		{ct: "text/html; charset=utf-8"},
		{ct: "text/plain"},
		{ct: ""},
		{ct: ";;;"},
	}
	for _, tt := range tests {
		c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{tt.ct}
			_, _ = w.Write([]byte(`{"title":"x","versions":["` + taxii.MediaType + `"],"max_content_length":1}`))
		})
		_, err := c.APIRoot(context.Background())
		if tt.ok && err != nil {
			t.Errorf("Content-Type %q: error %v, want accepted", tt.ct, err)
		}
		if !tt.ok && firebreak.ErrorCode(err) != firebreak.EUNSUPPORTED {
			t.Errorf("Content-Type %q: error %v, want unsupported", tt.ct, err)
		}
	}
}

func TestMalformedSuccessBodies(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"objects":{}}`, `{"more":"yes"}`, `{"objects":[1,}`, `{} {}`, `{"objects":[]}x`} {
		c := hostile(t, envelopeAnswer(body))
		_, err := c.Objects(context.Background(), "c", Query{})
		if firebreak.ErrorCode(err) != firebreak.EINVALID || Retryable(err) {
			t.Errorf("body %q: error %v, want invalid and not retryable", body, err)
		}
	}
	// 204 No Content is an empty resource; AddObjects insists on 202.
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	if p, err := c.Objects(context.Background(), "c", Query{}); err != nil || len(p.Objects) != 0 {
		t.Errorf("204: %+v, %v; want an empty page", p, err)
	}
	if _, err := c.AddObjects(context.Background(), "c", []json.RawMessage{json.RawMessage(`{}`)}); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("AddObjects answered 204: error %v, want invalid", err)
	}
}

func TestContextCancellation(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(srv.URL+"/api/", Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Collections(ctx)
		errc <- err
	}()
	<-started
	cancel()
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Collections did not return after its context was canceled")
	}
	if !errors.Is(err, context.Canceled) || Retryable(err) {
		t.Errorf("canceled request: error %v, Retryable %v; want context.Canceled, not retryable", err, Retryable(err))
	}

	// All stops at once with the context's error.
	n := 0
	for _, err := range c.All(ctx, "c", Query{}) {
		n++
		if !errors.Is(err, context.Canceled) {
			t.Errorf("All with a canceled context yielded %v, want context.Canceled", err)
		}
	}
	if n != 1 {
		t.Errorf("All with a canceled context yielded %d times, want 1", n)
	}
}

func TestResolveAPIRoot(t *testing.T) {
	tests := []struct {
		base, root, want string
		bad              bool
	}{
		{base: "https://hub.example/taxii2/", root: "/api/", want: "https://hub.example/api/"},
		{base: "https://hub.example/taxii2/", root: "/api", want: "https://hub.example/api/"},
		{base: "https://hub.example/taxii2/", root: "https://other.example/root1/", want: "https://other.example/root1/"},
		{base: "https://hub.example/taxii2/", root: "//evil.example/api/", bad: true},
		{base: "https://hub.example/taxii2/", root: "../api/", bad: true},
		{base: "https://hub.example/taxii2/", root: "javascript:alert(1)", bad: true},
		{base: "https://hub.example/taxii2/", root: "/api/?q=1", bad: true},
		{base: "not a url", root: "/api/", bad: true},
	}
	for _, tt := range tests {
		got, err := ResolveAPIRoot(tt.base, tt.root)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ResolveAPIRoot(%q, %q) = %q, %v; want %q (error %v)", tt.base, tt.root, got, err, tt.want, tt.bad)
		}
	}
}

func TestDefaultClientRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the client followed a redirect to another host (%s)", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api": // a trailing-slash redirect on the same host is followed
			http.Redirect(w, r, "/api/", http.StatusMovedPermanently)
		case "/api/":
			writeTAXII(w, 200, taxii.APIRoot{Title: "ok"})
		case "/api/collections/":
			http.Redirect(w, r, other.URL+"/api/collections/", http.StatusFound)
		case "/api/status/loop/":
			http.Redirect(w, r, "/api/status/loop/", http.StatusFound)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/api/", Options{}) // the default HTTP client
	if err != nil {
		t.Fatal(err)
	}
	c.root.Path = "/api" // make APIRoot ask for /api and be redirected to /api/
	if r, err := c.APIRoot(context.Background()); err != nil || r.Title != "ok" {
		t.Errorf("same-host redirect: %+v, %v", r, err)
	}
	c.root.Path = "/api/"
	for name, call := range map[string]func() error{
		"cross-host": func() error { _, err := c.Collections(context.Background()); return err },
		"loop":       func() error { _, err := c.Status(context.Background(), "loop"); return err },
	} {
		if err := call(); firebreak.ErrorCode(err) != firebreak.EINVALID || Retryable(err) {
			t.Errorf("%s redirect: error %v, want an invalid, non-retryable refusal", name, err)
		}
	}
}
