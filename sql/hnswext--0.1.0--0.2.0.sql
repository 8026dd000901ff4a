/* sql/hnswext--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION hnswext UPDATE TO '0.2.0'" to load this file. \quit

-- Version 0.2.0 adds pgvector's other types: halfvec, the bit functions and
-- sparsevec.  A fresh CREATE EXTENSION runs hnswext--0.1.0.sql and then
-- this script, so everything new in 0.2.0 is declared here and only here;
-- test/t/050_upgrade.pl checks that an updated 0.1.0 database and a fresh
-- install end up with the same objects.

--
-- halfvec
--

--
-- bit
--

-- PostgreSQL's own bit type; pgvector's distances on it and binary
-- quantization of vectors.

CREATE FUNCTION hamming_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION jaccard_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION binary_quantize(vector) RETURNS bit
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <~> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = hamming_distance,
	COMMUTATOR = '<~>'
);

CREATE OPERATOR <%> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = jaccard_distance,
	COMMUTATOR = '<%>'
);

--
-- sparsevec
--

--
-- hnsw operator classes of the types above
--

CREATE OPERATOR CLASS bit_hamming_ops
	FOR TYPE bit USING hnsw AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hamming_distance(bit, bit);

CREATE OPERATOR CLASS bit_jaccard_ops
	FOR TYPE bit USING hnsw AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 jaccard_distance(bit, bit);
