/*-------------------------------------------------------------------------
 *
 * hnsw_insert.c
 *	  Insert a row into the on-disk HNSW graph.
 *
 * Inserts hold the heavyweight update lock (see HNSW_UPDATE_LOCK) in share
 * mode, or in exclusive mode when they may move the entry point, for their
 * whole duration.  Buffer locks are taken one at a time, except that a page
 * being extended is locked after its predecessor; see src/README.md.
 *
 * src/hnsw_insert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "nodes/execnodes.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

/* How often a back-link update re-reads a list that changed under it */
#define HNSW_BACKLINK_RETRIES	3

/*
 * InsertPlaceOnPage
 *		Add a tuple to a page being changed (a generic WAL copy); it must
 *		have room.
 */
static OffsetNumber
InsertPlaceOnPage(Relation index, Page page, Item tuple, Size size)
{
	OffsetNumber offno = PageAddItem(page, tuple, size, InvalidOffsetNumber,
									 false, false);

	if (offno == InvalidOffsetNumber)
		elog(ERROR, "failed to add tuple to hnsw index \"%s\"",
			 RelationGetRelationName(index));
	return offno;
}

/*
 * InsertTryPage
 *		Add a tuple to page blkno if it is an element page with room, in one
 *		WAL record.  Returns the offset, or InvalidOffsetNumber when it does
 *		not fit or blkno is no element page (a page of the chain must be
 *		one: the caller says so with in_chain, and the index is then
 *		reported corrupted); *next gets the page's next-page link, and
 *		*avail its free space afterwards.
 */
static OffsetNumber
InsertTryPage(Relation index, BlockNumber blkno, Item tuple, Size size,
			  bool in_chain, BlockNumber *next, Size *avail)
{
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;
	OffsetNumber offno = InvalidOffsetNumber;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	if (!HnswIsElementPage(page))
	{
		if (in_chain)
			HnswCorrupt(index, blkno, InvalidOffsetNumber,
						"The chain of element pages leads to a page that is no element page.");
		UnlockReleaseBuffer(buf);
		*next = InvalidBlockNumber;
		*avail = 0;
		return InvalidOffsetNumber;
	}
	if (PageGetFreeSpace(page) >= MAXALIGN(size))
	{
		GenericXLogState *xlog = GenericXLogStart(index);

		offno = InsertPlaceOnPage(index, GenericXLogRegisterBuffer(xlog, buf, 0),
								  tuple, size);
		GenericXLogFinish(xlog);
	}
	*next = HnswPageGetOpaque(BufferGetPage(buf))->nextblkno;
	*avail = PageGetFreeSpace(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	return offno;
}

/*
 * InsertExtend
 *		Add a new element page holding the tuple.  When "last" is valid it is
 *		the exclusively locked last page, and the link to the new page goes
 *		into the same WAL record as the new page.  Returns the tuple's TID.
 */
static void
InsertExtend(Relation index, Buffer last, Item tuple, Size size,
			 ItemPointer tid)
{
	Buffer		newbuf;
	Page		newpage;
	GenericXLogState *xlog;
	OffsetNumber offno;

	LockRelationForExtension(index, ExclusiveLock);
	newbuf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	UnlockRelationForExtension(index, ExclusiveLock);
	LockBuffer(newbuf, BUFFER_LOCK_EXCLUSIVE);

	xlog = GenericXLogStart(index);
	if (BufferIsValid(last))
		HnswPageGetOpaque(GenericXLogRegisterBuffer(xlog, last, 0))->nextblkno =
			BufferGetBlockNumber(newbuf);
	newpage = GenericXLogRegisterBuffer(xlog, newbuf, GENERIC_XLOG_FULL_IMAGE);
	HnswInitPage(newpage, HNSW_PAGE_ELEMENTS);
	offno = InsertPlaceOnPage(index, newpage, tuple, size);
	GenericXLogFinish(xlog);
	ItemPointerSet(tid, BufferGetBlockNumber(newbuf), offno);
	UnlockReleaseBuffer(newbuf);
}

/*
 * InsertCheckNext
 *		Check the next-page link "next" of page "from" (block 0: the meta
 *		page's insert hint) before following it, and that the walk along the
 *		chain, "steps" pages so far, has not gone round a cycle: a chain
 *		without one visits each page at most once.
 */
static void
InsertCheckNext(Relation index, BlockNumber from, BlockNumber next,
				BlockNumber steps)
{
	if (next == HNSW_METAPAGE_BLKNO)
		HnswCorrupt(index, from, InvalidOffsetNumber,
					"It links to the meta page as an element page.");
	if (!HnswBlockExists(index, next))
		HnswCorrupt(index, from, InvalidOffsetNumber,
					"It links to element page %u, past the end of the index (%u blocks).",
					next, HnswKnownBlocks(index, false));
	if (steps >= HnswKnownBlocks(index, false) &&
		steps >= HnswKnownBlocks(index, true))
		HnswCorrupt(index, from, InvalidOffsetNumber,
					"The chain of element pages goes round a cycle through block %u.",
					next);
}

/*
 * InsertAddTuple
 *		Put a tuple on a page with room: one the free space map offers (room
 *		vacuum freed), else the first from the meta page's insert hint on,
 *		else a new page.  Sets *tid to the tuple's TID.
 */
static void
InsertAddTuple(Relation index, BlockNumber start, Item tuple, Size size,
			   ItemPointer tid)
{
	BlockNumber blkno;
	BlockNumber next;
	BlockNumber from = HNSW_METAPAGE_BLKNO;
	BlockNumber steps = 0;
	Size		avail;
	OffsetNumber offno;

	if (size > HnswMaxTupleSize())
		elog(ERROR, "hnsw tuple of %zu bytes does not fit a page", size);

	/*
	 * Room that vacuum freed comes first; correct the map as we go.  The map
	 * is only a hint, and one naming a page the index does not have is
	 * ignored.
	 */
	blkno = GetPageWithFreeSpace(index, MAXALIGN(size) + sizeof(ItemIdData));
	if (blkno != InvalidBlockNumber && blkno != HNSW_METAPAGE_BLKNO &&
		HnswBlockExists(index, blkno))
	{
		offno = InsertTryPage(index, blkno, tuple, size, false, &next,
							  &avail);
		RecordPageWithFreeSpace(index, blkno, avail);
		if (offno != InvalidOffsetNumber)
		{
			ItemPointerSet(tid, blkno, offno);
			return;
		}
	}

	blkno = start;
	if (blkno == InvalidBlockNumber)
		blkno = RelationGetNumberOfBlocks(index) > 1 ? 1 : InvalidBlockNumber;

	while (blkno != InvalidBlockNumber)
	{
		Buffer		buf;

		CHECK_FOR_INTERRUPTS();
		InsertCheckNext(index, from, blkno, steps++);
		from = blkno;
		offno = InsertTryPage(index, blkno, tuple, size, true, &next, &avail);
		if (offno != InvalidOffsetNumber)
		{
			ItemPointerSet(tid, blkno, offno);
			return;
		}
		if (next != InvalidBlockNumber)
		{
			blkno = next;
			continue;
		}

		/*
		 * The last page is full: lock it again and, if it still is the last
		 * one, extend while holding it, so that concurrent inserters wait
		 * and then follow the new link.
		 */
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		next = HnswPageGetOpaque(BufferGetPage(buf))->nextblkno;
		if (next == InvalidBlockNumber)
		{
			InsertExtend(index, buf, tuple, size, tid);
			UnlockReleaseBuffer(buf);
			return;
		}
		UnlockReleaseBuffer(buf);
		blkno = next;
	}

	/* no element page at all yet: the first one follows the meta page */
	InsertExtend(index, InvalidBuffer, tuple, size, tid);
}

/*
 * InsertUpdateMeta
 *		Point the meta page's insert hint at "insert_page" and, when
 *		new_level is not -1, move the entry point to the new element.
 *
 * The caller holds the update lock exclusively when moving the entry.
 */
static void
InsertUpdateMeta(Relation index, BlockNumber insert_page, ItemPointer entry,
				 int new_level)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *xlog;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	xlog = GenericXLogStart(index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(xlog, buf, 0));
	if (insert_page != InvalidBlockNumber &&
		(meta->insert_page == InvalidBlockNumber ||
		 insert_page > meta->insert_page))
		meta->insert_page = insert_page;
	if (new_level > meta->entry_level)
	{
		meta->entry_blkno = ItemPointerGetBlockNumber(entry);
		meta->entry_offno = ItemPointerGetOffsetNumber(entry);
		meta->entry_level = new_level;
	}
	GenericXLogFinish(xlog);
	UnlockReleaseBuffer(buf);
}

/*
 * InsertAddHeapTid
 *		Give an existing element with an identical value one more heap TID.
 *		Returns false when it cannot take it (full, deleted, changed, or no
 *		room on its page); then the caller inserts a new element.
 */
static bool
InsertAddHeapTid(Relation index, HnswIndexInfo *info, HnswCandidate *dup,
				 const void *value, ItemPointer heap_tid)
{
	Buffer		buf = ReadBuffer(index, dup->blkno);
	Page		page;
	ItemId		itemid;
	HnswElementTuple old;
	ItemPointerData tids[HNSW_MAX_HEAPTIDS];
	char	   *new;
	Size		oldsize;
	Size		newsize;
	bool		ok = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	old = HnswPageGetTuple(index, info, page, dup->blkno, dup->offno);
	if (old == NULL)
		goto done;
	itemid = PageGetItemId(page, dup->offno);
	oldsize = ItemIdGetLength(itemid);
	if ((old->flags & (HNSW_ELEMENT_DELETED | HNSW_LINKS_TUPLE)) ||
		old->ntids >= HNSW_MAX_HEAPTIDS ||
		memcmp(HnswElementValue(old), value, info->value_size) != 0)
		goto done;

	/* the tuple grows by one TID; everything after it shifts */
	newsize = HnswResizedElementSize(oldsize, old->ntids, old->ntids + 1);
	if (newsize > oldsize &&
		(newsize > HnswMaxTupleSize() ||
		 MAXALIGN(newsize) - MAXALIGN(oldsize) > PageGetExactFreeSpace(page)))
		goto done;

	memcpy(tids, old->tids, sizeof(ItemPointerData) * old->ntids);
	tids[old->ntids] = *heap_tid;
	new = palloc(newsize);
	HnswElementWithTids(old, oldsize, tids, old->ntids + 1, new);

	{
		GenericXLogState *xlog = GenericXLogStart(index);

		page = GenericXLogRegisterBuffer(xlog, buf, 0);
		if (!PageIndexTupleOverwrite(page, dup->offno, (Item) new, newsize))
			elog(ERROR, "failed to grow hnsw element tuple");
		GenericXLogFinish(xlog);
	}
	pfree(new);
	ok = true;

done:
	UnlockReleaseBuffer(buf);
	return ok;
}

/* Pair distances for the heuristic over candidates with kept values */
typedef struct InsertSelectArg
{
	HnswIndexInfo *info;
	const void **values;
} InsertSelectArg;

static float
InsertPairDistance(void *arg, int a, int b)
{
	InsertSelectArg *sa = (InsertSelectArg *) arg;

	return sa->info->kernel(sa->info->dimensions, sa->values[a],
							sa->values[b]);
}

/*
 * BacklinkChoose
 *		The links neighbour nb keeps at "level" when its full list "seen" (n
 *		links) and the new element compete: the heuristic's choice among
 *		them, nearest to nb first, into "chosen" (room for limit); returns
 *		how many.  The values come from the search's copies, else from their
 *		pages; an element gone meanwhile drops out.  Holds no buffer lock.
 */
static int
BacklinkChoose(Relation index, HnswIndexInfo *info, HnswSearchState *st,
			   HnswCandidate *nb, const ItemPointerData *seen, int n,
			   ItemPointer newtid, const void *newvalue, int limit,
			   ItemPointerData *chosen)
{
	const void **values = palloc(sizeof(void *) * (n + 1));
	float	   *dists = palloc(sizeof(float) * (n + 1));
	int		   *selected = palloc(sizeof(int) * (n + 1));
	ItemPointerData *cand_tids = palloc(sizeof(ItemPointerData) * (n + 1));
	int			ncand = 0;
	int			nchosen;
	InsertSelectArg sa;

	for (int i = 0; i < n; i++)
	{
		HnswCandidate *known = HnswSearchLookup(st,
												ItemPointerGetBlockNumber(&seen[i]),
												ItemPointerGetOffsetNumber(&seen[i]));
		void	   *v;

		if (known && known->value)
			v = known->value;
		else
		{
			v = palloc(info->value_size);
			if (!HnswReadElementValue(index, info, (ItemPointer) &seen[i], v))
				continue;
		}
		values[ncand] = v;
		cand_tids[ncand] = seen[i];
		dists[ncand] = info->kernel(info->dimensions, nb->value, v);
		ncand++;
	}
	values[ncand] = newvalue;
	cand_tids[ncand] = *newtid;
	dists[ncand] = info->kernel(info->dimensions, nb->value, newvalue);
	ncand++;

	/* sort candidates nearest first (insertion sort: n <= 200) */
	for (int i = 1; i < ncand; i++)
	{
		float		d = dists[i];
		const void *v = values[i];
		ItemPointerData t = cand_tids[i];
		int			j = i - 1;

		while (j >= 0 && dists[j] > d)
		{
			dists[j + 1] = dists[j];
			values[j + 1] = values[j];
			cand_tids[j + 1] = cand_tids[j];
			j--;
		}
		dists[j + 1] = d;
		values[j + 1] = v;
		cand_tids[j + 1] = t;
	}

	sa.info = info;
	sa.values = values;
	nchosen = HnswSelectNeighbors(dists, ncand, limit, InsertPairDistance, &sa,
								  &pg_global_prng_state, selected);
	for (int i = 0; i < nchosen; i++)
		chosen[i] = cand_tids[selected[i]];

	pfree(values);
	pfree(dists);
	pfree(selected);
	pfree(cand_tids);
	return nchosen;
}

/*
 * BacklinkWrite
 *		Change nb's links at "level" on its exclusively locked page (buf),
 *		WAL-logged: append the new element when the list has room (n <
 *		limit), else replace the list by "chosen".
 */
static void
BacklinkWrite(Relation index, HnswIndexInfo *info, Buffer buf,
			  HnswCandidate *nb, int level, int n, int limit,
			  ItemPointer newtid, const ItemPointerData *chosen, int nchosen)
{
	GenericXLogState *xlog = GenericXLogStart(index);
	Page		wpage = GenericXLogRegisterBuffer(xlog, buf, 0);
	HnswElementTuple wtup = (HnswElementTuple)
		PageGetItem(wpage, PageGetItemId(wpage, nb->links_offno));
	ItemPointer wslots = HnswLevelLinks(wtup, info, level);

	if (n < limit)
		wslots[n] = *newtid;
	else
	{
		for (int i = 0; i < limit; i++)
		{
			if (i < nchosen)
				wslots[i] = chosen[i];
			else
				ItemPointerSetInvalid(&wslots[i]);
		}
	}
	GenericXLogFinish(xlog);
}

/*
 * HnswAddBacklink
 *		Add the new element to the links of neighbour "nb" at "level".
 *
 * When the list is full, the heuristic chooses among the old links and the
 * new element (BacklinkChoose).  The values it needs are read without
 * holding nb's page, so the list is read again under the exclusive lock and
 * the choice made again if a concurrent insert changed it meanwhile, at
 * most HNSW_BACKLINK_RETRIES times.  Takes and releases the exclusive lock
 * on nb's links page; the caller holds the update lock.
 */
void
HnswAddBacklink(Relation index, HnswIndexInfo *info, HnswSearchState *st,
				HnswCandidate *nb, ItemPointer newtid, const void *newvalue,
				int level)
{
	int			limit = HnswLinksAtLevel(info->m, level);
	ItemPointerData *seen = palloc(sizeof(ItemPointerData) * limit);
	ItemPointerData *chosen = palloc(sizeof(ItemPointerData) * limit);
	int			nseen = -1;		/* -1: the list has not been read yet */
	int			nchosen = -1;

	for (int attempt = 0; attempt <= HNSW_BACKLINK_RETRIES; attempt++)
	{
		Buffer		buf = ReadBuffer(index, nb->links_blkno);
		Page		page;
		HnswElementTuple tup;
		ItemPointer slots;
		int			n;
		bool		same;
		bool		linked = false;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		tup = HnswPageGetTuple(index, info, page, nb->links_blkno,
							   nb->links_offno);
		/* gone, or the slot now holds a tuple without links of the level */
		if (tup == NULL || tup->level < level || !HnswTupleHoldsLinks(tup))
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		slots = HnswLevelLinks(tup, info, level);
		n = HnswUsedLinks(slots, limit);
		for (int i = 0; i < n && !linked; i++)
		{
			linked = ItemPointerEquals(&slots[i], newtid);
			HnswCheckLink(index, &slots[i], nb->links_blkno, nb->links_offno);
		}
		if (linked)
		{
			UnlockReleaseBuffer(buf);
			break;
		}

		same = (n == nseen);
		for (int i = 0; same && i < n; i++)
			same = ItemPointerEquals(&slots[i], &seen[i]);

		if (n < limit || (same && nchosen >= 0))
		{
			BacklinkWrite(index, info, buf, nb, level, n, limit, newtid,
						  chosen, nchosen);
			UnlockReleaseBuffer(buf);
			break;
		}

		/* full, and not yet decided on this version of the list */
		nseen = n;
		memcpy(seen, slots, sizeof(ItemPointerData) * n);
		UnlockReleaseBuffer(buf);
		nchosen = BacklinkChoose(index, info, st, nb, seen, n, newtid,
								 newvalue, limit, chosen);
	}

	pfree(seen);
	pfree(chosen);
}

/*
 * The neighbours an insert found and chose for its new element, per level
 * from 0 to "top" (-1: none, the graph was empty).
 */
typedef struct InsertNeighbors
{
	int			top;
	HnswCandidate **layers[HNSW_MAX_LEVEL + 1]; /* found, nearest first */
	int			nlayer[HNSW_MAX_LEVEL + 1];
	int		   *selected[HNSW_MAX_LEVEL + 1];	/* chosen: indexes in layers */
	int			nselected[HNSW_MAX_LEVEL + 1];
} InsertNeighbors;

/*
 * InsertFindNeighbors
 *		Search the graph for the new element's candidate neighbours: greedy
 *		descent from the entry point to the element's level, then
 *		ef_construction candidates at each level from there down to 0.
 */
static void
InsertFindNeighbors(HnswSearchState *st, HnswIndexInfo *info,
					HnswMetaPageData *meta, int level, InsertNeighbors *nb)
{
	HnswCandidate *ep;
	int			top;

	nb->top = -1;
	if (meta->entry_blkno == InvalidBlockNumber)
		return;
	/* the levels to search are fixed before the descent rereads the meta */
	top = Min(level, meta->entry_level);
	ep = HnswSearchDescend(st, meta, top);
	if (ep == NULL)
		return;
	nb->top = top;
	for (int lc = top; lc >= 0; lc--)
	{
		HnswCandidate **entries = (lc == nb->top) ? &ep : nb->layers[lc + 1];
		int			nentries = (lc == nb->top) ? 1 : nb->nlayer[lc + 1];

		nb->layers[lc] = HnswSearchLayer(st, entries, nentries,
										 info->ef_construction, lc,
										 &nb->nlayer[lc]);
	}
}

/*
 * InsertChooseLinks
 *		Choose the new element's links at each level among the candidates
 *		found, with the heuristic.  Deleted elements route searches but get
 *		no new links, so they are dropped from the candidates first.
 */
static void
InsertChooseLinks(HnswIndexInfo *info, InsertNeighbors *nb)
{
	for (int lc = nb->top; lc >= 0; lc--)
	{
		HnswCandidate **layer = nb->layers[lc];
		int			n = Max(nb->nlayer[lc], 1);
		float	   *dists = palloc(sizeof(float) * n);
		const void **values = palloc(sizeof(void *) * n);
		int			nlive = 0;
		InsertSelectArg sa;

		for (int i = 0; i < nb->nlayer[lc]; i++)
		{
			if (layer[i]->ntids == 0)
				continue;
			dists[nlive] = layer[i]->distance;
			values[nlive] = layer[i]->value;
			layer[nlive++] = layer[i];
		}
		nb->nlayer[lc] = nlive;
		sa.info = info;
		sa.values = values;
		nb->selected[lc] = palloc(sizeof(int) * n);
		nb->nselected[lc] = HnswSelectNeighbors(dists, nlive,
												HnswLinksAtLevel(info->m, lc),
												InsertPairDistance, &sa,
												&pg_global_prng_state,
												nb->selected[lc]);
		pfree(dists);
		pfree(values);
	}
}

/*
 * InsertWriteElement
 *		Form the new element with its forward links and add it (and its
 *		links tuple, when they live apart) to the index; *newtid is where
 *		the element went.
 */
static void
InsertWriteElement(Relation index, HnswIndexInfo *info,
				   BlockNumber insert_page, int level, ItemPointer heap_tid,
				   const void *value, InsertNeighbors *nb, ItemPointer newtid)
{
	HnswElementShape shape = HnswShapeElement(info, 1, level);
	char	   *element = palloc(shape.element_size);
	char	   *links = shape.links_size > 0 ? palloc(shape.links_size) : NULL;
	ItemPointer slots;

	slots = HnswFormElement(info, shape, level, heap_tid, 1, value, element,
							links);
	for (int lc = nb->top; lc >= 0; lc--)
	{
		for (int i = 0; i < nb->nselected[lc]; i++)
		{
			HnswCandidate *c = nb->layers[lc][nb->selected[lc][i]];

			ItemPointerSet(&slots[HnswLevelSlot(info->m, lc) + i], c->blkno,
						   c->offno);
		}
	}
	if (shape.links_size > 0)
		InsertAddTuple(index, insert_page, (Item) links, shape.links_size,
					   HnswElementLinks((HnswElementTuple) element,
										info->value_size));
	InsertAddTuple(index, insert_page, (Item) element, shape.element_size,
				   newtid);
}

/*
 * HnswInsertValue
 *		Insert one prepared value (normalized for cosine) with its heap TID.
 *		The caller holds RowExclusiveLock on the index (or more) and no
 *		buffer; the function returns holding neither the update lock nor
 *		any buffer.
 *
 * Takes the update lock in share mode, or exclusively when the element
 * may become the entry point (the graph is empty, or its level is above
 * the entry point's), and holds it to the end.
 */
void
HnswInsertValue(Relation index, HnswIndexInfo *info, const void *value,
				ItemPointer heap_tid)
{
	int			level = HnswRandomLevel(&pg_global_prng_state, info->m);
	LOCKMODE	lockmode = ShareLock;
	HnswMetaPageData meta;
	HnswSearchState *st;
	InsertNeighbors nb;
	ItemPointerData newtid;

	LockPage(index, HNSW_UPDATE_LOCK, lockmode);
	HnswReadMeta(index, &meta);
	if (meta.entry_blkno == InvalidBlockNumber || level > meta.entry_level)
	{
		UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
		lockmode = ExclusiveLock;
		LockPage(index, HNSW_UPDATE_LOCK, lockmode);
		HnswReadMeta(index, &meta);
	}

	st = HnswSearchBegin(index, info, value, true, NULL);
	InsertFindNeighbors(st, info, &meta, level, &nb);

	/* an identical value already indexed takes the heap TID */
	if (nb.top >= 0 && nb.nlayer[0] > 0 && nb.layers[0][0]->distance <= 0 &&
		memcmp(nb.layers[0][0]->value, value, info->value_size) == 0 &&
		InsertAddHeapTid(index, info, nb.layers[0][0], value, heap_tid))
	{
		HnswSearchEnd(st);
		UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
		return;
	}

	InsertChooseLinks(info, &nb);
	InsertWriteElement(index, info, meta.insert_page, level, heap_tid, value,
					   &nb, &newtid);

	/* link the neighbours back to it */
	for (int lc = nb.top; lc >= 0; lc--)
		for (int i = 0; i < nb.nselected[lc]; i++)
		{
			CHECK_FOR_INTERRUPTS();
			HnswAddBacklink(index, info, st, nb.layers[lc][nb.selected[lc][i]],
							&newtid, value, lc);
		}

	HnswSearchEnd(st);

	if (level > meta.entry_level ||
		ItemPointerGetBlockNumber(&newtid) != meta.insert_page)
		InsertUpdateMeta(index, ItemPointerGetBlockNumber(&newtid), &newtid,
						 level > meta.entry_level ? level : -1);

	UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
}

/*
 * hnswinsert
 *		aminsert callback: index one row.  NULL vectors are not indexed, nor
 *		are zero vectors under cosine distance (their distance is undefined).
 */
bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	MemoryContext ctx;
	MemoryContext old;
	HnswIndexInfo info;
	void	   *value;

	if (isnull[0])
		return false;

	ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);

	HnswGetIndexInfo(index, &info);
	value = palloc(info.value_size);
	if (HnswPrepareValue(&info, values[0], value))
		HnswInsertValue(index, &info, value, heap_tid);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return false;
}
