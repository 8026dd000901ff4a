-- Hostile input to the tuning functions: relations of every kind, values
-- at the edges of their types, and a search_path that shadows pg_catalog.

-- ht_try(sql): 'ok', or the error's SQLSTATE, message, detail and hint
CREATE FUNCTION ht_try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
	RETURN st || ': ' || msg || coalesce(' | ' || nullif(det, ''), '')
		|| coalesce(' | ' || nullif(hnt, ''), '');
END $$;

CREATE TABLE ht (id int, v vector(2));
INSERT INTO ht SELECT i, ('[' || i % 10 || ',' || i / 10 || ']')::vector
FROM generate_series(1, 200) i;
CREATE INDEX ht_idx ON ht USING hnsw (v);

-- every kind of relation a regclass can name
CREATE VIEW ht_view AS SELECT * FROM ht;
CREATE TEMP VIEW ht_tview AS SELECT * FROM ht;
CREATE TABLE ht_part (id int, v vector(2)) PARTITION BY RANGE (id);
CREATE TABLE ht_part1 PARTITION OF ht_part FOR VALUES FROM (0) TO (100);
CREATE TABLE ht_part2 PARTITION OF ht_part FOR VALUES FROM (100) TO (1000);
INSERT INTO ht_part SELECT * FROM ht;
CREATE INDEX ht_part_idx ON ht_part USING hnsw (v);
-- a foreign table needs no working wrapper to be refused
CREATE FOREIGN DATA WRAPPER ht_dummy;
CREATE SERVER ht_server FOREIGN DATA WRAPPER ht_dummy;
CREATE FOREIGN TABLE ht_foreign (id int, v vector(2)) SERVER ht_server;
CREATE SEQUENCE ht_seq;
CREATE TYPE ht_type AS (id int, v vector(2));
CREATE MATERIALIZED VIEW ht_mat AS SELECT * FROM ht;

CREATE TABLE ht_rels (ord int, rel text);
INSERT INTO ht_rels VALUES (1, 'ht'), (2, 'ht_mat'), (3, 'ht_view'), (4, 'ht_tview'),
	(5, 'ht_part'), (6, 'ht_foreign'), (7, 'ht_seq'), (8, 'ht_idx'), (9, 'ht_type');
CREATE TABLE ht_calls (ord int, call text);
INSERT INTO ht_calls VALUES
	(1, 'SELECT count(*) FROM hnsw_kmeans(%L, ''v'', 2)'),
	(2, 'SELECT count(*) FROM hnsw_cluster_stats(%L, ''v'', 2)'),
	(3, 'SELECT count(*) FROM hnsw_estimate_memory(%L::regclass, ''v'')'),
	(4, 'SELECT count(*) FROM hnsw_sweep(%L, ''v'', ''{4}'', ''{8}'', ''{10}'', queries => 5)'),
	(5, 'SELECT count(*) FROM hnsw_recall(''ht_idx'', %L, ''v'', queries => 5)');

-- tables and materialized views are read; every other kind is refused
-- before anything is opened
SET client_min_messages = warning;
SELECT r.rel, c.ord AS call, ht_try(format(c.call, r.rel)) AS result
FROM ht_rels r, ht_calls c ORDER BY r.ord, c.ord;
RESET client_min_messages;

-- the same for a role that may not read any of them: the kind is refused
-- first, then the privilege
CREATE ROLE hnsw_hostile_reader;
GRANT SELECT ON ht, ht_rels, ht_calls TO hnsw_hostile_reader;
SET ROLE hnsw_hostile_reader;
SET client_min_messages = warning;
SELECT r.rel, c.ord AS call, ht_try(format(c.call, r.rel)) AS result
FROM ht_rels r, ht_calls c WHERE r.rel <> 'ht' ORDER BY r.ord, c.ord;
RESET client_min_messages;
RESET ROLE;

-- a partitioned hnsw index has no pages: refused with a hint, never read
SELECT ht_try('SELECT hnsw_recall(''ht_part_idx'', queries => 5)');
SELECT ht_try('SELECT hnsw_recall_curve(''ht_part_idx'', ''{10}'', queries => 5)');
SELECT ht_try('SELECT hnsw_tune(''ht_part_idx'', queries => 5)');
SELECT ht_try('SELECT hnsw_index_stats(''ht_part_idx'')');
SELECT ht_try('SELECT hnsw_verify(''ht_part_idx'')');
-- the indexes of its partitions are ordinary indexes
SELECT c.relname, s.elements, s.heap_tids, v.elements AS verified, v.unreachable,
	   r.queries, r.recall BETWEEN 0 AND 1 AS measured
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
	 LATERAL hnsw_index_stats(c.oid) s, LATERAL hnsw_verify(c.oid) v,
	 LATERAL hnsw_recall(c.oid, queries => 5) r
WHERE i.inhparent = 'ht_part_idx'::regclass ORDER BY c.relname;
SELECT count(*) FROM pg_inherits i,
	 LATERAL hnsw_recall_curve(i.inhrelid, '{10,20}', queries => 5, seed => 1)
WHERE i.inhparent = 'ht_part_idx'::regclass;
SELECT count(*) FROM pg_inherits i, LATERAL hnsw_tune(i.inhrelid, queries => 5)
WHERE i.inhparent = 'ht_part_idx'::regclass;

-- hnsw_estimate_memory and hnsw_estimate_build_time: sizes and counts
-- beyond bigint are an error (22003), never a wrapped-around number
SELECT ht_try('SELECT hnsw_estimate_memory(9223372036854775807, 8)');
SELECT ht_try('SELECT hnsw_estimate_memory(1000000000000000, 2020)');
SELECT ht_try('SELECT hnsw_estimate_build_time(9223372036854775807, 8)');
SELECT ht_try('SELECT hnsw_estimate_build_time(100000000000000000, 2020, 100, 1000)');
-- sizes that fit are computed exactly
SELECT vector_bytes, level0_link_bytes, total_bytes > vector_bytes + level0_link_bytes AS total_ok,
	   overhead_bytes >= 0 AS overhead_ok, pages
FROM hnsw_estimate_memory(1000000000000000, 8);
-- a row count from a damaged catalog
CREATE TABLE ht_stats (v vector(2));
UPDATE pg_class SET reltuples = 1e30 WHERE oid = 'ht_stats'::regclass;
SELECT ht_try('SELECT hnsw_estimate_memory(''ht_stats''::regclass, ''v'')');
DROP TABLE ht_stats;
-- every argument is checked, m against the index's own limits
SELECT ht_try('SELECT hnsw_estimate_memory(-1, 8)');
SELECT ht_try('SELECT hnsw_estimate_memory(100, -8)');
SELECT ht_try('SELECT hnsw_estimate_memory(100, 16001)');
SELECT ht_try('SELECT hnsw_estimate_memory(100, 8, -16)');
SELECT ht_try('SELECT hnsw_estimate_memory(100, 8, 101)');
SELECT ht_try('SELECT hnsw_estimate_build_time(-1, 8)');
SELECT ht_try('SELECT hnsw_estimate_build_time(100, 8, 1)');
SELECT ht_try('SELECT hnsw_estimate_build_time(100, 8, 16, 2147483647)');

-- k-means near the ends of the float range: two clusters at x = -3e38 and
-- x = 3e38 (their squared distances do not fit in a float), and the same
-- at 1e-30 (their squares are below the smallest float)
CREATE TABLE ht_far (v vector(2));
INSERT INTO ht_far SELECT ('[' || (CASE WHEN i % 2 = 0 THEN 3e38 ELSE -3e38 END) || ','
						  || (i % 10) * 1e37 || ']')::vector
FROM generate_series(1, 100) i;
SELECT size, round((mean_distance / 1e37)::numeric, 3) AS mean_e37,
	   round((max_distance / 1e37)::numeric, 3) AS max_e37,
	   round((nearest_centroid_distance / 1e38)::numeric, 3) AS gap_e38,
	   round(separation::numeric, 1) AS separation
FROM hnsw_cluster_stats('ht_far', 'v', 2) ORDER BY cluster;
-- (the even rows' y average 4e37, the odd rows' 5e37)
SELECT count(*) FILTER (WHERE abs(c.x - 3e38) < 1e32 AND abs(c.y - 4e37) < 1e32 OR
						abs(c.x + 3e38) < 1e32 AND abs(c.y - 5e37) < 1e32) AS at_centres
FROM (SELECT centroid::real[] AS a FROM hnsw_kmeans('ht_far', 'v', 2)) k,
	 LATERAL (SELECT k.a[1]::float8 AS x, k.a[2]::float8 AS y) c;
CREATE TABLE ht_tiny (v vector(2));
INSERT INTO ht_tiny SELECT ('[' || (CASE WHEN i % 2 = 0 THEN 1e-30 ELSE -1e-30 END) || ','
						   || (i % 10) * 1e-31 || ']')::vector
FROM generate_series(1, 100) i;
SELECT size, round((mean_distance / 1e-31)::numeric, 3) AS mean_e31,
	   round((max_distance / 1e-31)::numeric, 3) AS max_e31,
	   round((nearest_centroid_distance / 1e-30)::numeric, 3) AS gap_e30,
	   round(separation::numeric, 1) AS separation
FROM hnsw_cluster_stats('ht_tiny', 'v', 2) ORDER BY cluster;

-- arguments are checked before the table is looked at (here a view)
SELECT ht_try('SELECT hnsw_kmeans(''ht_view'', ''v'', k => 0)');
SELECT ht_try('SELECT hnsw_kmeans(''ht_view'', ''v'', k => 100001)');
SELECT ht_try('SELECT hnsw_cluster_stats(''ht_view'', ''v'', iterations => -1)');
SELECT ht_try('SELECT hnsw_cluster_stats(''ht_view'', ''v'', iterations => 1001)');
SELECT ht_try('SELECT hnsw_kmeans(''ht_view'', ''v'', sample_rows => 0)');
SELECT ht_try('SELECT hnsw_kmeans(''ht_view'', ''v'', k => 10, sample_rows => 5)');
-- NULL arguments other than k give no rows, as a strict function's would
SELECT count(*) FROM hnsw_kmeans(NULL, 'v', 2);
SELECT count(*) FROM hnsw_kmeans('ht', NULL, 2);
SELECT count(*) FROM hnsw_cluster_stats('ht', 'v', 2, iterations => NULL);
SELECT count(*) FROM hnsw_cluster_stats('ht', 'v', 2, sample_rows => NULL);
SELECT count(*) FROM hnsw_kmeans('ht', 'v', 2, seed => NULL);
-- any seed will do
SELECT count(*) FROM hnsw_kmeans('ht', 'v', 2, seed => -2147483648);
-- the default k (about the square root of the rows, 14) never exceeds the sample
SELECT count(*) FROM hnsw_kmeans('ht', 'v', sample_rows => 5);
-- more clusters than the table has vectors
SELECT ht_try('SELECT hnsw_kmeans(''ht'', ''v'', k => 201)');

-- hnsw_sweep: the arguments too are checked before any work
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', ''{}'')');
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', ''{8}'', ''{NULL}'')');
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', ''{8}'', ''{32}'', ''{-1}'')');
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', ''{0}'')');
SELECT ht_try(format('SELECT hnsw_sweep(''ht_view'', ''v'', %L)',
					 array(SELECT 8 FROM generate_series(1, 101))));
SELECT ht_try(format('SELECT hnsw_sweep(''ht_view'', ''v'', ''{8}'', ''{32}'', %L)',
					 array(SELECT 10 FROM generate_series(1, 1000000))));
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', queries => 0)');
SELECT ht_try('SELECT hnsw_sweep(''ht_view'', ''v'', sample_rows => -1)');
-- a column no hnsw index can hold fails before anything is copied
CREATE TABLE ht_wide (v vector(3000));
SELECT ht_try('SELECT hnsw_sweep(''ht_wide'', ''v'', ''{4}'', ''{8}'', ''{10}'')');
DROP TABLE ht_wide;
-- no vectors to sample: the error names the table and column
CREATE TABLE ht_nulls (v vector(2));
INSERT INTO ht_nulls SELECT NULL FROM generate_series(1, 10);
SELECT ht_try('SELECT hnsw_sweep(''ht_nulls'', ''v'', ''{4}'', ''{8}'', ''{10}'')');
-- under cosine distance zero vectors are not indexed, so they are no sample
INSERT INTO ht_nulls SELECT '[0,0]' FROM generate_series(1, 10);
CREATE INDEX ON ht_nulls USING hnsw (v vector_cosine_ops);
SELECT ht_try('SELECT hnsw_sweep(''ht_nulls'', ''v'', ''{4}'', ''{8}'', ''{10}'')');

-- The sweep's sample is uniform over the whole table.  The first half of
-- ht_halves on disk lies near [0,0], the second near [100,100]; an event
-- trigger counts the sample's rows of each half when the sweep builds its
-- index.  The table was analyzed when it held only the first half.
CREATE TABLE ht_halves (v vector(2)) WITH (autovacuum_enabled = false);
INSERT INTO ht_halves SELECT ('[' || (i % 71) / 71.0 || ',' || (i % 37) / 37.0 || ']')::vector
FROM generate_series(1, 5000) i;
ANALYZE ht_halves;
INSERT INTO ht_halves SELECT ('[' || 100 + (i % 71) / 71.0 || ',' || 100 + (i % 37) / 37.0 || ']')::vector
FROM generate_series(1, 5000) i;
CREATE FUNCTION ht_count_sample() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	IF to_regclass('pg_temp.hnsw_sweep_sample') IS NOT NULL THEN
		RAISE WARNING 'sample of % rows: % in the first half, % in the second (each between 40%% and 60%%: %)',
			(SELECT count(*) FROM pg_temp.hnsw_sweep_sample),
			(SELECT count(*) FROM pg_temp.hnsw_sweep_sample WHERE v <-> '[0,0]' < 10),
			(SELECT count(*) FROM pg_temp.hnsw_sweep_sample WHERE v <-> '[0,0]' > 10),
			(SELECT count(*) FILTER (WHERE v <-> '[0,0]' < 10) BETWEEN 0.4 * count(*) AND 0.6 * count(*)
			 FROM pg_temp.hnsw_sweep_sample);
	END IF;
END $$;
CREATE EVENT TRIGGER ht_count_sample ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
	EXECUTE FUNCTION ht_count_sample();
SET client_min_messages = warning;
-- as many rows as the statistics say the table has
SELECT count(*) FROM hnsw_sweep('ht_halves', 'v', '{4}', '{8}', '{10}', queries => 5,
								sample_rows => 5000);
ANALYZE ht_halves;
-- a tenth of the table, with fresh statistics
SELECT count(*) FROM hnsw_sweep('ht_halves', 'v', '{4}', '{8}', '{10}', queries => 5,
								sample_rows => 1000);
RESET client_min_messages;
DROP EVENT TRIGGER ht_count_sample;

-- Nothing the sweep or the build-time estimate runs resolves through the
-- caller's search_path: a schema ahead of pg_catalog with its own random()
-- and vector does not change what they do.  ht_fresh has never been
-- analyzed.
CREATE TABLE ht_fresh (v vector(2)) WITH (autovacuum_enabled = false);
INSERT INTO ht_fresh SELECT v FROM ht;
CREATE SCHEMA ht_hostile;
CREATE FUNCTION ht_hostile.random() RETURNS double precision LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'ht_hostile.random() was called';
END $$;
CREATE DOMAIN ht_hostile.vector AS text;
SET search_path = ht_hostile, public, pg_catalog;
SET client_min_messages = warning;
SELECT count(*) FROM hnsw_sweep('ht_fresh', 'v', '{4}', '{8}', '{10}', queries => 5,
								sample_rows => 100);
SELECT count(*) FROM hnsw_sweep('ht', 'v', '{4}', '{8}', '{10}', queries => 5,
								sample_rows => 100);
RESET client_min_messages;
-- the build-time estimate's calibration builds an index in a temporary table
SELECT seconds > 0 AS estimated FROM hnsw_estimate_build_time(1000, 3);
RESET search_path;

DROP FUNCTION ht_hostile.random();
DROP DOMAIN ht_hostile.vector;
DROP SCHEMA ht_hostile;
DROP VIEW ht_view, ht_tview;
DROP MATERIALIZED VIEW ht_mat;
DROP FOREIGN TABLE ht_foreign;
DROP SERVER ht_server;
DROP FOREIGN DATA WRAPPER ht_dummy;
DROP TABLE ht, ht_part, ht_rels, ht_calls, ht_far, ht_tiny, ht_nulls, ht_halves,
	ht_fresh;
DROP SEQUENCE ht_seq;
DROP TYPE ht_type;
DROP FUNCTION ht_try(text), ht_count_sample();
DROP ROLE hnsw_hostile_reader;
