package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

// PeerState returns a peer's sync state (the zero state for a peer never synced).
func (s *Store) PeerState(ctx context.Context, peer string) (firebreak.PeerState, error) {
	var body string
	err := s.pool.QueryRow(ctx, `SELECT body FROM peer_state WHERE peer = $1`, peer).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
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

// PutPeerState stores a peer's sync state and appends audit, in one transaction.
func (s *Store) PutPeerState(ctx context.Context, st firebreak.PeerState, audit ...[]byte) error {
	if st.Peer == "" {
		return firebreak.Errorf(firebreak.EINVALID, "peer state: the peer is not named")
	}
	body, err := json.Marshal(st)
	if err != nil {
		return firebreak.Wrap(firebreak.EINTERNAL, err, "cannot store the peer's state")
	}
	return s.inTx(ctx, "cannot store the peer's state", audit, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO peer_state (peer, body) VALUES ($1, $2)
			ON CONFLICT (peer) DO UPDATE SET body = excluded.body`, st.Peer, string(body))
		return err
	})
}
