package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/firebreak/firebreak"
)

// PeerState returns a peer's sync state (the zero state for a peer never synced).
func (s *Store) PeerState(ctx context.Context, peer string) (firebreak.PeerState, error) {
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT body FROM peer_state WHERE peer = ?`, peer).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return firebreak.PeerState{Peer: peer}, nil
	}
	if err != nil {
		return firebreak.PeerState{}, mapErr(err, "cannot read the peer's state")
	}
	var st firebreak.PeerState
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return firebreak.PeerState{}, firebreak.Wrap(firebreak.EINTERNAL, err, "a stored peer state cannot be read")
	}
	return st, nil
}

// PutPeerState stores a peer's sync state.
func (s *Store) PutPeerState(ctx context.Context, st firebreak.PeerState, audit ...[]byte) error {
	if st.Peer == "" {
		return firebreak.Errorf(firebreak.EINVALID, "peer state: the peer is not named")
	}
	body, err := json.Marshal(st)
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the peer's state")
	}
	return s.inTx(ctx, "cannot store the peer's state", audit, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO peer_state (peer, body) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET body = excluded.body`, st.Peer, string(body))
		return err
	})
}
