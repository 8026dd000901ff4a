#
# test/t/HnswTest.pm
#	  Shared helpers for the HNSW index TAP tests (010_replication.pl,
#	  011_crash.pl, 012_concurrency.pl).
#
# The test runner copies test/t and runs every t/*.pl with prove; this file
# is not a test (its name does not end in .pl), only a module the tests load
# with "use lib $FindBin::RealBin".
#
# Functions:
#	hnsw_node(NAME, init => {...}, conf => TEXT)
#		a started PostgreSQL::Test::Cluster node with settings that suit
#		these tests; the caller creates the extension (a node made for a
#		primary's backup must not)
#	vector_sql(SEED, DIM)
#		SQL expression for a pseudo-random vector of DIM components in
#		[-1, 1), the same for the same integer SEED (an SQL expression)
#	self_search_misses(NODE, TABLE, ef => N, where => CONDITION, op => OP)
#		(rows, misses): how many rows (of those CONDITION on "s" selects) an
#		index scan ordered by OP (default <->) for the row's own vector does
#		not return first
#	check_self_search(NODE, TABLE, USING, LABEL, dim => N)
#		the assertions shared by the crash and concurrency tests: at most
#		0.1% of the rows are missed, no more than a fresh index on a copy of
#		the rows misses, and recall is as good as the fresh index's
#	recall_at_10(NODE, TABLE, NQUERIES, SEEDBASE, ef => N, dim => N)
#		average fraction of the true 10 nearest neighbours an index scan
#		returns for NQUERIES pseudo-random query vectors
#	uses_index(NODE, SQL, INDEX)
#		whether the plan of SQL (with enable_seqscan off) scans INDEX
#	pgbench_start(NODE, NAME, SCRIPTS, ARGS...) / pgbench_finish(RUN)
#		run pgbench in the background and collect its exit status and output
#	pgbench_committed(RUN)
#		the transactions a finished run committed, from its summary
#	pgbench_clean(RUN, LABEL)
#		pgbench_finish, then assert that the run had no error
#	pgbench_query_script(TABLE, MIN_EF)
#		a pgbench script of nearest-neighbour queries that fails unless each
#		returns its 10 rows
#	verify_index(NODE, INDEX, TABLE, LABEL, unreachable => undef)
#		hnsw_verify with heapallindexed passes and checked every row; at
#		most 0.1% of the elements are unreachable (unless told not to check)
#	hnsw_meta(NODE, INDEX)
#		the index's meta page fields, read with pageinspect (the layout is
#		HnswMetaPageData in src/hnsw.h; a changed layout makes it die)
#
package HnswTest;

use strict;
use warnings;

use Exporter 'import';
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(hnsw_node vector_sql self_search_misses check_self_search
  recall_at_10 pgbench_start pgbench_finish pgbench_committed pgbench_clean
  pgbench_query_script hnsw_meta uses_index verify_index build_c_test
  relation_file read_bytes write_bytes);

# Allowed fraction of rows an index scan for their own vector may miss.
our $MISS_FRACTION = 0.001;

# ef_search used when looking rows up by their own vector.
our $SELF_SEARCH_EF = 200;

sub hnsw_node
{
	my ($name, %params) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init(%{ $params{init} // {} });
	# init(allows_streaming => 1) sets shared_buffers = 1MB, too small to
	# hold the indexes, which makes every check crawl.  The nested-loop
	# checks look very expensive to the planner with enable_seqscan off;
	# JIT-compiling them only costs time.
	$node->append_conf(
		'postgresql.conf', qq{
shared_buffers = 64MB
max_connections = 20
jit = off
});
	$node->append_conf('postgresql.conf', $params{conf}) if $params{conf};
	$node->start;
	return $node;
}

sub vector_sql
{
	my ($seed, $dim) = @_;

	# hashint8 is portable and deterministic; 4096 leaves room for every
	# component of vectors up to 4096 dimensions per seed.
	return "(SELECT array_agg(hashint8(($seed)::bigint * 4096 + g)::float8"
	  . " / 2147483648 ORDER BY g)::vector($dim)"
	  . " FROM generate_series(1, $dim) g)";
}

sub self_search_misses
{
	my ($node, $table, %opt) = @_;
	my $ef = $opt{ef} // $SELF_SEARCH_EF;
	my $op = $opt{op} // '<->';
	my $where = $opt{where} ? "WHERE $opt{where}" : '';

	# A row counts as found when the first row the index returns has the
	# same vector: itself or a copy.  (Comparing vectors rather than
	# distances to zero suits the cosine distance too, whose distance from a
	# vector to itself may round to a tiny non-zero value.)
	my $res = $node->safe_psql(
		'postgres', qq{
		SET enable_seqscan = off;
		SET hnsw.ef_search = $ef;
		SELECT count(*), count(*) FILTER (WHERE n.same IS NOT TRUE)
		FROM $table s
		LEFT JOIN LATERAL (
			SELECT o.v = s.v AS same FROM $table o ORDER BY o.v $op s.v LIMIT 1
		) n ON true
		$where;
	});
	my ($rows, $misses) = split /\|/, $res;
	return ($rows, $misses);
}

sub check_self_search
{
	my ($node, $table, $using, $label, %opt) = @_;
	my $dim = $opt{dim} // 16;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my ($rows, $misses) = self_search_misses($node, $table);
	ok($rows > 0 && $misses <= $MISS_FRACTION * $rows,
		"$label: index scan finds each row by its own vector "
		  . "($misses of $rows missed, at most 0.1% allowed)");

	# The same rows in a freshly built index: the graph the inserts left
	# behind must be no worse.
	my $copy = "${table}_fresh";
	$node->safe_psql(
		'postgres', qq{
		DROP TABLE IF EXISTS $copy;
		CREATE TABLE $copy AS TABLE $table;
		CREATE INDEX ON $copy USING $using;
	});
	my ($copy_rows, $copy_misses) = self_search_misses($node, $copy);
	is($copy_rows, $rows, "$label: copy for the fresh index has every row");
	ok($misses <= $copy_misses,
		"$label: index misses no more rows than a freshly built one "
		  . "($misses vs $copy_misses)");

	# Recall of ordinary queries, where a worse graph shows first: at
	# ef_search 40 both indexes miss some true neighbours.  50 queries give
	# an estimate good to about 0.015.
	my $recall = recall_at_10($node, $table, 50, 800000, ef => 40, dim => $dim);
	my $copy_recall =
	  recall_at_10($node, $copy, 50, 800000, ef => 40, dim => $dim);
	$node->safe_psql('postgres', "DROP TABLE $copy");
	cmp_ok($recall, '>=', $copy_recall - 0.05,
		"$label: recall\@10 at ef_search 40 ($recall) is within 0.05 of "
		  . "a freshly built index ($copy_recall)");
	return ($rows, $misses, $copy_misses);
}

sub recall_at_10
{
	my ($node, $table, $nqueries, $seedbase, %opt) = @_;
	my $ef = $opt{ef} // 100;
	my $dim = $opt{dim} // 16;
	my $qv = vector_sql("$seedbase + i", $dim);

	# An index result counts as a hit when it is no farther than the tenth
	# true neighbour, so ties between equal distances do not matter.  The
	# "+ 0" keeps the exact search off the index.
	return $node->safe_psql(
		'postgres', qq{
		SET enable_seqscan = off;
		SET hnsw.ef_search = $ef;
		WITH q AS (SELECT i, $qv AS qv FROM generate_series(1, $nqueries) i)
		SELECT round(avg(hits) / 10, 3) FROM (
			SELECT (SELECT count(*)
					FROM (SELECT o.v <-> q.qv AS d FROM $table o
						  ORDER BY o.v <-> q.qv LIMIT 10) a
					WHERE a.d <= (SELECT max(d)
								  FROM (SELECT (e.v <-> q.qv) + 0 AS d
										FROM $table e ORDER BY 1 LIMIT 10) x)
				   ) AS hits
			FROM q) s;
	});
}

sub uses_index
{
	my ($node, $sql, $index) = @_;
	my $plan = $node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) $sql");
	return $plan =~ /Index Scan using $index /;
}

sub pgbench_start
{
	my ($node, $name, $scripts, @args) = @_;
	my @files;

	for my $fn (sort keys %$scripts)
	{
		my ($base, $weight) = split /\@/, $fn;
		my $path = $node->basedir . "/$name-$base";
		PostgreSQL::Test::Utils::append_to_file($path, $scripts->{$fn});
		push @files, '-f', defined $weight ? "$path\@$weight" : $path;
	}

	my $run = { name => $name, out => '', err => '' };
	my @cmd = (
		$node->installed_command('pgbench'), '--no-vacuum',
		'--host', $node->host, '--port', $node->port,
		@files, @args, 'postgres');
	note "starting: @cmd";
	$run->{handle} = IPC::Run::start(
		\@cmd, '<', \undef, '>', \$run->{out}, '2>', \$run->{err},
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return $run;
}

sub pgbench_finish
{
	my ($run) = @_;

	$run->{handle}->finish;
	$run->{status} = $run->{handle}->result(0);
	note "pgbench $run->{name} exited with $run->{status}";
	note "pgbench $run->{name} stdout:\n$run->{out}";
	note "pgbench $run->{name} stderr:\n$run->{err}";
	return $run->{status};
}

# Transactions pgbench reports as committed, or undef.
sub pgbench_committed
{
	my ($run) = @_;
	return $1
	  if $run->{out} =~ /number of transactions actually processed: (\d+)/;
	return undef;
}

# A pgbench script with two nearest-neighbour queries on TABLE (id, v
# vector(16)): one for a random vector, one for the vector of a row among
# the first thousand ids, at a random ef_search from MIN_EF to 200.  Each
# must return the 10 rows it asks for, or the client fails with an error
# naming the count.
sub pgbench_query_script
{
	my ($table, $min_ef) = @_;
	return <<"EOS";
\\set s random(1, 1000000000)
\\set r random(1, 1000)
\\set ef random($min_ef, 200)
SET hnsw.ef_search = :ef;
SET enable_seqscan = off;
SELECT count(*) AS n FROM (SELECT id FROM $table ORDER BY v <-> ${\ vector_sql(':s', 16)} LIMIT 10) q \\gset
\\if :n != 10
SELECT ('scan for a random vector returned ' || :n || ' rows')::int;
\\endif
SELECT count(*) AS n FROM (SELECT id FROM $table ORDER BY v <-> (SELECT v FROM $table WHERE id >= :r ORDER BY id LIMIT 1) LIMIT 10) q \\gset
\\if :n != 10
SELECT ('scan for the vector of row ' || :r || ' returned ' || :n || ' rows')::int;
\\endif
EOS
}

# Waits for a pgbench run and checks that it went cleanly: exit status 0,
# at least one transaction, none failed, no error on stderr.  Returns the
# committed transactions.
sub pgbench_clean
{
	my ($run, $label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	my $status = pgbench_finish($run);
	my $committed = pgbench_committed($run);
	ok( $status == 0
		  && defined $committed
		  && $committed > 0
		  && $run->{out} =~ /number of failed transactions: 0 /
		  && $run->{err} !~ /error|abort|FATAL|PANIC/i,
		"$label: pgbench ran without errors ("
		  . ($committed // 'no') . ' transactions)')
	  or diag("pgbench $run->{name} exited with $status; its stderr:\n"
		  . $run->{err});
	return $committed // 0;
}

# Runs hnsw_verify(INDEX, heapallindexed => true) and asserts that it
# passes, that it checked every row of TABLE that has a vector and, unless
# unreachable => undef is given, that at most a fraction of the elements
# (unreachable => FRACTION, by default $MISS_FRACTION) are unreachable from
# the entry point.  Returns the result row as a hash.
sub verify_index
{
	my ($node, $index, $table, $label, %opt) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $check_unreachable = !exists $opt{unreachable} || defined $opt{unreachable};
	my $limit = $opt{unreachable} // $MISS_FRACTION;

	my ($ret, $out, $err) = $node->psql(
		'postgres', qq{
		SELECT elements, deleted_elements, heap_tids, unreachable,
			heap_rows_checked,
			(SELECT count(v) FROM $table)
		FROM hnsw_verify('$index', heapallindexed => true)});
	my %r;
	@r{qw(elements deleted_elements heap_tids unreachable heap_rows_checked rows)}
	  = split /\|/, $out;
	ok($ret == 0 && defined $r{rows} && $r{heap_rows_checked} == $r{rows},
		"$label: hnsw_verify($index) passes and finds every row in the index"
		  . ($ret == 0 ? " ($out)" : ": $err"));
	if ($check_unreachable)
	{
		ok( $ret == 0
			  && $r{unreachable} <= $limit * $r{elements},
			"$label: at most "
			  . (100 * $limit)
			  . "% of the elements of $index are unreachable ("
			  . ($r{unreachable} // '?') . ' of '
			  . ($r{elements} // '?') . ')');
	}
	return \%r;
}

sub hnsw_meta
{
	my ($node, $index) = @_;

	# HnswMetaPageData at the start of the page contents (offset 24):
	# magic, version, dimensions (uint32 each), m, ef_construction (uint16),
	# entry_blkno (uint32), entry_offno (uint16), entry_level (int16),
	# insert_page (uint32); little-endian.
	my $hex = $node->safe_psql('postgres',
		"SELECT encode(substr(get_raw_page('$index', 0), 25, 28), 'hex')");
	my ($magic, $version, $dims, $m, $efc, $eblk, $eoff, $elevel, $ins) =
	  unpack('V V V v v V v s< V', pack('H*', $hex));
	die "hnsw_meta: $index: unexpected meta page (magic $magic, version $version)"
	  unless $magic == 0x484E5357 && $version == 1;
	return {
		magic => $magic,
		version => $version,
		dimensions => $dims,
		m => $m,
		ef_construction => $efc,
		entry_blkno => $eblk,
		entry_offno => $eoff,
		entry_level => $elevel,
		insert_page => $ins
	};
}

# Builds a standalone C test program (test/kernels, test/tidset) from
# SOURCES (paths relative to the source tree) against the server headers,
# into a temporary directory so that the tree stays untouched, and asserts
# that it compiles.  Skips the whole test when a source or one of HEADERS
# cannot be read (the runner may run TAP as a user without the tree), and
# ends it when the program does not compile.  Returns the program's path.
# The source tree is $HNSWEXT_SRCDIR (set by the runner), else the tree this
# file is in.
sub build_c_test
{
	my (%opt) = @_;
	my $srcdir = $ENV{HNSWEXT_SRCDIR} // "$FindBin::RealBin/../..";
	my @sources = map { "$srcdir/$_" } @{ $opt{sources} };

	foreach my $file (@sources, map { "$srcdir/$_" } @{ $opt{headers} // [] })
	{
		plan skip_all => "cannot read $file as this user ($!); $opt{name} "
		  . "needs the source tree"
		  unless open(my $fh, '<', $file);
	}

	my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
	my $includedir = `$pg_config --includedir-server`;
	die "$pg_config --includedir-server failed" if $? != 0;
	chomp $includedir;

	my $program = PostgreSQL::Test::Utils::tempdir($opt{name}) . "/$opt{name}";
	my ($out, $err) = ('', '');
	# A sanitized test run (SANITIZE=1) sets HNSWEXT_TEST_CFLAGS.
	my @extra = split ' ', ($ENV{HNSWEXT_TEST_CFLAGS} // '');
	my @compile = (
		'gcc', '-O2', '-Wall', @{ $opt{cflags} // [] }, @extra,
		"-I$includedir", "-I$srcdir/src",
		@sources, @{ $opt{libs} // [] }, '-o', $program);
	IPC::Run::run(\@compile, '>', \$out, '2>', \$err);
	my $compiled = $? == 0;
	ok($compiled, "$opt{name} compiles") or diag("@compile\n$out$err");
	if (!$compiled)
	{
		done_testing();
		exit;
	}
	diag("compiler warnings:\n$err") if $err ne '';
	return $program;
}

# The path of relation $rel's main fork (the server may be stopped later)
sub relation_file
{
	my ($node, $rel) = @_;
	return $node->data_dir . '/'
	  . $node->safe_psql('postgres', qq{SELECT pg_relation_filepath('$rel')});
}

# Read $len bytes of $file at $offset; tests damage pages with write_bytes,
# with the server stopped.
sub read_bytes
{
	my ($file, $offset, $len) = @_;
	open(my $fh, '<:raw', $file) or die "open $file: $!";
	seek($fh, $offset, 0) or die "seek: $!";
	read($fh, my $buf, $len) == $len or die "short read";
	close($fh);
	return $buf;
}

sub write_bytes
{
	my ($file, $offset, $bytes) = @_;
	open(my $fh, '+<:raw', $file) or die "open $file: $!";
	seek($fh, $offset, 0) or die "seek: $!";
	print $fh $bytes;
	close($fh);
}

1;
