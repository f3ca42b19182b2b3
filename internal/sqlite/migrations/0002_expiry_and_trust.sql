-- When a version stops reaching anyone but its provider: microseconds since the Unix
-- epoch, 0 for never. Readers' queries hide a version once the hub's clock reaches it.
ALTER TABLE objects ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;

-- Trust. Each is the declared value in one canonical JSON encoding (see trust.go), so
-- that Apply can tell a real change from a repeat by comparing the text.
ALTER TABLE organizations ADD COLUMN attestations TEXT NOT NULL DEFAULT '[]'; -- [{"name","expires"}]
ALTER TABLE organizations ADD COLUMN affiliations TEXT NOT NULL DEFAULT '[]'; -- [{"name","country"}]
ALTER TABLE circles ADD COLUMN rules TEXT NOT NULL DEFAULT '{}'; -- firebreak.CircleRules
