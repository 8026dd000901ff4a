--
-- halfvec operators: distances, arithmetic, concatenation, comparison
--

-- distance operators; each equals its function
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' AS l2,
       '[1,2,3]'::halfvec <#> '[4,5,6]' AS negative_ip,
       '[1,2,3]'::halfvec <=> '[4,5,6]' AS cosine,
       '[1,2,3]'::halfvec <+> '[4,5,6]' AS l1;
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' = l2_distance('[1,2,3]'::halfvec, '[4,5,6]'),
       '[1,2,3]'::halfvec <#> '[4,5,6]' = -inner_product('[1,2,3]'::halfvec, '[4,5,6]'),
       '[1,2,3]'::halfvec <=> '[4,5,6]' = cosine_distance('[1,2,3]'::halfvec, '[4,5,6]'),
       '[1,2,3]'::halfvec <+> '[4,5,6]' = l1_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT '[0,0]'::halfvec <=> '[1,2]';
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
SELECT '[1,2]'::halfvec <#> '[1,2,3]';
SELECT '[1,2]'::halfvec <=> '[1,2,3]';
SELECT '[1,2]'::halfvec <+> '[1,2,3]';

-- nearest neighbours by each operator, without an index
CREATE TABLE halfvec_operators_t (id int, v halfvec(2));
INSERT INTO halfvec_operators_t VALUES
	(1, '[1,1]'), (2, '[2,2]'), (3, '[-1,1]'), (4, '[10,0]'), (5, '[0,0]');
SELECT id, v FROM halfvec_operators_t ORDER BY v <-> '[1.9,1.9]', id LIMIT 3;
SELECT id, v FROM halfvec_operators_t ORDER BY v <#> '[1,0]', id LIMIT 3;
SELECT id, v FROM halfvec_operators_t WHERE v <> '[0,0]' ORDER BY v <=> '[1,0]', id LIMIT 3;
SELECT id, v FROM halfvec_operators_t ORDER BY v <+> '[-1,0]', id LIMIT 3;

-- the distance operators commute
SELECT oprname, oprcom::regoperator FROM pg_operator
WHERE oprname IN ('<->', '<#>', '<=>', '<+>')
  AND oprleft = 'halfvec'::regtype ORDER BY oprname;

-- element-wise arithmetic, rounded to half: 0.1 + 0.2 is 0.099975586 +
-- 0.19995117 = 0.29992676 in float4, halfway between the halves 0.2998047
-- and 0.30004883; the tie goes to the even one, 0.2998047.  2048 + 1 is a
-- tie too, going to 2048.
SELECT '[1,2,3]'::halfvec + '[4,5,6]';
SELECT '[1,2,3]'::halfvec - '[4,5,6]';
SELECT '[1,2,3]'::halfvec * '[4,5,-6]';
SELECT '[0.1,0.2]'::halfvec + '[0.2,0.1]';
SELECT '[2048,1]'::halfvec + '[1,0.0001]';
SELECT '[1,2]'::halfvec + '[1,2,3]';
SELECT '[1,2]'::halfvec - '[1,2,3]';
SELECT '[1,2]'::halfvec * '[1,2,3]';
-- sums and products beyond 65504 overflow; a product of non-zero elements
-- that rounds to a zero half underflows
SELECT '[65504]'::halfvec + '[65504]';
SELECT '[-65504]'::halfvec - '[16]';
SELECT '[65504]'::halfvec + '[15]';
SELECT '[300,1]'::halfvec * '[300,1]';
SELECT '[0.001,1]'::halfvec * '[0.00001,1]';
SELECT '[0.01,1]'::halfvec * '[0.001,1]';
SELECT '[0,1]'::halfvec * '[0.00001,1]';

-- concatenation
SELECT '[1,2]'::halfvec || '[3]';
SELECT '[1]'::halfvec || '[2]' || '[3,4]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::halfvec || array_fill(2, ARRAY[8000])::halfvec);
SELECT array_fill(1, ARRAY[16000])::halfvec || '[1]';

-- comparison: element by element by value, then the shorter vector first
SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne,
       a >= b AS ge, a > b AS gt, halfvec_cmp(a, b) AS cmp
FROM (VALUES ('[1,2,3]'::halfvec, '[1,2,3]'::halfvec),
             ('[1,2,3]', '[1,2,4]'),
             ('[1,3]', '[1,2,3]'),
             ('[1,2]', '[1,2,3]'),
             ('[-1]', '[0]'),
             ('[-2]', '[-1]'),
             ('[-0]', '[0]'),
             ('[0.1]', '[0.09997]'),
             ('[2]', '[1,100]')) AS t(a, b);

-- btree: sorting, grouping, DISTINCT, unique index
CREATE TABLE halfvec_operators_b (v halfvec);
INSERT INTO halfvec_operators_b VALUES
	('[3,1]'), ('[1,2,3]'), ('[1,2]'), ('[3,1]'), ('[1,2]'), ('[-5]'),
	('[-6]'), ('[1,2,3]'), ('[0.5,9,9,9]'), ('[1,2]'), (NULL);
SELECT v FROM halfvec_operators_b ORDER BY v;
SELECT v FROM halfvec_operators_b ORDER BY v DESC NULLS LAST;
SELECT DISTINCT v FROM halfvec_operators_b ORDER BY v;
SELECT v, count(*) FROM halfvec_operators_b GROUP BY v ORDER BY v;
SELECT v FROM halfvec_operators_b WHERE v > '[1,2]' ORDER BY v;
SELECT v FROM halfvec_operators_b WHERE v IN ('[1,2]', '[-5]') ORDER BY v;

CREATE UNIQUE INDEX halfvec_operators_b_idx ON halfvec_operators_b (v);
DELETE FROM halfvec_operators_b a USING halfvec_operators_b b
WHERE a.v = b.v AND a.ctid > b.ctid;
CREATE UNIQUE INDEX halfvec_operators_b_idx ON halfvec_operators_b (v);
INSERT INTO halfvec_operators_b VALUES ('[1,2]');
-- 2.0001 is the half 2
INSERT INTO halfvec_operators_b VALUES ('[1,2.0001]');
INSERT INTO halfvec_operators_b VALUES ('[1,2.002]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT v FROM halfvec_operators_b WHERE v = '[1,2]';
SELECT v FROM halfvec_operators_b WHERE v = '[1,2]';
SELECT v FROM halfvec_operators_b WHERE v >= '[1,2]' ORDER BY v;
RESET enable_seqscan;

-- a merge join uses the btree ordering
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM halfvec_operators_b a JOIN halfvec_operators_b b ON a.v = b.v;
SELECT count(*) FROM halfvec_operators_b a JOIN halfvec_operators_b b ON a.v = b.v;
RESET enable_hashjoin;
RESET enable_nestloop;

DROP TABLE halfvec_operators_t, halfvec_operators_b;
