-- The hash-chained audit log (see internal/audit). Rows are only ever appended; seq
-- numbers run 1, 2, 3, ... and each row's hash covers the previous row's hash.
CREATE TABLE audit_log (
	seq  INTEGER PRIMARY KEY,
	body BLOB NOT NULL,
	prev BLOB NOT NULL,
	hash BLOB NOT NULL
) STRICT;

-- Signed statements of the chain's head.
CREATE TABLE audit_checkpoints (
	seq       INTEGER PRIMARY KEY,
	hash      BLOB NOT NULL,
	time      INTEGER NOT NULL, -- unix nanoseconds
	key_id    TEXT NOT NULL,
	signature BLOB NOT NULL
) STRICT;
