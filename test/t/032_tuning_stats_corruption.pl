#
# test/t/032_tuning_stats_corruption.pl
#	  hnsw_index_stats on damaged pages: the relation file of an index is
#	  edited while the cluster is stopped, and the function must fail with
#	  ERRCODE_INDEX_CORRUPTED naming the block, not read beyond the page.
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
my $node = PostgreSQL::Test::Cluster->new('stats_corrupt');
$node->init;
$node->start;
$node->safe_psql('postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE TABLE t (id int, v vector($dim));
	INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11, i % 13]::vector
	FROM generate_series(1, 300) i;
	CREATE INDEX t_idx ON t USING hnsw (v);
});
my $stats_sql = q{SELECT elements, heap_tids, level0_neighbors_max
	FROM hnsw_index_stats('t_idx')};
my $sound = $node->safe_psql('postgres', $stats_sql);
like($sound, qr/^300\|300\|\d+$/, 'the fresh index is read');

my $file = relation_file($node, 't_idx');
my $blcksz = $node->safe_psql('postgres', 'SHOW block_size');


# Overwrite bytes at $offset with the cluster stopped, check that
# hnsw_index_stats fails as it should, then put the bytes back.
sub check_damage
{
	my ($offset, $bytes, $pattern, $name) = @_;

	$node->stop;
	my $saved = read_bytes($file, $offset, length($bytes));
	write_bytes($file, $offset, $bytes);
	$node->start;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $stats_sql,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$name: the function fails");
	like($stderr, qr/XX002/, "$name: with ERRCODE_INDEX_CORRUPTED");
	like($stderr, $pattern, "$name: naming what is wrong");
	like($stderr, qr/REINDEX/, "$name: hinting at REINDEX");
	$node->stop;
	write_bytes($file, $offset, $saved);
	$node->start;
}

# The first line pointer of block 1 and the tuple it points at, once the
# index's pages are on disk.
$node->safe_psql('postgres', 'CHECKPOINT');
my $block1 = $blcksz;
my $lp = unpack('V', read_bytes($file, $block1 + 24, 4));
my $tuple = $block1 + ($lp & 0x7fff);

check_damage($tuple, pack('C', 200),
	qr/corrupted at block 1, offset 1.*level 200/s,
	'an element level above the highest');
check_damage($tuple + 2, pack('C', 255),
	qr/corrupted at block 1, offset 1.*255 heap TIDs/s,
	'too many heap TIDs');
# offset 8000, normal, length 2000: beyond the page
check_damage($block1 + 24, pack('V', 8000 | (1 << 15) | (2000 << 17)),
	qr/corrupted at block 1, offset 1.*reaches past the end of the page/s,
	'a line pointer beyond the page');
# a tuple of a few bytes: too short for its vector and links
check_damage($block1 + 24, pack('V', ($lp & 0x1ffff) | (8 << 17)),
	qr/corrupted at block 1, offset 1.*8 bytes long, expected/s,
	'a truncated element');
# pd_special at the end of the page: no special space at all
check_damage($block1 + 16, pack('v', $blcksz),
	qr/corrupted at block 1, offset 0.*not an element page/s,
	'a page without its special space');

is($node->safe_psql('postgres', $stats_sql), $sound,
	'with the bytes put back the index reads as before');

$node->stop;
done_testing();
