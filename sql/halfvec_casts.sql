--
-- casts between halfvec, vector and arrays
--

-- from each array type
SELECT '{1,2,3}'::integer[]::halfvec;
SELECT '{1.5,-2.25,3}'::real[]::halfvec;
SELECT '{0.1,-2.25,3}'::double precision[]::halfvec;
SELECT '{0.1,-2.25,3}'::numeric[]::halfvec;
SELECT ARRAY[1, 2, 3]::halfvec;

-- rounding to half: 2049 is a tie that goes to 2048, 65519 rounds to 65504
SELECT '{2049,2051,65504,-65519}'::integer[]::halfvec;
SELECT '{0.1,1e-10,65519.99}'::double precision[]::halfvec;
SELECT '{0.1,0.33333333333333333333333,65504}'::numeric[]::halfvec;

-- lower bounds other than 1 are fine; elements keep their order
SELECT '[0:2]={7,8,9}'::integer[]::halfvec;

-- type modifier
SELECT '{1,2,3}'::real[]::halfvec(3);
SELECT '{1,2}'::real[]::halfvec(3);
SELECT '{1,2,3,4}'::integer[]::halfvec(3);

-- the array casts apply on assignment, but not implicitly in expressions
CREATE TABLE halfvec_casts_t (v halfvec(3));
INSERT INTO halfvec_casts_t VALUES (ARRAY[1, 2, 3]);
INSERT INTO halfvec_casts_t VALUES ('{4,5,6}'::real[]);
INSERT INTO halfvec_casts_t VALUES ('{7,8,9}'::double precision[]);
INSERT INTO halfvec_casts_t VALUES ('{10,11,12}'::numeric[]);
INSERT INTO halfvec_casts_t VALUES (ARRAY[1, 2]);
SELECT * FROM halfvec_casts_t ORDER BY v;
SELECT l2_norm(ARRAY[3, 4]);
DROP TABLE halfvec_casts_t;

-- errors
SELECT '{}'::real[]::halfvec;
SELECT '{{1,2},{3,4}}'::real[]::halfvec;
SELECT '{1,NULL,3}'::real[]::halfvec;
SELECT '{1,NaN}'::real[]::halfvec;
SELECT '{Infinity}'::real[]::halfvec;
SELECT '{-Infinity}'::double precision[]::halfvec;
SELECT '{NaN}'::numeric[]::halfvec;
SELECT '{65520}'::integer[]::halfvec;
SELECT '{-70000}'::real[]::halfvec;
SELECT '{1e39}'::double precision[]::halfvec;
SELECT '{65520}'::numeric[]::halfvec;
SELECT '{1e39}'::numeric[]::halfvec;
SELECT array_fill(1, ARRAY[16001])::halfvec;
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec);
SELECT '{1}'::text[]::halfvec;

-- halfvec to real[], an assignment cast (vector's is implicit)
SELECT '[1,2,3]'::halfvec::real[];
SELECT '[0.1,-0,65504,5.9604645e-08]'::halfvec::real[];
SELECT array_length('[1,2,3]'::halfvec::real[], 1);
CREATE FUNCTION pg_temp.real_array_sum(a real[]) RETURNS real
LANGUAGE sql AS 'SELECT sum(x) FROM unnest(a) AS x';
SELECT pg_temp.real_array_sum('[1,2,3.5]'::halfvec);
CREATE TABLE halfvec_casts_real (a real[]);
INSERT INTO halfvec_casts_real VALUES ('[1,2,3.5]'::halfvec);
SELECT * FROM halfvec_casts_real;
DROP TABLE halfvec_casts_real;

-- vector to halfvec rounds each element (implicit); out of range is an
-- error, never infinity
SELECT '[0.1,1,65504,65519.99,-2.9802326e-08,1e-10]'::vector::halfvec;
SELECT '[1,2,3]'::vector::halfvec(3);
SELECT '[1,2]'::vector::halfvec(3);
SELECT '[65520]'::vector::halfvec;
SELECT '[-3.4028235e+38]'::vector::halfvec;
SELECT '[1,2]'::vector <-> '[1,4]'::halfvec;

-- halfvec to vector is exact (an assignment cast)
SELECT '[0.1,65504,5.9604645e-08,-0]'::halfvec::vector;
SELECT '[1,2,3]'::halfvec::vector(3);
SELECT '[1,2]'::halfvec::vector(3);
CREATE TABLE halfvec_casts_vector (v vector(2));
INSERT INTO halfvec_casts_vector VALUES ('[1.5,2]'::halfvec);
SELECT * FROM halfvec_casts_vector;
DROP TABLE halfvec_casts_vector;

-- every half survives halfvec -> vector -> halfvec and halfvec -> real[]
-- -> halfvec; vector -> halfvec -> vector rounds once to the nearest half
SELECT v::vector::halfvec = v AS via_vector,
       v::real[]::halfvec = v AS via_real,
       v::real[]::double precision[]::halfvec = v AS via_double,
       translate(v::text, '[]', '{}')::numeric[]::halfvec = v AS via_numeric
FROM (VALUES ('[0.1,0.33325195,65504,5.9604645e-08,-6.1035156e-05]'::halfvec)) AS t(v);
SELECT '[0.1,0.2,0.3]'::vector::halfvec::vector;
