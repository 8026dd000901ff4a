-- hnsw_recall, hnsw_recall_curve and hnsw_tune
SELECT setseed(0.125);
CREATE TABLE rc (id int PRIMARY KEY, v vector(8));
INSERT INTO rc SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 3000) i;
CREATE INDEX rc_idx ON rc USING hnsw (v) WITH (m = 8, ef_construction = 32);
CREATE TABLE rc_queries (q vector(8));
INSERT INTO rc_queries SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 50) i;

-- Measured figures vary from run to run (the sample is random, the
-- latencies are timed), so only bounds are shown.
SELECT ef_search, queries, recall > 0.9 AS good_recall, mean_ms > 0 AS timed,
	   p95_ms > 0 AS p95, elements_visited > 0 AS visited,
	   distance_computations > elements_visited AS distances
FROM hnsw_recall('rc_idx');
SELECT ef_search, queries, recall >= 0.95 AS high_recall
FROM hnsw_recall('rc_idx', k => 5, queries => 20, ef_search => 200);
-- queries from another table; more than it has means all of them
SELECT ef_search, queries, recall > 0.9 AS good_recall
FROM hnsw_recall('rc_idx', 'rc_queries', 'q', queries => 1000, ef_search => 100);
-- a small ef_search returns fewer than k rows: recall at most ef_search / k
SELECT ef_search, recall <= 0.2 AS capped FROM hnsw_recall('rc_idx', k => 10, ef_search => 2);
-- without ef_search it measures what scans use: the session's setting, else
-- the index's option
SET hnsw.ef_search = 17;
SELECT ef_search FROM hnsw_recall('rc_idx', queries => 5);
RESET hnsw.ef_search;
ALTER INDEX rc_idx SET (ef_search = 23);
SELECT ef_search FROM hnsw_recall('rc_idx', queries => 5);
ALTER INDEX rc_idx RESET (ef_search);
SELECT ef_search FROM hnsw_recall('rc_idx', queries => 5);
SHOW hnsw.ef_search;

-- the curve measures every ef_search with the same queries: recall grows
-- with ef_search (allowing for a query that a larger search happens to do
-- worse on)
SELECT ef_search, queries FROM hnsw_recall_curve('rc_idx', '{1,5,20,80}', queries => 30, seed => 7);
SELECT bool_and(recall >= prev - 0.02) AS growing
FROM (SELECT recall, lag(recall, 1, 0.0) OVER (ORDER BY ef_search) AS prev
	  FROM hnsw_recall_curve('rc_idx', '{1,2,4,8,16,32,64}', seed => 7)) c;
-- a seed repeats the sample
SELECT a.recall = b.recall AS same
FROM hnsw_recall_curve('rc_idx', '{4}', seed => 3) a,
	 hnsw_recall_curve('rc_idx', '{4}', seed => 3) b;

-- ties: every row has the same vector, so any k rows are right
CREATE TABLE rc_same (v vector(2));
INSERT INTO rc_same SELECT '[1,1]' FROM generate_series(1, 300);
CREATE INDEX ON rc_same USING hnsw (v);
SELECT queries, recall FROM hnsw_recall('rc_same_v_idx', ef_search => 50);
-- fewer rows than k
CREATE TABLE rc_tiny (v vector(2));
INSERT INTO rc_tiny VALUES ('[1,2]'), ('[3,4]'), ('[5,6]');
CREATE INDEX ON rc_tiny USING hnsw (v);
-- (as a query table, its rows find themselves too; searched for as the
-- table's own rows, each is left out of the graph, which a graph this small
-- may not survive)
SELECT queries, recall FROM hnsw_recall('rc_tiny_v_idx', 'rc_tiny', 'v');
-- cosine: the query vectors are normalized as the index stores them
CREATE INDEX rc_cos ON rc USING hnsw (v vector_cosine_ops);
SELECT recall > 0.9 AS good_recall FROM hnsw_recall('rc_cos', ef_search => 100);
-- expression and partial indexes: the exact answer applies them too
CREATE INDEX rc_expr ON rc USING hnsw (((v * '[2,2,2,2,2,2,2,2]')::vector(8)) vector_l2_ops)
	WHERE id % 2 = 0;
SELECT queries, recall > 0.9 AS good_recall FROM hnsw_recall('rc_expr', ef_search => 100);
DROP INDEX rc_cos, rc_expr;

-- hnsw_tune: the smallest ef_search that reaches the target on its sample
SET enable_seqscan = off;
SELECT ef_search BETWEEN 1 AND 1000 AS in_range, recall >= 0.9 AS reached, queries, applied
FROM hnsw_tune('rc_idx', 0.9);
SELECT reloptions FROM pg_class WHERE relname = 'rc_idx';
-- with apply it becomes the index's option, which scans then use
CREATE TEMP TABLE tuned AS SELECT * FROM hnsw_tune('rc_idx', 0.8, queries => 50, apply => true);
SELECT applied, (SELECT ef_search FROM hnsw_index_stats('rc_idx')) = ef_search AS stored
FROM tuned;
SELECT (SELECT ef_search FROM hnsw_recall('rc_idx', queries => 1)) = ef_search AS scans_use_it
FROM tuned;
SET hnsw.iterative_scan = off;
SELECT (SELECT count(*) FROM (SELECT 1 FROM rc ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000) x)
	= ef_search AS rows_match
FROM tuned;
-- a session setting still wins
SET hnsw.ef_search = 3;
SELECT count(*) FROM (SELECT 1 FROM rc ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000) x;
RESET hnsw.ef_search;
RESET hnsw.iterative_scan;
-- a higher target needs a larger ef_search: at least k = 10 for 0.99
SELECT a.ef_search < b.ef_search AS larger, b.ef_search >= 10 AS at_least_k
FROM hnsw_tune('rc_idx', 0.5, queries => 30) a, hnsw_tune('rc_idx', 0.99, queries => 30) b;
-- applying needs the index's owner
CREATE ROLE hnsw_tuner;
GRANT SELECT ON rc TO hnsw_tuner;
SET ROLE hnsw_tuner;
-- (terse: the context would name the ef_search found, which varies)
\set VERBOSITY terse
SELECT applied FROM hnsw_tune('rc_idx', 0.5, queries => 5, apply => true);
\set VERBOSITY default
SELECT applied FROM hnsw_tune('rc_idx', 0.5, queries => 5);
RESET ROLE;
RESET enable_seqscan;

-- errors
SELECT * FROM hnsw_recall('rc_idx', k => 0);
SELECT * FROM hnsw_recall('rc_idx', k => 1001);
SELECT * FROM hnsw_recall('rc_idx', queries => 0);
SELECT * FROM hnsw_recall('rc_idx', ef_search => 0);
SELECT * FROM hnsw_recall('rc_idx', ef_search => 1001);
SELECT * FROM hnsw_recall('rc', 10);
SELECT * FROM hnsw_recall('rc_pkey');
SELECT * FROM hnsw_recall('rc_idx', 'rc', 'id');
SELECT * FROM hnsw_recall('rc_idx', 'rc', 'nope');
SELECT * FROM hnsw_recall('rc_same_v_idx', 'rc', 'v');
SELECT * FROM hnsw_recall_curve('rc_idx', '{}');
SELECT * FROM hnsw_recall_curve('rc_idx', '{10,NULL}');
SELECT * FROM hnsw_recall_curve('rc_idx', '{{10},{20}}');
SELECT * FROM hnsw_recall_curve('rc_idx', '{0}');
SELECT * FROM hnsw_tune('rc_idx', 0);
SELECT * FROM hnsw_tune('rc_idx', 1.01);
SELECT * FROM hnsw_tune('rc_idx', 'NaN');
CREATE TABLE rc_empty (v vector(2));
CREATE INDEX rc_empty_idx ON rc_empty USING hnsw (v);
SELECT * FROM hnsw_recall('rc_empty_idx');
-- privileges: reading the table needs SELECT, and no row-level security
SET ROLE hnsw_tuner;
SELECT * FROM hnsw_recall('rc_same_v_idx');
RESET ROLE;
ALTER TABLE rc ENABLE ROW LEVEL SECURITY;
CREATE POLICY rc_some ON rc USING (id < 100);
SET ROLE hnsw_tuner;
SELECT * FROM hnsw_recall('rc_idx');
RESET ROLE;
-- NULL arguments give NULL
SELECT * FROM hnsw_recall(NULL);
SELECT count(*) FROM hnsw_recall_curve('rc_idx', NULL);

DROP TABLE rc, rc_queries, rc_same, rc_tiny, rc_empty;
DROP ROLE hnsw_tuner;
