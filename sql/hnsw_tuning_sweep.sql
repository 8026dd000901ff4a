-- hnsw_sweep: every (m, ef_construction) built on a sample and measured
SELECT setseed(0.375);
CREATE TABLE sw (id int, v vector(6));
INSERT INTO sw SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 6) WHERE i > 0)::vector
FROM generate_series(1, 1500) i;

-- its NOTICEs give timings, which vary; the rows are shown by what must hold
SET client_min_messages = warning;
CREATE TEMP TABLE swept AS
SELECT * FROM hnsw_sweep('sw', 'v', '{4,8}', '{8,16}', '{5,40}', k => 5, queries => 40,
						 sample_rows => 1000);
RESET client_min_messages;
SELECT m, ef_construction, ef_search, build_seconds > 0 AS built, index_bytes > 8192 AS sized,
	   recall BETWEEN 0 AND 1 AS recall_ok, mean_ms > 0 AS timed, p95_ms > 0 AS p95,
	   abs(queries_per_second - 1000 / mean_ms) < 1e-6 AS qps,
	   score BETWEEN 0 AND 1 AS score_ok
FROM swept ORDER BY m, ef_construction, ef_search;
-- (m = 8, ef_construction = 8) cannot be built and is skipped
SELECT count(*) FROM swept WHERE m = 8 AND ef_construction = 8;
-- a larger ef_search finds at least as much on the same queries
SELECT bool_and(b.recall >= a.recall) AS monotonic
FROM swept a JOIN swept b USING (m, ef_construction)
WHERE a.ef_search = 5 AND b.ef_search = 40;
-- every index of one configuration has one size and build time
SELECT count(DISTINCT (index_bytes, build_seconds)) = 3 AS per_configuration FROM swept;
-- the Pareto front: no row beats a pareto row everywhere, and every other
-- row is beaten by one
SELECT bool_and(pareto = NOT EXISTS (
		SELECT 1 FROM swept b
		WHERE b.recall >= a.recall AND b.mean_ms <= a.mean_ms AND b.index_bytes <= a.index_bytes
		  AND (b.recall > a.recall OR b.mean_ms < a.mean_ms OR b.index_bytes < a.index_bytes)))
	   AS pareto_ok,
	   bool_or(pareto) AS some_pareto
FROM swept a;
-- the score is 0.5 recall + 0.3 / (1 + latency / 100 ms) + 0.2 / (1 + size / 1000 MB)
SELECT bool_and(abs(score - (0.5 * recall + 0.3 / (1 + mean_ms / 100)
							 + 0.2 / (1 + index_bytes / 1048576.0 / 1000))) < 1e-9) AS score_formula
FROM swept;
-- nothing is left behind
SELECT count(*) FROM pg_class WHERE relname LIKE 'hnsw_sweep%';
-- the sample is a temporary copy: the table gets no index and stays as it was
SELECT count(*) FROM pg_index WHERE indrelid = 'sw'::regclass;

-- an existing hnsw index on the column lends its operator class
CREATE INDEX sw_cos ON sw USING hnsw (v vector_cosine_ops);
SET client_min_messages = warning;
SELECT count(*), bool_and(recall > 0.5) AS measured
FROM hnsw_sweep('sw', 'v', '{8}', '{16}', '{40}', queries => 10, sample_rows => 500);
RESET client_min_messages;
DROP INDEX sw_cos;

-- an interrupted sweep leaves nothing behind either
SET statement_timeout = '50ms';
\set VERBOSITY terse
SELECT * FROM hnsw_sweep('sw', 'v', '{16}', '{1000}', '{1000}', queries => 1000);
\set VERBOSITY default
RESET statement_timeout;
SELECT count(*) FROM pg_class WHERE relname LIKE 'hnsw_sweep%';

-- bad arguments fail before any work starts
SELECT * FROM hnsw_sweep('sw', 'v', '{}');
SELECT * FROM hnsw_sweep('sw', 'v', '{8,NULL}');
SELECT * FROM hnsw_sweep('sw', 'v', '{1}');
SELECT * FROM hnsw_sweep('sw', 'v', '{8}', '{1001}');
SELECT * FROM hnsw_sweep('sw', 'v', '{8}', '{32}', '{0}');
SELECT * FROM hnsw_sweep('sw', 'v', '{{8},{16}}');
SELECT * FROM hnsw_sweep('sw', 'v', '{32,64}', '{16,32}');
SELECT * FROM hnsw_sweep('sw', 'v', k => 0);
SELECT * FROM hnsw_sweep('sw', 'v', sample_rows => 0);
SELECT * FROM hnsw_sweep('sw', 'id');
SELECT * FROM hnsw_sweep('sw', 'nope');
CREATE TABLE sw_nodim (v vector);
SELECT * FROM hnsw_sweep('sw_nodim', 'v');
-- the caller's privileges: a role that may not read the table cannot sweep it
CREATE ROLE hnsw_sweeper;
SET ROLE hnsw_sweeper;
SELECT * FROM hnsw_sweep('sw', 'v', '{8}', '{16}', '{10}');
RESET ROLE;

DROP TABLE sw, sw_nodim;
DROP ROLE hnsw_sweeper;
