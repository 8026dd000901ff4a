/*-------------------------------------------------------------------------
 *
 * hnsw_info.c
 *	  What a backend knows about an open index: the layout its meta page
 *	  records, its size and where its pages were last found in shared
 *	  buffers (cached in rd_amcache, HnswAmCache), with its type and metric
 *	  (hnsw_type.c); reading the meta page.
 *
 * src/hnsw_info.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/rel.h"

#include "hnsw.h"

/*
 * HnswGetBuildInfo
 *		What a build of the index uses: the dimensions of the column's type
 *		modifier (-1 when it has none), the m and ef_construction of the
 *		index options, the metric.  The build records the first three in
 *		the meta page, and from then on only those count.
 */
void
HnswGetBuildInfo(Relation index, HnswIndexInfo *info)
{
	info->dimensions = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
	info->m = HnswOptionM(index);
	info->ef_construction = HnswOptionEfConstruction(index);
	HnswSetType(index, info);
}

/*
 * HnswGetCache
 *		The index's HnswAmCache, made (empty) when it has none.
 */
static HnswAmCache *
HnswGetCache(Relation index)
{
	HnswAmCache *cache = (HnswAmCache *) index->rd_amcache;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(index->rd_indexcxt,
									   offsetof(HnswAmCache, buffers));
		cache->meta_valid = false;
		cache->known_blocks = 0;
		cache->nbuffers = 0;
		index->rd_amcache = cache;
	}
	return cache;
}

/*
 * HnswResetCache
 *		Forget what the cache holds (a build starts over).
 */
void
HnswResetCache(Relation index)
{
	if (index->rd_amcache != NULL)
		pfree(index->rd_amcache);
	index->rd_amcache = NULL;
}

/*
 * HnswKnownBlocks
 *		A number of blocks the index is known to have; with refresh, its
 *		present size (which is then remembered).
 */
BlockNumber
HnswKnownBlocks(Relation index, bool refresh)
{
	HnswAmCache *cache = HnswGetCache(index);

	if (refresh || cache->known_blocks == 0)
		cache->known_blocks = RelationGetNumberOfBlocks(index);
	return cache->known_blocks;
}

/*
 * HnswBlockExists
 *		Whether the index has a block blkno; looks at the relation's size
 *		only when the cached one is too small.
 */
bool
HnswBlockExists(Relation index, BlockNumber blkno)
{
	if (blkno < HnswKnownBlocks(index, false))
		return true;
	return blkno < HnswKnownBlocks(index, true);
}

/*
 * HnswCacheMeta
 *		Read the layout of a built index from its meta page into the cache,
 *		checking that it describes tuples the index can have.
 */
static HnswAmCache *
HnswCacheMeta(Relation index)
{
	HnswMetaPageData meta;
	HnswMetric	metric;
	HnswAmCache *cache;

	if (HnswKnownBlocks(index, true) == 0)
		HnswCorrupt(index, 0, 0, "The index has no meta page.");
	HnswReadMeta(index, &meta);
	if (meta.dimensions < 1 ||
		meta.dimensions > HnswIndexType(index, &metric)->max_dimensions())
		HnswCorrupt(index, 0, 0, "The meta page says %u dimensions.",
					meta.dimensions);
	if (meta.m < HNSW_MIN_M || meta.m > HNSW_MAX_M)
		HnswCorrupt(index, 0, 0, "The meta page says m = %u.", meta.m);
	if (meta.ef_construction < HNSW_MIN_EF_CONSTRUCTION ||
		meta.ef_construction > HNSW_MAX_EF_CONSTRUCTION)
		HnswCorrupt(index, 0, 0, "The meta page says ef_construction = %u.",
					meta.ef_construction);

	cache = HnswGetCache(index);
	cache->dimensions = meta.dimensions;
	cache->m = meta.m;
	cache->ef_construction = meta.ef_construction;
	cache->meta_valid = true;
	return cache;
}

/*
 * HnswGetIndexInfo
 *		Fill in the dimensions, m and ef_construction of a built index (from
 *		its meta page, cached) and its metric and distance kernel.  The
 *		first call for an open index reads the meta page (HnswReadMeta), so
 *		the caller holds no buffer lock.
 *
 * The index options and the column's type modifier are not used: ALTER
 * INDEX ... SET (m = ...) and ALTER TABLE ... ALTER COLUMN ... TYPE vector
 * change them without rebuilding the index, whose tuples keep the layout
 * they were built with.  A changed option takes effect at the next
 * REINDEX.
 */
void
HnswGetIndexInfo(Relation index, HnswIndexInfo *info)
{
	HnswAmCache *cache = (HnswAmCache *) index->rd_amcache;

	if (cache == NULL || !cache->meta_valid)
		cache = HnswCacheMeta(index);
	info->dimensions = cache->dimensions;
	info->m = cache->m;
	info->ef_construction = cache->ef_construction;
	HnswSetType(index, info);
}

/*
 * HnswGetM
 *		The m a built index was built with.
 */
int
HnswGetM(Relation index)
{
	HnswAmCache *cache = (HnswAmCache *) index->rd_amcache;

	if (cache == NULL || !cache->meta_valid)
		cache = HnswCacheMeta(index);
	return cache->m;
}

/*
 * HnswReadMeta
 *		Copy the meta page contents, checking that it is ours.  Takes and
 *		releases a share lock on the meta page; the caller holds no buffer
 *		lock (a backend holds one content lock at a time: "Lock order" in
 *		src/README.md).
 */
void
HnswReadMeta(Relation index, HnswMetaPageData *meta)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	Page		page;
	HnswMetaPage m;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	m = HnswPageGetMeta(page);
	if (HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_META ||
		m->magic != HNSW_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index",
						RelationGetRelationName(index)),
				 errhint("Please REINDEX it.")));
	if (m->version != HNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has version %u, expected %u",
						RelationGetRelationName(index), m->version,
						HNSW_VERSION),
				 errhint("Please REINDEX it.")));
	memcpy(meta, m, sizeof(HnswMetaPageData));
	UnlockReleaseBuffer(buf);

	/*
	 * The entry level bounds the descent's loop and indexes arrays of
	 * HNSW_MAX_LEVEL + 1 levels; the searches check the entry block against
	 * the relation's size before reading it.
	 */
	if (meta->entry_level < -1 || meta->entry_level > HNSW_MAX_LEVEL ||
		(meta->entry_level == -1) != (meta->entry_blkno == InvalidBlockNumber))
		HnswCorrupt(index, HNSW_METAPAGE_BLKNO, 0,
					"The meta page has entry point (%u,%u) at level %d.",
					meta->entry_blkno, meta->entry_offno, meta->entry_level);
	if (meta->entry_blkno != InvalidBlockNumber &&
		(meta->entry_blkno == HNSW_METAPAGE_BLKNO ||
		 meta->entry_offno == InvalidOffsetNumber ||
		 meta->entry_offno > MaxOffsetNumber))
		HnswCorrupt(index, HNSW_METAPAGE_BLKNO, 0,
					"The meta page has entry point (%u,%u), which no element can have.",
					meta->entry_blkno, meta->entry_offno);
}

/*
 * Where each page of an index was last found in shared buffers is kept in
 * the relcache entry (HnswAmCache, in rd_amcache) so that it lasts across
 * scans.  Pinning a page through its recent buffer skips the buffer mapping
 * table, which is the largest fixed cost of reading one graph element.
 */

/*
 * HnswRecentBuffer
 *		The buffer that last held blkno, or InvalidBuffer; only a hint.
 *		Nothing is pinned: the buffer may hold another page by now, which
 *		HnswPinBuffer finds out when it pins it.
 */
Buffer
HnswRecentBuffer(Relation index, BlockNumber blkno)
{
	HnswAmCache *cache = (HnswAmCache *) index->rd_amcache;

	if (cache == NULL)
		return InvalidBuffer;
	return HnswCachedBuffer(cache, blkno);
}

/*
 * HnswPinBuffer
 *		Pin page blkno of the index, trying the hint first.  Returns the
 *		buffer pinned and not locked, and remembers it for later; the caller
 *		locks it as it needs and drops the pin with ReleaseBuffer.  The
 *		caller has checked that the block exists (HnswCheckLink).
 */
Buffer
HnswPinBuffer(Relation index, BlockNumber blkno, Buffer hint)
{
	HnswAmCache *cache;
	Buffer		buf;

	if (BufferIsValid(hint) &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, hint))
		return hint;

	buf = ReadBuffer(index, blkno);

	cache = HnswGetCache(index);
	if (blkno >= cache->nbuffers)
	{
		BlockNumber nbuffers = Max(blkno + 1, HnswKnownBlocks(index, true)) * 2;
		HnswAmCache *grown;

		grown = MemoryContextAllocZero(index->rd_indexcxt,
									   offsetof(HnswAmCache, buffers) +
									   sizeof(Buffer) * nbuffers);
		memcpy(grown, cache, offsetof(HnswAmCache, buffers) +
			   sizeof(Buffer) * cache->nbuffers);
		grown->nbuffers = nbuffers;
		pfree(cache);
		index->rd_amcache = grown;
		cache = grown;
	}
	cache->buffers[blkno] = buf;
	return buf;
}
