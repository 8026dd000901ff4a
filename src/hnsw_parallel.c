/*-------------------------------------------------------------------------
 *
 * hnsw_parallel.c
 *	  Parallel index builds: worker processes and the leader scan parts of
 *	  the table and insert into one graph in dynamic shared memory.
 *
 * PostgreSQL 15 plans parallel builds only for btree, so ambuild asks
 * plan_create_index_workers() itself, which honours
 * max_parallel_maintenance_workers and the table's parallel_workers.  The
 * leader sizes the shared graph for the estimated rows within
 * maintenance_work_mem, launches the workers, takes part in the scan, waits
 * for them and writes the pages.  Whenever a parallel build cannot go ahead
 * (the graph would not fit in maintenance_work_mem or in /dev/shm, or the
 * table turned out to have more rows than estimated) a NOTICE says why and
 * the build runs serially; when no worker starts, the leader does all the
 * work in the shared graph.
 *
 * src/hnsw_parallel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/statvfs.h>

#include "access/parallel.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/dsm_impl.h"
#include "storage/spin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "hnsw_build.h"

#define PARALLEL_KEY_HNSW_SHARED	UINT64CONST(0xA4E5000000000001)
#define PARALLEL_KEY_HNSW_GRAPH		UINT64CONST(0xA4E5000000000002)

/* What the participants share besides the graph */
typedef struct HnswParallelShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	slock_t		mutex;			/* protects the counters below */
	double		reltuples;
	double		indtuples;
	int			nparticipants_done;
	pg_atomic_uint64 tuples_seen;	/* for progress reports */
	/* ParallelTableScanDescData follows */
} HnswParallelShared;

#define ParallelTableScanFromShared(shared) \
	((ParallelTableScanDesc) ((char *) (shared) + \
							  BUFFERALIGN(sizeof(HnswParallelShared))))

/*
 * ParallelGraphFitsShm
 *		Is there room for a segment of "size" bytes in /dev/shm?  Only known
 *		for POSIX shared memory; otherwise assume so.
 */
static bool
ParallelGraphFitsShm(Size size)
{
#ifdef HAVE_SHM_OPEN
	struct statvfs st;

	if (dynamic_shared_memory_type == DSM_IMPL_POSIX &&
		statvfs("/dev/shm", &st) == 0 &&
		(double) st.f_bavail * st.f_frsize < (double) size * 1.05)
		return false;
#endif
	return true;
}

/*
 * ParallelParticipate
 *		Scan this participant's share of the table into the shared graph and
 *		add its counts to the shared totals.
 */
static void
ParallelParticipate(HnswBuildState *bs, HnswParallelShared *shared,
					IndexInfo *indexInfo)
{
	TableScanDesc scan;

	bs->shared_tuples = &shared->tuples_seen;
	scan = table_beginscan_parallel(bs->heap,
									ParallelTableScanFromShared(shared));
	HnswBuildScan(bs, indexInfo, scan);

	SpinLockAcquire(&shared->mutex);
	shared->reltuples += bs->reltuples;
	shared->indtuples += bs->indtuples;
	shared->nparticipants_done++;
	SpinLockRelease(&shared->mutex);
}

/*
 * ParallelGraphPlan
 *		The capacity and size of the shared graph for the table's estimated
 *		rows (and then some); false, with a NOTICE saying why, when it fits
 *		in neither maintenance_work_mem nor /dev/shm.
 */
static bool
ParallelGraphPlan(HnswBuildState *bs, uint32 *capacity, Size *graph_size)
{
	double		wanted = HnswBuildEstimateRows(bs->heap) * 1.1 + 1024;

	if (wanted > HnswGraphCapacityFor(bs->info.value_size, bs->m,
									  bs->memory_limit))
	{
		ereport(NOTICE,
				(errmsg("hnsw index build runs in one process: its graph would not fit in maintenance_work_mem"),
				 errhint("Increase maintenance_work_mem to build in parallel.")));
		return false;
	}
	*capacity = (uint32) wanted;
	*graph_size = HnswGraphSize(bs->info.value_size, bs->m, *capacity);
	if (!ParallelGraphFitsShm(*graph_size))
	{
		ereport(NOTICE,
				(errmsg("hnsw index build runs in one process: /dev/shm has no room for a shared graph of %zu MB",
						*graph_size / (1024 * 1024)),
				 errhint("Enlarge /dev/shm or set max_parallel_maintenance_workers to 0.")));
		return false;
	}
	return true;
}

/*
 * ParallelInitShared
 *		Fill the DSM segment: the shared state with the parallel table scan,
 *		and the empty graph.  Returns the graph.
 */
static HnswGraphHeader *
ParallelInitShared(ParallelContext *pcxt, HnswBuildState *bs,
				   IndexInfo *indexInfo, Snapshot snapshot, Size shared_size,
				   Size graph_size, uint32 capacity)
{
	HnswParallelShared *shared = shm_toc_allocate(pcxt->toc, shared_size);
	HnswGraphHeader *hdr;

	shared->heaprelid = RelationGetRelid(bs->heap);
	shared->indexrelid = RelationGetRelid(bs->index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	SpinLockInit(&shared->mutex);
	shared->reltuples = 0;
	shared->indtuples = 0;
	shared->nparticipants_done = 0;
	pg_atomic_init_u64(&shared->tuples_seen, 0);
	table_parallelscan_initialize(bs->heap, ParallelTableScanFromShared(shared),
								  snapshot);
	hdr = shm_toc_allocate(pcxt->toc, graph_size);
	HnswGraphInitHeader(hdr, &bs->info, capacity, true);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_HNSW_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_HNSW_GRAPH, hdr);
	return hdr;
}

/*
 * HnswBuildParallel
 *		Build the graph with "nworkers" workers plus the leader and write it
 *		out.  Returns false, having written nothing, when the build has to
 *		run serially instead.
 */
bool
HnswBuildParallel(HnswBuildState *bs, IndexInfo *indexInfo, int nworkers)
{
	uint32		capacity;
	Size		graph_size;
	Size		shared_size;
	Snapshot	snapshot;
	ParallelContext *pcxt;
	HnswParallelShared *shared;
	HnswGraphHeader *hdr;
	bool		overflow;

	if (!ParallelGraphPlan(bs, &capacity, &graph_size))
		return false;

	EnterParallelMode();
	pcxt = CreateParallelContext("hnswext", "HnswParallelBuildMain", nworkers);

	/* like btree: a concurrent build scans with an MVCC snapshot */
	if (!indexInfo->ii_Concurrent)
		snapshot = SnapshotAny;
	else
		snapshot = RegisterSnapshot(GetTransactionSnapshot());

	shared_size = add_size(BUFFERALIGN(sizeof(HnswParallelShared)),
						   table_parallelscan_estimate(bs->heap, snapshot));
	shm_toc_estimate_chunk(&pcxt->estimator, shared_size);
	shm_toc_estimate_chunk(&pcxt->estimator, graph_size);
	shm_toc_estimate_keys(&pcxt->estimator, 2);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory segment: run serially */
		if (IsMVCCSnapshot(snapshot))
			UnregisterSnapshot(snapshot);
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		ereport(NOTICE,
				(errmsg("hnsw index build runs in one process: no dynamic shared memory segment is available")));
		return false;
	}
	hdr = ParallelInitShared(pcxt, bs, indexInfo, snapshot, shared_size,
							 graph_size, capacity);
	shared = shm_toc_lookup(pcxt->toc, PARALLEL_KEY_HNSW_SHARED, false);

	LaunchParallelWorkers(pcxt);
	elog(DEBUG1, "hnsw build: %d of %d parallel workers launched",
		 pcxt->nworkers_launched, nworkers);
	if (pcxt->nworkers_launched == 0)
		ereport(NOTICE,
				(errmsg("hnsw index build could not start parallel workers; the leader builds alone"),
				 errhint("Check max_worker_processes and max_parallel_workers.")));

	/* the leader takes part too, and reports progress for everyone */
	bs->graph_ctx = NULL;
	HnswGraphAttach(&bs->graph, hdr, &bs->info);
	bs->report_progress = true;
	ParallelParticipate(bs, shared, indexInfo);
	WaitForParallelWorkersToFinish(pcxt);

	overflow = pg_atomic_read_u32(&hdr->overflow) != 0;
	if (!overflow)
	{
		bs->reltuples = shared->reltuples;
		bs->indtuples = shared->indtuples;
		HnswBuildWriteGraph(bs);
	}

	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();

	if (overflow)
	{
		ereport(NOTICE,
				(errmsg("hnsw index build starts over in one process: the table has more rows than estimated"),
				 errhint("ANALYZE the table before building the index.")));
		return false;
	}
	return true;
}

/*
 * HnswParallelBuildMain
 *		Entry point of a parallel build worker.
 */
void
HnswParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	HnswParallelShared *shared;
	HnswGraphHeader *hdr;
	LOCKMODE	heap_lockmode;
	LOCKMODE	index_lockmode;
	Relation	heap;
	Relation	index;
	IndexInfo  *indexInfo;
	HnswBuildState bs;

	shared = shm_toc_lookup(toc, PARALLEL_KEY_HNSW_SHARED, false);
	hdr = shm_toc_lookup(toc, PARALLEL_KEY_HNSW_GRAPH, false);

	/* the same locks as the leader's, which we share as a lock group */
	if (!shared->isconcurrent)
	{
		heap_lockmode = ShareLock;
		index_lockmode = AccessExclusiveLock;
	}
	else
	{
		heap_lockmode = ShareUpdateExclusiveLock;
		index_lockmode = RowExclusiveLock;
	}
	heap = table_open(shared->heaprelid, heap_lockmode);
	index = index_open(shared->indexrelid, index_lockmode);
	indexInfo = BuildIndexInfo(index);
	indexInfo->ii_Concurrent = shared->isconcurrent;

	HnswBuildInitState(&bs, heap, index);
	HnswGraphAttach(&bs.graph, hdr, &bs.info);
	ParallelParticipate(&bs, shared, indexInfo);

	index_close(index, index_lockmode);
	table_close(heap, heap_lockmode);
}
