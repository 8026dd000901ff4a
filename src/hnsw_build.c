/*-------------------------------------------------------------------------
 *
 * hnsw_build.c
 *	  Build an HNSW index: the graph is built in memory, then written out
 *	  page by page and WAL-logged in bulk.
 *
 * The in-memory graph keeps each element's vector and level-0 links in one
 * fixed-size slot of a chunked array, as in-process HNSW libraries do, so
 * the build runs at in-memory speed.  When the graph outgrows
 * maintenance_work_mem, what was built so far is written out and the
 * remaining rows go through the ordinary on-disk insert path, which is
 * slower; a NOTICE says so.
 *
 * src/hnsw_build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

/* Elements per chunk of the in-memory graph */
#define BUILD_CHUNK_SHIFT	12
#define BUILD_CHUNK_SIZE	(1 << BUILD_CHUNK_SHIFT)

/*
 * Per-element metadata of the in-memory graph.  The vector and level-0
 * links live in the chunk arrays; links above level 0 in "upper".
 */
typedef struct BuildElement
{
	ItemPointerData tids[HNSW_MAX_HEAPTIDS];
	uint8		ntids;
	uint8		level;
	uint32		visited;		/* epoch of the last search that saw it */
	uint32	   *upper;			/* per level >= 1: count, then m ids */
	BlockNumber blkno;			/* position assigned when written out */
	OffsetNumber offno;
	BlockNumber links_blkno;
	OffsetNumber links_offno;
} BuildElement;

/* A (distance, element) pair in the build's heaps */
typedef struct BuildPair
{
	float		distance;
	uint32		id;
} BuildPair;

typedef struct BuildPairHeap
{
	int			count;
	int			capacity;
	bool		max_heap;
	BuildPair  *items;
} BuildPairHeap;

typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	HnswIndexInfo info;
	int			dim;
	int			m;
	int			ef_construction;

	/* in-memory graph */
	Size		slot_size;		/* vector + level-0 count + 2m ids */
	Size		links_offset;	/* of the level-0 count within a slot */
	char	  **chunks;
	BuildElement **meta_chunks;
	int			nchunks;
	int			max_chunks;
	uint32		nelements;
	int64		entry;			/* -1 when empty */
	int			entry_level;
	uint32		epoch;

	/* scratch for searches and neighbour selection */
	BuildPairHeap candidates;
	BuildPairHeap results;
	BuildPair  *layer_results[HNSW_MAX_LEVEL + 1];
	int			layer_nresults[HNSW_MAX_LEVEL + 1];
	BuildPair  *backlink_pairs;
	float	   *select_dist;
	int		   *selected;
	uint32	   *select_ids;
	float	   *vector;			/* the row being inserted */

	/* memory accounting and spilling to disk */
	Size		memory_used;
	Size		memory_limit;
	bool		on_disk;		/* graph written out; insert row by row */

	double		indtuples;
	double		reltuples;
	MemoryContext graph_ctx;
	MemoryContext tuple_ctx;
} HnswBuildState;

static inline float *
BuildVector(HnswBuildState *bs, uint32 id)
{
	return (float *) (bs->chunks[id >> BUILD_CHUNK_SHIFT] +
					  (Size) (id & (BUILD_CHUNK_SIZE - 1)) * bs->slot_size);
}

static inline BuildElement *
BuildMeta(HnswBuildState *bs, uint32 id)
{
	return &bs->meta_chunks[id >> BUILD_CHUNK_SHIFT][id & (BUILD_CHUNK_SIZE - 1)];
}

/* Links of an element at a level: count first, then ids */
static inline uint32 *
BuildLinks(HnswBuildState *bs, uint32 id, int level)
{
	if (level == 0)
		return (uint32 *) ((char *) BuildVector(bs, id) + bs->links_offset);
	return BuildMeta(bs, id)->upper + (Size) (level - 1) * (bs->m + 1);
}

static inline float
BuildDistance(HnswBuildState *bs, const float *a, uint32 b)
{
	return bs->info.kernel(bs->dim, a, BuildVector(bs, b));
}

/* Pair heaps */

static inline bool
PairAbove(BuildPairHeap *h, const BuildPair *a, const BuildPair *b)
{
	return h->max_heap ? a->distance > b->distance : a->distance < b->distance;
}

static void
PairPush(BuildPairHeap *h, float distance, uint32 id)
{
	int			i;
	BuildPair	p = {distance, id};

	if (h->count >= h->capacity)
	{
		h->capacity *= 2;
		h->items = repalloc(h->items, sizeof(BuildPair) * h->capacity);
	}
	i = h->count++;

	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!PairAbove(h, &p, &h->items[parent]))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = p;
}

static BuildPair
PairPop(BuildPairHeap *h)
{
	BuildPair	top = h->items[0];
	BuildPair	last = h->items[--h->count];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= h->count)
			break;
		if (child + 1 < h->count &&
			PairAbove(h, &h->items[child + 1], &h->items[child]))
			child++;
		if (!PairAbove(h, &h->items[child], &last))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->count > 0)
		h->items[i] = last;
	return top;
}

static int
PairCompare(const void *a, const void *b)
{
	float		da = ((const BuildPair *) a)->distance;
	float		db = ((const BuildPair *) b)->distance;

	return (da > db) - (da < db);
}

/*
 * BuildSearchLayer
 *		Best-first search of one level from the given entry points, keeping
 *		the ef nearest elements.  Results are returned in "out", nearest
 *		first; the return value is their number.
 */
static int
BuildSearchLayer(HnswBuildState *bs, const float *q, BuildPair *entries,
				 int nentries, int ef, int level, BuildPair *out)
{
	BuildPairHeap *cand = &bs->candidates;
	BuildPairHeap *res = &bs->results;
	uint32		epoch = ++bs->epoch;
	int			n;

	cand->count = 0;
	res->count = 0;
	for (int i = 0; i < nentries; i++)
	{
		BuildMeta(bs, entries[i].id)->visited = epoch;
		PairPush(cand, entries[i].distance, entries[i].id);
		PairPush(res, entries[i].distance, entries[i].id);
	}
	while (res->count > ef)
		PairPop(res);

	while (cand->count > 0)
	{
		BuildPair	c = PairPop(cand);
		uint32	   *links;
		uint32		nlinks;

		if (res->count >= ef && c.distance > res->items[0].distance)
			break;

		links = BuildLinks(bs, c.id, level);
		nlinks = links[0];
		for (uint32 i = 1; i <= nlinks; i++)
		{
			uint32		e = links[i];
			BuildElement *em = BuildMeta(bs, e);
			float		d;

			if (em->visited == epoch)
				continue;
			em->visited = epoch;
			if (i + 1 <= nlinks)
				__builtin_prefetch(BuildVector(bs, links[i + 1]));
			d = BuildDistance(bs, q, e);
			if (res->count < ef || d < res->items[0].distance)
			{
				PairPush(cand, d, e);
				PairPush(res, d, e);
				if (res->count > ef)
					PairPop(res);
			}
		}
	}

	n = res->count;
	memcpy(out, res->items, sizeof(BuildPair) * n);
	qsort(out, n, sizeof(BuildPair), PairCompare);
	return n;
}

/* Pair distance callback of the selection heuristic */
static float
BuildPairDistance(void *arg, int a, int b)
{
	HnswBuildState *bs = (HnswBuildState *) arg;

	return BuildDistance(bs, BuildVector(bs, bs->select_ids[a]),
						 bs->select_ids[b]);
}

/*
 * BuildSelect
 *		Run the heuristic over sorted pairs; writes the kept ids into
 *		links[1..] and their number into links[0].
 */
static void
BuildSelect(HnswBuildState *bs, BuildPair *pairs, int npairs, int limit,
			uint32 *links)
{
	int			nselected;

	for (int i = 0; i < npairs; i++)
	{
		bs->select_dist[i] = pairs[i].distance;
		bs->select_ids[i] = pairs[i].id;
	}
	nselected = HnswSelectNeighbors(bs->select_dist, npairs, limit,
									BuildPairDistance, bs, bs->selected);
	for (int i = 0; i < nselected; i++)
		links[i + 1] = bs->select_ids[bs->selected[i]];
	links[0] = nselected;
}

/*
 * BuildAddBacklink
 *		Add "id" to the links of "to" at a level, shrinking the list with the
 *		heuristic when it is full.
 */
static void
BuildAddBacklink(HnswBuildState *bs, uint32 to, uint32 id, int level)
{
	uint32	   *links = BuildLinks(bs, to, level);
	int			limit = HnswLinksAtLevel(bs->m, level);
	const float *tovec = BuildVector(bs, to);
	BuildPair  *pairs;
	int			npairs = 0;

	if ((int) links[0] < limit)
	{
		links[++links[0]] = id;
		return;
	}

	pairs = bs->backlink_pairs;
	for (uint32 i = 1; i <= links[0]; i++)
	{
		pairs[npairs].id = links[i];
		pairs[npairs++].distance = BuildDistance(bs, tovec, links[i]);
	}
	pairs[npairs].id = id;
	pairs[npairs++].distance = BuildDistance(bs, tovec, id);
	qsort(pairs, npairs, sizeof(BuildPair), PairCompare);
	BuildSelect(bs, pairs, npairs, limit, links);
}

/*
 * BuildAddElementSlot
 *		Reserve the next element slot, adding a chunk when needed.
 */
static uint32
BuildAddElementSlot(HnswBuildState *bs)
{
	uint32		id = bs->nelements;

	if ((id >> BUILD_CHUNK_SHIFT) >= (uint32) bs->nchunks)
	{
		MemoryContext old = MemoryContextSwitchTo(bs->graph_ctx);

		if (bs->nchunks == bs->max_chunks)
		{
			bs->max_chunks *= 2;
			bs->chunks = repalloc(bs->chunks, sizeof(char *) * bs->max_chunks);
			bs->meta_chunks = repalloc(bs->meta_chunks,
									   sizeof(BuildElement *) * bs->max_chunks);
		}
		bs->chunks[bs->nchunks] =
			MemoryContextAllocHuge(bs->graph_ctx,
								   bs->slot_size * BUILD_CHUNK_SIZE);
		bs->meta_chunks[bs->nchunks] =
			palloc0(sizeof(BuildElement) * BUILD_CHUNK_SIZE);
		bs->memory_used += (bs->slot_size + sizeof(BuildElement)) *
			BUILD_CHUNK_SIZE;
		bs->nchunks++;
		MemoryContextSwitchTo(old);
	}
	bs->nelements++;
	return id;
}

/*
 * BuildInsert
 *		Insert one row into the in-memory graph.
 */
static void
BuildInsert(HnswBuildState *bs, const float *vec, ItemPointer tid)
{
	int			level = HnswRandomLevel(bs->m);
	BuildPair	ep;
	int			top;
	uint32		id;
	BuildElement *em;

	if (bs->entry >= 0)
	{
		ep.id = (uint32) bs->entry;
		ep.distance = BuildDistance(bs, vec, ep.id);

		/* greedy descent through the levels above the new element's */
		for (int lc = bs->entry_level; lc > level; lc--)
		{
			bool		moved = true;

			while (moved)
			{
				uint32	   *links = BuildLinks(bs, ep.id, lc);

				moved = false;
				for (uint32 i = 1; i <= links[0]; i++)
				{
					float		d = BuildDistance(bs, vec, links[i]);

					if (d < ep.distance)
					{
						ep.distance = d;
						ep.id = links[i];
						moved = true;
					}
				}
			}
		}

		/* search each level the new element joins, keeping the results */
		top = Min(level, bs->entry_level);
		for (int lc = top; lc >= 0; lc--)
		{
			BuildPair  *entries = (lc == top) ? &ep : bs->layer_results[lc + 1];
			int			nentries = (lc == top) ? 1 : bs->layer_nresults[lc + 1];

			bs->layer_nresults[lc] =
				BuildSearchLayer(bs, vec, entries, nentries,
								 bs->ef_construction, lc,
								 bs->layer_results[lc]);
		}

		/* an identical vector already indexed takes the heap TID */
		if (bs->layer_nresults[0] > 0 && bs->layer_results[0][0].distance <= 0)
		{
			uint32		dup = bs->layer_results[0][0].id;

			em = BuildMeta(bs, dup);
			if (em->ntids < HNSW_MAX_HEAPTIDS &&
				memcmp(BuildVector(bs, dup), vec, sizeof(float) * bs->dim) == 0)
			{
				em->tids[em->ntids++] = *tid;
				return;
			}
		}
	}
	else
		top = -1;

	/* a new element */
	id = BuildAddElementSlot(bs);
	em = BuildMeta(bs, id);
	memset(em, 0, sizeof(BuildElement));
	em->tids[0] = *tid;
	em->ntids = 1;
	em->level = level;
	memcpy(BuildVector(bs, id), vec, sizeof(float) * bs->dim);
	BuildLinks(bs, id, 0)[0] = 0;
	if (level > 0)
	{
		em->upper = MemoryContextAllocZero(bs->graph_ctx,
										   sizeof(uint32) * (bs->m + 1) * level);
		bs->memory_used += sizeof(uint32) * (bs->m + 1) * level;
	}

	for (int lc = top; lc >= 0; lc--)
	{
		uint32	   *links = BuildLinks(bs, id, lc);

		BuildSelect(bs, bs->layer_results[lc], bs->layer_nresults[lc],
					HnswLinksAtLevel(bs->m, lc), links);
		for (uint32 i = 1; i <= links[0]; i++)
			BuildAddBacklink(bs, links[i], id, lc);
	}

	if (level > bs->entry_level)
	{
		bs->entry = id;
		bs->entry_level = level;
	}
}

/*
 * Page placement, shared by the planning and the writing pass so that both
 * put every tuple at the same (block, offset).
 */
typedef struct PagePlacer
{
	BlockNumber blkno;			/* current page */
	OffsetNumber next_offno;
	Size		lower;
	Size		upper;
	Page		page;			/* NULL while planning */
	Relation	index;			/* for writing full pages */
} PagePlacer;

static void
PlacerFlush(PagePlacer *pp)
{
	Buffer		buf;

	if (pp->page == NULL || pp->next_offno == FirstOffsetNumber)
		return;
	buf = ReadBufferExtended(pp->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	if (BufferGetBlockNumber(buf) != pp->blkno)
		elog(ERROR, "hnsw build wrote block %u, expected %u",
			 BufferGetBlockNumber(buf), pp->blkno);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(BufferGetPage(buf), pp->page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

static void
PlacerNewPage(PagePlacer *pp)
{
	if (pp->page != NULL)
	{
		PlacerFlush(pp);
		HnswInitPage(pp->page, HNSW_PAGE_ELEMENTS);
	}
	pp->blkno++;
	pp->next_offno = FirstOffsetNumber;
	pp->lower = SizeOfPageHeaderData;
	pp->upper = BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData));
}

static void
PlacerInit(PagePlacer *pp, Relation index, Page page)
{
	pp->blkno = HNSW_METAPAGE_BLKNO;
	pp->page = page;
	pp->index = index;
	pp->next_offno = FirstOffsetNumber;	/* nothing to flush yet */
	if (page)
		HnswInitPage(page, HNSW_PAGE_ELEMENTS);
	PlacerNewPage(pp);
}

/*
 * PlacerAdd
 *		Place a tuple of "size" bytes on the current page or a new one; when
 *		writing, copy "tuple" there.
 */
static void
PlacerAdd(PagePlacer *pp, Item tuple, Size size, BlockNumber *blkno,
		  OffsetNumber *offno)
{
	if (pp->lower + sizeof(ItemIdData) + MAXALIGN(size) > pp->upper)
		PlacerNewPage(pp);
	pp->lower += sizeof(ItemIdData);
	pp->upper -= MAXALIGN(size);
	*blkno = pp->blkno;
	*offno = pp->next_offno++;
	if (pp->page != NULL &&
		PageAddItem(pp->page, tuple, size, *offno, false, false) != *offno)
		elog(ERROR, "failed to add hnsw tuple during build");
}

static bool
BuildElementIsExternal(HnswBuildState *bs, BuildElement *em)
{
	return HnswElementTupleSize(em->ntids, bs->dim, bs->m, em->level) >
		HnswMaxTupleSize();
}

/* Write the links of element "id" as TIDs into "slots" */
static void
BuildFillLinks(HnswBuildState *bs, uint32 id, ItemPointer slots)
{
	BuildElement *em = BuildMeta(bs, id);

	for (int lc = 0; lc <= em->level; lc++)
	{
		uint32	   *links = BuildLinks(bs, id, lc);
		ItemPointer level_slots = slots + HnswLevelSlot(bs->m, lc);

		for (uint32 i = 0; i < links[0]; i++)
		{
			BuildElement *nb = BuildMeta(bs, links[i + 1]);

			ItemPointerSet(&level_slots[i], nb->blkno, nb->offno);
		}
	}
}

/*
 * BuildMetaPage
 *		Initialise a meta page describing the index and its entry point.
 */
static void
BuildMetaPage(Page page, int dim, int m, int ef_construction,
			  BlockNumber entry_blkno, OffsetNumber entry_offno,
			  int entry_level, BlockNumber insert_page)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_VERSION;
	meta->dimensions = dim;
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->entry_blkno = entry_blkno;
	meta->entry_offno = entry_offno;
	meta->entry_level = entry_level;
	meta->insert_page = insert_page;
	((PageHeader) page)->pd_lower =
		((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/*
 * BuildWriteGraph
 *		Write the in-memory graph and the meta page out, then WAL-log every
 *		page in bulk.  The index must be empty.
 */
static void
BuildWriteGraph(HnswBuildState *bs)
{
	PagePlacer	pp;
	PGAlignedBlock pagebuf;
	char	   *tuple = palloc0(BLCKSZ);
	Buffer		metabuf;
	BlockNumber nblocks;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_WRITE);

	/* meta page first, so that it is block 0 */
	metabuf = ReadBufferExtended(bs->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL,
								 NULL);
	Assert(BufferGetBlockNumber(metabuf) == HNSW_METAPAGE_BLKNO);

	/* first pass: assign every tuple its place */
	PlacerInit(&pp, bs->index, NULL);
	for (uint32 id = 0; id < bs->nelements; id++)
	{
		BuildElement *em = BuildMeta(bs, id);

		if (BuildElementIsExternal(bs, em))
		{
			PlacerAdd(&pp, NULL, HnswExternalElementSize(em->ntids, bs->dim),
					  &em->blkno, &em->offno);
			PlacerAdd(&pp, NULL, HnswLinksTupleSize(bs->m, em->level),
					  &em->links_blkno, &em->links_offno);
		}
		else
		{
			PlacerAdd(&pp, NULL,
					  HnswElementTupleSize(em->ntids, bs->dim, bs->m, em->level),
					  &em->blkno, &em->offno);
			em->links_blkno = em->blkno;
			em->links_offno = em->offno;
		}
	}

	/* second pass: build and write the tuples at those places */
	PlacerInit(&pp, bs->index, pagebuf.data);
	for (uint32 id = 0; id < bs->nelements; id++)
	{
		BuildElement *em = BuildMeta(bs, id);
		HnswElementTuple etup = (HnswElementTuple) tuple;
		BlockNumber blkno;
		OffsetNumber offno;

		CHECK_FOR_INTERRUPTS();

		if (BuildElementIsExternal(bs, em))
		{
			Size		esize = HnswExternalElementSize(em->ntids, bs->dim);
			Size		lsize = HnswLinksTupleSize(bs->m, em->level);
			ItemPointer slots;

			memset(tuple, 0, esize);
			etup->level = em->level;
			etup->flags = HNSW_ELEMENT_EXTERNAL;
			etup->ntids = em->ntids;
			memcpy(etup->tids, em->tids, sizeof(ItemPointerData) * em->ntids);
			memcpy(HnswElementVector(etup), BuildVector(bs, id),
				   sizeof(float) * bs->dim);
			ItemPointerSet(HnswElementLinks(etup, bs->dim), em->links_blkno,
						   em->links_offno);
			PlacerAdd(&pp, (Item) tuple, esize, &blkno, &offno);
			Assert(blkno == em->blkno && offno == em->offno);

			memset(tuple, 0, lsize);
			etup->level = em->level;
			etup->flags = HNSW_LINKS_TUPLE;
			slots = HnswTupleLinks(etup, bs->dim);
			for (int i = 0; i < HnswLinkSlots(bs->m, em->level); i++)
				ItemPointerSetInvalid(&slots[i]);
			BuildFillLinks(bs, id, slots);
			PlacerAdd(&pp, (Item) tuple, lsize, &blkno, &offno);
			Assert(blkno == em->links_blkno && offno == em->links_offno);
		}
		else
		{
			Size		size = HnswElementTupleSize(em->ntids, bs->dim, bs->m,
													em->level);

			memset(tuple, 0, size);
			HnswBuildElementTuple(etup, bs->dim, bs->m, em->level, em->tids,
								  em->ntids, BuildVector(bs, id));
			BuildFillLinks(bs, id, HnswElementLinks(etup, bs->dim));
			PlacerAdd(&pp, (Item) tuple, size, &blkno, &offno);
			Assert(blkno == em->blkno && offno == em->offno);
		}
	}
	PlacerFlush(&pp);
	nblocks = RelationGetNumberOfBlocks(bs->index);

	/* the meta page, now that the entry point has a place */
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	if (bs->entry >= 0)
	{
		BuildElement *em = BuildMeta(bs, (uint32) bs->entry);

		BuildMetaPage(BufferGetPage(metabuf), bs->dim, bs->m,
					  bs->ef_construction, em->blkno, em->offno,
					  bs->entry_level, nblocks - 1);
	}
	else
		BuildMetaPage(BufferGetPage(metabuf), bs->dim, bs->m,
					  bs->ef_construction, InvalidBlockNumber,
					  InvalidOffsetNumber, -1, InvalidBlockNumber);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	/* link the element pages in order, for the free-space search */
	for (BlockNumber blkno = 1; blkno + 1 < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(bs->index, blkno);

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		HnswPageGetOpaque(BufferGetPage(buf))->nextblkno = blkno + 1;
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	if (RelationNeedsWAL(bs->index))
		log_newpage_range(bs->index, MAIN_FORKNUM, 0, nblocks, true);

	pfree(tuple);
}

/*
 * BuildSpill
 *		The graph no longer fits in maintenance_work_mem: write it out and
 *		insert the remaining rows one by one on disk.
 */
static void
BuildSpill(HnswBuildState *bs)
{
	ereport(NOTICE,
			(errmsg("hnsw graph no longer fits into maintenance_work_mem after %.0f tuples",
					bs->indtuples),
			 errdetail("The rest of the build inserts rows into the on-disk graph one at a time, which is much slower."),
			 errhint("Increase maintenance_work_mem to speed up builds.")));

	BuildWriteGraph(bs);
	bs->on_disk = true;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_LOAD);

	/* the in-memory graph is no longer needed */
	MemoryContextDelete(bs->graph_ctx);
	bs->graph_ctx = NULL;
}

/*
 * BuildCallback
 *		Called by the table scan for every live row.
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext old;

	/* NULL vectors are not indexed */
	if (isnull[0])
		return;

	CHECK_FOR_INTERRUPTS();

	old = MemoryContextSwitchTo(bs->tuple_ctx);
	if (HnswPrepareVector(&bs->info, values[0], bs->vector))
	{
		if (bs->on_disk)
			HnswInsertVector(index, &bs->info, bs->vector, tid);
		else
		{
			BuildInsert(bs, bs->vector, tid);
			if (bs->memory_used > bs->memory_limit)
				BuildSpill(bs);
		}
		bs->indtuples++;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_ctx);

	bs->reltuples++;
	if (((uint64) bs->reltuples & 1023) == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) bs->reltuples);
}

/*
 * BuildInitState
 *		Set up the build state; checks that the column can be indexed.
 */
static void
BuildInitState(HnswBuildState *bs, Relation heap, Relation index)
{
	int			nscratch;

	memset(bs, 0, sizeof(HnswBuildState));
	bs->heap = heap;
	bs->index = index;
	HnswGetIndexInfo(index, &bs->info);
	bs->dim = bs->info.dimensions;
	bs->m = bs->info.m;
	bs->ef_construction = bs->info.ef_construction;

	if (bs->dim < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with a type modifier, for example vector(128).")));
	if (HnswExternalElementSize(HNSW_MAX_HEAPTIDS, bs->dim) > HnswMaxTupleSize())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for hnsw index",
						(int) ((HnswMaxTupleSize() -
								HnswLinksOffset(HNSW_MAX_HEAPTIDS, 0) -
								sizeof(ItemPointerData)) / sizeof(float)))));

	bs->slot_size = MAXALIGN(sizeof(float) * bs->dim +
							 sizeof(uint32) * (2 * bs->m + 1));
	bs->links_offset = sizeof(float) * bs->dim;
	bs->max_chunks = 16;
	bs->entry = -1;
	bs->entry_level = -1;
	bs->memory_limit = (Size) maintenance_work_mem * 1024;

	bs->graph_ctx = AllocSetContextCreate(CurrentMemoryContext,
										  "hnsw build graph",
										  ALLOCSET_DEFAULT_SIZES);
	bs->tuple_ctx = AllocSetContextCreate(CurrentMemoryContext,
										  "hnsw build tuple",
										  ALLOCSET_DEFAULT_SIZES);
	bs->chunks = MemoryContextAlloc(bs->graph_ctx,
									sizeof(char *) * bs->max_chunks);
	bs->meta_chunks = MemoryContextAlloc(bs->graph_ctx,
										 sizeof(BuildElement *) * bs->max_chunks);

	/* scratch arrays: a candidate list never exceeds "nscratch" entries */
	nscratch = Max(bs->ef_construction, 2 * bs->m) + 1;
	bs->candidates.capacity = bs->results.capacity = 4 * nscratch;
	bs->candidates.items = palloc(sizeof(BuildPair) * bs->candidates.capacity);
	bs->candidates.max_heap = false;
	bs->results.items = palloc(sizeof(BuildPair) * bs->results.capacity);
	bs->results.max_heap = true;
	for (int i = 0; i <= HNSW_MAX_LEVEL; i++)
		bs->layer_results[i] = palloc(sizeof(BuildPair) * nscratch);
	bs->backlink_pairs = palloc(sizeof(BuildPair) * nscratch);
	bs->select_dist = palloc(sizeof(float) * nscratch);
	bs->select_ids = palloc(sizeof(uint32) * nscratch);
	bs->selected = palloc(sizeof(int) * nscratch);
	bs->vector = palloc(sizeof(float) * bs->dim);
}

/*
 * hnswbuild
 *		ambuild callback: scan the table, build the graph, write it out.
 */
IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	HnswBuildState bs;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));

	BuildInitState(&bs, heap, index);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_LOAD);
	if (heap->rd_rel->reltuples > 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
									 (int64) heap->rd_rel->reltuples);

	table_index_build_scan(heap, index, indexInfo, true, true,
						   BuildCallback, &bs, NULL);

	if (!bs.on_disk)
		BuildWriteGraph(&bs);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
								 (int64) bs.reltuples);

	if (bs.graph_ctx)
		MemoryContextDelete(bs.graph_ctx);
	MemoryContextDelete(bs.tuple_ctx);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/*
 * hnswbuildempty
 *		Write the meta page of an empty index into the init fork (indexes on
 *		unlogged tables), WAL-logged so that a crash restart can reset the
 *		main fork from it.
 */
void
hnswbuildempty(Relation index)
{
	PGAlignedBlock metabuf;
	Page		page = (Page) metabuf.data;

	BuildMetaPage(page, TupleDescAttr(RelationGetDescr(index), 0)->atttypmod,
				  HnswGetM(index), HnswGetEfConstruction(index),
				  InvalidBlockNumber, InvalidOffsetNumber, -1,
				  InvalidBlockNumber);

	PageSetChecksumInplace(page, HNSW_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, HNSW_METAPAGE_BLKNO,
			  (char *) page, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				HNSW_METAPAGE_BLKNO, page, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}
