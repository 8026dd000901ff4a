#
# test/t/041_parser_fuzz.pl
#	  A short deterministic run of the libFuzzer harnesses for the vector
#	  and sparsevec parsers (test/fuzz: text input, binary input, type
#	  modifier).
#
# Builds the harnesses with clang into a temporary directory and runs each
# for a fixed number of inputs from a fixed seed, starting from its seed
# corpus (test/fuzz/corpus, test/fuzz/corpus-sparsevec).  Passes when the
# runs find nothing (exit status 0).
# Skipped when clang cannot build a libFuzzer program or the source tree
# cannot be read.  Anyone can fuzz longer with "make -C test/fuzz fuzz".
#
use strict;
use warnings;

use FindBin;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $srcdir = $ENV{HNSWEXT_SRCDIR} // "$FindBin::RealBin/../..";
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';

plan skip_all => "cannot read $srcdir/test/fuzz as this user"
  unless -r "$srcdir/test/fuzz/Makefile"
  && -r "$srcdir/src/vector.c"
  && -r "$srcdir/src/sparsevec.c";

my $build = PostgreSQL::Test::Utils::tempdir('fuzz');

# Debian's clang-14 package installs clang-14; the clang package adds clang.
my ($clang) = grep {
	my $c = $_;
	grep { -x "$_/$c" } split /:/, $ENV{PATH}
} ('clang', 'clang-14');
plan skip_all => 'neither clang nor clang-14 is installed' unless $clang;

# Can clang build a libFuzzer program here at all?
my ($out, $err) = ('', '');
my $probe = "$build/probe.c";
open(my $fh, '>', $probe) or die "could not write $probe: $!";
print $fh "#include <stddef.h>\n#include <stdint.h>\n"
  . "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
  . "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n";
close($fh);
IPC::Run::run([ $clang, '-fsanitize=fuzzer,address', $probe, '-o', "$build/probe" ],
	'>', \$out, '2>', \$err);
plan skip_all => "clang cannot build a libFuzzer program: $err"
  if $? != 0;

IPC::Run::run(
	[
		'make', '-C', "$srcdir/test/fuzz", "BUILD=$build",
		"PG_CONFIG=$pg_config", "CLANG=$clang"
	],
	'>', \$out, '2>', \$err);
ok($? == 0, 'the fuzz harnesses build') or diag("$out$err");

# each harness, run by its own make target
foreach my $run ([ 'run', 'vector_fuzz' ], [ 'run-sparsevec', 'sparsevec_fuzz' ])
{
	my ($target, $harness) = @$run;

	($out, $err) = ('', '');
	IPC::Run::run(
		[
			'make', '-C', "$srcdir/test/fuzz", "BUILD=$build",
			"PG_CONFIG=$pg_config", "CLANG=$clang", 'RUNS=300000', 'SEED=1',
			$target
		],
		'>', \$out, '2>', \$err);
	my $status = $?;
	my ($done) = $err =~ /^(#\d+\s+DONE.*)$/m;
	ok($status == 0,
		"$harness: a fuzz run of 300000 inputs from seed 1 finds nothing")
	  or diag(substr($err, -4000));
	note("$harness: $done") if $done;
}

done_testing();
