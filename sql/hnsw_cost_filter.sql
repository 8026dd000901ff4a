-- The cost estimate sees the query's filter: through a selective filter an
-- hnsw scan must find about LIMIT / selectivity elements (or, without
-- iterative scans, cannot return the LIMIT's rows at all), so an exact plan
-- that reads only the rows passing the filter wins; through a loose one the
-- index wins.  Statistics come from ANALYZE of a table small enough to be
-- read whole, so the plans do not depend on sampling.
SELECT setseed(0.14);
CREATE TABLE fpts (id int, c100 int, c10 int, c2 int, v vector(32));
INSERT INTO fpts
SELECT i, (random() * 99)::int, (random() * 9)::int, (random() * 1)::int,
	(SELECT array_agg(random()) FROM generate_series(1, 32) WHERE i > 0)::vector
FROM generate_series(1, 10000) i;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX fpts_v_idx ON fpts USING hnsw (v) WITH (m = 8, ef_construction = 32);
RESET max_parallel_maintenance_workers;
VACUUM ANALYZE fpts;
SET hnsw.ef_search = 40;

-- the plan of each filter, in each iterative mode
CREATE FUNCTION filter_plans() RETURNS TABLE (mode text, filter text, plan text)
LANGUAGE plpgsql AS $$
DECLARE
	line text;
	shape text;
BEGIN
	FOREACH mode IN ARRAY ARRAY['off', 'relaxed_order', 'strict_order'] LOOP
		PERFORM set_config('hnsw.iterative_scan', mode, true);
		FOREACH filter IN ARRAY ARRAY['c100 = 7', 'c10 = 7', 'c2 = 1', 'true'] LOOP
			shape := NULL;
			FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM fpts WHERE %s
				ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1) LIMIT 10', filter) LOOP
				-- the scan that feeds the Limit (after the InitPlan's own scan)
				IF line ~ '^\s*->\s+(Index Scan|Bitmap Heap Scan|Seq Scan) .*on fpts\s*$' THEN
					shape := substring(line from '->\s+(.*)$');
				END IF;
			END LOOP;
			plan := shape;
			RETURN NEXT;
		END LOOP;
	END LOOP;
END;
$$;

-- without an index on the filter column: a sequential scan and sort at 1%
SELECT * FROM filter_plans();

-- with a btree index on it: a bitmap scan and sort at 1%, the hnsw index at
-- 10% and 50%, in every mode
CREATE INDEX fpts_c100_idx ON fpts (c100);
CREATE INDEX fpts_c10_idx ON fpts (c10);
CREATE INDEX fpts_c2_idx ON fpts (c2);
ANALYZE fpts;
SELECT * FROM filter_plans();
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM fpts WHERE c100 = 7
	ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fpts WHERE c10 = 7
	ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1) LIMIT 10;
RESET hnsw.iterative_scan;

-- the row estimate is what the scan can return: without iterative scans
-- ef_search elements of which the filter keeps a tenth; with them, up to
-- hnsw.max_scan_tuples elements
CREATE FUNCTION index_rows(filter text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	SET LOCAL enable_sort = off;
	EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM fpts WHERE %s
		ORDER BY v <-> ''[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'' LIMIT 10',
		filter) INTO plan;
	RETURN (plan -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Plan Rows')::float8;
END;
$$;
SET hnsw.iterative_scan = off;
SELECT index_rows('c10 = 7') BETWEEN 3 AND 5 AS off_rows_capped;
SELECT index_rows('true') AS off_rows_unfiltered;
SET hnsw.iterative_scan = relaxed_order;
SELECT index_rows('c10 = 7') BETWEEN 900 AND 1200 AS iterative_rows;
SET hnsw.max_scan_tuples = 1000;
SELECT index_rows('c10 = 7') BETWEEN 90 AND 120 AS iterative_rows_capped;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;

-- the unfiltered query keeps the index, with and without a LIMIT the
-- scan can reach; ordering the whole table without a LIMIT does not
EXPLAIN (COSTS OFF) SELECT id FROM fpts ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1) LIMIT 100;
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM fpts ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1) LIMIT 100;
EXPLAIN (COSTS OFF) SELECT id FROM fpts ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1);
RESET hnsw.iterative_scan;
EXPLAIN (COSTS OFF) SELECT id FROM fpts ORDER BY v <-> (SELECT v FROM fpts WHERE id = 1);

DROP FUNCTION filter_plans();
DROP FUNCTION index_rows(text);
DROP TABLE fpts;
RESET hnsw.ef_search;
