/*-------------------------------------------------------------------------
 *
 * hnsw_scan.c
 *	  Ordered index scans: ORDER BY column <op> constant.
 *
 * The first call to amgettuple searches the graph (greedy descent through
 * the upper levels, then a best-first search of level 0 keeping
 * hnsw.ef_search candidates, or the index's ef_search option when the
 * setting has not been set) and later calls return the heap TIDs of the
 * candidates nearest first.  When the scan ends or restarts, its work goes
 * to the search statistics (hnsw_stats.c).
 *
 * src/hnsw_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>

#include "access/relscan.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

typedef struct HnswScanOpaqueData
{
	HnswIndexInfo info;
	MemoryContext ctx;			/* everything of one scan; reset on rescan */
	MemoryContext round_ctx;	/* one search round's candidates */
	HnswVisitedSet *visited;	/* reused by every search of this scan */
	bool		searched;
	bool		locked;			/* holds HNSW_SCAN_LOCK (see hnsw_vacuum.c) */
	float	   *query;			/* prepared query vector, NULL if none */
	int			ef_search;		/* candidates of the first round */
	ItemPointerData excluded;	/* see HnswScanExclude */
	HnswScanCounters counters;	/* this search's work, for hnsw_stats.c */
	int			ef;				/* candidates kept by the latest round */
	HnswCandidate **results;	/* of the latest round, nearest first */
	int			nresults;
	int			pos;			/* current result */
	int			tidpos;			/* next heap TID of the current result */

	/* iterative scans */
	HnswVisitedSet *returned;	/* elements returned by earlier rounds */
	int64		tuples_returned;
	float		last_distance;
	float		cutoff;			/* strict_order: end of this round's trusted part */
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
	/* outside so->ctx, so that rescans (one per outer row) keep it */
	so->visited = HnswVisitedCreate(1024);
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
 * ScanReport
 *		Hand the work of the search that ends to the statistics.
 */
static void
ScanReport(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (!so->searched)
		return;
	so->counters.scans = 1;
	so->counters.tuples = so->tuples_returned;
	HnswStatsReport(RelationGetRelid(scan->indexRelation), &so->counters);
	memset(&so->counters, 0, sizeof(HnswScanCounters));
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

	ScanReport(scan);
	ScanUnlock(scan);
	MemoryContextReset(so->ctx);
	so->round_ctx = AllocSetContextCreate(so->ctx, "hnsw scan round",
										  ALLOCSET_DEFAULT_SIZES);
	so->searched = false;
	so->query = NULL;
	so->results = NULL;
	so->nresults = 0;
	so->pos = 0;
	so->tidpos = 0;
	so->returned = NULL;
	so->tuples_returned = 0;
	so->last_distance = -FLT_MAX;
}

/*
 * ScanStart
 *		Prepare the query vector and take the scan lock before the first
 *		search.
 */
static void
ScanStart(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;

	so->searched = true;
	so->ef_search = HnswGetEfSearch(scan->indexRelation);

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
	so->query = palloc(sizeof(float) * so->info.dimensions);
	if (!HnswPrepareVector(&so->info, scan->orderByData[0].sk_argument,
						   so->query))
		so->query = NULL;
	if (hnsw_iterative_scan != HNSW_ITERATIVE_SCAN_OFF)
		so->returned = HnswVisitedCreate(4 * so->ef_search);
	MemoryContextSwitchTo(old);
}

/* The largest candidate list an iterative scan's rounds grow to */
static inline int
ScanRoundLimit(HnswScanOpaque so)
{
	return Max(hnsw_max_scan_tuples, so->ef_search);
}

/*
 * ScanSearchRound
 *		Search the graph keeping "ef" candidates: greedy descent through the
 *		upper levels, then a best-first search of level 0.
 */
static void
ScanSearchRound(IndexScanDesc scan, int ef)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;
	HnswMetaPageData meta;
	HnswSearchState *st;
	HnswCandidate *ep;

	MemoryContextReset(so->round_ctx);
	so->results = NULL;
	so->nresults = 0;
	so->pos = 0;
	so->tidpos = 0;
	so->ef = ef;

	old = MemoryContextSwitchTo(so->round_ctx);
	HnswReadMeta(scan->indexRelation, &meta);
	st = HnswSearchBegin(scan->indexRelation, &so->info, so->query, false,
						 so->visited);
	if (ItemPointerIsValid(&so->excluded))
		HnswSearchExclude(st, &so->excluded);
	ep = HnswSearchDescend(st, &meta, 0);
	if (ep != NULL)
		so->results = HnswSearchLayer(st, &ep, 1, ef, 0, &so->nresults);
	so->counters.visited += HnswSearchVisitedCount(st);
	so->counters.distances += HnswSearchDistanceCount(st);
	HnswSearchEnd(st);
	MemoryContextSwitchTo(old);

	/*
	 * When another round may follow, an iterative scan returns only the
	 * nearer part of this round's candidates: the far end of a candidate
	 * list is the part a larger search most often improves on, and
	 * strict_order would have to drop any element a later round finds
	 * nearer than one already returned.
	 */
	so->cutoff = FLT_MAX;
	if (so->returned != NULL && so->nresults == ef && ef < ScanRoundLimit(so))
	{
		/* strict_order cannot take back a miss, so it trusts less */
		int			trusted = hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT ?
			so->nresults / 4 : so->nresults / 2;

		so->cutoff = so->results[trusted]->distance;
	}
}

/*
 * ScanNextRound
 *		Iterative scans: the results ran out while the executor still wants
 *		rows (a filter rejected them), so search again keeping twice as many
 *		candidates; rows already returned are skipped.  Returns false when
 *		there is nothing more to find or the scan has done its share of work
 *		(hnsw.max_scan_tuples).
 */
static bool
ScanNextRound(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	int			limit = ScanRoundLimit(so);

	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF || so->returned == NULL)
		return false;
	/* a round that found fewer than ef elements has seen them all */
	if (so->nresults < so->ef || so->ef >= limit)
		return false;
	if (so->tuples_returned >= hnsw_max_scan_tuples)
		return false;

	CHECK_FOR_INTERRUPTS();
	ScanSearchRound(scan, Min((int64) so->ef * 2, limit));
	return true;
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
	{
		ScanStart(scan);
		if (so->query == NULL)
			return false;
		ScanSearchRound(scan, so->ef_search);
	}

	for (;;)
	{
		while (so->pos < so->nresults)
		{
			HnswCandidate *c = so->results[so->pos];

			if (c->distance > so->cutoff)
				break;			/* the rest waits for a larger round */
			if (so->tidpos == 0 && so->returned != NULL)
			{
				/* first visit of this element in an iterative scan */
				if (!HnswVisitedAdd(so->returned, HnswTidKey(c->blkno, c->offno)) ||
					(hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT &&
					 c->distance < so->last_distance))
				{
					so->pos++;
					continue;
				}
				so->last_distance = c->distance;
			}
			if (so->tidpos < c->ntids)
			{
				scan->xs_heaptid = c->tids[so->tidpos++];
				scan->xs_recheck = false;
				scan->xs_recheckorderby = false;
				so->tuples_returned++;
				return true;
			}
			so->pos++;
			so->tidpos = 0;
		}
		if (!ScanNextRound(scan))
			return false;
	}
}

/*
 * HnswScanExclude
 *		Let the scan's searches treat the element holding only this heap TID
 *		as absent (HnswSearchExclude), until the scan ends.
 */
void
HnswScanExclude(IndexScanDesc scan, ItemPointer heap_tid)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	so->excluded = *heap_tid;
}

/*
 * hnswendscan
 *		Free what the scan allocated.
 */
void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	ScanReport(scan);
	ScanUnlock(scan);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
