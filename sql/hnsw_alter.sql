-- A built index keeps the layout its meta page records: m, ef_construction
-- and dimensions.  ALTER INDEX ... SET and ALTER TABLE ... ALTER COLUMN ...
-- TYPE change the options and the type modifier without rebuilding it; a
-- changed option takes effect at the next REINDEX.  ef_search, which only
-- scans read, takes effect at once.
SET enable_seqscan = off;

-- 1,000 points of a 10 x 10 x 10 grid
CREATE TABLE alt (id int, v vector(3));
INSERT INTO alt SELECT i, ARRAY[i % 10, (i / 10) % 10, i / 100]::vector
FROM generate_series(0, 999) i;
CREATE INDEX alt_idx ON alt USING hnsw (v vector_l2_ops)
	WITH (m = 16, ef_construction = 64);

-- How many of the true 10 nearest rows the index returns for 30 queries
-- off the grid (each query's distances are distinct around its 10th row).
CREATE FUNCTION alt_recall() RETURNS bigint LANGUAGE sql AS $$
	SELECT sum((SELECT count(*) FROM
		(SELECT id FROM alt ORDER BY v <-> q.v LIMIT 10) ix
		JOIN (SELECT id FROM alt ORDER BY (v <-> q.v)::numeric(20, 6) + 0, id
			  LIMIT 10) ex USING (id)))
	FROM (SELECT ARRAY[(g * 37 % 97) / 10.0 + 0.013, (g * 53 % 89) / 10.0 + 0.029,
					   (g * 71 % 83) / 10.0 + 0.041]::vector(3) AS v
		  FROM generate_series(1, 30) g) q
$$;
SELECT alt_recall();
SELECT id FROM alt ORDER BY v <-> '[4.1, 5.2, 6.3]' LIMIT 5;

-- m and ef_construction are accepted, but the index keeps its own
ALTER INDEX alt_idx SET (m = 4, ef_construction = 100);
SELECT dimensions, m, ef_construction FROM hnsw_index_stats('alt_idx');
SELECT alt_recall();
SELECT id FROM alt ORDER BY v <-> '[4.1, 5.2, 6.3]' LIMIT 5;
INSERT INTO alt SELECT i, ARRAY[i % 10 + 0.5, (i / 10) % 10 + 0.5, 9.5]::vector
FROM generate_series(1000, 1099) i;
SELECT id FROM alt ORDER BY v <-> '[3.4, 2.7, 9.4]' LIMIT 3;
DELETE FROM alt WHERE id % 7 = 0;
VACUUM alt;
SELECT elements, deleted_elements, unreachable FROM hnsw_verify('alt_idx', true);

-- and after RESET too
ALTER INDEX alt_idx RESET (m, ef_construction);
INSERT INTO alt SELECT i, ARRAY[i % 10 + 0.5, (i / 10) % 10 + 0.5, 8.5]::vector
FROM generate_series(1100, 1199) i;
SELECT id FROM alt ORDER BY v <-> '[3.4, 2.7, 8.3]' LIMIT 3;
DELETE FROM alt WHERE id % 11 = 0;
VACUUM alt;
SELECT elements, deleted_elements, unreachable FROM hnsw_verify('alt_idx', true);
SELECT alt_recall();

-- the option still must make sense, as at CREATE INDEX
ALTER INDEX alt_idx SET (ef_construction = 10);

-- a changed option takes effect at REINDEX
ALTER INDEX alt_idx SET (m = 8);
SELECT m FROM hnsw_index_stats('alt_idx');
REINDEX INDEX alt_idx;
SELECT m FROM hnsw_index_stats('alt_idx');
SELECT alt_recall();
ALTER INDEX alt_idx RESET (m);
REINDEX INDEX alt_idx;

-- ef_search takes effect at once: with iterative scans off, a scan returns
-- at most ef_search elements' rows
ALTER INDEX alt_idx SET (ef_search = 3);
SELECT count(*) FROM (SELECT id FROM alt ORDER BY v <-> '[4.1, 5.2, 6.3]' LIMIT 10) s;
SELECT ef_search FROM hnsw_index_stats('alt_idx');
ALTER INDEX alt_idx RESET (ef_search);
SELECT count(*) FROM (SELECT id FROM alt ORDER BY v <-> '[4.1, 5.2, 6.3]' LIMIT 10) s;

DROP FUNCTION alt_recall();
DROP TABLE alt;

-- Dropping the column's type modifier keeps the index (no rewrite); it
-- still holds 3-dimensional vectors and says so.
CREATE TABLE altc (id int, v vector(3));
INSERT INTO altc SELECT i, ARRAY[i % 5, (i / 5) % 5, i / 25]::vector
FROM generate_series(0, 124) i;
CREATE INDEX altc_idx ON altc USING hnsw (v);
SELECT pg_relation_filenode('altc_idx') AS filenode \gset
ALTER TABLE altc ALTER COLUMN v TYPE vector;
SELECT pg_relation_filenode('altc_idx') = :filenode AS index_kept;
INSERT INTO altc VALUES (125, '[1.1, 2.1, 3.1]');
INSERT INTO altc VALUES (126, '[1, 2, 3, 4]');
SELECT id FROM altc ORDER BY v <-> '[1.1, 2.1, 3.05]' LIMIT 3;
SELECT id FROM altc ORDER BY v <-> '[1, 2, 3, 4]' LIMIT 3;
-- a data exception (class 22), as for any vector of the wrong size
DO $$
BEGIN
	INSERT INTO altc VALUES (127, '[1, 2]');
EXCEPTION WHEN data_exception THEN
	RAISE NOTICE 'data exception: %', SQLERRM;
END
$$;
DELETE FROM altc WHERE id % 3 = 0;
VACUUM altc;
SELECT elements, dimensions FROM hnsw_index_stats('altc_idx');
SELECT elements, unreachable FROM hnsw_verify('altc_idx', true);
-- a REINDEX needs the dimensions in the column's type
REINDEX INDEX altc_idx;
-- a new type modifier rewrites the table, which rebuilds the index
ALTER TABLE altc ALTER COLUMN v TYPE vector(5);
DELETE FROM altc;
ALTER TABLE altc ALTER COLUMN v TYPE vector(5);
SELECT pg_relation_filenode('altc_idx') = :filenode AS index_kept;
INSERT INTO altc VALUES (1, '[1, 2, 3, 4, 5]');
SELECT dimensions FROM hnsw_index_stats('altc_idx');
SELECT id FROM altc ORDER BY v <-> '[1, 2, 3, 4, 5]' LIMIT 1;
DROP TABLE altc;
