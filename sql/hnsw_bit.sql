-- hnsw indexes on PostgreSQL's bit type: bit_hamming_ops and
-- bit_jaccard_ops, pgvector's binary-quantization pattern with re-ranking,
-- and bit strings of up to 64,000 bits.
SET enable_bitmapscan = off;

-- "clustered" bit strings: row i is centre i % 20 with about one bit in
-- eight flipped; seeded by hashint8, so every run has the same rows
CREATE FUNCTION clustered_bits(centre int, noise bigint, n int) RETURNS varbit
LANGUAGE sql IMMUTABLE AS $$
	SELECT string_agg(CASE WHEN ((hashint8(centre * 100000 + g) & 1) = 1) <>
								((hashint8(noise * 100000 + g + 7777777) & 7) = 0)
						   THEN '1' ELSE '0' END, '' ORDER BY g)::varbit
	FROM generate_series(1, n) g
$$;

CREATE TABLE bt (id int PRIMARY KEY, b bit(256));
INSERT INTO bt SELECT i, clustered_bits(i % 20, i, 256)
FROM generate_series(1, 2000) i;
-- queries: new strings around the same centres
CREATE TABLE bq (qid int PRIMARY KEY, b bit(256));
INSERT INTO bq SELECT q, clustered_bits(q % 20, 50000 + q, 256)
FROM generate_series(1, 20) q;

CREATE INDEX bt_hamming ON bt USING hnsw (b bit_hamming_ops);
CREATE INDEX bt_jaccard ON bt USING hnsw (b bit_jaccard_ops);
SELECT metric, dimensions, elements FROM hnsw_index_stats('bt_hamming');
SELECT metric, dimensions, elements FROM hnsw_index_stats('bt_jaccard');

SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bt ORDER BY b <~> (SELECT b FROM bq WHERE qid = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM bt ORDER BY b <%> (SELECT b FROM bq WHERE qid = 1) LIMIT 10;

-- Recall@10 by distance (ties make ids ambiguous): the share of the
-- index's 10 rows that are no farther than the exact 10th nearest.
CREATE FUNCTION distance_recall(op text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	q record;
	kth float8;
	hits int := 0;
	n int := 0;
BEGIN
	FOR q IN SELECT * FROM bq ORDER BY qid LOOP
		SET LOCAL enable_seqscan = on;
		SET LOCAL enable_indexscan = off;
		EXECUTE format('SELECT max(d) FROM (SELECT b %s $1 AS d FROM bt ORDER BY d LIMIT 10) s', op)
			INTO kth USING q.b;
		SET LOCAL enable_seqscan = off;
		SET LOCAL enable_indexscan = on;
		EXECUTE format('SELECT count(*) FROM (SELECT b %s $1 AS d FROM bt ORDER BY b %s $1 LIMIT 10) s WHERE d <= $2', op, op)
			INTO n USING q.b, kth;
		hits := hits + n;
	END LOOP;
	RETURN hits / 200.0;
END $$;
SET hnsw.ef_search = 40;
SELECT distance_recall('<~>') >= 0.95 AS hamming_recall_ok,
	   distance_recall('<%>') >= 0.95 AS jaccard_recall_ok;

-- the index returns the distances the operators compute, nearest first
SELECT s.d = (SELECT min(bt.b <~> q.b) FROM bt) AS nearest_is_exact,
	   s.d = hamming_distance(s.b, q.b) AS same_distance
FROM bq q,
	 LATERAL (SELECT bt.b, bt.b <~> q.b AS d FROM bt ORDER BY bt.b <~> q.b LIMIT 1) s
WHERE q.qid = 3;

-- rows inserted after the build are found, by either index
INSERT INTO bt VALUES (9001, repeat('10', 128)::bit(256)),
					  (9002, (repeat('0', 255) || '1')::bit(256));
SELECT id, b <~> repeat('10', 128)::bit(256) AS d FROM bt
ORDER BY b <~> repeat('10', 128)::bit(256) LIMIT 1;
SELECT id, b <%> (repeat('0', 255) || '1')::bit(256) AS d FROM bt
ORDER BY b <%> (repeat('0', 255) || '1')::bit(256) LIMIT 1;

-- a query of another length is an error, as the operator's is
SELECT id FROM bt ORDER BY b <~> B'101' LIMIT 1;

-- vacuum, then a structural check with every row accounted for
DELETE FROM bt WHERE id % 3 = 0;
VACUUM bt;
-- (vacuum's repairs leave a few elements unreachable, as with vectors:
-- fewer than 2% here)
SELECT elements, deleted_elements, heap_tids, unreachable < elements / 50 AS few_unreachable,
	   heap_rows_checked
FROM hnsw_verify('bt_hamming', heapallindexed => true);
SELECT elements, deleted_elements, heap_tids, unreachable < elements / 50 AS few_unreachable,
	   heap_rows_checked
FROM hnsw_verify('bt_jaccard', heapallindexed => true);
SELECT distance_recall('<~>') >= 0.95 AS hamming_recall_after_vacuum_ok;

-- Binary quantization, as pgvector documents it: an expression index on
-- binary_quantize(embedding)::bit(n), queried for candidates that an outer
-- query re-ranks by exact distance.
CREATE TABLE items (id int PRIMARY KEY, embedding vector(64));
INSERT INTO items
SELECT i, (SELECT array_agg(((hashint8((i % 20) * 1000 + g) % 1000) / 1000.0 +
							 (hashint8(i * 1000 + g) % 100) / 1000.0)::real
						   ORDER BY g)
		   FROM generate_series(1, 64) g)::vector
FROM generate_series(1, 1000) i;
CREATE INDEX ON items USING hnsw ((binary_quantize(embedding)::bit(64)) bit_hamming_ops);
EXPLAIN (COSTS OFF)
SELECT * FROM (SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(64) <~>
						  binary_quantize((SELECT embedding FROM items WHERE id = 7)) LIMIT 20) c
ORDER BY c.embedding <=> (SELECT embedding FROM items WHERE id = 7) LIMIT 5;
SELECT id FROM (SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(64) <~>
						   binary_quantize((SELECT embedding FROM items WHERE id = 7)) LIMIT 20) c
ORDER BY c.embedding <=> (SELECT embedding FROM items WHERE id = 7) LIMIT 1;

-- bit strings of 64,000 bits; beyond the page limit is an error
RESET enable_seqscan;
CREATE TABLE big (id int PRIMARY KEY, b bit(64000));
INSERT INTO big SELECT i, clustered_bits(i % 3, i, 64000) FROM generate_series(1, 30) i;
CREATE INDEX big_hamming ON big USING hnsw (b bit_hamming_ops);
SET enable_seqscan = off;
SELECT id, b <~> (SELECT b FROM big WHERE id = 17) AS d FROM big
ORDER BY b <~> (SELECT b FROM big WHERE id = 17) LIMIT 1;
INSERT INTO big VALUES (31, clustered_bits(99, 31, 64000));
SELECT id FROM big ORDER BY b <~> clustered_bits(99, 31, 64000)::bit(64000) LIMIT 1;
SELECT elements, unreachable, heap_rows_checked
FROM hnsw_verify('big_hamming', heapallindexed => true);
CREATE TABLE huge (b bit(70000));
CREATE INDEX ON huge USING hnsw (b bit_hamming_ops);

DROP TABLE bt, bq, items, big, huge;
DROP FUNCTION clustered_bits(int, bigint, int), distance_recall(text);
