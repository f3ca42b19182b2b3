// Package httpapi serves the hub over HTTP: the TAXII 2.1 API (discovery at /taxii2/, one
// API root at /api/), the JSON API under /v1/ for what TAXII does not cover, /metrics and
// health checks. Handlers return errors; one table maps error codes to HTTP statuses and
// TAXII error bodies. Every handler reaches objects through firebreak.ObjectService, whose
// one implementation is the policy guard.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/metrics"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/taxii"
)

// Authenticator turns credentials into a principal (the policy guard implements it).
type Authenticator interface {
	// Authenticate returns the principal whose token is token; with a non-empty user
	// (HTTP Basic) the token must be that user's. EUNAUTHORIZED for bad credentials,
	// EFORBIDDEN for suspended or revoked organisations.
	Authenticate(ctx context.Context, user, token string) (*firebreak.Principal, error)
	// Hub describes this hub (title of the discovery resource).
	Hub(ctx context.Context) (firebreak.Hub, error)
}

// Config is what a Server needs.
type Config struct {
	Objects firebreak.ObjectService
	Auth    Authenticator
	// Trust serves the trust and preview endpoints; nil disables them.
	Trust Trust
	// Disclosures serves disclosure requests and the transparency report; nil disables
	// them.
	Disclosures Disclosures
	// People serves the review queue, contacts and introductions; nil disables them.
	People People
	// Matcher serves POST /v1/match; nil disables it.
	Matcher Matcher
	// Audit serves the audit log to auditors; nil disables it. The policy guard implements
	// it and serves the hub's auditors and admins only.
	Audit interface {
		AuditEntries(ctx context.Context, after int64, limit int) ([]firebreak.AuditEntry, error)
		AuditCheckpoints(ctx context.Context) ([]firebreak.AuditCheckpoint, error)
	}
	// Withdrawals tells peer hubs what to remove (GET /v1/withdrawals); nil disables it.
	Withdrawals Withdrawals
	// Apply applies a declaration for admins (POST /v1/apply); nil disables it.
	Apply func(ctx context.Context, d firebreak.Directory) error
	// MaxContentLength caps request bodies; it is advertised in the API root.
	MaxContentLength int64
	Limits           taxii.Limits
	Logger           *slog.Logger
	Metrics          *metrics.Registry
	// Ready reports whether the store answers (GET /readyz); nil means always ready.
	Ready func(ctx context.Context) error
}

// DefaultMaxContentLength is the body cap when none is configured: room for envelopes of
// tens of thousands of objects, small enough that one request cannot exhaust memory.
const DefaultMaxContentLength = 32 << 20

// Server is the HTTP face of the hub.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	requests *metrics.CounterVec
	latency  *metrics.HistogramVec
	ingested *metrics.CounterVec
	// cursorKey seals `next` tokens; derived from the hub's secret on first use.
	cursorKey atomic.Pointer[cursorKey]
}

// New returns a server with its routes in place.
func New(cfg Config) *Server {
	if cfg.MaxContentLength <= 0 {
		cfg.MaxContentLength = DefaultMaxContentLength
	}
	if cfg.Limits.MaxPage == 0 {
		cfg.Limits = taxii.DefaultLimits
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewRegistry()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.requests = cfg.Metrics.NewCounterVec("firebreak_http_requests_total", "HTTP requests by route and status code.", "route", "code")
	s.latency = cfg.Metrics.NewHistogramVec("firebreak_http_request_duration_seconds", "HTTP request latency by route.", metrics.DefaultBuckets, "route")
	s.ingested = cfg.Metrics.NewCounterVec("firebreak_objects_submitted_total", "Objects submitted through TAXII, by outcome.", "outcome")
	s.routes()
	return s
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// routes is the route table. TAXII paths end in "/"; {$} keeps them exact.
func (s *Server) routes() {
	taxiiRoute := func(pattern, name string, h handlerFunc) {
		h = s.authenticated(h)
		if strings.HasPrefix(pattern, "GET ") {
			h = readOnly(h)
		}
		s.mux.Handle(pattern, s.wrap(name, taxiiErrors, h))
	}
	taxiiRoute("GET /taxii2/{$}", "discovery", s.discovery)
	taxiiRoute("GET /api/{$}", "api_root", s.apiRoot)
	taxiiRoute("GET /api/status/{id}/{$}", "status", s.status)
	taxiiRoute("GET /api/collections/{$}", "collections", s.collections)
	taxiiRoute("GET /api/collections/{cid}/{$}", "collection", s.collection)
	taxiiRoute("GET /api/collections/{cid}/objects/{$}", "objects", s.getObjects)
	taxiiRoute("POST /api/collections/{cid}/objects/{$}", "add_objects", s.addObjects)
	taxiiRoute("GET /api/collections/{cid}/objects/{oid}/{$}", "object", s.getObject)
	taxiiRoute("DELETE /api/collections/{cid}/objects/{oid}/{$}", "delete_object", s.deleteObject)
	taxiiRoute("GET /api/collections/{cid}/objects/{oid}/versions/{$}", "versions", s.versions)
	taxiiRoute("GET /api/collections/{cid}/manifest/{$}", "manifest", s.manifest)
	// Anything else under the TAXII prefixes is a TAXII 404 (or 405), not the mux's
	// plain-text one.
	s.mux.Handle("/taxii2/", s.wrap("unknown", taxiiErrors, notFound))
	s.mux.Handle("/api/", s.wrap("unknown", taxiiErrors, notFound))

	jsonRoute := func(pattern, name string, h handlerFunc) {
		s.mux.Handle(pattern, s.wrap(name, jsonErrors, s.authenticated(h)))
	}
	jsonRoute("GET /v1/whoami", "whoami", s.whoami)
	jsonRoute("POST /v1/apply", "apply", s.apply)
	jsonRoute("POST /v1/preview", "preview", s.preview)
	jsonRoute("GET /v1/organizations", "organizations", s.listOrganizations)
	jsonRoute("GET /v1/organizations/{name}", "organization", s.getOrganization)
	jsonRoute("PATCH /v1/organizations/{name}", "update_organization", s.patchOrganization)
	jsonRoute("GET /v1/circles", "circles", s.listCircles)
	jsonRoute("PUT /v1/circles/{circle}/members/{org}", "add_member", s.putMember)
	jsonRoute("DELETE /v1/circles/{circle}/members/{org}", "remove_member", s.deleteMember)
	jsonRoute("POST /v1/disclosures", "ask_disclosure", s.askDisclosure)
	jsonRoute("GET /v1/disclosures", "disclosures", s.listDisclosures)
	jsonRoute("POST /v1/disclosures/{id}/decision", "decide_disclosure", s.decideDisclosure)
	jsonRoute("GET /v1/audit", "audit", s.auditEntries)
	jsonRoute("GET /v1/review", "review", s.listHeld)
	jsonRoute("POST /v1/review/decision", "review_decision", s.decideHeld)
	jsonRoute("GET /v1/contacts", "contacts", s.getContacts)
	jsonRoute("PUT /v1/contacts", "set_contacts", s.putContacts)
	jsonRoute("POST /v1/introductions", "ask_introduction", s.askIntroduction)
	jsonRoute("GET /v1/introductions", "introductions", s.listIntroductions)
	jsonRoute("POST /v1/introductions/{id}/decision", "decide_introduction", s.decideIntroduction)
	jsonRoute("GET /v1/sightings/{indicator}", "sightings", s.sightings)
	jsonRoute("POST /v1/match", "match", s.match)
	jsonRoute("GET /v1/match/set", "match_set", s.matchSet)
	jsonRoute("GET /v1/withdrawals", "withdrawals", s.withdrawals)
	s.mux.Handle("GET /v1/transparency", s.wrap("transparency", jsonErrors, s.transparency))
	s.mux.Handle("GET /v1/openapi.json", s.wrap("openapi", jsonErrors, s.openAPI))
	s.mux.Handle("/v1/", s.wrap("unknown", jsonErrors, notFound))

	s.mux.Handle("GET /metrics", s.wrap("metrics", plainErrors, s.authenticated(s.metrics)))
	s.mux.Handle("GET /healthz", s.wrap("healthz", plainErrors, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte("ok\n"))
		return err
	}))
	s.mux.Handle("GET /readyz", s.wrap("readyz", plainErrors, s.ready))
	s.mux.Handle("/", s.wrap("unknown", plainErrors, notFound))
}

// readOnly marks a request that only reads: the guard looks at the directory once for
// it (policy.WithDirectoryOnce) rather than once per call.
func readOnly(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		*r = *r.WithContext(policy.WithDirectoryOnce(r.Context()))
		return h(w, r)
	}
}

func notFound(w http.ResponseWriter, r *http.Request) error {
	return firebreak.Errorf(firebreak.ENOTFOUND, "no resource at %s %s", r.Method, clip(r.URL.Path))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			return firebreak.Wrap(firebreak.EUNAVAILABLE, err, "store not ready")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ready\n"))
	return err
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	ok, err := s.hubRole(r.Context(), firebreak.RoleOperator, firebreak.RoleAdmin, firebreak.RoleAuditor)
	if err != nil {
		return err
	}
	if !ok {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "metrics are for operators, admins and auditors")
	}
	w.Header().Set("Content-Type", metrics.ContentType)
	s.cfg.Metrics.WriteText(w)
	return nil
}

// hubRole reports whether the caller holds one of roles for the hub: in the hub's
// operator organisation only (see policy.HubRole).
func (s *Server) hubRole(ctx context.Context, roles ...firebreak.Role) (bool, error) {
	hub, err := s.cfg.Auth.Hub(ctx)
	if err != nil {
		return false, err
	}
	p := firebreak.PrincipalFrom(ctx)
	return slices.ContainsFunc(roles, func(r firebreak.Role) bool { return policy.HubRole(p, hub, r) }), nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
