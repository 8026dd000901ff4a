--
-- vector binary I/O
--
-- vector_send() is callable from SQL.  vector_recv() is not (it takes an
-- internal argument), so it is driven through COPY ... FROM PROGRAM in
-- binary format: the test builds a binary COPY stream as bytea, and the
-- server reads it back through base64 -d.  This needs a superuser, which
-- CREATE EXTENSION hnswext does anyway.
--

-- the error context would name this session's temporary schema
\set SHOW_CONTEXT never

-- wire format: int16 dimensions, int16 zero, float4 elements, big-endian
SELECT vector_send('[1,2,3]');
SELECT vector_send('[-0,1e-45,3.4028235e+38,-1.5]');

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

CREATE TABLE vector_binary_src (id int, v vector);
INSERT INTO vector_binary_src VALUES
	(1, '[1,2,3]'),
	(2, '[-0,0,1e-45,-1e-40]'),
	(3, '[3.4028235e+38,-3.4028235e+38,1.1754944e-38]'),
	(4, '[0.1,0.33333334,16777216]'),
	(5, ('[' || array_to_string(array_fill(7.25, ARRAY[16000]), ',') || ']')::vector);

-- round trip: send, then receive, gives back the same vectors
CREATE TABLE vector_binary_dst (v vector);
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY(SELECT vector_send(v) FROM vector_binary_src ORDER BY id)));
SELECT count(*) AS received,
       count(*) FILTER (WHERE d.v::text = s.v::text) AS identical
FROM vector_binary_dst d JOIN vector_binary_src s ON s.v = d.v;
SELECT v FROM vector_binary_dst WHERE vector_dims(v) < 16000 ORDER BY v;
SELECT vector_dims(v), vector_send(v) = vector_send(subvector(v, 1, 16000)) AS same
FROM vector_binary_dst WHERE vector_dims(v) = 16000;

-- the type modifier of the target column is checked
CREATE TABLE vector_binary_typmod (v vector(3));
SELECT pg_temp.copy_in('vector_binary_typmod',
	pg_temp.copy_stream(ARRAY[vector_send('[1,2,3]')]));
SELECT pg_temp.copy_in('vector_binary_typmod',
	pg_temp.copy_stream(ARRAY[vector_send('[1,2]')]));
SELECT * FROM vector_binary_typmod;

-- malformed binary input
TRUNCATE vector_binary_dst;
-- zero dimensions
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x00000000'::bytea]));
-- negative dimensions
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\xffff0000'::bytea]));
-- 16001 dimensions
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x3e810000'::bytea]));
-- reserved field not zero
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100013f800000'::bytea]));
-- NaN, +Infinity, -Infinity elements
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000200003f8000007fc00000'::bytea]));
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100007f800000'::bytea]));
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x00010000ff800000'::bytea]));
-- fewer elements than announced
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000200003f800000'::bytea]));
-- a truncated header
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x0001'::bytea]));
-- more bytes than announced
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000100003f80000000'::bytea]));
SELECT count(*) FROM vector_binary_dst;

-- a hand-made stream for [1,-2.5] reads back as expected
SELECT pg_temp.copy_in('vector_binary_dst',
	pg_temp.copy_stream(ARRAY['\x000200003f800000c0200000'::bytea]));
SELECT v FROM vector_binary_dst;

DROP TABLE vector_binary_src, vector_binary_dst, vector_binary_typmod;
