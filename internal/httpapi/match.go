package httpapi

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/match"
	"github.com/firebreak/firebreak/internal/policy"
)

// Matcher matches observables against the indicators the caller may see (the policy
// guard implements it).
type Matcher interface {
	Match(ctx context.Context, obs []match.Observable) ([]policy.MatchHit, error)
	MatchSet(ctx context.Context) (policy.HashedSet, error)
}

// matchSet exports the indicators the caller may see as keyed hashes.
func (s *Server) matchSet(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Matcher == nil {
		return firebreak.Errorf(firebreak.ENOTFOUND, "matching is not enabled on this hub")
	}
	set, err := s.cfg.Matcher.MatchSet(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, set)
}

// matchRequest is a batch of observables: typed ones, or bare values whose type the hub
// recognises (addresses, domains, URLs, e-mail addresses, hashes).
type matchRequest struct {
	Observables []match.Observable `json:"observables"`
	Values      []string           `json:"values"`
}

func (s *Server) match(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Matcher == nil {
		return firebreak.Errorf(firebreak.ENOTFOUND, "matching is not enabled on this hub")
	}
	var req matchRequest
	if err := decodeJSONLimit(w, r, &req, s.cfg.MaxContentLength); err != nil {
		return err
	}
	obs := req.Observables
	for _, o := range obs {
		if o.Type == "" || o.Path == "" {
			return firebreak.Errorf(firebreak.EINVALID, "an observable needs a type and a path (for example ipv4-addr and value)")
		}
	}
	if len(req.Values) > 0 {
		for _, v := range req.Values {
			if strings.ContainsAny(v, "\r\n") {
				return firebreak.Errorf(firebreak.EINVALID, "a value contains a line break")
			}
		}
		rd := match.NewLines(strings.NewReader(strings.Join(req.Values, "\n")), "")
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue // a value of no known type matches nothing
			}
			obs = append(obs, ev.Observables...)
		}
	}
	hits, err := s.cfg.Matcher.Match(r.Context(), obs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"hits": hits})
}
