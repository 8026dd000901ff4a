--
-- avg(halfvec) and sum(halfvec)
--

CREATE TABLE halfvec_aggregates_t (g int, v halfvec);
INSERT INTO halfvec_aggregates_t VALUES
	(1, '[1,2,3]'), (1, '[4,5,6]'), (1, NULL),
	(2, '[-1,0.5]'), (2, '[1,0.25]'), (2, '[0.5,0.75]'),
	(3, NULL);

SELECT avg(v), sum(v) FROM halfvec_aggregates_t WHERE g = 1;
SELECT g, avg(v), sum(v), count(v) FROM halfvec_aggregates_t GROUP BY g ORDER BY g;
SELECT pg_typeof(avg(v)), pg_typeof(sum(v)) FROM halfvec_aggregates_t WHERE g = 1;

-- no rows, or only NULLs: NULL
SELECT avg(v), sum(v) FROM halfvec_aggregates_t WHERE false;
SELECT avg(v), sum(v) FROM halfvec_aggregates_t WHERE g = 3;

-- all halfvecs must have the same dimensions
SELECT avg(v) FROM halfvec_aggregates_t;
SELECT sum(v) FROM halfvec_aggregates_t;

-- sums are kept in double and rounded to half at the end: sums beyond
-- 65504 do not overflow an average, but do not fit in a halfvec sum
SELECT avg(v) FROM (VALUES ('[65504,-65504]'::halfvec), ('[65504,-65504]')) AS t(v);
SELECT sum(v) FROM (VALUES ('[65504]'::halfvec), ('[65504]')) AS t(v);
SELECT sum(v) FROM (VALUES ('[-65504]'::halfvec), ('[-16]')) AS t(v);
-- 2048 + 1 + 1 is 2050 in double, a half; summed in half at each step it
-- would stay 2048 (2049 is a tie that goes to 2048)
SELECT sum(v) FROM (VALUES ('[2048]'::halfvec), ('[1]'), ('[1]')) AS t(v);
-- the average of the halves of 0.1 and 0.2 is 0.14996338, halfway between
-- two halves; the even one is 0.14990234
SELECT avg(v) FROM (VALUES ('[0.1]'::halfvec), ('[0.2]')) AS t(v);
-- -0 alone sums to -0
SELECT sum(v) FROM (VALUES ('[-0,0]'::halfvec)) AS t(v);

-- as a window aggregate
SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v) AS running_sum
FROM halfvec_aggregates_t WHERE g = 2 ORDER BY v;

-- the largest halfvecs
SELECT vector_dims(avg(v)), avg(v) = array_fill(2, ARRAY[16000])::halfvec AS ok
FROM (VALUES (array_fill(1, ARRAY[16000])::halfvec),
             (array_fill(3, ARRAY[16000])::halfvec)) AS t(v);

-- the state functions called directly; the state and the combine function
-- are vector's
SELECT halfvec_accum('{0}', '[1,2]');
SELECT halfvec_accum(halfvec_accum('{0}', '[1,2]'), '[3,4]');
SELECT halfvec_accum('{1,1,2}', '[1,2,3]');
SELECT halfvec_avg('{2,4,6}'), halfvec_sum('{2,4,6}');
SELECT halfvec_avg('{0}'), halfvec_sum('{0}');
SELECT halfvec_sum('{1,1e6}');
SELECT halfvec_avg('{}');
SELECT halfvec_accum('{}', '[1]');
SELECT aggfnoid::regprocedure, aggtransfn, aggcombinefn, aggfinalfn,
       aggtranstype::regtype
FROM pg_aggregate
WHERE aggfnoid::regprocedure::text IN ('avg(halfvec)', 'sum(halfvec)')
ORDER BY aggfnoid::regprocedure::text;

-- parallel aggregation: partial states from workers meet in the combine
-- function; the results equal those of a serial plan
CREATE TABLE halfvec_aggregates_p (v halfvec(3));
INSERT INTO halfvec_aggregates_p
SELECT ARRAY[i % 7, -(i % 11), (i % 13) * 0.5]::halfvec
FROM generate_series(1, 30000) AS i;
ANALYZE halfvec_aggregates_p;

SELECT avg(v), count(*) FROM halfvec_aggregates_p;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), count(*) FROM halfvec_aggregates_p;
SELECT avg(v), count(*) FROM halfvec_aggregates_p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE halfvec_aggregates_t, halfvec_aggregates_p;
