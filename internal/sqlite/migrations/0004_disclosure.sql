-- Disclosure requests (see firebreak.DisclosureRequest). The request is kept as JSON with
-- the columns that select it beside it.
CREATE TABLE disclosures (
	id        TEXT PRIMARY KEY,
	requester INTEGER NOT NULL,
	provider  INTEGER NOT NULL,
	state     TEXT NOT NULL,
	created   INTEGER NOT NULL, -- unix µs, for ordering
	body      BLOB NOT NULL
) STRICT;
CREATE INDEX disclosures_requester ON disclosures (requester, created);
CREATE INDEX disclosures_provider ON disclosures (provider, created);
