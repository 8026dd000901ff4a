-- The tuning and inspection functions on every type an hnsw index holds:
-- halfvec and bit columns (and indexes) as well as vector.
SET enable_bitmapscan = off;

-- 2,000 clustered 32-dimensional rows, as vector, halfvec and bit
CREATE TABLE tt (id int PRIMARY KEY, v vector(32), h halfvec(32), b bit(32));
INSERT INTO tt
SELECT i, x, x::halfvec(32), binary_quantize(x)::bit(32)
FROM (SELECT i, (SELECT array_agg(((hashint8((i % 10) * 100 + g) % 1000) / 500.0 +
								   (hashint8(i * 100 + g) % 100) / 500.0 - 1)::real
								  ORDER BY g)
				 FROM generate_series(1, 32) g)::vector(32) AS x
	  FROM generate_series(1, 2000) i) s;
CREATE INDEX tt_h ON tt USING hnsw (h halfvec_l2_ops);
CREATE INDEX tt_b ON tt USING hnsw (b bit_hamming_ops);

-- memory estimates: from a column of each type, and from rows and
-- dimensions of a named type, within 10% of the built index (the bit
-- column's 32-bit codes repeat, and rows with equal values share an
-- element, so distinct 256-bit strings stand in for it)
CREATE TABLE tb (b bit(256));
INSERT INTO tb SELECT (SELECT string_agg((hashint8(i * 1000 + g) & 1)::text, '')
					   FROM generate_series(1, 256) g)::bit(256)
FROM generate_series(1, 2000) i;
CREATE INDEX tb_b ON tb USING hnsw (b bit_hamming_ops);
ANALYZE tt, tb;
SELECT (SELECT total_bytes FROM hnsw_estimate_memory('tt', 'h')) BETWEEN
	   0.9 * pg_relation_size('tt_h') AND 1.1 * pg_relation_size('tt_h') AS halfvec_estimate_within_10pct,
	   (SELECT total_bytes FROM hnsw_estimate_memory('tb', 'b')) BETWEEN
	   0.9 * pg_relation_size('tb_b') AND 1.1 * pg_relation_size('tb_b') AS bit_estimate_within_10pct;
SELECT vector_bytes, pages FROM hnsw_estimate_memory(2000, 32, 16, 'halfvec');
SELECT vector_bytes, pages FROM hnsw_estimate_memory(2000, 32, 16, 'bit');
SELECT vector_bytes FROM hnsw_estimate_memory(2000, 32);
SELECT (hnsw_estimate_memory(2000, 32, 16, 'halfvec')).total_bytes =
	   (hnsw_estimate_memory('tt', 'h')).total_bytes AS same_as_column;
-- a type no index holds, and dimensions beyond a type's limit
SELECT * FROM hnsw_estimate_memory(2000, 32, 16, 'int4');
SELECT * FROM hnsw_estimate_memory(2000, 4041, 16, 'halfvec');
SELECT vector_bytes FROM hnsw_estimate_memory(1, 64656, 16, 'bit');
SELECT * FROM hnsw_estimate_memory(1, 64657, 16, 'bit');

-- recall and the ef_search tuner, on halfvec and bit indexes
SELECT queries, recall >= 0.9 AS good_recall
FROM hnsw_recall('tt_h', k => 10, queries => 50, ef_search => 40);
SELECT queries, recall >= 0.9 AS good_recall
FROM hnsw_recall('tt_b', k => 10, queries => 50, ef_search => 40);
-- queries from another table of the index's type
CREATE TABLE tq (q halfvec(32), qb bit(32), wrong halfvec(8));
INSERT INTO tq SELECT h, b, subvector(h, 1, 8) FROM tt WHERE id % 100 = 7;
SELECT queries, recall >= 0.9 AS good_recall FROM hnsw_recall('tt_h', 'tq', 'q', queries => 20);
SELECT queries, recall >= 0.9 AS good_recall FROM hnsw_recall('tt_b', 'tq', 'qb', queries => 20);
SELECT * FROM hnsw_recall('tt_h', 'tq', 'qb');
SELECT * FROM hnsw_recall('tt_h', 'tq', 'wrong');
SELECT ef_search >= 1 AS chose, recall >= 0.9 AS reached, applied
FROM hnsw_tune('tt_h', target_recall => 0.9, queries => 50);
SELECT ef_search >= 1 AS chose, recall >= 0.9 AS reached, applied
FROM hnsw_tune('tt_b', target_recall => 0.9, queries => 50);

-- the sweep builds indexes of the column's type, with the operator class
-- of its index (or the type's default); its NOTICEs carry timings
SET client_min_messages = warning;
SELECT m, ef_construction, ef_search, recall > 0.5 AS measured, index_bytes > 0 AS built
FROM hnsw_sweep('tt', 'h', '{8}', '{16}', '{40}', queries => 20, sample_rows => 500);
SELECT m, ef_construction, ef_search, recall > 0.5 AS measured, index_bytes > 0 AS built
FROM hnsw_sweep('tt', 'b', '{8}', '{16}', '{40}', queries => 20, sample_rows => 500);
SELECT count(*) FROM pg_class WHERE relname LIKE 'hnsw_sweep%';
RESET client_min_messages;

-- k-means on halfvec and bit columns: halves exactly as floats, bits as 0
-- and 1; the halfvec clusters are the vector column's (the values are the
-- same to within half precision)
SELECT count(*) AS clusters, min(vector_dims(centroid)) AS dims
FROM hnsw_kmeans('tt', 'h', k => 10, seed => 1);
SELECT count(*) AS clusters, min(vector_dims(centroid)) AS dims
FROM hnsw_kmeans('tt', 'b', k => 4, seed => 1);
SELECT sum(size) AS rows, count(*) AS clusters
FROM hnsw_cluster_stats('tt', 'h', k => 10, seed => 1);
SELECT sum(size) AS rows, count(*) AS clusters
FROM hnsw_cluster_stats('tt', 'b', k => 4, seed => 1);
SELECT (SELECT array_agg(size ORDER BY size) FROM hnsw_cluster_stats('tt', 'v', k => 10, seed => 1)) =
	   (SELECT array_agg(size ORDER BY size) FROM hnsw_cluster_stats('tt', 'h', k => 10, seed => 1))
	   AS halfvec_clusters_match_vector;
-- bit centroids are means of 0/1 coordinates
SELECT bool_and(x >= 0 AND x <= 1) AS in_unit_cube
FROM hnsw_kmeans('tt', 'b', k => 4, seed => 1), unnest(centroid::real[]) x;

-- structure and statistics
SELECT metric, dimensions, elements FROM hnsw_index_stats('tt_h');
SELECT metric, dimensions, elements FROM hnsw_index_stats('tt_b');
SELECT elements, unreachable, heap_rows_checked FROM hnsw_verify('tt_h', heapallindexed => true);
SELECT elements >= 1, heap_rows_checked FROM hnsw_verify('tt_b', heapallindexed => true);

DROP TABLE tt, tq, tb;
