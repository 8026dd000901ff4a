#
# test/t/011_crash.pl
#	  HNSW indexes survive a crash: inserts (and then deletes and vacuum)
#	  interrupted by an immediate shutdown leave an index that still finds
#	  every committed row, accepts new rows and answers queries; indexes on
#	  unlogged tables come back empty and usable.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use HnswTest;

my $node = hnsw_node('crash', init => { allows_streaming => 1 });

my $vec16 = vector_sql('i', 16);
my $t_using = 'hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)';

# t: the table the inserts crash into, built over 1000 rows, with an L2
#	index and pgvector's binary-quantization expression index.
# u: unlogged, index built over rows and then inserted into.
# u_empty: unlogged, index built on the empty table (only the init fork).
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE EXTENSION pageinspect;

	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(16));
	INSERT INTO t (v) SELECT $vec16 FROM generate_series(1, 1000) i;
	CREATE INDEX t_v ON t USING $t_using;
	CREATE INDEX t_bq ON t
		USING hnsw ((binary_quantize(v)::bit(16)) bit_hamming_ops);

	CREATE UNLOGGED TABLE u (id int PRIMARY KEY, v vector(16));
	INSERT INTO u SELECT i, $vec16 FROM generate_series(1, 500) i;
	CREATE INDEX u_v ON u USING hnsw (v vector_l2_ops);
	INSERT INTO u SELECT i, $vec16 FROM generate_series(501, 800) i;

	CREATE UNLOGGED TABLE u_empty (id int PRIMARY KEY, v vector(16));
	CREATE INDEX u_empty_v ON u_empty USING hnsw (v vector_l2_ops);
	INSERT INTO u_empty SELECT i, $vec16 FROM generate_series(1, 200) i;
});

# --- (a) crash in the middle of concurrent inserts ----------------------
#
# Four clients insert one row per transaction: a new pseudo-random vector,
# or now and then a copy of an existing one (which may add a heap TID to an
# existing element instead of a new element).
my $inserts = pgbench_start(
	$node, 'crash_inserts',
	{
		'insert.sql@9' => "\\set s random(1, 1000000000)\n"
		  . "INSERT INTO t (v) SELECT ${\ vector_sql(':s', 16)};\n",
		'duplicate.sql@1' => "\\set d random(1, 1000)\n"
		  . "INSERT INTO t (v) SELECT v FROM t WHERE id = :d;\n"
	},
	'--client=4', '--jobs=2', '--time=60', '--rate=1500', '--random-seed=11');

# Let the inserts run; a checkpoint in between makes recovery start from
# a point where the index is half written, with full page images after it.
# (The rate limit keeps the table small enough to check every row quickly.)
$node->poll_query_until('postgres', 'SELECT count(*) > 1500 FROM t')
  or die 'inserts did not start';
usleep(1_000_000);
$node->safe_psql('postgres', 'CHECKPOINT');
usleep(1_000_000);
$node->stop('immediate');

pgbench_finish($inserts);
my $acknowledged = pgbench_committed($inserts);
ok(defined $acknowledged && $acknowledged > 500,
	'pgbench committed inserts before the crash ('
	  . ($acknowledged // 'none') . ')');

$node->start;

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
cmp_ok($rows, '>=', 1000 + ($acknowledged // 0),
	'every acknowledged insert survived the crash');

check_self_search($node, 't', $t_using, 'after crash');
verify_index($node, 't_v', 't', 'after crash');
verify_index($node, 't_bq', 't', 'after crash');

# --- (c) the recovered index answers queries and takes inserts ----------

my $query = 'SELECT id FROM t ORDER BY v <-> ' . vector_sql(7, 16) . ' LIMIT 10';
ok(uses_index($node, $query, 't_v'), 'after crash: query plan uses t_v');
is( $node->safe_psql(
		'postgres',
		"SET enable_seqscan = off; SELECT count(*) FROM ($query) q"),
	'10',
	'after crash: index scan returns 10 rows');
my $recall = recall_at_10($node, 't', 20, 500000, ef => 100);
cmp_ok($recall, '>=', 0.9,
	"after crash: recall\@10 of 20 queries at ef_search 100 is $recall");

my $max_id = $node->safe_psql('postgres', 'SELECT max(id) FROM t');
$node->safe_psql('postgres',
	"INSERT INTO t (v) SELECT $vec16 FROM generate_series(600001, 601000) i");
my ($new_rows, $misses) =
  self_search_misses($node, 't', where => "s.id > $max_id");
ok($new_rows == 1000 && $misses <= $HnswTest::MISS_FRACTION * $new_rows,
	"after crash: index takes new rows and finds them ($misses of $new_rows missed)"
);

# --- (b) unlogged tables come back empty, with working indexes ------------

is( $node->safe_psql(
		'postgres',
		'SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM u_empty)'),
	'0',
	'unlogged tables are empty after the crash');

for my $index ('u_v', 'u_empty_v')
{
	my $meta = hnsw_meta($node, $index);
	is($meta->{entry_level}, -1,
		"$index: meta page describes an empty graph after the crash");
}

my $uquery = 'SELECT id FROM u ORDER BY v <-> ' . vector_sql(7, 16) . ' LIMIT 10';
ok(uses_index($node, $uquery, 'u_v'), 'unlogged: query plan uses u_v');
is( $node->safe_psql(
		'postgres',
		"SET enable_seqscan = off; SELECT count(*) FROM ($uquery) q"),
	'0',
	'unlogged: scan of the reset index returns nothing');

$node->safe_psql(
	'postgres', qq{
	INSERT INTO u SELECT i, $vec16 FROM generate_series(1001, 1600) i;
	INSERT INTO u_empty SELECT i, $vec16 FROM generate_series(1001, 1300) i;
});
for my $table ('u', 'u_empty')
{
	my ($n, $missed) = self_search_misses($node, $table);
	is("$n $missed", ($table eq 'u' ? 600 : 300) . ' 0',
		"unlogged $table: reset index takes inserts and finds each row");
	verify_index($node, "${table}_v", $table, "unlogged $table after the reset");
	my $r = recall_at_10($node, $table, 10, 700000, ef => 100);
	cmp_ok($r, '>=', 0.95,
		"unlogged $table: recall\@10 of 10 queries at ef_search 100 is $r");
}

# --- a second crash, during inserts, deletes and vacuum -------------------

$max_id = $node->safe_psql('postgres', 'SELECT max(id) FROM t');
my $vacuums_before = $node->safe_psql('postgres',
	"SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 't'::regclass");
my $writes = pgbench_start(
	$node, 'crash_writes',
	{
		'insert.sql@3' => "\\set s random(1, 1000000000)\n"
		  . "INSERT INTO t (v) SELECT ${\ vector_sql(':s', 16)};\n",
		'delete.sql@1' => "\\set r random(1, $max_id)\n"
		  . "DELETE FROM t WHERE id BETWEEN :r AND :r + 4;\n"
	},
	'--client=2', '--time=60', '--rate=600', '--random-seed=12');
my $vacuums = pgbench_start($node, 'crash_vacuum',
	{ 'vacuum.sql' => "VACUUM t;\n\\sleep 100 ms\n" },
	'--client=1', '--time=60');
# Crash once two vacuums have finished, most likely during the third.
$node->poll_query_until(
	'postgres', qq{
	SELECT count(*) > 200 FROM t WHERE id > $max_id
	  AND (SELECT vacuum_count >= $vacuums_before + 2
		   FROM pg_stat_user_tables WHERE relid = 't'::regclass)})
  or die 'writes and vacuums did not start';
usleep(100_000);
$node->stop('immediate');
pgbench_finish($writes);
pgbench_finish($vacuums);
ok(pgbench_committed($writes) > 0 && pgbench_committed($vacuums) > 0,
	'inserts, deletes and vacuums ran before the second crash ('
	  . pgbench_committed($writes) . ' writes, '
	  . pgbench_committed($vacuums) . ' vacuums)');
$node->start;

check_self_search($node, 't', $t_using, 'after a crash during vacuum');
verify_index($node, 't_v', 't', 'after a crash during vacuum');
verify_index($node, 't_bq', 't', 'after a crash during vacuum');
$node->safe_psql('postgres', 'VACUUM t');
my ($live, $missed) = self_search_misses($node, 't');
ok($missed <= $HnswTest::MISS_FRACTION * $live,
	"after vacuum following the crash: index finds each row ($missed of $live missed)"
);

is($node->safe_psql('postgres', 'SELECT count(*) FROM u'),
	'0', 'unlogged u is empty again after the second crash');
$node->safe_psql('postgres',
	"INSERT INTO u SELECT i, $vec16 FROM generate_series(1, 300) i");
($live, $missed) = self_search_misses($node, 'u');
is("$live $missed", '300 0',
	'unlogged u: index reset a second time takes inserts and finds each row');

my $log = slurp_file($node->logfile);
unlike($log, qr/\b(?:PANIC|TRAP)\b|server process .* was terminated by signal/,
	'server log has no PANIC or backend crash');

$node->stop;

done_testing();
