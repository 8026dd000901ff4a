/*-------------------------------------------------------------------------
 *
 * hnsw_search.c
 *	  Best-first search over the on-disk graph, shared by scans and inserts.
 *
 * Every element read takes a share lock on its page for as long as it
 * takes to compute one distance and copy what the caller needs; no two
 * buffer locks are ever held at once.  The last page read stays pinned so
 * that consecutive reads from one page cost a single buffer lookup.
 *
 * src/hnsw_search.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>

#include "miscadmin.h"
#include "storage/buf_internals.h"
#include "utils/rel.h"

#include "hnsw.h"

/*
 * Pages pinned at once while evaluating neighbours.  A backend tracks its
 * first 8 pins in a fast array and the rest in a hash table, so batches
 * stay below that.
 */
#define HNSW_PIN_BATCH	6

struct HnswSearchState
{
	Relation	index;
	HnswIndexInfo *info;
	const float *query;
	bool		keep_vectors;
	HnswVisitedSet *visited;
	Buffer		buf;			/* last page read, kept pinned */
	BlockNumber buf_blkno;
	uint64		ndistances;
	uint64		nvisited;		/* elements whose links were read */
	ItemPointerData excluded;	/* heap TID whose lone element is skipped */
	ItemPointerData *links;		/* scratch for one level's links */
	ItemPointerData batch[HNSW_PIN_BATCH];	/* unvisited links being read */
	Buffer		pinned[HNSW_PIN_BATCH]; /* their pages, pinned */
};

/*
 * HnswSearchBegin
 *		Prepare a search for "query" (already normalized for cosine).  With
 *		keep_vectors, every candidate carries a copy of its vector.  A caller
 *		that searches again and again (a scan, rescanned per outer row) can
 *		pass a visited set to reuse; otherwise pass NULL.
 */
HnswSearchState *
HnswSearchBegin(Relation index, HnswIndexInfo *info, const float *query,
				bool keep_vectors, HnswVisitedSet *visited)
{
	HnswSearchState *st = palloc0(sizeof(HnswSearchState));

	st->index = index;
	st->info = info;
	st->query = query;
	st->keep_vectors = keep_vectors;
	st->visited = visited ? visited : HnswVisitedCreate(512);
	st->buf = InvalidBuffer;
	st->buf_blkno = InvalidBlockNumber;
	st->links = palloc(sizeof(ItemPointerData) * 2 * info->m);
	return st;
}

/*
 * HnswSearchEnd
 *		Release the pin kept by the search.  Candidates stay valid.
 */
void
HnswSearchEnd(HnswSearchState *st)
{
	if (BufferIsValid(st->buf))
		ReleaseBuffer(st->buf);
	st->buf = InvalidBuffer;
}

uint64
HnswSearchDistanceCount(HnswSearchState *st)
{
	return st->ndistances;
}

uint64
HnswSearchVisitedCount(HnswSearchState *st)
{
	return st->nvisited;
}

/*
 * HnswSearchExclude
 *		Make the search treat the element that holds only this heap TID as
 *		absent: never a result, never expanded.  hnsw_recall() uses it to
 *		search for a row's own vector as if the row were not indexed.  (The
 *		entry point is used even then: the search has to start somewhere.)
 */
void
HnswSearchExclude(HnswSearchState *st, ItemPointer heap_tid)
{
	st->excluded = *heap_tid;
}

/*
 * SearchReadPage
 *		Return the page of "blkno" share-locked; the caller unlocks with
 *		LockBuffer(st->buf, BUFFER_LOCK_UNLOCK).
 */
static Page
SearchReadPage(HnswSearchState *st, BlockNumber blkno)
{
	if (st->buf_blkno != blkno)
	{
		if (BufferIsValid(st->buf))
			ReleaseBuffer(st->buf);
		st->buf = HnswPinBuffer(st->index, blkno,
								HnswRecentBuffer(st->index, blkno));
		st->buf_blkno = blkno;
	}
	LockBuffer(st->buf, BUFFER_LOCK_SHARE);
	return BufferGetPage(st->buf);
}

/*
 * SearchEvaluateLocked
 *		Compute the distance of the element at offno of a share-locked page
 *		to the query, and return it as a new candidate, or NULL when it is
 *		no nearer than "bound" (or is not an element).
 */
static HnswCandidate *
SearchEvaluateLocked(HnswSearchState *st, Page page, BlockNumber blkno,
					 OffsetNumber offno, float bound)
{
	HnswElementTuple etup = HnswGetTupleOnPage(page, offno);
	HnswCandidate *c;
	float		distance;
	int			dim = st->info->dimensions;

	if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE))
		return NULL;

	distance = st->info->kernel(dim, st->query, HnswElementVector(etup));
	st->ndistances++;
	if (!(distance < bound))
		return NULL;

	c = palloc(sizeof(HnswCandidate));
	c->distance = distance;
	c->blkno = blkno;
	c->offno = offno;
	c->level = etup->level;
	if (etup->flags & HNSW_ELEMENT_EXTERNAL)
	{
		ItemPointer ltid = HnswElementLinks(etup, dim);

		c->links_blkno = ItemPointerGetBlockNumberNoCheck(ltid);
		c->links_offno = ItemPointerGetOffsetNumberNoCheck(ltid);
	}
	else
	{
		c->links_blkno = blkno;
		c->links_offno = offno;
	}
	c->ntids = (etup->flags & HNSW_ELEMENT_DELETED) ? 0 : etup->ntids;
	memcpy(c->tids, etup->tids, sizeof(ItemPointerData) * c->ntids);
	if (st->keep_vectors)
	{
		c->vector = palloc(sizeof(float) * dim);
		memcpy(c->vector, HnswElementVector(etup), sizeof(float) * dim);
	}
	else
		c->vector = NULL;
	return c;
}

/*
 * SearchEvaluate
 *		SearchEvaluateLocked for an element on any page.
 */
static HnswCandidate *
SearchEvaluate(HnswSearchState *st, BlockNumber blkno, OffsetNumber offno,
			   float bound)
{
	Page		page = SearchReadPage(st, blkno);
	HnswCandidate *c = SearchEvaluateLocked(st, page, blkno, offno, bound);

	LockBuffer(st->buf, BUFFER_LOCK_UNLOCK);
	return c;
}

/*
 * HnswSearchReadLinks
 *		Copy the links of a candidate at a level into "out"; returns their
 *		number.  "out" must have room for 2 * m links.
 */
int
HnswSearchReadLinks(HnswSearchState *st, HnswCandidate *c, int level,
					ItemPointerData *out)
{
	Page		page;
	HnswElementTuple tup;
	int			n = 0;

	if (level > c->level)
		return 0;
	page = SearchReadPage(st, c->links_blkno);
	tup = HnswGetTupleOnPage(page, c->links_offno);
	if (tup != NULL && tup->level >= level)
	{
		ItemPointer slots = HnswTupleLinks(tup, st->info->dimensions) +
			HnswLevelSlot(st->info->m, level);
		int			nslots = HnswLinksAtLevel(st->info->m, level);

		while (n < nslots && ItemPointerIsValid(&slots[n]))
		{
			out[n] = slots[n];
			n++;
		}
	}
	LockBuffer(st->buf, BUFFER_LOCK_UNLOCK);
	return n;
}

/*
 * HnswSearchEntryCandidate
 *		Evaluate an element unconditionally (the entry point).
 */
HnswCandidate *
HnswSearchEntryCandidate(HnswSearchState *st, BlockNumber blkno,
						 OffsetNumber offno)
{
	return SearchEvaluate(st, blkno, offno, FLT_MAX);
}

/*
 * HnswSearchLookup
 *		The candidate made of an element by the latest layer search, if any.
 */
HnswCandidate *
HnswSearchLookup(HnswSearchState *st, BlockNumber blkno, OffsetNumber offno)
{
	return HnswVisitedGet(st->visited, HnswTidKey(blkno, offno));
}

/*
 * SearchPinUnvisited
 *		From st->links[*next] on, take up to HNSW_PIN_BATCH links not visited
 *		yet into st->batch, marking them visited and advancing *next; pin
 *		their pages into st->pinned and prefetch their line pointers, then
 *		their tuples.  Returns how many were taken.
 *
 * The prefetches read line pointers without the content lock: a stale
 * value only makes a useless prefetch, which cannot fault, and every real
 * read happens later under the lock.
 */
static int
SearchPinUnvisited(HnswSearchState *st, int *next, int nlinks)
{
	int			n = 0;
	Size		prefetch_bytes = Min(HnswLinksOffset(1, st->info->dimensions),
									 1024);
	Buffer		hints[HNSW_PIN_BATCH];

	/* which are new; prefetch where their pages probably are */
	for (; *next < nlinks && n < HNSW_PIN_BATCH; (*next)++)
	{
		ItemPointer link = &st->links[*next];
		BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(link);
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(link);

		if (!HnswVisitedAdd(st->visited, HnswTidKey(blkno, offno)))
			continue;
		st->batch[n] = *link;
		hints[n] = HnswRecentBuffer(st->index, blkno);
		if (BufferIsValid(hints[n]) && !BufferIsLocal(hints[n]))
		{
			Page		page = BufferGetPage(hints[n]);

			__builtin_prefetch(GetBufferDescriptor(hints[n] - 1));
			__builtin_prefetch(page);
			if (offno >= FirstOffsetNumber && offno <= MaxOffsetNumber)
				__builtin_prefetch(PageGetItemId(page, offno));
		}
		n++;
	}

	/* pin them, then prefetch the tuples */
	for (int i = 0; i < n; i++)
	{
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(&st->batch[i]);
		Page		page;
		char	   *tuple;

		st->pinned[i] = HnswPinBuffer(st->index,
									  ItemPointerGetBlockNumberNoCheck(&st->batch[i]),
									  hints[i]);
		page = BufferGetPage(st->pinned[i]);
		if (offno < FirstOffsetNumber || offno > MaxOffsetNumber)
			continue;
		tuple = (char *) page + ItemIdGetOffset(PageGetItemId(page, offno));
		for (Size off = 0; off < prefetch_bytes &&
			 tuple + off < (char *) page + BLCKSZ; off += 64)
			__builtin_prefetch(tuple + off);
	}
	return n;
}

/*
 * SearchAdmit
 *		Queue a candidate for expansion and, unless it is deleted, make it one
 *		of the ef results, dropping the farthest when there are too many.
 *
 * Deleted elements still lead the search on, but never take a result's
 * place: otherwise a region where many rows were deleted would fill the
 * results with elements that can be neither returned nor linked to.
 */
static inline void
SearchAdmit(HnswCandidate *c, HnswHeap *cand, HnswHeap *res, int ef)
{
	HnswHeapPush(cand, c);
	if (c->ntids == 0)
		return;
	HnswHeapPush(res, c);
	if (res->count > ef)
		HnswHeapPop(res);
}

/*
 * SearchEvaluateBatch
 *		Evaluate the pinned batch from SearchPinUnvisited, adding the elements
 *		nearer than the current ef-th result to both heaps, and unpin it.
 */
static void
SearchEvaluateBatch(HnswSearchState *st, int nbatch, HnswHeap *cand,
					HnswHeap *res, int ef)
{
	for (int i = 0; i < nbatch; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(&st->batch[i]);
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(&st->batch[i]);
		Buffer		buf = st->pinned[i];
		HnswCandidate *nc;
		float		bound;

		bound = res->count < ef ? FLT_MAX : HnswHeapTop(res)->distance;
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		nc = SearchEvaluateLocked(st, BufferGetPage(buf), blkno, offno, bound);
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		ReleaseBuffer(buf);
		if (nc == NULL)
			continue;
		if (nc->ntids == 1 && ItemPointerIsValid(&st->excluded) &&
			ItemPointerEquals(&nc->tids[0], &st->excluded))
			continue;
		HnswVisitedRemember(st->visited, HnswTidKey(blkno, offno), nc);
		SearchAdmit(nc, cand, res, ef);
	}
}

/*
 * HnswSearchLayer
 *		Best-first search of one level from the given entry points (the
 *		paper's SEARCH-LAYER), keeping the ef nearest elements.  Returns a
 *		palloc'd array of candidates, nearest first, and their number.
 */
HnswCandidate **
HnswSearchLayer(HnswSearchState *st, HnswCandidate **entries, int nentries,
				int ef, int level, int *nresults)
{
	HnswHeap	cand;
	HnswHeap	res;
	HnswCandidate **out;
	int			n;

	HnswVisitedReset(st->visited);
	HnswHeapInit(&cand, ef * 2, false);
	HnswHeapInit(&res, ef + 1, true);

	for (int i = 0; i < nentries; i++)
	{
		uint64		key = HnswTidKey(entries[i]->blkno, entries[i]->offno);

		if (!HnswVisitedAdd(st->visited, key))
			continue;
		HnswVisitedRemember(st->visited, key, entries[i]);
		SearchAdmit(entries[i], &cand, &res, ef);
	}

	while (cand.count > 0)
	{
		HnswCandidate *c = HnswHeapPop(&cand);
		int			nlinks;
		int			next;
		int			nbatch;

		if (res.count >= ef && c->distance > HnswHeapTop(&res)->distance)
			break;

		CHECK_FOR_INTERRUPTS();

		st->nvisited++;
		nlinks = HnswSearchReadLinks(st, c, level, st->links);
		next = 0;

		/*
		 * Evaluate the unvisited neighbours, a batch at a time.  Their pages
		 * are pinned and the tuples prefetched first, so the cache misses of
		 * one overlap with the work on the others.
		 */
		while ((nbatch = SearchPinUnvisited(st, &next, nlinks)) > 0)
			SearchEvaluateBatch(st, nbatch, &cand, &res, ef);
	}

	n = res.count;
	out = palloc(sizeof(HnswCandidate *) * Max(n, 1));
	for (int i = n - 1; i >= 0; i--)
		out[i] = HnswHeapPop(&res);
	pfree(cand.items);
	pfree(res.items);
	*nresults = n;
	return out;
}

/*
 * HnswSearchDescend
 *		From the entry point, search greedily (ef = 1) through the levels
 *		above "level"; returns the element to start level "level" from, or
 *		NULL when the graph is empty.
 */
HnswCandidate *
HnswSearchDescend(HnswSearchState *st, HnswMetaPageData *meta, int level)
{
	HnswCandidate *ep;

	if (meta->entry_blkno == InvalidBlockNumber)
		return NULL;
	ep = HnswSearchEntryCandidate(st, meta->entry_blkno, meta->entry_offno);
	if (ep == NULL)
		return NULL;
	for (int lc = meta->entry_level; lc > level; lc--)
	{
		int			n;
		HnswCandidate **w = HnswSearchLayer(st, &ep, 1, 1, lc, &n);

		if (n > 0)
			ep = w[0];
		pfree(w);
	}
	return ep;
}
