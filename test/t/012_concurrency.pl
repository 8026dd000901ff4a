#
# test/t/012_concurrency.pl
#	  HNSW indexes under concurrent use: pgbench clients insert (new and
#	  duplicate vectors) while others query; CREATE INDEX CONCURRENTLY runs
#	  beside inserts; inserts race to create and raise the entry point of an
#	  index built on an empty table; big vectors whose links live in separate
#	  tuples are inserted concurrently; deletes and vacuum run beside inserts
#	  and scans.  Afterwards every committed row
#	  must be in the table and found through the index, and the graph must
#	  be as good as a freshly built one.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $node = hnsw_node('concurrency', init => { allows_streaming => 1 });

my $vec16 = vector_sql('i', 16);
my $t_using = 'hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)';
my $e_using = 'hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)';

$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE EXTENSION pageinspect;
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(16));
	INSERT INTO t (v) SELECT $vec16 FROM generate_series(1, 1000) i;
	CREATE INDEX t_v ON t USING $t_using;
	CREATE TABLE e (id bigserial PRIMARY KEY, v vector(16));
	CREATE INDEX e_v ON e USING $e_using;
});

# pgbench scripts.  One row per insert transaction, so the committed
# transactions pgbench counts are the rows it added.
sub insert_script
{
	my ($table) = @_;
	return "\\set s random(1000001, 1000000000)\n"
	  . "INSERT INTO $table (v) SELECT ${\ vector_sql(':s', 16)};\n";
}

# Copies of 20 hot vectors (those of rows 1 to 20): concurrent inserts of
# the same vector share and fill elements' heap TID lists.
my $duplicate_script = "\\set d random(1, 20)\n"
  . "INSERT INTO t (v) SELECT ${\ vector_sql(':d', 16)};\n";

# --- inserts and queries --------------------------------------------------

my $inserters = pgbench_start(
	$node, 'inserts',
	{ 'insert.sql@9' => insert_script('t'), 'duplicate.sql@1' => $duplicate_script },
	'--client=4', '--jobs=2', '--time=6', '--rate=800', '--random-seed=21');
# A scan returns at most hnsw.ef_search elements' rows, and the rows of
# inserts not yet committed take candidate places too (at most one per
# inserting client, so four): at ef_search 10 a query for ten rows got nine
# when the machine was busy.  The queries use ef_search 20 or more.
my $queriers = pgbench_start($node, 'queries', { 'query.sql' => pgbench_query_script('t', 20) },
	'--client=2', '--jobs=1', '--time=6', '--random-seed=22');

my $inserted = pgbench_clean($inserters, 'concurrent inserts');
my $queried = pgbench_clean($queriers, 'concurrent queries');

is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	1000 + $inserted, 'table has every committed insert');
cmp_ok(
	$node->safe_psql('postgres',
		'SELECT count(*) FROM t WHERE id > 1000 AND v = ANY (SELECT v FROM t WHERE id <= 20)'
	),
	'>', 20,
	'duplicates of the hot vectors were inserted');

check_self_search($node, 't', $t_using, 'after concurrent inserts');
verify_index($node, 't_v', 't', 'after concurrent inserts');

# --- CREATE INDEX CONCURRENTLY beside inserts -------------------------------
#
# Rows inserted while the index builds reach it through its own inserts or
# through the validation pass; the index must find all of them.
my $cic_inserts = pgbench_start($node, 'cic_inserts',
	{ 'insert.sql' => insert_script('t') },
	'--client=2', '--time=4', '--rate=400', '--random-seed=23');
$node->poll_query_until('postgres',
	'SELECT count(*) > ' . (1000 + $inserted + 100) . ' FROM t')
  or die 'inserts did not start';
$node->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY t_cos ON t USING hnsw (v vector_cosine_ops)');
my $cic_inserted =
  pgbench_clean($cic_inserts, 'inserts during CREATE INDEX CONCURRENTLY');
is( $node->safe_psql(
		'postgres', q{
		SELECT indisvalid AND indisready FROM pg_index
		WHERE indexrelid = 't_cos'::regclass}),
	't',
	'CREATE INDEX CONCURRENTLY beside inserts leaves a valid index');
ok( uses_index(
		$node, 'SELECT id FROM t ORDER BY v <=> ' . vector_sql(3, 16) . ' LIMIT 10',
		't_cos'),
	'cosine query plan uses the concurrently built index');
my ($cic_rows, $cic_misses) = self_search_misses($node, 't', op => '<=>');
ok( $cic_rows == 1000 + $inserted + $cic_inserted
	  && $cic_misses <= $HnswTest::MISS_FRACTION * $cic_rows,
	"concurrently built index finds each row by its own vector "
	  . "($cic_misses of $cic_rows missed)");
verify_index($node, 't_cos', 't', 'CREATE INDEX CONCURRENTLY');
$node->safe_psql('postgres', 'DROP INDEX t_cos');

# --- inserts race to create and raise the entry point -------------------
#
# Each round empties the table (TRUNCATE builds an empty index) and lets
# four clients insert 100 rows each at once: the first inserts find no
# entry point and race to create it, and with m = 8 the top level rises
# after about 8 and 64 rows while the others search from the old entry.
# (With m = 4 even a fresh build leaves about 1% of 400 such rows
# unreachable, so the rule below could not hold.)
my $rounds = 5;
my ($round_rows, $round_misses, @levels) = (0, 0);
my $rounds_clean = 1;
for my $round (1 .. $rounds)
{
	$node->safe_psql('postgres', 'TRUNCATE e');
	my $run = pgbench_start($node, "entry$round",
		{ 'insert.sql' => insert_script('e') },
		'--client=4', '--jobs=2', '--transactions=100', "--random-seed=$round");
	pgbench_finish($run);
	$rounds_clean &&= $run->{status} == 0 && pgbench_committed($run) == 400;
	my ($rows, $misses) = self_search_misses($node, 'e');
	$round_rows += $rows;
	$round_misses += $misses;
	push @levels, hnsw_meta($node, 'e_v')->{entry_level};
}
note "entry point levels after each round: @levels";
ok($rounds_clean, "entry point race: $rounds rounds of 400 inserts ran without errors");
is($round_rows, 400 * $rounds, 'entry point race: every insert committed');
ok($round_misses <= $HnswTest::MISS_FRACTION * $round_rows,
	"entry point race: index finds every row by its own vector ($round_misses of $round_rows missed)");
cmp_ok((sort { $a <=> $b } @levels)[0], '>=', 1,
	'entry point race: entry point rose above level 0 in every round');
check_self_search($node, 'e', $e_using, 'after the entry point race');
verify_index($node, 'e_v', 'e', 'after the entry point race');

# --- concurrent inserts of big vectors -------------------------------------
#
# vector(1900) with m = 48: every element keeps its links in a separate
# tuple, which inserts update beside the element tuples.  A fifth of the
# inserts copy one of five hot vectors.
my $b_using = 'hnsw (v vector_l2_ops) WITH (m = 48, ef_construction = 100)';
$node->safe_psql(
	'postgres', qq{
	CREATE TABLE b (id bigserial PRIMARY KEY, v vector(1900));
	INSERT INTO b (v) SELECT ${\ vector_sql('i', 1900)} FROM generate_series(1, 100) i;
	CREATE INDEX b_v ON b USING $b_using;
});
my $big = pgbench_start(
	$node, 'big',
	{
		'insert.sql@4' => "\\set s random(1000001, 1000000000)\n"
		  . "INSERT INTO b (v) SELECT ${\ vector_sql(':s', 1900)};\n",
		'duplicate.sql@1' => "\\set d random(1, 5)\n"
		  . "INSERT INTO b (v) SELECT ${\ vector_sql(':d', 1900)};\n"
	},
	'--client=4', '--jobs=2', '--transactions=60', '--random-seed=51');
my $big_inserted = pgbench_clean($big, 'concurrent inserts of vector(1900)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM b'),
	100 + $big_inserted, 'vector(1900): table has every committed insert');
check_self_search($node, 'b', $b_using, 'vector(1900) after concurrent inserts',
	dim => 1900);
verify_index($node, 'b_v', 'b', 'vector(1900) after concurrent inserts');

# --- deletes and vacuum beside inserts and scans ------------------------
#
# Deletes spare rows 1 to 1000, near whose vectors the query script looks.
# Rows deleted but not yet vacuumed still take candidate places in a scan,
# which returns at most hnsw.ef_search elements' rows (a documented limit),
# so the queries here use ef_search 40 or more: with about a quarter of the
# rows deleted, 10 live rows among 40 candidates are all but certain.

my $max_id = $node->safe_psql('postgres', 'SELECT max(id) FROM t');
my $writers = pgbench_start(
	$node, 'writes',
	{
		'insert.sql@3' => insert_script('t'),
		'delete.sql@1' => "\\set r random(1001, $max_id)\n"
		  . "DELETE FROM t WHERE id BETWEEN :r AND :r + 4;\n"
	},
	'--client=2', '--jobs=1', '--time=5', '--rate=300', '--random-seed=31');
my $vacuumer = pgbench_start($node, 'vacuum',
	{ 'vacuum.sql' => "VACUUM t;\n\\sleep 300 ms\n" },
	'--client=1', '--time=5');
$queriers = pgbench_start($node, 'queries2', { 'query2.sql' => pgbench_query_script('t', 40) },
	'--client=1', '--time=5', '--random-seed=32');

pgbench_clean($writers, 'concurrent inserts and deletes');
pgbench_clean($vacuumer, 'concurrent vacuum');
pgbench_clean($queriers, 'queries during deletes and vacuum');

my ($rows, $misses) = self_search_misses($node, 't');
ok($misses <= $HnswTest::MISS_FRACTION * $rows,
	"during vacuum: index finds each live row ($misses of $rows missed)");
$node->safe_psql('postgres', 'VACUUM t');
check_self_search($node, 't', $t_using, 'after concurrent vacuum');
verify_index($node, 't_v', 't', 'after concurrent vacuum');

my $log = slurp_file($node->logfile);
unlike($log, qr/\b(?:PANIC|TRAP)\b|server process .* was terminated by signal/,
	'server log has no PANIC or backend crash');

$node->stop;

done_testing();
