#
# test/t/015_churn.pl
#	  Thirty seconds of concurrent INSERT (new vectors and copies of
#	  existing ones), UPDATE, DELETE and nearest-neighbour SELECTs from
#	  pgbench clients while VACUUM runs again and again; afterwards no
#	  client saw an error, hnsw_verify passes with
#	  heapallindexed, and every live row is found by a search for its own
#	  vector (allowing 0.1% that the graph leaves unreachable).
#
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = 30;
my $node = PostgreSQL::Test::Cluster->new('churn');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_connections = 30
autovacuum = off
});
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION hnswext;
	CREATE TABLE t (id serial PRIMARY KEY, v vector(16));
	SELECT setseed(0.15);
	INSERT INTO t (v)
	SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
	FROM generate_series(1, 5000) g;
	CREATE INDEX t_idx ON t USING hnsw (v) WITH (m = 8, ef_construction = 32);
});

my $dir = PostgreSQL::Test::Utils::tempdir;
# Vectors come from pgbench's seeded generator (--random-seed below) through
# hashint8, not from the server's unseeded random(): components in [0, 1).
my $vector = '(SELECT array_agg(hashint8(:s::bigint * 16 + g)::float8 / 4294967296 + 0.5'
  . ' ORDER BY g)::vector FROM generate_series(1, 16) g)';
my %scripts = (
	insert => qq{
\\set s random(1, 1000000000)
INSERT INTO t (v) SELECT $vector;
},
	update => qq{
\\set id random(1, 12000)
\\set s random(1, 1000000000)
UPDATE t SET v = $vector WHERE id = :id;
},
	delete => q{
\set id random(1, 12000)
DELETE FROM t WHERE id = :id;
},
	select => qq{
\\set s random(1, 1000000000)
SET enable_seqscan = off;
SELECT id FROM t ORDER BY v <-> $vector LIMIT 10;
},
	# a copy of a row's vector: its element takes one more heap TID, and
	# the rewritten tuple moves the others on its page, under searches that
	# read those pages without the content lock
	dup => q{
\set id random(1, 12000)
INSERT INTO t (v) SELECT v FROM t WHERE id = :id;
},
	# a search near rows the others are changing
	select_row => q{
\set id random(1, 12000)
SET enable_seqscan = off;
SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = :id) LIMIT 10;
},
	vacuum => q{
VACUUM t;
\sleep 200 ms
},);
for my $name (keys %scripts)
{
	open(my $fh, '>', "$dir/$name.sql") or die;
	print $fh $scripts{$name};
	close($fh);
}

my @connect = ('-h', $node->host, '-p', $node->port, 'postgres');
my ($out1, $err1, $out2, $err2) = ('', '', '', '');
my $workers = IPC::Run::start(
	[
		'pgbench', '-n', '-T', $seconds, '-c', '6', '-j', '2',
		"--file=$dir/insert.sql\@4", "--file=$dir/dup.sql\@2",
		"--file=$dir/update.sql\@2", "--file=$dir/delete.sql\@2",
		"--file=$dir/select.sql\@3", "--file=$dir/select_row.sql\@2",
		'--random-seed=15', @connect
	],
	'>', \$out1, '2>', \$err1);
my $vacuum = IPC::Run::start(
	[ 'pgbench', '-n', '-T', $seconds, '-c', '1', "--file=$dir/vacuum.sql", '--random-seed=16', @connect ],
	'>', \$out2, '2>', \$err2);
ok($workers->finish, 'the clients ran without error');
ok($vacuum->finish, 'the vacuums ran without error');
unlike($err1 . $err2, qr/ERROR|deadlock/, 'no error in the pgbench logs');
like($out1, qr/number of transactions actually processed: [1-9]/, 'the clients did work');
like($out2, qr/number of transactions actually processed: [1-9]/, 'vacuum ran repeatedly');
note($out1);

# INDEX_CLEANUP ON: with few dead rows VACUUM may skip the indexes
$node->safe_psql('postgres', 'VACUUM (INDEX_CLEANUP ON) t');
my ($rows, $elements, $tids, $checked) = split /\|/,
  $node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM t), elements, heap_tids, heap_rows_checked
	FROM hnsw_verify('t_idx', true)});
ok($checked == $rows, "hnsw_verify with heapallindexed passes ($rows rows)");
is($tids, $rows, 'the index holds one heap TID per live row');

# every live row, searched for by its own vector (copies of a vector are
# equally near, so finding any row with that vector counts; hnsw_verify
# above checked that every row's TID is in the index)
my $missed_sql = q{
	SET enable_seqscan = off;
	SET hnsw.iterative_scan = relaxed_order;
	SET hnsw.ef_search = 40;
	SELECT count(*) FROM %s o
	WHERE NOT EXISTS (SELECT 1 FROM (SELECT v FROM %s i ORDER BY i.v <-> o.v LIMIT 1) n
					  WHERE n.v = o.v);
};
my $missed = $node->safe_psql('postgres', sprintf($missed_sql, 't', 't'));
$node->safe_psql('postgres', q{
	CREATE TABLE fresh AS SELECT * FROM t;
	CREATE INDEX fresh_idx ON fresh USING hnsw (v) WITH (m = 8, ef_construction = 32);
});
my $missed_fresh = $node->safe_psql('postgres', sprintf($missed_sql, 'fresh', 'fresh'));
note("rows $rows, missed after churn $missed, missed by a fresh index $missed_fresh");
ok($missed <= 0.001 * $rows,
	"at most 0.1% of rows are not found by their own vector ($missed of $rows)");
ok($missed <= $missed_fresh + 0.001 * $rows,
	"no more than a fresh index misses, give or take 0.1% ($missed against $missed_fresh)");

$node->stop;
done_testing();
