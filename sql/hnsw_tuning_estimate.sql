-- hnsw_estimate_memory and hnsw_estimate_build_time

-- The size comes from the page layout, the same for every run: at 128
-- dimensions and m = 16 an element at level 0 is a 720-byte tuple plus a
-- line pointer, 11 to a page.
SELECT * FROM hnsw_estimate_memory(100000, 128, 16);
SELECT * FROM hnsw_estimate_memory(100000, 128);
-- levels per element: m/(m-1), summed up to the level cap
SELECT m, levels_per_element, round(m / (m - 1.0), 12) AS m_over_m_minus_1
FROM generate_series(2, 64, 31) m, hnsw_estimate_memory(1000, 8, m);
-- large vectors keep their links in a separate tuple, as the build does
SELECT pages, bytes_per_vector FROM hnsw_estimate_memory(1000, 2000, 16);
SELECT pages, bytes_per_vector FROM hnsw_estimate_memory(1000, 2020, 100);
-- an empty table has the meta page only
SELECT total_bytes, bytes_per_vector, pages FROM hnsw_estimate_memory(0, 3);
-- a billion rows
SELECT pg_size_pretty(total_bytes), round(bytes_per_vector) FROM hnsw_estimate_memory(1000000000, 768, 16);

-- against real indexes (random vectors: all distinct)
SELECT setseed(0.25);
CREATE TABLE est (id int, v vector(24));
INSERT INTO est SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 24) WHERE i > 0)::vector
FROM generate_series(1, 3000) i;
CREATE INDEX est_m8 ON est USING hnsw (v) WITH (m = 8, ef_construction = 16);
CREATE INDEX est_m24 ON est USING hnsw (v) WITH (m = 24, ef_construction = 48);
SELECT m, abs(e.total_bytes::float8 / pg_relation_size(i) - 1) < 0.02 AS within_2_percent
FROM (VALUES (8, 'est_m8'::regclass), (24, 'est_m24')) x(m, i),
	 LATERAL hnsw_estimate_memory(3000, 24, m) e;

-- the table form reads rows and dimensions from the column: counted
-- before ANALYZE, from the statistics afterwards (NULLs are not indexed)
INSERT INTO est VALUES (0, NULL), (-1, NULL);
SELECT pages FROM hnsw_estimate_memory('est', 'v', 8);
ANALYZE est;
SELECT pages FROM hnsw_estimate_memory('est', 'v', 8);
SELECT pages FROM hnsw_estimate_memory(3000, 24, 8);

-- errors
SELECT * FROM hnsw_estimate_memory(-1, 3);
SELECT * FROM hnsw_estimate_memory(10, 0);
SELECT * FROM hnsw_estimate_memory(10, 2022);
SELECT * FROM hnsw_estimate_memory(10, 3, 1);
SELECT * FROM hnsw_estimate_memory(10, 3, 101);
SELECT * FROM hnsw_estimate_memory('est', 'id');
SELECT * FROM hnsw_estimate_memory('est', 'nope');
CREATE TABLE est_nodim (v vector);
SELECT * FROM hnsw_estimate_memory('est_nodim', 'v');
SELECT * FROM hnsw_estimate_memory(NULL, 3);

-- The build time: the model's count of distance computations is fixed;
-- the seconds come from measuring this server.
SELECT distance_computations, seconds > 0 AS positive, ns_per_distance > 0 AS priced,
	   write_seconds > 0 AS writes
FROM hnsw_estimate_build_time(100000, 128, 16, 64);
SELECT distance_computations FROM hnsw_estimate_build_time(100000, 128);
SELECT distance_computations FROM hnsw_estimate_build_time(20000, 768, 8, 32);
-- more rows cost more seconds (a and b share one calibration, made for
-- their dimensions, m and ef_construction); more candidates, more distance
-- computations (c is calibrated on its own, and two calibrations' timings
-- are not comparable on a busy machine)
SELECT a.seconds < b.seconds AS more_rows,
	   b.distance_computations < c.distance_computations AS more_candidates
FROM hnsw_estimate_build_time(10000, 32) a, hnsw_estimate_build_time(100000, 32) b,
	 hnsw_estimate_build_time(100000, 32, 16, 200) c;
SELECT seconds, distance_computations, ns_per_distance FROM hnsw_estimate_build_time(0, 32);
-- the calibration's temporary table is gone
SELECT count(*) FROM pg_class WHERE relname LIKE 'hnsw_estimate_calibration%';
SELECT * FROM hnsw_estimate_build_time(1000, 32, 16, 31);
SELECT * FROM hnsw_estimate_build_time(1000, 32, 16, 1001);
-- every type the index holds is calibrated with its own build and kernel;
-- the count of distance computations does not depend on the type, the
-- price does (TAP test 030 checks each type's against real builds)
SELECT h.distance_computations = v.distance_computations AS same_count,
	   h.seconds > 0 AS halfvec_priced,
	   b.distance_computations = v.distance_computations AS same_count_bit,
	   b.seconds > 0 AS bit_priced
FROM hnsw_estimate_build_time(10000, 256, 16, 64, 'vector') v,
	 hnsw_estimate_build_time(10000, 256, 16, 64, 'halfvec') h,
	 hnsw_estimate_build_time(10000, 256, 16, 64, 'bit') b;
-- bit strings have more dimensions than vectors
SELECT seconds > 0 AS priced FROM hnsw_estimate_build_time(1000, 20000, 16, 64, 'bit');
SELECT count(*) FROM pg_class WHERE relname LIKE 'hnsw_estimate_calibration%';
SELECT * FROM hnsw_estimate_build_time(1000, 4041, 16, 64, 'halfvec');
SELECT * FROM hnsw_estimate_build_time(1000, 32, 16, 64, 'integer');

DROP TABLE est, est_nodim;
