/*-------------------------------------------------------------------------
 *
 * hnsw_visited.c
 *	  The set of elements a search has visited.
 *
 * An open-addressing hash table of element TIDs.  Every slot carries the
 * generation that filled it, so emptying the set between searches (or
 * between the levels of one search) is a counter increment rather than a
 * memset of the whole table.
 *
 * src/hnsw_visited.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"

#include "hnsw.h"

static inline uint32
VisitedHash(uint64 key)
{
	return murmurhash32((uint32) (key ^ (key >> 29)));
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

	while (size < (uint32) expected * 2)
		size *= 2;
	vs->mask = size - 1;
	vs->count = 0;
	vs->generation = 1;
	vs->slots = palloc0(sizeof(HnswVisitedSlot) * size);
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
	if (++vs->generation == 0)
	{
		/* the generation wrapped: really clear the slots, once */
		memset(vs->slots, 0, sizeof(HnswVisitedSlot) * (vs->mask + 1));
		vs->generation = 1;
	}
}

static HnswVisitedSlot *
VisitedProbe(HnswVisitedSet *vs, uint64 key)
{
	uint32		i = VisitedHash(key) & vs->mask;

	for (;;)
	{
		HnswVisitedSlot *slot = &vs->slots[i];

		if (slot->generation != vs->generation || slot->key == key)
			return slot;
		i = (i + 1) & vs->mask;
	}
}

/*
 * VisitedGrow
 *		Double the table, keeping the current members.
 */
static void
VisitedGrow(HnswVisitedSet *vs)
{
	HnswVisitedSlot *old = vs->slots;
	uint32		oldsize = vs->mask + 1;
	uint32		generation = vs->generation;

	vs->mask = oldsize * 2 - 1;
	/* in the set's own context: it may outlive the caller's */
	vs->slots = MemoryContextAllocZero(vs->cxt,
									   sizeof(HnswVisitedSlot) * (vs->mask + 1));
	for (uint32 i = 0; i < oldsize; i++)
	{
		if (old[i].generation == generation)
			*VisitedProbe(vs, old[i].key) = old[i];
	}
	pfree(old);
}

/*
 * HnswVisitedAdd
 *		Add a key; returns false when it was already there.
 */
bool
HnswVisitedAdd(HnswVisitedSet *vs, uint64 key)
{
	HnswVisitedSlot *slot;

	if ((vs->count + 1) * 2 > vs->mask + 1)
		VisitedGrow(vs);
	slot = VisitedProbe(vs, key);
	if (slot->generation == vs->generation)
		return false;
	slot->generation = vs->generation;
	slot->key = key;
	slot->candidate = NULL;
	vs->count++;
	return true;
}

/*
 * HnswVisitedGet
 *		The candidate remembered for a member, or NULL.
 */
HnswCandidate *
HnswVisitedGet(HnswVisitedSet *vs, uint64 key)
{
	HnswVisitedSlot *slot = VisitedProbe(vs, key);

	return slot->generation == vs->generation ? slot->candidate : NULL;
}

/*
 * HnswVisitedRemember
 *		Attach a candidate to a member (added before).
 */
void
HnswVisitedRemember(HnswVisitedSet *vs, uint64 key, HnswCandidate *c)
{
	HnswVisitedSlot *slot = VisitedProbe(vs, key);

	if (slot->generation == vs->generation)
		slot->candidate = c;
}

/*
 * HnswVisitedContains
 *		Is the key a member?
 */
bool
HnswVisitedContains(HnswVisitedSet *vs, uint64 key)
{
	return VisitedProbe(vs, key)->generation == vs->generation;
}
