-- The hub's secret keys per-reader pseudonyms of anonymous providers; every node reads the
-- same one from here.
INSERT OR IGNORE INTO meta (key, value) VALUES ('hub_secret', randomblob(32));

ALTER TABLE organizations ADD COLUMN domains TEXT NOT NULL DEFAULT '[]'; -- ["acme.example", ...]
ALTER TABLE circles ADD COLUMN review TEXT NOT NULL DEFAULT '';         -- '', 'findings' or 'all'

-- What readers other than the provider receive, when it differs from raw: shared with
-- personal data redacted, anon also without the provider's names and domains. Kept apart
-- from objects so that the page walk never reads them for metadata, and joined by seq.
CREATE TABLE variants (
	seq    INTEGER PRIMARY KEY,
	shared BLOB,
	anon   BLOB
) STRICT;

-- Versions held for an operator's review, with the submission whose status they complete.
CREATE TABLE review (
	seq       INTEGER PRIMARY KEY,
	status_id TEXT NOT NULL
) STRICT;

CREATE TABLE contacts (
	org  INTEGER PRIMARY KEY REFERENCES organizations (id),
	body TEXT NOT NULL -- [{"name","role","email","phone"}]
) STRICT;

CREATE TABLE introductions (
	id        TEXT PRIMARY KEY,
	requester INTEGER NOT NULL,
	provider  INTEGER NOT NULL,
	created   INTEGER NOT NULL, -- unix µs
	body      BLOB NOT NULL
) STRICT;
CREATE INDEX introductions_requester ON introductions (requester, created);
CREATE INDEX introductions_provider ON introductions (provider, created);
