-- The hub itself: one row, made when the store is created. The UUID never changes.
CREATE TABLE hub (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	uuid        TEXT    NOT NULL,
	name        TEXT    NOT NULL DEFAULT '',
	country     TEXT    NOT NULL DEFAULT '',
	operator_id INTEGER REFERENCES organizations (id)
);

CREATE TABLE organizations (
	id          INTEGER PRIMARY KEY,
	identity_id TEXT    NOT NULL UNIQUE,
	name        TEXT    NOT NULL UNIQUE,
	country     TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	sectors     TEXT    NOT NULL, -- JSON array of sector slugs
	parent_id   INTEGER REFERENCES organizations (id),
	status      TEXT    NOT NULL
);

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	org_id     INTEGER NOT NULL REFERENCES organizations (id),
	roles      TEXT    NOT NULL, -- JSON array of roles
	token_hash BLOB    UNIQUE    -- NULL until a token is declared
);

CREATE TABLE circles (
	id   INTEGER PRIMARY KEY,
	name TEXT    NOT NULL UNIQUE
);

CREATE TABLE circle_members (
	circle_id INTEGER NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	org_id    INTEGER NOT NULL REFERENCES organizations (id),
	PRIMARY KEY (circle_id, org_id)
) WITHOUT ROWID;

CREATE TABLE peers (
	id          INTEGER PRIMARY KEY,
	name        TEXT    NOT NULL UNIQUE,
	url         TEXT    NOT NULL,
	country     TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	token       TEXT    NOT NULL,
	direction   TEXT    NOT NULL,
	interval_ns INTEGER NOT NULL,
	max_tlp     INTEGER NOT NULL,
	circles     TEXT    NOT NULL, -- JSON array of circle names
	attribution INTEGER NOT NULL
);

-- Each distinct dissemination policy of a provider, kept once.
CREATE TABLE policies (
	id       INTEGER PRIMARY KEY,
	provider INTEGER NOT NULL REFERENCES organizations (id),
	doc      BLOB    NOT NULL,
	UNIQUE (provider, doc)
);

-- One row per object version. seq is assigned by the store from ingest_state, never
-- reused (even after the newest row is deleted), and added never decreases as seq grows
-- (Ingest is the only writer and holds both high-water marks), so the hub's order,
-- (added, seq), is simply seq order: pages walk the table itself by rowid, and the index
-- on added (whose entries end in the rowid) turns a date or a cursor into a seq.
--
-- Versions are found by id through idh, a 64-bit hash of the id (see idHash), not
-- through an index on the id text: STIX ids are random UUIDs, so every new version
-- lands on a random index page, and an index of 16-byte entries has five times fewer
-- pages to dirty than one of (id, vkey) text. Queries always compare the id itself too,
-- so a hash collision costs a row read, never a wrong answer. (id, vkey) is unique; the
-- one writer enforces it inside its transaction, where it looks every id up anyway.
CREATE TABLE objects (
	seq          INTEGER PRIMARY KEY,
	added        INTEGER NOT NULL, -- microseconds since the Unix epoch
	idh          INTEGER NOT NULL, -- idHash(id)
	id           TEXT    NOT NULL,
	type         TEXT    NOT NULL,
	spec_version TEXT    NOT NULL,
	version      TEXT    NOT NULL,
	vkey         TEXT    NOT NULL,
	provider     INTEGER NOT NULL REFERENCES organizations (id),
	policy       INTEGER NOT NULL REFERENCES policies (id),
	raw          BLOB    NOT NULL
);
CREATE INDEX objects_idh ON objects (idh);
CREATE INDEX objects_added ON objects (added);
-- Like objects_idh, these end in the rowid: a page of one type, or of one provider's
-- versions (the "mine" collection), walks its index in seq order and needs no sort.
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_provider ON objects (provider);

-- The high-water marks of ingest: the last seq handed out and the greatest date added.
CREATE TABLE ingest_state (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	last_seq  INTEGER NOT NULL,
	max_added INTEGER NOT NULL
);
INSERT INTO ingest_state (id, last_seq, max_added) VALUES (1, 0, 0);

CREATE TABLE statuses (
	id    TEXT    PRIMARY KEY,
	owner INTEGER NOT NULL,
	body  BLOB    NOT NULL -- JSON
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('epoch', 0);
