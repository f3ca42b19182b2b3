package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/firebreak/firebreak"
)

// Withdrawals tells peer hubs what to remove: the policy guard implements it.
type Withdrawals interface {
	Withdrawn(ctx context.Context, after int64, limit int) (ids []string, next int64, more bool, err error)
}

// withdrawals answers GET /v1/withdrawals to a peer hub: the ids of objects it received
// that were since deleted or tightened beyond what it may have, from an opaque position
// (`next`, sealed like TAXII's: it tells nothing of how many withdrawals concern others).
func (s *Server) withdrawals(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Withdrawals == nil {
		return firebreak.Errorf(firebreak.ENOTFOUND, "this hub does not serve withdrawals")
	}
	cur, err := s.cursors(r.Context(), firebreak.Collection{ID: "withdrawals"})
	if err != nil {
		return err
	}
	var after int64
	if tok := r.URL.Query().Get("next"); tok != "" {
		pos, err := cur.Decode(tok)
		if err != nil {
			return err
		}
		after = pos.Seq
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ids, next, more, err := s.cfg.Withdrawals.Withdrawn(r.Context(), after, min(max(limit, 0), 1000))
	if err != nil {
		return err
	}
	tok, err := cur.Encode(firebreak.Cursor{Seq: next})
	if err != nil {
		return err
	}
	if ids == nil {
		ids = []string{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"withdrawals": ids, "next": tok, "more": more})
}
