-- objects gains expires: when a version stops reaching anyone but its provider, in
-- microseconds since the Unix epoch, 0 for never. It goes before raw, not after it
-- where ALTER TABLE ADD COLUMN would put it: SQLite reads a row's columns in order, and
-- reading a value stored after a large object walks the object's overflow pages, on
-- every row a reader's query checks and every metadata-only page (twice the time for
-- objects of 40 KB). So the table is rebuilt, once, with the same rows and indexes; see
-- 0001 for why it is shaped as it is. Nothing refers to objects, so dropping the old
-- table checks no foreign key.
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
	raw          BLOB    NOT NULL
);
INSERT INTO objects_new (seq, added, idh, id, type, spec_version, version, vkey, provider, policy, raw)
	SELECT seq, added, idh, id, type, spec_version, version, vkey, provider, policy, raw FROM objects ORDER BY seq;
DROP TABLE objects;
ALTER TABLE objects_new RENAME TO objects;
CREATE INDEX objects_idh ON objects (idh);
CREATE INDEX objects_added ON objects (added);
CREATE INDEX objects_type ON objects (type);
CREATE INDEX objects_provider ON objects (provider);

-- Trust. Each is the declared value in one canonical JSON encoding (see trust.go), so
-- that Apply can tell a real change from a repeat by comparing the text.
ALTER TABLE organizations ADD COLUMN attestations TEXT NOT NULL DEFAULT '[]'; -- [{"name","expires"}]
ALTER TABLE organizations ADD COLUMN affiliations TEXT NOT NULL DEFAULT '[]'; -- [{"name","country"}]
ALTER TABLE circles ADD COLUMN rules TEXT NOT NULL DEFAULT '{}'; -- firebreak.CircleRules
