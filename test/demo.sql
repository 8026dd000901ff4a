-- test/demo.sql
--     A short tour of hnswext, run by "make demo" (test/demo.sh) with psql
--     echoing each statement before its output.

\pset pager off
\timing on

-- 1. Install the extension into this database.
CREATE EXTENSION hnswext;
\dx hnswext

-- 2. A vector is written like a JSON array of numbers.  The distance
--    operators are <-> Euclidean (L2), <#> negative inner product,
--    <=> cosine and <+> taxicab (L1).
SELECT '[1,2,3]'::vector AS a,
       '[4,5,6]'::vector AS b,
       '[1,2,3]'::vector <-> '[4,5,6]' AS l2,
       '[1,2,3]'::vector <#> '[4,5,6]' AS neg_inner_product,
       '[1,2,3]'::vector <=> '[4,5,6]' AS cosine,
       '[1,2,3]'::vector <+> '[4,5,6]' AS l1;

-- 3. A table of 100,000 embeddings with 128 dimensions.  Real embeddings
--    cluster by topic, so the data is drawn around 20 random centres, one
--    per category, with some noise on top.
CREATE TABLE items (
    id bigserial PRIMARY KEY,
    category int NOT NULL,
    embedding vector(128) NOT NULL
);

CREATE TEMP TABLE centres AS
    SELECT c AS category,
           -- "WHERE c > 0" makes the subquery run once per centre
           ARRAY(SELECT random() * 2 - 1
                 FROM generate_series(1, 128) WHERE c > 0) AS centre
    FROM generate_series(1, 20) c;

INSERT INTO items (category, embedding)
    SELECT c.category,
           (SELECT array_agg(c.centre[d] + (random() - 0.5) * 0.5 ORDER BY d)
            FROM generate_series(1, 128) d)::real[]::vector(128)
    FROM generate_series(0, 99999) i
    JOIN centres c ON c.category = 1 + i % 20;

ANALYZE items;

SELECT count(*) AS items,
       pg_size_pretty(pg_total_relation_size('items')) AS size
FROM items;

-- A few rows, with the embedding cut short for the screen.
SELECT id, category, left(embedding::text, 60) || '...' AS embedding
FROM items
ORDER BY id
LIMIT 3;

-- The average of each category's embeddings lands near its centre.
SELECT i.category,
       left(avg(i.embedding)::text, 40) || '...' AS average,
       avg(i.embedding) <-> c.centre::real[]::vector AS distance_to_centre
FROM items i JOIN centres c USING (category)
GROUP BY i.category, c.centre
ORDER BY i.category
LIMIT 3;

-- 4. Nearest neighbours of item 1 by Euclidean distance.  Without an index
--    this is an exact search: every row is read and sorted.  Item 1 itself
--    comes first at distance 0, followed by its neighbours, which should
--    share its category.
SELECT id, category,
       embedding <-> (SELECT embedding FROM items WHERE id = 1) AS distance
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

-- The same by cosine distance, and by inner product.  The inner product
-- also rewards length, so item 1 itself need not come first there.
SELECT id, category,
       embedding <=> (SELECT embedding FROM items WHERE id = 1) AS cosine_distance
FROM items
ORDER BY embedding <=> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

SELECT id, category,
       embedding <#> (SELECT embedding FROM items WHERE id = 1) AS neg_inner_product
FROM items
ORDER BY embedding <#> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

-- Filtering combines with ordering as in any query: the items of
-- category 7 closest to item 1.
SELECT id, category,
       embedding <-> (SELECT embedding FROM items WHERE id = 1) AS distance
FROM items
WHERE category = 7
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

-- 5. The plan of the exact search: a sequential scan feeding a top-N sort.
EXPLAIN (COSTS OFF)
SELECT id
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

-- 6. Build an HNSW index.  m is the number of links per element (twice
--    that on the bottom level), ef_construction the size of the candidate
--    list while building: larger values give a better graph and take
--    longer.  The graph is built in memory (maintenance_work_mem) and then
--    written out and WAL-logged.
SET maintenance_work_mem = '512MB';
CREATE INDEX items_embedding_idx ON items
    USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64);

SELECT pg_size_pretty(pg_relation_size('items_embedding_idx')) AS index_size;

-- The same query now walks the graph instead of reading every row.
EXPLAIN (COSTS OFF)
SELECT id
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

SELECT id, category,
       embedding <-> (SELECT embedding FROM items WHERE id = 1) AS distance
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;

-- New rows go into the graph as they are inserted.
INSERT INTO items (category, embedding)
    SELECT 99, embedding FROM items WHERE id = 1;
SELECT id, category
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 3;

-- 7. Search tuning.  hnsw.ef_search (default 40) is how many candidates a
--    search keeps: more means better recall and slower queries.  Measure
--    recall@10 for 50 items against the exact answer, at three settings.
CREATE TEMP TABLE probe AS SELECT id, embedding FROM items WHERE id % 2000 = 7;

CREATE FUNCTION pg_temp.recall_at_10(ef int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    hits int := 0;
    q record;
    exact bigint[];
    approx bigint[];
BEGIN
    PERFORM set_config('hnsw.ef_search', ef::text, true);
    FOR q IN SELECT * FROM probe LOOP
        SET LOCAL enable_indexscan = off;
        exact := ARRAY(SELECT id FROM items
                       ORDER BY embedding <-> q.embedding LIMIT 10);
        SET LOCAL enable_indexscan = on;
        approx := ARRAY(SELECT id FROM items
                        ORDER BY embedding <-> q.embedding LIMIT 10);
        hits := hits + (SELECT count(*) FROM unnest(approx) a
                        WHERE a = ANY (exact));
    END LOOP;
    RETURN round(hits / (10.0 * (SELECT count(*) FROM probe)), 3);
END $$;

SELECT ef AS ef_search, pg_temp.recall_at_10(ef) AS recall
FROM unnest(ARRAY[10, 40, 100]) ef;

-- Set it for the session (or SET LOCAL in a transaction, or ALTER ROLE /
-- ALTER DATABASE ... SET hnsw.ef_search for everyone).
SET hnsw.ef_search = 100;
SELECT id, category
FROM items
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1)
LIMIT 5;
RESET hnsw.ef_search;

-- ===== TUNING AND INSPECTION FUNCTIONS =====

-- 8. Before building an index: its size, laid out page by page with the
--    index's own rules, and the seconds a serial build takes on this server
--    (measured with a small calibration build the first time).
SELECT pages, pg_size_pretty(total_bytes) AS estimate,
       pg_size_pretty(pg_relation_size('items_embedding_idx')) AS actual
FROM hnsw_estimate_memory('items', 'embedding');

SELECT round(seconds::numeric, 1) AS serial_build_seconds
FROM hnsw_estimate_build_time(100000, 128, m => 16, ef_construction => 64);

-- 9. What the index holds: elements per level (about one in m goes up a
--    level), how full the link lists are, bytes per row.
SELECT elements, max_level, elements_per_level,
       round(level0_neighbors_mean::numeric, 1) AS links_level0,
       round(bytes_per_vector) AS bytes_per_vector
FROM hnsw_index_stats('items_embedding_idx');

-- 10. Recall measured on a sample of the table's own rows, each searched for
--     as if it were a new vector, with the latency of each search and its
--     work.  It is lower than in 7, where each probe row found itself first
--     and its own links led straight to its neighbours; new vectors drawn
--     like the table's measure about the same as here.
SELECT ef_search, recall, round(mean_ms::numeric, 3) AS mean_ms,
       round(p95_ms::numeric, 3) AS p95_ms,
       round(distance_computations) AS distances
FROM hnsw_recall_curve('items_embedding_idx', '{10,20,40,80}');

-- 11. The smallest ef_search that reaches recall 0.95, kept as the index's
--     own default.  Scans use it while hnsw.ef_search is not set.
SELECT ef_search, recall, applied
FROM hnsw_tune('items_embedding_idx', target_recall => 0.95, apply => true);
SELECT ef_search FROM hnsw_index_stats('items_embedding_idx');

-- 12. Every scan counts its work; with shared_preload_libraries = 'hnswext'
--     the counts are the whole server's, here they are this session's.
SELECT * FROM hnsw_stat_indexes();

-- 13. How clustered the data is: k-means with k = 20 finds the 20 centres
--     the data was drawn around: clusters of 5,000 rows (5,001 for the copy
--     of item 1), each several times its spread away from the next.
SELECT count(*) AS clusters, min(size), max(size),
       round(min(separation)::numeric, 1) AS min_separation
FROM hnsw_cluster_stats('items', 'embedding', k => 20);

-- 14. Which m and ef_construction: build each on a 10,000-row sample (a
--     temporary copy) and measure; the Pareto front is what no other
--     configuration beats on recall, latency and size at once.
SELECT m, ef_construction, ef_search, recall,
       round(mean_ms::numeric, 3) AS mean_ms, pg_size_pretty(index_bytes) AS size,
       round(score::numeric, 3) AS score
FROM hnsw_sweep('items', 'embedding', m => '{8,16}', ef_construction => '{32,64}',
                ef_search => '{10,40}', sample_rows => 10000)
WHERE pareto ORDER BY recall;

ALTER INDEX items_embedding_idx RESET (ef_search);
-- ===== end of tuning and inspection section =====
