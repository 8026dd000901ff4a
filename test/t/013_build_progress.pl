#
# test/t/013_build_progress.pl
#	  An HNSW build reports its phases and tuple counts in
#	  pg_stat_progress_create_index, and ALTER DATABASE / ALTER ROLE can set
#	  hnsw.ef_search.
#
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->append_conf('postgresql.conf', "maintenance_work_mem = '256MB'");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION hnswext;
	CREATE TABLE t (id int, v vector(64));
	SELECT setseed(0.13);
	INSERT INTO t
	SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector
	FROM generate_series(1, 30000) i;
	ANALYZE t;
});

# Start a slow build in the background and watch it from here.
my $build = $node->background_psql('postgres');
$build->query_until(qr/build started/, q{
	\echo build started
	CREATE INDEX t_idx ON t USING hnsw (v) WITH (m = 32, ef_construction = 300);
});

my $seen = $node->poll_query_until('postgres', q{
	SELECT phase = 'building index: loading tuples' AND tuples_total = 30000
		AND tuples_done > 0 AND tuples_done < tuples_total
	FROM pg_stat_progress_create_index
});
ok($seen, 'progress shows the loading phase with tuples done out of the total');

is($build->query_safe(q{SELECT 'build finished'}), 'build finished',
	'the build completed');
$build->quit;

is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_progress_create_index'),
	'0', 'no progress row once the build is over');

# hnsw.ef_search through ALTER DATABASE and ALTER ROLE
$node->safe_psql('postgres', q{
	CREATE ROLE tuner LOGIN;
	ALTER DATABASE postgres SET hnsw.ef_search = 77;
	ALTER ROLE tuner SET hnsw.ef_search = 123;
});
is($node->safe_psql('postgres', 'SHOW hnsw.ef_search'), '77',
	'ALTER DATABASE sets hnsw.ef_search');
is($node->safe_psql('postgres', 'SHOW hnsw.ef_search', extra_params => [ '-U', 'tuner' ]),
	'123', 'ALTER ROLE sets hnsw.ef_search, overriding the database');

done_testing();
