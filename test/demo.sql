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

-- ===== TUNING AND INSPECTION FUNCTIONS: to be added by the index lead =====
-- ===== end of tuning and inspection section =====
