-- hnsw.scan_mem_multiplier: how many times work_mem an iterative index scan
-- may use for its candidates before it stops searching further

-- 10,000 rows, 10 of them in category 7.  (Building the index also loads
-- the library, which defines the setting.)
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT setseed(0.25);
CREATE TABLE sm (id int PRIMARY KEY, category int, v vector(8));
INSERT INTO sm
SELECT i, i % 1000, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 10000) i;
SET max_parallel_maintenance_workers = 0;	-- the same graph every run
CREATE INDEX sm_idx ON sm USING hnsw (v);
ANALYZE sm;

-- the setting
SHOW hnsw.scan_mem_multiplier;
SELECT setting, unit, vartype, min_val, max_val, boot_val, context
FROM pg_settings WHERE name = 'hnsw.scan_mem_multiplier';
SET hnsw.scan_mem_multiplier = 2;
SHOW hnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 1.5;
SHOW hnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 1000;
SHOW hnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 1;
SHOW hnsw.scan_mem_multiplier;
-- out of range or not a number: errors, the setting stays
SET hnsw.scan_mem_multiplier = 0.5;
SET hnsw.scan_mem_multiplier = 0;
SET hnsw.scan_mem_multiplier = -1;
SET hnsw.scan_mem_multiplier = 1000.5;
SET hnsw.scan_mem_multiplier = 'lots';
SHOW hnsw.scan_mem_multiplier;
SET hnsw.scan_mem_multiplier = 7;
RESET hnsw.scan_mem_multiplier;
SHOW hnsw.scan_mem_multiplier;

-- The effect.  The 10 rows of category 7 are far fewer than a first round
-- of ef_search = 40 candidates holds: an iterative scan finds them only by
-- searching round after round, each keeping twice as many candidates.
CREATE TEMP TABLE sm_found (label text, n int);
CREATE FUNCTION sm_search(label text) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO sm_found
	SELECT label, count(*)
	FROM (SELECT id FROM sm WHERE category = 7
		  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) s
$$;

SET hnsw.iterative_scan = relaxed_order;
-- the smallest work_mem, times 1: the scan stops after a round or two
SET work_mem = '64kB';
SELECT sm_search('64kB x 1');
-- the same work_mem times 1000 (64 MB): the scan goes on to find all 10
SET hnsw.scan_mem_multiplier = 1000;
SELECT sm_search('64kB x 1000');
-- the limit is the product: 64 MB of work_mem times 1 does the same
SET work_mem = '64MB';
SET hnsw.scan_mem_multiplier = 1;
SELECT sm_search('64MB x 1');
-- strict_order is limited alike
SET hnsw.iterative_scan = strict_order;
SET work_mem = '64kB';
SELECT sm_search('strict, 64kB x 1');
SET hnsw.scan_mem_multiplier = 1000;
SELECT sm_search('strict, 64kB x 1000');
SELECT label, n <= 3 AS stopped_early, n >= 8 AS found_most
FROM sm_found ORDER BY label;

-- the scan says why it stopped, at DEBUG1
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.scan_mem_multiplier = 1;
SET client_min_messages = debug1;
\set VERBOSITY terse
SELECT count(*) <= 3 AS stopped_early
FROM (SELECT id FROM sm WHERE category = 7
	  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) s;
RESET client_min_messages;
\set VERBOSITY default

-- the first round is never limited: without iterative scans, ef_search
-- rows even with 64 kB times 1
SET hnsw.iterative_scan = off;
SELECT count(*) AS rows
FROM (SELECT id FROM sm ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100) s;

RESET work_mem;
RESET hnsw.scan_mem_multiplier;
RESET hnsw.iterative_scan;
RESET max_parallel_maintenance_workers;
DROP FUNCTION sm_search;
DROP TABLE sm;
