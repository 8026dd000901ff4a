--
-- sparsevec operators: distances and comparisons, the btree operator class
--

-- each distance operator is its function (<#> the negative inner product)
SELECT a <-> b = l2_distance(a, b) AS l2,
       a <#> b = -inner_product(a, b) AS ip,
       a <#> b = sparsevec_negative_inner_product(a, b) AS negative_ip,
       a <=> b = cosine_distance(a, b) AS cosine,
       a <+> b = l1_distance(a, b) AS l1
FROM (VALUES ('{1:1,2:2,3:3}/3'::sparsevec, '{1:4,2:5,3:6}/3'::sparsevec),
             ('{1:1,3:3}/4', '{2:2,3:1,4:-1}/4')) AS t(a, b);

-- dense [1,2,3] and [4,5,6]: L2 sqrt(27), inner product 32,
-- cosine 1 - 32 / sqrt(14 * 77), L1 9
SELECT '{1:1,2:2,3:3}/3'::sparsevec <-> '{1:4,2:5,3:6}/3',
       '{1:1,2:2,3:3}/3'::sparsevec <#> '{1:4,2:5,3:6}/3',
       '{1:1,2:2,3:3}/3'::sparsevec <=> '{1:4,2:5,3:6}/3',
       '{1:1,2:2,3:3}/3'::sparsevec <+> '{1:4,2:5,3:6}/3';

-- partly overlapping: [1,0,3,0] and [0,2,1,-1]: L2 sqrt(10), inner
-- product 3, cosine 1 - 3 / sqrt(10 * 6), L1 6
SELECT '{1:1,3:3}/4'::sparsevec <-> '{2:2,3:1,4:-1}/4',
       '{1:1,3:3}/4'::sparsevec <#> '{2:2,3:1,4:-1}/4',
       '{1:1,3:3}/4'::sparsevec <=> '{2:2,3:1,4:-1}/4',
       '{1:1,3:3}/4'::sparsevec <+> '{2:2,3:1,4:-1}/4';

-- disjoint: [3,0] and [0,4]: L2 5, inner product 0, cosine 1, L1 7
SELECT '{1:3}/2'::sparsevec <-> '{2:4}/2',
       '{1:3}/2'::sparsevec <#> '{2:4}/2',
       '{1:3}/2'::sparsevec <=> '{2:4}/2',
       '{1:3}/2'::sparsevec <+> '{2:4}/2';

-- a zero vector: cosine distance is NaN
SELECT '{}/2'::sparsevec <-> '{1:3,2:4}/2',
       '{}/2'::sparsevec <#> '{1:3,2:4}/2',
       '{}/2'::sparsevec <=> '{1:3,2:4}/2',
       '{}/2'::sparsevec <+> '{1:3,2:4}/2',
       '{}/2'::sparsevec <=> '{}/2';

-- the operators commute
SELECT '{1:1,3:3}/4'::sparsevec <-> '{2:2,3:1,4:-1}/4' = '{2:2,3:1,4:-1}/4'::sparsevec <-> '{1:1,3:3}/4',
       '{1:1,3:3}/4'::sparsevec <=> '{2:2,3:1,4:-1}/4' = '{2:2,3:1,4:-1}/4'::sparsevec <=> '{1:1,3:3}/4';

-- the dimensions must match, non-zero elements or not
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
SELECT '{}/2'::sparsevec <#> '{}/3';
SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <+> '{1:1}/3';

-- comparisons: the order of the dense forms, element by element over the
-- common dimensions, then fewer dimensions first
CREATE TABLE sparsevec_ops_t (v sparsevec);
INSERT INTO sparsevec_ops_t VALUES
	('{1:1,2:1}/2'), ('{1:1}/2'), ('{1:1}/1'), ('{2:1}/2'), ('{}/3'),
	('{}/2'), ('{2:-1}/3'), ('{}/1'), ('{1:-1}/2');
SELECT v, v::vector AS dense FROM sparsevec_ops_t ORDER BY v;
SELECT v FROM sparsevec_ops_t ORDER BY v DESC LIMIT 3;

SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne, a >= b AS ge,
       a > b AS gt, sparsevec_cmp(a, b) AS cmp
FROM (VALUES ('{1:1,2:2}/3'::sparsevec, '{1:1,2:2}/3'::sparsevec),
             ('{1:1,2:2}/3', '{1:1,2:3}/3'),
             ('{1:1,2:2}/3', '{1:1}/3'),
             ('{1:1}/3', '{1:1}/2'),
             ('{2:-1}/3', '{}/3'),
             ('{3:5}/3', '{}/2'),
             ('{1:-1}/2', '{}/1'),
             ('{2:1}/2', '{1:1}/1')) AS t(a, b)
ORDER BY 1, 2;

-- the order agrees with vector's on the dense forms, for every pair of a
-- seeded sample of sparse vectors of 1 to 4 dimensions, many with equal
-- prefixes
SELECT setseed(0.25);
CREATE TABLE sparsevec_ops_sample AS
SELECT n, v FROM (
	SELECT n, ('{' || coalesce(string_agg(i || ':' || x, ',') FILTER (WHERE x <> 0), '')
	           || '}/' || min(d))::sparsevec AS v
	FROM (SELECT n, 1 + (random() * 3)::int AS d FROM generate_series(1, 60) n) AS dims,
	     LATERAL (SELECT i, (random() * 2)::int - 1 AS x FROM generate_series(1, d) i) AS e
	GROUP BY n) AS s;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE sign(sparsevec_cmp(a.v, b.v)) <> sign(vector_cmp(a.v::vector, b.v::vector))) AS disagree,
       count(*) FILTER (WHERE sparsevec_cmp(a.v, b.v) = 0) AS equal,
       count(*) FILTER (WHERE (a.v = b.v) <> (a.v::text = b.v::text)) AS eq_not_identical
FROM sparsevec_ops_sample a, sparsevec_ops_sample b;

-- a btree index: ordered scans, equality lookups, uniqueness
CREATE INDEX ON sparsevec_ops_t (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT v FROM sparsevec_ops_t WHERE v = '{1:1}/2';
SELECT v FROM sparsevec_ops_t WHERE v = '{1:1}/2';
SELECT v FROM sparsevec_ops_t WHERE v > '{}/2' ORDER BY v;
RESET enable_seqscan;
CREATE UNIQUE INDEX ON sparsevec_ops_t (v);
INSERT INTO sparsevec_ops_t VALUES ('{2:0,1:1}/2');
INSERT INTO sparsevec_ops_t VALUES ('{1:1}/3');

-- grouping: equal values are identical
SELECT v, count(*) FROM (VALUES ('{1:1}/2'::sparsevec), ('{1:1,2:0}/2'), ('{2:1}/2')) AS t(v)
GROUP BY v ORDER BY v;

DROP TABLE sparsevec_ops_t, sparsevec_ops_sample;

-- NULL in, NULL out
SELECT '{1:1}/2'::sparsevec <-> NULL, NULL::sparsevec < '{1:1}/2';
