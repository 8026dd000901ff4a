/*-------------------------------------------------------------------------
 *
 * hnsw_utils.c
 *	  Handler, options, GUCs and small shared helpers of the HNSW index.
 *
 * src/hnsw_utils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/reloptions.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "common/pg_prng.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"

#include "hnsw.h"
#include "vector.h"

int			hnsw_ef_search = HNSW_DEFAULT_EF_SEARCH;
int			hnsw_iterative_scan = HNSW_ITERATIVE_SCAN_OFF;
int			hnsw_max_scan_tuples = 20000;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

static relopt_kind hnsw_relopt_kind;

PG_FUNCTION_INFO_V1(hnswhandler);
PG_FUNCTION_INFO_V1(vector_l2_squared_distance);

/* Distance functions of the vector type, recognised by address */
extern Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum l1_distance(PG_FUNCTION_ARGS);

/*
 * The index orders inner-product opclasses by the negative inner product,
 * so that smaller is nearer for every metric.
 */
static float
HnswNegativeInnerProduct(int dim, const float *a, const float *b)
{
	return -InnerProductKernel(dim, a, b);
}

/*
 * HnswInitGucs
 *		Register the hnsw.* settings and the index options; called once from
 *		_PG_init.
 */
void
HnswInitGucs(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Maximum number of links per element above level 0 (twice that at level 0)",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Size of the candidate list while building the graph",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);
	/*
	 * The index's own default for hnsw.ef_search (0: none), set by
	 * hnsw_tune(apply => true) or ALTER INDEX ... SET (ef_search = N).  Only
	 * scans read it, so changing it need not block anything but schema
	 * changes.
	 */
	add_int_reloption(hnsw_relopt_kind, "ef_search",
					  "Default hnsw.ef_search for scans of this index",
					  0, HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
					  ShareUpdateExclusiveLock);

	DefineCustomIntVariable("hnsw.ef_search",
							"Size of the candidate list for HNSW index scans.",
							"Larger values raise recall and cost time.",
							&hnsw_ef_search, HNSW_DEFAULT_EF_SEARCH,
							HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Lets a scan search further when its first candidates are used up.",
							 "With off, a scan returns at most hnsw.ef_search elements' rows; "
							 "relaxed_order and strict_order search again with more candidates "
							 "while the query wants more rows (strict_order never returns a row "
							 "nearer than one it already returned).",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF,
							 iterative_scan_options, PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Most rows an iterative scan returns before it stops searching further.",
							NULL,
							&hnsw_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("hnsw");
}

/*
 * hnswhandler
 *		The index access method handler: what PostgreSQL calls to learn our
 *		capabilities and callbacks.
 */
Datum
hnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = HNSW_NPROC;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = hnswbuild;
	amroutine->ambuildempty = hnswbuildempty;
	amroutine->aminsert = hnswinsert;
	amroutine->ambulkdelete = hnswbulkdelete;
	amroutine->amvacuumcleanup = hnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hnswcostestimate;
	amroutine->amoptions = hnswoptions;
	amroutine->amproperty = hnswproperty;
	amroutine->ambuildphasename = hnswbuildphasename;
	amroutine->amvalidate = hnswvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hnswbeginscan;
	amroutine->amrescan = hnswrescan;
	amroutine->amgettuple = hnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*
 * hnswoptions
 *		Parse and validate the WITH (...) options of an hnsw index.
 */
bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT,
		offsetof(HnswOptions, ef_construction)},
		{"ef_search", RELOPT_TYPE_INT, offsetof(HnswOptions, ef_search)},
	};
	HnswOptions *opts;

	opts = (HnswOptions *) build_reloptions(reloptions, validate,
											hnsw_relopt_kind,
											sizeof(HnswOptions),
											tab, lengthof(tab));

	if (validate && opts != NULL && opts->ef_construction < 2 * opts->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least twice m"),
				 errdetail("ef_construction is %d and m is %d.",
						   opts->ef_construction, opts->m),
				 errhint("The build keeps ef_construction candidates and links "
						 "up to 2 * m of them at level 0, so a smaller list "
						 "cannot fill an element's links.")));

	return (bytea *) opts;
}

/*
 * hnswproperty
 *		Column properties: distance ordering is supported, plain ordering not.
 */
bool
hnswproperty(Oid index_oid, int attno, IndexAMProperty prop,
			 const char *propname, bool *res, bool *isnull)
{
	if (attno > 0 && prop == AMPROP_DISTANCE_ORDERABLE)
	{
		*res = true;
		*isnull = false;
		return true;
	}
	return false;
}

/*
 * hnswbuildphasename
 *		Names of our build phases for pg_stat_progress_create_index.
 */
char *
hnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case PROGRESS_HNSW_PHASE_LOAD:
			return "loading tuples";
		case PROGRESS_HNSW_PHASE_WRITE:
			return "writing graph pages";
		default:
			return NULL;
	}
}

/*
 * HnswOptionM, HnswOptionEfConstruction
 *		The m and ef_construction of the index options: what a build uses.
 *		A built index has its own in the meta page (HnswGetIndexInfo).
 */
static int
HnswOptionM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

static int
HnswOptionEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/*
 * HnswEfSearchIsSet
 *		Whether hnsw.ef_search has a value from anywhere but its built-in
 *		default: postgresql.conf, ALTER DATABASE or ROLE, the client, SET.
 *
 * GUC keeps where each value came from; the variable's entry is found once
 * by name and stays put for the life of the process.
 */
static bool
HnswEfSearchIsSet(void)
{
	static struct config_generic *ef_search_guc = NULL;

	if (ef_search_guc == NULL)
	{
		struct config_generic **vars = get_guc_variables();
		int			nvars = GetNumConfigOptions();

		for (int i = 0; i < nvars; i++)
		{
			if (strcmp(vars[i]->name, "hnsw.ef_search") == 0)
			{
				ef_search_guc = vars[i];
				break;
			}
		}
		if (ef_search_guc == NULL)
			elog(ERROR, "setting \"hnsw.ef_search\" is not defined");
	}
	return ef_search_guc->source != PGC_S_DEFAULT;
}

/*
 * HnswGetEfSearch
 *		Candidates a scan of this index keeps: hnsw.ef_search when it has
 *		been set anywhere, else the index's ef_search option if it has one,
 *		else hnsw.ef_search's default.
 */
int
HnswGetEfSearch(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	if (opts == NULL || opts->ef_search == 0 || HnswEfSearchIsSet())
		return hnsw_ef_search;
	return opts->ef_search;
}

/*
 * HnswSetMetric
 *		Fill in the metric and distance kernel of an open index.
 *
 * The metric is recognised from the operator class's distance support
 * function, so that the hot path calls a kernel directly instead of going
 * through the function manager.
 */
static void
HnswSetMetric(Relation index, HnswIndexInfo *info)
{
	FmgrInfo   *procinfo = index_getprocinfo(index, 1, HNSW_DISTANCE_PROC);
	PGFunction	fn = procinfo->fn_addr;

	info->normalize = false;

	if (fn == vector_l2_squared_distance)
	{
		info->metric = HNSW_METRIC_L2;
		info->kernel = L2SquaredDistanceKernel;
	}
	else if (fn == vector_negative_inner_product)
	{
		/* cosine opclasses add a norm function to normalize with */
		if (index_getprocid(index, 1, HNSW_NORM_PROC) != InvalidOid)
		{
			info->metric = HNSW_METRIC_COSINE;
			info->normalize = true;
		}
		else
			info->metric = HNSW_METRIC_IP;
		info->kernel = HnswNegativeInnerProduct;
	}
	else if (fn == l1_distance)
	{
		info->metric = HNSW_METRIC_L1;
		info->kernel = L1DistanceKernel;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported distance function for hnsw index \"%s\"",
						RelationGetRelationName(index)),
				 errdetail("Operator classes of the hnsw access method must use "
						   "one of the distance functions of this extension.")));
}

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
	HnswSetMetric(index, info);
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
		HnswExpectedTupleSize(tup, info->dimensions, info->m) == 0)
		HnswCorrupt(index, blkno, offno, "The element has %u heap TIDs.",
					tup->ntids);
	HnswCorrupt(index, blkno, offno,
				"The tuple is %zu bytes long, expected %zu for its level, flags and heap TIDs at %d dimensions and m = %d.",
				len, HnswExpectedTupleSize(tup, info->dimensions, info->m),
				info->dimensions, info->m);
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
	HnswAmCache *cache;

	if (HnswKnownBlocks(index, true) == 0)
		HnswCorrupt(index, 0, 0, "The index has no meta page.");
	HnswReadMeta(index, &meta);
	if (meta.dimensions < 1 ||
		HnswExternalElementSize(HNSW_MAX_HEAPTIDS, (Size) meta.dimensions) >
		HnswMaxTupleSize())
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
 *		its meta page, cached) and its metric and distance kernel.
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
	HnswSetMetric(index, info);
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
 * HnswPrepareVector
 *		Copy a vector datum into "out" in the form the index stores, checking
 *		its dimensions.  Returns false when the vector cannot be indexed (a
 *		zero vector under cosine distance).
 */
bool
HnswPrepareVector(HnswIndexInfo *info, Datum value, float *out)
{
	Vector	   *vec = DatumGetVector(value);

	if (vec->dim != info->dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d",
						info->dimensions, vec->dim)));

	memcpy(out, vec->x, sizeof(float) * vec->dim);

	if (info->normalize)
	{
		double		norm = 0.0;

		for (int i = 0; i < vec->dim; i++)
			norm += (double) out[i] * (double) out[i];
		if (norm == 0.0)
			return false;
		norm = sqrt(norm);
		for (int i = 0; i < vec->dim; i++)
			out[i] = (float) (out[i] / norm);
	}
	return true;
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
 *		Largest tuple that fits alone on one of our pages.
 */
Size
HnswMaxTupleSize(void)
{
	return BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(HnswPageOpaqueData)) - sizeof(ItemIdData);
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
 * HnswReadMeta
 *		Copy the meta page contents, checking that it is ours.
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
 * HnswBuildElementTuple
 *		Lay out an element tuple with inline links, all slots empty.
 *
 * etup must point at zeroed memory of HnswElementTupleSize(ntids, dim, m,
 * level) bytes.
 */
void
HnswBuildElementTuple(HnswElementTuple etup, int dim, int m, int level,
					  const ItemPointerData *tids, int ntids,
					  const float *vector)
{
	ItemPointer links;

	etup->level = level;
	etup->flags = 0;
	etup->ntids = ntids;
	memcpy(etup->tids, tids, sizeof(ItemPointerData) * ntids);
	memcpy(HnswElementVector(etup), vector, sizeof(float) * dim);
	links = HnswElementLinks(etup, dim);
	for (int i = 0; i < HnswLinkSlots(m, level); i++)
		ItemPointerSetInvalid(&links[i]);
}

/*
 * vector_l2_squared_distance
 *		Squared Euclidean distance: the support function of vector_l2_ops,
 *		which orders exactly like <-> without the square root.
 */
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) L2SquaredDistanceScalar(a->dim, a->x, b->x));
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
 *		buffer pinned (not locked), and remembers it for later.  The caller
 *		has checked that the block exists (HnswCheckLink).
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

/*
 * HnswGetTupleOnPage
 *		The tuple at offno of a locked page, or NULL when there is none (a
 *		slot that was freed, or past the end).
 */
HnswElementTuple
HnswGetTupleOnPage(Page page, OffsetNumber offno)
{
	ItemId		itemid;

	if (offno < FirstOffsetNumber || offno > PageGetMaxOffsetNumber(page))
		return NULL;
	itemid = PageGetItemId(page, offno);
	if (!ItemIdIsNormal(itemid))
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
 * HnswReadElementHeader
 *		Copy the vector (when "vector" is not NULL), level and links location
 *		of the live element at tid.  Returns false when tid holds no live
 *		element.  Takes and releases a share lock on its page.
 */
bool
HnswReadElementHeader(Relation index, HnswIndexInfo *info, ItemPointer tid,
					  float *vector, int *level, ItemPointer links_tid)
{
	Buffer		buf;
	HnswElementTuple etup;
	bool		ok = false;

	etup = ReadTupleShared(index, info, tid, &buf);
	if (etup != NULL &&
		!(etup->flags & (HNSW_LINKS_TUPLE | HNSW_ELEMENT_DELETED)))
	{
		if (vector)
			memcpy(vector, HnswElementVector(etup),
				   sizeof(float) * info->dimensions);
		*level = etup->level;
		if (etup->flags & HNSW_ELEMENT_EXTERNAL)
		{
			*links_tid = *HnswElementLinks(etup, info->dimensions);
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
 * HnswReadElementVector
 *		Copy the vector of the element at tid, deleted or not; false when tid
 *		holds no element.
 */
bool
HnswReadElementVector(Relation index, HnswIndexInfo *info, ItemPointer tid,
					  float *out)
{
	Buffer		buf;
	HnswElementTuple etup;
	bool		ok = false;

	etup = ReadTupleShared(index, info, tid, &buf);
	if (etup != NULL && !(etup->flags & HNSW_LINKS_TUPLE))
	{
		memcpy(out, HnswElementVector(etup), sizeof(float) * info->dimensions);
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

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
 * HnswReadAllLinks
 *		Copy all link slots (of every level up to "level") of the tuple at
 *		links_tid; false when it is gone or has another level.  Each used
 *		slot is checked (HnswCheckLink).
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
		int			nslots = HnswLinkSlots(info->m, level);

		memcpy(slots, HnswTupleLinks(tup, info->dimensions),
			   sizeof(ItemPointerData) * nslots);
		for (int i = 0; i < nslots; i++)
		{
			if (ItemPointerIsValid(&slots[i]))
				HnswCheckLink(index, &slots[i],
							  ItemPointerGetBlockNumber(links_tid),
							  ItemPointerGetOffsetNumber(links_tid));
		}
		ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * HnswReadElementLinks
 *		Copy the links at one level of the element at tid (deleted or not)
 *		into "out" (room for 2 * m); returns their number.  The links are
 *		checked (HnswCheckLink).
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
		links_tid = *HnswElementLinks(etup, info->dimensions);
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
	{
		ItemPointer slots = HnswTupleLinks(etup, info->dimensions) +
			HnswLevelSlot(info->m, level);
		int			nslots = HnswLinksAtLevel(info->m, level);

		while (n < nslots && ItemPointerIsValid(&slots[n]))
		{
			out[n] = slots[n];
			HnswCheckLink(index, &out[n], ItemPointerGetBlockNumber(&links_tid),
						  ItemPointerGetOffsetNumber(&links_tid));
			n++;
		}
	}
	UnlockReleaseBuffer(buf);
	return n;
}
