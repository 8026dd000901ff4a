-- Inserts into an existing index, NULLs, duplicates, dimension checks,
-- unlogged tables
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;

-- an index built on an empty table grows by inserts
CREATE TABLE ins (id int, v vector(3));
CREATE INDEX ins_idx ON ins USING hnsw (v);
SELECT id FROM ins ORDER BY v <-> '[1,1,1]' LIMIT 3;
INSERT INTO ins SELECT i, ARRAY[i, i % 7, i % 3]::vector FROM generate_series(1, 500) i;
SELECT id, v FROM ins ORDER BY v <-> '[10.1,3,1]' LIMIT 3;
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[250,0,0]' LIMIT 1000) s;

-- NULL vectors are stored in the table but not indexed
INSERT INTO ins VALUES (1001, NULL), (1002, NULL);
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[1,1,1]' LIMIT 1000) s;

-- wrong dimensions are refused on insert (the column type catches them)
INSERT INTO ins VALUES (2000, '[1,2]');

-- many identical vectors: all rows found, and other rows still reachable
INSERT INTO ins SELECT 3000 + i, '[5,5,5]' FROM generate_series(1, 100) i;
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[5,5,5]' LIMIT 1000) s WHERE id > 3000;
SELECT id FROM ins ORDER BY v <-> '[400,1,1]' LIMIT 1;
REINDEX INDEX ins_idx;
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[5,5,5]' LIMIT 1000) s WHERE id > 3000;
SELECT id FROM ins ORDER BY v <-> '[400,1,1]' LIMIT 1;
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[250,0,0]' LIMIT 1000) s;

-- an index on an expression without a typmod needs one
CREATE TABLE untyped (v vector);
INSERT INTO untyped VALUES ('[1,2,3]');
CREATE INDEX ON untyped USING hnsw ((v::vector(3)));
SELECT v FROM untyped ORDER BY v::vector(3) <-> '[1,2,3]' LIMIT 1;
INSERT INTO untyped VALUES ('[1,2]');
DROP TABLE untyped;

-- deleted rows disappear from scans after VACUUM, and the index still works
DELETE FROM ins WHERE id <= 250;
VACUUM ins;
SELECT min(id) FROM (SELECT id FROM ins ORDER BY v <-> '[1,1,1]' LIMIT 1000) s;
SELECT count(*) FROM (SELECT id FROM ins ORDER BY v <-> '[1,1,1]' LIMIT 1000) s;
INSERT INTO ins VALUES (5000, '[1,1,1]');
SELECT id FROM ins ORDER BY v <-> '[1,1,1]' LIMIT 1;

-- unlogged tables get an init fork and work like any other
CREATE UNLOGGED TABLE unl (id int, v vector(2));
INSERT INTO unl SELECT i, ARRAY[i, -i]::vector FROM generate_series(1, 50) i;
CREATE INDEX unl_idx ON unl USING hnsw (v);
SELECT id FROM unl ORDER BY v <-> '[10.2,-10.2]' LIMIT 3;
SELECT count(*) > 0 AS has_init_fork FROM pg_ls_dir('base/' || (SELECT oid FROM pg_database WHERE datname = current_database())) f
WHERE f = (SELECT relfilenode::text || '_init' FROM pg_class WHERE relname = 'unl_idx');

-- REINDEX CONCURRENTLY and CREATE INDEX CONCURRENTLY
REINDEX INDEX CONCURRENTLY ins_idx;
CREATE INDEX CONCURRENTLY ins_idx2 ON ins USING hnsw (v vector_l1_ops);
SELECT id FROM ins ORDER BY v <+> '[300.3,0,0.2]' LIMIT 3;

DROP TABLE ins, unl;
