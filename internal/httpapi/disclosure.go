package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
)

// Disclosures is the disclosure-request workflow and the transparency report (the policy
// guard implements it).
type Disclosures interface {
	RequestDisclosure(ctx context.Context, ask policy.DisclosureAsk) ([]policy.DisclosureView, error)
	Disclosures(ctx context.Context) ([]policy.DisclosureView, error)
	DecideDisclosure(ctx context.Context, id string, dec policy.DisclosureDecision) (policy.DisclosureView, error)
	Transparency(ctx context.Context) (policy.TransparencyReport, error)
}

func (s *Server) disclosures() (Disclosures, error) {
	if s.cfg.Disclosures == nil {
		return nil, firebreak.Errorf(firebreak.ENOTFOUND, "disclosure requests are not enabled on this hub")
	}
	return s.cfg.Disclosures, nil
}

func (s *Server) askDisclosure(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disclosures()
	if err != nil {
		return err
	}
	var ask policy.DisclosureAsk
	if err := decodeJSON(w, r, &ask); err != nil {
		return err
	}
	out, err := d.RequestDisclosure(r.Context(), ask)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"requests": out})
}

func (s *Server) listDisclosures(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disclosures()
	if err != nil {
		return err
	}
	out, err := d.Disclosures(r.Context())
	if err != nil {
		return err
	}
	if out == nil {
		out = []policy.DisclosureView{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}

func (s *Server) decideDisclosure(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disclosures()
	if err != nil {
		return err
	}
	var dec policy.DisclosureDecision
	if err := decodeJSON(w, r, &dec); err != nil {
		return err
	}
	out, err := d.DecideDisclosure(r.Context(), r.PathValue("id"), dec)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// transparency is public: counts only, naming nobody.
func (s *Server) transparency(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disclosures()
	if err != nil {
		return err
	}
	report, err := d.Transparency(r.Context())
	if err != nil {
		return err
	}
	if report.Rows == nil {
		report.Rows = []policy.TransparencyRow{}
	}
	return writeJSON(w, http.StatusOK, report)
}

// auditEntries serves the audit log to the hub's auditors and admins, for checking it
// remotely.
func (s *Server) auditEntries(w http.ResponseWriter, r *http.Request) error {
	ok, err := s.hubRole(r.Context(), firebreak.RoleAuditor, firebreak.RoleAdmin)
	if err != nil {
		return err
	}
	if !ok {
		return firebreak.Errorf(firebreak.EFORBIDDEN, "the audit log is for auditors and admins")
	}
	if s.cfg.Audit == nil {
		return firebreak.Errorf(firebreak.ENOTFOUND, "the audit log is not served by this hub")
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	entries, err := s.cfg.Audit.AuditEntries(r.Context(), max(after, 0), limit)
	if err != nil {
		return err
	}
	type entry struct {
		Seq  int64           `json:"seq"`
		Body json.RawMessage `json:"body"`
		Prev []byte          `json:"prev"`
		Hash []byte          `json:"hash"`
	}
	out := make([]entry, 0, len(entries))
	for _, e := range entries {
		body := json.RawMessage(e.Body)
		if !json.Valid(body) {
			body, _ = json.Marshal(string(e.Body))
		}
		out = append(out, entry{Seq: e.Seq, Body: body, Prev: e.Prev, Hash: e.Hash})
	}
	cps, err := s.cfg.Audit.AuditCheckpoints(r.Context())
	if err != nil {
		return err
	}
	if cps == nil {
		cps = []firebreak.AuditCheckpoint{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out, "checkpoints": cps})
}
