--
-- halfvec text input and output, type modifier, input errors
--

-- Shows the output of a text-to-halfvec conversion, or the SQLSTATE and
-- message of its error, so that many inputs fit in one table.
CREATE FUNCTION pg_temp.try_halfvec(input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN input::halfvec::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- valid literals and whitespace, the same syntax as vector's
SELECT '[1,2,3]'::halfvec;
SELECT ' [ 1 , 2 , 3 ] '::halfvec;
SELECT E'\t[\n1,\r2\f,\x0b3 ]\n'::halfvec;
SELECT '[+1,-2,.5,5.,1e2,1E-2,-0]'::halfvec;
SELECT '[0x10]'::halfvec;

-- Each element is rounded to the nearest half and printed as the shortest
-- text that reads back as the same float4: 0.1 is 0.0999755859375 as a
-- half (1638/16384), printed 0.099975586; 1/3 is 0.333251953125 (5461 *
-- 2^-14), printed 0.33325195.  Halves have 11 significant bits: 2049 lies
-- halfway between 2048 and 2050 and goes to the even one, 2048; 2051 goes
-- up to 2052.
SELECT '[0.1,0.333333333333,2049,2051,2053]'::halfvec;
-- the largest half, 65504; 65519.99 still rounds down to it
SELECT '[65504,-65504,65519.99]'::halfvec;
-- the smallest normal (2^-14) and subnormal (2^-24) halves
SELECT '[6.1035156e-05,5.9604645e-08,-5.9604645e-08]'::halfvec;
-- below half the smallest subnormal (2^-25) a value becomes zero; at
-- exactly 2^-25 the tie goes to the even neighbour, zero
SELECT '[2.9802322e-08,2.9802326e-08,1e-10,-1e-10]'::halfvec;

-- ... whatever extra_float_digits says
SET extra_float_digits = -3;
SELECT '[0.1,0.333333333333]'::halfvec;
RESET extra_float_digits;

-- text round trip is exact
SELECT v::text::halfvec = v AS same, v::text::halfvec::text = v::text AS same_text
FROM (VALUES ('[0.1,0.2,0.3]'::halfvec),
             ('[65504,5.9604645e-08,-6.1035156e-05]'),
             ('[0.33325195,2.71875,3.140625]')) AS t(v);

-- the largest halfvec
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::halfvec);

-- type modifier
SELECT '[1,2,3]'::halfvec(3);
SELECT '[1,2]'::halfvec(3);
SELECT '[1,2,3,4]'::halfvec(3);
SELECT '[1,2]'::halfvec::halfvec(3);
SELECT '[1,2,3]'::halfvec::halfvec(3);
SELECT '[1]'::halfvec(0);
SELECT '[1]'::halfvec(16001);
SELECT '[1,2]'::halfvec(2, 3);
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::halfvec(16000));

CREATE TABLE halfvec_input_t (v halfvec(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'halfvec_input_t'::regclass AND attname = 'v';
INSERT INTO halfvec_input_t VALUES ('[1,2,3]');
INSERT INTO halfvec_input_t VALUES ('[1,2]');
INSERT INTO halfvec_input_t VALUES ('[1,2]'::halfvec);
INSERT INTO halfvec_input_t SELECT '[4,5,6,7]'::halfvec;
SELECT * FROM halfvec_input_t;
-- 2 bytes an element after an 8-byte header (in a table row, the 4-byte
-- varlena header of a short value shrinks to 1 byte)
SELECT pg_column_size('[1,2,3]'::halfvec) AS datum, pg_column_size(v) AS stored
FROM halfvec_input_t;
DROP TABLE halfvec_input_t;

-- input errors, with the message details
SELECT '[]'::halfvec;
SELECT ''::halfvec;
SELECT '[1,2'::halfvec;
SELECT '[1,,2]'::halfvec;
SELECT '[1 2]'::halfvec;
SELECT '[NaN]'::halfvec;
SELECT '[Infinity]'::halfvec;
SELECT '[65520]'::halfvec;
SELECT '[1e39]'::halfvec;
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::halfvec;

-- input errors with their SQLSTATE
SELECT input, pg_temp.try_halfvec(input) AS result
FROM (VALUES ('[]'), ('[ ]'), (''), ('['), ('[1'), ('[1,'), ('1,2'),
             ('[[1,2]]'), ('[,1]'), ('[1,]'), ('[1,2] x'), ('[a]'),
             ('[1e]'), ('[nan]'), ('[-NaN]'), ('[inf]'), ('[-Infinity]'),
             ('[infinityx]'), ('[65519.99]'), ('[65520]'), ('[-65520]'),
             ('[70000]'), ('[1e5]'), ('[3.4028235e38]'), ('[1e39]'),
             ('[-1e39]'), ('[1e-50]')) AS t(input);
