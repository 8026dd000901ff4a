/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *	  Page layout, in-memory structures and prototypes of the HNSW index.
 *
 * See src/README.md for the design: what each page and tuple holds, the
 * lock order, what each WAL record covers and the known limits.
 *
 * src/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HNSW_H
#define HNSWEXT_HNSW_H

#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/amapi.h"
#include "access/genam.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "common/pg_prng.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "utils/rel.h"

#include "distance.h"
#include "hnsw_tidset.h"

/* Identification of our pages (in the special space) and of the meta page */
#define HNSW_PAGE_ID			0xFF90
#define HNSW_MAGIC				0x484E5357	/* "HNSW" */
#define HNSW_VERSION			1

#define HNSW_METAPAGE_BLKNO		0

/*
 * Block number used only as the key of the heavyweight lock that orders
 * inserts against each other and against vacuum (never a real page).
 */
#define HNSW_UPDATE_LOCK		((BlockNumber) 0xFFFFFFF0)

/*
 * Likewise for the lock scans hold in share mode while they may return heap
 * TIDs, and vacuum takes exclusively (and lets go at once) after removing
 * dead TIDs, to wait out the scans that may still hold some.
 */
#define HNSW_SCAN_LOCK			((BlockNumber) 0xFFFFFFF1)

/* Page types kept in the special space */
#define HNSW_PAGE_META			1
#define HNSW_PAGE_ELEMENTS		2

/* Index options and their limits */
#define HNSW_DEFAULT_M				16
#define HNSW_MIN_M					2
#define HNSW_MAX_M					100
#define HNSW_DEFAULT_EF_CONSTRUCTION	64
#define HNSW_MIN_EF_CONSTRUCTION	4
#define HNSW_MAX_EF_CONSTRUCTION	1000
#define HNSW_DEFAULT_EF_SEARCH		40
#define HNSW_MIN_EF_SEARCH			1
#define HNSW_MAX_EF_SEARCH			1000

/* Heap TIDs an element can carry (rows with an identical vector share it) */
#define HNSW_MAX_HEAPTIDS		10

/* Hard cap on an element's level; P(level >= 16) = m^-16 is never reached */
#define HNSW_MAX_LEVEL			15

/* Operator class support functions */
#define HNSW_DISTANCE_PROC		1
#define HNSW_NORM_PROC			2
#define HNSW_NPROC				2

/* Phases reported in pg_stat_progress_create_index */
#define PROGRESS_HNSW_PHASE_LOAD		2
#define PROGRESS_HNSW_PHASE_WRITE		3

/* Links at a level: 2*m at level 0, m above */
#define HnswLinksAtLevel(m, level)	((level) == 0 ? 2 * (m) : (m))
/* Link slots in an element of the given level: (level + 2) * m */
#define HnswLinkSlots(m, level)		(((level) + 2) * (m))

/*
 * Special space of every page.
 */
typedef struct HnswPageOpaqueData
{
	BlockNumber nextblkno;		/* next element page, for space search */
	uint16		page_type;		/* HNSW_PAGE_META or HNSW_PAGE_ELEMENTS */
	uint16		page_id;		/* always HNSW_PAGE_ID */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

#define HnswPageGetOpaque(page) ((HnswPageOpaque) PageGetSpecialPointer(page))

/*
 * Meta page contents, stored as the page's data (pd_lower covers it).
 */
typedef struct HnswMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		dimensions;
	uint16		m;
	uint16		ef_construction;
	BlockNumber entry_blkno;	/* entry point, InvalidBlockNumber if empty */
	OffsetNumber entry_offno;
	int16		entry_level;	/* -1 when the graph is empty */
	BlockNumber insert_page;	/* hint: page to try first for new tuples */
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

#define HnswPageGetMeta(page)	((HnswMetaPage) PageGetContents(page))

/*
 * Element tuple: one graph node.
 *
 * Fixed header, then ntids heap TIDs, then padding to a 4-byte boundary,
 * then the value in its type's stored form (HnswTypeInfo: value_size bytes
 * for the index's dimensions, the same for every element; dimensions
 * float4 values for vector), then the link slots of every level from 0 up
 * to "level": 2*m slots at level 0, m at each level above.  A link is the
 * TID (block, offset) of another element tuple; unused slots are invalid
 * and always follow the used ones.
 *
 * Keeping the links next to the value means one tuple read gives both
 * what is needed to evaluate an element and to expand it.  The sizes and
 * offsets below take the value's size in bytes ("vsize").
 */
typedef struct HnswElementTupleData
{
	uint8		level;
	uint8		flags;
	uint8		ntids;			/* live heap TIDs that follow */
	uint8		unused;
	ItemPointerData tids[FLEXIBLE_ARRAY_MEMBER];
} HnswElementTupleData;

typedef HnswElementTupleData *HnswElementTuple;

#define HNSW_ELEMENT_DELETED	0x01	/* no live heap TIDs; navigation only */
#define HNSW_ELEMENT_EXTERNAL	0x02	/* links live in a separate links tuple */
#define HNSW_LINKS_TUPLE		0x80	/* this is a links tuple, not an element */

/*
 * When an element with its links would not fit in a page (very large
 * values), the element holds, after its value, the TID of a links tuple
 * instead of the slots.  A links tuple is the 4-byte header with
 * HNSW_LINKS_TUPLE in flags, followed by the slots.
 */
#define HNSW_LINKS_TUPLE_HEADER	offsetof(HnswElementTupleData, tids)
#define HnswLinksTupleSize(m, level) \
	(HNSW_LINKS_TUPLE_HEADER + sizeof(ItemPointerData) * HnswLinkSlots(m, level))
#define HnswExternalElementSize(ntids, vsize) \
	(HnswLinksOffset(ntids, vsize) + sizeof(ItemPointerData))

#define HnswValueOffset(ntids) \
	TYPEALIGN(sizeof(float), offsetof(HnswElementTupleData, tids) + \
			  sizeof(ItemPointerData) * (ntids))
#define HnswLinksOffset(ntids, vsize) \
	(HnswValueOffset(ntids) + (vsize))
#define HnswElementTupleSize(ntids, vsize, m, level) \
	(HnswLinksOffset(ntids, vsize) + \
	 sizeof(ItemPointerData) * HnswLinkSlots(m, level))

#define HnswElementValue(etup) \
	((char *) (etup) + HnswValueOffset((etup)->ntids))
#define HnswElementLinks(etup, vsize) \
	((ItemPointer) ((char *) (etup) + HnswLinksOffset((etup)->ntids, vsize)))
/* Slots of a tuple that holds links: an inline element or a links tuple */
#define HnswTupleLinks(tup, vsize) \
	(((tup)->flags & HNSW_LINKS_TUPLE) ? \
	 (ItemPointer) ((char *) (tup) + HNSW_LINKS_TUPLE_HEADER) : \
	 HnswElementLinks(tup, vsize))

/* First slot of a level inside an element's link array */
#define HnswLevelSlot(m, level)	((level) == 0 ? 0 : (level + 1) * (m))

/* An element's size once its heap TIDs go from oldntids to ntids */
#define HnswResizedElementSize(oldsize, oldntids, ntids) \
	((oldsize) - HnswValueOffset(oldntids) + HnswValueOffset(ntids))

/*
 * How an element is stored (HnswShapeElement): its tuple's size, and the
 * size of its links tuple, or 0 when its links are inline.
 */
typedef struct HnswElementShape
{
	Size		element_size;
	Size		links_size;
} HnswElementShape;

/*
 * HnswTupleHoldsLinks
 *		Whether a (checked) tuple holds link slots: a links tuple, or an
 *		element whose links are inline.
 */
static inline bool
HnswTupleHoldsLinks(HnswElementTuple tup)
{
	return (tup->flags & HNSW_LINKS_TUPLE) ||
		!(tup->flags & HNSW_ELEMENT_EXTERNAL);
}

/*
 * HnswUsedLinks
 *		How many of a level's nslots link slots are in use: the used ones
 *		come first.
 */
static inline int
HnswUsedLinks(const ItemPointerData *slots, int nslots)
{
	int			n = 0;

	while (n < nslots && ItemPointerIsValid(&slots[n]))
		n++;
	return n;
}

typedef enum HnswMetric
{
	HNSW_METRIC_L2,				/* squared Euclidean distance */
	HNSW_METRIC_IP,				/* negative inner product */
	HNSW_METRIC_COSINE,			/* negative inner product of unit vectors */
	HNSW_METRIC_L1,				/* taxicab distance */
	HNSW_METRIC_HAMMING,		/* differing bits */
	HNSW_METRIC_JACCARD			/* 1 - shared set bits / set bits */
} HnswMetric;

/* A distance between two stored values of "dimensions" dimensions */
typedef float (*HnswDistanceFn) (int dimensions, const void *a, const void *b);

struct HnswIndexInfo;

/*
 * What the index knows of a type it can hold (hnsw_type.c).  Everything
 * that depends on the indexed type goes through this: the build, inserts,
 * scans, vacuum and the tuning functions see values only as value_size
 * bytes that a kernel compares.  An index's type is recognised from its
 * operator class when it is opened (HnswGetIndexInfo).
 */
typedef struct HnswTypeInfo
{
	const char *name;			/* of the SQL type, for messages */
	Oid			builtin_type;	/* its OID if PostgreSQL's own, else the type
								 * is this extension's, found by name */
	const char *default_opclass;	/* for indexes the tuning functions build */
	HnswMetric	default_metric; /* that operator class's metric */
	/* bytes of a stored value of so many dimensions (a multiple of 4) */
	Size		(*value_size) (int dimensions);
	/* the most dimensions an index of this type holds */
	int			(*max_dimensions) (void);
	/*
	 * Copy a (not detoasted) datum of the type into "out", value_size bytes,
	 * in the stored form: checked against the index's dimensions, unit
	 * length when info->normalize.  False when it cannot be indexed (no
	 * direction to normalize).
	 */
	bool		(*prepare) (const struct HnswIndexInfo *info, Datum value,
							void *out);
	/* the dimensions of a (not detoasted) datum of the type */
	int			(*datum_dimensions) (Datum value);
	/* a datum of the type as float4 values, one a dimension (k-means) */
	void		(*to_float) (Datum value, float *out);
	/* the distance kernel of a metric (smaller is nearer) */
	HnswDistanceFn (*kernel) (HnswMetric metric);
	/*
	 * The same distance computed as the SQL functions compute it, for the
	 * results HnswDistance does not trust (NULL: the kernel is exact).
	 */
	HnswDistanceFn (*exact_kernel) (HnswMetric metric);
} HnswTypeInfo;

extern const HnswTypeInfo HnswVectorType;
extern const HnswTypeInfo HnswHalfvecType;
extern const HnswTypeInfo HnswBitType;

/*
 * Cached description of an open index: layout, type, metric and kernel.
 */
typedef struct HnswIndexInfo
{
	int			dimensions;
	int			m;
	int			ef_construction;
	const HnswTypeInfo *type;
	Size		value_size;		/* type->value_size(dimensions) */
	HnswMetric	metric;
	HnswDistanceFn kernel;
	HnswDistanceFn exact_kernel;	/* see HnswDistance */
	bool		normalize;		/* cosine: values are stored normalized */
} HnswIndexInfo;

/*
 * HnswDistance
 *		The distance between two stored values, as the index compares them.
 *
 * The kernels chosen for the CPU sum in another order than the SQL
 * functions' sequential sums (SIMD lanes, fused multiply-adds), so near the
 * end of the float range one can overflow where the other does not: a
 * distance one makes infinite or NaN can be finite, or infinite of the other
 * sign, in the other.  A result that is not finite, or so large (FLT_MAX /
 * 2) that a partial sum may have overflowed, is computed again the way
 * ORDER BY computes it, so that rows at infinite and NaN distances come in
 * ORDER BY's order.  For L2 and L1, whose terms are never negative, that
 * settles every disagreement; see "Known limits" in src/README.md for inner
 * products.  Ordinary values cost one comparison.
 */
static inline float
HnswDistance(const HnswIndexInfo *info, const void *a, const void *b)
{
	float		d = info->kernel(info->dimensions, a, b);

	if (unlikely(!(fabsf(d) < FLT_MAX / 2)) && info->exact_kernel != NULL)
		d = info->exact_kernel(info->dimensions, a, b);
	return d;
}

/* The link slots of a level in a tuple that holds links */
#define HnswLevelLinks(tup, info, level) \
	(HnswTupleLinks(tup, (info)->value_size) + HnswLevelSlot((info)->m, level))

/*
 * What a backend keeps about an open index in its relcache entry
 * (rd_amcache), in one allocation that the relcache frees whenever it
 * rebuilds the entry (after ALTER INDEX, REINDEX and any other
 * invalidation):
 *
 * - the layout the meta page records (dimensions, m, ef_construction),
 *   which never changes after the build: every reader and writer of a
 *   built index takes these, not the index options or the column's type
 *   modifier, which ALTER INDEX ... SET and ALTER TABLE ... ALTER COLUMN
 *   TYPE can change without rebuilding the index;
 * - a number of blocks the relation is known to have (an index relation
 *   never shrinks while it keeps its file, except when a build starts
 *   over, which drops this cache), against which every link is checked
 *   before it is followed;
 * - where each page was last found in shared buffers (HnswRecentBuffer).
 */
typedef struct HnswAmCache
{
	bool		meta_valid;		/* dimensions, m and ef_construction read */
	int			dimensions;
	int			m;
	int			ef_construction;
	BlockNumber known_blocks;	/* the relation has at least these */
	BlockNumber nbuffers;		/* entries in buffers[] */
	Buffer		buffers[FLEXIBLE_ARRAY_MEMBER];
} HnswAmCache;

/*
 * Report corruption found at (blkno, offno) of an index; detail is a
 * format and its arguments.  Offset 0 stands for the page as a whole.
 */
#define HnswCorrupt(index, blkno, offno, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INDEX_CORRUPTED), \
			 errmsg("hnsw index \"%s\" is corrupted at block %u, offset %u", \
					RelationGetRelationName(index), (blkno), (offno)), \
			 errdetail(__VA_ARGS__), \
			 errhint("REINDEX the index.")))

/* Index options as stored in pg_class.reloptions */
typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;
	int			ef_construction;
	int			ef_search;		/* scans' default; 0 when not set */
} HnswOptions;

/*
 * A candidate found by a search over the on-disk graph.
 */
typedef struct HnswCandidate
{
	float		distance;
	BlockNumber blkno;			/* the element tuple */
	OffsetNumber offno;
	BlockNumber links_blkno;	/* the tuple holding its links */
	OffsetNumber links_offno;
	uint8		level;
	uint8		ntids;
	ItemPointerData tids[HNSW_MAX_HEAPTIDS];
	void	   *value;			/* copy, only when the search keeps values */
} HnswCandidate;

/* hnsw.iterative_scan */
typedef enum HnswIterativeScan
{
	HNSW_ITERATIVE_SCAN_OFF,
	HNSW_ITERATIVE_SCAN_RELAXED,
	HNSW_ITERATIVE_SCAN_STRICT
} HnswIterativeScan;

/* hnsw_handler.c: the handler, index options and settings */
extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;
extern void HnswInitGucs(void);
extern bytea *hnswoptions(Datum reloptions, bool validate);
extern bool hnswproperty(Oid index_oid, int attno, IndexAMProperty prop,
						 const char *propname, bool *res, bool *isnull);
extern char *hnswbuildphasename(int64 phasenum);
extern int	HnswOptionM(Relation index);
extern int	HnswOptionEfConstruction(Relation index);
extern int	HnswGetEfSearch(Relation index);

/* hnsw_info.c: what a backend knows about an open index */
extern void HnswGetIndexInfo(Relation index, HnswIndexInfo *info);
extern void HnswGetBuildInfo(Relation index, HnswIndexInfo *info);
extern int	HnswGetM(Relation index);
extern void HnswResetCache(Relation index);
extern bool HnswBlockExists(Relation index, BlockNumber blkno);
extern BlockNumber HnswKnownBlocks(Relation index, bool refresh);
extern Buffer HnswRecentBuffer(Relation index, BlockNumber blkno);
extern Buffer HnswPinBuffer(Relation index, BlockNumber blkno, Buffer hint);
extern void HnswReadMeta(Relation index, HnswMetaPageData *meta);

/* hnsw_type.c: the types the index holds */
extern void HnswInfoSetType(HnswIndexInfo *info, const HnswTypeInfo *type,
							HnswMetric metric);
extern const HnswTypeInfo *HnswIndexType(Relation index, HnswMetric *metric);
extern const HnswTypeInfo *HnswColumnType(Oid typid, Oid extension_nsp);
extern void HnswSetType(Relation index, HnswIndexInfo *info);
extern bool HnswPrepareValue(HnswIndexInfo *info, Datum value, void *out);

/* hnsw_page.c: pages and tuples */
extern pg_noinline void HnswCheckLinkSlow(Relation index, ItemPointer link,
										  BlockNumber blkno,
										  OffsetNumber offno);
extern pg_noinline void HnswTupleCorrupted(Relation index,
										   HnswIndexInfo *info, Page page,
										   BlockNumber blkno,
										   OffsetNumber offno);
extern int	HnswRandomLevel(pg_prng_state *prng, int m);
extern Size HnswMaxTupleSize(void);
extern Size HnswMaxValueSize(void);
extern void HnswInitPage(Page page, uint16 page_type);
typedef struct HnswPagePlacer
{
	BlockNumber blkno;			/* current page */
	OffsetNumber next_offno;
	Size		lower;
	Size		upper;
	Page		page;			/* NULL while only placing */
	Relation	index;			/* for writing full pages */
} HnswPagePlacer;

extern void HnswPlacerInit(HnswPagePlacer *pp, Relation index, Page page);
extern void HnswPlacerAdd(HnswPagePlacer *pp, Item tuple, Size size,
						  BlockNumber *blkno, OffsetNumber *offno);
extern void HnswPlacerFlush(HnswPagePlacer *pp);
extern double HnswPlacerPages(HnswPagePlacer *pp);
extern HnswElementShape HnswShapeElement(const HnswIndexInfo *info,
										 int ntids, int level);
extern ItemPointer HnswFormElement(const HnswIndexInfo *info,
								   HnswElementShape shape, int level,
								   const ItemPointerData *tids, int ntids,
								   const void *value, char *element,
								   char *links);
extern Size HnswElementWithTids(HnswElementTuple old, Size oldsize,
								const ItemPointerData *tids, int ntids,
								char *out);
extern HnswElementTuple HnswGetTupleOnPage(Page page, OffsetNumber offno);
extern int	HnswItemPointerCmp(const void *a, const void *b);
extern bool HnswReadElementValue(Relation index, HnswIndexInfo *info,
								  ItemPointer tid, void *out);
extern bool HnswReadElementHeader(Relation index, HnswIndexInfo *info,
								  ItemPointer tid, void *value, int *level,
								  ItemPointer links_tid);
extern bool HnswReadAllLinks(Relation index, HnswIndexInfo *info,
							 ItemPointer links_tid, int level,
							 ItemPointerData *slots);
extern int	HnswReadElementLinks(Relation index, HnswIndexInfo *info,
								 ItemPointer tid, int level,
								 ItemPointerData *out);

/*
 * HnswCachedBuffer
 *		HnswRecentBuffer given the index's cache (not NULL).
 */
static inline Buffer
HnswCachedBuffer(const HnswAmCache *cache, BlockNumber blkno)
{
	return blkno < cache->nbuffers ? cache->buffers[blkno] : InvalidBuffer;
}

/*
 * HnswCheckLink
 *		Raise ERRCODE_INDEX_CORRUPTED unless "link", read from the tuple at
 *		(blkno, offno), can be the TID of a tuple of the index: a valid
 *		offset, on an element page that exists.  Callers check every link
 *		before they follow it, so a damaged one is never read with
 *		ReadBuffer (which fails with "could not read block").
 *
 * The fast path (HnswLinkKnownGood) is a few integer comparisons against
 * the cached size; a link past it (a page another backend just added, or
 * damage) makes the slow path look at the relation's size again.
 */
static inline bool
HnswLinkKnownGood(const HnswAmCache *cache, BlockNumber target,
				  OffsetNumber toff)
{
	return cache != NULL && target != HNSW_METAPAGE_BLKNO &&
		target < cache->known_blocks &&
		toff != InvalidOffsetNumber && toff <= MaxOffsetNumber;
}

static inline void
HnswCheckLink(Relation index, ItemPointer link, BlockNumber blkno,
			  OffsetNumber offno)
{
	if (unlikely(!HnswLinkKnownGood((HnswAmCache *) index->rd_amcache,
									ItemPointerGetBlockNumberNoCheck(link),
									ItemPointerGetOffsetNumberNoCheck(link))))
		HnswCheckLinkSlow(index, link, blkno, offno);
}

/*
 * HnswIsElementPage
 *		Whether a locked page is an initialized element page of ours.
 */
static inline bool
HnswIsElementPage(Page page)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(HnswPageOpaqueData)) &&
		HnswPageGetOpaque(page)->page_id == HNSW_PAGE_ID &&
		HnswPageGetOpaque(page)->page_type == HNSW_PAGE_ELEMENTS;
}

/*
 * HnswExpectedTupleSize
 *		The length a tuple of this header must have, or 0 when no tuple can
 *		have this header (level above the cap, heap TID count out of range).
 */
static inline Size
HnswExpectedTupleSize(HnswElementTuple tup, Size vsize, int m)
{
	if (tup->level > HNSW_MAX_LEVEL)
		return 0;
	if (tup->flags & HNSW_LINKS_TUPLE)
		return HnswLinksTupleSize(m, tup->level);
	if (tup->ntids > HNSW_MAX_HEAPTIDS ||
		(tup->ntids == 0 && !(tup->flags & HNSW_ELEMENT_DELETED)))
		return 0;
	if (tup->flags & HNSW_ELEMENT_EXTERNAL)
		return HnswExternalElementSize(tup->ntids, vsize);
	return HnswElementTupleSize(tup->ntids, vsize, m, tup->level);
}

/*
 * HnswPageGetNormalItemId
 *		The line pointer at offno of a locked page if it is in use, else
 *		NULL (past the line pointer array, or a slot that was freed).
 */
static inline ItemId
HnswPageGetNormalItemId(Page page, OffsetNumber offno)
{
	ItemId		itemid;

	if (offno < FirstOffsetNumber || offno > PageGetMaxOffsetNumber(page))
		return NULL;
	itemid = PageGetItemId(page, offno);
	return ItemIdIsNormal(itemid) ? itemid : NULL;
}

/*
 * HnswPageGetTuple
 *		The tuple at offno of a locked element page (block blkno), or NULL
 *		when the slot is unused or past the line pointer array (vacuum freed
 *		it; a search may still hold its TID).
 *
 * A tuple whose line pointer reaches past the page, or whose length does
 * not match its level, flags and heap TID count at the index's dimensions
 * and m, raises ERRCODE_INDEX_CORRUPTED.  So everything a caller reads
 * through the tuple's header (heap TIDs, vector, the link slots of each of
 * its levels) lies inside the tuple.  A handful of integer comparisons.
 */
static inline HnswElementTuple
HnswPageGetTuple(Relation index, HnswIndexInfo *info, Page page,
				 BlockNumber blkno, OffsetNumber offno)
{
	ItemId		itemid = HnswPageGetNormalItemId(page, offno);
	HnswElementTuple tup;
	Size		len;

	if (itemid == NULL)
		return NULL;
	len = ItemIdGetLength(itemid);
	tup = (HnswElementTuple) PageGetItem(page, itemid);
	if (unlikely(ItemIdGetOffset(itemid) + len > BLCKSZ ||
				 len < HNSW_LINKS_TUPLE_HEADER ||
				 len != HnswExpectedTupleSize(tup, info->value_size, info->m)))
		HnswTupleCorrupted(index, info, page, blkno, offno);
	return tup;
}

/* hnsw_build.c: the access method's build callbacks */
extern IndexBuildResult *hnswbuild(Relation heap, Relation index,
								   struct IndexInfo *indexInfo);
extern void hnswbuildempty(Relation index);

/* hnsw_graph.c: the size of a build's in-memory graph, for the estimates */
extern Size HnswGraphSize(Size value_size, int m, uint32 capacity);
extern Size HnswGraphSlotSize(Size value_size, int m);

/* hnsw_search.c */
typedef struct HnswSearchState HnswSearchState;
extern HnswSearchState *HnswSearchBegin(Relation index, HnswIndexInfo *info,
										const void *query, bool keep_values,
										HnswTidSet *visited);
extern void HnswSearchEnd(HnswSearchState *state);
extern HnswCandidate **HnswSearchLayer(HnswSearchState *state,
									   HnswCandidate **entries, int nentries,
									   int ef, int level, int *nresults);
extern HnswCandidate *HnswSearchEntryCandidate(HnswSearchState *state,
											   BlockNumber blkno,
											   OffsetNumber offno);
extern uint64 HnswSearchDistanceCount(HnswSearchState *state);
extern uint64 HnswSearchVisitedCount(HnswSearchState *state);
extern void HnswSearchExclude(HnswSearchState *state, ItemPointer heap_tid);
extern HnswCandidate *HnswSearchLookup(HnswSearchState *state,
									   BlockNumber blkno, OffsetNumber offno);
extern HnswCandidate *HnswSearchDescend(HnswSearchState *state,
										HnswMetaPageData *meta, int level);

/* hnsw_insert.c */
extern bool hnswinsert(Relation index, Datum *values, bool *isnull,
					   ItemPointer heap_tid, Relation heap,
					   IndexUniqueCheck checkUnique, bool indexUnchanged,
					   struct IndexInfo *indexInfo);
extern void HnswAddBacklink(Relation index, HnswIndexInfo *info,
							HnswSearchState *st, HnswCandidate *nb,
							ItemPointer newtid, const void *newvalue,
							int level, pg_prng_state *prng);
extern void HnswInsertValue(Relation index, HnswIndexInfo *info,
							 const void *value, ItemPointer heap_tid);

/* hnsw_scan.c */
extern IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
extern void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					   ScanKey orderbys, int norderbys);
extern bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void hnswendscan(IndexScanDesc scan);
extern void HnswScanExclude(IndexScanDesc scan, ItemPointer heap_tid);

/* hnsw_vacuum.c */
extern IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);

/* hnsw_stats.c: search statistics, reported once per search of a scan */
typedef struct HnswScanCounters
{
	uint64		scans;
	uint64		visited;		/* elements whose links were read */
	uint64		distances;		/* distance computations */
	uint64		tuples;			/* heap TIDs returned */
} HnswScanCounters;

extern void HnswStatsInit(void);
extern void HnswStatsReport(Oid indexoid, const HnswScanCounters *counters);
extern void HnswStatsBackendTotals(Oid indexoid, HnswScanCounters *out);
typedef void (*HnswStatsVisitor) (Oid indexoid,
								  const HnswScanCounters *counters,
								  void *arg);
extern bool HnswStatsShared(void);
extern void HnswStatsForEach(HnswStatsVisitor fn, void *arg);
extern void HnswStatsReset(void);

/* hnsw_cost.c */
extern void hnswcostestimate(PlannerInfo *root, IndexPath *path,
							 double loop_count, Cost *indexStartupCost,
							 Cost *indexTotalCost,
							 Selectivity *indexSelectivity,
							 double *indexCorrelation, double *indexPages);

/* hnsw_validate.c */
extern bool hnswvalidate(Oid opclassoid);

/* hnsw_select.c: the paper's neighbour-selection heuristic (Algorithm 4) */
typedef float (*HnswPairDistance) (void *arg, int a, int b);
extern int	HnswSelectNeighbors(const float *cand_dist, int ncand, int limit,
								HnswPairDistance pair_distance, void *arg,
								pg_prng_state *prng, int *selected);

#endif							/* HNSWEXT_HNSW_H */
