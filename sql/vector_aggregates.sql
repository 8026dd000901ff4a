--
-- avg(vector) and sum(vector)
--

CREATE TABLE vector_aggregates_t (g int, v vector);
INSERT INTO vector_aggregates_t VALUES
	(1, '[1,2,3]'), (1, '[4,5,6]'), (1, NULL),
	(2, '[-1,0.5]'), (2, '[1,0.25]'), (2, '[0.5,0.75]'),
	(3, NULL);

SELECT avg(v), sum(v) FROM vector_aggregates_t WHERE g = 1;
SELECT g, avg(v), sum(v), count(v) FROM vector_aggregates_t GROUP BY g ORDER BY g;

-- no rows, or only NULLs: NULL
SELECT avg(v), sum(v) FROM vector_aggregates_t WHERE false;
SELECT avg(v), sum(v) FROM vector_aggregates_t WHERE g = 3;

-- all vectors must have the same dimensions
SELECT avg(v) FROM vector_aggregates_t;
SELECT sum(v) FROM vector_aggregates_t;

-- sums are kept in double: a large intermediate sum does not overflow ...
SELECT avg(v) FROM (VALUES ('[3e38,-3e38]'::vector), ('[3e38,-3e38]')) AS t(v);
SELECT avg(v) FROM (VALUES ('[16777216]'::vector), ('[1]'), ('[1]')) AS t(v);
-- ... but a sum outside float4 range does not fit in a vector
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) AS t(v);

-- as a window aggregate
SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v) AS running_sum
FROM vector_aggregates_t WHERE g = 2 ORDER BY v;

-- the largest vectors
SELECT vector_dims(avg(v)), avg(v) = array_fill(2, ARRAY[16000])::vector AS ok
FROM (VALUES (array_fill(1, ARRAY[16000])::vector),
             (array_fill(3, ARRAY[16000])::vector)) AS t(v);

-- the state functions called directly
SELECT vector_accum('{0}', '[1,2]');
SELECT vector_accum(vector_accum('{0}', '[1,2]'), '[3,4]');
SELECT vector_accum('{1,1,2}', '[1,2,3]');
SELECT vector_combine('{2,4,6}', '{1,3,4}');
SELECT vector_combine('{0}', '{1,3,4}');
SELECT vector_combine('{2,4,6}', '{0}');
SELECT vector_combine('{0}', '{0}');
SELECT vector_combine('{2,4,6}', '{1,3,4,5}');
SELECT vector_avg('{2,4,6}'), vector_sum('{2,4,6}');
SELECT vector_avg('{0}'), vector_sum('{0}');
-- arrays that are not states
SELECT vector_avg('{}');
SELECT vector_avg('{{1,2},{3,4}}');
SELECT vector_avg('{1,NULL}');
SELECT vector_sum('{1,1e300}');
SELECT vector_accum('{}', '[1]');

-- parallel aggregation: partial states from workers meet in the combine
-- function; the results equal those of a serial plan
CREATE TABLE vector_aggregates_p (v vector(3));
INSERT INTO vector_aggregates_p
SELECT ARRAY[i % 7, -(i % 11), (i % 13) * 0.5]::vector
FROM generate_series(1, 30000) AS i;
ANALYZE vector_aggregates_p;

SELECT avg(v), sum(v), count(*) FROM vector_aggregates_p;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v), count(*) FROM vector_aggregates_p;
SELECT avg(v), sum(v), count(*) FROM vector_aggregates_p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE vector_aggregates_t, vector_aggregates_p;
