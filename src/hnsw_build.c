/*-------------------------------------------------------------------------
 *
 * hnsw_build.c
 *	  The two steps of a build that one process or several sharing the graph
 *	  (hnsw_parallel.c) run alike: loading the table's rows into the
 *	  in-memory graph, and writing the graph out page by page, WAL-logged
 *	  in bulk.  hnsw_ambuild.c chooses between a serial and a parallel
 *	  build.
 *
 * When a serial build's graph outgrows maintenance_work_mem, what was built
 * so far is written out and the remaining rows go through the ordinary
 * on-disk insert path, which is slower; a NOTICE says so.
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
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw_build.h"

/* Write the links of element "id" as TIDs into "slots" */
static void
BuildFillLinks(HnswBuildState *bs, uint32 id, ItemPointer slots)
{
	HnswGraphElement *em = &bs->graph.elements[id];

	for (int lc = 0; lc <= em->level; lc++)
	{
		uint32	   *links = HnswGraphLinks(&bs->graph, id, lc);
		ItemPointer level_slots = slots + HnswLevelSlot(bs->m, lc);

		for (uint32 i = 0; i < links[0]; i++)
		{
			HnswGraphElement *nb = &bs->graph.elements[links[i + 1]];

			ItemPointerSet(&level_slots[i], nb->blkno, nb->offno);
		}
	}
}

/*
 * HnswBuildMetaPage
 *		Initialise a meta page describing the index and its entry point, in
 *		a page image of the caller's (a locked buffer's page, or a local
 *		one).
 */
void
HnswBuildMetaPage(Page page, int dim, int m, int ef_construction,
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
 * BuildWriteOrder
 *		The order to lay the elements out in: breadth-first over level-0
 *		links from the entry point, then any element the walk missed.
 *
 * Elements that link to each other then tend to share pages, so a search
 * finds more of the neighbours it evaluates on pages it has just read.
 */
static uint32 *
BuildWriteOrder(HnswBuildState *bs, uint32 nelements)
{
	uint32	   *order = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(uint32) * Max(nelements, 1));
	bool	   *placed = MemoryContextAllocHuge(CurrentMemoryContext,
												sizeof(bool) * Max(nelements, 1));
	uint32		head = 0;
	uint32		tail = 0;

	memset(placed, 0, sizeof(bool) * Max(nelements, 1));
	if (nelements > 0 && bs->graph.hdr->entry_level >= 0)
	{
		placed[bs->graph.hdr->entry] = true;
		order[tail++] = bs->graph.hdr->entry;
	}
	for (uint32 next = 0; head < nelements; head++)
	{
		uint32	   *links;

		/* an element the walk did not reach starts a new walk */
		if (head == tail)
		{
			while (placed[next])
				next++;
			placed[next] = true;
			order[tail++] = next;
		}
		links = HnswGraphLinks(&bs->graph, order[head], 0);
		for (uint32 i = 1; i <= links[0]; i++)
		{
			if (!placed[links[i]])
			{
				placed[links[i]] = true;
				order[tail++] = links[i];
			}
		}
	}
	pfree(placed);
	return order;
}

/*
 * BuildPlaceElements
 *		First pass of the write: give every element (and its links tuple)
 *		its place, in the order "order".
 */
static void
BuildPlaceElements(HnswBuildState *bs, uint32 *order, uint32 nelements)
{
	HnswPagePlacer pp;

	HnswPlacerInit(&pp, bs->index, NULL);
	for (uint32 i = 0; i < nelements; i++)
	{
		HnswGraphElement *em = &bs->graph.elements[order[i]];
		HnswElementShape shape = HnswShapeElement(&bs->info, em->ntids,
												  em->level);

		HnswPlacerAdd(&pp, NULL, shape.element_size, &em->blkno, &em->offno);
		if (shape.links_size > 0)
			HnswPlacerAdd(&pp, NULL, shape.links_size,
						  &em->links_blkno, &em->links_offno);
		else
		{
			em->links_blkno = em->blkno;
			em->links_offno = em->offno;
		}
	}
}

/*
 * BuildWriteElements
 *		Second pass: form every element's tuples, its links now TIDs, and
 *		write them at the places the first pass gave them.
 */
static void
BuildWriteElements(HnswBuildState *bs, uint32 *order, uint32 nelements)
{
	HnswPagePlacer pp;
	PGAlignedBlock pagebuf;
	char	   *element = palloc(BLCKSZ);
	char	   *links = palloc(BLCKSZ);

	HnswPlacerInit(&pp, bs->index, pagebuf.data);
	for (uint32 i = 0; i < nelements; i++)
	{
		uint32		id = order[i];
		HnswGraphElement *em = &bs->graph.elements[id];
		HnswElementShape shape = HnswShapeElement(&bs->info, em->ntids,
												  em->level);
		ItemPointer slots;
		BlockNumber blkno;
		OffsetNumber offno;

		CHECK_FOR_INTERRUPTS();

		slots = HnswFormElement(&bs->info, shape, em->level, em->tids,
								em->ntids, HnswGraphValue(&bs->graph, id),
								element, links);
		BuildFillLinks(bs, id, slots);
		if (shape.links_size > 0)
			ItemPointerSet(HnswElementLinks((HnswElementTuple) element,
											bs->info.value_size),
						   em->links_blkno, em->links_offno);
		HnswPlacerAdd(&pp, (Item) element, shape.element_size, &blkno, &offno);
		Assert(blkno == em->blkno && offno == em->offno);
		if (shape.links_size > 0)
		{
			HnswPlacerAdd(&pp, (Item) links, shape.links_size, &blkno, &offno);
			Assert(blkno == em->links_blkno && offno == em->links_offno);
		}
	}
	HnswPlacerFlush(&pp);
	pfree(element);
	pfree(links);
}

/*
 * BuildFinishPages
 *		Write the meta page (block 0, pinned in metabuf) now that the entry
 *		point has a place, chain the element pages in order for the
 *		free-space search, and WAL-log all nblocks pages in bulk.
 */
static void
BuildFinishPages(HnswBuildState *bs, Buffer metabuf, BlockNumber nblocks)
{
	HnswGraphHeader *hdr = bs->graph.hdr;

	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	if (hdr->entry_level >= 0)
	{
		HnswGraphElement *em = &bs->graph.elements[hdr->entry];

		HnswBuildMetaPage(BufferGetPage(metabuf), bs->dim, bs->m,
						  bs->ef_construction, em->blkno, em->offno,
						  hdr->entry_level, nblocks - 1);
	}
	else
		HnswBuildMetaPage(BufferGetPage(metabuf), bs->dim, bs->m,
						  bs->ef_construction, InvalidBlockNumber,
						  InvalidOffsetNumber, -1, InvalidBlockNumber);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

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
}

/*
 * HnswBuildWriteGraph
 *		Write the in-memory graph and the meta page out, then WAL-log every
 *		page in bulk.  The index must be empty.  Links are TIDs, so every
 *		tuple is placed once (in breadth-first order from the entry point)
 *		before any is written.
 */
void
HnswBuildWriteGraph(HnswBuildState *bs)
{
	Buffer		metabuf;
	BlockNumber nblocks;
	uint32		nelements = HnswGraphElementCount(bs->graph.hdr);
	uint32	   *order;
	instr_time	start;
	instr_time	elapsed;

	INSTR_TIME_SET_CURRENT(start);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_WRITE);

	/* meta page first, so that it is block 0 */
	metabuf = ReadBufferExtended(bs->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL,
								 NULL);
	Assert(BufferGetBlockNumber(metabuf) == HNSW_METAPAGE_BLKNO);

	order = BuildWriteOrder(bs, nelements);
	BuildPlaceElements(bs, order, nelements);
	BuildWriteElements(bs, order, nelements);
	nblocks = RelationGetNumberOfBlocks(bs->index);
	BuildFinishPages(bs, metabuf, nblocks);

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	elog(DEBUG1, "hnsw build wrote %u elements on %u pages in %.3f s",
		 nelements, nblocks, INSTR_TIME_GET_DOUBLE(elapsed));
	pfree(order);
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

	HnswBuildWriteGraph(bs);
	bs->on_disk = true;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_LOAD);

	/* the in-memory graph is no longer needed */
	MemoryContextDelete(bs->graph_ctx);
	bs->graph_ctx = NULL;
}

/*
 * BuildGrow
 *		Move a full serial graph into one twice as large, within
 *		maintenance_work_mem.  Returns false when it cannot grow.
 */
static bool
BuildGrow(HnswBuildState *bs)
{
	HnswGraphHeader *old = bs->graph.hdr;
	uint32		limit = HnswGraphCapacityFor(bs->info.value_size, bs->m, bs->memory_limit);
	uint32		capacity = Min((uint64) old->capacity * 2, limit);
	MemoryContext ctx;
	HnswGraphHeader *hdr;

	if (capacity <= old->capacity)
		return false;

	/* beside the old graph's context: the caller may be in a per-row one */
	ctx = AllocSetContextCreate(MemoryContextGetParent(bs->graph_ctx),
								"hnsw build graph", ALLOCSET_DEFAULT_SIZES);
	elog(DEBUG1, "hnsw build graph grows from %u to %u elements",
		 old->capacity, capacity);
	hdr = MemoryContextAllocHuge(ctx, HnswGraphSize(bs->info.value_size, bs->m, capacity));
	HnswGraphInitHeader(hdr, &bs->info, capacity, false);
	HnswGraphCopy(hdr, old);
	MemoryContextDelete(bs->graph_ctx);
	bs->graph_ctx = ctx;
	{
		MemoryContext oldctx = MemoryContextSwitchTo(ctx);

		HnswGraphAttach(&bs->graph, hdr, &bs->info);
		MemoryContextSwitchTo(oldctx);
	}
	return true;
}

/*
 * BuildCallback
 *		Called by the table scan for every live row (serial builds, and each
 *		participant of a parallel one).
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext old;

	bs->reltuples++;
	if (bs->shared_tuples)
		pg_atomic_fetch_add_u64(bs->shared_tuples, 1);
	if (bs->report_progress && ((uint64) bs->reltuples & 1023) == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 bs->shared_tuples ?
									 (int64) pg_atomic_read_u64(bs->shared_tuples) :
									 (int64) bs->reltuples);

	/* NULL vectors are not indexed */
	if (isnull[0])
		return;

	CHECK_FOR_INTERRUPTS();

	old = MemoryContextSwitchTo(bs->tuple_ctx);
	if (HnswPrepareValue(&bs->info, values[0], bs->value))
	{
		if (bs->on_disk)
			HnswInsertValue(index, &bs->info, bs->value, tid);
		else if (!HnswGraphInsert(&bs->graph, bs->value, tid))
		{
			/* the graph is full */
			if (bs->graph.hdr->parallel)
			{
				/* the leader starts over serially; stop wasting work */
				MemoryContextSwitchTo(old);
				MemoryContextReset(bs->tuple_ctx);
				return;
			}
			if (BuildGrow(bs))
			{
				if (!HnswGraphInsert(&bs->graph, bs->value, tid))
					elog(ERROR, "hnsw build graph has no room after growing");
			}
			else
			{
				BuildSpill(bs);
				HnswInsertValue(index, &bs->info, bs->value, tid);
			}
		}
		bs->indtuples++;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_ctx);
}

/*
 * HnswBuildInitState
 *		Set up a build state for "index"; checks that the column can be
 *		indexed.  The graph is attached separately.
 */
void
HnswBuildInitState(HnswBuildState *bs, Relation heap, Relation index)
{
	memset(bs, 0, sizeof(HnswBuildState));
	bs->heap = heap;
	bs->index = index;
	HnswGetBuildInfo(index, &bs->info);
	bs->dim = bs->info.dimensions;
	bs->m = bs->info.m;
	bs->ef_construction = bs->info.ef_construction;

	if (bs->dim < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with a type modifier, for example vector(128).")));
	if (bs->dim > bs->info.type->max_dimensions())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for hnsw index",
						bs->info.type->max_dimensions())));

	bs->memory_limit = (Size) maintenance_work_mem * 1024;
	bs->tuple_ctx = AllocSetContextCreate(CurrentMemoryContext,
										  "hnsw build tuple",
										  ALLOCSET_DEFAULT_SIZES);
	bs->value = palloc(bs->info.value_size);
}

/*
 * HnswBuildScan
 *		Feed the rows of "scan" (NULL: a serial scan of the whole table) into
 *		the build's graph.
 */
void
HnswBuildScan(HnswBuildState *bs, IndexInfo *indexInfo, TableScanDesc scan)
{
	table_index_build_scan(bs->heap, bs->index, indexInfo, true,
						   scan == NULL, BuildCallback, bs, scan);
}

/*
 * HnswBuildEstimateRows
 *		Rows the table probably has, for sizing a graph.
 */
double
HnswBuildEstimateRows(Relation heap)
{
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;

	estimate_rel_size(heap, NULL, &pages, &tuples, &allvisfrac);
	return Max(tuples, 0);
}
