#
# test/t/050_upgrade.pl
#	  ALTER EXTENSION hnswext UPDATE from each earlier release keeps the
#	  tables and indexes made under it working, and leaves the database with
#	  the same objects as a fresh CREATE EXTENSION of the current version.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $node = hnsw_node('upgrade');

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions
	  WHERE name = 'hnswext'});

# Every extension member, and for each function and operator what an
# application or the planner relies on; a fresh install and an update must
# agree on all of it.
my $objects_sql = q{
	WITH member AS (
		SELECT d.classid, d.objid
		FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
		WHERE d.refclassid = 'pg_extension'::regclass
		  AND d.deptype = 'e' AND e.extname = 'hnswext')
	SELECT line FROM (
		SELECT pg_describe_object(classid, objid, 0) AS line FROM member
		UNION ALL
		SELECT format('%s: %s %s strict=%s secdef=%s cost=%s rows=%s %s %s %s',
					  p.oid::regprocedure, p.provolatile, p.proparallel,
					  p.proisstrict, p.prosecdef, p.procost, p.prorows,
					  p.prorettype::regtype, p.prosrc, p.proacl)
		FROM member m JOIN pg_proc p ON m.objid = p.oid
		WHERE m.classid = 'pg_proc'::regclass
		UNION ALL
		SELECT format('%s: %s %s %s %s %s %s', o.oid::regoperator,
					  o.oprcode, o.oprcom::regoperator,
					  o.oprnegate::regoperator, o.oprrest, o.oprjoin,
					  o.oprresult::regtype)
		FROM member m JOIN pg_operator o ON m.objid = o.oid
		WHERE m.classid = 'pg_operator'::regclass) s
	ORDER BY line COLLATE "C"};

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION hnswext');
my $fresh_objects = $node->safe_psql('fresh', $objects_sql);
is($node->safe_psql('fresh',
		q{SELECT extversion FROM pg_extension WHERE extname = 'hnswext'}),
	$current, "a fresh install is version $current");

# The tables and indexes of a database made under the previous release,
# here in the database postgres.
my $old = '0.1.0';
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION hnswext VERSION '$old';
	CREATE TABLE items (id int PRIMARY KEY, v vector(8));
	INSERT INTO items
		SELECT i, array_agg(sin(i * 7 + j))::real[]::vector
		FROM generate_series(1, 2000) i, generate_series(1, 8) j
		GROUP BY i;
	CREATE INDEX items_l2 ON items USING hnsw (v vector_l2_ops)
		WITH (m = 8, ef_construction = 32);
	CREATE INDEX items_cos ON items USING hnsw (v vector_cosine_ops);
});
my $query = q{SELECT id FROM items ORDER BY v <-> '[1,0,1,0,1,0,1,0]' LIMIT 10};
my $answer_sql = "SET enable_seqscan = off;"
  . " SELECT string_agg(id::text, ',') FROM ($query) s";
my $before = $node->safe_psql('postgres', $answer_sql);

$node->safe_psql('postgres', 'ALTER EXTENSION hnswext UPDATE');
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'hnswext'}),
	$current, "$old updates to $current");
is($node->safe_psql('postgres', $objects_sql), $fresh_objects,
	"$old updated to $current has the objects of a fresh install");

ok(uses_index($node, $query, 'items_l2'),
	"the $old index serves queries after the update");
is($node->safe_psql('postgres', $answer_sql), $before,
	"the $old index gives the same answer after the update");

# Rows inserted after the update go into the old indexes and are found.
$node->safe_psql('postgres', q{
	INSERT INTO items VALUES (9001, '[5,5,5,5,5,5,5,5]'),
							 (9002, '[-5,5,-5,5,-5,5,-5,5]')});
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM items ORDER BY v <-> '[5,5,5,5,5,5,5,5]' LIMIT 1}),
	'9001', "a row inserted after the update is found by the $old index");
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM items ORDER BY v <=> '[-1,1,-1,1,-1,1,-1,1]' LIMIT 1}),
	'9002', "and by the $old cosine index");
verify_index($node, 'items_l2', 'items', "after the update from $old");
verify_index($node, 'items_cos', 'items', "after the update from $old");

$node->stop;

done_testing();
