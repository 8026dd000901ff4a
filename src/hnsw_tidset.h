/*-------------------------------------------------------------------------
 *
 * hnsw_tidset.h
 *	  A set of index TIDs that empties in constant time, optionally mapping
 *	  each member to a search candidate: the elements a search has visited.
 *
 * src/hnsw_tidset.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HNSW_TIDSET_H
#define HNSWEXT_HNSW_TIDSET_H

#include "postgres.h"

#include "storage/block.h"
#include "storage/off.h"
#include "utils/palloc.h"

struct HnswCandidate;

/*
 * Keys are HnswTidKey values (48 bits).  A slot holds a key with the
 * generation that added it in the top 16 bits, so a slot is a member only
 * when its generation is the set's, and emptying the set is an increment.
 * Eight bytes a slot keep the table of one search in the L1 cache.
 */
#define HNSW_TIDSET_GEN_SHIFT	48
#define HNSW_TIDSET_GEN_MASK	(~UINT64CONST(0) << HNSW_TIDSET_GEN_SHIFT)

typedef struct HnswTidSet
{
	uint64	   *slots;			/* key | generation; see above */
	struct HnswCandidate **candidates; /* beside the slots; made on first use */
	uint64		mask;			/* table size - 1 (a power of 2) */
	int			shift;			/* 64 - log2(table size) */
	uint64		count;			/* members */
	uint64		generation;		/* the set's, shifted to the top bits */
	MemoryContext cxt;			/* where the arrays are allocated */
} HnswTidSet;

#define HnswTidKey(blkno, offno)	(((uint64) (blkno) << 16) | (offno))

extern HnswTidSet *HnswTidSetCreate(int expected);
extern void HnswTidSetReset(HnswTidSet *vs);
extern void HnswTidSetGrow(HnswTidSet *vs);
extern struct HnswCandidate *HnswTidSetGet(HnswTidSet *vs, uint64 key);
extern void HnswTidSetRemember(HnswTidSet *vs, uint64 key,
								struct HnswCandidate *c);

/* The slot of a key: its own if a member, else the empty one to take */
static inline uint64 *
HnswTidSetProbe(HnswTidSet *vs, uint64 key)
{
	uint64		member = key | vs->generation;
	/* Fibonacci hashing: the product's top bits depend on every key bit */
	uint64		i = (key * UINT64CONST(0x9E3779B97F4A7C15)) >> vs->shift;

	for (;;)
	{
		uint64	   *slot = &vs->slots[i];

		if ((*slot & HNSW_TIDSET_GEN_MASK) != vs->generation ||
			*slot == member)
			return slot;
		i = (i + 1) & vs->mask;
	}
}

/* Add a key; returns false when it was already there */
static inline bool
HnswTidSetAdd(HnswTidSet *vs, uint64 key)
{
	uint64	   *slot;

	Assert((key & HNSW_TIDSET_GEN_MASK) == 0);
	if (unlikely((vs->count + 1) * 2 > vs->mask + 1))
		HnswTidSetGrow(vs);
	slot = HnswTidSetProbe(vs, key);
	if ((*slot & HNSW_TIDSET_GEN_MASK) == vs->generation)
		return false;
	*slot = key | vs->generation;
	if (vs->candidates)
		vs->candidates[slot - vs->slots] = NULL;
	vs->count++;
	return true;
}

/* Bytes the set's arrays take (they grow with the members, never shrink) */
static inline Size
HnswTidSetBytes(HnswTidSet *vs)
{
	Size		nslots = vs->mask + 1;

	return nslots * sizeof(uint64) +
		(vs->candidates ? nslots * sizeof(struct HnswCandidate *) : 0);
}

/* Is the key a member? */
static inline bool
HnswTidSetContains(HnswTidSet *vs, uint64 key)
{
	return (*HnswTidSetProbe(vs, key) & HNSW_TIDSET_GEN_MASK) ==
		vs->generation;
}

#endif							/* HNSWEXT_HNSW_TIDSET_H */
