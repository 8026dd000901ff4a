#
# test/t/010_replication.pl
#	  HNSW indexes replicate: a streaming standby replays the build, inserts
#	  (new pages, entry point moves, duplicate vectors), deletes and vacuum
#	  of every kind of index (vector, bit and halfvec) and answers
#	  nearest-neighbour queries exactly as the primary does.  The primary
#	  runs with wal_consistency_checking, so the standby compares every page
#	  it replays with the primary's image and stops with FATAL on the first
#	  difference.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $primary = hnsw_node(
	'primary',
	init => { allows_streaming => 1 },
	conf => "wal_consistency_checking = 'generic'\nwal_compression = lz4\n"
	  . "autovacuum = off\n");
# Consistency checking puts a full page image of every page into each
# record; the slot keeps that much WAL until the standby has replayed it.
$primary->safe_psql('postgres',
	"SELECT pg_create_physical_replication_slot('standby_slot')");
$primary->backup('base');

# The standby starts before the extension exists, so it replays everything,
# the index builds included.
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "primary_slot_name = 'standby_slot'\n");
$standby->start;

is($primary->safe_psql('postgres', 'SHOW wal_consistency_checking'),
	'generic', 'primary checks the consistency of generic WAL records');

my $vec16 = vector_sql('i', 16);
my $vec1900 = vector_sql('i', 1900);
my $bits512 = 'binary_quantize(' . vector_sql('i', 512) . ')::bit(512)';
my $half64 = vector_sql('i', 64) . '::halfvec(64)';

# --- build ----------------------------------------------------------------
#
# items: built over 2000 rows, with an L2 and a cosine index.
# grow: indexes built on an empty table (inner product with m = 2, and L1),
#	so the first insert creates the entry point and later ones move it up.
# big: vector(1900) with m = 48, too big for an element and its links to
#	share a tuple, so every element keeps its links in a separate tuple.
# bits: bit(512), Hamming and Jaccard indexes.
# halves: halfvec(64), L2 and cosine indexes (2 bytes a dimension).
$primary->safe_psql(
	'postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE EXTENSION pageinspect;

	CREATE TABLE items (id int PRIMARY KEY, v vector(16));
	INSERT INTO items SELECT i, $vec16 FROM generate_series(1, 2000) i;
	CREATE INDEX items_l2 ON items USING hnsw (v vector_l2_ops)
		WITH (m = 16, ef_construction = 64);
	CREATE INDEX items_cos ON items USING hnsw (v vector_cosine_ops)
		WITH (m = 8, ef_construction = 32);

	CREATE TABLE grow (id int PRIMARY KEY, v vector(16));
	CREATE INDEX grow_ip ON grow USING hnsw (v vector_ip_ops)
		WITH (m = 2, ef_construction = 16);
	CREATE INDEX grow_l1 ON grow USING hnsw (v vector_l1_ops);

	CREATE TABLE big (id int PRIMARY KEY, v vector(1900));
	INSERT INTO big SELECT i, $vec1900 FROM generate_series(1, 200) i;
	CREATE INDEX big_l2 ON big USING hnsw (v vector_l2_ops)
		WITH (m = 48, ef_construction = 100);

	CREATE TABLE bits (id int PRIMARY KEY, v bit(512));
	INSERT INTO bits SELECT i, $bits512 FROM generate_series(1, 1000) i;
	CREATE INDEX bits_hamming ON bits USING hnsw (v bit_hamming_ops);
	CREATE INDEX bits_jaccard ON bits USING hnsw (v bit_jaccard_ops);

	CREATE TABLE halves (id int PRIMARY KEY, v halfvec(64));
	INSERT INTO halves SELECT i, $half64 FROM generate_series(1, 1000) i;
	CREATE INDEX halves_l2 ON halves USING hnsw (v halfvec_l2_ops);
	CREATE INDEX halves_cos ON halves USING hnsw (v halfvec_cosine_ops);
});

# Flags byte of every tuple of big_l2: all elements must be "external" (0x02)
# and each must have its links tuple (0x80).
is( $primary->safe_psql(
		'postgres', q{
		SELECT count(*) FILTER (WHERE get_byte(p, h.lp_off + 1) & 2 = 2) || ' '
			|| count(*) FILTER (WHERE get_byte(p, h.lp_off + 1) & 128 = 128)
		FROM generate_series(1, (pg_relation_size('big_l2') / 8192)::int - 1) b,
			LATERAL get_raw_page('big_l2', b) p,
			LATERAL heap_page_items(p) h
		WHERE h.lp_len > 0}),
	'200 200',
	'vector(1900) index keeps the links of every element in a separate tuple'
);

# --- inserts --------------------------------------------------------------

my $items_pages_before = $primary->safe_psql('postgres',
	"SELECT pg_relation_size('items_l2') / 8192");
for my $batch (0 .. 2)
{
	my $lo = 2001 + 1000 * $batch;
	my $hi = $lo + 999;
	$primary->safe_psql('postgres',
		"INSERT INTO items SELECT i, $vec16 FROM generate_series($lo, $hi) i"
	);
}
# Duplicates of one vector: more than fit in one element's heap TID list.
$primary->safe_psql(
	'postgres', q{
	INSERT INTO items SELECT 10000 + i, (SELECT v FROM items WHERE id = 41)
		FROM generate_series(1, 25) i;
	INSERT INTO big SELECT 10000 + i, (SELECT v FROM big WHERE id = 41)
		FROM generate_series(1, 12) i;
});
ok( $primary->safe_psql('postgres',
		"SELECT pg_relation_size('items_l2') / 8192") > $items_pages_before,
	'inserts extended items_l2 with new pages');

# grow: the first insert creates the entry point; then insert batches,
# watching the entry point on the meta page, until it has moved twice.
# With m = 2 the top level rises about every time the table doubles, but
# an element that drew a high level holds the entry point for a long time
# (one in 2^12 reaches level 11, which takes thousands of rows to pass).
# So the first element is drawn again (TRUNCATE) until its level is below 8,
# after which a first move within 20 batches is all but certain; a second
# one is likely but not asserted.
my $first_level;
for my $try (1 .. 20)
{
	$primary->safe_psql('postgres', "INSERT INTO grow SELECT 1, ${\ vector_sql(1, 16)}");
	$first_level = hnsw_meta($primary, 'grow_ip')->{entry_level};
	last if $first_level < 8;
	$primary->safe_psql('postgres', 'TRUNCATE grow');
}
my @entries;
my $record_entry = sub {
	my $meta = hnsw_meta($primary, 'grow_ip');
	my $entry = "$meta->{entry_blkno}/$meta->{entry_offno}/$meta->{entry_level}";
	push @entries, $entry if !@entries || $entries[-1] ne $entry;
};
$record_entry->();
my $grow_rows = 1;
for my $batch (1 .. 20)
{
	last if @entries >= 3 && $batch > 4;
	my ($lo, $hi) = ($grow_rows + 1, $grow_rows + 300);
	$primary->safe_psql('postgres',
		"INSERT INTO grow SELECT i, $vec16 FROM generate_series($lo, $hi) i");
	$grow_rows = $hi;
	$record_entry->();
}
note "grow_ip entry points (block/offset/level): @entries";
$primary->safe_psql('postgres',
	'INSERT INTO grow SELECT 100000 + i, (SELECT v FROM grow WHERE id = 41)'
	  . ' FROM generate_series(1, 25) i');
cmp_ok(scalar(@entries), '>=', 2,
	'entry point of the empty-built index was created and then moved');

# --- delete, vacuum, insert again ---------------------------------------

$primary->safe_psql(
	'postgres', qq{
	DELETE FROM items WHERE id % 5 = 0 OR id BETWEEN 10001 AND 10005;
	DELETE FROM grow WHERE id % 3 = 0;
	DELETE FROM big WHERE id % 4 = 0;
	DELETE FROM bits WHERE id % 4 = 2;
	DELETE FROM halves WHERE id % 4 = 3;
	UPDATE items SET v = ${\ vector_sql('id + 50000', 16)} WHERE id % 11 = 0;
	VACUUM items;
	VACUUM grow;
	VACUUM big;
	VACUUM bits;
	VACUUM halves;
	INSERT INTO items SELECT i, $vec16 FROM generate_series(5001, 6000) i;
	INSERT INTO grow SELECT i, $vec16
		FROM generate_series($grow_rows + 1, $grow_rows + 500) i;
	INSERT INTO big SELECT i, $vec1900 FROM generate_series(201, 260) i;
	INSERT INTO bits SELECT i, $bits512 FROM generate_series(1001, 1500) i;
	INSERT INTO halves SELECT i, $half64 FROM generate_series(1001, 1500) i;
});

$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

# --- same answers on both -------------------------------------------------

# Per index: table, operator, dimensions, and how a query vector becomes a
# value of the column's type.
my @indexes = (
	[ 'items_l2', 'items', '<->', 16 ],
	[ 'items_cos', 'items', '<=>', 16 ],
	[ 'grow_ip', 'grow', '<#>', 16 ],
	[ 'grow_l1', 'grow', '<+>', 16 ],
	[ 'big_l2', 'big', '<->', 1900 ],
	[ 'bits_hamming', 'bits', '<~>', 512, 'binary_quantize(%s)::bit(512)' ],
	[ 'bits_jaccard', 'bits', '<%>', 512, 'binary_quantize(%s)::bit(512)' ],
	[ 'halves_l2', 'halves', '<->', 64, '%s::halfvec(64)' ],
	[ 'halves_cos', 'halves', '<=>', 64, '%s::halfvec(64)' ]);

for my $ix (@indexes)
{
	my ($index, $table, $op, $dim, $as_type) = @$ix;
	my $query_sql = sub { sprintf($as_type // '%s', vector_sql(shift, $dim)) };

	# Six pseudo-random query vectors, plus the vectors of two rows: one
	# duplicated many times (ties) and one ordinary.
	# (Rows 41 and 13 survive the deletes in every table.)
	my $queries = join(
		"\n\t\tUNION ALL ",
		"SELECT i, ${\ $query_sql->('900000 + i')} FROM generate_series(1, 6) i",
		"SELECT 7, v FROM $table WHERE id = 41",
		"SELECT 8, v FROM $table WHERE id = 13");
	my $sample = "SELECT id FROM $table ORDER BY v $op "
	  . $query_sql->(1) . " LIMIT 10";

	ok(uses_index($standby, $sample, $index),
		"$index: query plan on the standby uses the index");

	for my $ef (40, 100)
	{
		my $sql = qq{
			SET enable_seqscan = off;
			SET hnsw.ef_search = $ef;
			SELECT q.qid, r.ids
			FROM ($queries) q(qid, qv),
			LATERAL (SELECT array_agg(id) AS ids
					 FROM (SELECT id FROM $table
						   ORDER BY v $op q.qv LIMIT 10) a) r
			ORDER BY q.qid};
		my $on_primary = $primary->safe_psql('postgres', $sql);
		my $on_standby = $standby->safe_psql('postgres', $sql);

		my @lines = split /\n/, $on_primary;
		my $full = grep { my ($ids) = /\{(.*)\}/; split(/,/, $ids) == 10 }
		  @lines;
		is($full, 8,
			"$index, ef_search $ef: each of 8 queries returns 10 rows on the primary"
		);
		is($on_standby, $on_primary,
			"$index, ef_search $ef: standby returns the same neighbours as the primary"
		);
	}
}

# --- queries on the standby while it replays inserts ---------------------
#
# Two clients insert into items on the primary while two query it on the
# standby, which must return full results from pages being replayed.
# Vacuumed rows still take candidate places in a scan (at most
# hnsw.ef_search elements' rows are returned), so ef_search starts at 40.
my $vec_s = vector_sql(':s', 16);
$primary->safe_psql('postgres', 'CREATE SEQUENCE items_more START 100000');
my $writes = pgbench_start(
	$primary, 'primary_inserts',
	{
		'insert.sql' => "\\set s random(1000001, 1000000000)\n"
		  . "INSERT INTO items SELECT nextval('items_more'), $vec_s;\n"
	},
	'--client=2', '--time=3', '--rate=200', '--random-seed=41');
my $reads = pgbench_start($standby, 'standby_queries',
	{ 'query.sql' => pgbench_query_script('items', 40) },
	'--client=2', '--time=3', '--random-seed=42');
pgbench_clean($writes, 'inserts on the primary');
pgbench_clean($reads, 'queries on the standby during replay');

$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
my $recheck = qq{
	SET enable_seqscan = off;
	SELECT i, (SELECT array_agg(id) FROM (SELECT id FROM items
			ORDER BY v <-> ${\ vector_sql('910000 + i', 16)} LIMIT 10) a)
	FROM generate_series(1, 8) i};
is($standby->safe_psql('postgres', $recheck),
	$primary->safe_psql('postgres', $recheck),
	'items_l2: after the concurrent inserts, standby returns the same neighbours as the primary'
);

is( $standby->safe_psql(
		'postgres',
		'SELECT (SELECT count(*) FROM items) || ' . "' '"
		  . ' || (SELECT count(*) FROM grow) || ' . "' '"
		  . ' || (SELECT count(*) FROM big)'),
	$primary->safe_psql(
		'postgres',
		'SELECT (SELECT count(*) FROM items) || ' . "' '"
		  . ' || (SELECT count(*) FROM grow) || ' . "' '"
		  . ' || (SELECT count(*) FROM big)'),
	'standby has the same row counts as the primary');

# Every row of items is found through the replayed L2 index.
my ($rows, $misses) = self_search_misses($standby, 'items');
ok($misses <= $HnswTest::MISS_FRACTION * $rows,
	"standby: items_l2 finds each row by its own vector ($misses of $rows missed)"
);

# --- the standby survived consistency checking ---------------------------

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby is still running and in recovery');
my $log = slurp_file($standby->logfile);
unlike($log, qr/inconsistent page found/,
	'standby log has no WAL consistency check failure');
unlike($log, qr/\b(?:PANIC|FATAL|ERROR):/,
	'standby log has no errors');

# --- structure --------------------------------------------------------------
#
# hnsw_verify takes SHARE locks, which a hot standby does not grant, so the
# primary's indexes are checked here and the standby's after promotion.
for my $ix (@indexes)
{
	my ($index, $table) = @$ix;
	# m = 2 leaves many elements unreachable by design; m = 8 on these
	# 16-dimensional rows leaves 1 to 6 of about 5,600 (eight runs), which
	# is at the edge of the default 0.1%.
	verify_index($primary, $index, $table, 'primary',
		  $index eq 'grow_ip' ? (unreachable => undef)
		: $index eq 'items_cos' ? (unreachable => 0.003)
		: ());
}

# --- the replayed index keeps working after promotion --------------------

$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'standby was not promoted';
$standby->safe_psql('postgres',
	"INSERT INTO items SELECT i, $vec16 FROM generate_series(20001, 21000) i"
);
($rows, $misses) = self_search_misses($standby, 'items');
ok($misses <= $HnswTest::MISS_FRACTION * $rows,
	"promoted standby: items_l2 takes inserts and finds each row ($misses of $rows missed)"
);
verify_index($standby, 'items_l2', 'items', 'promoted standby');
verify_index($standby, 'big_l2', 'big', 'promoted standby');

$standby->stop;
$primary->stop;

done_testing();
