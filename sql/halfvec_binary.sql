--
-- halfvec binary I/O
--
-- halfvec_send() is callable from SQL; halfvec_recv() is driven through
-- COPY ... FROM PROGRAM in binary format, as in vector_binary.
--

-- the error context would name this session's temporary schema
\set SHOW_CONTEXT never

-- wire format: int16 dimensions, int16 zero, IEEE half elements, big-endian:
-- 1 is 3c00, 2 is 4000, 3 is 4200, -0 is 8000, 2^-24 is 0001, 65504 is
-- 7bff, -1.5 is be00
SELECT halfvec_send('[1,2,3]');
SELECT halfvec_send('[-0,5.9604645e-08,65504,-1.5]');

-- A binary COPY stream holding one row per field in fields.
CREATE FUNCTION pg_temp.copy_stream(fields bytea[]) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT '\x5047434f50590aff0d0a00'::bytea	-- signature
		|| int4send(0) || int4send(0)			-- flags, header extension
		|| coalesce((SELECT string_agg(int2send(1::int2)
										|| int4send(length(f)) || f, ''::bytea
										ORDER BY n)
					 FROM unnest(fields) WITH ORDINALITY AS u(f, n)),
					''::bytea)
		|| int2send(-1::int2)					-- trailer
$$;

-- COPY the binary stream data into table tbl.
CREATE FUNCTION pg_temp.copy_in(tbl regclass, data bytea) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY %s FROM PROGRAM %L WITH (FORMAT binary)', tbl,
				   'echo ' || translate(encode(data, 'base64'), E'\n', '')
				   || ' | base64 -d');
END
$$;

CREATE TABLE halfvec_binary_src (id int, v halfvec);
INSERT INTO halfvec_binary_src VALUES
	(1, '[1,2,3]'),
	(2, '[-0,0,5.9604645e-08,-6.1035156e-05]'),
	(3, '[65504,-65504,0.099975586]'),
	(4, ('[' || array_to_string(array_fill(7.25, ARRAY[16000]), ',') || ']')::halfvec);

-- round trip: send, then receive, gives back the same halfvecs
CREATE TABLE halfvec_binary_dst (v halfvec);
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY(SELECT halfvec_send(v) FROM halfvec_binary_src ORDER BY id)));
SELECT count(*) AS received,
       count(*) FILTER (WHERE d.v::text = s.v::text) AS identical
FROM halfvec_binary_dst d JOIN halfvec_binary_src s ON s.v = d.v;
SELECT v FROM halfvec_binary_dst WHERE vector_dims(v) < 16000 ORDER BY v;
SELECT vector_dims(v), halfvec_send(v) = halfvec_send(subvector(v, 1, 16000)) AS same
FROM halfvec_binary_dst WHERE vector_dims(v) = 16000;

-- the type modifier of the target column is checked
CREATE TABLE halfvec_binary_typmod (v halfvec(3));
SELECT pg_temp.copy_in('halfvec_binary_typmod',
	pg_temp.copy_stream(ARRAY[halfvec_send('[1,2,3]')]));
SELECT pg_temp.copy_in('halfvec_binary_typmod',
	pg_temp.copy_stream(ARRAY[halfvec_send('[1,2]')]));
SELECT * FROM halfvec_binary_typmod;

-- malformed binary input
TRUNCATE halfvec_binary_dst;
-- zero dimensions
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x00000000'::bytea]));
-- negative dimensions
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\xffff0000'::bytea]));
-- 16001 dimensions
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x3e810000'::bytea]));
-- reserved field not zero
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100013c00'::bytea]));
-- NaN (quiet and signalling), +Infinity, -Infinity elements
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000200003c007e00'::bytea]));
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100007c01'::bytea]));
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100007c00'::bytea]));
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x00010000fc00'::bytea]));
-- fewer elements than announced
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000200003c00'::bytea]));
-- a truncated header, a truncated element
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x0001'::bytea]));
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100003c'::bytea]));
-- more bytes than announced
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100003c0000'::bytea]));
SELECT count(*) FROM halfvec_binary_dst;

-- a hand-made stream for [1,-2.5,2^-24,65504] reads back as expected
SELECT pg_temp.copy_in('halfvec_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000400003c00c10000017bff'::bytea]));
SELECT v FROM halfvec_binary_dst;

DROP TABLE halfvec_binary_src, halfvec_binary_dst, halfvec_binary_typmod;
