/*-------------------------------------------------------------------------
 *
 * hnsw_tidset.c
 *	  A set of index TIDs: the elements a search has visited.
 *
 * An open-addressing hash table of element TIDs with linear probing, kept
 * at most half full.  Every slot carries the generation that filled it, so
 * emptying the set between searches (or between the levels of one search)
 * is a counter increment rather than a memset of the whole table.  Adding
 * and testing keys are inline (hnsw_tidset.h): they run once per neighbour a
 * search looks at.
 *
 * A search may also attach a candidate to a member (inserts look up what
 * the search made of an element); that array is made only when first
 * needed, so that scans, which never attach anything, do not touch it.
 *
 * src/hnsw_tidset.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw_tidset.h"

#define GENERATION_ONE	(UINT64CONST(1) << HNSW_TIDSET_GEN_SHIFT)

/* The largest table made up front; larger sets grow as they fill */
#define TIDSET_MAX_INITIAL	(1 << 20)

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
 * HnswTidSetCreate
 *		A set sized for about "expected" members (it grows as needed), in
 *		the current memory context.
 */
HnswTidSet *
HnswTidSetCreate(int expected)
{
	HnswTidSet *vs = palloc(sizeof(HnswTidSet));
	uint32		size = 64;

	while (size < TIDSET_MAX_INITIAL && (int64) size < (int64) expected * 2)
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
 * HnswTidSetReset
 *		Empty the set.
 */
void
HnswTidSetReset(HnswTidSet *vs)
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
 * HnswTidSetGrow
 *		Double the table, keeping the current members (and their
 *		candidates).
 */
void
HnswTidSetGrow(HnswTidSet *vs)
{
	uint64	   *old = vs->slots;
	struct HnswCandidate **oldcand = vs->candidates;
	uint64		oldsize = vs->mask + 1;

	vs->mask = oldsize * 2 - 1;
	vs->shift = VisitedShift(oldsize * 2);
	/* in the set's own context: it may outlive the caller's */
	vs->slots = VisitedAllocZero(vs->cxt, sizeof(uint64) * (vs->mask + 1));
	if (oldcand)
		vs->candidates = VisitedAllocZero(vs->cxt,
										  sizeof(struct HnswCandidate *) *
										  (vs->mask + 1));
	for (uint64 i = 0; i < oldsize; i++)
	{
		uint64	   *slot;

		if ((old[i] & HNSW_TIDSET_GEN_MASK) != vs->generation)
			continue;
		slot = HnswTidSetProbe(vs, old[i] & ~HNSW_TIDSET_GEN_MASK);
		*slot = old[i];
		if (oldcand)
			vs->candidates[slot - vs->slots] = oldcand[i];
	}
	pfree(old);
	if (oldcand)
		pfree(oldcand);
}

/*
 * HnswTidSetGet
 *		The candidate attached to a member, or NULL.
 */
struct HnswCandidate *
HnswTidSetGet(HnswTidSet *vs, uint64 key)
{
	uint64	   *slot = HnswTidSetProbe(vs, key);

	if ((*slot & HNSW_TIDSET_GEN_MASK) != vs->generation ||
		vs->candidates == NULL)
		return NULL;
	return vs->candidates[slot - vs->slots];
}

/*
 * HnswTidSetRemember
 *		Attach a candidate to a member (added before); nothing happens for
 *		a key that is not a member.
 */
void
HnswTidSetRemember(HnswTidSet *vs, uint64 key, struct HnswCandidate *c)
{
	uint64	   *slot = HnswTidSetProbe(vs, key);

	if ((*slot & HNSW_TIDSET_GEN_MASK) != vs->generation)
		return;
	if (vs->candidates == NULL)
		vs->candidates = VisitedAllocZero(vs->cxt,
										  sizeof(struct HnswCandidate *) *
										  (vs->mask + 1));
	vs->candidates[slot - vs->slots] = c;
}
