--
-- sparsevec text input and output, type modifier, input errors
--

-- Shows the output of a text-to-sparsevec conversion, or the SQLSTATE and
-- message of its error, so that many inputs fit in one table.
CREATE FUNCTION pg_temp.try_sparsevec(input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN input::sparsevec::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- valid literals and whitespace
SELECT '{1:1.5,3:2}/5'::sparsevec;
SELECT '{}/3'::sparsevec;
SELECT '{ }/1'::sparsevec;
SELECT ' { 1 : 1.5 , 3 : 2 } / 5 '::sparsevec;
SELECT E'\t{\n1:\r2\f,\x0b3:4 }\n/\t5\n'::sparsevec;
SELECT '{+1:+1,2:-2,3:.5,4:5.,5:1e2,6:1E-2}/6'::sparsevec;
SELECT '{1:0x10}/1'::sparsevec;  -- strtof() syntax, like real

-- elements are sorted by index; zero values are dropped
SELECT '{5:5,1:1,3:3}/5'::sparsevec;
SELECT '{3:0,1:1,2:-0,4:0.0}/4'::sparsevec;
SELECT '{1:0,2:0}/2'::sparsevec;
-- a zero-valued element may repeat an index: only non-zero ones count
SELECT '{2:0,2:7}/2'::sparsevec;

-- output is the shortest text that reads back as the same float4
SELECT '{1:0.1,2:0.333333333333,3:16777217}/3'::sparsevec;
SELECT '{1:3.4028235e+38,2:-3.4028235e+38,3:1.1754944e-38,4:1e-45}/4'::sparsevec;
SET extra_float_digits = -3;
SELECT '{1:0.1,2:0.333333333333}/2'::sparsevec;
RESET extra_float_digits;

-- text round trip is exact
SELECT v::text::sparsevec = v AS same, v::text::sparsevec::text = v::text AS same_text
FROM (VALUES ('{1:0.1,2:0.2,3:0.3}/3'::sparsevec),
             ('{7:3.4028235e+38,100:1e-45,1000000000:-1.1754942e-38}/1000000000'),
             ('{}/7')) AS t(v);

-- the largest dimensions and the most non-zero elements
SELECT '{1000000000:1}/1000000000'::sparsevec;
SELECT length(v::text), v = v::text::sparsevec AS same
FROM (SELECT ('{' || string_agg(i || ':' || i, ',') || '}/16000')::sparsevec AS v
      FROM generate_series(1, 16000) i) AS t;
-- zero-valued elements do not count against the limit
SELECT ('{' || string_agg(i || ':0', ',') || ',3:1}/20000')::sparsevec
FROM generate_series(1, 20000) i;

-- type modifier
SELECT '{1:1}/3'::sparsevec(3);
SELECT '{1:1}/2'::sparsevec(3);
SELECT '{1:1}/2'::sparsevec::sparsevec(3);
SELECT '{1:1}/3'::sparsevec::sparsevec(3);
SELECT '{}/1000000000'::sparsevec(1000000000);
SELECT '{1:1}/1'::sparsevec(0);
SELECT '{1:1}/1'::sparsevec(1000000001);
SELECT '{1:1}/1'::sparsevec(2, 3);

CREATE TABLE sparsevec_input_t (v sparsevec(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'sparsevec_input_t'::regclass AND attname = 'v';
INSERT INTO sparsevec_input_t VALUES ('{1:1,3:3}/3');
INSERT INTO sparsevec_input_t VALUES ('{1:1}/2');
INSERT INTO sparsevec_input_t VALUES ('{1:1}/2'::sparsevec);
INSERT INTO sparsevec_input_t SELECT '{4:4}/4'::sparsevec;
SELECT * FROM sparsevec_input_t;
DROP TABLE sparsevec_input_t;

-- input errors, with the message details
SELECT '{1:1}'::sparsevec;
SELECT '[1,2]'::sparsevec;
SELECT '{1:1,}/2'::sparsevec;
SELECT '{1 1}/2'::sparsevec;
SELECT '{1:1 2:2}/2'::sparsevec;
SELECT '{1:1}/2x'::sparsevec;
SELECT '{0:1}/2'::sparsevec;
SELECT '{3:1}/2'::sparsevec;
SELECT '{2:1,2:3}/2'::sparsevec;
SELECT '{1:NaN}/2'::sparsevec;
SELECT '{1:Infinity}/2'::sparsevec;
SELECT '{1:1e39}/2'::sparsevec;
SELECT '{1:1e-50}/2'::sparsevec;
SELECT '{}/0'::sparsevec;
SELECT '{}/1000000001'::sparsevec;
SELECT ('{' || string_agg(i || ':1', ',') || '}/16001')::sparsevec
FROM generate_series(1, 16001) i;

-- input errors with their SQLSTATE
SELECT input, pg_temp.try_sparsevec(input) AS result
FROM (VALUES (''), ('  '), ('{'), ('}'), ('{}'), ('{}/'), ('{}/ '), ('/3'),
             ('{1:1}/'), ('{1:1}3'), ('{1:1}}/3'), ('{{1:1}/3'), ('{1:1'),
             ('{1:1,'), ('{1:1/3'), ('{1}/3'), ('{1:}/3'), ('{:1}/3'),
             ('{,}/3'), ('{,1:1}/3'), ('{1:1,,2:2}/3'), ('{1:1;2:2}/3'),
             ('{1:1:1}/3'), ('{1.5:1}/3'), ('{a:1}/3'), ('{1:a}/3'),
             ('{1:1a}/3'), ('{1:1.2.3}/3'), ('{1:1e}/3'), ('{1:--1}/3'),
             ('{0x1:1}/3'), ('{1:1}/3.0'), ('{1:1}/3 3'), ('{1:1}/x'),
             ('{1:1}/0x3'), ('{1:1}/3/3'), ('{1:infx}/3'), ('[1,2,3]'),
             ('{1:1}/-3'), ('{1:1}/0'), ('{}/1000000001'),
             ('{}/99999999999999999999'), ('{}/-99999999999999999999'),
             ('{0:1}/3'), ('{-1:1}/3'), ('{4:1}/3'), ('{4:0}/3'), ('{0:0}/3'),
             ('{99999999999999999999:1}/3'), ('{1:1,1:2}/3'),
             ('{3:1,1:1,3:2}/3'),
             ('{2:1,2:2,2:3}/2'), ('{1:nan}/3'), ('{1:-NaN}/3'),
             ('{1:inf}/3'), ('{1:-Infinity}/3'), ('{1:1e39}/3'),
             ('{1:-1e39}/3'), ('{1:3.4028236e38}/3'), ('{1:3.4028235e38}/3'),
             ('{1:1e-50}/3'), ('{1:-1e-50}/3'), ('{1:1e-45}/3'),
             ('{1:0e-50}/3'), ('{1:0.' || repeat('0', 60) || '1}/3')) AS t(input);

-- NULL in, NULL out
SELECT NULL::sparsevec;
