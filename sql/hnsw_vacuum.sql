-- VACUUM removes dead rows, repairs the graph, and frees space for reuse
SET enable_seqscan = off;
SELECT setseed(0.25);
CREATE TABLE vt (id serial PRIMARY KEY, v vector(16));
INSERT INTO vt (v)
SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
FROM generate_series(1, 6000) g;
CREATE INDEX vt_idx ON vt USING hnsw (v) WITH (m = 8, ef_construction = 32);

-- recall@10 of the index against the exact answer, for 100 rows' vectors
CREATE FUNCTION vt_recall() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	q record;
	hits int := 0;
	approx int[];
	exact int[];
BEGIN
	FOR q IN SELECT v FROM vt ORDER BY id LIMIT 100 LOOP
		SET LOCAL enable_indexscan = on;
		SET LOCAL enable_seqscan = off;
		approx := ARRAY(SELECT id FROM vt ORDER BY v <-> q.v LIMIT 10);
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		exact := ARRAY(SELECT id FROM vt ORDER BY v <-> q.v LIMIT 10);
		hits := hits + (SELECT count(*) FROM unnest(approx) a WHERE a = ANY (exact));
	END LOOP;
	RETURN hits / 1000.0;
END $$;

-- delete half at random: dead rows never come back, recall stays that of a
-- fresh index on the surviving rows
DELETE FROM vt WHERE id IN (SELECT id FROM vt ORDER BY random() LIMIT 3000);
VACUUM vt;
SELECT count(*) FROM (SELECT id FROM vt ORDER BY v <-> (SELECT v FROM vt ORDER BY id LIMIT 1) LIMIT 40) s
WHERE id NOT IN (SELECT id FROM vt);
SELECT vt_recall() AS recall_after_vacuum \gset
REINDEX INDEX vt_idx;
SELECT vt_recall() AS recall_fresh \gset
SELECT :recall_after_vacuum >= :recall_fresh - 0.02 AS recall_kept,
	   :recall_fresh >= 0.9 AS fresh_recall_ok;

-- churn: delete and re-insert the same number of rows three times, with
-- VACUUM in between: freed space is reused
SELECT pg_relation_size('vt_idx') AS base \gset
DELETE FROM vt WHERE id IN (SELECT id FROM vt ORDER BY random() LIMIT 1000);
VACUUM vt;
INSERT INTO vt (v)
SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
FROM generate_series(1, 1000) g;
DELETE FROM vt WHERE id IN (SELECT id FROM vt ORDER BY random() LIMIT 1000);
VACUUM vt;
INSERT INTO vt (v)
SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
FROM generate_series(1, 1000) g;
DELETE FROM vt WHERE id IN (SELECT id FROM vt ORDER BY random() LIMIT 1000);
VACUUM vt;
INSERT INTO vt (v)
SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
FROM generate_series(1, 1000) g;
SELECT pg_relation_size('vt_idx') <= 1.15 * :base AS growth_within_15_percent;
SELECT vt_recall() >= 0.9 AS recall_after_churn;

-- updates leave dead versions that vacuum removes too
UPDATE vt SET v = v + array_fill(0.001::real, ARRAY[16])::vector WHERE id % 10 = 0;
VACUUM vt;
SET hnsw.ef_search = 1000;
SELECT count(*) AS returned, count(DISTINCT id) = count(*) AS each_row_once,
	   bool_and(id IN (SELECT id FROM vt)) AS all_live
FROM (SELECT id FROM vt ORDER BY v <-> array_fill(0.5::real, ARRAY[16])::vector LIMIT 100000) s;
RESET hnsw.ef_search;

-- delete everything: the empty index still takes inserts and answers
DELETE FROM vt;
VACUUM vt;
SELECT count(*) FROM (SELECT id FROM vt ORDER BY v <-> array_fill(0.5::real, ARRAY[16])::vector LIMIT 5) s;
INSERT INTO vt (id, v) VALUES (-1, array_fill(0.5::real, ARRAY[16])), (-2, array_fill(0.25::real, ARRAY[16]));
SELECT id FROM vt ORDER BY v <-> array_fill(0.3::real, ARRAY[16])::vector LIMIT 5;

DROP TABLE vt;
DROP FUNCTION vt_recall;
