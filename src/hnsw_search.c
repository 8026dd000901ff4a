/*-------------------------------------------------------------------------
 *
 * hnsw_search.c
 *	  Best-first search over the on-disk graph, shared by scans, inserts and
 *	  vacuum.
 *
 * Expanding an element reads its links under a share lock on their page.
 * Its new neighbours are then pinned a batch at a time (HNSW_PIN_BATCH
 * pages), and each is first judged from its pinned page without the content
 * lock (SearchMayBeNearer: a filter that may only say "maybe"); one that may
 * be nearer than the worst result is evaluated again under a share lock,
 * which decides.  No two buffer locks are ever held at once, and a lock is
 * held only to compute one distance and copy what the caller needs.  The
 * page the links were last read from stays pinned between expansions, so
 * consecutive reads from one page cost a single buffer lookup.  See
 * "Reading without the content lock" in src/README.md.
 *
 * src/hnsw_search.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

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

/*
 * Distances as the search compares them.  Huge vector components can make
 * a distance infinite, and an inner product of infinities of both signs
 * NaN, which compares false with everything; the search ranks NaN with
 * +inf, the farthest a distance gets.  (The scan returns NaN after +inf, as
 * float8 comparisons order them.)
 */
static inline float
SearchKey(float distance)
{
	return isnan(distance) ? INFINITY : distance;
}

/*
 * A bound admits an element whose key is below it.  This one admits every
 * element, +inf included: NaN compares false with every key.
 */
#define SEARCH_UNBOUNDED	NAN

/*
 * Binary heaps of candidates (hnsw_heap.h).  Each item carries its
 * candidate's search key (negated in the max-heap of results, so that the
 * largest distance is on top): sifting compares keys in the heap's own
 * array and never follows a pointer to a candidate.
 */
typedef struct HeapItem
{
	float		key;
	HnswCandidate *c;
} HeapItem;

#define HEAP_PREFIX		Nearest		/* nearest candidate on top */
#define HEAP_ITEM		HeapItem
#define HEAP_KEY(it)	((it).key)
#include "hnsw_heap.h"

#define HEAP_PREFIX		Farthest	/* farthest result on top */
#define HEAP_ITEM		HeapItem
#define HEAP_KEY(it)	(-(it).key)
#include "hnsw_heap.h"

static inline HeapItem
SearchHeapItem(HnswCandidate *c)
{
	HeapItem	item = {SearchKey(c->distance), c};

	return item;
}

struct HnswSearchState
{
	Relation	index;
	HnswIndexInfo *info;
	const void *query;
	bool		keep_values;
	HnswTidSet *visited;
	Buffer		buf;			/* last page read, kept pinned */
	BlockNumber buf_blkno;
	uint64		ndistances;
	uint64		nvisited;		/* elements whose links were read */
	ItemPointerData excluded;	/* heap TID whose lone element is skipped */
	ItemPointerData *links;		/* scratch for one level's links */
	ItemPointerData *fresh;		/* the links of one expansion not visited yet */
	Buffer	   *hints;			/* where their pages probably are */
	Buffer		pinned[HNSW_PIN_BATCH]; /* pages of a batch of them, pinned */
};

/*
 * HnswSearchBegin
 *		Prepare a search for "query" (already normalized for cosine).  With
 *		keep_values, every candidate carries a copy of its value and can be
 *		found again with HnswSearchLookup (inserts and vacuum use both; scans
 *		need neither, and skip the work).  A caller that searches again and
 *		again (a scan, rescanned per outer row) can pass a visited set to
 *		reuse; otherwise pass NULL.  No buffer is pinned yet; from the first
 *		search on the state keeps one page pinned until HnswSearchEnd.
 */
HnswSearchState *
HnswSearchBegin(Relation index, HnswIndexInfo *info, const void *query,
				bool keep_values, HnswTidSet *visited)
{
	HnswSearchState *st = palloc0(sizeof(HnswSearchState));

	st->index = index;
	st->info = info;
	st->query = query;
	st->keep_values = keep_values;
	st->visited = visited ? visited : HnswTidSetCreate(512);
	st->buf = InvalidBuffer;
	st->buf_blkno = InvalidBlockNumber;
	st->links = palloc(sizeof(ItemPointerData) * 2 * info->m);
	st->fresh = palloc(sizeof(ItemPointerData) * 2 * info->m);
	st->hints = palloc(sizeof(Buffer) * 2 * info->m);
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
 *		no nearer than "bound" (or is not an element).  SEARCH_UNBOUNDED
 *		admits every element.  A damaged tuple raises ERRCODE_INDEX_CORRUPTED
 *		(HnswPageGetTuple).
 */
static HnswCandidate *
SearchEvaluateLocked(HnswSearchState *st, Page page, BlockNumber blkno,
					 OffsetNumber offno, float bound)
{
	HnswElementTuple etup = HnswPageGetTuple(st->index, st->info, page,
											 blkno, offno);
	HnswCandidate *c;
	float		distance;
	int			dim = st->info->dimensions;

	if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE))
		return NULL;

	distance = st->info->kernel(dim, st->query, HnswElementValue(etup));
	if (SearchKey(distance) >= bound)
		return NULL;

	c = palloc(sizeof(HnswCandidate));
	c->distance = distance;
	c->blkno = blkno;
	c->offno = offno;
	c->level = etup->level;
	if (etup->flags & HNSW_ELEMENT_EXTERNAL)
	{
		ItemPointer ltid = HnswElementLinks(etup, st->info->value_size);

		HnswCheckLink(st->index, ltid, blkno, offno);
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
	if (st->keep_values)
	{
		c->value = palloc(st->info->value_size);
		memcpy(c->value, HnswElementValue(etup), st->info->value_size);
	}
	else
		c->value = NULL;
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

	st->ndistances++;

	LockBuffer(st->buf, BUFFER_LOCK_UNLOCK);
	return c;
}

/*
 * SearchReadLinks
 *		Copy the links of a candidate at a level into "out"; returns their
 *		number.  "out" must have room for 2 * m links.  The links are copied
 *		as the page has them: the caller checks each one it follows
 *		(HnswCheckLink) before it pins the page the link names.
 */
static int
SearchReadLinks(HnswSearchState *st, HnswCandidate *c, int level,
					ItemPointerData *out)
{
	Page		page;
	HnswElementTuple tup;
	int			n = 0;

	if (level > c->level)
		return 0;
	page = SearchReadPage(st, c->links_blkno);
	tup = HnswPageGetTuple(st->index, st->info, page, c->links_blkno,
						   c->links_offno);

	/*
	 * The slot may hold another tuple by now (vacuum freed the element and
	 * an insert reused the slot): whatever it is, its own header says where
	 * its links are, and an element with external links has none here.
	 */
	if (tup != NULL && tup->level >= level && HnswTupleHoldsLinks(tup))
	{
		ItemPointer slots = HnswLevelLinks(tup, st->info, level);

		n = HnswUsedLinks(slots, HnswLinksAtLevel(st->info->m, level));
		memcpy(out, slots, sizeof(ItemPointerData) * n);
	}
	LockBuffer(st->buf, BUFFER_LOCK_UNLOCK);
	return n;
}

/*
 * HnswSearchEntryCandidate
 *		Evaluate an element unconditionally (the entry point).  Takes and
 *		releases a share lock on its page; the caller holds no buffer lock.
 */
HnswCandidate *
HnswSearchEntryCandidate(HnswSearchState *st, BlockNumber blkno,
						 OffsetNumber offno)
{
	return SearchEvaluate(st, blkno, offno, SEARCH_UNBOUNDED);
}

/*
 * HnswSearchLookup
 *		The candidate made of an element by the latest layer search, if any
 *		(only for searches begun with keep_values).
 */
HnswCandidate *
HnswSearchLookup(HnswSearchState *st, BlockNumber blkno, OffsetNumber offno)
{
	return HnswTidSetGet(st->visited, HnswTidKey(blkno, offno));
}

/*
 * SearchCollectUnvisited
 *		Copy the links of candidate c not visited yet from st->links to
 *		st->fresh, marking them visited and checking each (HnswCheckLink:
 *		only these are pinned, and a link already visited was checked when
 *		it was first seen), and prefetch the buffer descriptor and the line
 *		pointer of each where its page probably is (its hint, HnswRecentBuffer,
 *		also kept).  Returns how many there are.
 *
 * Prefetching for all of an expansion's new neighbours at once, before
 * the first is pinned, gives these cache misses the most time to resolve.
 */
static int
SearchCollectUnvisited(HnswSearchState *st, HnswCandidate *c, int nlinks)
{
	int			n = 0;

	/* read once: PostgreSQL's -fno-strict-aliasing reloads it per store */
	HnswAmCache *cache = (HnswAmCache *) st->index->rd_amcache;

	for (int i = 0; i < nlinks; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(&st->links[i]);
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(&st->links[i]);
		Buffer		hint;

		if (!HnswTidSetAdd(st->visited, HnswTidKey(blkno, offno)))
			continue;
		if (unlikely(!HnswLinkKnownGood(cache, blkno, offno)))
		{
			HnswCheckLinkSlow(st->index, &st->links[i], c->links_blkno,
							  c->links_offno);
			cache = (HnswAmCache *) st->index->rd_amcache;
		}
		st->fresh[n] = st->links[i];
		hint = HnswCachedBuffer(cache, blkno);
		st->hints[n] = hint;
		if (BufferIsValid(hint) && !BufferIsLocal(hint))
		{
			Page		page = BufferGetPage(hint);

			__builtin_prefetch(GetBufferDescriptor(hint - 1));
			__builtin_prefetch(page);
			if (offno >= FirstOffsetNumber && offno <= MaxOffsetNumber)
				__builtin_prefetch(PageGetItemId(page, offno));
		}
		n++;
	}
	return n;
}

/*
 * SearchPrefetchTuples
 *		Prefetch the header and vector of each element in st->fresh, in the
 *		buffer its hint names, before any of them is pinned.
 *
 * The buffers are neither pinned nor locked yet, so what this reads may be
 * stale or another page altogether; it only decides what to prefetch, and
 * a prefetch of any address inside the buffer pool cannot fault.
 */
static void
SearchPrefetchTuples(HnswSearchState *st, int n)
{
	/* all of each value: at 768 dimensions that beats stopping early */
	Size		prefetch_bytes = HnswLinksOffset(1, st->info->value_size);

	for (int i = 0; i < n; i++)
	{
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(&st->fresh[i]);
		Buffer		hint = st->hints[i];
		Page		page;
		uint32		rawid;
		ItemIdData	itemid;
		Size		start;

		if (!BufferIsValid(hint) || BufferIsLocal(hint) ||
			offno < FirstOffsetNumber || offno > MaxOffsetNumber)
			continue;
		page = BufferGetPage(hint);
		rawid = *(volatile uint32 *) PageGetItemId(page, offno);
		memcpy(&itemid, &rawid, sizeof(itemid));
		start = ItemIdGetOffset(&itemid);
		for (Size off = start; off < start + prefetch_bytes && off < BLCKSZ;
			 off += 64)
			__builtin_prefetch((char *) page + off);
	}
}

/*
 * SearchPinBatch
 *		Pin the pages of st->fresh[first .. first + n) into st->pinned.
 */
static void
SearchPinBatch(HnswSearchState *st, int first, int n)
{
	Assert(n <= HNSW_PIN_BATCH);
	for (int i = 0; i < n; i++)
	{
		ItemPointer link = &st->fresh[first + i];

		st->pinned[i] = HnswPinBuffer(st->index,
									  ItemPointerGetBlockNumberNoCheck(link),
									  st->hints[first + i]);
	}
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
SearchAdmit(HnswCandidate *c, NearestHeap *cand, FarthestHeap *res, int ef)
{
	NearestHeapPush(cand, SearchHeapItem(c));
	if (c->ntids == 0)
		return;
	FarthestHeapPush(res, SearchHeapItem(c));
	if (res->count > ef)
		FarthestHeapPop(res);
}

/*
 * SearchMayBeNearer
 *		Whether the element at offno of a pinned page may be nearer to the
 *		query than "bound", judged without the page's content lock.
 *
 * Most elements a search evaluates turn out farther than its ef-th result
 * and are dropped; this lets them be dropped without locking their page.
 * It is safe because of what can change on a pinned page (see "Reading
 * without the content lock" in src/README.md): an element's vector never
 * changes, and tuples move only when a tuple on the page changes size or is
 * freed.  A read that races with such a move sees a wrong line pointer or
 * wrong bytes; every offset is checked against the page's bounds first, so
 * the read stays inside the pinned buffer, and whatever it computes is only
 * a filter: an element that passes is read again under the lock, which
 * decides.  When in doubt the answer is true.
 */
static inline bool
SearchMayBeNearer(HnswSearchState *st, Page page, OffsetNumber offno,
				  float bound)
{
	int			dim = st->info->dimensions;
	uint32		rawid;
	ItemIdData	itemid;
	char	   *tuple;
	const char *value;
	uint8		flags;
	uint8		ntids;

	if (offno < FirstOffsetNumber ||
		offno > PageGetMaxOffsetNumber(page))
		return true;
	/* read each shared word once: it may change under us */
	rawid = *(volatile uint32 *) PageGetItemId(page, offno);
	memcpy(&itemid, &rawid, sizeof(itemid));
	if (!ItemIdIsNormal(&itemid) ||
		ItemIdGetOffset(&itemid) < SizeOfPageHeaderData ||
		ItemIdGetOffset(&itemid) + ItemIdGetLength(&itemid) > BLCKSZ)
		return true;
	tuple = (char *) page + ItemIdGetOffset(&itemid);
	flags = ((volatile HnswElementTupleData *) tuple)->flags;
	ntids = ((volatile HnswElementTupleData *) tuple)->ntids;
	if ((flags & HNSW_LINKS_TUPLE) ||
		HnswLinksOffset(ntids, st->info->value_size) >
		ItemIdGetLength(&itemid))
		return true;
	value = tuple + HnswValueOffset(ntids);
	return SearchKey(st->info->kernel(dim, st->query, value)) < bound;
}

/*
 * SearchEvaluateBatch
 *		Evaluate the batch SearchPinBatch pinned, adding the elements nearer
 *		than the current ef-th result to both heaps, and unpin it.
 *
 * An element that passes the unlocked filter is evaluated again under a
 * share lock, which gives the distance and heap TIDs that count; its
 * vector is in the cache by then, so the second distance is cheap.
 */
static void
SearchEvaluateBatch(HnswSearchState *st, int first, int nbatch,
					NearestHeap *cand, FarthestHeap *res, int ef)
{
	for (int i = 0; i < nbatch; i++)
	{
		ItemPointer link = &st->fresh[first + i];
		BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(link);
		OffsetNumber offno = ItemPointerGetOffsetNumberNoCheck(link);
		Buffer		buf = st->pinned[i];
		HnswCandidate *nc;
		float		bound;

		/* until there are ef results, every element is one */
		bound = res->count < ef ? SEARCH_UNBOUNDED : res->items[0].key;
		st->ndistances++;
		if (res->count >= ef &&
			!SearchMayBeNearer(st, BufferGetPage(buf), offno, bound))
		{
			ReleaseBuffer(buf);
			continue;
		}
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		nc = SearchEvaluateLocked(st, BufferGetPage(buf), blkno, offno, bound);
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		ReleaseBuffer(buf);
		if (nc == NULL)
			continue;
		if (nc->ntids == 1 && ItemPointerIsValid(&st->excluded) &&
			ItemPointerEquals(&nc->tids[0], &st->excluded))
			continue;
		/* searches that keep vectors may look candidates up again */
		if (st->keep_values)
			HnswTidSetRemember(st->visited, HnswTidKey(blkno, offno), nc);
		SearchAdmit(nc, cand, res, ef);
	}
}

/*
 * HnswSearchLayer
 *		Best-first search of one level from the given entry points (the
 *		paper's SEARCH-LAYER), keeping the ef nearest elements.  Returns a
 *		palloc'd array of candidates, nearest first, and their number.  The
 *		caller holds no buffer lock (the search takes share locks one at a
 *		time); the search returns holding no lock and at most the pin that
 *		HnswSearchEnd releases.  Inserts and vacuum call it holding the
 *		update lock, scans without it.
 */
HnswCandidate **
HnswSearchLayer(HnswSearchState *st, HnswCandidate **entries, int nentries,
				int ef, int level, int *nresults)
{
	NearestHeap cand;
	FarthestHeap res;
	HnswCandidate **out;
	int			n;

	HnswTidSetReset(st->visited);
	NearestHeapInit(&cand, ef * 2);
	FarthestHeapInit(&res, ef + 1);

	for (int i = 0; i < nentries; i++)
	{
		uint64		key = HnswTidKey(entries[i]->blkno, entries[i]->offno);

		if (!HnswTidSetAdd(st->visited, key))
			continue;
		if (st->keep_values)
			HnswTidSetRemember(st->visited, key, entries[i]);
		SearchAdmit(entries[i], &cand, &res, ef);
	}

	while (cand.count > 0)
	{
		HnswCandidate *c = NearestHeapPop(&cand).c;
		int			nlinks;
		int			nfresh;

		if (res.count >= ef && SearchKey(c->distance) > res.items[0].key)
			break;

		CHECK_FOR_INTERRUPTS();

		st->nvisited++;
		nlinks = SearchReadLinks(st, c, level, st->links);
		nfresh = SearchCollectUnvisited(st, c, nlinks);
		SearchPrefetchTuples(st, nfresh);

		/*
		 * Evaluate the new neighbours a batch at a time.  A batch's pages are
		 * pinned and its tuples prefetched first, so that the cache misses of
		 * one element overlap with the work on the others.
		 */
		for (int first = 0; first < nfresh; first += HNSW_PIN_BATCH)
		{
			int			nbatch = Min(HNSW_PIN_BATCH, nfresh - first);

			SearchPinBatch(st, first, nbatch);
			SearchEvaluateBatch(st, first, nbatch, &cand, &res, ef);
		}
	}

	n = res.count;
	out = palloc(sizeof(HnswCandidate *) * Max(n, 1));
	for (int i = n - 1; i >= 0; i--)
		out[i] = FarthestHeapPop(&res).c;
	pfree(cand.items);
	pfree(res.items);
	*nresults = n;
	return out;
}

/*
 * SearchEntryIsElement
 *		Whether the entry point the meta page names is an element tuple.
 */
static bool
SearchEntryIsElement(HnswSearchState *st, HnswMetaPageData *meta)
{
	Page		page = SearchReadPage(st, meta->entry_blkno);
	HnswElementTuple etup = HnswPageGetTuple(st->index, st->info, page,
											 meta->entry_blkno,
											 meta->entry_offno);
	bool		found = etup != NULL && !(etup->flags & HNSW_LINKS_TUPLE);

	LockBuffer(st->buf, BUFFER_LOCK_UNLOCK);
	return found;
}

/*
 * HnswSearchDescend
 *		From the entry point, search greedily (ef = 1) through the levels
 *		above "level"; returns the element to start level "level" from, or
 *		NULL when the graph is empty.  *meta is the meta page as the caller
 *		read it, and is read again if the entry point has moved.  Locks as
 *		HnswSearchLayer does; the caller holds no buffer lock.
 *
 * Vacuum moves the entry point off a deleted element before it frees the
 * element, so an entry point that is no element once the meta page has
 * been read again (and names it still) is damage.
 */
HnswCandidate *
HnswSearchDescend(HnswSearchState *st, HnswMetaPageData *meta, int level)
{
	HnswCandidate *ep;

	for (int attempt = 0;; attempt++)
	{
		ItemPointerData entry;
		HnswMetaPageData again;

		if (meta->entry_blkno == InvalidBlockNumber)
			return NULL;
		ItemPointerSet(&entry, meta->entry_blkno, meta->entry_offno);
		HnswCheckLink(st->index, &entry, HNSW_METAPAGE_BLKNO,
					  InvalidOffsetNumber);
		ep = HnswSearchEntryCandidate(st, meta->entry_blkno,
									  meta->entry_offno);
		if (ep != NULL)
			break;

		/* not evaluated: moved meanwhile, damaged, or no finite distance */
		HnswReadMeta(st->index, &again);
		if (again.entry_blkno == meta->entry_blkno &&
			again.entry_offno == meta->entry_offno)
		{
			if (!SearchEntryIsElement(st, meta))
				HnswCorrupt(st->index, HNSW_METAPAGE_BLKNO, InvalidOffsetNumber,
							"The entry point (%u,%u) is not an element.",
							meta->entry_blkno, meta->entry_offno);
			return NULL;
		}
		*meta = again;
		if (attempt >= 3)
			return NULL;
	}
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
