-- Index scans return as many rows as a sequential scan, whatever the query
-- vector: NULL, a zero vector under cosine distance, or one whose distances
-- overflow to infinity (or NaN).  Rows come in the order ORDER BY gives:
-- -inf first, +inf after the finite distances, NaN last.
SET enable_bitmapscan = off;

-- Runs "query", whose rows are one distance d each in ORDER BY order, with
-- the index and with a sequential scan and sort; reports the rows of each,
-- whether the distances came in the same order, and whether the first plan
-- used the index.
CREATE FUNCTION compare_scans(query text, OUT index_used boolean,
							  OUT index_rows int, OUT seq_rows int,
							  OUT same_order boolean)
LANGUAGE plpgsql AS $$
DECLARE
	line text;
	by_index float8[];
	by_seq float8[];
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_indexscan = on;
	index_used := false;
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		index_used := index_used OR line LIKE '%Index Scan using%';
	END LOOP;
	EXECUTE 'SELECT array_agg(d) FROM (' || query || ') s' INTO by_index;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE 'SELECT array_agg(d) FROM (' || query || ') s' INTO by_seq;
	index_rows := coalesce(array_length(by_index, 1), 0);
	seq_rows := coalesce(array_length(by_seq, 1), 0);
	same_order := by_index IS NOT DISTINCT FROM by_seq;
END $$;

-- 60 rows of small vectors, none of them zero
CREATE TABLE sa (id int PRIMARY KEY, v vector(3));
INSERT INTO sa SELECT i, ARRAY[i % 7, i % 5, 1 + i / 10]::vector
FROM generate_series(1, 60) i;
CREATE INDEX sa_l2 ON sa USING hnsw (v vector_l2_ops);
CREATE INDEX sa_cos ON sa USING hnsw (v vector_cosine_ops);
SET hnsw.ef_search = 100;

-- A NULL query vector: every distance is NULL, so ORDER BY returns the
-- rows in any order; so does the index.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector) LIMIT 5;
SELECT * FROM compare_scans(
	'SELECT v <-> (SELECT NULL::vector) AS d FROM sa
	 ORDER BY v <-> (SELECT NULL::vector) LIMIT 5');
SELECT * FROM compare_scans(
	'SELECT v <-> (SELECT NULL::vector) AS d FROM sa
	 ORDER BY v <-> (SELECT NULL::vector)');
-- each row once
SET enable_seqscan = off;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows
FROM (SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector)) s;

-- a zero query vector under cosine distance: every distance is NaN
EXPLAIN (COSTS OFF)
SELECT id FROM sa ORDER BY v <=> '[0,0,0]' LIMIT 5;
SELECT * FROM compare_scans(
	'SELECT v <=> ''[0,0,0]'' AS d FROM sa ORDER BY v <=> ''[0,0,0]'' LIMIT 5');
SELECT * FROM compare_scans(
	'SELECT v <=> ''[0,0,0]'' AS d FROM sa ORDER BY v <=> ''[0,0,0]''');

-- Such a scan returns what a search would: ef_search rows, and with an
-- iterative scan more, up to hnsw.max_scan_tuples.
SET hnsw.ef_search = 10;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector)) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector)) s;
SELECT count(*) FROM (SELECT id FROM sa WHERE id % 2 = 0
					  ORDER BY v <=> '[0,0,0]' LIMIT 25) s;
SET hnsw.max_scan_tuples = 15;
SELECT count(*) FROM (SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector)) s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
SET hnsw.ef_search = 100;

-- LATERAL: the index scan is rescanned once per outer row, with NULL
-- vectors among the others
CREATE TABLE sa_queries (qid int, v vector(3));
INSERT INTO sa_queries VALUES
	(1, '[1,1,1]'), (2, NULL), (3, '[2,3,4]'), (4, NULL), (5, '[0,0,0]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT q.qid, count(s.id)
FROM sa_queries q
LEFT JOIN LATERAL (SELECT id FROM sa ORDER BY sa.v <-> q.v LIMIT 3) s ON true
GROUP BY q.qid ORDER BY q.qid;
SELECT q.qid, count(s.id)
FROM sa_queries q
LEFT JOIN LATERAL (SELECT id FROM sa ORDER BY sa.v <-> q.v LIMIT 3) s ON true
GROUP BY q.qid ORDER BY q.qid;
SELECT q.qid, count(s.id)
FROM sa_queries q
LEFT JOIN LATERAL (SELECT id FROM sa ORDER BY sa.v <=> q.v LIMIT 3) s ON true
GROUP BY q.qid ORDER BY q.qid;
-- and the same with a sequential scan
SET enable_seqscan = on;
SET enable_indexscan = off;
SELECT q.qid, count(s.id)
FROM sa_queries q
LEFT JOIN LATERAL (SELECT id FROM sa ORDER BY sa.v <-> q.v LIMIT 3) s ON true
GROUP BY q.qid ORDER BY q.qid;
RESET enable_indexscan;

-- Squared differences past the float4 range make L2 distances infinite.
-- Rows 1-18 are far apart on the first axis (their distances to each
-- other stay finite), rows 19-22 near the origin.
CREATE TABLE sa_inf (id int PRIMARY KEY, v vector(3));
INSERT INTO sa_inf SELECT i, ARRAY[i * 1e18, 0, 0]::vector
FROM generate_series(1, 18) i;
INSERT INTO sa_inf SELECT 18 + i, ARRAY[0, i, 0]::vector
FROM generate_series(1, 4) i;
CREATE INDEX sa_inf_l2 ON sa_inf USING hnsw (v vector_l2_ops);

-- every distance infinite
SELECT count(*) AS infinite FROM sa_inf WHERE v <-> '[1e20,0,0]' = 'Infinity';
SELECT * FROM compare_scans(
	'SELECT v <-> ''[1e20,0,0]'' AS d FROM sa_inf
	 ORDER BY v <-> ''[1e20,0,0]'' LIMIT 5');
SELECT * FROM compare_scans(
	'SELECT v <-> ''[1e20,0,0]'' AS d FROM sa_inf ORDER BY v <-> ''[1e20,0,0]''');

-- some infinite: rows 9-18; the finite ones come first, nearest first
SET enable_seqscan = off;
SELECT v <-> '[-1e19,0,0]' AS d FROM sa_inf
ORDER BY v <-> '[-1e19,0,0]' LIMIT 13;
SELECT * FROM compare_scans(
	'SELECT v <-> ''[-1e19,0,0]'' AS d FROM sa_inf
	 ORDER BY v <-> ''[-1e19,0,0]'' LIMIT 15');
SELECT * FROM compare_scans(
	'SELECT v <-> ''[-1e19,0,0]'' AS d FROM sa_inf ORDER BY v <-> ''[-1e19,0,0]''');

-- L1: differences past the float4 range.  Rows 0.5e37 apart on the first
-- axis; from -3e38, rows 1-9 are at a finite distance.
CREATE TABLE sa_l1 (id int PRIMARY KEY, v vector(3));
INSERT INTO sa_l1 SELECT i, ARRAY[(i - 1) * 0.5e37, 0, 0]::vector
FROM generate_series(1, 20) i;
CREATE INDEX sa_l1_l1 ON sa_l1 USING hnsw (v vector_l1_ops);
SELECT * FROM compare_scans(
	'SELECT v <+> ''[3e38,3e38,0]'' AS d FROM sa_l1
	 ORDER BY v <+> ''[3e38,3e38,0]'' LIMIT 5');
SELECT * FROM compare_scans(
	'SELECT v <+> ''[3e38,3e38,0]'' AS d FROM sa_l1
	 ORDER BY v <+> ''[3e38,3e38,0]''');
SELECT * FROM compare_scans(
	'SELECT v <+> ''[-3e38,0,0]'' AS d FROM sa_l1
	 ORDER BY v <+> ''[-3e38,0,0]''');
SET enable_seqscan = off;
SELECT CASE WHEN v <+> '[-3e38,0,0]' < 'Infinity' THEN id END AS id,
	   v <+> '[-3e38,0,0]' AS d
FROM sa_l1 ORDER BY v <+> '[-3e38,0,0]' LIMIT 11;

-- Inner products past the float4 range: <#> is -inf (nearest), finite, or
-- +inf, and NaN for infinite products of both signs.
CREATE TABLE sa_ip (id int PRIMARY KEY, v vector(3));
INSERT INTO sa_ip SELECT (a + 3) * 7 + b + 4, ARRAY[a, b, 1]::vector
FROM generate_series(-3, 3) a, generate_series(-3, 3) b;
CREATE INDEX sa_ip_ip ON sa_ip USING hnsw (v vector_ip_ops);
SELECT d, count(*) FROM
	(SELECT CASE WHEN x = '-Infinity' OR x = 'Infinity' OR x = 'NaN'
			THEN x::text ELSE 'finite' END AS d
	 FROM (SELECT v <#> '[3e38,3e38,0]' AS x FROM sa_ip) s) s2
GROUP BY d ORDER BY d;
SELECT * FROM compare_scans(
	'SELECT v <#> ''[3e38,3e38,0]'' AS d FROM sa_ip
	 ORDER BY v <#> ''[3e38,3e38,0]'' LIMIT 20');
SELECT * FROM compare_scans(
	'SELECT v <#> ''[3e38,3e38,0]'' AS d FROM sa_ip ORDER BY v <#> ''[3e38,3e38,0]''');
-- the distances in the order the index returns them
SET enable_seqscan = off;
SELECT d, count(*) FROM
	(SELECT row_number() OVER () AS n, d
	 FROM (SELECT v <#> '[3e38,3e38,0]' AS d FROM sa_ip
		   ORDER BY v <#> '[3e38,3e38,0]') s) s2
GROUP BY d ORDER BY min(n);

-- Iterative scans: rounds of ef_search = 4 over the same queries.  Where
-- every distance is infinite, the rounds still reach every row.  A search
-- cannot tell which way is nearer across a region where every distance is
-- infinite, so from -1e19 the rows come in approximate order, all of them.
SET hnsw.ef_search = 4;
SET hnsw.iterative_scan = relaxed_order;
SELECT * FROM compare_scans(
	'SELECT v <-> ''[1e20,0,0]'' AS d FROM sa_inf ORDER BY v <-> ''[1e20,0,0]''');
SELECT * FROM compare_scans(
	'SELECT v <+> ''[3e38,3e38,0]'' AS d FROM sa_l1
	 ORDER BY v <+> ''[3e38,3e38,0]''');
SELECT index_used, index_rows, seq_rows FROM compare_scans(
	'SELECT v <-> ''[-1e19,0,0]'' AS d FROM sa_inf
	 ORDER BY v <-> ''[-1e19,0,0]''');
SELECT index_used, index_rows, seq_rows FROM compare_scans(
	'SELECT v <#> ''[3e38,3e38,0]'' AS d FROM sa_ip
	 ORDER BY v <#> ''[3e38,3e38,0]''');
SET hnsw.iterative_scan = strict_order;
SELECT * FROM compare_scans(
	'SELECT v <-> ''[1e20,0,0]'' AS d FROM sa_inf ORDER BY v <-> ''[1e20,0,0]''');
SELECT * FROM compare_scans(
	'SELECT v <+> ''[3e38,3e38,0]'' AS d FROM sa_l1
	 ORDER BY v <+> ''[3e38,3e38,0]''');
SELECT * FROM compare_scans(
	'SELECT v <#> ''[3e38,3e38,0]'' AS d FROM sa_ip
	 ORDER BY v <#> ''[3e38,3e38,0]''');
RESET hnsw.iterative_scan;
SET hnsw.ef_search = 100;

-- pg_stat_user_indexes: idx_scan counts each scan and rescan, idx_tup_read
-- the heap TIDs returned; hnsw_stat_indexes() counts the same.  Flush this
-- backend's counts before each look.
SET enable_seqscan = off;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE stats_before AS
SELECT s.idx_scan, s.idx_tup_read, h.scans, h.tuples_returned
FROM pg_stat_user_indexes s
JOIN hnsw_stat_indexes() h ON h.indexrelid = s.indexrelid::regclass
WHERE s.indexrelname = 'sa_l2';
SELECT count(*) FROM (SELECT id FROM sa ORDER BY v <-> '[1,2,3]' LIMIT 5) s;
SELECT count(*) FROM (SELECT id FROM sa ORDER BY v <-> (SELECT NULL::vector) LIMIT 5) s;
SELECT count(*)
FROM sa_queries q, LATERAL (SELECT id FROM sa ORDER BY sa.v <-> q.v LIMIT 3) s;
SELECT pg_stat_force_next_flush();
SELECT s.idx_scan - b.idx_scan AS idx_scan,
	   s.idx_tup_read - b.idx_tup_read AS idx_tup_read,
	   h.scans - b.scans AS hnsw_scans,
	   h.tuples_returned - b.tuples_returned AS hnsw_tuples
FROM pg_stat_user_indexes s
JOIN hnsw_stat_indexes() h ON h.indexrelid = s.indexrelid::regclass,
	stats_before b
WHERE s.indexrelname = 'sa_l2';

RESET enable_seqscan;
RESET enable_bitmapscan;
RESET hnsw.ef_search;
DROP TABLE sa, sa_queries, sa_inf, sa_l1, sa_ip, stats_before;
DROP FUNCTION compare_scans;
