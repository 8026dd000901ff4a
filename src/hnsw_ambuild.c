/*-------------------------------------------------------------------------
 *
 * hnsw_ambuild.c
 *	  The ambuild and ambuildempty callbacks: a build with parallel workers
 *	  when the planner grants them (hnsw_parallel.c), else in this process
 *	  alone; both load and write the graph with hnsw_build.c.
 *
 * src/hnsw_ambuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw_build.h"

/* Elements a serial build's graph starts with, at least */
#define BUILD_MIN_CAPACITY	1024

/*
 * BuildSerial
 *		Build the graph in this process alone, spilling to disk if it
 *		outgrows maintenance_work_mem, and write it out.
 */
static void
BuildSerial(HnswBuildState *bs, IndexInfo *indexInfo)
{
	double		estimate = HnswBuildEstimateRows(bs->heap);
	uint32		capacity;
	HnswGraphHeader *hdr;
	MemoryContext old;

	capacity = (uint32) Min(estimate * 1.1 + BUILD_MIN_CAPACITY,
							(double) HnswGraphCapacityFor(bs->info.value_size, bs->m,
														  bs->memory_limit));
	capacity = Max(capacity, 1);

	bs->graph_ctx = AllocSetContextCreate(CurrentMemoryContext,
										  "hnsw build graph",
										  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(bs->graph_ctx);
	hdr = MemoryContextAllocHuge(bs->graph_ctx,
								 HnswGraphSize(bs->info.value_size, bs->m, capacity));
	HnswGraphInitHeader(hdr, &bs->info, capacity, false);
	HnswGraphAttach(&bs->graph, hdr, &bs->info);
	MemoryContextSwitchTo(old);

	bs->report_progress = true;
	HnswBuildScan(bs, indexInfo, NULL);

	if (!bs->on_disk)
		HnswBuildWriteGraph(bs);
	if (bs->graph_ctx)
		MemoryContextDelete(bs->graph_ctx);
	bs->graph_ctx = NULL;
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
	int			nworkers;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));

	/*
	 * A build starts from an empty relation.  Whatever this backend cached
	 * about earlier contents of the same file (truncating a table created
	 * in the same transaction rebuilds its indexes in place) is dropped
	 * here rather than trusted to have been invalidated.
	 */
	HnswResetCache(index);
	HnswBuildInitState(&bs, heap, index);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 PROGRESS_HNSW_PHASE_LOAD);
	if (heap->rd_rel->reltuples > 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
									 (int64) heap->rd_rel->reltuples);

	nworkers = plan_create_index_workers(RelationGetRelid(heap),
										 RelationGetRelid(index));
	if (nworkers <= 0 || !HnswBuildParallel(&bs, indexInfo, nworkers))
	{
		/* a failed parallel attempt leaves nothing behind */
		bs.reltuples = bs.indtuples = 0;
		BuildSerial(&bs, indexInfo);
	}

	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
								 (int64) bs.reltuples);
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
	HnswIndexInfo info;

	HnswGetBuildInfo(index, &info);
	HnswBuildMetaPage(page, info.dimensions, info.m, info.ef_construction,
					  InvalidBlockNumber, InvalidOffsetNumber, -1,
					  InvalidBlockNumber);

	PageSetChecksumInplace(page, HNSW_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, HNSW_METAPAGE_BLKNO,
			  (char *) page, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				HNSW_METAPAGE_BLKNO, page, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}
