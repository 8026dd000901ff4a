-- hnsw_kmeans and hnsw_cluster_stats
-- Four tight clusters of 250 points, 10 apart.
SELECT setseed(0.625);
CREATE TABLE km (id int PRIMARY KEY, v vector(8));
INSERT INTO km
SELECT i, (SELECT array_agg(10 * ((i % 4) = (d % 4))::int + random() - 0.5 ORDER BY d)
		   FROM generate_series(1, 8) d WHERE i > 0)::vector
FROM generate_series(1, 1000) i;
INSERT INTO km VALUES (0, NULL);

-- every cluster found, each point where it belongs
SELECT size, max_distance < 1.5 AS tight, mean_distance < max_distance AS mean_ok,
	   nearest_centroid_distance > 12 AS apart, separation > 10 AS separated,
	   nearest_cluster BETWEEN 1 AND 4 AND nearest_cluster <> cluster AS other
FROM hnsw_cluster_stats('km', 'v', k => 4) ORDER BY cluster;
-- the centroids sit at the clusters' centres
SELECT count(*) FROM hnsw_kmeans('km', 'v', k => 4) c
WHERE EXISTS (SELECT 1 FROM generate_series(0, 3) r
			  WHERE c.centroid <-> (SELECT array_agg(10 * (r = (d % 4))::int ORDER BY d)
									FROM generate_series(1, 8) d)::vector < 0.2);
-- the same seed gives the same centroids in the same order; here another
-- seed finds the same clusters, in another order
SELECT count(*) FROM (SELECT * FROM hnsw_kmeans('km', 'v', 4, seed => 1)
					  EXCEPT SELECT * FROM hnsw_kmeans('km', 'v', 4, seed => 1)) d;
SELECT count(*) FROM (SELECT centroid FROM hnsw_kmeans('km', 'v', 4, seed => 1)
					  EXCEPT SELECT centroid FROM hnsw_kmeans('km', 'v', 4, seed => 2)) d;
-- k defaults to about the square root of the rows: 1000 rows, 32 clusters
SELECT count(*), sum(size) FROM hnsw_cluster_stats('km', 'v');
-- a small sample still assigns every row of the table
SELECT count(*), sum(size) FROM hnsw_cluster_stats('km', 'v', k => 4, sample_rows => 40);
-- zero iterations: the k-means++ starting points
SELECT count(*) FROM hnsw_kmeans('km', 'v', k => 4, iterations => 0);
-- one cluster
SELECT size, nearest_cluster, nearest_centroid_distance, separation
FROM hnsw_cluster_stats('km', 'v', k => 1);
-- a column without a declared dimension works, if all vectors agree
CREATE TABLE km_any (v vector);
INSERT INTO km_any SELECT v FROM km;
SELECT count(*) FROM hnsw_kmeans('km_any', 'v', k => 4);
INSERT INTO km_any VALUES ('[1,2,3]');
SELECT count(*) FROM hnsw_kmeans('km_any', 'v', k => 4);
-- duplicates: more clusters than distinct points leaves some empty
CREATE TABLE km_dup (v vector(2));
INSERT INTO km_dup SELECT '[1,1]' FROM generate_series(1, 10);
INSERT INTO km_dup SELECT '[5,5]' FROM generate_series(1, 10);
SELECT count(*), sum(size), count(*) FILTER (WHERE size > 0) AS nonempty
FROM hnsw_cluster_stats('km_dup', 'v', k => 3);

-- A large table split by nearest centroid: one partition per cluster, an
-- index on each, and the planner merging the partitions' index scans.
CREATE TABLE km_centroids AS SELECT * FROM hnsw_kmeans('km', 'v', k => 4);
CREATE TABLE km_part (id int, cluster int, v vector(8)) PARTITION BY LIST (cluster);
SELECT format('CREATE TABLE km_part_%s PARTITION OF km_part FOR VALUES IN (%s)', cluster, cluster)
FROM km_centroids ORDER BY cluster \gexec
INSERT INTO km_part
SELECT id, (SELECT cluster FROM km_centroids c ORDER BY c.centroid <-> km.v LIMIT 1), v
FROM km WHERE v IS NOT NULL;
CREATE INDEX ON km_part USING hnsw (v);
ANALYZE km_part;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM km_part ORDER BY v <-> '[10,0,0,0,10,0,0,0]' LIMIT 5;
-- the same rows as an exact search of the table
SELECT array_agg(id ORDER BY id) FROM
	(SELECT id FROM km_part ORDER BY v <-> '[9,0,0,0,9,0,0,0]' LIMIT 5) a;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT array_agg(id ORDER BY id) FROM
	(SELECT id FROM km ORDER BY v <-> '[9,0,0,0,9,0,0,0]' LIMIT 5) a;
RESET enable_indexscan;
-- or search only the partition of the nearest centroid: the others are
-- pruned when the query runs
CREATE FUNCTION km_scans(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, ANALYZE, TIMING OFF, SUMMARY OFF) ' || query LOOP
		IF line ~ 'Index Scan' THEN
			RETURN NEXT line;
		END IF;
	END LOOP;
END $$;
SET enable_seqscan = off;
SELECT km_scans($$
	SELECT id FROM km_part
	WHERE cluster = (SELECT cluster FROM km_centroids
					 ORDER BY centroid <-> '[9,0,0,0,9,0,0,0]' LIMIT 1)
	ORDER BY v <-> '[9,0,0,0,9,0,0,0]' LIMIT 5 $$);
RESET enable_seqscan;
DROP FUNCTION km_scans(text);

-- errors
SELECT * FROM hnsw_kmeans('km', 'v', k => 0);
SELECT * FROM hnsw_kmeans('km', 'v', k => 2000);
SELECT * FROM hnsw_kmeans('km', 'v', iterations => -1);
SELECT * FROM hnsw_kmeans('km', 'v', sample_rows => 0);
SELECT * FROM hnsw_kmeans('km', 'id');
SELECT * FROM hnsw_kmeans('km', 'nope');
CREATE TABLE km_empty (v vector(3));
SELECT * FROM hnsw_kmeans('km_empty', 'v');
SELECT count(*) FROM hnsw_kmeans(NULL, 'v');
CREATE ROLE hnsw_kmeans_user;
SET ROLE hnsw_kmeans_user;
SELECT * FROM hnsw_cluster_stats('km', 'v');
RESET ROLE;

DROP TABLE km, km_any, km_dup, km_centroids, km_part, km_empty;
DROP ROLE hnsw_kmeans_user;
