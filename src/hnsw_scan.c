/*-------------------------------------------------------------------------
 *
 * hnsw_scan.c
 *	  Ordered index scans: ORDER BY column <op> constant.
 *
 * The first call to amgettuple searches the graph (greedy descent through
 * the upper levels, then a best-first search of level 0 keeping
 * hnsw.ef_search candidates) and later calls return the heap TIDs of the
 * candidates nearest first.
 *
 * src/hnsw_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

typedef struct HnswScanOpaqueData
{
	HnswIndexInfo info;
	MemoryContext ctx;			/* everything of one search; reset on rescan */
	bool		searched;
	bool		locked;			/* holds HNSW_SCAN_LOCK (see hnsw_vacuum.c) */
	HnswCandidate **results;
	int			nresults;
	int			pos;			/* current result */
	int			tidpos;			/* next heap TID of the current result */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

/*
 * hnswbeginscan
 *		Set up a scan; the search itself waits for the first tuple.
 */
IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));

	HnswGetIndexInfo(index, &so->info);
	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

/*
 * ScanUnlock
 *		Let vacuum go on: the scan returns no more TIDs from its last search.
 */
static void
ScanUnlock(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (so->locked)
	{
		UnlockPage(scan->indexRelation, HNSW_SCAN_LOCK, ShareLock);
		so->locked = false;
	}
}

/*
 * hnswrescan
 *		Start over, possibly with a new query vector.
 */
void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));

	ScanUnlock(scan);
	MemoryContextReset(so->ctx);
	so->searched = false;
	so->results = NULL;
	so->nresults = 0;
	so->pos = 0;
	so->tidpos = 0;
}

/*
 * ScanSearch
 *		Run the graph search for the scan's query vector.
 */
static void
ScanSearch(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;
	float	   *query;
	HnswMetaPageData meta;
	HnswSearchState *st;
	HnswCandidate *ep;

	so->searched = true;

	/*
	 * Until this scan ends or restarts, vacuum must not let the heap reuse
	 * the slots of the TIDs it is about to collect.
	 */
	LockPage(scan->indexRelation, HNSW_SCAN_LOCK, ShareLock);
	so->locked = true;

	/* a NULL query vector (or none at all) matches nothing */
	if (scan->numberOfOrderBys == 0 ||
		(scan->orderByData[0].sk_flags & SK_ISNULL))
		return;

	old = MemoryContextSwitchTo(so->ctx);
	query = palloc(sizeof(float) * so->info.dimensions);
	if (HnswPrepareVector(&so->info, scan->orderByData[0].sk_argument, query))
	{
		HnswReadMeta(scan->indexRelation, &meta);
		st = HnswSearchBegin(scan->indexRelation, &so->info, query, false);
		ep = HnswSearchDescend(st, &meta, 0);
		if (ep != NULL)
			so->results = HnswSearchLayer(st, &ep, 1, hnsw_ef_search, 0,
										  &so->nresults);
		HnswSearchEnd(st);
	}
	MemoryContextSwitchTo(old);
}

/*
 * hnswgettuple
 *		Return the next heap TID, nearest first.
 */
bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (!so->searched)
		ScanSearch(scan);

	while (so->pos < so->nresults)
	{
		HnswCandidate *c = so->results[so->pos];

		if (so->tidpos < c->ntids)
		{
			scan->xs_heaptid = c->tids[so->tidpos++];
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			return true;
		}
		so->pos++;
		so->tidpos = 0;
	}
	return false;
}

/*
 * hnswendscan
 *		Free what the scan allocated.
 */
void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	ScanUnlock(scan);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
