#
# test/t/014_verify_corruption.pl
#	  hnsw_verify finds corruption: the relation file of an index is edited
#	  while the cluster is stopped, and the check must report the damaged
#	  block with ERRCODE_INDEX_CORRUPTED and a hint to REINDEX.
#
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib $FindBin::RealBin;
use HnswTest;

my $dim = 4;
my $node = PostgreSQL::Test::Cluster->new('corrupt');
$node->init;
$node->start;
$node->safe_psql('postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE TABLE t (id int, v vector($dim));
	INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11, i % 13]::vector
	FROM generate_series(1, 300) i;
	CREATE INDEX t_idx ON t USING hnsw (v);
});
is($node->safe_psql('postgres', q{SELECT elements FROM hnsw_verify('t_idx', true)}),
	'300', 'the fresh index passes the check');

my $file = relation_file($node, 't_idx');
my $blcksz = $node->safe_psql('postgres', 'SHOW block_size');


sub check_fails
{
	my ($pattern, $name) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', q{SELECT * FROM hnsw_verify('t_idx')},
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$name: the check fails");
	like($stderr, qr/XX002/, "$name: with ERRCODE_INDEX_CORRUPTED");
	like($stderr, $pattern, "$name: naming what is wrong");
	like($stderr, qr/REINDEX/, "$name: hinting at REINDEX");
}

# 1. The page identifier in the special space of block 1.
$node->stop;
my $id_offset = $blcksz + $blcksz - 2;
my $saved = read_bytes($file, $id_offset, 2);
write_bytes($file, $id_offset, pack('v', 0x1234));
$node->start;
check_fails(qr/corrupted at block 1, offset 0.*page identifier/s,
	'a wrong page identifier');
$node->stop;
write_bytes($file, $id_offset, $saved);

# 2. A level-0 link of the first element on block 1 points past the end.
my $lp = unpack('V', read_bytes($file, $blcksz + 24, 4));
my $tuple = $blcksz + ($lp & 0x7fff);
my $ntids = unpack('C', read_bytes($file, $tuple + 2, 1));
my $vector_offset = 4 + 6 * $ntids;
$vector_offset += 4 - ($vector_offset % 4) if $vector_offset % 4;
my $link = $tuple + $vector_offset + 4 * $dim;
write_bytes($file, $link, pack('vvv', 0, 60000, 1));
$node->start;
check_fails(qr/corrupted at block 1, offset 1.*links to \(60000,1\)/s,
	'a link to a block past the end');

# REINDEX repairs it.
$node->safe_psql('postgres', 'REINDEX INDEX t_idx');
is($node->safe_psql('postgres', q{SELECT elements FROM hnsw_verify('t_idx', true)}),
	'300', 'after REINDEX the check passes');

$node->stop;
done_testing();
