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

	while (size < (uint32) expected * 2)
		size *= 2;
	vs->mask = size - 1;
	vs->count = 0;
	vs->generation = GENERATION_ONE;
	vs->slots = palloc0(sizeof(uint64) * size);
	vs->candidates = NULL;
	vs->cxt = CurrentMemoryContext;
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
	uint32		oldsize = vs->mask + 1;

	vs->mask = oldsize * 2 - 1;
	/* in the set's own context: it may outlive the caller's */
	vs->slots = MemoryContextAllocZero(vs->cxt, sizeof(uint64) * (vs->mask + 1));
	if (oldcand)
		vs->candidates = MemoryContextAllocZero(vs->cxt,
												sizeof(HnswCandidate *) *
												(vs->mask + 1));
	for (uint32 i = 0; i < oldsize; i++)
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
		vs->candidates = MemoryContextAllocZero(vs->cxt,
												sizeof(HnswCandidate *) *
												(vs->mask + 1));
	vs->candidates[slot - vs->slots] = c;
}
