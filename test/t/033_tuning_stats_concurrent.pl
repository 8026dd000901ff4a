#
# test/t/033_tuning_stats_concurrent.pl
#	  hnsw_index_stats beside inserts, updates, deletes and VACUUM: its
#	  checks of the pages must never take a concurrent change for damage.
#	  Two indexes: one whose links are inline, one (1,900 dimensions,
#	  m = 48) whose every element keeps its links in a separate tuple,
#	  which hnsw_index_stats reads after letting go of the element's page.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $seconds = 15;
my $node = PostgreSQL::Test::Cluster->new('stats_concurrent');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_connections = 30
autovacuum = off
});
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION hnswext;
	CREATE TABLE narrow (id serial PRIMARY KEY, v vector(8));
	INSERT INTO narrow (v)
	SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE g > 0)::vector
	FROM generate_series(1, 3000) g;
	CREATE INDEX narrow_idx ON narrow USING hnsw (v) WITH (m = 8, ef_construction = 32);
	CREATE TABLE wide (id serial PRIMARY KEY, v vector(1900));
	INSERT INTO wide (v)
	SELECT (SELECT array_agg(random()) FROM generate_series(1, 1900) WHERE g > 0)::vector
	FROM generate_series(1, 300) g;
	CREATE INDEX wide_idx ON wide USING hnsw (v) WITH (m = 48, ef_construction = 96);
});
is($node->safe_psql('postgres',
		q{SELECT elements FROM hnsw_index_stats('wide_idx')}),
	'300', 'the wide index is read');

my %scripts = (
	narrow_insert => q{
INSERT INTO narrow (v) SELECT array_agg(random())::vector FROM generate_series(1, 8);
},
	narrow_change => q{
\set id random(1, 6000)
UPDATE narrow SET v = (SELECT array_agg(random()) FROM generate_series(1, 8))::vector WHERE id = :id;
DELETE FROM narrow WHERE id = :id + 1;
},
	wide_insert => q{
INSERT INTO wide (v) SELECT array_agg(random())::vector FROM generate_series(1, 1900);
},
	wide_change => q{
\set id random(1, 600)
DELETE FROM wide WHERE id = :id;
},
	vacuum => q{
VACUUM narrow;
VACUUM wide;
},
	stats => q{
SELECT elements FROM hnsw_index_stats('narrow_idx');
SELECT elements FROM hnsw_index_stats('wide_idx');
},
);

my @runs;
for my $name (sort keys %scripts)
{
	push @runs,
	  HnswTest::pgbench_start($node, $name, { $name => $scripts{$name} },
		'--client', 1, '--time', $seconds);
}
HnswTest::pgbench_clean($_, "pgbench $_->{name}") for @runs;

for my $index (qw(narrow_idx wide_idx))
{
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SELECT elements > 0 FROM hnsw_index_stats('$index')");
	is($ret, 0, "$index is read after the churn");
	is($stdout, 't', "$index has elements after the churn");
}
my $external = $node->safe_psql('postgres',
	q{SELECT level0_neighbors_max > 0 FROM hnsw_index_stats('wide_idx')});
is($external, 't', 'the links kept apart were counted');

$node->stop;
done_testing();
