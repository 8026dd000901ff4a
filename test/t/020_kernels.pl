#
# test/t/020_kernels.pl
#	  The SIMD distance kernels agree with the scalar ones.
#
# Compiles test/kernels/kernel_test.c with src/distance.c and
# src/distance_simd.c against the server headers into a temporary directory,
# then runs it once per HNSWEXT_KERNEL choice (and once with the variable
# unset, when the widest kernel the CPU has must be chosen).  Each run is
# one assertion; a choice the CPU lacks is skipped with the reason.  See
# kernel_test.c for the inputs and the tolerance.
#
use strict;
use warnings;

use File::Spec;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

# The runner sets HNSWEXT_SRCDIR; run by hand from test/t, use the tree
# this file is in.
my $srcdir = $ENV{HNSWEXT_SRCDIR} // "$FindBin::RealBin/../..";
my @sources = (
	"$srcdir/test/kernels/kernel_test.c",
	"$srcdir/src/distance.c",
	"$srcdir/src/distance_simd.c");

foreach my $file (@sources, "$srcdir/src/distance.h")
{
	plan skip_all => "cannot read $file as this user ($!); the kernel test "
	  . "needs the source tree"
	  unless open(my $fh, '<', $file);
}

my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my $includedir = `$pg_config --includedir-server`;
die "$pg_config --includedir-server failed" if $? != 0;
chomp $includedir;

# Build into a temporary directory: the source tree stays untouched.
my $tmp = PostgreSQL::Test::Utils::tempdir('kernels');
my $program = "$tmp/kernel_test";
my ($out, $err) = ('', '');
my @compile = (
	'gcc', '-O2', '-Wall', "-I$includedir", "-I$srcdir/src",
	@sources, '-lm', '-o', $program);
IPC::Run::run(\@compile, '>', \$out, '2>', \$err);
my $compiled = $? == 0;
ok($compiled, 'kernel_test compiles') or diag("@compile\n$out$err");
if (!$compiled)
{
	done_testing();
	exit;
}
diag("compiler warnings:\n$err") if $err ne '';

# Runs the program with HNSWEXT_KERNEL set to $kernel (undef: unset);
# returns (exit status, signal, stdout, stderr).
sub run_kernel_test
{
	my ($kernel) = @_;
	my ($stdout, $stderr) = ('', '');

	local $ENV{HNSWEXT_KERNEL};
	if (defined $kernel)
	{
		$ENV{HNSWEXT_KERNEL} = $kernel;
	}
	else
	{
		delete $ENV{HNSWEXT_KERNEL};
	}
	IPC::Run::run([$program], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $? & 127, $stdout, $stderr);
}

foreach my $kernel ('scalar', 'avx2', 'avx512', undef)
{
	my $label = 'HNSWEXT_KERNEL=' . ($kernel // '(unset)');
	my ($status, $signal, $stdout, $stderr) = run_kernel_test($kernel);

  SKIP:
	{
		if ($status == 77 && !$signal)
		{
			chomp $stdout;
			skip "$label: $stdout", 1;
		}
		my ($chose) = $stdout =~ /DistanceInit chose "([^"]*)"/;
		$chose //= '?';
		note($stdout);
		ok( $status == 0 && !$signal,
			"$label: kernel \"$chose\" matches the scalar kernels, dims 1-2000")
		  or diag(
			    ($signal ? "killed by signal $signal\n" : "exit status $status\n")
			  . $stdout
			  . $stderr);
	}
}

done_testing();
