#
# test/t/031_tuning_stats.pl
#	  Search statistics shared across backends when hnswext is in
#	  shared_preload_libraries, per backend otherwise; which value of
#	  hnsw.ef_search a scan uses when the index has its own.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $setup = q{
	CREATE EXTENSION hnswext;
	CREATE TABLE items (id int PRIMARY KEY, v vector(8));
	INSERT INTO items
	SELECT i, (SELECT array_agg(hashint8(i * 8 + d)::float8 / 2147483648)
			   FROM generate_series(1, 8) d)::vector
	FROM generate_series(1, 2000) i;
	CREATE INDEX items_idx ON items USING hnsw (v);
	ANALYZE items;
};
# One nearest-neighbour query; with enable_seqscan off it is an index scan
my $query = q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM items
		ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 5) x;
};

# --- shared_preload_libraries: one set of counters for the server --------

my $node = hnsw_node('shared', conf => "shared_preload_libraries = 'hnswext'");
$node->safe_psql('postgres', $setup);
$node->safe_psql('postgres', 'SELECT hnsw_stat_reset()');

# two sessions, one after the other
$node->safe_psql('postgres', $query) for 1 .. 3;
$node->safe_psql('postgres', $query . $query);
is( $node->safe_psql(
		'postgres',
		'SELECT scans, tuples_returned, scope FROM hnsw_stat_indexes()'),
	'5|25|shared',
	'scans of every session add up in the shared counters');

# two pgbench clients at once
my $run = pgbench_start(
	$node, 'scans',
	{ 'query.sql' => "SET enable_seqscan = off;\n"
		  . "SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 5;\n" },
	'--client', '2', '--transactions', '100');
pgbench_clean($run, 'concurrent scans');
is( $node->safe_psql(
		'postgres', 'SELECT scans, tuples_returned FROM hnsw_stat_indexes()'),
	'205|1025',
	'concurrent scans are all counted');
ok( $node->safe_psql(
		'postgres',
		'SELECT elements_visited > scans AND distance_computations > elements_visited
		 FROM hnsw_stat_indexes()') eq 't',
	'elements visited and distance computations are counted');

# counters are per database
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', $setup);
$node->safe_psql('other', $query);
is($node->safe_psql('other', 'SELECT scans FROM hnsw_stat_indexes()'),
	'1', 'another database has its own counters');
is($node->safe_psql('postgres', 'SELECT scans FROM hnsw_stat_indexes()'),
	'205', 'and does not add to this one');

# a reset clears this database's counters for everyone; only those allowed
# may reset
$node->safe_psql('postgres', 'CREATE ROLE reader LOGIN');
my ($ret, $out, $err) =
  $node->psql('postgres', 'SELECT hnsw_stat_reset()', extra_params => [ '-U', 'reader' ]);
like($err, qr/permission denied for function hnsw_stat_reset/,
	'an ordinary role may not reset the shared counters');
$node->safe_psql('postgres', 'SELECT hnsw_stat_reset()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM hnsw_stat_indexes()'),
	'0', 'reset clears the counters');
is($node->safe_psql('other', 'SELECT scans FROM hnsw_stat_indexes()'),
	'1', 'but not those of other databases');

# the counters survive the sessions that made them, and a dropped index's
# disappear from the view
$node->safe_psql('postgres', $query);
$node->safe_psql('postgres', 'DROP INDEX items_idx');
is($node->safe_psql('postgres', 'SELECT count(*) FROM hnsw_stat_indexes()'),
	'0', 'a dropped index is not shown');
$node->safe_psql('postgres', 'CREATE INDEX items_idx ON items USING hnsw (v)');

# --- the index's own ef_search and where hnsw.ef_search comes from -----------

# With iterative scans off a scan returns the rows of at most ef_search
# elements: the row count shows the value a scan used.
my $count = q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM items
		ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000) x;
};
$node->safe_psql('postgres', 'ALTER INDEX items_idx SET (ef_search = 7)');
is($node->safe_psql('postgres', $count), '7',
	'a new session uses the index option');
$node->safe_psql('postgres', 'ALTER ROLE reader SET hnsw.ef_search = 9');
$node->safe_psql('postgres', 'GRANT SELECT ON items TO reader');
is($node->safe_psql('postgres', $count, extra_params => [ '-U', 'reader' ]),
	'9', 'ALTER ROLE ... SET hnsw.ef_search wins over the index option');
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET hnsw.ef_search = 11');
is($node->safe_psql('postgres', $count),
	'11', 'so does ALTER DATABASE ... SET');
$node->safe_psql('postgres', 'ALTER DATABASE postgres RESET hnsw.ef_search');
$node->append_conf('postgresql.conf', 'hnsw.ef_search = 13');
$node->reload;
is($node->safe_psql('postgres', $count),
	'13', 'and a value from postgresql.conf');
$node->stop;

# --- without shared_preload_libraries: each backend its own -----------------

my $plain = hnsw_node('plain');
$plain->safe_psql('postgres', $setup);
$plain->safe_psql('postgres', $query);
is($plain->safe_psql('postgres', 'SELECT count(*) FROM hnsw_stat_indexes()'),
	'0', "another backend's scans are not visible");
is( $plain->safe_psql(
		'postgres', $query . 'SELECT scans, scope FROM hnsw_stat_indexes()'),
	"5\n1|backend",
	'a backend sees its own scans, and says so');
$plain->stop;

done_testing();
