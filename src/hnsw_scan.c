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
 * The executor trusts the order an index returns rows in, so the scan
 * follows the order of ORDER BY column <op> constant on float8 distances:
 * -inf first, +inf after every finite distance and NaN last.  Huge vector
 * components make such distances (a squared difference or a product past
 * the float4 range), and a query that sees only infinitely far rows still
 * returns as many rows as one that sees finite distances.
 *
 * An iterative scan searches again, keeping twice as many candidates each
 * round, while the executor wants more rows.  It stops when a round finds
 * no more, at hnsw.max_scan_tuples rows, or once its memory exceeds
 * hnsw.scan_mem_multiplier times work_mem (see ScanMemoryAllowsRound).
 *
 * A NULL query vector, or a zero one under cosine distance, makes every
 * row's distance NULL or NaN: all equal for ORDER BY, which then returns
 * the rows in no particular order.  Such a scan has nothing to search for;
 * it walks the index pages and returns the heap TIDs of the elements in
 * page order, as many as a search would return (see ScanWalkTakesMore).
 *
 * src/hnsw_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

typedef struct HnswScanOpaqueData
{
	HnswIndexInfo info;
	MemoryContext ctx;			/* everything of one scan; reset on rescan */
	MemoryContext round_ctx;	/* one search round's candidates */
	HnswTidSet *visited;	/* reused by every search of this scan */
	bool		searched;
	bool		locked;			/* holds HNSW_SCAN_LOCK (see hnsw_vacuum.c) */
	void	   *query;			/* prepared query value, NULL if none */
	int			ef_search;		/* candidates of the first round */
	ItemPointerData excluded;	/* see HnswScanExclude */
	HnswScanCounters counters;	/* this search's work, for hnsw_stats.c */
	int			ef;				/* candidates kept by the latest round */
	HnswCandidate **results;	/* of the latest round, nearest first */
	int			nresults;
	int			pos;			/* current result */
	int			tidpos;			/* next heap TID of the current result */

	/* iterative scans */
	HnswTidSet *returned;	/* elements returned by earlier rounds */
	int64		tuples_returned;
	float		last_distance;
	float		cutoff;			/* strict_order: end of this round's trusted part */
	double		max_memory;		/* bytes past which no further round starts */

	/* scans without a query vector: the elements in page order */
	BlockNumber walk_blkno;		/* next page to read */
	BlockNumber walk_nblocks;	/* pages when the walk began */
	int64		walk_elements;	/* elements whose TIDs were taken */
	ItemPointerData *walk_tids; /* those of the page read last */
	int			walk_ntids;
	int			walk_alloc;
	int			walk_pos;
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

/*
 * DistanceAfter
 *		Whether distance a sorts after b in ascending float8 order, where
 *		NaN follows everything, +inf included.
 */
static inline bool
DistanceAfter(float a, float b)
{
	if (isnan(a))
		return !isnan(b);
	if (isnan(b))
		return false;
	return a > b;
}

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
	so->visited = HnswTidSetCreate(1024);
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
	so->last_distance = -INFINITY;
	so->walk_blkno = HNSW_METAPAGE_BLKNO + 1;
	so->walk_nblocks = 0;
	so->walk_elements = 0;
	so->walk_tids = NULL;
	so->walk_ntids = 0;
	so->walk_alloc = 0;
	so->walk_pos = 0;
}

/*
 * ScanStart
 *		Prepare the query vector and take the scan lock before the first
 *		search.  so->query stays NULL when there is nothing to search for:
 *		the scan then walks the index (ScanWalkNext).
 */
static void
ScanStart(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;

	so->searched = true;
	so->ef_search = HnswGetEfSearch(scan->indexRelation);
	so->max_memory = (double) work_mem * 1024.0 * hnsw_scan_mem_multiplier;

	/*
	 * Until this scan ends or restarts, vacuum must not let the heap reuse
	 * the slots of the TIDs it is about to collect.
	 */
	LockPage(scan->indexRelation, HNSW_SCAN_LOCK, ShareLock);
	so->locked = true;

	/* for pg_stat_*_indexes.idx_scan; index_getnext_tid counts the tuples */
	pgstat_count_index_scan(scan->indexRelation);

	if (scan->numberOfOrderBys > 0 &&
		!(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		old = MemoryContextSwitchTo(so->ctx);
		so->query = palloc(so->info.value_size);
		if (!HnswPrepareValue(&so->info, scan->orderByData[0].sk_argument,
							   so->query))
			so->query = NULL;	/* a zero vector under cosine distance */
		else if (hnsw_iterative_scan != HNSW_ITERATIVE_SCAN_OFF)
			so->returned = HnswTidSetCreate(4 * so->ef_search);
		MemoryContextSwitchTo(old);
	}
	if (so->query == NULL)
		so->walk_nblocks = RelationGetNumberOfBlocks(scan->indexRelation);
}

/* The largest candidate list an iterative scan's rounds grow to */
static inline int
ScanRoundLimit(HnswScanOpaque so)
{
	return Max(hnsw_max_scan_tuples, so->ef_search);
}

/*
 * ScanPutNaNLast
 *		Move the candidates with a NaN distance after all others, keeping
 *		the order of both parts: the search ranks NaN with +inf (see
 *		SearchKey in hnsw_search.c), ORDER BY after it.
 */
static void
ScanPutNaNLast(HnswScanOpaque so)
{
	HnswCandidate **sorted;
	int			n = 0;

	for (int i = 0; i < so->nresults; i++)
		if (!isnan(so->results[i]->distance))
			n++;
	if (n == so->nresults)
		return;

	sorted = MemoryContextAlloc(so->round_ctx,
								sizeof(HnswCandidate *) * so->nresults);
	n = 0;
	for (int i = 0; i < so->nresults; i++)
		if (!isnan(so->results[i]->distance))
			sorted[n++] = so->results[i];
	for (int i = 0; i < so->nresults; i++)
		if (isnan(so->results[i]->distance))
			sorted[n++] = so->results[i];
	so->results = sorted;
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
	ScanPutNaNLast(so);

	/*
	 * When another round may follow, an iterative scan returns only the
	 * nearer part of this round's candidates: the far end of a candidate
	 * list is the part a larger search most often improves on, and
	 * strict_order would have to drop any element a later round finds
	 * nearer than one already returned.
	 */
	so->cutoff = NAN;			/* nothing sorts after it */
	if (so->returned != NULL && so->nresults == ef && ef < ScanRoundLimit(so))
	{
		/* strict_order cannot take back a miss, so it trusts less */
		int			trusted = hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT ?
			so->nresults / 4 : so->nresults / 2;

		so->cutoff = so->results[trusted]->distance;
	}
}

/*
 * ScanMemoryAllowsRound
 *		Whether an iterative scan may search another round: not once it holds
 *		more than hnsw.scan_mem_multiplier times work_mem.
 *
 * What the scan holds grows with its rounds: the latest round's candidates
 * and search state (so->round_ctx, reset when the next round begins), the
 * set of elements already returned and the visited set the searches share
 * (both keep their largest size).  The limit is checked between rounds, as
 * a round cannot stop halfway without losing its best candidates, so the
 * round that crosses it ends the scan: a scan may exceed the limit by what
 * that one round took.  The first round (ef_search candidates) is never
 * limited.
 */
static bool
ScanMemoryAllowsRound(HnswScanOpaque so)
{
	double		held = (double) MemoryContextMemAllocated(so->ctx, true) +
		HnswTidSetBytes(so->visited);

	if (held <= so->max_memory)
		return true;

	ereport(DEBUG1,
			(errmsg("hnsw iterative scan stopped at its memory limit after " INT64_FORMAT " rows",
					so->tuples_returned),
			 errdetail("The scan holds about %.0f kB, more than hnsw.scan_mem_multiplier times work_mem (%.0f kB).",
					   held / 1024.0, so->max_memory / 1024.0),
			 errhint("Raise work_mem or hnsw.scan_mem_multiplier to let iterative scans search further.")));
	return false;
}

/*
 * ScanNextRound
 *		Iterative scans: the results ran out while the executor still wants
 *		rows (a filter rejected them), so search again keeping twice as many
 *		candidates; rows already returned are skipped.  Returns false when
 *		there is nothing more to find or the scan has done its share of work
 *		(hnsw.max_scan_tuples) or of memory (ScanMemoryAllowsRound).
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
	if (!ScanMemoryAllowsRound(so))
		return false;

	CHECK_FOR_INTERRUPTS();
	ScanSearchRound(scan, Min((int64) so->ef * 2, limit));
	return true;
}

/*
 * ScanWalkTakesMore
 *		Whether a walk may take the TIDs of one more element, "pending" TIDs
 *		being taken but not returned yet.
 *
 * A walk returns what a search would: the elements of one round, ef_search
 * of them, and in an iterative scan more until the scan has returned
 * hnsw.max_scan_tuples rows.  LIMIT and the executor's other nodes stop
 * it much earlier as a rule.
 */
static bool
ScanWalkTakesMore(HnswScanOpaque so, int pending)
{
	if (so->walk_elements < so->ef_search)
		return true;
	return hnsw_iterative_scan != HNSW_ITERATIVE_SCAN_OFF &&
		so->tuples_returned + pending < hnsw_max_scan_tuples;
}

/*
 * ScanWalkPage
 *		Collect the heap TIDs of the live elements on the next page of the
 *		walk into so->walk_tids.
 */
static void
ScanWalkPage(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber blkno = so->walk_blkno++;
	Buffer		buf;
	Page		page;
	OffsetNumber maxoff;

	so->walk_ntids = 0;
	so->walk_pos = 0;

	buf = ReadBuffer(index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	maxoff = PageGetMaxOffsetNumber(page);
	if (so->walk_alloc < maxoff * HNSW_MAX_HEAPTIDS)
	{
		so->walk_alloc = Max(maxoff * HNSW_MAX_HEAPTIDS, 64);
		if (so->walk_tids)
			pfree(so->walk_tids);
		so->walk_tids = MemoryContextAlloc(so->ctx, sizeof(ItemPointerData) *
										   so->walk_alloc);
	}

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		HnswElementTuple etup = HnswPageGetTuple(index, &so->info, page,
												 blkno, off);

		if (etup == NULL ||
			(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
			continue;
		/* hnsw_recall(): the excluded row's lone element is absent */
		if (etup->ntids == 1 && ItemPointerIsValid(&so->excluded) &&
			ItemPointerEquals(&etup->tids[0], &so->excluded))
			continue;
		if (!ScanWalkTakesMore(so, so->walk_ntids))
		{
			so->walk_blkno = so->walk_nblocks;	/* the walk ends here */
			break;
		}
		memcpy(&so->walk_tids[so->walk_ntids], etup->tids,
			   sizeof(ItemPointerData) * etup->ntids);
		so->walk_ntids += etup->ntids;
		so->walk_elements++;
	}
	UnlockReleaseBuffer(buf);
}

/*
 * ScanWalkNext
 *		Scans without a query vector: return the next heap TID of the
 *		index's elements in page order, or false at the end.
 */
static bool
ScanWalkNext(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	while (so->walk_pos >= so->walk_ntids)
	{
		if (so->walk_blkno >= so->walk_nblocks)
			return false;
		CHECK_FOR_INTERRUPTS();
		ScanWalkPage(scan);
	}
	scan->xs_heaptid = so->walk_tids[so->walk_pos++];
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	so->tuples_returned++;
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
		if (so->query != NULL)
			ScanSearchRound(scan, so->ef_search);
	}
	if (so->query == NULL)
		return ScanWalkNext(scan);

	for (;;)
	{
		while (so->pos < so->nresults)
		{
			HnswCandidate *c = so->results[so->pos];

			if (DistanceAfter(c->distance, so->cutoff))
				break;			/* the rest waits for a larger round */
			if (so->tidpos == 0 && so->returned != NULL)
			{
				/* first visit of this element in an iterative scan */
				if (!HnswTidSetAdd(so->returned, HnswTidKey(c->blkno, c->offno)) ||
					(hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT &&
					 DistanceAfter(so->last_distance, c->distance)))
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
