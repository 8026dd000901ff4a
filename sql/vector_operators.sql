--
-- vector operators and the btree operator class
--

-- distance operators are the distance functions
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2,
       '[1,2,3]'::vector <#> '[4,5,6]' AS negative_ip,
       '[1,2,3]'::vector <=> '[4,5,6]' AS cosine,
       '[1,2,3]'::vector <+> '[4,5,6]' AS l1;
SELECT '[1,2,3]'::vector <-> '[4,5,6]' = l2_distance('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <#> '[4,5,6]' = -inner_product('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <=> '[4,5,6]' = cosine_distance('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <+> '[4,5,6]' = l1_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT '[0,0]'::vector <=> '[1,2]';
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';

-- nearest neighbours by each operator, without an index
CREATE TABLE vector_operators_t (id int, v vector(2));
INSERT INTO vector_operators_t VALUES
	(1, '[1,1]'), (2, '[2,2]'), (3, '[-1,1]'), (4, '[10,0]'), (5, '[0,0]');
SELECT id, v FROM vector_operators_t ORDER BY v <-> '[1.9,1.9]', id LIMIT 3;
SELECT id, v FROM vector_operators_t ORDER BY v <#> '[1,0]', id LIMIT 3;
SELECT id, v FROM vector_operators_t WHERE v <> '[0,0]' ORDER BY v <=> '[1,0]', id LIMIT 3;
SELECT id, v FROM vector_operators_t ORDER BY v <+> '[-1,0]', id LIMIT 3;

-- the distance operators commute
SELECT oprname, oprcom::regoperator FROM pg_operator
WHERE oprname IN ('<->', '<#>', '<=>', '<+>')
  AND oprleft = 'vector'::regtype ORDER BY oprname;

-- element-wise arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]';
SELECT '[1,2,3]'::vector - '[4,5,6]';
SELECT '[1,2,3]'::vector * '[4,5,-6]';
SELECT '[0.1,0.2]'::vector + '[0.2,0.1]';
SELECT '[1e-20,0]'::vector * '[1e-20,1e-30]';
SELECT '[1,2]'::vector + '[1,2,3]';
SELECT '[1,2]'::vector - '[1,2,3]';
SELECT '[1,2]'::vector * '[1,2,3]';
-- overflow to infinity, and a product of non-zero elements that is zero
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e20,1]'::vector * '[1e20,1]';
SELECT '[1e-30,1]'::vector * '[1e-30,1]';

-- concatenation
SELECT '[1,2]'::vector || '[3]';
SELECT '[1]'::vector || '[2]' || '[3,4]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::vector || array_fill(2, ARRAY[8000])::vector);
SELECT array_fill(1, ARRAY[16000])::vector || '[1]';

-- comparison: element by element, then the shorter vector first
SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne,
       a >= b AS ge, a > b AS gt, vector_cmp(a, b) AS cmp
FROM (VALUES ('[1,2,3]'::vector, '[1,2,3]'::vector),
             ('[1,2,3]', '[1,2,4]'),
             ('[1,3]', '[1,2,3]'),
             ('[1,2]', '[1,2,3]'),
             ('[-1]', '[0]'),
             ('[-0]', '[0]'),
             ('[2]', '[1,100]')) AS t(a, b);

-- btree: sorting, grouping, DISTINCT, unique index
CREATE TABLE vector_operators_b (v vector);
INSERT INTO vector_operators_b VALUES
	('[3,1]'), ('[1,2,3]'), ('[1,2]'), ('[3,1]'), ('[1,2]'), ('[-5]'),
	('[1,2,3]'), ('[0.5,9,9,9]'), ('[1,2]'), (NULL);
SELECT v FROM vector_operators_b ORDER BY v;
SELECT v FROM vector_operators_b ORDER BY v DESC NULLS LAST;
SELECT DISTINCT v FROM vector_operators_b ORDER BY v;
SELECT v, count(*) FROM vector_operators_b GROUP BY v ORDER BY v;
SELECT count(DISTINCT v) FROM vector_operators_b;
SELECT v FROM vector_operators_b WHERE v > '[1,2]' ORDER BY v;
SELECT v FROM vector_operators_b WHERE v IN ('[1,2]', '[-5]') ORDER BY v;

CREATE UNIQUE INDEX vector_operators_b_idx ON vector_operators_b (v);
DELETE FROM vector_operators_b a USING vector_operators_b b
WHERE a.v = b.v AND a.ctid > b.ctid;
CREATE UNIQUE INDEX vector_operators_b_idx ON vector_operators_b (v);
INSERT INTO vector_operators_b VALUES ('[1,2]');
INSERT INTO vector_operators_b VALUES ('[1,2.0001]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT v FROM vector_operators_b WHERE v = '[1,2]';
SELECT v FROM vector_operators_b WHERE v = '[1,2]';
SELECT v FROM vector_operators_b WHERE v >= '[1,2]' ORDER BY v;
RESET enable_seqscan;

-- a merge join uses the btree ordering
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM vector_operators_b a JOIN vector_operators_b b ON a.v = b.v;
SELECT count(*) FROM vector_operators_b a JOIN vector_operators_b b ON a.v = b.v;
RESET enable_hashjoin;
RESET enable_nestloop;

DROP TABLE vector_operators_t, vector_operators_b;
