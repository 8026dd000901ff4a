-- Distances between bit strings (PostgreSQL's bit type) and binary
-- quantization of vectors.

-- Hamming distance: the number of positions that differ
SELECT hamming_distance(B'111', B'111');
SELECT hamming_distance(B'111', B'110');
SELECT hamming_distance(B'111', B'100');
SELECT hamming_distance(B'111', B'000');
SELECT B'101' <~> B'010', B'010' <~> B'101';
SELECT B'111' <~> B'111'::varbit;

-- Jaccard distance: 1 - |a and b| / |a or b|
SELECT jaccard_distance(B'1111', B'1111');
SELECT jaccard_distance(B'1111', B'1110');
SELECT jaccard_distance(B'1111', B'1100');
SELECT jaccard_distance(B'1111', B'1000');
SELECT jaccard_distance(B'1111', B'0000');
SELECT jaccard_distance(B'1100', B'1000');
SELECT B'1100' <%> B'0110', B'0110' <%> B'1100';
-- no bit set in both: 1, also when no bit is set at all
SELECT jaccard_distance(B'1010', B'0101');
SELECT jaccard_distance(B'0000', B'0000');

-- strings of different lengths have no distance
SELECT hamming_distance(B'111', B'00');
SELECT B'111' <~> B'1111';
SELECT jaccard_distance(B'1111', B'000');
SELECT B'1' <%> B'';
-- a varbit's declared maximum is not its length
SELECT hamming_distance(B'111', B'000'::varbit(4));
SELECT jaccard_distance(B'1111', B'0000'::varbit(5));

-- empty strings
SELECT hamming_distance(B'', B''), jaccard_distance(B'', B'');

-- NULL in, NULL out
SELECT hamming_distance(NULL, B'1') IS NULL, B'1' <%> NULL IS NULL;

-- lengths that are not a multiple of 8: the last byte is partly used
SELECT B'1011001110' <~> B'0110101011' AS hamming,
       B'1011001110' <%> B'0110101011' AS jaccard;
SELECT B'1' <~> B'0', B'1' <%> B'1', B'0' <%> B'1';
-- across the first 64-bit word: 65 and 63 bits
SELECT repeat('1', 65)::bit(65) <~> (repeat('0', 64) || '1')::bit(65) AS hamming,
       repeat('1', 65)::bit(65) <%> (repeat('0', 64) || '1')::bit(65) AS jaccard;
SELECT (repeat('10', 31) || '1')::bit(63) <~> (repeat('01', 31) || '1')::bit(63) AS hamming,
       (repeat('10', 31) || '1')::bit(63) <%> (repeat('01', 31) || '1')::bit(63) AS jaccard;
-- strings made by the bit operators keep their unused bits clear
SELECT (B'1111111111' << 3) <~> B'1111111000',
       substring(B'1111111111' FROM 2 FOR 9) <~> B'000000000',
       (~B'0000000000000') <%> B'1111111111111';

-- 64,000 bits, the longest bit string pgvector indexes
SELECT repeat('1100', 16000)::bit(64000) <~> repeat('1010', 16000)::bit(64000) AS hamming,
       repeat('1100', 16000)::bit(64000) <%> repeat('1010', 16000)::bit(64000) AS jaccard;
SELECT (repeat('1', 63999) || '0')::bit(64000) <~> repeat('1', 64000)::bit(64000) AS hamming,
       (repeat('1', 63999) || '0')::bit(64000) <%> repeat('1', 64000)::bit(64000) AS jaccard;
SELECT repeat('0', 64000)::bit(64000) <~> repeat('0', 64000)::bit(64000) AS hamming,
       repeat('0', 64000)::bit(64000) <%> repeat('0', 64000)::bit(64000) AS jaccard;
-- one bit past 64,000 and one short of it
SELECT (repeat('1', 64001)::varbit <~> repeat('0', 64001)::varbit),
       (repeat('1', 63999)::varbit <%> (repeat('0', 63998) || '1')::varbit);

-- binary_quantize: 1 where the element is greater than zero
SELECT binary_quantize('[1,-1,0,2.5,-0.5]'::vector);
SELECT binary_quantize('[0]'::vector), binary_quantize('[1e-30]'::vector), binary_quantize('[-1e-30]'::vector);
SELECT binary_quantize('[1,1,1,1,1,1,1,1,1]'::vector);
SELECT pg_typeof(binary_quantize('[1,2,3]'::vector)), length(binary_quantize('[1,2,3]'::vector));
SELECT binary_quantize(NULL::vector) IS NULL;
SELECT binary_quantize('[1,-2,3]'::vector)::bit(3);
-- an explicit cast to a longer bit(n) pads with zeros, as for any bit string
SELECT binary_quantize('[1,-2,3]'::vector)::bit(4);
-- 16,000 dimensions: ones where i % 3 = 2, 5,333 of them
SELECT length(q), bit_count(q), substring(q FROM 1 FOR 12)
FROM (SELECT binary_quantize(array_agg(i % 3 - 1 ORDER BY i)::vector) AS q
      FROM generate_series(1, 16000) i) s;
SELECT binary_quantize('[1,2,-3,4]'::vector) <~> binary_quantize('[-1,2,3,4]'::vector),
       binary_quantize('[1,2,-3,4]'::vector) <%> binary_quantize('[-1,2,3,4]'::vector);

-- the operators commute with themselves
SELECT oprname, oprleft::regtype, oprright::regtype, oprresult::regtype,
       oprcom::regoperator
FROM pg_operator WHERE oprname IN ('<~>', '<%>') ORDER BY oprname;

-- ordering a table by distance, bit and varbit columns
CREATE TABLE bits (id int, b bit(6), v varbit);
INSERT INTO bits VALUES
	(1, B'000000', B'0'), (2, B'111111', B'1'), (3, B'110000', B'1'),
	(4, B'111100', B'0'), (5, NULL, NULL);
SELECT id, b <~> B'111000' AS hamming FROM bits ORDER BY b <~> B'111000', id;
SELECT id, b <%> B'111000' AS jaccard FROM bits ORDER BY b <%> B'111000', id;
SELECT id, v <~> B'1' AS hamming FROM bits ORDER BY 2, id;
DROP TABLE bits;
