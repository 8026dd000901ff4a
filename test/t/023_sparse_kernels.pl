#
# test/t/023_sparse_kernels.pl
#	  The sparse vector distance kernels equal dense computations.
#
# Compiles test/kernels/sparse_kernel_test.c with src/sparsevec_distance.c
# against the server headers into a temporary directory (warnings are
# errors) and runs it once.  Assertions: it compiles; every kernel result
# equals the dense loop's bit for bit; its summary shows the coverage it
# promises (see sparse_kernel_test.c for the pairs drawn and the guard
# pages behind every array).
#
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

use HnswTest;

my $program = build_c_test(
	name => 'sparse_kernel_test',
	sources =>
	  [ 'test/kernels/sparse_kernel_test.c', 'src/sparsevec_distance.c' ],
	headers => ['src/sparsevec_distance.h'],
	cflags => ['-Werror'],
	libs => ['-lm']);

my ($stdout, $stderr) = ('', '');
IPC::Run::run([$program], '>', \$stdout, '2>', \$stderr);
my ($status, $signal) = ($? >> 8, $? & 127);
note($stdout);
ok($status == 0 && !$signal,
	'squared L2, inner product, L1 and cosine match the dense loops exactly')
  or diag(($signal ? "killed by signal $signal\n" : "exit status $status\n")
	  . $stdout
	  . $stderr);

my ($comparisons, $nonfinite, $dims, $maxdim, $overlaps, $kinds) = $stdout =~
  /(\d+) comparisons \((\d+) of infinite or NaN results\) over (\d+) dimension counts up to (\d+), (\d+) overlaps, (\d+) kinds of values/;
ok( defined $kinds
	  && $comparisons > 200000
	  && $nonfinite > 1000
	  && $dims >= 64
	  && $maxdim >= 3000
	  && $overlaps >= 8
	  && $kinds >= 5,
	'over 200,000 comparisons, infinite and NaN results among them, '
	  . 'dimensions up to 3,000, eight overlaps, five kinds of values')
  or diag("summary: $stdout");

done_testing();
