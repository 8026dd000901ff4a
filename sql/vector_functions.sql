--
-- vector functions
--

-- vector_dims
SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_dims('[0]'::vector);
SELECT vector_dims(NULL::vector);

-- vector_norm, summed in double: no overflow for large elements
SELECT vector_norm('[3,4]');
SELECT vector_norm('[0,0,0]');
SELECT vector_norm('[-1,-1,-1,-1]');
SELECT vector_norm('[2e38,3e38]');
SELECT vector_norm('[1e-45]');

-- l2_normalize
SELECT l2_normalize('[3,4]'::vector);
SELECT l2_normalize('[0,0,0]'::vector);
SELECT l2_normalize('[-5]'::vector);
SELECT l2_normalize('[2e38,3e38]'::vector);
SELECT l2_normalize('[1e-45,0]'::vector);
SELECT vector_norm(l2_normalize('[1,2,3,4,5]'::vector));

-- l2_distance; exactly sqrt(27) for this pair
SELECT l2_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT l2_distance('[1,2,3]'::vector, '[1,2,3]');
SELECT l2_distance('[0,0]'::vector, '[3,4]');
SELECT l2_distance('[1,2]'::vector, '[1,2,3]');

-- inner_product
SELECT inner_product('[1,2,3]'::vector, '[4,5,6]');
SELECT inner_product('[1,-1]'::vector, '[1,1]');
SELECT inner_product('[1,2]'::vector, '[1,2,3]');

-- cosine_distance: 0 for the same direction, 1 orthogonal, 2 opposite,
-- NaN when either vector is zero
SELECT cosine_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT cosine_distance('[1,2]'::vector, '[2,4]');
SELECT cosine_distance('[1,0]'::vector, '[0,1]');
SELECT cosine_distance('[1,1]'::vector, '[-1,-1]');
SELECT cosine_distance('[0,0]'::vector, '[1,1]');
SELECT cosine_distance('[0,0]'::vector, '[0,0]');
SELECT cosine_distance('[1,2]'::vector, '[1,2,3]');

-- l1_distance
SELECT l1_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT l1_distance('[1,-2]'::vector, '[-1,2]');
SELECT l1_distance('[1,2]'::vector, '[1,2,3]');

-- the sums are float4, element after element, as in pgvector: adding 1 to
-- 16777216 in float4 is lost, where a double sum would give 16777217
SELECT inner_product('[16777216,1]'::vector, '[1,1]');
SELECT l1_distance('[16777216,1]'::vector, '[0,0]');
SELECT l2_distance('[4096,1]'::vector, '[0,0]') ^ 2;
SELECT cosine_distance('[16777216,1]'::vector, '[1,1]');

-- distances over the largest vectors
SELECT l2_distance(array_fill(1, ARRAY[16000])::vector,
                   array_fill(0, ARRAY[16000])::vector);
SELECT inner_product(array_fill(0.5, ARRAY[16000])::vector,
                     array_fill(2, ARRAY[16000])::vector);

-- subvector(v, start, count): positions start .. start + count - 1,
-- counted from 1; positions outside the vector are dropped
SELECT subvector('[1,2,3,4,5]'::vector, 1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 2);
SELECT subvector('[1,2,3,4,5]'::vector, 5, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 1, 5);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT subvector('[1,2,3,4,5]'::vector, 0, 3);
SELECT subvector('[1,2,3,4,5]'::vector, -2, 5);
SELECT subvector('[1,2,3,4,5]'::vector, -100, 2147483647);
SELECT subvector('[1,2,3,4,5]'::vector, 2, 2147483647);
-- no element left
SELECT subvector('[1,2,3,4,5]'::vector, 6, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 0);
SELECT subvector('[1,2,3,4,5]'::vector, 3, -1);
SELECT subvector('[1,2,3,4,5]'::vector, -2, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, -2147483648);

-- NULL in, NULL out
SELECT vector_norm(NULL), l2_distance('[1]'::vector, NULL), subvector('[1,2]'::vector, NULL, 1);
