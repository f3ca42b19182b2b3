-- Several providers may now hold copies of one version (one id and version key): an
-- observable, whose id derives from its value, or an ATT&CK object that many import. Each
-- copy is its provider's, under its provider's policy, and a reader who may see several
-- gets one, the one stored first among those it may see (see Objects in object.go).
-- Uniqueness is (provider, id, vkey); as before, the one writer enforces it inside its
-- transaction, so no index changes.
--
-- objects gains twin: 1 on a version of which another provider holds a copy (set when the
-- second copy is stored, on every copy), so that reads look for other copies only there
-- and every other version pays nothing. It is never cleared: a stale mark costs a lookup,
-- never a wrong answer. Like expires (see 0002), it goes before raw, which takes a
-- rebuild of the table, once, with the same rows and indexes. No version had a copy
-- before, so every twin starts at 0.
CREATE TABLE objects_new (
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
	expires      INTEGER NOT NULL DEFAULT 0, -- microseconds since the Unix epoch; 0 for never
	twin         INTEGER NOT NULL DEFAULT 0, -- 1: another provider may hold a copy
	raw          BLOB    NOT NULL
);
INSERT INTO objects_new (seq, added, idh, id, type, spec_version, version, vkey, provider, policy, expires, raw)
	SELECT seq, added, idh, id, type, spec_version, version, vkey, provider, policy, expires, raw FROM objects ORDER BY seq;
DROP TABLE objects;
ALTER TABLE objects_new RENAME TO objects;
CREATE INDEX objects_idh ON objects (idh);
CREATE INDEX objects_added ON objects (added);
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_provider ON objects (provider);
