// Package taxiiclient is a TAXII 2.1 client: discovery, API roots, collections, objects,
// manifests, versions, status and deletes, with paging over a whole collection.
//
// It is used by the end-to-end tests, by federation (which pulls from and pushes to other
// hubs, and those may be any TAXII 2.1 server) and by the CLI, so it assumes nothing about
// the server beyond the specification and defends itself against a hostile one: every
// response body is capped, success responses must carry a TAXII media type, and no input
// makes it panic.
//
// Media types: requests send Accept: application/taxii+json;version=2.1. A success response
// is accepted when its Content-Type is application/taxii+json with version 2.1 or with no
// version, or, for leniency towards servers that label their JSON generically,
// application/json. Anything else is refused with an EUNSUPPORTED error.
//
// Errors are *firebreak.Error values. A non-2xx answer wraps a *StatusError, which wraps the
// *taxii.Error the server sent (or one made from the status line), so errors.As finds
// either. Retryable and RetryAfter tell federation whether and when to try again; the client
// itself never retries.
package taxiiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

// DefaultMaxResponseBytes caps a response body when Options.MaxResponseBytes is not set.
const DefaultMaxResponseBytes int64 = 256 << 20

// maxErrorBody caps what is read of an error response: an error message resource is small,
// and a server that sends more is not owed the memory.
const maxErrorBody = 1 << 20

// Options configure a client. The zero value is usable: no credentials, a default HTTP
// client and the default body cap.
type Options struct {
	// HTTPClient sends the requests; nil means a client with connect, TLS, header and
	// overall timeouts (see NewHTTPClient).
	HTTPClient *http.Client
	// Token is sent as "Authorization: Bearer <token>" unless User is set.
	Token string
	// User, when set, makes the client use Basic authentication with User:Token.
	User string
	// UserAgent is sent as User-Agent; empty means "firebreak-taxiiclient".
	UserAgent string
	// Peer, when set, says that the requests come from a hub syncing with a peer (sent as
	// taxii.HeaderPeer): a Firebreak hub then serves them only to an account it declared
	// as a peer's, never as an ordinary member's.
	Peer string
	// MaxResponseBytes caps any response body (default DefaultMaxResponseBytes). A larger
	// body is an ETOOLARGE error, never an unbounded allocation.
	MaxResponseBytes int64
}

// NewHTTPClient returns the HTTP client used when Options.HTTPClient is nil. Its timeouts
// bound each phase so that a peer that accepts a connection and then stalls cannot hold a
// sync forever; the overall timeout allows a full-size page on a slow link. It follows at
// most five redirects and only to the same host (an upgrade from http to https allowed),
// so that a peer cannot point the hub at another machine, such as one on its internal
// network.
func NewHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout:       10 * time.Minute,
		CheckRedirect: sameHostRedirect,
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            d.DialContext,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           16,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  2 * time.Minute,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: 1 << 20,
		},
	}
}

// sameHostRedirect allows a redirect only to the host of the original request.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return &redirectError{"stopped after 5 redirects"}
	}
	orig := via[0].URL
	if req.URL.Host != orig.Host || req.URL.Scheme != orig.Scheme && !(orig.Scheme == "http" && req.URL.Scheme == "https") {
		return &redirectError{fmt.Sprintf("refused a redirect from %s to %s", orig.Host, req.URL.Redacted())}
	}
	return nil
}

// redirectError is a redirect the client refused: the server's doing, not the network's,
// so it is not retryable.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// transport holds what every request needs; Client and Discover share it.
type transport struct {
	hc        *http.Client
	auth      string // the Authorization header value, or ""
	userAgent string
	peer      string
	maxBody   int64
}

func newTransport(opts Options) *transport {
	t := &transport{hc: opts.HTTPClient, userAgent: opts.UserAgent, maxBody: opts.MaxResponseBytes, peer: opts.Peer}
	if t.hc == nil {
		t.hc = NewHTTPClient()
	}
	if t.userAgent == "" {
		t.userAgent = "firebreak-taxiiclient"
	}
	if t.maxBody <= 0 {
		t.maxBody = DefaultMaxResponseBytes
	}
	switch {
	case opts.User != "":
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(opts.User, opts.Token)
		t.auth = r.Header.Get("Authorization")
	case opts.Token != "":
		t.auth = "Bearer " + opts.Token
	}
	return t
}

// Client talks to one TAXII 2.1 API root. It is safe for concurrent use.
type Client struct {
	t    *transport
	root *url.URL // the API root, path ending in "/"
}

// New returns a client for one API root URL (e.g. "http://127.0.0.1:8443/api/"); a
// missing trailing slash is added. The URL must be absolute http or https, without a query
// or fragment.
func New(apiRoot string, opts Options) (*Client, error) {
	u, err := parseBase(apiRoot)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return &Client{t: newTransport(opts), root: u}, nil
}

// APIRootURL returns the API root the client talks to, with its trailing slash.
func (c *Client) APIRootURL() string { return c.root.String() }

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINVALID, err, "taxii url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, firebreak.Errorf(firebreak.EINVALID, "taxii url %q must be an absolute http or https URL", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, firebreak.Errorf(firebreak.EINVALID, "taxii url %q must not have a query or fragment", u.Redacted())
	}
	return u, nil
}

// Discover reads the discovery resource at <serverURL>/taxii2/. serverURL may already end
// in /taxii2 or /taxii2/.
func Discover(ctx context.Context, serverURL string, opts Options) (taxii.Discovery, error) {
	u, err := parseBase(serverURL)
	if err != nil {
		return taxii.Discovery{}, err
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if !strings.HasSuffix(p, "/taxii2") {
		p += "/taxii2"
	}
	if u, err = u.Parse(p + "/"); err != nil {
		return taxii.Discovery{}, firebreak.Wrap(firebreak.EINVALID, err, "taxii url is not a valid URL")
	}
	var d taxii.Discovery
	err = newTransport(opts).getJSON(ctx, u, &d, "discovery")
	return d, err
}

// ResolveAPIRoot turns an entry of a discovery resource's api_roots into an absolute URL,
// relative to the URL the discovery was read from. It refuses what TAXII 2.1 forbids in
// api_roots (a relative URL starting with "//" or "../", a query) and non-http schemes.
func ResolveAPIRoot(discoveryURL, apiRoot string) (string, error) {
	base, err := parseBase(discoveryURL)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(apiRoot, "//") || strings.HasPrefix(apiRoot, "../") {
		return "", firebreak.Errorf(firebreak.EINVALID, "api root %q: relative URLs must start with a single /", clip(apiRoot))
	}
	ref, err := url.Parse(apiRoot)
	if err != nil {
		return "", firebreak.Wrap(firebreak.EINVALID, err, "api root is not a valid URL")
	}
	u := base.ResolveReference(ref)
	if _, err := parseBase(u.String()); err != nil {
		return "", err
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// APIRoot reads the API root information resource.
func (c *Client) APIRoot(ctx context.Context) (taxii.APIRoot, error) {
	var r taxii.APIRoot
	u, err := c.endpoint(nil)
	if err != nil {
		return r, err
	}
	err = c.t.getJSON(ctx, u, &r, "api root")
	return r, err
}

// Collections lists the collections the caller can see.
func (c *Client) Collections(ctx context.Context) ([]taxii.Collection, error) {
	var r taxii.Collections
	u, err := c.endpoint(nil, "collections")
	if err != nil {
		return nil, err
	}
	err = c.t.getJSON(ctx, u, &r, "collections")
	return r.Collections, err
}

// Collection reads one collection by id.
func (c *Client) Collection(ctx context.Context, id string) (taxii.Collection, error) {
	var r taxii.Collection
	u, err := c.endpoint(nil, "collections", id)
	if err != nil {
		return r, err
	}
	err = c.t.getJSON(ctx, u, &r, "collection")
	return r, err
}

// CollectionByAlias finds a collection by its alias in the collections list. No match is
// ENOTFOUND; several (which TAXII forbids) are ECONFLICT.
func (c *Client) CollectionByAlias(ctx context.Context, alias string) (taxii.Collection, error) {
	cs, err := c.Collections(ctx)
	if err != nil {
		return taxii.Collection{}, err
	}
	var found []taxii.Collection
	for _, col := range cs {
		if col.Alias == alias {
			found = append(found, col)
		}
	}
	switch len(found) {
	case 0:
		return taxii.Collection{}, firebreak.Errorf(firebreak.ENOTFOUND, "no collection with alias %q", clip(alias))
	case 1:
		return found[0], nil
	}
	return taxii.Collection{}, firebreak.Errorf(firebreak.ECONFLICT, "%d collections have alias %q", len(found), clip(alias))
}

// Query holds the URL parameters of the object, manifest, versions and delete endpoints.
// Zero fields are not sent. Each endpoint takes only some of them; a server ignores the
// others.
type Query struct {
	// AddedAfter selects objects the server added strictly after this instant; it is sent
	// as RFC 3339 UTC with microseconds.
	AddedAfter time.Time
	// Limit asks for at most this many records per page; the server may send fewer.
	Limit int
	// Next is the opaque token from the previous page's envelope.
	Next string
	// IDs, Types, Versions and SpecVersions become match[id], match[type],
	// match[version] ("first", "last", "all" or a timestamp) and match[spec_version]. A
	// value may not contain a comma, which TAXII uses to separate values.
	IDs, Types, Versions, SpecVersions []string
}

// values renders q; rawAddedAfter, when set, is sent instead of q.AddedAfter so that a
// server's own X-TAXII-Date-Added-Last goes back to it unchanged.
func (q Query) values(rawAddedAfter string) (url.Values, error) {
	v := url.Values{}
	switch {
	case rawAddedAfter != "":
		v.Set("added_after", rawAddedAfter)
	case !q.AddedAfter.IsZero():
		v.Set("added_after", taxii.FormatTimestamp(q.AddedAfter))
	}
	if q.Limit < 0 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "limit %d is negative", q.Limit)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set("next", q.Next)
	}
	for _, m := range []struct {
		name string
		vals []string
	}{{"match[id]", q.IDs}, {"match[type]", q.Types}, {"match[version]", q.Versions}, {"match[spec_version]", q.SpecVersions}} {
		if len(m.vals) == 0 {
			continue
		}
		for _, s := range m.vals {
			if s == "" || strings.Contains(s, ",") {
				return nil, firebreak.Errorf(firebreak.EINVALID, "%s: %q is empty or contains a comma", m.name, clip(s))
			}
		}
		v.Set(m.name, strings.Join(m.vals, ","))
	}
	return v, nil
}

// Page is one envelope of objects with the page's X-TAXII-Date-Added-First and
// X-TAXII-Date-Added-Last headers, as the server sent them ("" when absent).
type Page struct {
	taxii.Envelope
	DateAddedFirst, DateAddedLast string
}

// Objects reads one page of a collection's objects.
func (c *Client) Objects(ctx context.Context, collection string, q Query) (Page, error) {
	return c.objects(ctx, collection, q, "")
}

func (c *Client) objects(ctx context.Context, collection string, q Query, rawAddedAfter string) (Page, error) {
	v, err := q.values(rawAddedAfter)
	if err != nil {
		return Page{}, err
	}
	u, err := c.endpoint(v, "collections", collection, "objects")
	if err != nil {
		return Page{}, err
	}
	return c.t.getPage(ctx, u)
}

// Object reads one object (by default its latest version; q.Versions selects others) as a
// page, since a server may page through many versions.
func (c *Client) Object(ctx context.Context, collection, id string, q Query) (Page, error) {
	v, err := q.values("")
	if err != nil {
		return Page{}, err
	}
	u, err := c.endpoint(v, "collections", collection, "objects", id)
	if err != nil {
		return Page{}, err
	}
	return c.t.getPage(ctx, u)
}

// Versions reads one page of the versions of an object.
func (c *Client) Versions(ctx context.Context, collection, id string, q Query) (taxii.Versions, error) {
	var r taxii.Versions
	v, err := q.values("")
	if err != nil {
		return r, err
	}
	u, err := c.endpoint(v, "collections", collection, "objects", id, "versions")
	if err != nil {
		return r, err
	}
	err = c.t.getJSON(ctx, u, &r, "versions")
	return r, err
}

// Manifest reads one page of a collection's manifest.
func (c *Client) Manifest(ctx context.Context, collection string, q Query) (taxii.Manifest, error) {
	var r taxii.Manifest
	v, err := q.values("")
	if err != nil {
		return r, err
	}
	u, err := c.endpoint(v, "collections", collection, "manifest")
	if err != nil {
		return r, err
	}
	err = c.t.getJSON(ctx, u, &r, "manifest")
	return r, err
}

// AddObjects POSTs the objects to a collection in one envelope and returns the status
// resource of the 202 Accepted answer. Other success codes are an EINVALID error: TAXII
// 2.1 answers an add with 202 only. The caller keeps the envelope under the API root's
// max_content_length.
func (c *Client) AddObjects(ctx context.Context, collection string, objects []json.RawMessage) (taxii.Status, error) {
	var st taxii.Status
	if len(objects) == 0 {
		return st, firebreak.Errorf(firebreak.EINVALID, "no objects to add")
	}
	body, err := envelopeBody(objects)
	if err != nil {
		return st, err
	}
	u, err := c.endpoint(nil, "collections", collection, "objects")
	if err != nil {
		return st, err
	}
	resp, err := c.t.do(ctx, http.MethodPost, u, body, true)
	if err != nil {
		return st, err
	}
	if resp.status != http.StatusAccepted {
		return st, firebreak.Errorf(firebreak.EINVALID, "POST %s: the server answered %d, not 202 Accepted", u.Redacted(), resp.status)
	}
	err = decodeInto(resp.body, &st, "status")
	return st, err
}

// Status reads the status resource of an earlier AddObjects.
func (c *Client) Status(ctx context.Context, id string) (taxii.Status, error) {
	var st taxii.Status
	u, err := c.endpoint(nil, "status", id)
	if err != nil {
		return st, err
	}
	err = c.t.getJSON(ctx, u, &st, "status")
	return st, err
}

// DeleteObject deletes an object from a collection: all its versions unless q.Versions or
// q.SpecVersions narrow it. Any 2xx answer is success; its body is not read.
func (c *Client) DeleteObject(ctx context.Context, collection, id string, q Query) error {
	v, err := q.values("")
	if err != nil {
		return err
	}
	u, err := c.endpoint(v, "collections", collection, "objects", id)
	if err != nil {
		return err
	}
	_, err = c.t.do(ctx, http.MethodDelete, u, nil, false)
	return err
}

// endpoint builds <root>/<seg>/.../ with each segment path-escaped. Segments that are empty
// or dot segments are refused: they would name a different resource once the path is
// cleaned.
func (c *Client) endpoint(q url.Values, segs ...string) (*url.URL, error) {
	var b strings.Builder
	b.WriteString(c.root.EscapedPath())
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil, firebreak.Errorf(firebreak.EINVALID, "%q is not a valid TAXII path segment", s)
		}
		b.WriteString(url.PathEscape(s))
		b.WriteByte('/')
	}
	u := *c.root
	p, err := url.PathUnescape(b.String())
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINVALID, err, "bad path")
	}
	u.Path, u.RawPath = p, b.String()
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return &u, nil
}

// response is a read, checked success response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// getJSON GETs u and decodes the TAXII resource into dst.
func (t *transport) getJSON(ctx context.Context, u *url.URL, dst any, what string) error {
	resp, err := t.do(ctx, http.MethodGet, u, nil, true)
	if err != nil {
		return err
	}
	return decodeInto(resp.body, dst, what)
}

func (t *transport) getPage(ctx context.Context, u *url.URL) (Page, error) {
	var p Page
	resp, err := t.do(ctx, http.MethodGet, u, nil, true)
	if err != nil {
		return p, err
	}
	if p.Envelope, err = decodeEnvelope(resp.body); err != nil {
		return p, err
	}
	p.DateAddedFirst = strings.TrimSpace(resp.header.Get(taxii.HeaderDateAddedFirst))
	p.DateAddedLast = strings.TrimSpace(resp.header.Get(taxii.HeaderDateAddedLast))
	return p, nil
}

// do sends one request. A non-2xx answer becomes an error carrying a *StatusError. With
// readBody, a success body is checked for a TAXII media type and read under the cap; 204 No
// Content gives an empty JSON object so that decoders see an empty resource.
func (t *transport) do(ctx context.Context, method string, u *url.URL, body []byte, readBody bool) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, firebreak.Wrap(firebreak.EINVALID, err, "cannot build the request")
	}
	req.Header.Set("Accept", taxii.MediaType)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaType)
	}
	if t.auth != "" {
		req.Header.Set("Authorization", t.auth)
	}
	req.Header.Set("User-Agent", t.userAgent)
	if t.peer != "" {
		req.Header.Set(taxii.HeaderPeer, t.peer)
	}

	where := method + " " + u.Redacted()
	res, err := t.hc.Do(req)
	if err != nil {
		return nil, transportFailure(ctx, where, err)
	}
	defer res.Body.Close()

	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, statusFailure(where, res, time.Now())
	}
	out := &response{status: res.StatusCode, header: res.Header}
	if !readBody {
		return out, nil
	}
	if res.StatusCode == http.StatusNoContent {
		out.body = []byte("{}")
		return out, nil
	}
	if err := checkContentType(res.Header.Get("Content-Type")); err != nil {
		return nil, firebreak.Wrap(firebreak.EUNSUPPORTED, err, where+": the response is not TAXII")
	}
	if out.body, err = readCapped(res.Body, res.ContentLength, t.maxBody); err != nil {
		var fe *firebreak.Error
		if errors.As(err, &fe) {
			fe.Message = where + ": " + fe.Message
			return nil, fe
		}
		return nil, transportFailure(ctx, where, err)
	}
	return out, nil
}

// transportFailure wraps an error of the connection (dial, TLS, reset, timeout, truncated
// body). It is retryable unless the caller's context ended.
func transportFailure(ctx context.Context, where string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return firebreak.Wrap(firebreak.EUNAVAILABLE, ctxErr, where+": canceled")
	}
	var re *redirectError
	if errors.As(err, &re) {
		return firebreak.Wrap(firebreak.EINVALID, err, where+": bad redirect")
	}
	return firebreak.Wrap(firebreak.EUNAVAILABLE, &netError{err: err}, where+": the server could not be reached")
}

// readCapped reads at most limit bytes; more is ETOOLARGE. A declared Content-Length over
// the limit is refused before anything is read.
func readCapped(r io.Reader, declared, limit int64) ([]byte, error) {
	if declared > limit {
		return nil, firebreak.Errorf(firebreak.ETOOLARGE, "the response body of %d bytes is over the limit of %d", declared, limit)
	}
	var buf bytes.Buffer
	if declared > 0 {
		// A declared length is a hint, not a promise: grow for it only up to a modest size
		// so that a lying server cannot make every request allocate the whole cap.
		buf.Grow(int(min(declared, 1<<20)))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, firebreak.Errorf(firebreak.ETOOLARGE, "the response body is over the limit of %d bytes", limit)
	}
	return buf.Bytes(), nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// envelopeBody writes objects into an envelope byte for byte. json.Marshal would compact
// each json.RawMessage, and a STIX object must reach the server exactly as its author
// wrote it.
func envelopeBody(objects []json.RawMessage) ([]byte, error) {
	n := len(`{"objects":[]}`)
	for _, o := range objects {
		n += len(o) + 1
	}
	body := make([]byte, 0, n)
	body = append(body, `{"objects":[`...)
	for i, o := range objects {
		if !json.Valid(o) {
			return nil, firebreak.Errorf(firebreak.EINVALID, "objects[%d] is not valid JSON", i)
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, o...)
	}
	return append(body, "]}"...), nil
}

// Withdrawals asks a Firebreak peer hub (GET /v1/withdrawals, beside its API root) which
// of the objects it sent this hub were since deleted or tightened beyond this hub's
// reach, from the opaque position next ("" for the start). Another TAXII server has no
// such resource: it answers ENOTFOUND (or another error), and there is nothing to take.
func (c *Client) Withdrawals(ctx context.Context, next string, limit int) (ids []string, nextOut string, more bool, err error) {
	u := c.root.ResolveReference(&url.URL{Path: "/v1/withdrawals"})
	v := url.Values{}
	if next != "" {
		v.Set("next", next)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	u.RawQuery = v.Encode()
	var body struct {
		Withdrawals []string `json:"withdrawals"`
		Next        string   `json:"next"`
		More        bool     `json:"more"`
	}
	if err := c.t.getJSON(ctx, u, &body, "withdrawals"); err != nil {
		return nil, "", false, err
	}
	for _, id := range body.Withdrawals {
		if !stix.ValidID(id) {
			return nil, "", false, firebreak.Errorf(firebreak.EINVALID, "withdrawals: %q is not a STIX id", clip(id))
		}
	}
	if len(body.Next) > 200 {
		return nil, "", false, firebreak.Errorf(firebreak.EINVALID, "withdrawals: the next token is too long")
	}
	return body.Withdrawals, body.Next, body.More, nil
}
