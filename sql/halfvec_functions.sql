--
-- halfvec functions: dimensions, norm, normalization, distances, slicing,
-- binary quantization
--

-- vector_dims
SELECT vector_dims('[1,2,3]'::halfvec);
SELECT vector_dims('[0]'::halfvec);
SELECT vector_dims(NULL::halfvec);

-- l2_norm, summed in double: sqrt(9 + 16) = 5; sqrt(3 * 65504^2) stays
-- finite
SELECT l2_norm('[3,4]'::halfvec);
SELECT l2_norm('[0,0]'::halfvec);
SELECT l2_norm('[65504,65504,65504]'::halfvec);
SELECT l2_norm('[5.9604645e-08]'::halfvec);

-- l2_normalize: [3,4] / 5 = [0.6,0.8], as halves 0.60009766 and 0.7998047;
-- a zero vector is returned unchanged
SELECT l2_normalize('[3,4]'::halfvec);
SELECT l2_normalize('[0,0,0]'::halfvec);
SELECT l2_normalize('[-5]'::halfvec);
SELECT l2_normalize('[65504,65504]'::halfvec);
SELECT l2_normalize('[5.9604645e-08,0]'::halfvec);
SELECT l2_norm(l2_normalize('[1,2,3,4,5]'::halfvec));

-- l2_distance; exactly sqrt(27) for this pair
SELECT l2_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT l2_distance('[1,2,3]'::halfvec, '[1,2,3]');
SELECT l2_distance('[0,0]'::halfvec, '[3,4]');
SELECT l2_distance('[1,2]'::halfvec, '[1,2,3]');

-- inner_product
SELECT inner_product('[1,2,3]'::halfvec, '[4,5,6]');
SELECT inner_product('[1,-1]'::halfvec, '[1,1]');
SELECT inner_product('[1,2]'::halfvec, '[1,2,3]');

-- cosine_distance: 0 for the same direction, 1 orthogonal, 2 opposite,
-- NaN when either vector is zero
SELECT cosine_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT cosine_distance('[1,2]'::halfvec, '[2,4]');
SELECT cosine_distance('[1,0]'::halfvec, '[0,1]');
SELECT cosine_distance('[1,1]'::halfvec, '[-1,-1]');
SELECT cosine_distance('[0,0]'::halfvec, '[1,1]');
SELECT cosine_distance('[1,2]'::halfvec, '[1,2,3]');

-- l1_distance
SELECT l1_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT l1_distance('[1,-2]'::halfvec, '[-1,2]');
SELECT l1_distance('[1,2]'::halfvec, '[1,2,3]');

-- the distances of the halves' float4 values, with vector's float4 sums:
-- each equals the vector function on the vectors cast from the halfvecs
SELECT l2_distance(a, b) = l2_distance(a::vector, b::vector) AS l2,
       inner_product(a, b) = inner_product(a::vector, b::vector) AS ip,
       cosine_distance(a, b) = cosine_distance(a::vector, b::vector) AS cosine,
       l1_distance(a, b) = l1_distance(a::vector, b::vector) AS l1,
       a <#> b = a::vector <#> b::vector AS negative_ip
FROM (VALUES ('[0.1,0.2,0.3,65504]'::halfvec, '[-0.7,1e-5,2049,-3]'::halfvec),
             ('[0.33,0.66,1.5]', '[3,2,1]')) AS t(a, b);
-- float4 sums, element after element: adding 1 to 4096^2 = 2^24 is lost
-- in float4, where a double sum would give 16777217
SELECT inner_product('[4096,1]'::halfvec, '[4096,1]');
SELECT l2_distance('[4096,1]'::halfvec, '[0,0]') ^ 2;

-- distances over the largest halfvecs
SELECT l2_distance(array_fill(1, ARRAY[16000])::halfvec,
                   array_fill(0, ARRAY[16000])::halfvec);
SELECT inner_product(array_fill(0.5, ARRAY[16000])::halfvec,
                     array_fill(2, ARRAY[16000])::halfvec);
-- 16000 terms of 131008: the exact sum is 2096128000, the sequential
-- float4 sum 2096627456
SELECT l1_distance(array_fill(65504, ARRAY[16000])::halfvec,
                   array_fill(-65504, ARRAY[16000])::halfvec);

-- subvector(v, start, count): as for vector, positions outside the vector
-- are ignored; an error only if nothing is left
SELECT subvector('[1,2,3,4,5]'::halfvec, 1, 3);
SELECT subvector('[1,2,3,4,5]'::halfvec, 3, 2);
SELECT subvector('[1,2,3,4,5]'::halfvec, 4, 10);
SELECT subvector('[1,2,3,4,5]'::halfvec, 0, 3);
SELECT subvector('[1,2,3,4,5]'::halfvec, -100, 2147483647);
SELECT subvector('[1,2,3,4,5]'::halfvec, 6, 1);
SELECT subvector('[1,2,3,4,5]'::halfvec, 3, 0);
SELECT subvector('[1,2,3,4,5]'::halfvec, -2, 3);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2147483647, 2147483647);
SELECT subvector('[1,2,3,4,5]'::halfvec, -2147483648, -2147483648);

-- binary_quantize: 1 where the element is greater than zero (not for -0,
-- 0 or negative values); the first element is the first bit
SELECT binary_quantize('[1,-1,0,-0,5.9604645e-08,-5.9604645e-08,65504,0.5,2]'::halfvec);
SELECT binary_quantize('[1]'::halfvec), binary_quantize('[-1]'::halfvec);
SELECT length(binary_quantize(array_fill(1, ARRAY[16000])::halfvec)) AS bits,
       bit_count(binary_quantize(array_fill(1, ARRAY[16000])::halfvec)) AS ones;
SELECT pg_typeof(binary_quantize('[1]'::halfvec));

-- strict: NULL in, NULL out
SELECT l2_norm(NULL::halfvec), l2_distance('[1]'::halfvec, NULL),
       subvector('[1,2]'::halfvec, NULL, 1), binary_quantize(NULL::halfvec);
