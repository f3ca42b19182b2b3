-- Where federation with each peer stands (firebreak.PeerState as JSON).
CREATE TABLE peer_state (
	peer TEXT PRIMARY KEY,
	body TEXT NOT NULL
) STRICT;
