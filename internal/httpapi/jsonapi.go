package httpapi

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/apply"
)

//go:embed openapi.json
var openAPIDoc []byte

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}

// whoAmI is the caller as the hub sees it.
type whoAmI struct {
	User         string   `json:"user"`
	Roles        []string `json:"roles"`
	Organization string   `json:"organization"`
	IdentityID   string   `json:"identity_id"`
	Country      string   `json:"country"`
	Type         string   `json:"type"`
	Status       string   `json:"status"`
	Circles      []string `json:"circles"`
	Operator     bool     `json:"operator"`
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	p := firebreak.PrincipalFrom(r.Context())
	out := whoAmI{User: p.User.Name, Organization: p.Org.Name, IdentityID: p.Org.IdentityID,
		Country: p.Org.Country, Type: string(p.Org.Type), Status: string(p.Org.Status), Operator: p.Operator,
		Roles: []string{}, Circles: []string{}}
	for _, role := range p.User.Roles {
		out.Roles = append(out.Roles, string(role))
	}
	for _, c := range p.Circles {
		out.Circles = append(out.Circles, c.Name)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request) error {
	p := firebreak.PrincipalFrom(r.Context())
	if !p.User.HasRole(firebreak.RoleAdmin) {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "applying a declaration needs the admin role")
	}
	if s.cfg.Apply == nil {
		return firebreak.Errorf(firebreak.ENOTFOUND, "apply is not enabled on this hub")
	}
	d, err := apply.Parse(http.MaxBytesReader(w, r.Body, apply.MaxFileBytes))
	if err != nil {
		return err
	}
	if err := s.cfg.Apply(r.Context(), d); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"applied":       true,
		"organizations": len(d.Organizations),
		"users":         len(d.Users),
		"circles":       len(d.Circles),
		"peers":         len(d.Peers),
	})
}
