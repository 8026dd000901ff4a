#
# test/t/001_smoke.pl
#	  Smoke test: the extension installs on a fresh cluster, computes a
#	  distance, and vectors survive a binary COPY round trip (which exercises
#	  the type's binary send and receive functions).
#
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('smoke');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION hnswext');
is( $node->safe_psql(
		'postgres', q{SELECT extname FROM pg_extension WHERE extname = 'hnswext'}),
	'hnswext',
	'CREATE EXTENSION hnswext');

is($node->safe_psql('postgres', q{SELECT '[1,2,3]'::vector <-> '[4,5,6]'}),
	'5.196152422706632', 'L2 distance between [1,2,3] and [4,5,6]');

# Vectors of several sizes, including awkward float values, plus a NULL.
$node->safe_psql(
	'postgres', q{
	CREATE TABLE src (id int PRIMARY KEY, v vector);
	INSERT INTO src VALUES
		(1, '[1,2,3]'),
		(2, '[-0.5,1e-7,3.4028235e+38,-1.1754944e-38]'),
		(3, '[0]'),
		(4, NULL);
	INSERT INTO src
		SELECT 100 + i, array_agg(((i * 7 + j) % 13) / 7.0)::real[]::vector
		FROM generate_series(1, 50) i, generate_series(1, 64) j
		GROUP BY i;
	CREATE TABLE dst (LIKE src);
});

my $file = $node->basedir . '/vectors.bin';
$node->safe_psql('postgres',
	"COPY src TO '$file' WITH (FORMAT binary)");
ok(-s $file, 'binary COPY TO wrote a file');

$node->safe_psql('postgres',
	"COPY dst FROM '$file' WITH (FORMAT binary)");

is($node->safe_psql('postgres', 'SELECT count(*) FROM dst'),
	'54', 'binary COPY FROM loaded every row');

# Compare through the text form, which must match exactly after the round
# trip; the row counts in both directions must be zero.
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM (
		(SELECT id, v::text FROM src EXCEPT SELECT id, v::text FROM dst)
		UNION ALL
		(SELECT id, v::text FROM dst EXCEPT SELECT id, v::text FROM src)) d}),
	'0',
	'binary COPY round trip preserves every vector');

$node->stop;

done_testing();
