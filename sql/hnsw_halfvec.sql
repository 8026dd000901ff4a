-- hnsw indexes on halfvec: the four operator classes, 2 bytes a dimension.
-- Scans answer like exact searches, inserts, deletes and vacuum keep the
-- index sound, and the expression-index pattern over a vector column works.
SET enable_bitmapscan = off;
SELECT setseed(0.25);
CREATE TABLE hh (id int PRIMARY KEY, v halfvec(16));
INSERT INTO hh
SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16) WHERE i > 0)::halfvec
FROM generate_series(1, 1500) i;
CREATE TABLE hh_queries (qid int PRIMARY KEY, q halfvec(16));
INSERT INTO hh_queries
SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16) WHERE i > 0)::halfvec
FROM generate_series(1, 20) i;

CREATE INDEX hh_l2 ON hh USING hnsw (v halfvec_l2_ops) WITH (m = 8, ef_construction = 40);
CREATE INDEX hh_ip ON hh USING hnsw (v halfvec_ip_ops) WITH (m = 8, ef_construction = 40);
CREATE INDEX hh_cos ON hh USING hnsw (v halfvec_cosine_ops) WITH (m = 8, ef_construction = 40);
CREATE INDEX hh_l1 ON hh USING hnsw (v halfvec_l1_ops) WITH (m = 8, ef_construction = 40);
SET hnsw.ef_search = 100;

-- The ten nearest rows to each query by operator op, as found by an index
-- scan (use_index) or a sequential scan and sort.
CREATE FUNCTION hh_top10(op text, use_index boolean)
RETURNS TABLE (qid int, ids int[])
LANGUAGE plpgsql AS $$
BEGIN
	IF use_index THEN
		SET LOCAL enable_seqscan = off;
		SET LOCAL enable_indexscan = on;
	ELSE
		SET LOCAL enable_seqscan = on;
		SET LOCAL enable_indexscan = off;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT qid, ARRAY(SELECT id FROM hh ORDER BY v %s q LIMIT 10)
		 FROM hh_queries ORDER BY qid', op);
END $$;

-- recall@10 of each index against the exact answers: at least 0.95
SELECT op, round(avg(cardinality(ARRAY(SELECT unnest(i.ids)
                                       INTERSECT SELECT unnest(e.ids))))
                 / 10, 2) >= 0.95 AS recall_ok
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) AS op,
     LATERAL hh_top10(op, true) i
     JOIN LATERAL hh_top10(op, false) e USING (qid)
GROUP BY op ORDER BY op;

-- each index is the one used for its operator
EXPLAIN (COSTS OFF) SELECT id FROM hh ORDER BY v <-> '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM hh ORDER BY v <#> '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM hh ORDER BY v <=> '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM hh ORDER BY v <+> '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3;

-- a row's own vector finds the row first, and the distances the scan
-- returns come in ascending order
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE (SELECT id FROM hh h2 ORDER BY h2.v <-> h1.v LIMIT 1) = h1.id) AS l2_self,
       count(*) FILTER (WHERE (SELECT id FROM hh h2 ORDER BY h2.v <+> h1.v LIMIT 1) = h1.id) AS l1_self
FROM hh h1 WHERE id <= 50;
SELECT bool_and(d >= prev) AS ascending FROM (
	SELECT d, lag(d, 1, '-Infinity') OVER () AS prev
	FROM (SELECT v <=> (SELECT q FROM hh_queries WHERE qid = 1) AS d
		  FROM hh ORDER BY v <=> (SELECT q FROM hh_queries WHERE qid = 1)
		  LIMIT 50) s) s2;
RESET enable_seqscan;

-- what the index holds: 16 dimensions, its metric
SELECT i, dimensions, metric, elements, heap_tids
FROM unnest(ARRAY['hh_l2', 'hh_ip', 'hh_cos', 'hh_l1']) AS i,
     LATERAL hnsw_index_stats(i::regclass)
ORDER BY i;

-- inserts, deletes, updates, vacuum: the indexes stay sound and answer
INSERT INTO hh
SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16) WHERE i > 0)::halfvec
FROM generate_series(1501, 2000) i;
DELETE FROM hh WHERE id % 4 = 0;
UPDATE hh SET v = v * '[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]' WHERE id % 9 = 0;
VACUUM hh;
SELECT i, elements = (SELECT count(*) FROM hh) AS one_element_per_row,
       heap_tids = (SELECT count(*) FROM hh) AS tids_match,
       heap_rows_checked = (SELECT count(*) FROM hh) AS rows_checked
FROM unnest(ARRAY['hh_l2', 'hh_ip', 'hh_cos', 'hh_l1']) AS i,
     LATERAL hnsw_verify(i::regclass, true)
ORDER BY i;
SELECT op, round(avg(cardinality(ARRAY(SELECT unnest(i.ids)
                                       INTERSECT SELECT unnest(e.ids))))
                 / 10, 2) >= 0.95 AS recall_ok
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) AS op,
     LATERAL hh_top10(op, true) i
     JOIN LATERAL hh_top10(op, false) e USING (qid)
GROUP BY op ORDER BY op;

-- zero vectors are not indexed under cosine distance; NULLs nowhere
INSERT INTO hh VALUES (5001, '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'), (5002, NULL);
SELECT i, (SELECT count(*) FROM hh WHERE v IS NOT NULL) - heap_tids AS rows_not_indexed
FROM unnest(ARRAY['hh_l2', 'hh_cos']) AS i,
     LATERAL hnsw_verify(i::regclass, true)
ORDER BY i;

-- values of the wrong length, a column without dimensions, the dimension
-- limit (twice vector's: 2 bytes a dimension)
INSERT INTO hh VALUES (6001, '[1,2,3]');
CREATE TABLE hh_nodim (v halfvec);
CREATE INDEX ON hh_nodim USING hnsw (v halfvec_l2_ops);
CREATE TABLE hh_wide (v halfvec(4040));
INSERT INTO hh_wide SELECT array_fill(i, ARRAY[4040])::halfvec FROM generate_series(1, 3) i;
CREATE INDEX hh_wide_idx ON hh_wide USING hnsw (v halfvec_l2_ops);
SET enable_seqscan = off;
SELECT vector_dims(v), l2_norm(v) FROM hh_wide ORDER BY v <-> array_fill(2, ARRAY[4040])::halfvec LIMIT 1;
RESET enable_seqscan;
CREATE TABLE hh_wider (v halfvec(4041));
CREATE INDEX ON hh_wider USING hnsw (v halfvec_l2_ops);

-- the documented expression index over a vector column, and its query
CREATE TABLE hh_items (id int PRIMARY KEY, embedding vector(3));
INSERT INTO hh_items VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]'),
	(4, '[1,1,0]'), (5, '[0.9,0.1,0]'), (6, '[-1,0,0]');
CREATE INDEX ON hh_items USING hnsw ((embedding::halfvec(3)) halfvec_cosine_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM hh_items ORDER BY embedding::halfvec(3) <=> '[1,0,0]'::halfvec(3) LIMIT 3;
SELECT id FROM hh_items ORDER BY embedding::halfvec(3) <=> '[1,0,0]'::halfvec(3) LIMIT 3;
RESET enable_seqscan;

-- hnsw_estimate_memory of a halfvec column: 2 bytes a dimension, and the
-- pages the build then writes, within 5%
CREATE TABLE hh_est (v halfvec(200), n int);
INSERT INTO hh_est
SELECT (SELECT array_agg(random()) FROM generate_series(1, 200) WHERE i > 0)::halfvec, i
FROM generate_series(1, 2000) i;
SELECT vector_bytes, vector_bytes = 2000 * 200 * 2 AS two_bytes_a_dimension
FROM hnsw_estimate_memory('hh_est', 'v');
CREATE INDEX hh_est_idx ON hh_est USING hnsw (v halfvec_l2_ops);
SELECT abs(e.pages - pg_relation_size('hh_est_idx') / current_setting('block_size')::int)
       <= 0.05 * e.pages AS pages_close
FROM hnsw_estimate_memory('hh_est', 'v') e;
SELECT h.pages < v.pages AS fewer_pages_than_vector
FROM hnsw_estimate_memory('hh_est', 'v') h, hnsw_estimate_memory(2000, 200) v;
SELECT * FROM hnsw_estimate_memory('hh_est', 'n');

DROP TABLE hh, hh_queries, hh_nodim, hh_wide, hh_wider, hh_items, hh_est;
DROP FUNCTION hh_top10(text, boolean);
