-- Ingests from several nodes commit side by side instead of one at a time. Until now
-- every ingest held the row lock of ingest_state from its first lookup to its commit;
-- from here on, what must be sequential is much smaller (see object.go):
--
--   - An ingest locks each id it stores (id_locks) until commit: two ingests of the same
--     id wait for each other (so one id has one provider, and the same version submitted
--     twice at once is stored once); ingests of different ids do not.
--   - seq and the date added are reserved by ingest_reserve, under a lock held only for
--     the reservation. The reserving transaction holds an advisory lock named after its
--     first seq until it ends, and readers (ingest_horizon) wait for, or stay below, every
--     reservation still in flight: a cursor never passes a seq that commits later.
--   - New policy ids are taken under a transaction lock, so they still become visible in
--     id order.

-- One row per id hash ever stored, there to be locked: the row lock, not the row, is
-- what matters. Ids whose hashes collide share a lock, which costs nothing but a wait.
-- Rows are made on demand, so a restore need not fill the table, and the table is
-- unlogged: it costs no WAL, and a crash that empties it loses nothing.
CREATE UNLOGGED TABLE id_locks (
	idh bigint PRIMARY KEY
);

-- The live high-water marks of seq and the date added (µs). A sequence is not
-- transactional: a reservation is seen by every node at once, and never handed out
-- twice, whether or not its transaction commits. ingest_state keeps the marks a restore
-- sets (it is no longer written by ingests); the live mark is the greater of the two.
CREATE SEQUENCE ingest_seq MINVALUE 0 START 0;
CREATE SEQUENCE ingest_added MINVALUE 0 START 0;
SELECT setval('ingest_seq', (SELECT last_seq FROM ingest_state WHERE id = 1), true);
SELECT setval('ingest_added', (SELECT max_added FROM ingest_state WHERE id = 1), true);

-- ingest_lock_space is this schema's share of the database's advisory lock keys: a key
-- is space << 40 | seq, so that stores in other schemas of one database (tests do that)
-- neither see nor wait for each other's reservations.
CREATE FUNCTION ingest_lock_space() RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT (hashtext(current_schema()) & 8388607)::bigint
$$;

-- ingest_reserve hands out n seqs from first_seq on and a date added: now_us, but always
-- after every date added before. It takes the transaction's in-flight lock on first_seq
-- before it moves the marks, both under a short session lock, so that a reader that has
-- seen a mark also sees the lock of every reservation below it.
CREATE FUNCTION ingest_reserve(n bigint, now_us bigint, OUT first_seq bigint, OUT added bigint)
LANGUAGE plpgsql AS $$
DECLARE
	space bigint := ingest_lock_space();
	last_seq bigint;
	last_added bigint;
BEGIN
	PERFORM pg_advisory_lock(space::int, 1);
	BEGIN
		SELECT greatest(s.last_value, i.last_seq), greatest(a.last_value, i.max_added)
			INTO last_seq, last_added
			FROM ingest_seq s, ingest_added a, ingest_state i WHERE i.id = 1;
		first_seq := last_seq + 1;
		added := greatest(now_us, last_added + 1);
		PERFORM pg_advisory_xact_lock(space << 40 | first_seq);
		PERFORM setval('ingest_seq', last_seq + n, true);
		PERFORM setval('ingest_added', added, true);
	EXCEPTION WHEN OTHERS OR query_canceled THEN
		-- OTHERS leaves out a cancel, which would leave the session lock held by a pooled
		-- connection, and every node's ingests waiting for it.
		PERFORM pg_advisory_unlock(space::int, 1);
		RAISE;
	END;
	PERFORM pg_advisory_unlock(space::int, 1);
END
$$;

-- ingest_horizon returns the seq below which every version that will ever commit has
-- committed: it reads the mark, then waits (up to wait_ms for each) for the reservations
-- under the mark still in flight. A reservation that outlasts the wait, or any when
-- wait_ms is 0, bounds the horizon instead: the reader does not see past it yet, and
-- loses nothing.
CREATE FUNCTION ingest_horizon(wait_ms int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	space bigint := ingest_lock_space();
	mark bigint;
	k bigint;
BEGIN
	SELECT greatest(s.last_value, i.last_seq) INTO mark FROM ingest_seq s, ingest_state i WHERE i.id = 1;
	FOR k IN SELECT (l.classid::bigint & 255) << 32 | l.objid::bigint FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint >> 8 = space
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY 1
	LOOP
		EXIT WHEN k > mark;
		IF wait_ms <= 0 THEN
			RETURN k;
		END IF;
		BEGIN
			PERFORM set_config('lock_timeout', wait_ms || 'ms', true);
			PERFORM pg_advisory_xact_lock_shared(space << 40 | k);
		EXCEPTION WHEN lock_not_available THEN
			RETURN k;
		END;
	END LOOP;
	RETURN mark + 1;
END
$$;
