/*-------------------------------------------------------------------------
 *
 * hnsw_vacuum.c
 *	  Remove dead heap TIDs from the index.
 *
 * An element whose heap TIDs are all dead is marked deleted: scans no
 * longer return it, but it stays in the graph as a stepping stone, so no
 * neighbour list needs repair.  (Removing such elements, repairing their
 * neighbours' links and reusing the space is the job of a later phase.)
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
#include "utils/rel.h"

#include "hnsw.h"

/*
 * hnswbulkdelete
 *		ambulkdelete callback: drop the heap TIDs the callback reports dead.
 */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	char	   *newtup = palloc(BLCKSZ);

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		GenericXLogState *xlog = NULL;
		OffsetNumber maxoff;

		vacuum_delay_point();

		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		itemid = PageGetItemId(page, off);
			HnswElementTuple etup;
			ItemPointerData live[HNSW_MAX_HEAPTIDS];
			int			nlive = 0;

			if (!ItemIdIsNormal(itemid))
				continue;
			etup = (HnswElementTuple) PageGetItem(page, itemid);
			if (etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED))
				continue;

			for (int i = 0; i < etup->ntids; i++)
			{
				if (callback(&etup->tids[i], callback_state))
					stats->tuples_removed++;
				else
					live[nlive++] = etup->tids[i];
			}
			if (nlive == etup->ntids)
				continue;

			if (xlog == NULL)
			{
				xlog = GenericXLogStart(index);
				page = GenericXLogRegisterBuffer(xlog, buf, 0);
				itemid = PageGetItemId(page, off);
				etup = (HnswElementTuple) PageGetItem(page, itemid);
			}

			if (nlive == 0)
				etup->flags |= HNSW_ELEMENT_DELETED;
			else
			{
				/* rewrite the tuple with fewer TIDs: it shrinks */
				Size		oldsize = ItemIdGetLength(itemid);
				Size		tail = oldsize - HnswVectorOffset(etup->ntids);
				Size		newsize = HnswVectorOffset(nlive) + tail;
				HnswElementTuple nt = (HnswElementTuple) newtup;

				memset(newtup, 0, newsize);
				nt->level = etup->level;
				nt->flags = etup->flags;
				nt->ntids = nlive;
				memcpy(nt->tids, live, sizeof(ItemPointerData) * nlive);
				memcpy(newtup + HnswVectorOffset(nlive),
					   (char *) etup + HnswVectorOffset(etup->ntids), tail);
				if (!PageIndexTupleOverwrite(page, off, (Item) newtup, newsize))
					elog(ERROR, "failed to shrink hnsw element tuple");
			}
		}

		if (xlog != NULL)
			GenericXLogFinish(xlog);
		UnlockReleaseBuffer(buf);
	}

	pfree(newtup);
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
	BlockNumber nblocks;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	nblocks = RelationGetNumberOfBlocks(index);
	stats->num_pages = nblocks;
	stats->num_index_tuples = 0;

	for (BlockNumber blkno = HNSW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		itemid = PageGetItemId(page, off);
			HnswElementTuple etup;

			if (!ItemIdIsNormal(itemid))
				continue;
			etup = (HnswElementTuple) PageGetItem(page, itemid);
			if (!(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
				stats->num_index_tuples += etup->ntids;
		}
		UnlockReleaseBuffer(buf);
	}
	return stats;
}
