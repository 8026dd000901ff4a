/*-------------------------------------------------------------------------
 *
 * hnsw_vacuum.c
 *	  Remove dead rows from the graph and repair it.
 *
 * ambulkdelete works in three passes over the element pages:
 *
 * 1. Drop the heap TIDs the callback reports dead; an element with none
 *    left is flagged deleted (scans stop returning it, it still routes
 *    searches).  Then wait until every scan that began before this pass
 *    has ended, so that none can return a dead TID after the heap reuses
 *    its slot.
 * 2. Wait until inserts that began before pass 1 have finished (none
 *    started later links to a deleted element), move the entry point off a
 *    deleted element, and give every live element that links to a deleted
 *    one new links at that level, chosen with the selection heuristic from
 *    its other links and the live elements a search for its vector finds,
 *    and topped up to m links.
 * 3. Free the deleted elements' tuples and record the pages' free space in
 *    the free space map, where inserts look first.
 *
 * See src/README.md for why this is safe with concurrent scans and inserts.
 *
 * src/hnsw_vacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

/* How often pass 2 retries an element whose links changed meanwhile */
#define HNSW_REPAIR_RETRIES		3

typedef struct HnswVacuumState
{
	Relation	index;
	HnswIndexInfo info;
	BufferAccessStrategy strategy;
	IndexBulkDeleteResult *stats;
	IndexBulkDeleteCallback callback;
	void	   *callback_state;

	HnswTidSet *deleted;	/* TIDs of deleted elements */
	int64		ndeleted;

	/* live element with the highest level: the entry point if needed */
	BlockNumber top_blkno;
	OffsetNumber top_offno;
	int			top_level;

	MemoryContext tmpctx;		/* reset per repaired element */
} HnswVacuumState;

/*
 * VacuumLockPage
 *		Page blkno of the index, read with vacuum's buffer strategy after
 *		the cost-based delay, pinned and locked in "mode".
 */
static Buffer
VacuumLockPage(Relation index, BlockNumber blkno, BufferAccessStrategy strategy,
			   int mode)
{
	Buffer		buf;

	vacuum_delay_point();
	buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
	LockBuffer(buf, mode);
	return buf;
}

/*
 * VacuumRemoveDeadTids
 *		Pass 1: drop dead heap TIDs from every element, flag elements with no
 *		TID left as deleted, remember all deleted elements and the highest
 *		live one.
 */
static void
VacuumRemoveDeadTids(HnswVacuumState *vs)
{
	Relation	index = vs->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	char	   *newtup = palloc(BLCKSZ);

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		GenericXLogState *xlog = NULL;
		OffsetNumber maxoff;

		buf = VacuumLockPage(index, blkno, vs->strategy, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		itemid = PageGetItemId(page, off);
			HnswElementTuple etup;
			ItemPointerData live[HNSW_MAX_HEAPTIDS];
			int			nlive = 0;

			etup = HnswPageGetTuple(index, &vs->info, page, blkno, off);
			if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE))
				continue;
			if (etup->flags & HNSW_ELEMENT_DELETED)
			{
				HnswTidSetAdd(vs->deleted, HnswTidKey(blkno, off));
				vs->ndeleted++;
				continue;
			}

			for (int i = 0; i < etup->ntids; i++)
			{
				if (vs->callback(&etup->tids[i], vs->callback_state))
					vs->stats->tuples_removed++;
				else
					live[nlive++] = etup->tids[i];
			}
			if (nlive == etup->ntids)
			{
				if (etup->level > vs->top_level)
				{
					vs->top_level = etup->level;
					vs->top_blkno = blkno;
					vs->top_offno = off;
				}
				continue;
			}

			if (xlog == NULL)
			{
				xlog = GenericXLogStart(index);
				page = GenericXLogRegisterBuffer(xlog, buf, 0);
				itemid = PageGetItemId(page, off);
				etup = (HnswElementTuple) PageGetItem(page, itemid);
			}

			if (nlive == 0)
			{
				etup->flags |= HNSW_ELEMENT_DELETED;
				HnswTidSetAdd(vs->deleted, HnswTidKey(blkno, off));
				vs->ndeleted++;
			}
			else
			{
				/* rewrite the tuple with fewer TIDs: it shrinks */
				int			level = etup->level;
				Size		newsize = HnswElementWithTids(etup,
														  ItemIdGetLength(itemid),
														  live, nlive, newtup);

				if (!PageIndexTupleOverwrite(page, off, (Item) newtup, newsize))
					elog(ERROR, "failed to shrink hnsw element tuple");
				/* etup pointed into the page, where tuples just moved */
				if (level > vs->top_level)
				{
					vs->top_level = level;
					vs->top_blkno = blkno;
					vs->top_offno = off;
				}
			}
		}

		if (xlog != NULL)
			GenericXLogFinish(xlog);
		UnlockReleaseBuffer(buf);
	}
	pfree(newtup);
}

/*
 * VacuumMoveEntryPoint
 *		If the entry point is deleted, make the highest live element the
 *		entry point (or empty the graph).  The caller holds the update lock
 *		exclusively, so no insert moves the entry point meanwhile.
 */
static void
VacuumMoveEntryPoint(HnswVacuumState *vs)
{
	Buffer		buf = ReadBuffer(vs->index, HNSW_METAPAGE_BLKNO);
	HnswMetaPage meta;
	GenericXLogState *xlog;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(buf));
	if (meta->entry_blkno == InvalidBlockNumber ||
		!HnswTidSetContains(vs->deleted, HnswTidKey(meta->entry_blkno,
													  meta->entry_offno)))
	{
		UnlockReleaseBuffer(buf);
		return;
	}

	xlog = GenericXLogStart(vs->index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(xlog, buf, 0));
	if (vs->top_level >= 0)
	{
		meta->entry_blkno = vs->top_blkno;
		meta->entry_offno = vs->top_offno;
		meta->entry_level = vs->top_level;
	}
	else
	{
		meta->entry_blkno = InvalidBlockNumber;
		meta->entry_offno = InvalidOffsetNumber;
		meta->entry_level = -1;
	}
	GenericXLogFinish(xlog);
	UnlockReleaseBuffer(buf);
}

/* Is the link a live element's (not one of the deleted)? */
static inline bool
VacuumLinkIsLive(HnswVacuumState *vs, ItemPointer link)
{
	return !HnswTidSetContains(vs->deleted,
								HnswTidKey(ItemPointerGetBlockNumber(link),
										   ItemPointerGetOffsetNumber(link)));
}

/*
 * A candidate for a repaired element's links: an element the search found,
 * or one the element links to already (which needs no link back).
 */
typedef struct RepairCandidate
{
	HnswCandidate *c;
	bool		linked;
} RepairCandidate;

/* Pair distances for the heuristic over the repair candidates */
typedef struct RepairSelectArg
{
	HnswIndexInfo *info;
	RepairCandidate *cands;
} RepairSelectArg;

static float
RepairPairDistance(void *arg, int a, int b)
{
	RepairSelectArg *ra = (RepairSelectArg *) arg;

	return HnswDistance(ra->info, ra->cands[a].c->value,
						ra->cands[b].c->value);
}

static int
RepairCandidateCompare(const void *a, const void *b)
{
	float		da = ((const RepairCandidate *) a)->c->distance;
	float		db = ((const RepairCandidate *) b)->c->distance;

	return (da > db) - (da < db);
}

/*
 * VacuumChooseLinks
 *		New links at one level for element "self" with value "vec": the
 *		heuristic's choice among the live elements a search found near it
 *		("found", nfound) and its own live links (slots, nslots), topped up
 *		to m links with the nearest others.  Writes the new list into "out"
 *		(invalid-padded to nslots), and into "backlinks" the elements the
 *		heuristic chose that are not linked already, which are to link back;
 *		returns how many of those.
 */
static int
VacuumChooseLinks(HnswVacuumState *vs, ItemPointer self, const void *vec,
				  HnswCandidate **found, int nfound, ItemPointer slots,
				  int nslots, int level, ItemPointer out,
				  HnswCandidate **backlinks)
{
	HnswIndexInfo *info = &vs->info;
	RepairCandidate *cands = palloc(sizeof(RepairCandidate) *
									(nfound + nslots + 1));
	HnswTidSet *seen = HnswTidSetCreate(nfound + nslots + 1);
	int		   *selected = palloc(sizeof(int) * (nfound + nslots + 1));
	float	   *dists = palloc(sizeof(float) * (nfound + nslots + 1));
	int			ncand = 0;
	int			nselected;
	int			nbacklinks = 0;
	RepairSelectArg ra;

	HnswTidSetAdd(seen, HnswTidKey(ItemPointerGetBlockNumber(self),
								   ItemPointerGetOffsetNumber(self)));
	for (int i = 0; i < nfound; i++)
	{
		HnswCandidate *c = found[i];

		if (c->ntids > 0 &&
			!HnswTidSetContains(vs->deleted, HnswTidKey(c->blkno, c->offno)) &&
			HnswTidSetAdd(seen, HnswTidKey(c->blkno, c->offno)))
		{
			cands[ncand].c = c;
			cands[ncand++].linked = false;
		}
	}
	for (int i = 0; i < nslots && ItemPointerIsValid(&slots[i]); i++)
	{
		HnswCandidate *c;

		if (!VacuumLinkIsLive(vs, &slots[i]) ||
			!HnswTidSetAdd(seen, HnswTidKey(ItemPointerGetBlockNumber(&slots[i]),
											ItemPointerGetOffsetNumber(&slots[i]))))
			continue;
		c = palloc0(sizeof(HnswCandidate));
		c->value = palloc(info->value_size);
		if (!HnswReadElementValue(vs->index, info, &slots[i], c->value))
			continue;
		c->blkno = ItemPointerGetBlockNumber(&slots[i]);
		c->offno = ItemPointerGetOffsetNumber(&slots[i]);
		c->distance = HnswDistance(info, vec, c->value);
		cands[ncand].c = c;
		cands[ncand++].linked = true;
	}

	qsort(cands, ncand, sizeof(RepairCandidate), RepairCandidateCompare);
	for (int i = 0; i < ncand; i++)
		dists[i] = cands[i].c->distance;
	ra.info = info;
	ra.cands = cands;
	nselected = HnswSelectNeighbors(dists, ncand,
									HnswLinksAtLevel(info->m, level),
									RepairPairDistance, &ra,
									&pg_global_prng_state, selected);
	for (int i = 0; i < nselected; i++)
	{
		if (!cands[selected[i]].linked)
			backlinks[nbacklinks++] = cands[selected[i]].c;
	}

	/*
	 * Keep at least m links where there are candidates enough, adding the
	 * nearest ones the heuristic passed over.  An element that lost
	 * neighbours is otherwise left with a sparser list than the build or
	 * later inserts would give it, and recall after a large delete falls
	 * below a fresh index's.  These extra links get no back-links (each
	 * would make the heuristic drop a link from a full list); see "Vacuum"
	 * in src/README.md for the measurements.
	 */
	for (int i = 0; i < ncand && nselected < info->m; i++)
	{
		bool		taken = false;

		for (int j = 0; j < nselected && !taken; j++)
			taken = selected[j] == i;
		if (!taken)
			selected[nselected++] = i;
	}
	for (int i = 0; i < nslots; i++)
	{
		if (i < nselected)
			ItemPointerSet(&out[i], cands[selected[i]].c->blkno,
						   cands[selected[i]].c->offno);
		else
			ItemPointerSetInvalid(&out[i]);
	}
	return nbacklinks;
}

/* What a repair changes in one element's links, level by level */
typedef struct RepairPlan
{
	int			level;			/* the element's */
	int			nslots;			/* its link slots, all levels */
	ItemPointerData *slots;		/* the links it had */
	ItemPointerData *newslots;	/* the links it is to have */
	bool		needs[HNSW_MAX_LEVEL + 1];	/* links a deleted element */
	HnswCandidate **backlinks[HNSW_MAX_LEVEL + 1];	/* to link back */
	int			nbacklinks[HNSW_MAX_LEVEL + 1];
} RepairPlan;

/*
 * RepairReadLinks
 *		Read the links of the live element "self" (value into vec) and find
 *		the levels where it links to a deleted element.  False when it is
 *		gone or deleted, or needs nothing.
 */
static bool
RepairReadLinks(HnswVacuumState *vs, ItemPointer self, void *vec,
				ItemPointer links_tid, RepairPlan *plan)
{
	HnswIndexInfo *info = &vs->info;
	int			m = info->m;
	bool		any = false;

	if (!HnswReadElementHeader(vs->index, info, self, vec, &plan->level,
							   links_tid))
		return false;
	plan->nslots = HnswLinkSlots(m, plan->level);
	plan->slots = palloc(sizeof(ItemPointerData) * plan->nslots);
	plan->newslots = palloc(sizeof(ItemPointerData) * plan->nslots);
	if (!HnswReadAllLinks(vs->index, info, links_tid, plan->level,
						  plan->slots))
		return false;
	memcpy(plan->newslots, plan->slots,
		   sizeof(ItemPointerData) * plan->nslots);

	for (int lc = 0; lc <= plan->level; lc++)
	{
		ItemPointer level_slots = plan->slots + HnswLevelSlot(m, lc);
		int			n = HnswUsedLinks(level_slots, HnswLinksAtLevel(m, lc));

		plan->needs[lc] = false;
		plan->nbacklinks[lc] = 0;
		for (int i = 0; i < n; i++)
		{
			if (!VacuumLinkIsLive(vs, &level_slots[i]))
				plan->needs[lc] = true;
		}
		any |= plan->needs[lc];
	}
	return any;
}

/*
 * RepairChooseLevel
 *		Choose the new links of one level that needs them (VacuumChooseLinks)
 *		from the candidates found there (none above the graph's top).
 */
static void
RepairChooseLevel(HnswVacuumState *vs, ItemPointer self, const void *vec,
				  HnswCandidate **found, int nfound, int lc, RepairPlan *plan)
{
	int			m = vs->info.m;
	int			nlinks = HnswLinksAtLevel(m, lc);

	plan->backlinks[lc] = palloc(sizeof(HnswCandidate *) * nlinks);
	plan->nbacklinks[lc] =
		VacuumChooseLinks(vs, self, vec, found, nfound,
						  plan->slots + HnswLevelSlot(m, lc), nlinks, lc,
						  plan->newslots + HnswLevelSlot(m, lc),
						  plan->backlinks[lc]);
}

/*
 * RepairWriteLinks
 *		Write the new lists, WAL-logged, if the links are still those the
 *		plan was made from; returns whether it wrote them.  Takes and
 *		releases the exclusive lock on the links' page.
 */
static bool
RepairWriteLinks(HnswVacuumState *vs, ItemPointer links_tid, RepairPlan *plan)
{
	HnswIndexInfo *info = &vs->info;
	BlockNumber blkno = ItemPointerGetBlockNumber(links_tid);
	OffsetNumber offno = ItemPointerGetOffsetNumber(links_tid);
	Size		bytes = sizeof(ItemPointerData) * plan->nslots;
	Buffer		buf = ReadBuffer(vs->index, blkno);
	HnswElementTuple tup;
	bool		written = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswPageGetTuple(vs->index, info, BufferGetPage(buf), blkno, offno);
	if (tup != NULL && tup->level == plan->level && HnswTupleHoldsLinks(tup) &&
		memcmp(HnswTupleLinks(tup, info->value_size), plan->slots, bytes) == 0)
	{
		GenericXLogState *xlog = GenericXLogStart(vs->index);
		Page		wpage = GenericXLogRegisterBuffer(xlog, buf, 0);

		tup = HnswGetTupleOnPage(wpage, offno);
		memcpy(HnswTupleLinks(tup, info->value_size), plan->newslots, bytes);
		GenericXLogFinish(xlog);
		written = true;
	}
	UnlockReleaseBuffer(buf);
	return written;
}

/*
 * VacuumRepairElement
 *		Give the live element at (blkno, offno) new links at every level
 *		where it links to a deleted element.
 *
 * Like an insert, it searches the graph (deleted elements still route the
 * search) for the element's nearest live elements and chooses among them
 * and its remaining links with the heuristic; the elements it newly links
 * to link back to it, so that elements reachable only through deleted ones
 * become reachable again.  The new lists are written only if the links are
 * still those the choice was made from, else it starts over, at most
 * HNSW_REPAIR_RETRIES times.  The caller holds the update lock.
 */
static void
VacuumRepairElement(HnswVacuumState *vs, BlockNumber blkno, OffsetNumber offno)
{
	HnswIndexInfo *info = &vs->info;
	ItemPointerData self;
	void	   *vec = palloc(info->value_size);

	ItemPointerSet(&self, blkno, offno);

	for (int attempt = 0; attempt <= HNSW_REPAIR_RETRIES; attempt++)
	{
		ItemPointerData links_tid;
		RepairPlan	plan;
		HnswMetaPageData meta;
		HnswSearchState *st;
		HnswCandidate *ep;
		HnswCandidate **found = NULL;
		int			nfound = 0;
		int			top;
		bool		written;

		if (!RepairReadLinks(vs, &self, vec, &links_tid, &plan))
			return;				/* gone, deleted, or nothing to repair */

		/* search from the entry point, as an insert of this value would */
		HnswReadMeta(vs->index, &meta);
		st = HnswSearchBegin(vs->index, info, vec, true, NULL);
		top = Min(plan.level, meta.entry_level);
		ep = HnswSearchDescend(st, &meta, top);
		for (int lc = top; lc >= 0 && ep != NULL; lc--)
		{
			HnswCandidate **entries = found ? found : &ep;
			int			nentries = found ? nfound : 1;

			found = HnswSearchLayer(st, entries, nentries,
									info->ef_construction, lc, &nfound);
			if (plan.needs[lc])
				RepairChooseLevel(vs, &self, vec, found, nfound, lc, &plan);
		}
		/* levels above the entry point's (cannot happen) or an empty graph */
		for (int lc = plan.level; lc > top; lc--)
		{
			if (plan.needs[lc])
				RepairChooseLevel(vs, &self, vec, NULL, 0, lc, &plan);
		}

		written = RepairWriteLinks(vs, &links_tid, &plan);

		/* the new neighbours link back */
		for (int lc = 0; written && lc <= top; lc++)
		{
			for (int i = 0; i < plan.nbacklinks[lc]; i++)
				HnswAddBacklink(vs->index, info, st, plan.backlinks[lc][i],
								&self, vec, lc, &pg_global_prng_state);
		}
		HnswSearchEnd(st);
		if (written)
			return;
	}
}

/*
 * VacuumRepairLinks
 *		Pass 2: repair every live element that links to a deleted one.
 */
static void
VacuumRepairLinks(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	OffsetNumber *todo = palloc(sizeof(OffsetNumber) * MaxOffsetNumber);
	Size		vsize = vs->info.value_size;

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		int			ntodo = 0;

		buf = VacuumLockPage(vs->index, blkno, vs->strategy, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple etup = HnswPageGetTuple(vs->index, &vs->info,
													 page, blkno, off);
			ItemPointer slots;
			int			nslots;
			bool		needs = false;

			if (etup == NULL ||
				(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
				continue;
			if (etup->flags & HNSW_ELEMENT_EXTERNAL)
			{
				/* its links are elsewhere: let the repair read them */
				todo[ntodo++] = off;
				continue;
			}
			slots = HnswElementLinks(etup, vsize);
			nslots = HnswLinkSlots(vs->info.m, etup->level);
			for (int i = 0; i < nslots; i++)
			{
				if (!ItemPointerIsValid(&slots[i]))
					continue;
				HnswCheckLink(vs->index, &slots[i], blkno, off);
				if (!VacuumLinkIsLive(vs, &slots[i]))
					needs = true;
			}
			if (needs)
				todo[ntodo++] = off;
		}
		UnlockReleaseBuffer(buf);

		for (int i = 0; i < ntodo; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(vs->tmpctx);

			CHECK_FOR_INTERRUPTS();
			VacuumRepairElement(vs, blkno, todo[i]);
			MemoryContextSwitchTo(old);
			MemoryContextReset(vs->tmpctx);
		}
	}
	pfree(todo);
}

/*
 * FreeTuple
 *		Free the tuple at "off" of the exclusively locked page in buf, in the
 *		WAL record of the page that *xlog holds (started on first use;
 *		*page then points at the record's copy).
 */
static void
FreeTuple(HnswVacuumState *vs, Buffer buf, GenericXLogState **xlog,
		  Page *page, OffsetNumber off)
{
	if (*xlog == NULL)
	{
		*xlog = GenericXLogStart(vs->index);
		*page = GenericXLogRegisterBuffer(*xlog, buf, 0);
	}
	PageIndexTupleDeleteNoCompact(*page, off);
}

/*
 * FreeFinishPage
 *		Log what FreeTuple changed on the page (if anything), release it and
 *		tell the free space map how much room it has now.
 */
static void
FreeFinishPage(HnswVacuumState *vs, Buffer buf, BlockNumber blkno,
			   GenericXLogState *xlog)
{
	Size		avail;

	if (xlog == NULL)
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	GenericXLogFinish(xlog);
	avail = PageGetFreeSpace(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	RecordPageWithFreeSpace(vs->index, blkno, avail);
}

/*
 * FreeDeletedElements
 *		Free every deleted element tuple; returns the TIDs of the links
 *		tuples of those whose links live apart (*nexternal of them).
 */
static ItemPointerData *
FreeDeletedElements(HnswVacuumState *vs, int *nexternal)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	Size		vsize = vs->info.value_size;
	ItemPointerData *external = NULL;
	int			maxexternal = 0;

	*nexternal = 0;
	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		GenericXLogState *xlog = NULL;
		OffsetNumber maxoff;

		buf = VacuumLockPage(vs->index, blkno, vs->strategy,
							 BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple etup = HnswPageGetTuple(vs->index, &vs->info,
													 page, blkno, off);

			if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE) ||
				!(etup->flags & HNSW_ELEMENT_DELETED))
				continue;
			if (etup->flags & HNSW_ELEMENT_EXTERNAL)
			{
				if (*nexternal == maxexternal)
				{
					maxexternal = Max(16, maxexternal * 2);
					external = external ?
						repalloc(external, sizeof(ItemPointerData) * maxexternal) :
						palloc(sizeof(ItemPointerData) * maxexternal);
				}
				HnswCheckLink(vs->index, HnswElementLinks(etup, vsize), blkno,
							  off);
				external[(*nexternal)++] = *HnswElementLinks(etup, vsize);
			}
			FreeTuple(vs, buf, &xlog, &page, off);
		}
		FreeFinishPage(vs, buf, blkno, xlog);
	}
	return external;
}

/*
 * FreeLinksTuples
 *		Free the links tuples at "tids" (n of them, sorted here), visiting
 *		each page they are on once.
 */
static void
FreeLinksTuples(HnswVacuumState *vs, ItemPointerData *tids, int n)
{
	qsort(tids, n, sizeof(ItemPointerData), HnswItemPointerCmp);
	for (int first = 0; first < n;)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&tids[first]);
		GenericXLogState *xlog = NULL;
		Buffer		buf;
		Page		page;

		buf = VacuumLockPage(vs->index, blkno, vs->strategy,
							 BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		for (; first < n && ItemPointerGetBlockNumber(&tids[first]) == blkno;
			 first++)
		{
			OffsetNumber off = ItemPointerGetOffsetNumber(&tids[first]);

			/* a links tuple two deleted elements named is freed once */
			if (first > 0 && ItemPointerEquals(&tids[first], &tids[first - 1]))
				continue;
			if (HnswPageGetTuple(vs->index, &vs->info, page, blkno, off) != NULL)
				FreeTuple(vs, buf, &xlog, &page, off);
		}
		FreeFinishPage(vs, buf, blkno, xlog);
	}
}

/*
 * VacuumFreeDeleted
 *		Pass 3: free the tuples of deleted elements, then their links tuples,
 *		and tell the free space map how much room each page now has.
 */
static void
VacuumFreeDeleted(HnswVacuumState *vs)
{
	int			nexternal;
	ItemPointerData *external = FreeDeletedElements(vs, &nexternal);

	if (nexternal > 0)
		FreeLinksTuples(vs, external, nexternal);
	FreeSpaceMapVacuum(vs->index);
}

/*
 * hnswbulkdelete
 *		ambulkdelete callback.
 */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	HnswVacuumState vs;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	memset(&vs, 0, sizeof(vs));
	vs.index = info->index;
	HnswGetIndexInfo(info->index, &vs.info);
	vs.strategy = info->strategy;
	vs.stats = stats;
	vs.callback = callback;
	vs.callback_state = callback_state;
	vs.deleted = HnswTidSetCreate(1024);
	vs.top_level = -1;
	vs.tmpctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum",
									  ALLOCSET_DEFAULT_SIZES);

	/* pass 1, then wait out the scans that may hold dead heap TIDs */
	VacuumRemoveDeadTids(&vs);
	LockPage(vs.index, HNSW_SCAN_LOCK, ExclusiveLock);
	UnlockPage(vs.index, HNSW_SCAN_LOCK, ExclusiveLock);

	if (vs.ndeleted > 0)
	{
		/* wait out inserts that may link to deleted elements */
		LockPage(vs.index, HNSW_UPDATE_LOCK, ExclusiveLock);
		VacuumMoveEntryPoint(&vs);
		UnlockPage(vs.index, HNSW_UPDATE_LOCK, ExclusiveLock);

		VacuumRepairLinks(&vs);
		VacuumFreeDeleted(&vs);
	}

	MemoryContextDelete(vs.tmpctx);
	return stats;
}

/*
 * hnswvacuumcleanup
 *		amvacuumcleanup callback: count pages and live heap TIDs.
 */
IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	HnswIndexInfo hinfo;
	BlockNumber nblocks;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	HnswGetIndexInfo(index, &hinfo);
	nblocks = RelationGetNumberOfBlocks(index);
	stats->num_pages = nblocks;
	stats->num_index_tuples = 0;
	stats->pages_free = 0;

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		bool		empty = true;

		buf = VacuumLockPage(index, blkno, info->strategy, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple etup = HnswPageGetTuple(index, &hinfo, page,
													 blkno, off);

			if (etup == NULL)
				continue;
			empty = false;
			if (!(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
				stats->num_index_tuples += etup->ntids;
		}
		UnlockReleaseBuffer(buf);
		if (empty)
			stats->pages_free++;
	}
	return stats;
}
