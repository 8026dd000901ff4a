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
