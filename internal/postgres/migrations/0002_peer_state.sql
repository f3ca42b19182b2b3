-- Federation: each peer's sync state (cursors, counters, last error), kept as JSON so
-- that any node can resume a peer's sync where another left it.
CREATE TABLE peer_state (
	peer text COLLATE "C" PRIMARY KEY,
	body text NOT NULL -- JSON of firebreak.PeerState
);
