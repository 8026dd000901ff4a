#
# test/t/021_tidset.pl
#	  The TID set (the searches' visited set) agrees with a simple model.
#
# Compiles test/tidset/tidset_test.c with src/hnsw_tidset.c against the
# server headers into a temporary directory (warnings are errors) and runs
# it once.  Assertions: it compiles; it finds no mismatch with its model;
# its summary shows that it went through the generation wrap at least twice
# and grew a table to 2^16 slots or more.  See tidset_test.c for the
# operations, the key patterns and the stand-ins for palloc and friends.
#
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

use HnswTest;

my $program = build_c_test(
	name => 'tidset_test',
	sources => ['test/tidset/tidset_test.c', 'src/hnsw_tidset.c'],
	headers => ['src/hnsw_tidset.h'],
	cflags => ['-Werror']);

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
