package postgres

import (
	"context"
	"sync"

	"github.com/firebreak/firebreak"
	"github.com/jackc/pgx/v5"
)

var _ firebreak.PeerLocker = (*Store)(nil)

// peerLocks holds the node's locks on peer syncs: session advisory locks on one
// connection of their own, outside the pool, so that a long sync never holds one of the
// pool's connections, and a node that dies (its connection with it) releases them all.
// held guards against the node itself: a session may take its own lock again.
type peerLocks struct {
	mu   sync.Mutex
	conn *pgx.Conn
	held map[string]bool
}

// peerLockKey is the advisory lock of a peer's sync: the two-key form, in this schema's
// lock space with bit 23 set, apart from the ingest locks (see 0003_concurrent_ingest.sql).
const peerLockKey = `ingest_lock_space()::int | 8388608, hashtext($1)`

// TryLockPeer takes the lock on peer's sync for this node, unless another node, or
// another sync on this one, holds it.
func (s *Store) TryLockPeer(ctx context.Context, peer string) (func(), bool, error) {
	l := &s.peers
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[peer] {
		return nil, false, nil
	}
	if l.conn == nil || l.conn.IsClosed() {
		// A new connection: whatever the old one held went with it.
		clear(l.held)
		c, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
		if err != nil {
			return nil, false, mapErr(err, "cannot lock the peer's sync")
		}
		l.conn = c
	}
	var ok bool
	if err := l.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+peerLockKey+`)`, peer).Scan(&ok); err != nil {
		l.drop()
		return nil, false, mapErr(err, "cannot lock the peer's sync")
	}
	if !ok {
		return nil, false, nil
	}
	if l.held == nil {
		l.held = map[string]bool{}
	}
	l.held[peer] = true
	conn := l.conn
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.conn != conn {
				return // that connection, and its locks, are gone
			}
			delete(l.held, peer)
			if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock(`+peerLockKey+`)`, peer); err != nil {
				l.drop() // a lock that cannot be released goes with its connection
			}
		})
	}, true, nil
}

// drop closes the lock connection, releasing every lock it held. The caller holds mu.
func (l *peerLocks) drop() {
	if l.conn != nil {
		l.conn.Close(context.Background())
		l.conn = nil
	}
	clear(l.held)
}

func (l *peerLocks) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop()
}
