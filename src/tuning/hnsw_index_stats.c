/*-------------------------------------------------------------------------
 *
 * hnsw_index_stats.c
 *	  hnsw_index_stats(): what an HNSW index holds, read from its pages.
 *
 * It reads every page under AccessShareLock, like a query, so it runs
 * beside inserts and vacuum; the figures describe the pages as each was
 * read, which under concurrent writes need not be one consistent moment.
 *
 * src/tuning/hnsw_index_stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "hnsw_tuning.h"

PG_FUNCTION_INFO_V1(hnsw_index_stats);

/*
 * HnswMetricName
 *		The metric of an HnswMetric, as the functions print it.
 */
const char *
HnswMetricName(int metric)
{
	switch ((HnswMetric) metric)
	{
		case HNSW_METRIC_L2:
			return "l2";
		case HNSW_METRIC_IP:
			return "ip";
		case HNSW_METRIC_COSINE:
			return "cosine";
		case HNSW_METRIC_L1:
			return "l1";
		case HNSW_METRIC_HAMMING:
			return "hamming";
		case HNSW_METRIC_JACCARD:
			return "jaccard";
	}
	return "unknown";
}

/* Link counts of one kind of level (0, or the levels above) */
typedef struct LinkCounts
{
	int64		lists;
	int64		links;
	int			min;
	int			max;
} LinkCounts;

static void
LinkCountsAdd(LinkCounts *lc, int n)
{
	if (lc->lists == 0 || n < lc->min)
		lc->min = n;
	if (lc->lists == 0 || n > lc->max)
		lc->max = n;
	lc->lists++;
	lc->links += n;
}

/* The mean, min and max of the lists counted, or three NULLs if none */
static void
PutLinkCounts(const LinkCounts *lc, Datum *values, bool *nulls)
{
	if (lc->lists == 0)
	{
		nulls[0] = nulls[1] = nulls[2] = true;
		return;
	}
	values[0] = Float8GetDatum((double) lc->links / lc->lists);
	values[1] = Int32GetDatum(lc->min);
	values[2] = Int32GetDatum(lc->max);
}

/* What hnsw_index_stats learns from the pages */
typedef struct IndexStats
{
	int64		elements;
	int64		deleted;
	int64		heap_tids;
	int64		per_level[HNSW_MAX_LEVEL + 1];	/* live elements on each level */
	LinkCounts	level0;
	LinkCounts	upper;
} IndexStats;

/*
 * StatsCheckPage
 *		Whether a locked page past the meta page is an element page; false
 *		for a new (all-zero) page, ERRCODE_INDEX_CORRUPTED for anything else.
 *		Its tuples are then read with HnswPageGetTuple, which checks what
 *		reading them needs; hnsw_verify() checks much more.
 */
static bool
StatsCheckPage(Relation index, BlockNumber blkno, Page page)
{
	if (PageIsNew(page))
		return false;
	if (!HnswIsElementPage(page))
		HnswCorrupt(index, blkno, InvalidOffsetNumber,
					"The page is not an element page of an hnsw index.");
	return true;
}

static void
StatsAddLinks(HnswIndexInfo *info, HnswElementTuple tup, int level,
			  IndexStats *st)
{
	for (int l = 0; l <= level; l++)
		LinkCountsAdd(l == 0 ? &st->level0 : &st->upper,
					  HnswUsedLinks(HnswLevelLinks(tup, info, l),
									HnswLinksAtLevel(info->m, l)));
}

/*
 * StatsReadExternalLinks
 *		Count the links of an element of "level" kept in the links tuple at
 *		links_tid.  A slot that no longer holds a links tuple of that level
 *		is passed over: a concurrent vacuum may have removed the element
 *		since its page was read.
 */
static void
StatsReadExternalLinks(Relation index, HnswIndexInfo *info,
					   BlockNumber nblocks, ItemPointer links_tid, int level,
					   IndexStats *st)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(links_tid);
	OffsetNumber offno = ItemPointerGetOffsetNumber(links_tid);
	Buffer		buf;
	Page		page;
	HnswElementTuple tup;

	if (blkno == HNSW_METAPAGE_BLKNO || blkno >= nblocks)
		return;
	buf = ReadBuffer(index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (StatsCheckPage(index, blkno, page) &&
		(tup = HnswPageGetTuple(index, info, page, blkno, offno)) != NULL &&
		(tup->flags & HNSW_LINKS_TUPLE) && tup->level >= level)
		StatsAddLinks(info, tup, level, st);
	UnlockReleaseBuffer(buf);
}

/*
 * StatsReadPage
 *		Count the elements of one element page and the links of each live
 *		one: inline links while the page is locked, links kept in a links
 *		tuple afterwards, with the page unlocked.
 */
static void
StatsReadPage(Relation index, HnswIndexInfo *info, BlockNumber blkno,
			  BlockNumber nblocks, IndexStats *st)
{
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;
	OffsetNumber maxoff;
	ItemPointerData external[MaxOffsetNumber];
	uint8		external_level[MaxOffsetNumber];
	int			nexternal = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!StatsCheckPage(index, blkno, page))
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	maxoff = PageGetMaxOffsetNumber(page);
	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		HnswElementTuple etup = HnswPageGetTuple(index, info, page, blkno,
												 off);
		bool		is_external;

		if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE))
			continue;
		if (etup->flags & HNSW_ELEMENT_DELETED)
		{
			st->deleted++;
			continue;
		}
		is_external = (etup->flags & HNSW_ELEMENT_EXTERNAL) != 0;

		st->elements++;
		st->heap_tids += etup->ntids;
		for (int l = 0; l <= etup->level; l++)
			st->per_level[l]++;
		if (is_external)
		{
			external[nexternal] = *HnswElementLinks(etup, info->value_size);
			external_level[nexternal++] = etup->level;
		}
		else
			StatsAddLinks(info, etup, etup->level, st);
	}
	UnlockReleaseBuffer(buf);

	for (int i = 0; i < nexternal; i++)
		StatsReadExternalLinks(index, info, nblocks, &external[i],
							   external_level[i], st);
}

/*
 * hnsw_index_stats
 *		SQL function hnsw_index_stats(index regclass).
 */
Datum
hnsw_index_stats(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Relation	heap;
	Relation	index;
	HnswIndexInfo info;
	HnswMetaPageData meta;
	HnswOptions *opts;
	IndexStats	st;
	BlockNumber nblocks;
	TupleDesc	tupdesc;
	Datum		values[20];
	bool		nulls[20] = {0};
	int			nlevels = 0;
	Datum	   *level_counts;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	index = HnswOpenIndexToInspect(indexoid, &heap, "inspect",
								   AccessShareLock);
	HnswGetIndexInfo(index, &info);
	HnswReadMeta(index, &meta);
	opts = (HnswOptions *) index->rd_options;

	memset(&st, 0, sizeof(st));
	nblocks = RelationGetNumberOfBlocks(index);
	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		CHECK_FOR_INTERRUPTS();
		StatsReadPage(index, &info, blkno, nblocks, &st);
	}

	while (nlevels <= HNSW_MAX_LEVEL && st.per_level[nlevels] > 0)
		nlevels++;
	level_counts = palloc(sizeof(Datum) * Max(nlevels, 1));
	for (int l = 0; l < nlevels; l++)
		level_counts[l] = Int64GetDatum(st.per_level[l]);

	values[0] = Int64GetDatum(st.elements);
	values[1] = Int64GetDatum(st.deleted);
	values[2] = Int64GetDatum(st.heap_tids);
	values[3] = Int32GetDatum(info.dimensions);
	values[4] = Int32GetDatum(info.m);
	values[5] = Int32GetDatum(info.ef_construction);
	if (opts != NULL && opts->ef_search > 0)
		values[6] = Int32GetDatum(opts->ef_search);
	else
		nulls[6] = true;
	values[7] = CStringGetTextDatum(HnswMetricName(info.metric));
	if (meta.entry_blkno != InvalidBlockNumber)
	{
		ItemPointer entry = palloc(sizeof(ItemPointerData));

		ItemPointerSet(entry, meta.entry_blkno, meta.entry_offno);
		values[8] = Int32GetDatum(meta.entry_level);
		values[10] = PointerGetDatum(entry);
	}
	else
	{
		nulls[8] = true;
		nulls[10] = true;
	}
	values[9] = PointerGetDatum(construct_array(level_counts, nlevels, INT8OID,
												sizeof(int64), FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	PutLinkCounts(&st.level0, values + 11, nulls + 11);
	PutLinkCounts(&st.upper, values + 14, nulls + 14);
	values[17] = Int64GetDatum((int64) nblocks);
	values[18] = Int64GetDatum((int64) nblocks * BLCKSZ);
	if (st.heap_tids > 0)
		values[19] = Float8GetDatum((double) nblocks * BLCKSZ / st.heap_tids);
	else
		nulls[19] = true;

	HnswCloseInspectedIndex(index, heap, AccessShareLock);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
