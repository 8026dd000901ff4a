--
-- casts between vector and arrays
--

-- from each array type
SELECT '{1,2,3}'::integer[]::vector;
SELECT '{1.5,-2.25,3}'::real[]::vector;
SELECT '{0.1,-2.25,3}'::double precision[]::vector;
SELECT '{0.1,-2.25,3}'::numeric[]::vector;
SELECT ARRAY[1, 2, 3]::vector;

-- float4 rounding of each source type
SELECT '{16777217,2147483647,-2147483648}'::integer[]::vector;
SELECT '{0.1,3.4028235e38,1.401298464324817e-45}'::double precision[]::vector;
SELECT '{0.1,3.4028235e38,0.33333333333333333333333}'::numeric[]::vector;

-- underflow gives zero, as in text input
SELECT '{1e-50,-1e-50}'::double precision[]::vector;
SELECT '{1e-50,-1e-50}'::numeric[]::vector;

-- lower bounds other than 1 are fine; elements keep their order
SELECT '[0:2]={7,8,9}'::integer[]::vector;

-- type modifier
SELECT '{1,2,3}'::real[]::vector(3);
SELECT '{1,2}'::real[]::vector(3);
SELECT '{1,2,3,4}'::integer[]::vector(3);

-- the casts apply on assignment, but not implicitly in expressions
CREATE TABLE vector_casts_t (v vector(3));
INSERT INTO vector_casts_t VALUES (ARRAY[1, 2, 3]);
INSERT INTO vector_casts_t VALUES ('{4,5,6}'::real[]);
INSERT INTO vector_casts_t VALUES ('{7,8,9}'::double precision[]);
INSERT INTO vector_casts_t VALUES ('{10,11,12}'::numeric[]);
INSERT INTO vector_casts_t VALUES (ARRAY[1, 2]);
SELECT * FROM vector_casts_t ORDER BY v;
SELECT vector_dims(ARRAY[1, 2, 3]);
DROP TABLE vector_casts_t;

-- errors
SELECT '{}'::real[]::vector;
SELECT '{{1,2},{3,4}}'::real[]::vector;
SELECT '{1,NULL,3}'::real[]::vector;
SELECT '{NULL}'::integer[]::vector;
SELECT '{1,NaN}'::real[]::vector;
SELECT '{Infinity}'::real[]::vector;
SELECT '{-Infinity}'::double precision[]::vector;
SELECT '{NaN}'::double precision[]::vector;
SELECT '{1e39}'::double precision[]::vector;
SELECT '{-3.5e38}'::double precision[]::vector;
SELECT '{NaN}'::numeric[]::vector;
SELECT '{Infinity}'::numeric[]::vector;
SELECT '{-Infinity}'::numeric[]::vector;
SELECT '{1e39}'::numeric[]::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector);

-- vector to real[]
SELECT '[1,2,3]'::vector::real[];
SELECT '[0.1,-0,3.4028235e+38,1e-45]'::vector::real[];
SELECT ('[1,2,3]'::vector)::real[] = '{1,2,3}'::real[];
SELECT array_length('[1,2,3]'::vector::real[], 1);

-- the cast to real[] is implicit: a function taking real[] accepts a vector
CREATE FUNCTION pg_temp.real_array_sum(a real[]) RETURNS real
LANGUAGE sql AS 'SELECT sum(x) FROM unnest(a) AS x';
SELECT pg_temp.real_array_sum('[1,2,3.5]'::vector);

-- round trips through real[], double precision[] and the shortest decimals
-- (not through real[]::numeric[]: that cast keeps only 6 digits)
SELECT v::real[]::vector = v AS via_real,
       v::real[]::double precision[]::vector = v AS via_double,
       translate(v::text, '[]', '{}')::numeric[]::vector = v AS via_numeric
FROM (VALUES ('[0.1,0.33333334,3.4028235e+38,1e-45,-1.1754944e-38]'::vector)) AS t(v);
