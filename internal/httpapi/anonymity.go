package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
)

// People is the review queue, contacts and introductions (the policy guard implements
// it).
type People interface {
	Held(ctx context.Context, limit int) ([]policy.HeldView, error)
	DecideHeld(ctx context.Context, provider, id, version string, release bool, reason string) error
	Contacts(ctx context.Context) ([]firebreak.Contact, error)
	SetContacts(ctx context.Context, cs []firebreak.Contact) error
	RequestIntroduction(ctx context.Context, object, message string) (policy.IntroductionView, error)
	Introductions(ctx context.Context) ([]policy.IntroductionView, error)
	DecideIntroduction(ctx context.Context, id string, accept bool) (policy.IntroductionView, error)
	Sightings(ctx context.Context, indicator string) (policy.SightingAggregate, error)
}

func (s *Server) people() (People, error) {
	if s.cfg.People == nil {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "this hub does not serve review, contacts or introductions")
	}
	return s.cfg.People, nil
}

func (s *Server) listHeld(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	held, err := p.Held(r.Context(), min(max(limit, 0), 1000))
	if err != nil {
		return err
	}
	if held == nil {
		held = []policy.HeldView{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"held": held})
}

func (s *Server) decideHeld(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	// Provider (an organisation's name, as the review list shows it) is needed only when
	// several providers each hold a copy of the version for review.
	var in struct {
		ID       string `json:"id"`
		Version  string `json:"version"`
		Provider string `json:"provider"`
		Release  bool   `json:"release"`
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := p.DecideHeld(r.Context(), in.Provider, in.ID, in.Version, in.Release, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getContacts(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	cs, err := p.Contacts(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"contacts": cs})
}

func (s *Server) putContacts(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	var in struct {
		Contacts []firebreak.Contact `json:"contacts"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := p.SetContacts(r.Context(), in.Contacts); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) askIntroduction(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	var in struct {
		Object  string `json:"object"`
		Message string `json:"message"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := p.RequestIntroduction(r.Context(), in.Object, in.Message)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) listIntroductions(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	list, err := p.Introductions(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"introductions": list})
}

func (s *Server) decideIntroduction(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	var in struct {
		Accept bool `json:"accept"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := p.DecideIntroduction(r.Context(), r.PathValue("id"), in.Accept)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// sightings serves the aggregate of an indicator's sightings, k-anonymous.
func (s *Server) sightings(w http.ResponseWriter, r *http.Request) error {
	p, err := s.people()
	if err != nil {
		return err
	}
	agg, err := p.Sightings(r.Context(), r.PathValue("indicator"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, agg)
}
