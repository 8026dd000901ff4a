#
# test/t/020_kernels.pl
#	  The SIMD distance kernels agree with the scalar ones, for vector and
#	  halfvec, and the half <-> float4 conversions are exact.
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

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

use HnswTest;

my $program = build_c_test(
	name => 'kernel_test',
	sources => [
		'test/kernels/kernel_test.c', 'src/distance.c',
		'src/distance_simd.c'
	],
	headers => [ 'src/distance.h', 'src/half.h' ],
	libs => ['-lm']);

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
			"$label: half conversions exact; kernel \"$chose\" matches the scalar kernels, dims 1-2000"
		  )
		  or diag(
			    ($signal ? "killed by signal $signal\n" : "exit status $status\n")
			  . $stdout
			  . $stderr);
	}
}

done_testing();
