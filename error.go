package firebreak

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in internal/httpapi and to one CLI exit path.
const (
	EINVALID       = "invalid"        // the request or its content is malformed or breaks a rule
	EUNAUTHORIZED  = "unauthorized"   // no valid credentials
	EFORBIDDEN     = "forbidden"      // valid credentials, but not allowed
	ENOTFOUND      = "not_found"      // does not exist, or the caller may not know that it does
	ECONFLICT      = "conflict"       // clashes with what is already there
	ETOOLARGE      = "too_large"      // over a configured size limit
	EUNSUPPORTED   = "unsupported"    // a media type the server does not take (415)
	ENOTACCEPTABLE = "not_acceptable" // no representation the client accepts (406)
	EUNAVAILABLE   = "unavailable"    // a dependency (the database) is down; try again
	EINTERNAL      = "internal"       // a bug or an unexpected failure
)

// Error is the one application error type. Code classifies it, Message is safe to show to
// a client, and Err keeps the internal cause for logs. Internal causes never reach clients.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the message and, when there is one, the internal cause.
func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the code and message that keeps err as its internal cause.
func Wrap(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's chain. Errors
// of another type, and internal errors, give a generic message so that no internal detail
// leaks to a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return "internal error"
}
