// Package taxii holds the TAXII 2.1 wire format: media types and their negotiation, the
// resources the API exchanges, the query parameters of each endpoint, and the opaque
// `next` cursor. It is shared by the server (internal/httpapi) and the client
// (internal/taxiiclient) and imports no HTTP server code.
package taxii

import (
	"encoding/json"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
)

// Media types.
const (
	// MediaType is what every TAXII 2.1 request and response body is sent as.
	MediaType = "application/taxii+json;version=2.1"
	// STIXMediaType is the media type of the objects a collection holds.
	STIXMediaType = "application/stix+json;version=2.1"
)

// Discovery is the server discovery resource (GET /taxii2/).
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRoot is the API root information resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is the collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Collections is the collections resource.
type Collections struct {
	Collections []Collection `json:"collections,omitempty"`
}

// Envelope is the envelope resource: a page of objects.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// ManifestRecord describes one object version without its content.
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Manifest is the manifest resource. Next is not in the TAXII 2.1 text for manifests but
// is sent, as on envelopes, so that a client can page exactly (clients ignore what they do
// not know).
type Manifest struct {
	More    bool             `json:"more,omitempty"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// Versions is the versions resource; Next as for Manifest.
type Versions struct {
	More     bool     `json:"more,omitempty"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// StatusDetail is one object's line in a status resource.
type StatusDetail = firebreak.StatusDetail

// Status is the status resource.
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// StatusOf renders a stored status as the status resource.
func StatusOf(s firebreak.Status) Status {
	return Status{
		ID:               s.ID,
		Status:           s.State,
		RequestTimestamp: FormatTimestamp(s.RequestTimestamp),
		TotalCount:       s.Total,
		SuccessCount:     len(s.Successes),
		Successes:        s.Successes,
		FailureCount:     len(s.Failures),
		Failures:         s.Failures,
		PendingCount:     len(s.Pendings),
		Pendings:         s.Pendings,
	}
}

// Error is the error message resource.
type Error struct {
	Title           string         `json:"title"`
	Description     string         `json:"description,omitempty"`
	ErrorID         string         `json:"error_id,omitempty"`
	ErrorCode       string         `json:"error_code,omitempty"`
	HTTPStatus      string         `json:"http_status,omitempty"`
	ExternalDetails string         `json:"external_details,omitempty"`
	Details         map[string]any `json:"details,omitempty"`
}

// Error makes an error resource usable as a Go error (the client returns it).
func (e *Error) Error() string {
	msg := e.Title
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.HTTPStatus != "" {
		msg = e.HTTPStatus + " " + msg
	}
	return msg
}

// Header names.
const (
	HeaderDateAddedFirst = "X-TAXII-Date-Added-First"
	HeaderDateAddedLast  = "X-TAXII-Date-Added-Last"
	// HeaderPeer is sent by a Firebreak hub when it syncs with a peer: the request comes
	// from a hub, and the hub it reaches must know its account as a peer's, or refuse.
	HeaderPeer = "X-Firebreak-Peer"
)

// FormatTimestamp renders a date added with the hub's precision (microseconds).
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// Acceptable reports whether a request's Accept header lets the server answer with the
// TAXII 2.1 media type. A missing header, */*, application/* and application/taxii+json
// with no version or version 2.1 are acceptable; ranges with q=0 are not.
func Acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, r := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(r))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

// ContentTypeOK reports whether a request body's Content-Type is the TAXII 2.1 media type
// (application/taxii+json with version 2.1 or no version).
func ContentTypeOK(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	v, ok := params["version"]
	return !ok || v == "2.1"
}
