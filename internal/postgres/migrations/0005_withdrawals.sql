-- Withdrawals: versions of a provider's copy of an object that stopped being available,
-- deleted, or superseded by a new latest version under another policy, for federation to
-- pass on to the peers that received them (see firebreak.Withdrawal). Delete and Ingest
-- add rows in their own transactions, under a transaction lock held until commit (the
-- lock space's key 3), so that seqs become visible in ascending order on every node and a
-- peer reading after the last seq it has seen misses none (see recordWithdrawals). Rows
-- are never updated, and a backup does not carry them: a restored hub starts a fresh
-- list.
CREATE TABLE withdrawals (
	seq      bigint  PRIMARY KEY,
	added    bigint  NOT NULL, -- microseconds since the Unix epoch, the hub's clock
	provider bigint  NOT NULL,
	id       text    NOT NULL,
	policies text    NOT NULL DEFAULT '[]', -- JSON array of policy ids, ascending
	deleted  boolean NOT NULL
);
