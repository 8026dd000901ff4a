-- Filtered queries with iterative scans
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT setseed(0.5);
CREATE TABLE it (id int PRIMARY KEY, category int, v vector(8));
INSERT INTO it
SELECT i, i % 100, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 10000) i;
CREATE INDEX it_idx ON it USING hnsw (v);
ANALYZE it;

SHOW hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SET hnsw.iterative_scan = 'sideways';
SET hnsw.max_scan_tuples = 0;

-- recall@10 of filtered queries against the exact filtered answer, and how
-- many of the queries got fewer than 10 rows
CREATE FUNCTION it_check(filter text, OUT recall_ok boolean, OUT short int)
LANGUAGE plpgsql AS $$
DECLARE
	q record;
	hits int := 0;
	approx int[];
	exact int[];
BEGIN
	short := 0;
	FOR q IN SELECT v FROM it ORDER BY id LIMIT 30 LOOP
		SET LOCAL enable_indexscan = on;
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT ARRAY(SELECT id FROM it WHERE %s ORDER BY v <-> $1 LIMIT 10)', filter)
			INTO approx USING q.v;
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('SELECT ARRAY(SELECT id FROM it WHERE %s ORDER BY v <-> $1 LIMIT 10)', filter)
			INTO exact USING q.v;
		hits := hits + (SELECT count(*) FROM unnest(approx) a WHERE a = ANY (exact));
		IF coalesce(array_length(approx, 1), 0) < 10 THEN
			short := short + 1;
		END IF;
	END LOOP;
	recall_ok := hits / 300.0 >= 0.9;
END $$;

-- off: a scan stops after ef_search candidates, so a 1% filter starves
SET hnsw.iterative_scan = off;
SELECT short > 20 AS most_queries_short FROM it_check('category = 7');

-- relaxed_order and strict_order keep searching: 10 rows, good recall
SET hnsw.iterative_scan = relaxed_order;
SELECT * FROM it_check('category = 7');
SELECT * FROM it_check('category < 10');
SET hnsw.iterative_scan = strict_order;
SELECT * FROM it_check('category = 7');
SELECT * FROM it_check('category < 10');

-- strict_order returns rows in distance order
SELECT bool_and(d >= prev) AS ordered, count(*) AS rows
FROM (SELECT d, lag(d, 1, 0) OVER (ORDER BY n) AS prev
	  FROM (SELECT row_number() OVER () AS n, v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' AS d
			FROM (SELECT v FROM it WHERE category = 3
				  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 50) s) s2) s3;

-- hnsw.max_scan_tuples bounds the work: the scan gives up early
SET hnsw.max_scan_tuples = 100;
SELECT count(*) < 10 AS gave_up
FROM (SELECT id FROM it WHERE category = 7
	  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) s;
RESET hnsw.max_scan_tuples;

-- an iterative scan without a filter returns each row once
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows
FROM (SELECT id FROM it ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 500) s;

RESET hnsw.iterative_scan;
DROP TABLE it;
DROP FUNCTION it_check;
