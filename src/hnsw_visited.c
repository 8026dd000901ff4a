/*-------------------------------------------------------------------------
 *
 * hnsw_visited.c
 *	  The set of elements a search has visited.
 *
 * An open-addressing hash table of element TIDs with linear probing, kept
 * at most half full.  Every slot carries the generation that filled it, so
 * emptying the set between searches (or between the levels of one search)
 * is a counter increment rather than a memset of the whole table.  Adding
 * and testing keys are inline (hnsw.h): they run once per neighbour a
 * search looks at.
 *
 * A search may also attach a candidate to a member (inserts look up what
 * the search made of an element); that array is made only when first
 * needed, so that scans, which never attach anything, do not touch it.
 *
 * src/hnsw_visited.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw.h"

#define GENERATION_ONE	(UINT64CONST(1) << HNSW_VISITED_GEN_SHIFT)

/* The largest table made up front; larger sets grow as they fill */
#define VISITED_MAX_INITIAL	(1 << 20)

/*
 * A zeroed array; huge allowed, since a set of every row of a big table
 * (hnsw_verify's heap TIDs) can need more than 1 GB.
 */
static void *
VisitedAllocZero(MemoryContext cxt, Size size)
{
	return MemoryContextAllocExtended(cxt, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static int
VisitedShift(uint64 size)
{
	int			shift = 64;

	while (size > 1)
	{
		size >>= 1;
		shift--;
	}
	return shift;
}

/*
 * HnswVisitedCreate
 *		A set sized for about "expected" members (it grows as needed), in
 *		the current memory context.
 */
HnswVisitedSet *
HnswVisitedCreate(int expected)
{
	HnswVisitedSet *vs = palloc(sizeof(HnswVisitedSet));
	uint32		size = 64;

	while (size < VISITED_MAX_INITIAL && (int64) size < (int64) expected * 2)
		size *= 2;
	vs->mask = size - 1;
	vs->shift = VisitedShift(size);
	vs->count = 0;
	vs->generation = GENERATION_ONE;
	vs->cxt = CurrentMemoryContext;
	vs->slots = VisitedAllocZero(vs->cxt, sizeof(uint64) * size);
	vs->candidates = NULL;
	return vs;
}

/*
 * HnswVisitedReset
 *		Empty the set.
 */
void
HnswVisitedReset(HnswVisitedSet *vs)
{
	vs->count = 0;
	vs->generation += GENERATION_ONE;
	if (vs->generation == 0)
	{
		/* the generation wrapped: really clear the slots, once */
		memset(vs->slots, 0, sizeof(uint64) * (vs->mask + 1));
		vs->generation = GENERATION_ONE;
	}
}

/*
 * HnswVisitedGrow
 *		Double the table, keeping the current members (and their
 *		candidates).
 */
void
HnswVisitedGrow(HnswVisitedSet *vs)
{
	uint64	   *old = vs->slots;
	HnswCandidate **oldcand = vs->candidates;
	uint64		oldsize = vs->mask + 1;

	vs->mask = oldsize * 2 - 1;
	vs->shift = VisitedShift(oldsize * 2);
	/* in the set's own context: it may outlive the caller's */
	vs->slots = VisitedAllocZero(vs->cxt, sizeof(uint64) * (vs->mask + 1));
	if (oldcand)
		vs->candidates = VisitedAllocZero(vs->cxt,
										  sizeof(HnswCandidate *) *
										  (vs->mask + 1));
	for (uint64 i = 0; i < oldsize; i++)
	{
		uint64	   *slot;

		if ((old[i] & HNSW_VISITED_GEN_MASK) != vs->generation)
			continue;
		slot = HnswVisitedProbe(vs, old[i] & ~HNSW_VISITED_GEN_MASK);
		*slot = old[i];
		if (oldcand)
			vs->candidates[slot - vs->slots] = oldcand[i];
	}
	pfree(old);
	if (oldcand)
		pfree(oldcand);
}

/*
 * HnswVisitedGet
 *		The candidate attached to a member, or NULL.
 */
HnswCandidate *
HnswVisitedGet(HnswVisitedSet *vs, uint64 key)
{
	uint64	   *slot = HnswVisitedProbe(vs, key);

	if ((*slot & HNSW_VISITED_GEN_MASK) != vs->generation ||
		vs->candidates == NULL)
		return NULL;
	return vs->candidates[slot - vs->slots];
}

/*
 * HnswVisitedRemember
 *		Attach a candidate to a member (added before); nothing happens for
 *		a key that is not a member.
 */
void
HnswVisitedRemember(HnswVisitedSet *vs, uint64 key, HnswCandidate *c)
{
	uint64	   *slot = HnswVisitedProbe(vs, key);

	if ((*slot & HNSW_VISITED_GEN_MASK) != vs->generation)
		return;
	if (vs->candidates == NULL)
		vs->candidates = VisitedAllocZero(vs->cxt,
										  sizeof(HnswCandidate *) *
										  (vs->mask + 1));
	vs->candidates[slot - vs->slots] = c;
}
