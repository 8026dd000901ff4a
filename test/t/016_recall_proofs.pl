#
# test/t/016_recall_proofs.pl
#	  The issue's recall proofs at their stated sizes:
#	  - 100,000 rows with a category column of 100 values: LIMIT 10 with
#	    filters keeping 1% and 10% of the rows returns 10 rows with recall
#	    at least 0.9 against the exact filtered answer, with iterative scans
#	    in both modes (and comes back short with them off);
#	  - 50,000 rows: after deleting a random half and VACUUM, recall@10 at
#	    the default ef_search is within 0.02 of a fresh index on the
#	    surviving rows; three rounds of deleting and re-inserting with VACUUM
#	    between grow the index by at most 15%; deleting every row leaves an
#	    index that still takes inserts and answers.
#
# The data come from random() after setseed(), and the builds are serial
# (max_parallel_maintenance_workers = 0), whose levels come from a fixed
# seed: the same graph and the same filtered-recall figures on every run
# (0.945 to 0.954 here).  A parallel build, as before, gave another graph
# each time, and recall down to 0.896 in two CI runs.  The inserts of the
# churn rounds used to draw levels from the backend's unseeded generator,
# and the churned recall came out 0.0225 below the fresh index's in one run
# of many; inserts now seed their draws with the row's heap TID, so the
# churn gives the same figure on every run too.
#
# Over nine data seeds (0.1 to 0.9) the filtered recall ranged from 0.889
# (strict_order, 10% filter) to 0.968: 0.9 is not safe for any data, but
# is 0.045 below the fixed data's figure; a broken iterative scan falls far
# lower (0.05 and 0.38 with it off).  After vacuum recall was 0.007 to
# 0.05 above the fresh index's, whose own recall was 0.94 to 0.98: the
# 0.02 and 0.9 bounds there have room.
#
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('proofs');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_buffers = '256MB'
maintenance_work_mem = '512MB'
max_parallel_maintenance_workers = 0
autovacuum = off
});
$node->start;

# Clustered 32-dimensional data, like embeddings: 100 centres, noise around.
$node->safe_psql('postgres', q{
	CREATE EXTENSION hnswext;
	SELECT setseed(0.3);
	CREATE TABLE centres AS
	SELECT c, ARRAY(SELECT random() * 4 - 2 FROM generate_series(1, 32) WHERE c >= 0) AS centre
	FROM generate_series(0, 99) c;
	CREATE TABLE items (id int PRIMARY KEY, category int, v vector(32));
	INSERT INTO items
	SELECT i, floor(random() * 100)::int,
		   (SELECT array_agg(centre[d] + random() - 0.5 ORDER BY d)
			FROM generate_series(1, 32) d)::vector
	FROM generate_series(1, 100000) i JOIN centres ON c = i % 100;
	CREATE INDEX items_idx ON items USING hnsw (v);
	ANALYZE items;
	CREATE TABLE queries AS
	SELECT q, (SELECT array_agg(centre[d] + random() - 0.5 ORDER BY d)
			   FROM generate_series(1, 32) d)::vector AS v
	FROM generate_series(1, 200) q JOIN centres ON c = (q * 13) % 100;
});

# recall@10 and short answers of "WHERE filter ORDER BY ... LIMIT 10"
$node->safe_psql('postgres', q{
CREATE FUNCTION filtered_recall(filter text, nq int, OUT recall float8, OUT short int)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	hits int := 0;
	n int := 0;
	approx int[];
	exact int[];
BEGIN
	short := 0;
	FOR r IN SELECT v FROM queries WHERE queries.q <= nq ORDER BY queries.q LOOP
		SET LOCAL enable_seqscan = off;
		SET LOCAL enable_bitmapscan = off;
		SET LOCAL enable_indexscan = on;
		EXECUTE format('SELECT ARRAY(SELECT id FROM items WHERE %s ORDER BY v <-> $1 LIMIT 10)', filter)
			INTO approx USING r.v;
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('SELECT ARRAY(SELECT id FROM items WHERE %s ORDER BY v <-> $1 LIMIT 10)', filter)
			INTO exact USING r.v;
		hits := hits + (SELECT count(*) FROM unnest(approx) a WHERE a = ANY (exact));
		n := n + 1;
		IF coalesce(array_length(approx, 1), 0) < 10 THEN
			short := short + 1;
		END IF;
	END LOOP;
	recall := hits / (10.0 * n);
END $$;
});

my %filters = ('1%' => 'category = 7', '10%' => 'category < 10');
for my $f (sort keys %filters)
{
	my ($recall, $short) = split /\|/, $node->safe_psql('postgres',
		"SET hnsw.iterative_scan = off; SELECT * FROM filtered_recall('$filters{$f}', 100)");
	note("iterative_scan off, filter keeping $f: recall $recall, short answers $short of 100");
	ok($short > 0, "with iterative scans off a $f filter leaves some answers short") if $f eq '1%';
	for my $mode ('relaxed_order', 'strict_order')
	{
		($recall, $short) = split /\|/, $node->safe_psql('postgres',
			"SET hnsw.iterative_scan = $mode; SELECT * FROM filtered_recall('$filters{$f}', 100)");
		is($short, '0', "$mode, filter keeping $f: every query gets 10 rows");
		ok($recall >= 0.9, "$mode, filter keeping $f: recall $recall >= 0.9");
	}
}

# Vacuum on 50,000 rows.
$node->safe_psql('postgres', q{
	DROP TABLE items;
	CREATE TABLE items (id int PRIMARY KEY, category int, v vector(32));
	SELECT setseed(0.31);
	INSERT INTO items
	SELECT i, 0, (SELECT array_agg(centre[d] + random() - 0.5 ORDER BY d)
				  FROM generate_series(1, 32) d)::vector
	FROM generate_series(1, 50000) i JOIN centres ON c = i % 100;
	CREATE INDEX items_idx ON items USING hnsw (v);
	DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 25000);
	VACUUM items;
});
my $after = $node->safe_psql('postgres', q{SELECT recall FROM filtered_recall('true', 200)});
$node->safe_psql('postgres', 'REINDEX INDEX items_idx');
my $fresh = $node->safe_psql('postgres', q{SELECT recall FROM filtered_recall('true', 200)});
note("recall@10 after deleting half and VACUUM: $after; fresh index: $fresh");
ok($after >= $fresh - 0.02, "recall after vacuum ($after) within 0.02 of a fresh index ($fresh)");
ok($fresh >= 0.9, "a fresh index has recall $fresh >= 0.9");

my $base = $node->safe_psql('postgres', q{SELECT pg_relation_size('items_idx')});
for my $round (1 .. 3)
{
	$node->safe_psql('postgres', qq{
		SELECT setseed(0.3$round);
		DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 5000);
		VACUUM items;
		INSERT INTO items
		SELECT 1000000 * $round + i, 0,
			   (SELECT array_agg(centre[d] + random() - 0.5 ORDER BY d)
				FROM generate_series(1, 32) d)::vector
		FROM generate_series(1, 5000) i JOIN centres ON c = i % 100;
	});
}
my $grown = $node->safe_psql('postgres', q{SELECT pg_relation_size('items_idx')});
note("index size before the churn $base, after $grown");
ok($grown <= 1.15 * $base, sprintf('three delete/re-insert rounds grew the index by %.1f%% (at most 15%%)',
	100 * ($grown / $base - 1)));
my $churned = $node->safe_psql('postgres', q{SELECT recall FROM filtered_recall('true', 200)});
ok($churned >= $fresh - 0.02, "recall after the churn ($churned) within 0.02 of the fresh index ($fresh)");

$node->safe_psql('postgres', 'DELETE FROM items; VACUUM items;');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 5) s}),
	'0', 'an index emptied by vacuum answers with no rows');
$node->safe_psql('postgres', q{
	INSERT INTO items SELECT q, 0, v FROM queries;
});
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE q = 5) LIMIT 1}),
	'5', 'and takes inserts and finds them');
is($node->safe_psql('postgres', q{SELECT elements FROM hnsw_verify('items_idx', true)}),
	'200', 'hnsw_verify passes');

$node->stop;
done_testing();
