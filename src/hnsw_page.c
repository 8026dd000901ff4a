/*-------------------------------------------------------------------------
 *
 * hnsw_page.c
 *	  Pages and tuples of the index: initialising a page, the largest tuple
 *	  and the level an element may have, forming an element tuple, reading
 *	  tuples with their bounds checked, and reporting damage.
 *
 * src/hnsw_page.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "hnsw.h"

/*
 * HnswCheckLinkSlow
 *		The slow path of HnswCheckLink.
 */
void
HnswCheckLinkSlow(Relation index, ItemPointer link, BlockNumber blkno,
				  OffsetNumber offno)
{
	BlockNumber target = ItemPointerGetBlockNumberNoCheck(link);
	OffsetNumber toff = ItemPointerGetOffsetNumberNoCheck(link);

	if (toff == InvalidOffsetNumber || toff > MaxOffsetNumber)
		HnswCorrupt(index, blkno, offno,
					"It refers to (%u,%u), an offset no page can have.",
					target, toff);
	if (target == HNSW_METAPAGE_BLKNO)
		HnswCorrupt(index, blkno, offno,
					"It refers to (%u,%u), on the meta page.", target, toff);
	if (!HnswBlockExists(index, target))
		HnswCorrupt(index, blkno, offno,
					"It refers to (%u,%u), past the end of the index (%u blocks).",
					target, toff, HnswKnownBlocks(index, false));
}

/*
 * HnswTupleCorrupted
 *		Report the tuple HnswPageGetTuple found damaged.
 */
void
HnswTupleCorrupted(Relation index, HnswIndexInfo *info, Page page,
				   BlockNumber blkno, OffsetNumber offno)
{
	ItemId		itemid = PageGetItemId(page, offno);
	Size		len = ItemIdGetLength(itemid);
	HnswElementTuple tup;

	if (ItemIdGetOffset(itemid) + len > BLCKSZ)
		HnswCorrupt(index, blkno, offno,
					"The line pointer (offset %u, length %zu) reaches past the end of the page.",
					ItemIdGetOffset(itemid), len);
	if (len < HNSW_LINKS_TUPLE_HEADER)
		HnswCorrupt(index, blkno, offno, "The tuple is %zu bytes long.", len);
	tup = (HnswElementTuple) PageGetItem(page, itemid);
	if (tup->level > HNSW_MAX_LEVEL)
		HnswCorrupt(index, blkno, offno,
					"The tuple has level %u, above the limit %d.",
					tup->level, HNSW_MAX_LEVEL);
	if (!(tup->flags & HNSW_LINKS_TUPLE) &&
		HnswExpectedTupleSize(tup, info->value_size, info->m) == 0)
		HnswCorrupt(index, blkno, offno, "The element has %u heap TIDs.",
					tup->ntids);
	HnswCorrupt(index, blkno, offno,
				"The tuple is %zu bytes long, expected %zu for its level, flags and heap TIDs at %d dimensions and m = %d.",
				len, HnswExpectedTupleSize(tup, info->value_size, info->m),
				info->dimensions, info->m);
}

/*
 * HnswRandomLevel
 *		Draw a level from "prng": floor(-ln(U) * mL) with mL = 1/ln(m), U in
 *		(0, 1].
 *
 * Then P(level >= l) = m^-l.  Capped at HNSW_MAX_LEVEL.
 */
int
HnswRandomLevel(pg_prng_state *prng, int m)
{
	double		u = 1.0 - pg_prng_double(prng);	/* (0, 1] */
	double		level = floor(-log(u) / log((double) m));

	return (int) Min(level, HNSW_MAX_LEVEL);
}

/*
 * HnswMaxTupleSize
 *		Largest tuple that fits alone on one of our pages.  A page takes a
 *		tuple's length rounded up to MAXALIGN, so this is a multiple of it:
 *		every tuple up to this size fits, none larger does.
 */
Size
HnswMaxTupleSize(void)
{
	return MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
						 MAXALIGN(sizeof(HnswPageOpaqueData)) -
						 sizeof(ItemIdData));
}

/*
 * HnswMaxValueSize
 *		The largest value an index can hold: that of an element with its
 *		links in a separate links tuple and the most heap TIDs that still
 *		fits on a page.  Each type says how many dimensions that is.
 */
Size
HnswMaxValueSize(void)
{
	return HnswMaxTupleSize() - HnswLinksOffset(HNSW_MAX_HEAPTIDS, 0) -
		sizeof(ItemPointerData);
}

/*
 * HnswInitPage
 *		Initialise an empty page of the given type.
 */
void
HnswInitPage(Page page, uint16 page_type)
{
	HnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->nextblkno = InvalidBlockNumber;
	opaque->page_type = page_type;
	opaque->page_id = HNSW_PAGE_ID;
}

/*
 * HnswShapeElement
 *		How an element with ntids heap TIDs at "level" is stored: with its
 *		links inline, or, when that tuple would not fit on a page, with its
 *		links in a links tuple of their own.  Build, insert and the estimates
 *		all shape elements by this.
 */
HnswElementShape
HnswShapeElement(const HnswIndexInfo *info, int ntids, int level)
{
	HnswElementShape shape;
	Size		inline_size = HnswElementTupleSize(ntids, info->value_size,
												   info->m, level);

	if (inline_size <= HnswMaxTupleSize())
	{
		shape.element_size = inline_size;
		shape.links_size = 0;
	}
	else
	{
		shape.element_size = HnswExternalElementSize(ntids, info->value_size);
		shape.links_size = HnswLinksTupleSize(info->m, level);
	}
	return shape;
}

/*
 * HnswFormElement
 *		Lay out an element of this shape in "element" and, when its links
 *		live apart, its links tuple in "links" (each at least as large as
 *		the shape says), every link slot empty.  Returns the link slots, for
 *		the caller to fill.  An external element's links TID is left
 *		invalid: the caller sets it (HnswElementLinks) once the links tuple
 *		has a place.  Padding is zero, so equal elements give equal bytes.
 */
ItemPointer
HnswFormElement(const HnswIndexInfo *info, HnswElementShape shape, int level,
				const ItemPointerData *tids, int ntids, const void *value,
				char *element, char *links)
{
	HnswElementTuple etup = (HnswElementTuple) element;
	Size		vsize = info->value_size;
	ItemPointer slots;

	memset(element, 0, shape.element_size);
	etup->level = level;
	etup->ntids = ntids;
	memcpy(etup->tids, tids, sizeof(ItemPointerData) * ntids);
	memcpy(HnswElementValue(etup), value, vsize);
	if (shape.links_size == 0)
	{
		etup->flags = 0;
		slots = HnswElementLinks(etup, vsize);
	}
	else
	{
		HnswElementTuple ltup = (HnswElementTuple) links;

		etup->flags = HNSW_ELEMENT_EXTERNAL;
		ItemPointerSetInvalid(HnswElementLinks(etup, vsize));
		memset(links, 0, shape.links_size);
		ltup->level = level;
		ltup->flags = HNSW_LINKS_TUPLE;
		slots = HnswTupleLinks(ltup, vsize);
	}
	for (int i = 0; i < HnswLinkSlots(info->m, level); i++)
		ItemPointerSetInvalid(&slots[i]);
	return slots;
}

/*
 * HnswElementWithTids
 *		Copy element "old" of oldsize bytes into "out" with the ntids heap
 *		TIDs "tids" in place of its own (which tids must not point into);
 *		everything after the TIDs moves with them.  Returns the new size,
 *		HnswResizedElementSize(oldsize, old->ntids, ntids), which out must
 *		have room for.  Inserts add a TID this way, vacuum removes dead ones.
 */
Size
HnswElementWithTids(HnswElementTuple old, Size oldsize,
					const ItemPointerData *tids, int ntids, char *out)
{
	HnswElementTuple nt = (HnswElementTuple) out;
	Size		tail = oldsize - HnswValueOffset(old->ntids);

	memset(out, 0, HnswValueOffset(ntids));
	nt->level = old->level;
	nt->flags = old->flags;
	nt->ntids = ntids;
	memcpy(nt->tids, tids, sizeof(ItemPointerData) * ntids);
	memcpy(out + HnswValueOffset(ntids),
		   (char *) old + HnswValueOffset(old->ntids), tail);
	return HnswValueOffset(ntids) + tail;
}

/*
 * HnswGetTupleOnPage
 *		The tuple at offno of a locked page, or NULL when there is none (a
 *		slot that was freed, or past the end).  The caller holds the page's
 *		buffer pinned and locked (share or exclusive) for as long as it uses
 *		the tuple.
 */
HnswElementTuple
HnswGetTupleOnPage(Page page, OffsetNumber offno)
{
	ItemId		itemid = HnswPageGetNormalItemId(page, offno);

	if (itemid == NULL)
		return NULL;
	/* a damaged line pointer must not lead a caller outside the page */
	if (ItemIdGetOffset(itemid) + ItemIdGetLength(itemid) > BLCKSZ ||
		ItemIdGetLength(itemid) < HNSW_LINKS_TUPLE_HEADER)
		return NULL;
	return (HnswElementTuple) PageGetItem(page, itemid);
}

/*
 * ReadTupleShared
 *		Pin and share-lock the page of tid and return the tuple there
 *		(checked: HnswPageGetTuple), or NULL when there is none.  The caller
 *		has checked tid (HnswCheckLink) and releases *buf with
 *		UnlockReleaseBuffer either way.
 */
static HnswElementTuple
ReadTupleShared(Relation index, HnswIndexInfo *info, ItemPointer tid,
				Buffer *buf)
{
	*buf = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
	LockBuffer(*buf, BUFFER_LOCK_SHARE);
	return HnswPageGetTuple(index, info, BufferGetPage(*buf),
							ItemPointerGetBlockNumber(tid),
							ItemPointerGetOffsetNumber(tid));
}

/*
 * CopyCheckedLinks
 *		Copy n link slots of the tuple at "from" (on a page the caller holds
 *		locked) to "out", checking each used one (HnswCheckLink).
 */
static void
CopyCheckedLinks(Relation index, ItemPointer from, const ItemPointerData *slots,
				 int n, ItemPointerData *out)
{
	memcpy(out, slots, sizeof(ItemPointerData) * n);
	for (int i = 0; i < n; i++)
	{
		if (ItemPointerIsValid(&out[i]))
			HnswCheckLink(index, &out[i], ItemPointerGetBlockNumber(from),
						  ItemPointerGetOffsetNumber(from));
	}
}

/*
 * HnswReadElementHeader
 *		Copy the value (when "value" is not NULL), level and links location
 *		of the live element at tid.  Returns false when tid holds no live
 *		element.  Takes and releases a share lock on its page; the caller
 *		holds no buffer lock and has checked tid (HnswCheckLink).
 */
bool
HnswReadElementHeader(Relation index, HnswIndexInfo *info, ItemPointer tid,
					  void *value, int *level, ItemPointer links_tid)
{
	Buffer		buf;
	HnswElementTuple etup;
	bool		ok = false;

	etup = ReadTupleShared(index, info, tid, &buf);
	if (etup != NULL &&
		!(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
	{
		if (value)
			memcpy(value, HnswElementValue(etup), info->value_size);
		*level = etup->level;
		if (etup->flags & HNSW_ELEMENT_EXTERNAL)
		{
			*links_tid = *HnswElementLinks(etup, info->value_size);
			HnswCheckLink(index, links_tid, ItemPointerGetBlockNumber(tid),
						  ItemPointerGetOffsetNumber(tid));
		}
		else
			*links_tid = *tid;
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * HnswReadElementValue
 *		Copy the value of the element at tid, deleted or not; false when tid
 *		holds no element.  Takes and releases a share lock on its page; the
 *		caller holds no buffer lock and has checked tid (HnswCheckLink).
 */
bool
HnswReadElementValue(Relation index, HnswIndexInfo *info, ItemPointer tid,
					 void *out)
{
	Buffer		buf;
	HnswElementTuple etup;
	bool		ok = false;

	etup = ReadTupleShared(index, info, tid, &buf);
	if (etup != NULL && !(etup->flags & HNSW_LINKS_TUPLE))
	{
		memcpy(out, HnswElementValue(etup), info->value_size);
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * HnswReadAllLinks
 *		Copy all link slots (of every level up to "level") of the tuple at
 *		links_tid; false when it is gone or has another level.  Each used
 *		slot is checked (HnswCheckLink).  Takes and releases a share lock
 *		on the links' page; the caller holds no buffer lock.  The copy may
 *		be stale as soon as it is returned: a caller that rewrites the
 *		slots reads them again under the exclusive lock.
 */
bool
HnswReadAllLinks(Relation index, HnswIndexInfo *info, ItemPointer links_tid,
				 int level, ItemPointerData *slots)
{
	Buffer		buf;
	HnswElementTuple tup;
	bool		ok = false;

	tup = ReadTupleShared(index, info, links_tid, &buf);
	if (tup != NULL && tup->level == level && HnswTupleHoldsLinks(tup))
	{
		CopyCheckedLinks(index, links_tid, HnswTupleLinks(tup, info->value_size),
						 HnswLinkSlots(info->m, level), slots);
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * HnswReadElementLinks
 *		Copy the links at one level of the element at tid (deleted or not)
 *		into "out" (room for 2 * m); returns their number.  The links are
 *		checked (HnswCheckLink).  Share-locks the element's page, and then
 *		the links' page if they are elsewhere, one at a time, and returns
 *		holding neither; the caller holds no buffer lock.
 */
int
HnswReadElementLinks(Relation index, HnswIndexInfo *info, ItemPointer tid,
					 int level, ItemPointerData *out)
{
	Buffer		buf;
	HnswElementTuple etup;
	ItemPointerData links_tid = *tid;
	int			n = 0;

	etup = ReadTupleShared(index, info, tid, &buf);
	if (etup == NULL || (etup->flags & HNSW_LINKS_TUPLE) || etup->level < level)
	{
		UnlockReleaseBuffer(buf);
		return 0;
	}
	if (etup->flags & HNSW_ELEMENT_EXTERNAL)
	{
		links_tid = *HnswElementLinks(etup, info->value_size);
		UnlockReleaseBuffer(buf);
		HnswCheckLink(index, &links_tid, ItemPointerGetBlockNumber(tid),
					  ItemPointerGetOffsetNumber(tid));
		etup = ReadTupleShared(index, info, &links_tid, &buf);
		if (etup == NULL || etup->level < level || !HnswTupleHoldsLinks(etup))
		{
			UnlockReleaseBuffer(buf);
			return 0;
		}
	}
	n = HnswUsedLinks(HnswLevelLinks(etup, info, level),
					  HnswLinksAtLevel(info->m, level));
	CopyCheckedLinks(index, &links_tid, HnswLevelLinks(etup, info, level), n,
					 out);
	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * Placing tuples on new pages in order, the way a build writes the graph:
 * a tuple goes on the current page while its line pointer and its MAXALIGNed
 * length fit between the page header and the special space, else on a new
 * page.  The build places every tuple twice, once to learn where each one
 * goes (links are TIDs) and once to write it there, and the memory estimate
 * places the tuples of a model graph; all three get the same places.
 */

/*
 * HnswPlacerFlush
 *		Write the current page out, if it has tuples and is being written:
 *		extends the index by that block, exclusively locked while it is
 *		filled, and returns holding no buffer.  The pages are not WAL-logged
 *		here; the build holds the index exclusively (no one else can see
 *		it) and logs every page once all are written.
 */
void
HnswPlacerFlush(HnswPagePlacer *pp)
{
	Buffer		buf;

	if (pp->page == NULL || pp->next_offno == FirstOffsetNumber)
		return;
	buf = ReadBufferExtended(pp->index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	if (BufferGetBlockNumber(buf) != pp->blkno)
		elog(ERROR, "hnsw build wrote block %u, expected %u",
			 BufferGetBlockNumber(buf), pp->blkno);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(BufferGetPage(buf), pp->page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Go on to the next page, writing the current one out first */
static void
PlacerNewPage(HnswPagePlacer *pp)
{
	if (pp->page != NULL)
	{
		HnswPlacerFlush(pp);
		HnswInitPage(pp->page, HNSW_PAGE_ELEMENTS);
	}
	pp->blkno++;
	pp->next_offno = FirstOffsetNumber;
	pp->lower = SizeOfPageHeaderData;
	pp->upper = BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData));
}

/*
 * HnswPlacerInit
 *		Start placing tuples on block 1, the first after the meta page;
 *		with "page" (a BLCKSZ buffer) the tuples are also written, each
 *		page as it fills.
 */
void
HnswPlacerInit(HnswPagePlacer *pp, Relation index, Page page)
{
	pp->blkno = HNSW_METAPAGE_BLKNO;
	pp->page = page;
	pp->index = index;
	pp->next_offno = FirstOffsetNumber;	/* nothing to flush yet */
	if (page)
		HnswInitPage(page, HNSW_PAGE_ELEMENTS);
	PlacerNewPage(pp);
}

/*
 * HnswPlacerAdd
 *		Place a tuple of "size" bytes (at most HnswMaxTupleSize) on the
 *		current page or a new one; when writing, copy "tuple" there.
 */
void
HnswPlacerAdd(HnswPagePlacer *pp, Item tuple, Size size, BlockNumber *blkno,
		  OffsetNumber *offno)
{
	if (pp->lower + sizeof(ItemIdData) + MAXALIGN(size) > pp->upper)
		PlacerNewPage(pp);
	pp->lower += sizeof(ItemIdData);
	pp->upper -= MAXALIGN(size);
	*blkno = pp->blkno;
	*offno = pp->next_offno++;
	if (pp->page != NULL &&
		PageAddItem(pp->page, tuple, size, *offno, false, false) != *offno)
		elog(ERROR, "failed to add hnsw tuple during build");
}

/*
 * HnswPlacerPages
 *		The pages the tuples placed so far take, the last one counted by the
 *		fraction of its space in use.
 */
double
HnswPlacerPages(HnswPagePlacer *pp)
{
	Size		space = BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData)) -
		SizeOfPageHeaderData;

	if (pp->blkno == 1 && pp->next_offno == FirstOffsetNumber)
		return 0;
	return (double) (pp->blkno - 1) +
		(double) (pp->lower - SizeOfPageHeaderData +
				  BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData)) - pp->upper) /
		(double) space;
}

/*
 * HnswItemPointerCmp
 *		qsort comparator of item pointers, in block and offset order.
 */
int
HnswItemPointerCmp(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}
