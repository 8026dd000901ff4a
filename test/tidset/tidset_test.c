/*-------------------------------------------------------------------------
 *
 * tidset_test.c
 *	  Check the TID set (the searches' visited set) against a simple model.
 *
 * The set (src/hnsw_tidset.c, with its inline parts in hnsw_tidset.h) is an
 * open-addressing hash table whose slots carry the generation that
 * filled them, so that emptying it is an increment; it doubles when more
 * than half full, and it can attach a candidate to each member.  This
 * program drives it with the same operations as a model that cannot go
 * wrong in the same ways (a pool of distinct keys with a flag and a
 * candidate for each, emptied by walking the list of members) and compares
 * every result.  There are four phases:
 *
 *	create	creation with negative, zero, small and huge requests gives a
 *			working table of a sensible size
 *	random	random adds, membership tests, lookups, attachments and resets
 *			over pools of 16 to 40,000 keys, so that tables grow from 64 to
 *			2^17 slots; one run resets often enough to wrap the 16-bit
 *			generation twice
 *	wrap	keys added in one generation must not come back when, 65,535
 *			resets later, the generation has the same value again: the
 *			slots must be cleared when it wraps.  Once with nothing added
 *			in between, once with a few other keys added in every
 *			generation; then the set must work as before
 *	growth	growing keeps the members and their candidates, and brings back
 *			no member of an earlier generation; once with the candidates
 *			made in the earlier generation, once with them made between
 *			two growths
 *
 * After every operation the set's member count must be the model's and
 * the table at most half full; after every reset and every growth (which
 * must double the table) every key of the pool is looked up.
 *
 * Keys cover the whole 48-bit range: block numbers at and near 0, 2^31
 * and 0xFFFFFFFF with offsets 0 and 0xFFFF, keys that differ only in their
 * top 10 bits, keys packed like heap tuples, keys crowding two home slots
 * of a table of 64 (long probe chains) and keys whose hash puts them at
 * the end of a small table (probes wrap around).  Candidates are
 * addresses in a local array; the set never dereferences them.
 *
 * The program supplies what hnsw_tidset.c needs from the backend: palloc,
 * palloc0, pfree, MemoryContextAllocZero, MemoryContextAllocExtended (the
 * zero and huge flags) and CurrentMemoryContext (and
 * ExceptionalCondition, for headers of a server built with assertions).
 * They check that only allocated chunks are freed, and each only once;
 * that the set leaks nothing when it grows; and that after its creation it
 * allocates only in the context it was created in, never in the caller's.
 * Freed chunks are overwritten and kept, so a read after pfree sees junk.
 *
 * Usage: tidset_test [seed].  Exit status 0: every result matched the
 * model; 1: a mismatch (the first few are described on stderr); 2: usage
 * or set-up error.  The last line on stdout sums up what was checked.
 *
 * Built and run by test/t/021_tidset.pl; it links only src/hnsw_tidset.c:
 *	gcc -O2 -I`pg_config --includedir-server` -Isrc \
 *		test/tidset/tidset_test.c src/hnsw_tidset.c
 *
 * test/tidset/tidset_test.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nodes/memnodes.h"
#include "utils/memutils.h"

#include "hnsw_tidset.h"

/* The set keeps pointers to candidates and never looks inside one */
typedef struct HnswCandidate
{
	int			unused;
} HnswCandidate;

/*
 * port.h sends these to libpgport's implementations, which this program
 * does not link; use the C library's.
 */
#undef printf
#undef fprintf
#undef vfprintf
#undef qsort

#define MAX_REPORTS		20		/* mismatches described before going quiet */

#define EXIT_MISMATCH	1
#define EXIT_ERROR		2

#define GENERATIONS		65535	/* resets before a generation comes back */
#define NCANDIDATES		509		/* distinct fake candidates */
#define TIME_LIMIT		120		/* seconds: a probe that never ends */

#define KEY_MASK		((UINT64CONST(1) << HNSW_TIDSET_GEN_SHIFT) - 1)

/* A key as (block, offset), for messages */
#define KEY_FMT			"(%u,%u)"
#define KEY_ARGS(key)	(unsigned) ((key) >> 16), (unsigned) ((key) & 0xFFFF)

/* ------------------------------------------------------------------------
 * What hnsw_tidset.c needs from the backend
 * ------------------------------------------------------------------------
 */

/* In front of every chunk; 32 bytes keep the chunk itself MAXALIGNed */
typedef struct ChunkHeader
{
	uint64		magic;
	Size		size;
	MemoryContext context;
	uint64		unused;
} ChunkHeader;

#define CHUNK_LIVE		UINT64CONST(0x4C49564543484E4B)
#define CHUNK_FREED		UINT64CONST(0x4652454543484E4B)
#define JUNK_BYTE		0x7F

MemoryContext CurrentMemoryContext = NULL;

/* Never dereferenced: only their addresses tell the contexts apart */
static MemoryContextData set_context;	/* current when a set is created */
static MemoryContextData caller_context; /* current while it is used */

static long chunks_live;
static long caller_allocations;

/* Stop at a fault of the set's memory handling: nothing after it is sound */
static void pg_attribute_noreturn()
memory_fault(const char *what)
{
	fprintf(stderr, "FAIL: %s\n", what);
	exit(EXIT_MISMATCH);
}

/*
 * A chunk of size bytes in context, zeroed or full of junk (so a field the
 * set forgets to set is not quietly zero).
 */
static void *
chunk_alloc(MemoryContext context, Size size, bool zero, bool huge)
{
	ChunkHeader *header;

	if (context == NULL)
		memory_fault("allocation in no memory context");
	if (huge ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		memory_fault("allocation larger than the backend allows");
	header = malloc(sizeof(ChunkHeader) + size);
	if (header == NULL)
	{
		fprintf(stderr, "tidset_test: out of memory\n");
		exit(EXIT_ERROR);
	}
	header->magic = CHUNK_LIVE;
	header->size = size;
	header->context = context;
	memset(header + 1, zero ? 0 : JUNK_BYTE, size);
	chunks_live++;
	if (context == &caller_context)
		caller_allocations++;
	return header + 1;
}

void *
palloc(Size size)
{
	return chunk_alloc(CurrentMemoryContext, size, false, false);
}

void *
palloc0(Size size)
{
	return chunk_alloc(CurrentMemoryContext, size, true, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return chunk_alloc(context, size, true, false);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	if (flags & ~(MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO))
		memory_fault("MemoryContextAllocExtended flags other than HUGE and "
					 "ZERO");
	return chunk_alloc(context, size, (flags & MCXT_ALLOC_ZERO) != 0,
					   (flags & MCXT_ALLOC_HUGE) != 0);
}

/*
 * Freed chunks are filled with junk and never given back to malloc, so a
 * second pfree finds them marked and a read after pfree sees junk.
 */
void
pfree(void *pointer)
{
	ChunkHeader *header = (ChunkHeader *) pointer - 1;

	if (pointer == NULL)
		memory_fault("pfree(NULL)");
	if (header->magic == CHUNK_FREED)
		memory_fault("a chunk was freed twice");
	if (header->magic != CHUNK_LIVE)
		memory_fault("pfree of a pointer palloc did not return");
	header->magic = CHUNK_FREED;
	memset(pointer, JUNK_BYTE, header->size);
	chunks_live--;
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fprintf(stderr, "FAIL: %s(\"%s\") at %s:%d\n", errorType, conditionName,
			fileName, lineNumber);
	exit(EXIT_MISMATCH);
}

/* ------------------------------------------------------------------------
 * Random numbers: xorshift64*, fixed seed unless one is given.
 * ------------------------------------------------------------------------
 */
static uint64 rng_state = UINT64CONST(0x6A09E667F3BCC909);

static uint64
rand64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64CONST(0x2545F4914F6CDD1D);
}

/* Uniform in [0, n) */
static uint32
rand_below(uint32 n)
{
	return (uint32) ((rand64() >> 32) % n);
}

static void *
malloc_or_die(size_t size)
{
	void	   *p = calloc(1, size);

	if (p == NULL)
	{
		fprintf(stderr, "tidset_test: out of memory\n");
		exit(EXIT_ERROR);
	}
	return p;
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------
 */
static const uint32 edge_blocks[] = {
	0, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF
};
static const uint16 edge_offsets[] = {
	0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF
};

/*
 * Low 38 bits shared by keys that differ only in their top 10 (a hash
 * that ignored the top bits would give them one home slot).
 */
#define COLLIDER_SHIFT	38
static uint64 collider_low[4];

/*
 * The home slot of a key in a table of 64, by the hash of
 * HnswTidSetProbe() (the top 6 bits of the product).  Used only to pick
 * keys that crowd a few home slots, or whose probes run off the end of a
 * small table; if the hash changes, they are just more random keys.
 */
static uint32
home_slot_of_64(uint64 key)
{
	return (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 58);
}

/* A random key whose home slot in a table of 64 is "slot" */
static uint64
key_with_home(uint32 slot)
{
	uint64		key;

	do
		key = rand64() & KEY_MASK;
	while (home_slot_of_64(key) != slot);
	return key;
}

/* One key of the given kind (taken modulo the number of kinds) */
static uint64
make_key(int kind)
{
	uint32		blkno;
	uint32		offno;
	uint64		key;

	switch (kind % 6)
	{
		case 0:
			/* anywhere in the 48 bits */
			return rand64() & KEY_MASK;
		case 1:
			/* at or near an edge block, at an edge offset half the time */
			blkno = edge_blocks[rand_below(lengthof(edge_blocks))];
			if (rand_below(2))
				blkno += rand_below(64) - 32;
			if (rand_below(2))
				offno = edge_offsets[rand_below(lengthof(edge_offsets))];
			else
				offno = rand_below(0x10000);
			return HnswTidKey(blkno, offno);
		case 2:
			/* differ from others only in the top 10 bits */
			return collider_low[rand_below(lengthof(collider_low))] |
				((uint64) rand_below(1 << (48 - COLLIDER_SHIFT)) <<
				 COLLIDER_SHIFT);
		case 3:
			/* like heap tuples: low blocks, up to 291 tuples a page */
			return HnswTidKey(rand_below(4096), 1 + rand_below(291));
		case 4:
			/* one of two home slots in a table of 64: long probe chains */
			return key_with_home(17 + 20 * rand_below(2));
		default:
			/* home in the last four slots of a table of 64 */
			do
				key = rand64() & KEY_MASK;
			while (home_slot_of_64(key) < 60);
			return key;
	}
}

static int
compare_keys(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

/* n distinct keys of all kinds, in random order */
static uint64 *
make_keys(int n)
{
	uint64	   *keys = malloc_or_die(sizeof(uint64) * Max(n, 1));
	int			have = 0;
	int			kind = 0;

	while (have < n)
	{
		int			kept = 0;

		while (have < n)
			keys[have++] = make_key(kind++);
		qsort(keys, have, sizeof(uint64), compare_keys);
		for (int i = 0; i < have; i++)
			if (kept == 0 || keys[i] != keys[kept - 1])
				keys[kept++] = keys[i];
		have = kept;
	}
	for (int i = n - 1; i > 0; i--)
	{
		int			j = rand_below(i + 1);
		uint64		tmp = keys[i];

		keys[i] = keys[j];
		keys[j] = tmp;
	}
	return keys;
}

/* ------------------------------------------------------------------------
 * The model and the set side by side
 * ------------------------------------------------------------------------
 */

/*
 * Keys 0 .. nkeys - 1 of the pool are the ones added; the nabsent after
 * them never are, and are only looked up.
 */
typedef struct Model
{
	int			nkeys;
	int			nabsent;
	uint64	   *keys;
	bool	   *member;
	HnswCandidate **attached;
	int		   *members;		/* indexes of the members */
	int			count;
} Model;

typedef struct Tester
{
	const char *phase;
	HnswTidSet *vs;
	Model		m;
	uint32		size;			/* table size after the last operation */
} Tester;

static HnswCandidate candidates[NCANDIDATES];

static long mismatches;
static long operations;			/* adds, lookups, attachments */
static long lookups;			/* of them, in whole-pool checks */
static long resets;
static long wraps;
static long growths;
static uint32 largest_table;

static uint32
generation_of(const HnswTidSet *vs)
{
	return (uint32) (vs->generation >> HNSW_TIDSET_GEN_SHIFT);
}

static void
pg_attribute_printf(2, 3)
mismatch(const Tester *t, const char *fmt,...)
{
	va_list		args;

	mismatches++;
	if (mismatches > MAX_REPORTS)
		return;
	fprintf(stderr, "MISMATCH %s, generation %u, %u slots, %d members: ",
			t->phase, generation_of(t->vs), (unsigned) (t->vs->mask + 1),
			t->m.count);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}

static HnswCandidate *
random_candidate(void)
{
	return &candidates[rand_below(NCANDIDATES)];
}

/* The number of a candidate, for messages; -1 for NULL */
static int
candidate_number(const HnswCandidate *c)
{
	if (c == NULL)
		return -1;
	if ((uintptr_t) c < (uintptr_t) candidates ||
		(uintptr_t) c >= (uintptr_t) (candidates + NCANDIDATES))
		return -2;
	return (int) (c - candidates);
}

/*
 * A tester with a pool of nkeys + nabsent keys and a set created, in
 * set_context, for "expected" members.
 */
static void
tester_init(Tester *t, const char *phase, int nkeys, int nabsent,
			int expected)
{
	int			total = nkeys + nabsent;

	t->phase = phase;
	t->m.nkeys = nkeys;
	t->m.nabsent = nabsent;
	t->m.keys = make_keys(total);
	t->m.member = malloc_or_die(sizeof(bool) * total);
	t->m.attached = malloc_or_die(sizeof(HnswCandidate *) * total);
	t->m.members = malloc_or_die(sizeof(int) * Max(nkeys, 1));
	t->m.count = 0;

	CurrentMemoryContext = &set_context;
	t->vs = HnswTidSetCreate(expected);
	CurrentMemoryContext = &caller_context;
	t->size = t->vs->mask + 1;
	if (t->size > largest_table)
		largest_table = t->size;
}

/*
 * Free the set as its owner's memory context would, then check that
 * nothing else is left: Grow must free the arrays it replaces.
 */
static void
tester_done(Tester *t)
{
	pfree(t->vs->slots);
	if (t->vs->candidates)
		pfree(t->vs->candidates);
	pfree(t->vs);
	if (chunks_live != 0)
	{
		fprintf(stderr, "FAIL: %s: %ld chunks still allocated once the set "
				"and its two arrays are freed\n", t->phase, chunks_live);
		mismatches++;
		chunks_live = 0;
	}
	free(t->m.keys);
	free(t->m.member);
	free(t->m.attached);
	free(t->m.members);
}

/* Compare one key's membership and candidate with the model's */
static void
check_key(Tester *t, int i)
{
	uint64		key = t->m.keys[i];
	bool		member = HnswTidSetContains(t->vs, key);
	HnswCandidate *got = HnswTidSetGet(t->vs, key);
	HnswCandidate *want = t->m.member[i] ? t->m.attached[i] : NULL;

	operations += 2;
	if (member != t->m.member[i])
		mismatch(t, "contains " KEY_FMT " returned %s, expected %s",
				 KEY_ARGS(key), member ? "true" : "false",
				 t->m.member[i] ? "true" : "false");
	if (got != want)
		mismatch(t, "get " KEY_FMT " (%s) returned candidate %d, expected %d",
				 KEY_ARGS(key), t->m.member[i] ? "member" : "not a member",
				 candidate_number(got), candidate_number(want));
}

/* Look up every key of the pool */
static void
check_all(Tester *t)
{
	long		before = operations;

	for (int i = 0; i < t->m.nkeys + t->m.nabsent; i++)
		check_key(t, i);
	lookups += operations - before;
}

/*
 * After each operation: the count must be the model's and the table at
 * most half full.  A table that changed size must have doubled, and must
 * still hold every member with its candidate and nothing else.
 */
static void
check_shape(Tester *t)
{
	uint32		size = t->vs->mask + 1;

	if (t->vs->count != (uint64) t->m.count)
		mismatch(t, "the set counts %u members, the model %d",
				 (unsigned) t->vs->count, t->m.count);
	if ((uint64) t->vs->count * 2 > size)
		mismatch(t, "more than half full");
	if (size == t->size)
		return;

	growths++;
	if (size > largest_table)
		largest_table = size;
	if (size != t->size * 2)
		mismatch(t, "the table went from %u to %u slots instead of doubling",
				 t->size, size);
	t->size = size;
	check_all(t);
}

/* Add key i (< nkeys) to both */
static void
op_add(Tester *t, int i)
{
	uint64		key = t->m.keys[i];
	bool		fresh = !t->m.member[i];
	bool		added;

	if (i >= t->m.nkeys)
	{
		fprintf(stderr, "tidset_test: %s adds a key kept absent\n",
				t->phase);
		exit(EXIT_ERROR);
	}
	added = HnswTidSetAdd(t->vs, key);
	operations++;
	if (added != fresh)
		mismatch(t, "add " KEY_FMT " returned %s, expected %s",
				 KEY_ARGS(key), added ? "true" : "false",
				 fresh ? "true" : "false");
	if (fresh)
	{
		t->m.member[i] = true;
		t->m.attached[i] = NULL;
		t->m.members[t->m.count++] = i;
	}
	check_shape(t);
}

/* Attach c to key i in both (nothing happens to a non-member) */
static void
op_remember(Tester *t, int i, HnswCandidate *c)
{
	HnswTidSetRemember(t->vs, t->m.keys[i], c);
	operations++;
	if (t->m.member[i])
		t->m.attached[i] = c;
	check_key(t, i);
	check_shape(t);
}

/* Empty both; every key of the pool must then be absent */
static void
op_reset(Tester *t, bool check_pool)
{
	uint32		before = generation_of(t->vs);

	HnswTidSetReset(t->vs);
	resets++;
	for (int j = 0; j < t->m.count; j++)
	{
		t->m.member[t->m.members[j]] = false;
		t->m.attached[t->m.members[j]] = NULL;
	}
	t->m.count = 0;

	if (generation_of(t->vs) == 0 || (t->vs->generation & KEY_MASK) != 0)
		mismatch(t, "reset made the generation bits 0x%016llx",
				 (unsigned long long) t->vs->generation);
	if (generation_of(t->vs) < before)
		wraps++;
	check_shape(t);
	if (check_pool)
		check_all(t);
}

/*
 * Random keys: a member (any key of the pool while there is none), a key
 * of the pool that is probably not a member, or a mix that includes the
 * absent keys.
 */
static int
pick_member(Tester *t)
{
	if (t->m.count == 0)
		return rand_below(t->m.nkeys);
	return t->m.members[rand_below(t->m.count)];
}

static int
pick_non_member(Tester *t)
{
	int			i = rand_below(t->m.nkeys);

	for (int tries = 0; tries < 16 && t->m.member[i]; tries++)
		i = rand_below(t->m.nkeys);
	return i;
}

static int
pick_any(Tester *t)
{
	uint32		r = rand_below(10);

	if (r < 2 && t->m.nabsent > 0)
		return t->m.nkeys + rand_below(t->m.nabsent);
	if (r < 4)
		return pick_member(t);
	return rand_below(t->m.nkeys);
}

/* ------------------------------------------------------------------------
 * Phases
 * ------------------------------------------------------------------------
 */

typedef struct RandomRun
{
	int			nkeys;			/* pool the keys are added from */
	int			expected;		/* for HnswTidSetCreate */
	long		operations;
	int			reset_period;	/* mean operations between resets */
} RandomRun;

static const RandomRun random_runs[] = {
	{16, 1, 700000, 4},			/* ~175,000 resets: wraps twice */
	{300, 0, 150000, 150},
	{5000, 64, 200000, 4000},
	{2000, 2000, 60000, 1500},	/* sized up front: never grows */
	{40000, 1, 400000, 200000}, /* grows to 2^17 slots */
};

/*
 * Random operations; resets come every reset_period operations, give or
 * take half of it, so that the long generations of the last run fill the
 * table past 2^15 members.
 */
static void
phase_random(void)
{
	for (int r = 0; r < (int) lengthof(random_runs); r++)
	{
		const RandomRun *run = &random_runs[r];
		Tester		t;
		long		next_reset;

		tester_init(&t, "random", run->nkeys, 64, run->expected);
		next_reset = run->reset_period / 2 + rand_below(run->reset_period + 1);
		for (long n = 0; n < run->operations; n++)
		{
			uint32		what = rand_below(100);

			if (n == next_reset)
			{
				op_reset(&t, run->nkeys <= 5000);
				next_reset = n + run->reset_period / 2 +
					rand_below(run->reset_period + 1);
			}
			else if (what < 35)
				op_add(&t, pick_non_member(&t));
			else if (what < 45)
				op_add(&t, rand_below(2) ? pick_member(&t) :
					   (int) rand_below(run->nkeys));
			else if (what < 70)
				check_key(&t, pick_any(&t));
			else if (what < 95)
				op_remember(&t, pick_any(&t), random_candidate());
			else
				op_remember(&t, pick_member(&t), NULL);
		}
		check_all(&t);
		tester_done(&t);
	}
}

/*
 * A pool of 3000 keys S, the first 16 of which are checked after every
 * reset; 8 keys T, added in every generation when with_others; and 6000
 * more to grow the table after the wraps.
 */
#define WRAP_S			3000
#define WRAP_SAMPLE		16
#define WRAP_T			8
#define WRAP_MORE		6000

/*
 * Add S in generation g, reset until the generation is g again, and check
 * that no key of S is a member: without the clearing of the slots when the
 * generation wraps, S's slots would be members once more.  Keys added in
 * between (T) take the same few slots in every generation, so most of S's
 * slots stay as S left them.  Three times round: more than 2 x 65,535
 * resets.
 */
static void
phase_wrap(bool with_others)
{
	Tester		t;
	const char *phase = with_others ? "wrap, other keys added" : "wrap";

	tester_init(&t, phase, WRAP_S + WRAP_T + WRAP_MORE, 64, WRAP_S);

	/* start away from generation 1 */
	for (int r = 0; r < 1000; r++)
		op_reset(&t, false);

	for (int round = 0; round < 3; round++)
	{
		uint32		g = generation_of(t.vs);

		for (int i = 0; i < WRAP_S; i++)
		{
			op_add(&t, i);
			if (i % 2)
				op_remember(&t, i, random_candidate());
		}
		check_all(&t);

		for (int r = 1; r <= GENERATIONS; r++)
		{
			op_reset(&t, false);
			if (with_others)
			{
				for (int i = WRAP_S; i < WRAP_S + WRAP_T; i++)
				{
					op_add(&t, i);
					op_remember(&t, i, random_candidate());
				}
			}
			for (int i = 0; i < WRAP_SAMPLE; i++)
				check_key(&t, i);
		}
		if (generation_of(t.vs) != g)
			mismatch(&t, "%d resets took the generation from %u to %u",
					 GENERATIONS, g, generation_of(t.vs));
		check_all(&t);
	}

	/* after the wraps, the set must work as before: fill it and grow it */
	for (int i = 0; i < t.m.nkeys; i++)
	{
		op_add(&t, i);
		if (i % 3)
			op_remember(&t, i, random_candidate());
	}
	for (int i = 0; i < t.m.nkeys; i++)
		op_add(&t, i);
	check_all(&t);
	op_reset(&t, true);
	tester_done(&t);
}

#define GROWTH_S		500
#define GROWTH_T		40000

/*
 * Fill a set created for one member with S (generation g), reset, and
 * fill it with T: every growth (checked by check_shape) must keep the
 * members of T added so far with their candidates, and bring back no key
 * of S.  early: S's generation makes the candidates array; otherwise it
 * is made half-way through T, between two growths.
 */
static void
phase_growth(bool early)
{
	Tester		t;

	tester_init(&t, early ? "growth, candidates from the start" :
				"growth, candidates made half-way", GROWTH_S + GROWTH_T, 64, 1);
	for (int r = 0; r < 7; r++)
		op_reset(&t, false);

	for (int i = 0; i < GROWTH_S; i++)
	{
		op_add(&t, i);
		if (early && i % 3 != 0)
			op_remember(&t, i, random_candidate());
	}
	check_all(&t);
	op_reset(&t, true);

	for (int i = GROWTH_S; i < GROWTH_S + GROWTH_T; i++)
	{
		op_add(&t, i);
		if ((early || i > GROWTH_S + GROWTH_T / 2) && i % 4 != 1)
			op_remember(&t, i, random_candidate());
	}
	check_all(&t);

	/* S again, now over T's slots */
	for (int i = 0; i < GROWTH_S; i++)
	{
		op_add(&t, i);
		check_key(&t, i);
	}
	op_reset(&t, true);
	tester_done(&t);
}

/*
 * Sizes asked for at creation: a negative, zero or huge request must give
 * a working table of 64 to 2^20 slots (a larger set grows as it fills),
 * and a reasonable one a table at most half full at the size requested.
 */
static void
phase_create_sizes(void)
{
	static const int requests[] = {-1, 0, 1, 32, 33, 1 << 19, 1 << 20, INT_MAX};

	for (int i = 0; i < (int) lengthof(requests); i++)
	{
		int			request = requests[i];
		HnswTidSet *vs;
		uint64		size;
		uint64		want;
		uint64		key = HnswTidKey(0xFFFFFFFF, 0xFFFF);

		CurrentMemoryContext = &set_context;
		vs = HnswTidSetCreate(request);
		CurrentMemoryContext = &caller_context;
		size = vs->mask + 1;
		want = Max(64, Min((int64) request * 2, 1 << 20));
		operations += 3;
		if (size < want || size > Max(want * 2, 64) || (size & vs->mask) != 0)
		{
			fprintf(stderr, "MISMATCH create(%d): a table of " UINT64_FORMAT
					" slots\n", request, size);
			mismatches++;
		}
		if (!HnswTidSetAdd(vs, key) || HnswTidSetAdd(vs, key) ||
			!HnswTidSetContains(vs, key))
		{
			fprintf(stderr, "MISMATCH create(%d): adding a key failed\n",
					request);
			mismatches++;
		}
		pfree(vs->slots);
		pfree(vs);
	}
	if (chunks_live != 0)
	{
		fprintf(stderr, "FAIL: create: %ld chunks still allocated\n",
				chunks_live);
		mismatches++;
		chunks_live = 0;
	}
}

int
main(int argc, char **argv)
{
	int			status = 0;

	if (argc > 2)
	{
		fprintf(stderr, "usage: tidset_test [seed]\n");
		return EXIT_ERROR;
	}
	if (argc == 2)
	{
		char	   *end;
		unsigned long long seed = strtoull(argv[1], &end, 0);

		if (*argv[1] == '\0' || *end != '\0')
		{
			fprintf(stderr, "tidset_test: seed must be a number, not "
					"\"%s\"\n", argv[1]);
			return EXIT_ERROR;
		}
		/* xorshift must not start at 0 */
		rng_state = seed ? (uint64) seed : rng_state;
	}
	/* a broken probe loop fails the test instead of hanging it */
	alarm(TIME_LIMIT);

	for (int i = 0; i < (int) lengthof(collider_low); i++)
		collider_low[i] = rand64() &
			((UINT64CONST(1) << COLLIDER_SHIFT) - 1);

	phase_create_sizes();
	phase_random();
	phase_wrap(false);
	phase_wrap(true);
	phase_growth(true);
	phase_growth(false);

	if (caller_allocations > 0)
	{
		fprintf(stderr, "FAIL: %ld allocations in the caller's memory "
				"context; a set must allocate in the one it was created "
				"in\n", caller_allocations);
		mismatches++;
	}
	if (mismatches > 0)
	{
		if (mismatches > MAX_REPORTS)
			fprintf(stderr, "(%ld more mismatches not shown)\n",
					mismatches - MAX_REPORTS);
		printf("FAIL: %ld failed checks in ", mismatches);
		status = EXIT_MISMATCH;
	}
	else if (largest_table < 65536 || wraps < 2)
	{
		/* another seed could do this: the model was not exercised enough */
		printf("ERROR: no table of 2^16 slots or fewer than two generation "
			   "wraps in ");
		status = EXIT_ERROR;
	}
	else
		printf("PASS: ");
	printf("%ld operations (%ld in whole-pool checks), %ld resets (%ld "
		   "generation wraps), %ld growths up to %u slots\n",
		   operations, lookups, resets, wraps, growths, largest_table);
	return status;
}
