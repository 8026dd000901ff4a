#
# test/t/017_damaged_pages.pl
#	  Scans, inserts and VACUUM meet a damaged index page with an
#	  index-corrupted error (SQLSTATE XX002) and a hint to REINDEX: no crash,
#	  no abort in malloc, no endless loop.  Each case edits the relation file
#	  of a freshly rebuilt index while the cluster is stopped (as
#	  014_verify_corruption.pl does), then runs the statements under a
#	  statement_timeout, so that a hang fails instead of blocking.
#
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HnswTest;

my $dim = 4;
my $node = hnsw_node('damaged');
$node->safe_psql(
	'postgres', qq{
	CREATE EXTENSION hnswext;
	CREATE TABLE t (id int, v vector($dim));
	INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11, i % 13]::vector
	FROM generate_series(1, 300) i;
	CREATE INDEX t_idx ON t USING hnsw (v);
	-- one element per page (4,000-byte vectors), for the page chain
	CREATE TABLE w (id int, v vector(1000));
	INSERT INTO w SELECT i, @{[ vector_sql('i', 1000) ]}
	FROM generate_series(1, 20) i;
	CREATE INDEX w_idx ON w USING hnsw (v);
});
my $blcksz = $node->safe_psql('postgres', 'SHOW block_size');

# The entry point of an index file, from its meta page (HnswMetaPageData
# after the 24-byte page header: entry block at 40, offset at 44).
sub entry_point
{
	my ($file) = @_;
	my ($blk, $off) = unpack('Vv', read_bytes($file, 40, 6));
	return ($blk, $off);
}

# File offsets of the line pointer and of the tuple at (blk, off).
sub tuple_at
{
	my ($file, $blk, $off) = @_;
	my $lp_pos = $blk * $blcksz + 24 + 4 * ($off - 1);
	my $lp = unpack('V', read_bytes($file, $lp_pos, 4));
	return ($lp_pos, $blk * $blcksz + ($lp & 0x7fff), $lp >> 17);
}

# File offset of the first link slot of the element tuple at $tuple.
sub first_link
{
	my ($file, $tuple, $d) = @_;
	my $ntids = unpack('C', read_bytes($file, $tuple + 2, 1));
	my $vector = 4 + 6 * $ntids;
	$vector += 4 - ($vector % 4) if $vector % 4;
	return $tuple + $vector + 4 * $d;
}

my $scan = q{SET enable_seqscan = off;
	SELECT id FROM t ORDER BY v <-> '[5, 1, 2, 3]' LIMIT 5};
my $insert = q{INSERT INTO t VALUES (1000, '[1, 2, 3, 4]')};
# VACUUM after a DELETE of rows the index has (each time others) that
# leaves the entry point's row alone (its heap TID goes into $entry_ctid),
# so that VACUUM repairs links and reads the entry point's.
my $entry_ctid = '(0,0)';
my $deletes = 0;
sub vacuum_sql
{
	$deletes++;
	return "DELETE FROM t WHERE id % 50 = $deletes AND ctid <> '$entry_ctid'; VACUUM t";
}

# Run a statement (under a timeout); returns (exit code, stderr).
sub run
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql(
		'postgres', "SET statement_timeout = '60s'; $sql",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	return ($ret, $stderr);
}

# The statement fails with XX002 and a hint to REINDEX.
sub fails_corrupted
{
	my ($sql, $what, $name, $pattern) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($ret, $stderr) = run($sql);
	isnt($ret, 0, "$name: $what fails");
	like($stderr, qr/XX002/, "$name: $what reports the index corrupted");
	like($stderr, qr/REINDEX/, "$name: $what hints at REINDEX");
	like($stderr, $pattern, "$name: $what names what is wrong")
	  if $pattern;
	unlike($stderr, qr/57014|canceling statement/,
		"$name: $what does not run into the timeout");
}

# The statement succeeds or fails with XX002, but neither hangs nor crashes.
sub survives
{
	my ($sql, $what, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($ret, $stderr) = run($sql);
	ok($ret == 0 || $stderr =~ /XX002/,
		"$name: $what succeeds or reports the index corrupted")
	  or diag($stderr);
}

sub server_up
{
	my ($name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is($node->safe_psql('postgres', 'SELECT 1'), '1',
		"$name: the server is still up");
}

# Rebuild the index, stop the cluster, let $edit change the file, start.
sub damage
{
	my ($index, $edit) = @_;
	$node->safe_psql('postgres', "REINDEX INDEX $index");
	my $file = relation_file($node, $index);
	$node->stop;
	$edit->($file);
	$node->start;
}

# The entry point's element: its level, heap TID count, line pointer
# length and links are what a search reads first.
sub damage_entry
{
	my ($edit) = @_;
	damage(
		't_idx',
		sub {
			my ($file) = @_;
			my ($blk, $off) = entry_point($file);
			my ($lp_pos, $tuple, $len) = tuple_at($file, $blk, $off);
			my ($hi, $lo, $o) = unpack('vvv', read_bytes($file, $tuple + 4, 6));
			$entry_ctid = '(' . (($hi << 16) | $lo) . ",$o)";
			$edit->($file, $lp_pos, $tuple, $len, $blk, $off);
		});
}

# 1. The level: above the cap, then one that does not match the length.
damage_entry(sub { my ($f, $lp, $tup) = @_; write_bytes($f, $tup, pack('C', 200)); });
fails_corrupted($scan, 'a scan', 'level 200', qr/level 200/);
fails_corrupted($insert, 'an insert', 'level 200');
fails_corrupted(vacuum_sql(), 'VACUUM', 'level 200');
server_up('level 200');

damage_entry(sub {
	my ($f, $lp, $tup) = @_;
	my $level = unpack('C', read_bytes($f, $tup, 1));
	write_bytes($f, $tup, pack('C', $level + 1));
});
fails_corrupted($scan, 'a scan', 'a level one higher', qr/bytes long/);
fails_corrupted($insert, 'an insert', 'a level one higher');
fails_corrupted(vacuum_sql(), 'VACUUM', 'a level one higher');
server_up('a level one higher');

# 2. The heap TID count.
damage_entry(sub { my ($f, $lp, $tup) = @_; write_bytes($f, $tup + 2, pack('C', 255)); });
fails_corrupted($scan, 'a scan', '255 heap TIDs', qr/255 heap TIDs/);
fails_corrupted($insert, 'an insert', '255 heap TIDs');
fails_corrupted(vacuum_sql(), 'VACUUM', '255 heap TIDs');
server_up('255 heap TIDs');

# 3. The tuple length in the line pointer: past the page, then 6 bytes more.
damage_entry(sub {
	my ($f, $lp_pos) = @_;
	my $lp = unpack('V', read_bytes($f, $lp_pos, 4));
	write_bytes($f, $lp_pos, pack('V', ($lp & 0x1ffff) | (0x7fff << 17)));
});
fails_corrupted($scan, 'a scan', 'a line pointer past the page', qr/past the end of the page/);
fails_corrupted($insert, 'an insert', 'a line pointer past the page');
fails_corrupted(vacuum_sql(), 'VACUUM', 'a line pointer past the page');
server_up('a line pointer past the page');

damage_entry(sub {
	my ($f, $lp_pos, $tup, $len) = @_;
	my $lp = unpack('V', read_bytes($f, $lp_pos, 4));
	write_bytes($f, $lp_pos, pack('V', ($lp & 0x1ffff) | (($len + 6) << 17)));
});
fails_corrupted($scan, 'a scan', 'a tuple length 6 bytes off', qr/bytes long/);
fails_corrupted($insert, 'an insert', 'a tuple length 6 bytes off');
fails_corrupted(vacuum_sql(), 'VACUUM', 'a tuple length 6 bytes off');
server_up('a tuple length 6 bytes off');

# 4. Links: every slot of the entry point's lists to a block past the end,
# then to an offset no page has.  (VACUUM reads the links when rows were
# deleted.)
for my $case ([ 60000, 1, 'past the end of the index' ],
	[ 1, 5000, 'an offset no page can have' ])
{
	my ($lblk, $loff, $why) = @$case;
	my $name = "links to ($lblk,$loff)";
	damage_entry(sub {
		my ($f, $lp, $tup, $len) = @_;
		my $first = first_link($f, $tup, $dim);
		for (my $pos = $first; $pos + 6 <= $tup + $len; $pos += 6)
		{
			my ($hi, $lo, $o) = unpack('vvv', read_bytes($f, $pos, 6));
			write_bytes($f, $pos, pack('vvv', $lblk >> 16, $lblk & 0xffff, $loff))
			  if $o != 0;
		}
	});
	fails_corrupted($scan, 'a scan', $name, qr/\Q$why\E/);
	fails_corrupted($insert, 'an insert', $name);
	fails_corrupted(vacuum_sql(), 'VACUUM', $name);
	server_up($name);
}

# 5. The meta page's entry point: past the end, at an unused offset, with a
# level above the cap.
damage('t_idx', sub { write_bytes($_[0], 40, pack('V', 60000)); });
fails_corrupted($scan, 'a scan', 'entry block 60000', qr/past the end of the index/);
fails_corrupted($insert, 'an insert', 'entry block 60000');
survives(vacuum_sql(), 'VACUUM', 'entry block 60000');
server_up('entry block 60000');

damage('t_idx', sub { write_bytes($_[0], 44, pack('v', 400)); });
fails_corrupted($scan, 'a scan', 'entry offset 400', qr/entry point .* is not an element/);
fails_corrupted($insert, 'an insert', 'entry offset 400');
survives(vacuum_sql(), 'VACUUM', 'entry offset 400');
server_up('entry offset 400');

damage('t_idx', sub { write_bytes($_[0], 46, pack('v', 100)); });
fails_corrupted($scan, 'a scan', 'entry level 100', qr/at level 100/);
fails_corrupted($insert, 'an insert', 'entry level 100');
survives(vacuum_sql(), 'VACUUM', 'entry level 100');
server_up('entry level 100');

# 6. A cycle in the chain of element pages: the insert hint names block 1,
# whose next page is itself; every page of w_idx holds one element, so
# none has room.
damage(
	'w_idx',
	sub {
		my ($file) = @_;
		write_bytes($file, 48, pack('V', 1));
		write_bytes($file, 2 * $blcksz - 8, pack('V', 1));
	});
fails_corrupted(
	qq{INSERT INTO w VALUES (100, @{[ vector_sql(100, 1000) ]})},
	'an insert', 'a cycle of next-page links', qr/cycle/);
survives(q{SET enable_seqscan = off;
	SELECT id FROM w ORDER BY v <-> (SELECT v FROM w WHERE id = 3) LIMIT 3},
	'a scan', 'a cycle of next-page links');
survives(q{DELETE FROM w WHERE id = 5; VACUUM w}, 'VACUUM',
	'a cycle of next-page links');
server_up('a cycle of next-page links');

# REINDEX repairs everything.
$node->safe_psql('postgres', 'REINDEX INDEX t_idx; REINDEX INDEX w_idx');
is($node->safe_psql('postgres', q{SELECT unreachable FROM hnsw_verify('t_idx', true)}),
	'0', 'after REINDEX the index passes the check');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/,
	'no backend crashed or aborted');

$node->stop;
done_testing();
