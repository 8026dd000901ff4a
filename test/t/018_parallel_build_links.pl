#
# test/t/018_parallel_build_links.pl
#	  A parallel build links every element into the graph: no element of a
#	  build with a worker is unreachable when no link list ever fills up.
#
# An element used to become reachable at its top level before its lists at
# the levels below were written.  Another process coming down through it
# then found an empty level-0 list, linked its new element to this one
# alone, and lost the link back when the list was written: the new element
# was unreachable.  That happened only when the two processes met in that
# short window, so the test builds several times; it can miss the old bug,
# but it cannot fail on a correct build.
#
# Why a correct build has no unreachable element here: with m = 32 no list
# of these 2-dimensional points gets near its limit (level 0 had at most 37
# of 64 links, the levels above at most 11 of 32, in every build measured),
# so no list is ever shrunk; every link then has its reverse, each element
# links to at least one element already in the graph, and the graph is
# connected.  The test checks the link counts too, so that it would say so
# if that ever changed.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $node = hnsw_node('parallel_links',
	conf => "max_worker_processes = 8\nmax_parallel_workers = 8\n");

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION hnswext;
	CREATE TABLE pts (id int PRIMARY KEY, v vector(2));
	INSERT INTO pts SELECT i, ARRAY[(hashint4(i) % 100000) / 100.0,
		(hashint4(-i) % 100000) / 100.0]::vector
	FROM generate_series(1, 3000) i;
	ALTER TABLE pts SET (parallel_workers = 1);
});

my $builds = 12;
my @bad;
my $launched = 0;
for my $b (1 .. $builds)
{
	my ($ret, $out, $err) = $node->psql(
		'postgres', q{
		SET max_parallel_maintenance_workers = 1;
		SET client_min_messages = debug1;
		DROP INDEX IF EXISTS pts_idx;
		CREATE INDEX pts_idx ON pts USING hnsw (v) WITH (m = 32, ef_construction = 1000);
		RESET client_min_messages;
		SELECT v.elements, v.unreachable, s.level0_neighbors_max,
			coalesce(s.upper_neighbors_max, 0)
		FROM hnsw_verify('pts_idx', true) v, hnsw_index_stats('pts_idx') s;
	});
	die "build $b failed: $err" if $ret != 0;
	$launched++ if $err =~ /1 of 1 parallel workers launched/;
	my ($elements, $unreachable, $l0max, $uppermax) = split /\|/, $out;
	push @bad, "build $b: $unreachable of $elements unreachable"
	  if $elements != 3000 || $unreachable != 0;
	push @bad, "build $b: a list came near its limit ($l0max of 64 at level 0, $uppermax of 32 above)"
	  if $l0max >= 56 || $uppermax >= 28;
}
note "$launched of $builds builds started their worker";
is(join('; ', @bad), '',
	"$builds parallel builds: every element reachable, no list near its limit");

done_testing();
