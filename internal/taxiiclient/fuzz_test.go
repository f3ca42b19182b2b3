package taxiiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

var envelopeSeeds = []string{
	`{}`,
	`{"more":true,"next":"abc","objects":[{"type":"indicator","id":"indicator--1"}]}`,
	`{"more":false,"objects":[]}`,
	`{"objects":[null,1,"x",[],{}]}`,
	`{"objects":{}}`,
	`{"more":"true"}`,
	`[]`, `null`, ``, `{`, `{"objects":[` + "\xff" + `]}`,
	`{"more":true,"more":false}`,
	`{"objects":[{"a":"\ud800"}]}`,
}

// FuzzDecodeEnvelope: any bytes either decode to an envelope whose objects are valid JSON
// or give an EINVALID error; nothing panics.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := decodeEnvelope(b)
		if err != nil {
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Fatalf("decodeEnvelope error %v has code %q, want invalid", err, firebreak.ErrorCode(err))
			}
			return
		}
		for i, o := range env.Objects {
			if !json.Valid(o) {
				t.Fatalf("object %d %q is not valid JSON", i, o)
			}
		}
	})
}

// FuzzDecodeResources runs the other resource decoders over the same bytes.
func FuzzDecodeResources(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`{"id":"x","status":"complete","total_count":1,"success_count":1,"successes":[{"id":"a","version":"v"}],"failure_count":0,"pending_count":0}`,
		`{"more":true,"objects":[{"id":"a","date_added":"2024-01-01T00:00:00Z","version":"v"}]}`,
		`{"versions":["2024-01-01T00:00:00.000Z"],"more":false}`,
		`{"collections":[{"id":"c","title":"t","can_read":true,"can_write":false,"media_types":["a"]}]}`,
		`{"title":"t","versions":["application/taxii+json;version=2.1"],"max_content_length":1e3}`,
		`{"title":"t","api_roots":["/api/"],"default":"/api/"}`,
		`{"total_count":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dst := range []any{&taxii.Status{}, &taxii.Manifest{}, &taxii.Versions{}, &taxii.Collections{}, &taxii.Collection{}, &taxii.APIRoot{}, &taxii.Discovery{}} {
			if err := decodeInto(b, dst, "resource"); err != nil && firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Fatalf("decodeInto(%T) error %v has code %q, want invalid", dst, err, firebreak.ErrorCode(err))
			}
		}
	})
}

// FuzzDecodeError: any bytes give nil or an error resource with a title and bounded fields.
func FuzzDecodeError(f *testing.F) {
	for _, s := range []string{
		`{"title":"x"}`,
		`{"title":"x","http_status":404,"details":{"a":{"b":[1,2]},"c":null,"d":"e"}}`,
		`{"title":null}`, `{"title":""}`, `{"description":"no title"}`,
		`{"title":"x","error_code":true,"external_details":["u"]}`,
		`{"title":"` + string(bytes.Repeat([]byte("é"), 400)) + `"}`,
		`<html>`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := decodeError(b)
		if e == nil {
			return
		}
		if len(e.Title) > 512+len("…") || len(e.Description) > 4096+len("…") || len(e.Details) > 64 {
			t.Fatalf("decodeError kept oversized fields: title %d, description %d, details %d", len(e.Title), len(e.Description), len(e.Details))
		}
		_ = e.Error()
	})
}

// FuzzCheckContentType: only TAXII 2.1 (or unversioned) and application/json pass.
func FuzzCheckContentType(f *testing.F) {
	for _, s := range []string{taxii.MediaType, "application/json", "text/html", "", "application/taxii+json;version=2.0", `application/taxii+json; version="2.1"`, ";", "a/b;c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		if checkContentType(ct) == nil {
			ok := false
			for _, want := range []string{"application/json", "application/taxii+json"} {
				if bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace([]byte(ct))), []byte(want)) {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("checkContentType accepted %q", ct)
			}
		}
	})
}

// FuzzParseRetryAfter: any header value gives a duration in [0, maxRetryAfter].
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "Fri, 01 Mar 2024 12:01:30 GMT", "9999999999999999999", "Mon, 02 Jan 2006 15:04:05 MST"} {
		f.Add(s)
	}
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v, out of range", v, d)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzResponse sends arbitrary answers (status, headers, body) through the whole client
// path of several calls, including All: it must return or yield an error, never panic,
// never loop, and respect the body cap.
func FuzzResponse(f *testing.F) {
	f.Add(200, taxii.MediaType, "", "", []byte(`{"more":true,"objects":[{"id":"a"}]}`))
	f.Add(200, taxii.MediaType, "2024-01-01T00:00:00Z", "", []byte(`{"more":true,"next":"n","objects":[{}]}`))
	f.Add(202, "application/json", "", "", []byte(`{"id":"s","status":"pending"}`))
	f.Add(404, "text/html", "", "", []byte(`<html>`))
	f.Add(503, taxii.MediaType, "", "5", []byte(`{"title":"busy","http_status":503}`))
	f.Add(204, "", "", "", []byte(nil))
	f.Add(301, "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, ct, dateLast, retryAfter string, body []byte) {
		if status < 100 || status > 999 || status/100 == 3 {
			status = 200 // the client does not see 1xx, and redirects need a Location
		}
		calls := 0
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls++
			h := http.Header{}
			h["Content-Type"] = []string{ct}
			h[taxii.HeaderDateAddedLast] = []string{dateLast}
			h["Retry-After"] = []string{retryAfter}
			return &http.Response{
				StatusCode: status, Status: strconv.Itoa(status) + " X", Header: h,
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1, Request: r,
			}, nil
		})}
		c, err := New("http://peer.example/api/", Options{HTTPClient: hc, MaxResponseBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		_, _ = c.APIRoot(ctx)
		_, _ = c.Collections(ctx)
		_, _ = c.Status(ctx, "s")
		_, _ = c.Manifest(ctx, "c", Query{})
		_, _ = c.AddObjects(ctx, "c", []json.RawMessage{json.RawMessage(`{}`)})
		_ = c.DeleteObject(ctx, "c", "o", Query{})
		p, err := c.Objects(ctx, "c", Query{})
		if err == nil && len(body) > 4096 {
			t.Fatalf("a %d-byte body passed a 4096-byte cap", len(body))
		}
		_ = p
		n := 0
		for _, err := range c.All(ctx, "c", Query{}) {
			if n++; n > 1000 {
				t.Fatal("All did not stop on a server that repeats itself")
			}
			if err != nil {
				_ = Retryable(err)
				_ = RetryAfter(err)
			}
		}
		_ = calls
	})
}

// BenchmarkDecodeEnvelope measures decoding a page of 1000 indicators.
func BenchmarkDecodeEnvelope(b *testing.B) {
	env := taxii.Envelope{More: true, Next: "n"}
	for i := range 1000 {
		env.Objects = append(env.Objects, indicator(i, "2024-01-01T00:00:00.000Z"))
	}
	body, err := json.Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeEnvelope(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAll measures paging 5000 objects from the in-memory server, 1000 a page, over
// loopback HTTP.
func BenchmarkAll(b *testing.B) {
	f := newFakeServer(b)
	f.maxPage = 1000
	c, err := New(f.apiRootURL(), Options{Token: "tok-alice", HTTPClient: f.srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	objs := make([]json.RawMessage, 5000)
	for i := range objs {
		objs[i] = indicator(i, "2024-01-01T00:00:00.000Z")
	}
	if _, err := c.AddObjects(context.Background(), colShared, objs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.All(context.Background(), colShared, Query{Limit: 1000}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 5000 {
			b.Fatalf("All yielded %d, want 5000", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/5000, "ns/object")
}
