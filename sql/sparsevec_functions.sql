--
-- sparsevec functions: distances, norm, normalization
--

-- l2_distance: [1,0,3,0] and [0,2,1,-1] differ by 1, 2, 2, 1: sqrt(10)
SELECT l2_distance('{1:1,3:3}/4'::sparsevec, '{2:2,3:1,4:-1}/4');
SELECT l2_distance('{1:1,2:2}/2'::sparsevec, '{1:1,2:2}/2');
SELECT l2_distance('{}/2'::sparsevec, '{1:3,2:4}/2');
SELECT l2_distance('{1:1}/2'::sparsevec, '{1:1}/3');
-- its square, the support function for an L2 operator class
SELECT sparsevec_l2_squared_distance('{1:1,3:3}/4', '{2:2,3:1,4:-1}/4');
SELECT sparsevec_l2_squared_distance('{1:1}/2', '{1:1}/3');

-- inner_product: only shared indices count: 3 * 1
SELECT inner_product('{1:1,3:3}/4'::sparsevec, '{2:2,3:1,4:-1}/4');
SELECT inner_product('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2');
SELECT inner_product('{1:3}/2'::sparsevec, '{2:4}/2');
SELECT inner_product('{1:1}/2'::sparsevec, '{1:1}/3');
SELECT sparsevec_negative_inner_product('{1:1,2:2}/2', '{1:2,2:4}/2');
SELECT sparsevec_negative_inner_product('{1:1}/2', '{1:1}/3');

-- cosine_distance: 1 - 3 / sqrt(10 * 6); parallel, orthogonal, opposite;
-- NaN with a zero vector
SELECT cosine_distance('{1:1,3:3}/4'::sparsevec, '{2:2,3:1,4:-1}/4');
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2');
SELECT cosine_distance('{1:2}/2'::sparsevec, '{2:2}/2');
SELECT cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:-1,2:-1}/2');
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{}/2');
SELECT cosine_distance('{}/1'::sparsevec, '{}/1');
SELECT cosine_distance('{1:1}/2'::sparsevec, '{1:1}/3');

-- l1_distance: |1| + |-2| + |3-1| + |1|
SELECT l1_distance('{1:1,3:3}/4'::sparsevec, '{2:2,3:1,4:-1}/4');
SELECT l1_distance('{}/2'::sparsevec, '{1:3,2:-4}/2');
SELECT l1_distance('{1:1}/2'::sparsevec, '{1:1}/3');

-- sums are float4, in index order, as for vector: 16777216 + 1 rounds
-- back to 16777216
SELECT inner_product('{1:16777216,2:1}/2'::sparsevec, '{1:1,2:1}/2');
SELECT l1_distance('{1:16777216,2:1}/2'::sparsevec, '{}/2');
SELECT l2_distance('{1:4096,2:1}/2'::sparsevec, '{}/2') ^ 2;
SELECT cosine_distance('{1:16777216,2:1}/2'::sparsevec, '{1:1,2:1}/2');

-- overflow gives infinity, like the dense kernels
SELECT l2_distance('{1:3e38}/2'::sparsevec, '{2:3e38}/2');
SELECT inner_product('{1:3e38,2:3e38}/2'::sparsevec, '{1:3e38,2:3e38}/2');

-- the same results as the dense forms, to the last bit, for a seeded
-- sample of pairs with every kind of overlap (float8 = counts NaN equal to
-- NaN, for a zero vector's cosine distance)
SELECT setseed(0.5);
CREATE TABLE sparsevec_functions_pairs AS
SELECT n,
       ('{' || coalesce(string_agg(i || ':' || x, ',') FILTER (WHERE x <> 0), '') || '}/40')::sparsevec AS a,
       ('{' || coalesce(string_agg(i || ':' || y, ',') FILTER (WHERE y <> 0), '') || '}/40')::sparsevec AS b
FROM (SELECT n, i,
             CASE WHEN random() < 0.3 THEN (random() * 200 - 100)::real ELSE 0 END AS x,
             CASE WHEN random() < 0.3 THEN (random() * 200 - 100)::real ELSE 0 END AS y
      FROM generate_series(1, 200) n, generate_series(1, 40) i) AS e
GROUP BY n;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE l2_distance(a, b) = l2_distance(a::vector, b::vector)
                        AND inner_product(a, b) = inner_product(a::vector, b::vector)
                        AND l1_distance(a, b) = l1_distance(a::vector, b::vector)
                        AND cosine_distance(a, b) = cosine_distance(a::vector, b::vector)
                        AND l2_norm(a) = vector_norm(a::vector)) AS same
FROM sparsevec_functions_pairs;
DROP TABLE sparsevec_functions_pairs;

-- l2_norm, summed in double
SELECT l2_norm('{1:3,2:4}/2'::sparsevec);
SELECT l2_norm('{2:1}/2'::sparsevec);
SELECT l2_norm('{}/3'::sparsevec);
SELECT l2_norm('{1:-1,2:-1,3:-1,4:-1}/4'::sparsevec);
-- beyond the float4 range: sqrt(13) * 1e38
SELECT round((l2_norm('{1:2e38,2:3e38}/2'::sparsevec) / 1e38)::numeric, 5);
SELECT l2_norm('{1:1e-45}/1'::sparsevec);

-- l2_normalize: unit length, the zero vector unchanged
SELECT l2_normalize('{1:3,2:4}/2'::sparsevec);
SELECT l2_normalize('{3:-5}/7'::sparsevec);
SELECT l2_normalize('{}/3'::sparsevec);
SELECT l2_normalize('{1:2e38,2:3e38}/2'::sparsevec);
SELECT l2_norm(l2_normalize('{1:1,2:2,3:3,4:4,5:5}/5'::sparsevec));
-- a value that underflows to zero next to the norm is dropped
SELECT l2_normalize('{1:1e38,2:1e-45}/2'::sparsevec);
-- the same result as the dense form
SELECT l2_normalize(v)::vector = l2_normalize(v::vector) AS same
FROM (VALUES ('{1:1,3:2,9:-7.5}/9'::sparsevec), ('{2:0.1}/2')) AS t(v);

-- NULL in, NULL out
SELECT l2_norm(NULL::sparsevec), l2_normalize(NULL::sparsevec),
       l2_distance('{1:1}/1'::sparsevec, NULL), cosine_distance(NULL, '{1:1}/1'::sparsevec);
