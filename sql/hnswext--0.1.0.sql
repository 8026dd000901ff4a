\echo Use "CREATE EXTENSION hnswext" to load this file. \quit

-- hnswext 0.1.0 install script.
--
-- The vector type section comes first; the HNSW access method section
-- follows it.  Names and signatures match pgvector's so that existing
-- queries and client libraries work unchanged.

--------------------------------------------------------------------------
-- vector type
--------------------------------------------------------------------------

CREATE TYPE vector;

CREATE FUNCTION vector_in(cstring, oid, integer) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_out(vector) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_recv(internal, oid, integer) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_send(vector) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- EXTERNAL storage: a vector over about 2 kB is moved out of line so that
-- rows stay small, but it is never compressed, because float data barely
-- compresses and decompressing would slow every distance computation.
CREATE TYPE vector (
	INPUT = vector_in,
	OUTPUT = vector_out,
	TYPMOD_IN = vector_typmod_in,
	TYPMOD_OUT = vector_typmod_out,
	RECEIVE = vector_recv,
	SEND = vector_send,
	STORAGE = external
);

-- length coercion to vector(n)

CREATE FUNCTION vector(vector, integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (vector AS vector)
	WITH FUNCTION vector(vector, integer, boolean) AS IMPLICIT;

-- casts from and to arrays

CREATE FUNCTION array_to_vector(integer[], integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION array_to_vector(real[], integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION array_to_vector(double precision[], integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION array_to_vector(numeric[], integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_to_float4(vector, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (integer[] AS vector)
	WITH FUNCTION array_to_vector(integer[], integer, boolean) AS ASSIGNMENT;

CREATE CAST (real[] AS vector)
	WITH FUNCTION array_to_vector(real[], integer, boolean) AS ASSIGNMENT;

CREATE CAST (double precision[] AS vector)
	WITH FUNCTION array_to_vector(double precision[], integer, boolean) AS ASSIGNMENT;

CREATE CAST (numeric[] AS vector)
	WITH FUNCTION array_to_vector(numeric[], integer, boolean) AS ASSIGNMENT;

CREATE CAST (vector AS real[])
	WITH FUNCTION vector_to_float4(vector, integer, boolean) AS IMPLICIT;

-- functions

CREATE FUNCTION vector_dims(vector) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_norm(vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION l2_normalize(vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION l2_distance(vector, vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION inner_product(vector, vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_negative_inner_product(vector, vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION cosine_distance(vector, vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION l1_distance(vector, vector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION subvector(vector, integer, integer) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_add(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_sub(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_mul(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_concat(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_lt(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_le(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_eq(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_ne(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_ge(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_gt(vector, vector) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_cmp(vector, vector) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- aggregates

CREATE FUNCTION vector_accum(double precision[], vector) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_avg(double precision[]) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_sum(double precision[]) RETURNS vector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE avg(vector) (
	SFUNC = vector_accum,
	STYPE = double precision[],
	FINALFUNC = vector_avg,
	COMBINEFUNC = vector_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);

CREATE AGGREGATE sum(vector) (
	SFUNC = vector_accum,
	STYPE = double precision[],
	FINALFUNC = vector_sum,
	COMBINEFUNC = vector_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);

-- distance operators

CREATE OPERATOR <-> (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = l2_distance,
	COMMUTATOR = '<->'
);

CREATE OPERATOR <#> (
	LEFTARG = vector, RIGHTARG = vector,
	FUNCTION = vector_negative_inner_product,
	COMMUTATOR = '<#>'
);

CREATE OPERATOR <=> (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = cosine_distance,
	COMMUTATOR = '<=>'
);

CREATE OPERATOR <+> (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = l1_distance,
	COMMUTATOR = '<+>'
);

-- element-wise arithmetic and concatenation

CREATE OPERATOR + (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_add,
	COMMUTATOR = +
);

CREATE OPERATOR - (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_sub
);

CREATE OPERATOR * (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_mul,
	COMMUTATOR = *
);

CREATE OPERATOR || (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_concat
);

-- comparison, for sorting, grouping and unique indexes

CREATE OPERATOR < (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_lt,
	COMMUTATOR = >, NEGATOR = >=,
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR <= (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_le,
	COMMUTATOR = >=, NEGATOR = >,
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR = (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_eq,
	COMMUTATOR = =, NEGATOR = <>,
	RESTRICT = eqsel, JOIN = eqjoinsel,
	MERGES
);

CREATE OPERATOR <> (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_ne,
	COMMUTATOR = <>, NEGATOR = =,
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR >= (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_ge,
	COMMUTATOR = <=, NEGATOR = <,
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR > (
	LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_gt,
	COMMUTATOR = <, NEGATOR = <=,
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS vector_ops
	DEFAULT FOR TYPE vector USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 vector_cmp(vector, vector);

-- end of vector type section

-- HNSW access method

CREATE FUNCTION hnswhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hnswhandler;

COMMENT ON ACCESS METHOD hnsw IS 'hierarchical navigable small world graph index for vectors';

CREATE FUNCTION vector_l2_squared_distance(vector, vector) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS vector_l2_ops
	DEFAULT FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector);

CREATE OPERATOR CLASS vector_l1_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);

-- Structural check of an hnsw index (see README: hnsw_verify)
CREATE FUNCTION hnsw_verify(index regclass, heapallindexed boolean DEFAULT false,
	OUT elements bigint, OUT deleted_elements bigint, OUT heap_tids bigint,
	OUT unreachable bigint, OUT pages bigint, OUT heap_rows_checked bigint)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL RESTRICTED;

-- as amcheck's functions: checking indexes is for those granted it
REVOKE EXECUTE ON FUNCTION hnsw_verify(regclass, boolean) FROM PUBLIC;

-- ===== Tuning and inspection functions (see README: Tuning) =====

-- The size of an index before it is built, from the page layout
CREATE FUNCTION hnsw_estimate_memory(rows bigint, dimensions int, m int DEFAULT 16,
	OUT levels_per_element float8, OUT vector_bytes bigint,
	OUT level0_link_bytes bigint, OUT upper_link_bytes bigint,
	OUT overhead_bytes bigint, OUT total_bytes bigint,
	OUT bytes_per_vector float8, OUT pages bigint)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The same for the rows and dimensions of a column
CREATE FUNCTION hnsw_estimate_memory(tbl regclass, col name, m int DEFAULT 16,
	OUT levels_per_element float8, OUT vector_bytes bigint,
	OUT level0_link_bytes bigint, OUT upper_link_bytes bigint,
	OUT overhead_bytes bigint, OUT total_bytes bigint,
	OUT bytes_per_vector float8, OUT pages bigint)
	RETURNS record
	AS 'MODULE_PATHNAME', 'hnsw_estimate_memory_table'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- Seconds a serial build takes on this server (measures the server)
CREATE FUNCTION hnsw_estimate_build_time(rows bigint, dimensions int,
	m int DEFAULT 16, ef_construction int DEFAULT 64,
	OUT seconds float8, OUT distance_computations bigint,
	OUT ns_per_distance float8, OUT write_seconds float8)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;

-- Search statistics per index (shared with shared_preload_libraries)
CREATE FUNCTION hnsw_stat_indexes(OUT indexrelid regclass, OUT scans bigint,
	OUT elements_visited bigint, OUT distance_computations bigint,
	OUT tuples_returned bigint, OUT scope text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

CREATE FUNCTION hnsw_stat_reset() RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

-- as pg_stat_reset(): resetting shared counters is for administrators
REVOKE EXECUTE ON FUNCTION hnsw_stat_reset() FROM PUBLIC;

-- What an index holds, read from its pages
CREATE FUNCTION hnsw_index_stats(index regclass,
	OUT elements bigint, OUT deleted_elements bigint, OUT heap_tids bigint,
	OUT dimensions int, OUT m int, OUT ef_construction int, OUT ef_search int,
	OUT metric text, OUT max_level int, OUT elements_per_level bigint[],
	OUT entry_point tid,
	OUT level0_neighbors_mean float8, OUT level0_neighbors_min int,
	OUT level0_neighbors_max int,
	OUT upper_neighbors_mean float8, OUT upper_neighbors_min int,
	OUT upper_neighbors_max int,
	OUT pages bigint, OUT bytes bigint, OUT bytes_per_vector float8)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

-- Measured recall@k and latency of an index, for a sample of the table's
-- own vectors, or of a query table's
CREATE FUNCTION hnsw_recall(index regclass, k int DEFAULT 10,
	queries int DEFAULT 100, ef_search int DEFAULT NULL,
	OUT ef_search int, OUT queries int, OUT recall float8,
	OUT mean_ms float8, OUT p95_ms float8,
	OUT elements_visited float8, OUT distance_computations float8)
	RETURNS record
	AS 'MODULE_PATHNAME', 'hnsw_recall' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION hnsw_recall(index regclass, query_table regclass,
	query_column name, k int DEFAULT 10, queries int DEFAULT 100,
	ef_search int DEFAULT NULL,
	OUT ef_search int, OUT queries int, OUT recall float8,
	OUT mean_ms float8, OUT p95_ms float8,
	OUT elements_visited float8, OUT distance_computations float8)
	RETURNS record
	AS 'MODULE_PATHNAME', 'hnsw_recall_queries' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- The same at several ef_search values, all with the same queries
CREATE FUNCTION hnsw_recall_curve(index regclass, ef_search int[],
	k int DEFAULT 10, queries int DEFAULT 100, seed bigint DEFAULT NULL,
	OUT ef_search int, OUT queries int, OUT recall float8,
	OUT mean_ms float8, OUT p95_ms float8,
	OUT elements_visited float8, OUT distance_computations float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- The smallest ef_search that reaches a recall, optionally kept as the
-- index's own default
CREATE FUNCTION hnsw_tune(index regclass, target_recall float8 DEFAULT 0.95,
	k int DEFAULT 10, queries int DEFAULT 100, apply boolean DEFAULT false,
	OUT ef_search int, OUT recall float8, OUT mean_ms float8,
	OUT p95_ms float8, OUT queries int, OUT applied boolean)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

-- Build and measure every (m, ef_construction) on a sample of a table
CREATE FUNCTION hnsw_sweep(tbl regclass, col name,
	m int[] DEFAULT '{8,16,32}', ef_construction int[] DEFAULT '{32,64,128}',
	ef_search int[] DEFAULT '{10,20,40,80,160}', k int DEFAULT 10,
	queries int DEFAULT 100, sample_rows bigint DEFAULT 100000,
	OUT m int, OUT ef_construction int, OUT ef_search int,
	OUT build_seconds float8, OUT index_bytes bigint, OUT recall float8,
	OUT mean_ms float8, OUT p95_ms float8, OUT queries_per_second float8,
	OUT pareto boolean, OUT score float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

-- k-means over a sample of a column: the centroids, and how the whole
-- table falls into them
CREATE FUNCTION hnsw_kmeans(tbl regclass, col name, k int DEFAULT NULL,
	iterations int DEFAULT 20, sample_rows bigint DEFAULT 100000,
	seed int DEFAULT 0,
	OUT cluster int, OUT centroid vector)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION hnsw_cluster_stats(tbl regclass, col name, k int DEFAULT NULL,
	iterations int DEFAULT 20, sample_rows bigint DEFAULT 100000,
	seed int DEFAULT 0,
	OUT cluster int, OUT size bigint, OUT mean_distance float8,
	OUT max_distance float8, OUT nearest_cluster int,
	OUT nearest_centroid_distance float8, OUT separation float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
