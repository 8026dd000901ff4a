-- Builds: large vectors, a graph that outgrows maintenance_work_mem,
-- cancellation, and the dimension limit
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;

-- 2000 dimensions: the links of such elements live in a separate tuple
CREATE TABLE big (id int, v vector(2000));
INSERT INTO big SELECT i, array_fill(i::float4, ARRAY[2000])::vector FROM generate_series(1, 60) i;
CREATE INDEX big_idx ON big USING hnsw (v);
INSERT INTO big SELECT i, array_fill(i::float4, ARRAY[2000])::vector FROM generate_series(61, 120) i;
SELECT id FROM big ORDER BY v <-> array_fill(30.2::float4, ARRAY[2000])::vector LIMIT 3;
SELECT id FROM big ORDER BY v <-> array_fill(100.2::float4, ARRAY[2000])::vector LIMIT 3;
SELECT count(*) FROM (SELECT id FROM big ORDER BY v <-> array_fill(0::float4, ARRAY[2000])::vector LIMIT 500) s;
DROP TABLE big;

-- too many dimensions for one element per page
CREATE TABLE huge (v vector(2100));
CREATE INDEX ON huge USING hnsw (v);
DROP TABLE huge;

-- a graph that outgrows maintenance_work_mem: the rest is inserted on disk
CREATE TABLE spill (id int, v vector(3));
INSERT INTO spill SELECT i, ARRAY[i, i % 11, i % 13]::vector FROM generate_series(1, 9000) i;
SET maintenance_work_mem = '1MB';
CREATE INDEX spill_idx ON spill USING hnsw (v) WITH (m = 4, ef_construction = 16);
RESET maintenance_work_mem;
SELECT id FROM spill ORDER BY v <-> '[8000.2,3,5]' LIMIT 3;
SELECT id FROM spill ORDER BY v <-> '[10.2,10,10]' LIMIT 3;
SET hnsw.ef_search = 40;
-- every row is found by a search for its own vector
SELECT count(*) AS found FROM spill s,
	LATERAL (SELECT id FROM spill t ORDER BY t.v <-> s.v LIMIT 1) n
WHERE n.id = s.id;
SET hnsw.ef_search = 1000;

-- a build can be cancelled
SET statement_timeout = '50ms';
CREATE INDEX spill_idx2 ON spill USING hnsw (v) WITH (m = 32, ef_construction = 400);
RESET statement_timeout;
SELECT count(*) FROM pg_class WHERE relname = 'spill_idx2';

DROP TABLE spill;
