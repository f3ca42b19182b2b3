package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

// handlerFunc is an HTTP handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// errorWriter renders an error for one family of endpoints.
type errorWriter func(w http.ResponseWriter, status int, code, message, requestID string)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	firebreak.EINVALID:       http.StatusBadRequest,
	firebreak.EUNAUTHORIZED:  http.StatusUnauthorized,
	firebreak.EFORBIDDEN:     http.StatusForbidden,
	firebreak.ENOTFOUND:      http.StatusNotFound,
	firebreak.ECONFLICT:      http.StatusConflict,
	firebreak.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	firebreak.EUNSUPPORTED:   http.StatusUnsupportedMediaType,
	firebreak.ENOTACCEPTABLE: http.StatusNotAcceptable,
	firebreak.EUNAVAILABLE:   http.StatusServiceUnavailable,
	firebreak.EINTERNAL:      http.StatusInternalServerError,
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// wrap turns a handlerFunc into an http.Handler: it recovers panics, renders errors with
// ew, logs the request and counts it.
func (s *Server) wrap(route string, ew errorWriter, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		reqID := strings.TrimPrefix(stix.NewID("r"), "r--")
		rec := &recorder{ResponseWriter: w}
		var err error
		func() {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				}
			}()
			err = h(rec, r)
		}()
		if err != nil {
			code := firebreak.ErrorCode(err)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				code = firebreak.ETOOLARGE
				err = firebreak.Wrap(code, err, fmt.Sprintf("request body is larger than max_content_length (%d bytes)", mbe.Limit))
			}
			status := statusOf[code]
			if status == 0 {
				status = http.StatusInternalServerError
			}
			if code == firebreak.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="firebreak", Basic realm="firebreak", charset="UTF-8"`)
			}
			if code == firebreak.EUNAVAILABLE {
				w.Header().Set("Retry-After", "5")
			}
			if rec.status == 0 {
				ew(rec, status, code, firebreak.ErrorMessage(err), reqID)
			}
		}
		d := time.Since(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.requests.Inc(route, strconv.Itoa(status))
		s.latency.Observe(d.Seconds(), route)
		level := slog.LevelInfo
		attrs := []slog.Attr{
			slog.String("request_id", reqID), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", route), slog.Int("status", status), slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", d),
		}
		if p := firebreak.PrincipalFrom(r.Context()); p != nil {
			attrs = append(attrs, slog.String("user", p.User.Name), slog.String("org", p.Org.Name))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
			if status >= 500 {
				level = slog.LevelError
			}
		}
		s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// authenticated requires credentials: "Authorization: Bearer <token>" or Basic with the
// user name and the token as password.
func (s *Server) authenticated(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		user, token, err := credentials(r.Header.Get("Authorization"))
		if err != nil {
			return err
		}
		p, err := s.cfg.Auth.Authenticate(r.Context(), user, token)
		if err != nil {
			return err
		}
		if r.Header.Get(taxii.HeaderPeer) != "" && p.Peer == nil {
			// A hub syncing through an account this hub never declared as a peer would
			// read as an ordinary member, without the agreement's cap and without the
			// rules that keep objects from crossing. Fail closed.
			return firebreak.Errorf(firebreak.EFORBIDDEN, "this account is not declared as a peer hub here; a hub may sync only through a peer's account")
		}
		// The request's context carries the principal for every layer below; the
		// logging in wrap reads it back from the request it was given, so update it.
		*r = *r.WithContext(firebreak.NewContext(r.Context(), p))
		return h(w, r)
	}
}

// credentials reads an Authorization header.
func credentials(h string) (user, token string, err error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "":
		return "", "", firebreak.Errorf(firebreak.EUNAUTHORIZED, "credentials required: send Authorization: Bearer <token> or Basic")
	case "bearer":
		if rest == "" {
			break
		}
		return "", rest, nil
	case "basic":
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			break
		}
		u, t, ok := strings.Cut(string(b), ":")
		if !ok || u == "" || t == "" {
			break
		}
		return u, t, nil
	}
	return "", "", firebreak.Errorf(firebreak.EUNAUTHORIZED, "malformed Authorization header")
}

// taxiiErrors writes the TAXII error message resource.
func taxiiErrors(w http.ResponseWriter, status int, code, message, requestID string) {
	title := http.StatusText(status)
	body := taxii.Error{
		Title:       title,
		Description: message,
		ErrorID:     requestID,
		ErrorCode:   code,
		HTTPStatus:  strconv.Itoa(status),
	}
	w.Header().Set("Content-Type", taxii.MediaType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// jsonErrors writes the JSON API's error body.
func jsonErrors(w http.ResponseWriter, status int, code, message, requestID string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": message, "request_id": requestID})
}

// plainErrors writes a text error (health checks, metrics, unknown paths).
func plainErrors(w http.ResponseWriter, status int, code, message, requestID string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s: %s (request %s)\n", code, message, requestID)
}
