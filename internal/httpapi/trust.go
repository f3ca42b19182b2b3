package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/stix"
)

// Trust is what the JSON API offers beyond TAXII: trust management for operators and the
// "who will receive this" preview for providers (the policy guard implements it).
type Trust interface {
	Organizations(ctx context.Context) ([]policy.OrgView, error)
	Organization(ctx context.Context, name string) (policy.OrgView, error)
	UpdateOrganization(ctx context.Context, name string, patch policy.OrgPatch) (policy.OrgView, error)
	Circles(ctx context.Context) ([]policy.CircleView, error)
	SetMembership(ctx context.Context, circle, org string, member bool) error
	Preview(ctx context.Context, collection string, drafts [][]byte) ([]policy.Preview, error)
}

// decodeJSON reads a JSON body of at most 1 MiB strictly: unknown fields are errors.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONLimit(w, r, v, 1<<20)
}

// decodeJSONLimit is decodeJSON with another cap on the body.
func decodeJSONLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err // wrap answers it as ETOOLARGE
		}
		return firebreak.Wrap(firebreak.EINVALID, err, bodyMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return firebreak.Errorf(firebreak.EINVALID, "request body: data after the JSON value")
	}
	return nil
}

// bodyMessage says what is wrong with a body the decoder rejected, in the API's words:
// the decoder's own text names Go types and fields, and a read error may say anything.
func bodyMessage(err error) string {
	if m := firebreak.JSONProblem(err); m != "" {
		return "request body: " + m
	}
	return "request body: not a JSON value of this request's shape (unknown fields are not accepted)"
}

func (s *Server) trust() (Trust, error) {
	if s.cfg.Trust == nil {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "the trust API is not enabled on this hub")
	}
	return s.cfg.Trust, nil
}

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	orgs, err := t.Organizations(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"organizations": orgs})
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	o, err := t.Organization(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) patchOrganization(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	var patch policy.OrgPatch
	if err := decodeJSON(w, r, &patch); err != nil {
		return err
	}
	o, err := t.UpdateOrganization(r.Context(), r.PathValue("name"), patch)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) listCircles(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	cs, err := t.Circles(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"circles": cs})
}

func (s *Server) putMember(w http.ResponseWriter, r *http.Request) error {
	return s.setMember(w, r, true)
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) error {
	return s.setMember(w, r, false)
}

func (s *Server) setMember(w http.ResponseWriter, r *http.Request, member bool) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	if err := t.SetMembership(r.Context(), r.PathValue("circle"), r.PathValue("org"), member); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// preview answers "who would receive this" for a draft object, or every object of a
// draft envelope or bundle, without storing anything.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) error {
	t, err := s.trust()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength))
	if err != nil {
		return err
	}
	var head struct {
		Type    string          `json:"type"`
		Objects json.RawMessage `json:"objects"`
	}
	_ = json.Unmarshal(body, &head)
	var drafts [][]byte
	// An envelope has no type and a bundle's is "bundle"; any other body is one object,
	// whatever its own "objects" property holds (observed-data's deprecated object map).
	if head.Objects != nil && (head.Type == "" || head.Type == "bundle") {
		objs, err := stix.SplitObjects(body)
		if err != nil {
			return err
		}
		for _, o := range objs {
			drafts = append(drafts, o)
		}
	} else {
		drafts = [][]byte{body}
	}
	if len(drafts) > 10000 {
		return firebreak.Errorf(firebreak.EINVALID, "preview at most 10000 objects at a time")
	}
	collection := r.URL.Query().Get("collection")
	if collection == "" {
		collection = firebreak.AliasInbox
	}
	out, err := t.Preview(r.Context(), collection, drafts)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"previews": out})
}
