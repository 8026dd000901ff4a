-- Ordered scans for every operator class give the exact answer on a graph
-- small enough for ef_search to cover it.
-- the support function of vector_l2_ops orders like <->
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT vector_l2_squared_distance('[1,2]', '[4,5,6]');
SELECT vector_l2_squared_distance('[0,0]', '[0,0]');

SELECT setseed(0.42);
CREATE TABLE pts (id int PRIMARY KEY, v vector(8));
INSERT INTO pts
SELECT i, (SELECT array_agg(round((random() * 20 - 10)::numeric, 2)::float4)
		   FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 300) i;

CREATE INDEX pts_l2 ON pts USING hnsw (v vector_l2_ops);
CREATE INDEX pts_ip ON pts USING hnsw (v vector_ip_ops);
CREATE INDEX pts_cos ON pts USING hnsw (v vector_cosine_ops);
CREATE INDEX pts_l1 ON pts USING hnsw (v vector_l1_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;

-- the plan uses the index for ORDER BY ... LIMIT
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <#> '[0,0,0,0,0,0,0,0]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <=> '[1,0,0,0,0,0,0,0]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v <+> '[0,0,0,0,0,0,0,0]' LIMIT 5;

-- and not without that ordering
EXPLAIN (COSTS OFF) SELECT id FROM pts WHERE v = '[0,0,0,0,0,0,0,0]';
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY v LIMIT 5;

-- index answers equal the exact answers (computed with the index disabled)
CREATE FUNCTION knn_matches(q vector, op text, k int) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	approx int[];
	exact int[];
BEGIN
	SET LOCAL enable_indexscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY v %s $1 LIMIT %s) s', op, k)
		INTO approx USING q;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY v %s $1, id LIMIT %s) s', op, k)
		INTO exact USING q;
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_indexscan = on;
	RETURN approx = exact;
END $$;

SELECT op, count(*) FILTER (WHERE knn_matches(q.v, op, 10)) AS exact_matches, count(*) AS queries
FROM (SELECT v FROM pts WHERE id <= 20) q,
	 unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op
GROUP BY op ORDER BY op;

-- returned rows come nearest first, with their real distances
SELECT id, round((v <-> '[1,1,1,1,1,1,1,1]')::numeric, 4) AS dist
FROM pts ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;

-- ef_search bounds the number of rows a scan can return
SET hnsw.ef_search = 5;
SELECT count(*) FROM (SELECT id FROM pts ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 50) s;
SET hnsw.ef_search = 1000;

-- a NULL query vector: every distance is NULL, so the rows come in no
-- particular order (a generic plan keeps the index scan)
PREPARE knn(vector) AS SELECT id FROM pts ORDER BY v <-> $1 LIMIT 5;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE knn(NULL);
CREATE TEMP TABLE knn_null AS EXECUTE knn(NULL);
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows FROM knn_null;
DROP TABLE knn_null;
EXECUTE knn('[1,1,1,1,1,1,1,1]');
RESET plan_cache_mode;
DEALLOCATE knn;

-- a query vector of other dimensions is an error
SELECT id FROM pts ORDER BY v <-> '[1,2,3]' LIMIT 5;

-- cosine: a zero query vector makes every distance NaN; any 5 rows
SELECT count(*) FROM (SELECT id FROM pts ORDER BY v <=> '[0,0,0,0,0,0,0,0]' LIMIT 5) s;

DROP TABLE pts;
DROP FUNCTION knn_matches;
