/*-------------------------------------------------------------------------
 *
 * hnsw_verify.c
 *	  hnsw_verify(): a structural check of an HNSW index, in the spirit of
 *	  amcheck.
 *
 * It takes ShareLock on the table and the index, so the graph holds still
 * while it is checked (writers wait), and reports the first inconsistency
 * as ERRCODE_INDEX_CORRUPTED naming the block and offset.  A sound index
 * gives one summary row.  Because of the lock it is revoked from PUBLIC,
 * as amcheck's functions are; the caller also needs SELECT on the table,
 * checked before the lock (hnsw_inspect.c).
 *
 * src/tuning/hnsw_verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "hnsw_tuning.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(hnsw_verify);

/* What the check learns about one element */
typedef struct VerifyElement
{
	ItemPointerData tid;
	uint8		level;
	bool		deleted;
	bool		reached;
	ItemPointerData links_tid;	/* where its links are */
} VerifyElement;

typedef struct VerifyIndexEntry
{
	ItemPointerData tid;		/* hash key */
	int64		pos;			/* in VerifyState.elements */
} VerifyIndexEntry;

typedef struct VerifyState
{
	Relation	index;
	HnswIndexInfo info;
	HnswMetaPageData meta;
	BlockNumber nblocks;

	VerifyElement *elements;
	int64		nelements;
	int64		maxelements;
	HTAB	   *element_index;	/* element TID -> VerifyIndexEntry */

	int64		deleted;
	int64		heap_tids;
	int			max_live_level;
	HnswTidSet *heap_tid_set;	/* with heapallindexed */
	int64		heap_checked;
} VerifyState;

#define VerifyCorrupt(vs, blkno, offno, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INDEX_CORRUPTED), \
			 errmsg("hnsw index \"%s\" is corrupted at block %u, offset %u", \
					RelationGetRelationName((vs)->index), (blkno), (offno)), \
			 errdetail(__VA_ARGS__), \
			 errhint("REINDEX the index.")))

static inline uint64
TidKeyOf(ItemPointer tid)
{
	return HnswTidKey(ItemPointerGetBlockNumber(tid),
					  ItemPointerGetOffsetNumber(tid));
}

/*
 * VerifyLookup
 *		The element at tid, or NULL.
 */
static VerifyElement *
VerifyLookup(VerifyState *vs, ItemPointer tid)
{
	VerifyIndexEntry *e = hash_search(vs->element_index, tid, HASH_FIND, NULL);

	return e == NULL ? NULL : &vs->elements[e->pos];
}

/*
 * VerifyMeta
 *		Check the meta page.
 */
static void
VerifyMeta(VerifyState *vs)
{
	Buffer		buf = ReadBuffer(vs->index, HNSW_METAPAGE_BLKNO);
	Page		page;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)) ||
		HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_META)
		VerifyCorrupt(vs, 0, 0, "The meta page does not carry the hnsw meta page identifier.");
	meta = HnswPageGetMeta(page);
	if (meta->magic != HNSW_MAGIC)
		VerifyCorrupt(vs, 0, 0, "The meta page has magic number 0x%08X, expected 0x%08X.",
					  meta->magic, HNSW_MAGIC);
	if (meta->version != HNSW_VERSION)
		VerifyCorrupt(vs, 0, 0, "The meta page has layout version %u, expected %u.",
					  meta->version, HNSW_VERSION);
	if ((int) meta->dimensions != vs->info.dimensions)
		VerifyCorrupt(vs, 0, 0, "The meta page says %u dimensions, the column has %d.",
					  meta->dimensions, vs->info.dimensions);
	if (meta->m != vs->info.m)
		VerifyCorrupt(vs, 0, 0, "The meta page says m = %u, the index options say %d.",
					  meta->m, vs->info.m);
	if (meta->entry_level < -1 || meta->entry_level > HNSW_MAX_LEVEL ||
		(meta->entry_level == -1) != (meta->entry_blkno == InvalidBlockNumber))
		VerifyCorrupt(vs, 0, 0, "The meta page has entry point level %d.",
					  meta->entry_level);
	memcpy(&vs->meta, meta, sizeof(HnswMetaPageData));
	UnlockReleaseBuffer(buf);
}

/*
 * VerifyTuple
 *		Check the tuple at "off" of element page blkno (share-locked), and
 *		record it when it is an element.
 */
static void
VerifyTuple(VerifyState *vs, Page page, BlockNumber blkno, OffsetNumber off)
{
	Size		vsize = vs->info.value_size;
	int			m = vs->info.m;
	ItemId		itemid = PageGetItemId(page, off);
	HnswElementTuple etup;
	Size		len;
	VerifyElement *ve;

	if (!ItemIdIsUsed(itemid))
		return;
	if (!ItemIdIsNormal(itemid))
		VerifyCorrupt(vs, blkno, off, "The line pointer is neither unused nor normal.");
	etup = (HnswElementTuple) PageGetItem(page, itemid);
	len = ItemIdGetLength(itemid);
	if (len < HNSW_LINKS_TUPLE_HEADER)
		VerifyCorrupt(vs, blkno, off, "The tuple is %zu bytes long.", len);
	if (etup->level > HNSW_MAX_LEVEL)
		VerifyCorrupt(vs, blkno, off, "The tuple has level %u, above the limit %d.",
					  etup->level, HNSW_MAX_LEVEL);
	if (etup->flags & ~(HNSW_ELEMENT_DELETED | HNSW_ELEMENT_EXTERNAL |
						HNSW_LINKS_TUPLE))
		VerifyCorrupt(vs, blkno, off, "The tuple has unknown flags 0x%02X.",
					  etup->flags);

	if (etup->flags & HNSW_LINKS_TUPLE)
	{
		if (len != HnswLinksTupleSize(m, etup->level))
			VerifyCorrupt(vs, blkno, off, "The links tuple is %zu bytes long, expected %zu.",
						  len, (Size) HnswLinksTupleSize(m, etup->level));
		return;
	}

	if (etup->ntids > HNSW_MAX_HEAPTIDS ||
		(etup->ntids == 0 && !(etup->flags & HNSW_ELEMENT_DELETED)))
		VerifyCorrupt(vs, blkno, off, "The element has %u heap TIDs.",
					  etup->ntids);
	if (len != ((etup->flags & HNSW_ELEMENT_EXTERNAL) ?
				HnswExternalElementSize(etup->ntids, vsize) :
				HnswElementTupleSize(etup->ntids, vsize, m, etup->level)))
		VerifyCorrupt(vs, blkno, off, "The element is %zu bytes long, which does not match its heap TIDs, level and the index's dimensions.",
					  len);

	if (vs->nelements == vs->maxelements)
	{
		vs->maxelements *= 2;
		vs->elements = repalloc_huge(vs->elements,
									 sizeof(VerifyElement) * vs->maxelements);
	}
	ve = &vs->elements[vs->nelements++];
	ItemPointerSet(&ve->tid, blkno, off);
	ve->level = etup->level;
	ve->deleted = (etup->flags & HNSW_ELEMENT_DELETED) != 0;
	ve->reached = false;
	if (etup->flags & HNSW_ELEMENT_EXTERNAL)
		ve->links_tid = *HnswElementLinks(etup, vsize);
	else
		ve->links_tid = ve->tid;
	((VerifyIndexEntry *) hash_search(vs->element_index, &ve->tid,
									  HASH_ENTER, NULL))->pos =
		vs->nelements - 1;

	if (ve->deleted)
		vs->deleted++;
	else
	{
		vs->heap_tids += etup->ntids;
		vs->max_live_level = Max(vs->max_live_level, etup->level);
		if (vs->heap_tid_set)
		{
			for (int i = 0; i < etup->ntids; i++)
				HnswTidSetAdd(vs->heap_tid_set, TidKeyOf(&etup->tids[i]));
		}
	}
}

/*
 * VerifyPages
 *		Check every element page and its tuples, and record the elements.
 */
static void
VerifyPages(VerifyState *vs)
{
	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < vs->nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(vs->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);

		/* a page added by an extension whose WAL never made it is empty */
		if (PageIsNew(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)) ||
			HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID)
			VerifyCorrupt(vs, blkno, 0, "The page does not carry the hnsw page identifier.");
		if (HnswPageGetOpaque(page)->page_type != HNSW_PAGE_ELEMENTS)
			VerifyCorrupt(vs, blkno, 0, "Page type %u, expected an element page.",
						  HnswPageGetOpaque(page)->page_type);
		if (HnswPageGetOpaque(page)->nextblkno != InvalidBlockNumber &&
			HnswPageGetOpaque(page)->nextblkno >= vs->nblocks)
			VerifyCorrupt(vs, blkno, 0, "The next-page link %u is past the end of the index.",
						  HnswPageGetOpaque(page)->nextblkno);

		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			VerifyTuple(vs, page, blkno, off);
		UnlockReleaseBuffer(buf);
	}
}

/*
 * VerifyLinks
 *		Check every element's links: they point to elements of a high enough
 *		level, none to itself, none twice in one level, used slots first.
 */
static void
VerifyLinks(VerifyState *vs)
{
	Size		vsize = vs->info.value_size;
	int			m = vs->info.m;

	for (int64 i = 0; i < vs->nelements; i++)
	{
		VerifyElement *ve = &vs->elements[i];
		BlockNumber lblk = ItemPointerGetBlockNumber(&ve->links_tid);
		OffsetNumber loff = ItemPointerGetOffsetNumber(&ve->links_tid);
		Buffer		buf;
		Page		page;
		HnswElementTuple ltup;
		ItemPointer slots;

		CHECK_FOR_INTERRUPTS();
		if (lblk == HNSW_METAPAGE_BLKNO || lblk >= vs->nblocks)
			VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
						  ItemPointerGetOffsetNumber(&ve->tid),
						  "The element's links tuple (%u,%u) is outside the index.",
						  lblk, loff);
		buf = ReadBuffer(vs->index, lblk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		ltup = HnswGetTupleOnPage(page, loff);
		if (ltup == NULL || ltup->level != ve->level ||
			(!ItemPointerEquals(&ve->links_tid, &ve->tid) &&
			 !(ltup->flags & HNSW_LINKS_TUPLE)))
			VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
						  ItemPointerGetOffsetNumber(&ve->tid),
						  "The element's links tuple (%u,%u) is missing or does not match it.",
						  lblk, loff);
		slots = HnswTupleLinks(ltup, vsize);

		for (int level = 0; level <= ve->level; level++)
		{
			ItemPointer lslots = slots + HnswLevelSlot(m, level);
			int			nslots = HnswLinksAtLevel(m, level);
			bool		ended = false;

			for (int s = 0; s < nslots; s++)
			{
				VerifyElement *target;

				if (!ItemPointerIsValid(&lslots[s]))
				{
					ended = true;
					continue;
				}
				if (ended)
					VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
								  ItemPointerGetOffsetNumber(&ve->tid),
								  "Level %d has a link after an empty slot.", level);
				target = VerifyLookup(vs, &lslots[s]);
				if (target == NULL)
					VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
								  ItemPointerGetOffsetNumber(&ve->tid),
								  "Level %d links to (%u,%u), which is not an element.",
								  level, ItemPointerGetBlockNumberNoCheck(&lslots[s]),
								  ItemPointerGetOffsetNumberNoCheck(&lslots[s]));
				if (target == ve)
					VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
								  ItemPointerGetOffsetNumber(&ve->tid),
								  "Level %d links the element to itself.", level);
				if (target->level < level)
					VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
								  ItemPointerGetOffsetNumber(&ve->tid),
								  "Level %d links to (%u,%u), whose level is only %d.",
								  level, ItemPointerGetBlockNumber(&target->tid),
								  ItemPointerGetOffsetNumber(&target->tid),
								  target->level);
				for (int t = 0; t < s; t++)
				{
					if (ItemPointerEquals(&lslots[t], &lslots[s]))
						VerifyCorrupt(vs, ItemPointerGetBlockNumber(&ve->tid),
									  ItemPointerGetOffsetNumber(&ve->tid),
									  "Level %d links to (%u,%u) twice.", level,
									  ItemPointerGetBlockNumber(&lslots[s]),
									  ItemPointerGetOffsetNumber(&lslots[s]));
				}
			}
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * VerifyEntryAndReachability
 *		Check the entry point, then walk level 0 from it and return how many
 *		live elements the walk does not reach.
 */
static int64
VerifyEntryAndReachability(VerifyState *vs)
{
	VerifyElement *entry;
	int64	   *queue;
	int64		head = 0;
	int64		tail = 0;
	int64		unreachable = 0;
	ItemPointerData entry_tid;
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * 2 * vs->info.m);

	if (vs->meta.entry_blkno == InvalidBlockNumber)
	{
		if (vs->nelements - vs->deleted > 0)
			VerifyCorrupt(vs, 0, 0, "The graph has no entry point but %lld live elements.",
						  (long long) (vs->nelements - vs->deleted));
		return 0;
	}

	ItemPointerSet(&entry_tid, vs->meta.entry_blkno, vs->meta.entry_offno);
	entry = VerifyLookup(vs, &entry_tid);
	if (entry == NULL)
		VerifyCorrupt(vs, 0, 0, "The entry point (%u,%u) is not an element.",
					  vs->meta.entry_blkno, vs->meta.entry_offno);
	if (entry->level != vs->meta.entry_level)
		VerifyCorrupt(vs, 0, 0, "The entry point has level %d, the meta page says %d.",
					  entry->level, vs->meta.entry_level);
	if (vs->max_live_level > vs->meta.entry_level)
		VerifyCorrupt(vs, 0, 0, "A live element has level %d, above the entry point's %d.",
					  vs->max_live_level, vs->meta.entry_level);

	/*
	 * Searches end with a walk of level 0 from the element the descent
	 * through the upper levels led to, so what counts is reachability over
	 * level-0 links from the entry point.
	 */
	queue = palloc(sizeof(int64) * Max(vs->nelements, 1));
	entry->reached = true;
	queue[tail++] = entry - vs->elements;
	while (head < tail)
	{
		VerifyElement *ve = &vs->elements[queue[head++]];
		int			n;

		CHECK_FOR_INTERRUPTS();
		n = HnswReadElementLinks(vs->index, &vs->info, &ve->tid, 0, links);
		for (int i = 0; i < n; i++)
		{
			VerifyElement *target = VerifyLookup(vs, &links[i]);

			if (target != NULL && !target->reached)
			{
				target->reached = true;
				queue[tail++] = target - vs->elements;
			}
		}
	}

	for (int64 i = 0; i < vs->nelements; i++)
	{
		if (!vs->elements[i].reached && !vs->elements[i].deleted)
			unreachable++;
	}
	return unreachable;
}

/* Table scan callback of the heapallindexed check */
static void
VerifyHeapCallback(Relation index, ItemPointer tid, Datum *values,
				   bool *isnull, bool tupleIsAlive, void *state)
{
	VerifyState *vs = (VerifyState *) state;
	void	   *vec;

	if (isnull[0])
		return;
	vec = palloc(vs->info.value_size);
	/* zero vectors under cosine distance are not indexed */
	if (!HnswPrepareValue(&vs->info, values[0], vec))
		return;
	vs->heap_checked++;
	if (!HnswTidSetContains(vs->heap_tid_set, TidKeyOf(tid)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("heap row (%u,%u) of table \"%s\" is missing from hnsw index \"%s\"",
						ItemPointerGetBlockNumber(tid),
						ItemPointerGetOffsetNumber(tid),
						get_rel_name(index->rd_index->indrelid),
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	pfree(vec);
}

/*
 * VerifyHeapAllIndexed
 *		Every row visible to a fresh snapshot with a non-NULL vector must be
 *		in the index.
 *
 * The scan computes each row's index value, running the index's expressions
 * and predicate: they are the table owner's code and run as the owner
 * (HnswBecomeTableOwner), from the loading of the expressions into the
 * relcache (which folds constants) to the end of the scan.
 */
static void
VerifyHeapAllIndexed(VerifyState *vs, Relation heap)
{
	HnswSavedUser saved;
	IndexInfo  *indexInfo;
	Snapshot	snapshot;
	TableScanDesc scan;

	HnswBecomeTableOwner(heap, &saved);
	indexInfo = BuildIndexInfo(vs->index);
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	scan = table_beginscan_strat(heap, snapshot, 0, NULL, true, false);
	table_index_build_scan(heap, vs->index, indexInfo, true, false,
						   VerifyHeapCallback, vs, scan);
	UnregisterSnapshot(snapshot);
	HnswRestoreUser(&saved);
}

/*
 * hnsw_verify
 *		SQL function hnsw_verify(index regclass, heapallindexed boolean).
 */
Datum
hnsw_verify(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_GETARG_BOOL(1);
	Relation	heap;
	Relation	index;
	VerifyState vs;
	int64		unreachable;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	MemoryContext ctx;
	MemoryContext old;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/* a still graph: writers wait while it is checked */
	index = HnswOpenIndexToInspect(indexoid, &heap, "check", ShareLock);

	ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw_verify",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);

	memset(&vs, 0, sizeof(vs));
	vs.index = index;
	HnswGetIndexInfo(index, &vs.info);
	vs.nblocks = RelationGetNumberOfBlocks(index);
	vs.maxelements = 1024;
	vs.elements = palloc(sizeof(VerifyElement) * vs.maxelements);
	{
		HASHCTL		hctl;

		hctl.keysize = sizeof(ItemPointerData);
		hctl.entrysize = sizeof(VerifyIndexEntry);
		hctl.hcxt = ctx;
		vs.element_index = hash_create("hnsw_verify elements", 1024, &hctl,
									   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	vs.max_live_level = -1;
	if (heapallindexed)
		vs.heap_tid_set = HnswTidSetCreate(1024);

	if (vs.nblocks == 0)
		VerifyCorrupt(&vs, 0, 0, "The index has no meta page.");
	VerifyMeta(&vs);
	VerifyPages(&vs);
	VerifyLinks(&vs);
	unreachable = VerifyEntryAndReachability(&vs);
	if (heapallindexed)
		VerifyHeapAllIndexed(&vs, heap);

	MemoryContextSwitchTo(old);

	values[0] = Int64GetDatum(vs.nelements - vs.deleted);
	values[1] = Int64GetDatum(vs.deleted);
	values[2] = Int64GetDatum(vs.heap_tids);
	values[3] = Int64GetDatum(unreachable);
	values[4] = Int64GetDatum((int64) vs.nblocks);
	if (heapallindexed)
		values[5] = Int64GetDatum(vs.heap_checked);
	else
		nulls[5] = true;

	MemoryContextDelete(ctx);
	HnswCloseInspectedIndex(index, heap, ShareLock);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
