#
# test/t/022_bit_kernels.pl
#	  The POPCNT and AVX-512 bit-string kernels agree with the portable
#	  ones.
#
# Compiles test/kernels/bit_kernel_test.c with src/bit_distance.c against
# the server headers into a temporary directory, then runs it once per
# HNSWEXT_BIT_KERNEL choice (and once with the variable unset, when the
# fastest kernels the CPU has must be chosen).  Each run is one assertion;
# a choice the CPU lacks is skipped with the reason.  The kernels count
# bits, so every run demands exact agreement; see bit_kernel_test.c for the
# lengths and patterns.
#
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

use HnswTest;

my $program = build_c_test(
	name => 'bit_kernel_test',
	sources => [ 'test/kernels/bit_kernel_test.c', 'src/bit_distance.c' ],
	headers => ['src/bit_distance.h']);

# Runs the program with HNSWEXT_BIT_KERNEL set to $kernel (undef: unset);
# returns (exit status, signal, stdout, stderr).
sub run_bit_kernel_test
{
	my ($kernel) = @_;
	my ($stdout, $stderr) = ('', '');

	local $ENV{HNSWEXT_BIT_KERNEL};
	if (defined $kernel)
	{
		$ENV{HNSWEXT_BIT_KERNEL} = $kernel;
	}
	else
	{
		delete $ENV{HNSWEXT_BIT_KERNEL};
	}
	IPC::Run::run([$program], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $? & 127, $stdout, $stderr);
}

foreach my $kernel ('scalar', 'popcnt', 'avx512', undef)
{
	my $label = 'HNSWEXT_BIT_KERNEL=' . ($kernel // '(unset)');
	my ($status, $signal, $stdout, $stderr) = run_bit_kernel_test($kernel);

  SKIP:
	{
		if ($status == 77 && !$signal)
		{
			chomp $stdout;
			skip "$label: $stdout", 1;
		}
		my ($chose) = $stdout =~ /BitDistanceInit chose "([^"]*)"/;
		$chose //= '?';
		note($stdout);
		ok( $status == 0 && !$signal,
			"$label: kernel \"$chose\" matches the portable kernels, 0-64000 bits"
		  )
		  or diag(
			    ($signal ? "killed by signal $signal\n" : "exit status $status\n")
			  . $stdout
			  . $stderr);
	}
}

done_testing();
