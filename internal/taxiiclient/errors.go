package taxiiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

// maxRetryAfter bounds a server's Retry-After: a peer cannot park federation for longer,
// and the arithmetic cannot overflow.
const maxRetryAfter = 24 * time.Hour

// StatusError is a non-2xx answer. It unwraps to the *taxii.Error the server sent, or to one
// made from the status line when the body was not an error message resource; its
// HTTPStatus is set to the status code when the server left it out.
type StatusError struct {
	// StatusCode is the HTTP status code of the answer.
	StatusCode int
	// RetryAfter is the server's Retry-After, resolved to a duration at receipt (0 if none).
	RetryAfter time.Duration
	// TAXII is the error message resource.
	TAXII *taxii.Error
}

// Error returns the TAXII error's text.
func (e *StatusError) Error() string { return e.TAXII.Error() }

// Unwrap returns the TAXII error resource.
func (e *StatusError) Unwrap() error { return e.TAXII }

// netError marks a failure of the connection rather than an answer of the server.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// Retryable reports whether trying the same request again later makes sense: the server
// could not be reached or the connection failed (but not because the caller's context
// ended), or it answered 408, 429 or a 5xx other than 501 Not Implemented.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		switch c := se.StatusCode; {
		case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests:
			return true
		case c == http.StatusNotImplemented:
			return false
		default:
			return c >= 500 && c <= 599
		}
	}
	var ne *netError
	return errors.As(err, &ne)
}

// RetryAfter returns how long the server asked the client to wait (its Retry-After, as
// seconds or an HTTP date, capped at 24 hours), or 0 when it did not say.
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// StatusCode returns the HTTP status code of a non-2xx answer in err's chain, or 0.
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

// statusFailure turns a non-2xx response into an error. The body is read only up to a
// small cap: a server's error message is short, and a long one is not decoded.
func statusFailure(where string, res *http.Response, now time.Time) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	se := &StatusError{
		StatusCode: res.StatusCode,
		RetryAfter: parseRetryAfter(res.Header.Get("Retry-After"), now),
		TAXII:      decodeError(b),
	}
	if se.TAXII == nil {
		se.TAXII = &taxii.Error{Title: statusTitle(res)}
	}
	if se.TAXII.HTTPStatus == "" {
		se.TAXII.HTTPStatus = strconv.Itoa(res.StatusCode)
	}
	return firebreak.Wrap(codeForStatus(res.StatusCode), se, where+": the server answered "+strconv.Itoa(res.StatusCode))
}

// statusTitle is the reason phrase of the status line, or the standard one.
func statusTitle(res *http.Response) string {
	t := strings.TrimSpace(strings.TrimPrefix(res.Status, strconv.Itoa(res.StatusCode)))
	if t == "" || !utf8.ValidString(t) {
		t = http.StatusText(res.StatusCode)
	}
	if t == "" {
		t = "HTTP " + strconv.Itoa(res.StatusCode)
	}
	return clip(t)
}

// codeForStatus classifies an HTTP status for the rest of the hub.
func codeForStatus(c int) string {
	switch {
	case c == http.StatusUnauthorized:
		return firebreak.EUNAUTHORIZED
	case c == http.StatusForbidden:
		return firebreak.EFORBIDDEN
	case c == http.StatusNotFound, c == http.StatusGone:
		return firebreak.ENOTFOUND
	case c == http.StatusConflict:
		return firebreak.ECONFLICT
	case c == http.StatusNotAcceptable:
		return firebreak.ENOTACCEPTABLE
	case c == http.StatusRequestEntityTooLarge:
		return firebreak.ETOOLARGE
	case c == http.StatusUnsupportedMediaType, c == http.StatusNotImplemented:
		return firebreak.EUNSUPPORTED
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return firebreak.EUNAVAILABLE
	}
	return firebreak.EINVALID
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP date relative to now.
// Garbage, negative values and past dates give 0; the result is capped at maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return 0
	case d > maxRetryAfter:
		return maxRetryAfter
	}
	return d
}

// wireError is the error message resource as servers really send it: http_status and
// error_code as strings or numbers, details with any JSON values.
type wireError struct {
	Title           *string                    `json:"title"`
	Description     json.RawMessage            `json:"description"`
	ErrorID         json.RawMessage            `json:"error_id"`
	ErrorCode       json.RawMessage            `json:"error_code"`
	HTTPStatus      json.RawMessage            `json:"http_status"`
	ExternalDetails json.RawMessage            `json:"external_details"`
	Details         map[string]json.RawMessage `json:"details"`
}

// decodeError reads an error message resource, or returns nil when b is not one (not a JSON
// object, or no string title). Scalar fields of the wrong JSON type are rendered as text
// rather than refused; an error body is diagnostics, and dropping it helps nobody.
func decodeError(b []byte) *taxii.Error {
	var w wireError
	if err := json.Unmarshal(b, &w); err != nil || w.Title == nil {
		return nil
	}
	e := &taxii.Error{
		Title:           clipText(*w.Title, 512),
		Description:     scalarText(w.Description, 4096),
		ErrorID:         scalarText(w.ErrorID, 256),
		ErrorCode:       scalarText(w.ErrorCode, 256),
		HTTPStatus:      scalarText(w.HTTPStatus, 16),
		ExternalDetails: scalarText(w.ExternalDetails, 2048),
	}
	if len(w.Details) > 0 {
		e.Details = make(map[string]any, min(len(w.Details), 64))
		for k, v := range w.Details {
			if len(e.Details) == 64 {
				break
			}
			e.Details[clipText(k, 256)] = scalarText(v, 1024)
		}
	}
	return e
}

// scalarText renders a JSON value as text: a string as itself, anything else (numbers,
// booleans, objects) as its compact JSON; null and absent as "".
func scalarText(raw json.RawMessage, max int) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return clipText(s, max)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return ""
	}
	return clipText(buf.String(), max)
}

// clipText shortens s to at most max bytes without splitting a UTF-8 sequence.
func clipText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	// Drop a rune cut in half at the end; invalid bytes earlier are the server's own.
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s + "…"
}
