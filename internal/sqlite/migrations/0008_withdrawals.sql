-- Withdrawals: versions of a provider's copy of an object that stopped being available,
-- deleted (deleted = 1) or superseded by a new latest version under another policy, for
-- federation to pass on to the peers that received them (see firebreak.Withdrawal).
-- Delete and Ingest add rows in their own transactions. seq is handed out by the one
-- writer in commit order, ascending and never reused (see recordWithdrawals), so that a
-- peer reading after the last seq it has seen misses none. Rows are never updated, and
-- a backup does not carry them: a restored hub starts a fresh list.
CREATE TABLE withdrawals (
	seq      INTEGER PRIMARY KEY,
	added    INTEGER NOT NULL, -- microseconds since the Unix epoch, the hub's clock
	provider INTEGER NOT NULL,
	id       TEXT    NOT NULL,
	policies TEXT    NOT NULL DEFAULT '[]', -- JSON array of policy ids, ascending
	deleted  INTEGER NOT NULL -- 1: deleted; 0: superseded under another policy
) STRICT;
