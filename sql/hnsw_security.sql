-- Privileges of the inspection and tuning functions (hnsw_verify,
-- hnsw_recall, hnsw_recall_curve, hnsw_tune) on a hostile owner's index.
--
-- The index's expression and predicate call functions their owner marked
-- IMMUTABLE; each call records who runs it and with what search_path, tries
-- to make its owner a superuser, to create a temporary table, to SET ROLE
-- and to change a setting, and calls lower() unqualified, which a function
-- in public shadows for a caller whose search_path puts public first.  A
-- superuser inspecting the index must lend none of its privileges: the
-- expressions run as the table's owner, in a security-restricted
-- operation, with search_path pg_catalog, pg_temp.

CREATE ROLE regress_hnsw_owner;
CREATE ROLE regress_hnsw_reader;
CREATE ROLE regress_hnsw_nobody;
CREATE SCHEMA hostile AUTHORIZATION regress_hnsw_owner;
GRANT USAGE ON SCHEMA hostile TO regress_hnsw_reader, regress_hnsw_nobody;
GRANT CREATE ON SCHEMA public TO regress_hnsw_owner;

SET ROLE regress_hnsw_owner;
CREATE TABLE hostile.seclog (who name, what text);
CREATE TABLE hostile.trap (armed boolean);
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hostile.seclog VALUES (current_user, 'the shadowing lower() ran');
	RETURN $1;
END $$;
CREATE FUNCTION hostile.note(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hostile.seclog
		VALUES (current_user, what || ' ran, search_path ' || current_setting('search_path'));
	BEGIN
		ALTER ROLE regress_hnsw_owner SUPERUSER;
		INSERT INTO hostile.seclog VALUES (current_user, 'became superuser');
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO hostile.seclog VALUES (current_user, 'ALTER ROLE: ' || SQLERRM);
	END;
	BEGIN
		CREATE TEMPORARY TABLE hostile_tmp (x int);
		INSERT INTO hostile.seclog VALUES (current_user, 'created a temporary table');
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO hostile.seclog VALUES (current_user, 'CREATE TEMPORARY TABLE: ' || SQLERRM);
	END;
	BEGIN
		SET ROLE NONE;
		INSERT INTO hostile.seclog VALUES (current_user, 'SET ROLE NONE worked');
	EXCEPTION WHEN OTHERS THEN
		INSERT INTO hostile.seclog VALUES (current_user, 'SET ROLE: ' || SQLERRM);
	END;
	PERFORM set_config('work_mem', '1234kB', false);
	PERFORM lower('X');
END $$;
CREATE FUNCTION hostile.expr(v vector) RETURNS vector LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM hostile.note('expression');
	RETURN v;
END $$;
CREATE FUNCTION hostile.pred(id int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM hostile.note('predicate');
	IF EXISTS (SELECT FROM hostile.trap) THEN
		RAISE EXCEPTION 'the owner''s predicate fails';
	END IF;
	RETURN id % 2 = 0;
END $$;
CREATE TABLE hostile.t (id int, v vector(3));
INSERT INTO hostile.t SELECT i, ARRAY[i, i % 7, i % 3] FROM generate_series(1, 40) i;
CREATE INDEX t_idx ON hostile.t USING hnsw ((hostile.expr(v)::vector(3)))
	WHERE hostile.pred(id);
RESET ROLE;
TRUNCATE hostile.seclog;

CREATE TABLE sec_queries (q vector(3));
INSERT INTO sec_queries SELECT ARRAY[i, 1, 1] FROM generate_series(1, 10) i;
CREATE VIEW sec_log AS
	SELECT DISTINCT who, what FROM hostile.seclog ORDER BY who, what;

-- as a superuser whose search_path puts public before pg_catalog
SET search_path = public, pg_catalog;
SHOW work_mem;
SELECT elements, heap_rows_checked FROM hnsw_verify('hostile.t_idx', heapallindexed => true);
-- (and the shadowing lower() did not run: pg_catalog comes first)
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;
SELECT queries, recall > 0 AS measured FROM hnsw_recall('hostile.t_idx', k => 3, queries => 5);
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;
SELECT queries, recall > 0 AS measured
FROM hnsw_recall('hostile.t_idx', 'sec_queries', 'q', k => 3, queries => 5);
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;
SELECT ef_search, queries, recall > 0 AS measured
FROM hnsw_recall_curve('hostile.t_idx', '{5,10}', k => 3, queries => 5, seed => 1);
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;
-- ALTER INDEX runs as the caller: a superuser may apply
SELECT applied FROM hnsw_tune('hostile.t_idx', 0.5, k => 3, queries => 5, apply => true);
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;
SELECT reloptions[1] LIKE 'ef_search=%' AS ef_search_set FROM pg_class
WHERE oid = 'hostile.t_idx'::regclass;
-- nothing was escalated, nor left behind
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_hnsw_owner';
SELECT current_user = session_user AS caller, current_setting('search_path');
SHOW work_mem;

-- an error in the owner's code ends the switch too, also in a subtransaction
INSERT INTO hostile.trap VALUES (true);
SELECT * FROM hnsw_verify('hostile.t_idx', heapallindexed => true);
SELECT current_user = session_user AS caller, current_setting('search_path');
DO $$
BEGIN
	PERFORM hnsw_recall('hostile.t_idx', k => 3, queries => 5);
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'caught: %', SQLERRM;
	RAISE NOTICE 'then: caller %, search_path %', current_user = session_user,
		current_setting('search_path');
END $$;
SELECT current_user = session_user AS caller, current_setting('search_path');
TRUNCATE hostile.trap;
RESET search_path;
TRUNCATE hostile.seclog;

-- hnsw_verify is revoked from PUBLIC, as amcheck's functions are
SET ROLE regress_hnsw_nobody;
SELECT * FROM hnsw_verify('hostile.t_idx');
RESET ROLE;
GRANT EXECUTE ON FUNCTION hnsw_verify(regclass, boolean) TO regress_hnsw_reader;
-- EXECUTE is not enough: reading the index needs SELECT on the table
SET ROLE regress_hnsw_reader;
SELECT * FROM hnsw_verify('hostile.t_idx', true);
SELECT * FROM hnsw_recall('hostile.t_idx');
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_queries', 'q');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{10}');
SELECT * FROM hnsw_tune('hostile.t_idx');
SELECT * FROM hnsw_index_stats('hostile.t_idx');
RESET ROLE;
GRANT SELECT ON hostile.t TO regress_hnsw_reader;
SET ROLE regress_hnsw_reader;
-- nor is SELECT on the indexed table enough for a query table
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_queries', 'q');
-- applying needs the index's owner, refused before anything is measured
SELECT * FROM hnsw_tune('hostile.t_idx', apply => true);
RESET ROLE;
SELECT count(*) AS owner_code_runs FROM hostile.seclog;
-- with SELECT, a reader's checks and measurements run the owner's code as
-- the owner, too
SET ROLE regress_hnsw_reader;
SELECT elements FROM hnsw_verify('hostile.t_idx', true);
SELECT applied FROM hnsw_tune('hostile.t_idx', 0.5, k => 3, queries => 5);
RESET ROLE;
SELECT * FROM sec_log;
TRUNCATE hostile.seclog;

-- arguments are checked before anything is opened or read
SELECT * FROM hnsw_recall('hostile.t', k => 0);
SELECT * FROM hnsw_recall('hostile.t_idx', k => 1001);
SELECT * FROM hnsw_recall('hostile.t_idx', queries => 100001);
SELECT * FROM hnsw_recall('hostile.t_idx', ef_search => 0);
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_queries', 'q', k => -1);
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_queries', 'q', ef_search => 1001);
SELECT * FROM hnsw_recall_curve('hostile.t', '{}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{NULL}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{10,NULL}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{{10},{20}}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{0}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{10,2000000000}');
SELECT * FROM hnsw_recall_curve('hostile.t_idx', array_fill(10, ARRAY[1001]));
SELECT * FROM hnsw_recall_curve('hostile.t_idx', '{10}', k => 0);
SELECT * FROM hnsw_tune('hostile.t', 'NaN');
SELECT * FROM hnsw_tune('hostile.t_idx', '-Infinity');
SELECT * FROM hnsw_tune('hostile.t_idx', 'Infinity');
SELECT * FROM hnsw_tune('hostile.t_idx', 0);
SELECT * FROM hnsw_tune('hostile.t_idx', 0.9, k => 0);
SELECT * FROM hnsw_tune('hostile.t_idx', 0.9, queries => 0);
-- NULL arguments give NULL (no rows from hnsw_recall_curve)
SELECT * FROM hnsw_verify(NULL);
SELECT * FROM hnsw_recall('hostile.t_idx', k => NULL);
SELECT count(*) FROM hnsw_recall_curve('hostile.t_idx', '{10}', queries => NULL);
SELECT * FROM hnsw_tune('hostile.t_idx', NULL);
SELECT count(*) AS owner_code_runs FROM hostile.seclog;

-- what they refuse names the user's objects
CREATE VIEW sec_view AS SELECT q FROM sec_queries;
CREATE SEQUENCE sec_seq;
SELECT * FROM hnsw_verify('sec_queries');
SELECT * FROM hnsw_verify('sec_seq');
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_view', 'q');
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_seq', 'q');
SELECT * FROM hnsw_tune('sec_view', apply => true);
CREATE TABLE sec_parted (id int, v vector(3)) PARTITION BY RANGE (id);
CREATE TABLE sec_part1 PARTITION OF sec_parted FOR VALUES FROM (0) TO (100);
CREATE INDEX sec_parted_idx ON sec_parted USING hnsw (v);
SELECT * FROM hnsw_verify('sec_parted_idx');
SELECT * FROM hnsw_recall_curve('sec_parted_idx', '{10}');
SELECT * FROM hnsw_tune('sec_parted_idx', apply => true);
SELECT * FROM hnsw_recall('hostile.t_idx', 'sec_parted', 'v');

DROP TABLE sec_parted;
DROP VIEW sec_log, sec_view;
DROP SEQUENCE sec_seq;
DROP TABLE sec_queries;
DROP SCHEMA hostile CASCADE;
DROP FUNCTION public.lower(text);
REVOKE CREATE ON SCHEMA public FROM regress_hnsw_owner;
DROP OWNED BY regress_hnsw_reader;
DROP ROLE regress_hnsw_owner, regress_hnsw_reader, regress_hnsw_nobody;
