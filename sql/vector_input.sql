--
-- vector text input and output, type modifier, input errors
--

-- Shows the output of a text-to-vector conversion, or the SQLSTATE and
-- message of its error, so that many inputs fit in one table.
CREATE FUNCTION pg_temp.try_vector(input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN input::vector::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- valid literals and whitespace
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , 2 , 3 ] '::vector;
SELECT E'\t[\n1,\r2\f,\x0b3 ]\n'::vector;
SELECT '[+1,-2,.5,5.,1e2,1E-2,-0]'::vector;
SELECT '[0x10]'::vector;  -- strtof() syntax, like real

-- output is the shortest text that reads back as the same float4
SELECT '[1.5,2.25,3]'::vector;
SELECT '[0.1,0.333333333333,16777217]'::vector;
SELECT '[3.4028235e+38,-3.4028235e+38,1.1754944e-38]'::vector;
SELECT '[1e-45,-1e-40,123456789,0.000001]'::vector;

-- ... whatever extra_float_digits says
SET extra_float_digits = -3;
SELECT '[0.1,0.333333333333]'::vector;
RESET extra_float_digits;

-- values too small for float4 become denormals or zero without an error
SELECT '[1e-40,1e-46,1e-50,-1e-50]'::vector;

-- text round trip is exact
SELECT v::text::vector = v AS same, v::text::vector::text = v::text AS same_text
FROM (VALUES ('[0.1,0.2,0.3]'::vector),
             ('[3.4028235e+38,1e-45,-1.1754942e-38]'),
             ('[0.33333334,2.7182817,3.1415927]')) AS t(v);

-- the largest vector
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector);

-- type modifier
SELECT '[1,2,3]'::vector(3);
SELECT '[1,2]'::vector(3);
SELECT '[1,2,3,4]'::vector(3);
SELECT '[1,2]'::vector::vector(3);
SELECT '[1,2,3]'::vector::vector(3);
SELECT '[1]'::vector(0);
SELECT '[1]'::vector(16001);
SELECT '[1,2]'::vector(2, 3);
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector(16000));

CREATE TABLE vector_input_t (v vector(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'vector_input_t'::regclass AND attname = 'v';
INSERT INTO vector_input_t VALUES ('[1,2,3]');
INSERT INTO vector_input_t VALUES ('[1,2]');
INSERT INTO vector_input_t VALUES ('[1,2]'::vector);
INSERT INTO vector_input_t SELECT '[4,5,6,7]'::vector;
SELECT * FROM vector_input_t;
DROP TABLE vector_input_t;

-- input errors, with the message details
SELECT '[]'::vector;
SELECT ''::vector;
SELECT '[1,2'::vector;
SELECT '1,2]'::vector;
SELECT '[1,,2]'::vector;
SELECT '[1,2]x'::vector;
SELECT '[1 2]'::vector;
SELECT '[one]'::vector;
SELECT '[NaN]'::vector;
SELECT '[Infinity]'::vector;
SELECT '[1e39]'::vector;
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector;

-- input errors with their SQLSTATE
SELECT input, pg_temp.try_vector(input) AS result
FROM (VALUES ('[]'), ('[ ]'), (''), ('  '), ('['), (']'), ('[1'), ('[1,'),
             ('1'), ('1,2'), ('(1,2)'), ('{1,2}'), ('[[1,2]]'), ('[1,2]]'),
             ('[,1]'), ('[1,]'), ('[1,,2]'), ('[1 2]'), ('[1,2] x'),
             ('[1,2],'), ('[1,2][3]'), ('[a]'), ('[1a]'), ('[1.2.3]'),
             ('[1e]'), ('[--1]'), ('[+-1]'), ('[1-]'), ('[0x]'), ('[e5]'),
             ('[.]'), ('[-]'), ('[nan]'), ('[-NaN]'), ('[inf]'),
             ('[-Infinity]'), ('[infinityx]'), ('[1e39]'), ('[-1e39]'),
             ('[3.4028236e38]'), ('[3.4028235e38]'),
             ('[' || repeat('9', 40) || ']'), ('[1e-50]'),
             ('[0.' || repeat('0', 60) || '1]')) AS t(input);
