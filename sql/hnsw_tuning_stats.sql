-- hnsw_index_stats, the search statistics and the ef_search index option
SELECT setseed(0.5);
CREATE TABLE st (id int PRIMARY KEY, v vector(16));
INSERT INTO st SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
FROM generate_series(1, 2000) i;
CREATE INDEX st_idx ON st USING hnsw (v) WITH (m = 8, ef_construction = 32);

-- Levels are drawn at random, so only what must hold is shown: every
-- element is on level 0, no level holds more than the one below, link
-- counts stay within 2m and m, sizes match the relation.
SELECT elements, deleted_elements, heap_tids, dimensions, m, ef_construction,
	   ef_search, metric,
	   max_level = cardinality(elements_per_level) - 1 AS levels_match,
	   elements_per_level[1] = elements AS all_on_level_0,
	   (SELECT bool_and(elements_per_level[l] >= elements_per_level[l + 1])
		FROM generate_series(1, cardinality(elements_per_level) - 1) l) AS levels_shrink,
	   entry_point IS NOT NULL AS has_entry,
	   level0_neighbors_min >= 1 AND level0_neighbors_max <= 16 AS level0_links_ok,
	   level0_neighbors_mean BETWEEN level0_neighbors_min AND level0_neighbors_max AS level0_mean_ok,
	   upper_neighbors_max IS NULL OR upper_neighbors_max <= 8 AS upper_links_ok,
	   bytes = pg_relation_size('st_idx') AS bytes_match,
	   pages * 8192 = bytes AS pages_match,
	   bytes_per_vector = bytes / 2000.0 AS per_vector
FROM hnsw_index_stats('st_idx');

-- rows with the same vector share an element; deleted rows are flagged by
-- vacuum and then freed
INSERT INTO st SELECT 3000 + i, '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' FROM generate_series(1, 5) i;
SELECT elements, heap_tids FROM hnsw_index_stats('st_idx');
DELETE FROM st WHERE id <= 500;
SELECT elements, deleted_elements, heap_tids FROM hnsw_index_stats('st_idx');
VACUUM st;
SELECT elements, deleted_elements, heap_tids FROM hnsw_index_stats('st_idx');

-- other metrics, an empty index
CREATE TABLE st_empty (v vector(3));
CREATE INDEX st_empty_cos ON st_empty USING hnsw (v vector_cosine_ops);
CREATE INDEX st_empty_ip ON st_empty USING hnsw (v vector_ip_ops);
CREATE INDEX st_empty_l1 ON st_empty USING hnsw (v vector_l1_ops);
SELECT i, s.* FROM unnest(ARRAY['st_empty_cos', 'st_empty_ip', 'st_empty_l1']::regclass[]) i,
	LATERAL hnsw_index_stats(i) s;

-- what it refuses
SELECT * FROM hnsw_index_stats('st');
SELECT * FROM hnsw_index_stats('st_pkey');
SELECT * FROM hnsw_index_stats(0);
CREATE ROLE hnsw_stats_reader;
SET ROLE hnsw_stats_reader;
SELECT * FROM hnsw_index_stats('st_idx');
RESET ROLE;

-- Search statistics.  Without shared_preload_libraries they are this
-- backend's own.
SET enable_seqscan = off;
SELECT hnsw_stat_reset();
SELECT * FROM hnsw_stat_indexes();
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 5) x;
SELECT indexrelid, scans, elements_visited > 0 AS visited, distance_computations >= elements_visited AS distances,
	   tuples_returned, scope
FROM hnsw_stat_indexes();
-- a join runs one search per outer row (a rescan each)
SELECT count(*) FROM (SELECT * FROM st ORDER BY id LIMIT 4) q
	CROSS JOIN LATERAL (SELECT id FROM st s ORDER BY s.v <-> q.v LIMIT 3) r;
SELECT scans, tuples_returned FROM hnsw_stat_indexes();
SELECT hnsw_stat_reset();
SELECT scans, elements_visited, distance_computations, tuples_returned FROM hnsw_stat_indexes();
-- resetting shared counters is for those who were granted it
SET ROLE hnsw_stats_reader;
SELECT hnsw_stat_reset();
SELECT count(*) FROM hnsw_stat_indexes();
RESET ROLE;

-- The index's own ef_search.  With iterative scans off a scan returns the
-- rows of at most ef_search elements, which shows which value it used.
SET hnsw.iterative_scan = off;
ALTER INDEX st_idx SET (ef_search = 3);
SELECT ef_search FROM hnsw_index_stats('st_idx');
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
-- a value set in the session wins
SET hnsw.ef_search = 5;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
-- even when it equals the default
SET hnsw.ef_search = 40;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
RESET hnsw.ef_search;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
-- SET LOCAL, and a function's SET clause, win too
BEGIN;
SET LOCAL hnsw.ef_search = 7;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
COMMIT;
CREATE FUNCTION st_nearest() RETURNS bigint LANGUAGE sql SET hnsw.ef_search = 6
	AS $$ SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x $$;
SELECT st_nearest();
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
-- reloptions show it; RESET removes it
SELECT reloptions FROM pg_class WHERE relname = 'st_idx';
ALTER INDEX st_idx RESET (ef_search);
SELECT ef_search FROM hnsw_index_stats('st_idx');
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) x;
-- at creation, and its limits
CREATE INDEX st_idx2 ON st USING hnsw (v) WITH (ef_search = 100);
SELECT ef_search FROM hnsw_index_stats('st_idx2');
ALTER INDEX st_idx SET (ef_search = 0);
ALTER INDEX st_idx SET (ef_search = 1001);
RESET hnsw.iterative_scan;
RESET enable_seqscan;

DROP FUNCTION st_nearest();
DROP TABLE st, st_empty;
DROP ROLE hnsw_stats_reader;
