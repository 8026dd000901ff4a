#
# test/t/021_visited.pl
#	  The visited set of the searches agrees with a simple model.
#
# Compiles test/visited/visited_test.c with src/hnsw_visited.c against the
# server headers into a temporary directory (warnings are errors) and runs
# it once.  Assertions: it compiles; it finds no mismatch with its model;
# its summary shows that it went through the generation wrap at least twice
# and grew a table to 2^16 slots or more.  See visited_test.c for the
# operations, the key patterns and the stand-ins for palloc and friends.
#
use strict;
use warnings;

use FindBin;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

# The runner sets HNSWEXT_SRCDIR; run by hand from test/t, use the tree
# this file is in.
my $srcdir = $ENV{HNSWEXT_SRCDIR} // "$FindBin::RealBin/../..";
my @sources =
  ("$srcdir/test/visited/visited_test.c", "$srcdir/src/hnsw_visited.c");

foreach my $file (@sources, "$srcdir/src/hnsw.h", "$srcdir/src/distance.h")
{
	plan skip_all => "cannot read $file as this user ($!); the visited set "
	  . "test needs the source tree"
	  unless open(my $fh, '<', $file);
}

my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my $includedir = `$pg_config --includedir-server`;
die "$pg_config --includedir-server failed" if $? != 0;
chomp $includedir;

# Build into a temporary directory: the source tree stays untouched.
my $tmp = PostgreSQL::Test::Utils::tempdir('visited');
my $program = "$tmp/visited_test";
my ($out, $err) = ('', '');
my @compile = (
	'gcc', '-O2', '-Wall', '-Werror', "-I$includedir", "-I$srcdir/src",
	@sources, '-o', $program);
IPC::Run::run(\@compile, '>', \$out, '2>', \$err);
my $compiled = $? == 0;
ok($compiled, 'visited_test compiles without warnings')
  or diag("@compile\n$out$err");
if (!$compiled)
{
	done_testing();
	exit;
}

my ($stdout, $stderr) = ('', '');
IPC::Run::run([$program], '>', \$stdout, '2>', \$stderr);
my ($status, $signal) = ($? >> 8, $? & 127);
note($stdout);
ok($status == 0 && !$signal,
	'adds, lookups, attachments, resets and growths match the model')
  or diag(($signal ? "killed by signal $signal\n" : "exit status $status\n")
	  . $stdout
	  . $stderr);

# The program refuses to pass without this coverage (exit status 2); the
# summary says how much it had.
my ($resets, $wraps, $slots) =
  $stdout =~ /(\d+) resets \((\d+) generation wraps\).* up to (\d+) slots/;
ok( defined $slots
	  && $resets > 2 * 65535
	  && $wraps >= 2
	  && $slots >= 65536,
	'more than 2 x 65,535 resets, two generation wraps, tables of 2^16 slots')
  or diag("summary: $stdout");

done_testing();
