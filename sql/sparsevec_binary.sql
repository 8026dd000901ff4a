--
-- sparsevec binary I/O
--
-- sparsevec_send() is callable from SQL.  sparsevec_recv() is not (it takes
-- an internal argument), so it is driven through COPY ... FROM PROGRAM in
-- binary format, as in vector_binary: the test builds a binary COPY stream
-- as bytea, and the server reads it back through base64 -d.
--

-- the error context would name this session's temporary schema
\set SHOW_CONTEXT never

-- wire format: int32 dimensions, int32 non-zero count, int32 zero, the
-- 0-based int32 indices, then the float4 values, big-endian
SELECT sparsevec_send('{1:1.5,3:2}/5');
SELECT sparsevec_send('{}/1');
SELECT sparsevec_send('{1000000000:-1e-45}/1000000000');

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

-- COPY one field into sparsevec_binary_dst: what it reads back, or the
-- SQLSTATE and message of the error.
CREATE FUNCTION pg_temp.try_recv(field bytea) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE sparsevec_binary_dst;
	PERFORM pg_temp.copy_in('sparsevec_binary_dst', pg_temp.copy_stream(ARRAY[field]));
	RETURN (SELECT string_agg(v::text, ' ') FROM sparsevec_binary_dst);
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TABLE sparsevec_binary_src (id int, v sparsevec);
INSERT INTO sparsevec_binary_src VALUES
	(1, '{1:1.5,3:2}/5'),
	(2, '{}/3'),
	(3, '{1:3.4028235e+38,2:-3.4028235e+38,3:1.1754944e-38,4:1e-45}/4'),
	(4, '{7:0.1,1000000000:0.33333334}/1000000000'),
	-- 8000 elements: the stream must fit in one argument of echo
	(5, (SELECT ('{' || string_agg((2 * i) || ':' || (i * 0.5), ',') || '}/16000')::sparsevec
	     FROM generate_series(1, 8000) i));

-- round trip: send, then receive, gives back the same sparse vectors
CREATE TABLE sparsevec_binary_dst (v sparsevec);
SELECT pg_temp.copy_in('sparsevec_binary_dst',
	pg_temp.copy_stream(ARRAY(SELECT sparsevec_send(v) FROM sparsevec_binary_src ORDER BY id)));
SELECT count(*) AS received,
       count(*) FILTER (WHERE d.v::text = s.v::text
                        AND sparsevec_send(d.v) = sparsevec_send(s.v)) AS identical
FROM sparsevec_binary_dst d JOIN sparsevec_binary_src s ON s.v = d.v;
SELECT v FROM sparsevec_binary_dst WHERE length(v::text) < 200 ORDER BY v;

-- a hand-made field for {2:1,3:-2.5}/3 reads back as expected
SELECT pg_temp.try_recv('\x00000003000000020000000000000001000000023f800000c0200000');
-- no elements
SELECT pg_temp.try_recv('\x000000050000000000000000');

-- the type modifier of the target column is checked
CREATE TABLE sparsevec_binary_typmod (v sparsevec(3));
SELECT pg_temp.copy_in('sparsevec_binary_typmod',
	pg_temp.copy_stream(ARRAY[sparsevec_send('{1:1}/3')]));
SELECT pg_temp.copy_in('sparsevec_binary_typmod',
	pg_temp.copy_stream(ARRAY[sparsevec_send('{1:1}/2')]));
SELECT * FROM sparsevec_binary_typmod;

-- malformed and hostile binary input, each with its SQLSTATE
SELECT what, pg_temp.try_recv(field::bytea) AS result
FROM (VALUES
	('zero dimensions', '\x000000000000000000000000'),
	('negative dimensions', '\xffffffff0000000000000000'),
	('1000000001 dimensions', '\x3b9aca010000000000000000'),
	('most negative dimensions', '\x800000000000000000000000'),
	('negative non-zero count', '\x00000003ffffffff00000000'),
	('16001 non-zero elements', '\x00004e2000003e8100000000'),
	('2147483647 non-zero elements', '\x3b9aca007fffffff00000000'),
	('more elements than dimensions', '\x000000010000000200000000'),
	('reserved field not zero', '\x000000030000000000000001'),
	('index = dimensions', '\x000000030000000100000000000000033f800000'),
	('negative index', '\x000000030000000100000000ffffffff3f800000'),
	('duplicate indices', '\x00000003000000020000000000000001000000013f8000003f800000'),
	('descending indices', '\x00000003000000020000000000000002000000013f8000003f800000'),
	('zero value', '\x00000003000000010000000000000000' || '00000000'),
	('negative zero value', '\x0000000300000001000000000000000080000000'),
	('NaN value', '\x000000030000000100000000000000007fc00000'),
	('infinite value', '\x000000030000000100000000000000007f800000'),
	('negative infinite value', '\x00000003000000010000000000000000ff800000'),
	('truncated header', '\x00000003000000'),
	('indices missing', '\x000000030000000200000000'),
	('values missing', '\x0000000300000002000000000000000000000001'),
	('a value short', '\x00000003000000020000000000000000000000013f800000'),
	('16000 elements announced, none sent', '\x00003e8000003e8000000000'),
	('a byte too many', '\x00000003000000010000000000000000' || '3f80000000')
) AS t(what, field);

DROP TABLE sparsevec_binary_src, sparsevec_binary_dst, sparsevec_binary_typmod;
