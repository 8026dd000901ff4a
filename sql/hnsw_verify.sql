-- hnsw_verify: structural checks of an index
SELECT setseed(0.75);
CREATE TABLE ver (id int PRIMARY KEY, v vector(8));
INSERT INTO ver
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 3000) i;
CREATE INDEX ver_idx ON ver USING hnsw (v);

-- a sound index: one summary row
SELECT elements, deleted_elements, heap_tids, unreachable <= 3 AS few_unreachable,
	   pages > 1 AS has_pages, heap_rows_checked
FROM hnsw_verify('ver_idx');
SELECT elements, heap_rows_checked FROM hnsw_verify('ver_idx', heapallindexed => true);

-- after inserts, deletes, updates and vacuum it is still sound
INSERT INTO ver
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(3001, 4000) i;
DELETE FROM ver WHERE id % 3 = 0;
UPDATE ver SET v = v * '[2,2,2,2,2,2,2,2]' WHERE id % 7 = 0;
VACUUM ver;
SELECT elements = (SELECT count(*) FROM ver) AS one_element_per_row,
	   deleted_elements, heap_tids = (SELECT count(*) FROM ver) AS tids_match,
	   heap_rows_checked = (SELECT count(*) FROM ver) AS rows_checked
FROM hnsw_verify('ver_idx', true);

-- duplicates and NULLs
INSERT INTO ver SELECT 10000 + i, '[1,1,1,1,1,1,1,1]' FROM generate_series(1, 25) i;
INSERT INTO ver VALUES (20000, NULL);
SELECT heap_tids = (SELECT count(*) FROM ver WHERE v IS NOT NULL) AS tids_match
FROM hnsw_verify('ver_idx', true);

-- an empty index, and one on an empty table
DELETE FROM ver;
VACUUM ver;
SELECT elements, deleted_elements, heap_tids, unreachable, pages > 1 AS has_pages, heap_rows_checked FROM hnsw_verify('ver_idx', true);
CREATE TABLE ver_empty (v vector(3));
CREATE INDEX ver_empty_idx ON ver_empty USING hnsw (v vector_cosine_ops);
INSERT INTO ver_empty VALUES ('[0,0,0]'), ('[1,2,3]');
SELECT elements, heap_rows_checked FROM hnsw_verify('ver_empty_idx', true);

-- what it refuses
SELECT * FROM hnsw_verify('ver');
SELECT * FROM hnsw_verify('ver_pkey');
SELECT * FROM hnsw_verify(0);
INSERT INTO ver SELECT i, array_fill(i::real, ARRAY[8])::vector FROM generate_series(1, 20000) i;
SET statement_timeout = '200ms';
CREATE INDEX CONCURRENTLY ver_invalid ON ver USING hnsw (v) WITH (m = 48, ef_construction = 500);
RESET statement_timeout;
SELECT * FROM hnsw_verify('ver_invalid');
DROP INDEX ver_invalid;
CREATE ROLE hnsw_verify_nobody;
SET ROLE hnsw_verify_nobody;
SELECT * FROM hnsw_verify('ver_idx');
RESET ROLE;
DROP ROLE hnsw_verify_nobody;

DROP TABLE ver, ver_empty;
