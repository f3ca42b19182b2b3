package firebreak

import (
	"context"
	"time"
)

// PeerState is where federation with one peer stands. It is kept in the store so that a
// restarted hub (or another node) resumes where the last sync stopped: nothing lost,
// nothing repeated beyond what the peer's own cursor semantics force.
type PeerState struct {
	Peer string `json:"peer"`
	// PullNext is the peer's `next` token after the last page taken; PullAddedAfter the
	// peer's date added of the last object taken (its own clock, never an object's
	// timestamps), in UTC with every digit of precision the peer sent. Either resumes a
	// pull.
	PullNext       string `json:"pull_next,omitempty"`
	PullAddedAfter string `json:"pull_added_after,omitempty"`
	// PullComplete is true when the last pull read to the end: everything added up to
	// PullAddedAfter was taken, so the next pull asks strictly after it.
	PullComplete bool `json:"pull_complete,omitempty"`
	// PullCollection is the id of the peer collection pulled from, found once.
	PullCollection string `json:"pull_collection,omitempty"`
	// PushAfter is the position in this hub's order of the last version sent.
	PushAfter Cursor `json:"push_after"`
	// PushWithdrawnAfter is the last of this hub's withdrawals passed on to the peer;
	// PullWithdrawn the peer's opaque token after the last of its withdrawals taken.
	PushWithdrawnAfter int64  `json:"push_withdrawn_after,omitempty"`
	PullWithdrawn      string `json:"pull_withdrawn,omitempty"`
	// LastSuccess is when a sync with the peer last completed; LastError what went wrong
	// since (empty when nothing).
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// In and Out count the objects taken from and sent to the peer.
	In  int64 `json:"in"`
	Out int64 `json:"out"`
}

// PeerLocker is implemented by stores that several hub processes share (PostgreSQL with
// several nodes): a sync with a peer holds the peer's lock, so that two nodes never sync
// the same peer at once, each pulling the same pages and moving the same cursors.
type PeerLocker interface {
	// TryLockPeer takes the lock on peer's sync, unless another node or sync holds it
	// (ok false). unlock releases it; a process that dies releases it too.
	TryLockPeer(ctx context.Context, peer string) (unlock func(), ok bool, err error)
}

// FederationStore keeps each peer's sync state.
type FederationStore interface {
	// PeerState returns a peer's state; a peer never synced has the zero state.
	PeerState(ctx context.Context, peer string) (PeerState, error)
	// PutPeerState stores it, with audit appended in the same transaction.
	PutPeerState(ctx context.Context, s PeerState, audit ...[]byte) error
}
