package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
	"github.com/firebreak/firebreak/internal/taxiiclient"
)

// indicator returns a valid indicator with the given id, modified time and marking.
func indicator(id, modified, marking string) string {
	marks := ""
	if marking != "" {
		marks = fmt.Sprintf(`,"object_marking_refs":[%q]`, marking)
	}
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":%q,"name":"bad ip","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"%s}`, id, modified, marks)
}

func uuidN(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func TestSubmitAndReadBack(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	id := "indicator--" + uuidN(1)
	// Deliberately odd spacing and sub-millisecond precision: both must survive.
	obj := `{ "type":"indicator", "spec_version":"2.1","id":"` + id + `","created":"2024-01-01T00:00:00.123456Z","modified":"2024-01-01T00:00:00.123456Z","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["` + stix.TLPGreenID + `"] }`
	st, err := alice.AddObjects(ctx, inbox, raws(obj))
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "complete" || st.SuccessCount != 1 || st.FailureCount != 0 || st.TotalCount != 1 {
		t.Fatalf("status = %+v", st)
	}
	if len(st.Successes) != 1 || st.Successes[0].ID != id || st.Successes[0].Version != "2024-01-01T00:00:00.123456Z" {
		t.Errorf("successes = %+v", st.Successes)
	}
	// The status can be read back by its owner only.
	if got, err := alice.Status(ctx, st.ID); err != nil || got.SuccessCount != 1 {
		t.Errorf("Status = %+v, %v", got, err)
	}
	bob := h.client(t, tokBob)
	if _, err := bob.Status(ctx, st.ID); httpStatus(err) != 404 {
		t.Errorf("another organisation's status: err = %v, want 404", err)
	}
	// Bob (vetted) sees the GREEN object byte for byte.
	shared := collectionID(t, bob, "shared")
	page, err := bob.Object(ctx, shared, id, taxiiclient.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 || string(page.Objects[0]) != obj {
		t.Fatalf("object = %s, want %s", page.Objects, obj)
	}
	if page.DateAddedFirst == "" || page.DateAddedFirst != page.DateAddedLast {
		t.Errorf("date added headers = %q, %q", page.DateAddedFirst, page.DateAddedLast)
	}
	// Submitting the same version again is one version, not two.
	if st, err := alice.AddObjects(ctx, inbox, raws(obj)); err != nil || st.SuccessCount != 1 {
		t.Fatalf("resubmit: %+v, %v", st, err)
	}
	vs, err := bob.Versions(ctx, shared, id, taxiiclient.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs.Versions) != 1 {
		t.Errorf("versions after resubmit = %v, want one", vs.Versions)
	}
	// A new version appears under versions and becomes the default.
	obj2 := indicator(id, "2024-02-01T00:00:00.000Z", stix.TLPGreenID)
	if _, err := alice.AddObjects(ctx, inbox, raws(obj2)); err != nil {
		t.Fatal(err)
	}
	vs, _ = bob.Versions(ctx, shared, id, taxiiclient.Query{})
	if strings.Join(vs.Versions, ",") != "2024-01-01T00:00:00.123456Z,2024-02-01T00:00:00.000Z" {
		t.Errorf("versions = %v", vs.Versions)
	}
	page, _ = bob.Object(ctx, shared, id, taxiiclient.Query{})
	if len(page.Objects) != 1 || string(page.Objects[0]) != obj2 {
		t.Errorf("default version = %s, want the last", page.Objects)
	}
	page, _ = bob.Object(ctx, shared, id, taxiiclient.Query{Versions: []string{"first"}})
	if len(page.Objects) != 1 || string(page.Objects[0]) != obj {
		t.Errorf("first version = %s", page.Objects)
	}
	page, _ = bob.Object(ctx, shared, id, taxiiclient.Query{Versions: []string{"all"}})
	if len(page.Objects) != 2 {
		t.Errorf("all versions = %d objects", len(page.Objects))
	}
	page, _ = bob.Object(ctx, shared, id, taxiiclient.Query{Versions: []string{"2024-01-01T00:00:00.123456Z"}})
	if len(page.Objects) != 1 || string(page.Objects[0]) != obj {
		t.Errorf("version by timestamp = %s", page.Objects)
	}
	man, err := bob.Manifest(ctx, shared, taxiiclient.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Objects) != 1 || man.Objects[0].ID != id || man.Objects[0].Version != "2024-02-01T00:00:00.000Z" || man.Objects[0].MediaType != taxii.STIXMediaType {
		t.Errorf("manifest = %+v", man.Objects)
	}
	// Only the provider may delete; for anyone else the object is not there to delete.
	if err := bob.DeleteObject(ctx, collectionID(t, bob, "mine"), id, taxiiclient.Query{}); httpStatus(err) != 404 {
		t.Errorf("delete by another organisation: %v, want 404", err)
	}
	if err := bob.DeleteObject(ctx, shared, id, taxiiclient.Query{}); httpStatus(err) != 403 {
		t.Errorf("delete through a read-only collection: %v, want 403", err)
	}
	mine := collectionID(t, alice, "mine")
	if err := alice.DeleteObject(ctx, mine, id, taxiiclient.Query{Versions: []string{"first"}}); err != nil {
		t.Fatalf("delete first version: %v", err)
	}
	vs, _ = bob.Versions(ctx, shared, id, taxiiclient.Query{})
	if len(vs.Versions) != 1 || vs.Versions[0] != "2024-02-01T00:00:00.000Z" {
		t.Errorf("versions after deleting the first = %v", vs.Versions)
	}
	if err := alice.DeleteObject(ctx, mine, id, taxiiclient.Query{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := bob.Object(ctx, shared, id, taxiiclient.Query{}); httpStatus(err) != 404 {
		t.Errorf("deleted object: %v, want 404", err)
	}
}

// TestHiddenMeansNotFound checks every read path for an object another organisation may
// not see: it must not exist for that reader.
func TestHiddenMeansNotFound(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	red := "indicator--" + uuidN(2)
	unmarked := "indicator--" + uuidN(3) // default TLP (amber) without audience: vetted members
	unknown := "indicator--" + uuidN(4)
	green := "indicator--" + uuidN(5)
	st, err := alice.AddObjects(ctx, inbox, raws(
		indicator(red, "2024-01-01T00:00:00.000Z", stix.TLPRedID),
		indicator(unmarked, "2024-01-01T00:00:00.000Z", ""),
		indicator(unknown, "2024-01-01T00:00:00.000Z", "marking-definition--"+uuidN(99)),
		indicator(green, "2024-01-01T00:00:00.000Z", stix.TLPGreenID),
	))
	if err != nil || st.SuccessCount != 4 {
		t.Fatalf("submit: %+v %v", st, err)
	}
	for _, tc := range []struct {
		name, token string
		want        []string
	}{
		{"provider", tokAlice, []string{red, unmarked, unknown, green}},
		{"other vetted member", tokBob, []string{unmarked, green}},
		{"pending member", tokCarol, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client(t, tc.token)
			shared := collectionID(t, c, "shared")
			var got []string
			for raw, err := range c.All(ctx, shared, taxiiclient.Query{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				var o struct{ ID string }
				json.Unmarshal(raw, &o)
				got = append(got, o.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("objects = %v, want %v", got, tc.want)
			}
			man, err := c.Manifest(ctx, shared, taxiiclient.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if len(man.Objects) != len(tc.want) {
				t.Errorf("manifest has %d records, want %d", len(man.Objects), len(tc.want))
			}
			for _, id := range []string{red, unmarked, unknown, green} {
				visible := strings.Contains(strings.Join(tc.want, ","), id)
				_, err := c.Object(ctx, shared, id, taxiiclient.Query{})
				_, verr := c.Versions(ctx, shared, id, taxiiclient.Query{})
				if visible && (err != nil || verr != nil) {
					t.Errorf("%s: object err %v, versions err %v, want visible", id, err, verr)
				}
				if !visible && (httpStatus(err) != 404 || httpStatus(verr) != 404) {
					t.Errorf("%s: object err %v, versions err %v, want 404 for both", id, err, verr)
				}
				page, err := c.Objects(ctx, shared, taxiiclient.Query{IDs: []string{id}})
				if err != nil || (len(page.Objects) == 1) != visible {
					t.Errorf("%s: match[id] gave %d objects (err %v), visible %v", id, len(page.Objects), err, visible)
				}
				if !visible && (page.DateAddedFirst != "" || page.DateAddedLast != "") {
					t.Errorf("%s: date-added headers reveal a hidden object: %q %q", id, page.DateAddedFirst, page.DateAddedLast)
				}
			}
		})
	}
	// A suspended organisation is refused outright.
	dave := h.client(t, tokDave)
	if _, err := dave.Collections(ctx); httpStatus(err) != 403 {
		t.Errorf("suspended organisation: %v, want 403", err)
	}
}

func TestAuthentication(t *testing.T) {
	h := startHub(t, nil)
	for _, tc := range []struct {
		name, header string
		want         int
	}{
		{"none", "", 401},
		{"bad bearer", "Bearer not-a-token-of-anyone", 401},
		{"bearer", "Bearer " + tokAlice, 200},
		{"basic", "Basic " + b64("alice:"+tokAlice), 200},
		{"basic with another user's name", "Basic " + b64("bob:"+tokAlice), 401},
		{"basic malformed", "Basic ???", 401},
		{"unknown scheme", "Digest x", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, "GET", h.URL+"/taxii2/", tc.header, nil, nil)
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 401 {
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
				checkTAXIIError(t, resp, 401)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	shared := collectionID(t, alice, "shared")
	auth := "Bearer " + tokAlice
	keep := indicator("indicator--"+uuidN(7), "2024-01-01T00:00:00.000Z", stix.TLPGreenID)
	if _, err := alice.AddObjects(ctx, inbox, raws(keep)); err != nil {
		t.Fatal(err)
	}
	post := func(body string, hdr map[string]string) *http.Response {
		if hdr == nil {
			hdr = map[string]string{"Content-Type": taxii.MediaType}
		}
		return do(t, "POST", h.URL+"/api/collections/"+inbox+"/objects/", auth, hdr, strings.NewReader(body))
	}
	tests := []struct {
		name string
		resp func() *http.Response
		want int
	}{
		{"malformed json", func() *http.Response { return post(`{"objects":[`, nil) }, 400},
		{"not an envelope", func() *http.Response { return post(`[1,2]`, nil) }, 400},
		{"invalid utf-8", func() *http.Response { return post("{\"objects\":[{\"type\":\"\xff\"}]}", nil) }, 400},
		{"deep nesting", func() *http.Response {
			return post(`{"objects":[`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`]}`, nil)
		}, 400},
		{"wrong content type", func() *http.Response {
			return post(`{"objects":[]}`, map[string]string{"Content-Type": "application/json"})
		}, 415},
		{"old taxii version", func() *http.Response {
			return post(`{"objects":[]}`, map[string]string{"Content-Type": "application/taxii+json;version=2.0"})
		}, 415},
		{"unacceptable accept", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/", auth, map[string]string{"Accept": "text/html"}, nil)
		}, 406},
		{"oversize body", func() *http.Response {
			return post(`{"objects":["`+strings.Repeat("x", int(h.cfg.MaxContentLength))+`"]}`, nil)
		}, 413},
		{"bad cursor", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/?next=garbage", auth, nil, nil)
		}, 400},
		{"bad limit", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/?limit=-3", auth, nil, nil)
		}, 400},
		{"bad added_after", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/?added_after=yesterday", auth, nil, nil)
		}, 400},
		{"bad match[version]", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/?match[version]=newest", auth, nil, nil)
		}, 400},
		{"bad match[type]", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/?match[type]=DROP%20TABLE", auth, nil, nil)
		}, 400},
		{"bad object id", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+shared+"/objects/not-an-id/", auth, nil, nil)
		}, 400},
		{"unknown collection", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+uuidN(1)+"/objects/", auth, nil, nil)
		}, 404},
		{"read the inbox", func() *http.Response {
			return do(t, "GET", h.URL+"/api/collections/"+inbox+"/objects/", auth, nil, nil)
		}, 403},
		{"write shared", func() *http.Response {
			return do(t, "POST", h.URL+"/api/collections/"+shared+"/objects/", auth, map[string]string{"Content-Type": taxii.MediaType}, strings.NewReader(`{"objects":[]}`))
		}, 403},
		{"unknown path", func() *http.Response { return do(t, "GET", h.URL+"/api/nothing/", auth, nil, nil) }, 404},
		{"unknown status", func() *http.Response { return do(t, "GET", h.URL+"/api/status/"+uuidN(5)+"/", auth, nil, nil) }, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTAXIIError(t, tt.resp(), tt.want)
		})
	}
	// Objects that fail on their own are reported one by one, with a reason naming them.
	st, err := alice.AddObjects(ctx, inbox, raws(
		`{"type":"indicator","spec_version":"2.1","id":"indicator--`+uuidN(8)+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`,
		`{"type":"no-such-type","spec_version":"2.1","id":"no-such-type--`+uuidN(9)+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","spec_version":2.1}`,
		`"just a string"`,
		keep,
	))
	if err != nil {
		t.Fatal(err)
	}
	if st.FailureCount != 4 || st.SuccessCount != 1 {
		t.Fatalf("status = %+v", st)
	}
	for _, f := range st.Failures {
		if f.Message == "" || f.ID == "" {
			t.Errorf("failure without id or message: %+v", f)
		}
	}
	if !strings.Contains(st.Failures[0].Message, "pattern") {
		t.Errorf("missing pattern reported as %q", st.Failures[0].Message)
	}
	// Nothing already stored was lost or changed.
	page, err := alice.Objects(ctx, shared, taxiiclient.Query{})
	if err != nil || len(page.Objects) != 1 || string(page.Objects[0]) != keep {
		t.Errorf("after bad input: %d objects, err %v", len(page.Objects), err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// do sends a raw HTTP request.
func do(t *testing.T, method, url, auth string, hdr map[string]string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// checkTAXIIError asserts that resp is a TAXII error message with the given status.
func checkTAXIIError(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != taxii.MediaType {
		t.Errorf("Content-Type = %q, want %q", ct, taxii.MediaType)
	}
	var e taxii.Error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if e.Title == "" || e.HTTPStatus != fmt.Sprint(status) {
		t.Errorf("error body = %+v", e)
	}
}

// httpStatus returns the HTTP status of a client error, 0 for nil or other errors.
func httpStatus(err error) int {
	var e *taxii.Error
	if errors.As(err, &e) {
		var n int
		fmt.Sscan(e.HTTPStatus, &n)
		return n
	}
	return 0
}

func TestInvalidPatternRejectedWithPosition(t *testing.T) {
	h := startHub(t, nil)
	alice := h.client(t, tokAlice)
	bad := `{"type":"indicator","spec_version":"2.1","id":"indicator--` + uuidN(77) + `","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '1.2.3.4' AND]","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`
	other := `{"type":"indicator","spec_version":"2.1","id":"indicator--` + uuidN(78) + `","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"alert tcp any any -> any any","pattern_type":"snort","valid_from":"2024-01-01T00:00:00Z"}`
	st, err := alice.AddObjects(context.Background(), collectionID(t, alice, "inbox"), raws(bad, other))
	if err != nil {
		t.Fatal(err)
	}
	if st.FailureCount != 1 || st.SuccessCount != 1 || !strings.Contains(st.Failures[0].Message, "pattern:1:") {
		t.Errorf("status = %+v: the invalid STIX pattern must be rejected with its position, the snort one kept", st)
	}
}
