/*-------------------------------------------------------------------------
 *
 * hnsw_estimate.c
 *	  hnsw_estimate_memory() and hnsw_estimate_build_time(): what an index
 *	  will take before it is built.
 *
 * The size estimate lays out the tuples the build would write, with the
 * same size macros (hnsw.h) and the same page-filling rule as the build's
 * placer, for a sequence of element levels drawn from the index's own level
 * distribution, P(level >= l) = m^-l.  Nothing in it is a rule of thumb: the
 * only approximation is that every vector is distinct (rows with equal
 * vectors share an element, making the index smaller).
 *
 * The build-time estimate counts the distance computations a build makes
 * (a model of the insertion algorithm, ModelDistances) and prices them with
 * what this server measures: a real build of a few thousand synthetic
 * vectors gives the cost of one distance with everything the build does
 * around it while the graph fits in the CPU caches, and a memory benchmark
 * at the sizes the graph grows through adds what reaching an element costs
 * beyond that; the measured cost of writing each element's tuple into a page
 * comes on top.  Measurements are cached per backend.
 *
 * src/tuning/hnsw_estimate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "half.h"
#include "hnsw.h"
#include "hnsw_tuning.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(hnsw_estimate_memory);
PG_FUNCTION_INFO_V1(hnsw_estimate_memory_table);
PG_FUNCTION_INFO_V1(hnsw_estimate_build_time);

/*
 * Elements whose placement is simulated; beyond that the page count is
 * scaled.  2^18 elements give the fill of a page to well under 0.1%.
 */
#define ESTIMATE_SIMULATED_ELEMENTS	(1 << 18)

/* Fixed seed: the same arguments always give the same estimate */
#define ESTIMATE_SEED			UINT64CONST(0x484E5357)

/*
 * Distance computations per level an element joins, per ef_construction:
 * the search of the level and the choice of links with the heuristic.
 * Counted in builds of the benchmark data (bench/bench.py: clustered
 * 128-dimensional vectors, like real embeddings) with m from 4 to 32,
 * ef_construction from 32 to 256 and 2,000 to 100,000 rows: the search
 * evaluated 4.3 to 6.3 elements per ef_construction and the heuristic
 * 2.0 to 3.4, neither depending on m, because on such data the heuristic
 * keeps few links per element.  Vectors without structure (uniformly random
 * ones) keep their link lists full and cost several times more.
 */
#define MODEL_SEARCH_PER_EF		5.0
#define MODEL_SELECT_PER_EF		2.5

/* Working sets (bytes) at which the cost of a distance is measured */
#define CALIBRATE_MIN_BYTES		((Size) 256 * 1024)
#define CALIBRATE_MAX_BYTES		((Size) 128 * 1024 * 1024)
#define CALIBRATE_SIZES			10	/* 256 kB to 128 MB, doubling */
/* Distances computed for one measurement (at least) */
#define CALIBRATE_DISTANCES		100000

/*
 * The calibration build: its rows (fewer for large values, so that it
 * takes about the same time), how many times it is timed (the fastest
 * counts: other processes only ever slow it down), and the latent dimension
 * of its synthetic data.
 */
#define CalibrationRows(value_bytes) \
	Max(1000, Min(5000, 5000 * 1024 / (int) (value_bytes)))
#define CALIBRATION_BUILDS		2
#define CALIBRATION_LATENT		32

/*
 * Per-backend cache of the measurements for one (type, dim, m,
 * ef_construction)
 */
typedef struct BuildCostCache
{
	const HnswTypeInfo *type;
	int			dim;
	int			m;
	int			ef_construction;
	double		memory_ns[CALIBRATE_SIZES]; /* 0 if not measured yet */
	double		write_ns;		/* per element */
	double		calibration_ns; /* calibration build, per modelled distance */
	double		calibration_memory_ns;	/* its mean memory benchmark cost */
} BuildCostCache;

#define COST_CACHE_ENTRIES	16
static BuildCostCache cost_cache[COST_CACHE_ENTRIES];
static int	cost_cache_next = 0;

/*
 * EstimateCheckArguments
 *		Errors for arguments no index could have.
 */
static void
EstimateCheckArguments(const HnswTypeInfo *type, int64 rows, int dim, int m,
					   int ef_construction)
{
	if (rows < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows must not be negative")));
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions must be at least 1")));
	if (dim > type->max_dimensions())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for hnsw index",
						type->max_dimensions())));
	if (m < HNSW_MIN_M || m > HNSW_MAX_M)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("m must be between %d and %d", HNSW_MIN_M, HNSW_MAX_M)));
	if (ef_construction < 0)
		return;					/* not asked for */
	if (ef_construction < HNSW_MIN_EF_CONSTRUCTION ||
		ef_construction > HNSW_MAX_EF_CONSTRUCTION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be between %d and %d",
						HNSW_MIN_EF_CONSTRUCTION, HNSW_MAX_EF_CONSTRUCTION)));
	if (ef_construction < 2 * m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least twice m"),
				 errdetail("ef_construction is %d and m is %d.",
						   ef_construction, m)));
}

/*
 * ExpectedLevels
 *		Expected number of levels an element is on: the sum over l of
 *		P(level >= l) = m^-l, up to the cap HNSW_MAX_LEVEL (about m/(m-1)).
 */
static double
ExpectedLevels(int m)
{
	double		sum = 0.0;

	for (int l = 0; l <= HNSW_MAX_LEVEL; l++)
		sum += pow((double) m, -l);
	return sum;
}

/*
 * EstimateIndexInfo
 *		The description of an index of values of "type" and "dim" dimensions
 *		with this m that the estimates model (the metric does not change
 *		sizes).
 */
static void
EstimateIndexInfo(HnswIndexInfo *info, const HnswTypeInfo *type, int dim,
				  int m)
{
	memset(info, 0, sizeof(HnswIndexInfo));
	info->dimensions = dim;
	info->m = m;
	info->ef_construction = HNSW_DEFAULT_EF_CONSTRUCTION;
	HnswInfoSetType(info, type, type->default_metric);
}

/*
 * EstimateElementPages
 *		Element pages a build writes for "rows" distinct vectors: place the
 *		tuples of elements with levels drawn as the build draws them (from a
 *		fixed seed), as the build does, for up to ESTIMATE_SIMULATED_ELEMENTS
 *		elements, and scale beyond.
 */
static double
EstimateElementPages(const HnswTypeInfo *type, int64 rows, int dim, int m)
{
	HnswPagePlacer pp;
	HnswIndexInfo info;
	pg_prng_state prng;
	int64		simulated = Min(rows, ESTIMATE_SIMULATED_ELEMENTS);

	if (rows == 0)
		return 0;

	EstimateIndexInfo(&info, type, dim, m);
	HnswPlacerInit(&pp, NULL, NULL);
	pg_prng_seed(&prng, ESTIMATE_SEED);
	for (int64 i = 0; i < simulated; i++)
	{
		HnswElementShape shape = HnswShapeElement(&info, 1,
												  HnswRandomLevel(&prng, m));
		BlockNumber blkno;
		OffsetNumber offno;

		HnswPlacerAdd(&pp, NULL, shape.element_size, &blkno, &offno);
		if (shape.links_size > 0)
			HnswPlacerAdd(&pp, NULL, shape.links_size, &blkno, &offno);
	}

	/* every page started counts; scaled, the last one by its use */
	if (simulated == rows)
		return (double) pp.blkno;
	return HnswPlacerPages(&pp) * ((double) rows / (double) simulated);
}

/*
 * EstimateSizeOutOfRange
 *		The error for an estimate that does not fit in its bigint column.
 */
static void
EstimateSizeOutOfRange(int64 rows, int dim)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("estimated size of the index is out of range for type bigint"),
			 errdetail("An index of " INT64_FORMAT " vectors of %d dimensions would take more than 2^63 bytes.",
					   rows, dim)));
}

/* A size computed in double, as a bigint, or the error above */
static int64
EstimateSizeToInt64(double bytes, int64 rows, int dim)
{
	if (!FLOAT8_FITS_IN_INT64(bytes))
		EstimateSizeOutOfRange(rows, dim);
	return (int64) bytes;
}

/*
 * EstimateMemory
 *		The row of hnsw_estimate_memory(): the size of an hnsw index over
 *		"rows" distinct vectors, and what makes it up.  Sizes that do not fit
 *		in a bigint are an error, never a wrapped-around number.
 */
static Datum
EstimateMemory(FunctionCallInfo fcinfo, const HnswTypeInfo *type, int64 rows,
			   int dim, int m)
{
	TupleDesc	tupdesc;
	double		levels;
	int64		vector_bytes;
	int64		level0_bytes;
	int64		upper_bytes;
	int64		pages;
	int64		total;
	int64		overhead;
	Datum		values[8];
	bool		nulls[8] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	EstimateCheckArguments(type, rows, dim, m, -1);

	levels = ExpectedLevels(m);
	if (pg_mul_s64_overflow(rows, (int64) type->value_size(dim), &vector_bytes) ||
		pg_mul_s64_overflow(rows,
							(int64) HnswLinksAtLevel(m, 0) * sizeof(ItemPointerData),
							&level0_bytes))
		EstimateSizeOutOfRange(rows, dim);
	upper_bytes = EstimateSizeToInt64(round((double) rows * (levels - 1.0) * m *
											sizeof(ItemPointerData)),
									  rows, dim);
	/* the meta page and the element pages */
	pages = EstimateSizeToInt64(1 + ceil(EstimateElementPages(type, rows, dim, m)),
								rows, dim);
	if (pg_mul_s64_overflow(pages, BLCKSZ, &total) ||
		pg_sub_s64_overflow(total, vector_bytes, &overhead) ||
		pg_sub_s64_overflow(overhead, level0_bytes, &overhead) ||
		pg_sub_s64_overflow(overhead, upper_bytes, &overhead))
		EstimateSizeOutOfRange(rows, dim);

	values[0] = Float8GetDatum(levels);
	values[1] = Int64GetDatum(vector_bytes);
	values[2] = Int64GetDatum(level0_bytes);
	values[3] = Int64GetDatum(upper_bytes);
	values[4] = Int64GetDatum(overhead);
	values[5] = Int64GetDatum(total);
	if (rows > 0)
		values[6] = Float8GetDatum((double) total / rows);
	else
		nulls[6] = true;
	values[7] = Int64GetDatum(pages);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * EstimateType
 *		The type an estimate is asked for: the regtype argument "argno".
 */
static const HnswTypeInfo *
EstimateType(FunctionCallInfo fcinfo, int argno)
{
	Oid			typid = PG_GETARG_OID(argno);
	const HnswTypeInfo *type =
		HnswColumnType(typid, get_func_namespace(fcinfo->flinfo->fn_oid));

	if (type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("hnsw indexes cannot hold type %s", format_type_be(typid)),
				 errhint("An hnsw index holds vector, halfvec or bit values.")));
	return type;
}

/*
 * hnsw_estimate_memory
 *		SQL function hnsw_estimate_memory(rows, dimensions, m, type).
 */
Datum
hnsw_estimate_memory(PG_FUNCTION_ARGS)
{
	return EstimateMemory(fcinfo, EstimateType(fcinfo, 3), PG_GETARG_INT64(0),
						  PG_GETARG_INT32(1), PG_GETARG_INT32(2));
}

/* The number of non-NULL values of a column, counted */
static int64
CountVectors(Relation rel, AttrNumber attno)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int64		count = 0;

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		(void) slot_getattr(slot, attno, &isnull);
		if (!isnull)
			count++;
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	return count;
}

/*
 * hnsw_estimate_memory_table
 *		SQL function hnsw_estimate_memory(tbl, col, m): the same for the rows
 *		and dimensions of a column.  Rows are the planner's count
 *		(pg_class.reltuples less the column's NULL fraction) when the table
 *		has been analyzed, else counted.  Either way the caller needs SELECT
 *		on the table: the statistics tell of its contents.
 */
Datum
hnsw_estimate_memory_table(PG_FUNCTION_ARGS)
{
	Oid			tableoid = PG_GETARG_OID(0);
	char	   *colname = NameStr(*PG_GETARG_NAME(1));
	int32		m = PG_GETARG_INT32(2);
	Relation	rel;
	int32		typmod;
	const HnswTypeInfo *type;
	AttrNumber	attno;
	int64		rows;

	/* m before the table is opened; rows and dimensions come from it */
	EstimateCheckArguments(&HnswVectorType, 0, 1, m, -1);
	rel = HnswOpenTableToRead(tableoid, AccessShareLock);
	attno = HnswIndexableColumn(rel, colname,
								get_func_namespace(fcinfo->flinfo->fn_oid),
								true, &typmod, &type);

	if (rel->rd_rel->reltuples >= 0)
	{
		HeapTuple	stats = SearchSysCache3(STATRELATTINH,
											ObjectIdGetDatum(tableoid),
											Int16GetDatum(attno),
											BoolGetDatum(false));
		double		null_frac = 0.0;
		double		estimate;

		if (HeapTupleIsValid(stats))
		{
			null_frac = ((Form_pg_statistic) GETSTRUCT(stats))->stanullfrac;
			ReleaseSysCache(stats);
		}
		estimate = round(rel->rd_rel->reltuples * (1.0 - null_frac));
		/* reltuples is a float4: a damaged catalog could hold anything */
		if (!FLOAT8_FITS_IN_INT64(estimate))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("row count of relation \"%s\" is out of range for type bigint",
							RelationGetRelationName(rel)),
					 errdetail("pg_class.reltuples is %g.",
							   (double) rel->rd_rel->reltuples)));
		rows = (int64) estimate;
	}
	else
		rows = CountVectors(rel, attno);
	table_close(rel, AccessShareLock);

	return EstimateMemory(fcinfo, type, rows, typmod, m);
}

/*
 * GraphElementBytes
 *		The bytes a build's in-memory graph takes per element: metadata,
 *		slot, links above level 0, and the searching process's visited stamp.
 */
static double
GraphElementBytes(const HnswTypeInfo *type, int dim, int m)
{
	Size		vsize = type->value_size(dim);

	return (double) (HnswGraphSize(vsize, m, 1024) - HnswGraphSize(vsize, m, 0)) /
		1024.0 + sizeof(uint32);
}

/*
 * FillValue
 *		A stored value of "type" (value_size bytes at "out") whose elements
 *		derive from "seed": floats for vector, halves for halfvec, bits for
 *		bit (pad bits zero), so that the type's kernel reads what it reads
 *		in an index.
 */
static void
FillValue(const HnswTypeInfo *type, int dim, uint32 seed, void *out)
{
	memset(out, 0, type->value_size(dim));
	if (type == &HnswHalfvecType)
	{
		half	   *h = out;

		for (int d = 0; d < dim; d++)
			h[d] = Float4ToHalfPortable((float) ((seed + d) % 97) / 97.0f);
	}
	else if (type == &HnswBitType)
	{
		uint8	   *b = out;

		for (int d = 0; d < dim; d++)
			if (((seed * 2654435761u) >> (d % 32)) & 1)
				b[d / 8] |= 0x80 >> (d % 8);
	}
	else
	{
		float	   *f = out;

		for (int d = 0; d < dim; d++)
			f[d] = (float) (seed % 97 + d);
	}
}

/*
 * CalibrateMemoryCost
 *		Nanoseconds per distance computation to an element picked at random
 *		from a graph of "bytes" bytes laid out as the build's (a slot per
 *		element with its vector and level-0 links, and a visited stamp per
 *		element), after checking and setting its stamp, with the next
 *		element's vector prefetched as the build's searches do.
 *
 * This is the part of a build's work whose cost grows with the graph: the
 * cache misses of reaching an element.  The best of three rounds counts,
 * since other processes only ever slow it down.
 */
static double
CalibrateMemoryCost(const HnswTypeInfo *type, int dim, int m, Size bytes)
{
	MemoryContext ctx = AllocSetContextCreate(CurrentMemoryContext,
											  "hnsw estimate calibration",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(ctx);
	Size		slot = HnswGraphSlotSize(type->value_size(dim), m);
	uint32		n = (uint32) Max(bytes / GraphElementBytes(type, dim, m), 2);
	char	   *slots = MemoryContextAllocHuge(ctx, slot * n);
	uint32	   *visited = MemoryContextAllocHuge(ctx, sizeof(uint32) * n);
	void	   *query = palloc(type->value_size(dim));
	HnswIndexInfo info;
	uint32	   *order = palloc(sizeof(uint32) * (CALIBRATE_DISTANCES + 1));
	pg_prng_state prng;
	double		best_ns = 0.0;
	uint32		epoch = 0;
	volatile float sink = 0.0f;

	EstimateIndexInfo(&info, type, dim, m);
	pg_prng_seed(&prng, ESTIMATE_SEED);
	for (uint32 i = 0; i < n; i++)
	{
		FillValue(type, dim, i, slots + (Size) i * slot);
		visited[i] = 0;
	}
	FillValue(type, dim, 0, query);
	for (int i = 0; i <= CALIBRATE_DISTANCES; i++)
		order[i] = (uint32) pg_prng_uint64_range(&prng, 0, n - 1);

	for (int round = 1; round <= 3; round++)
	{
		instr_time	start;
		instr_time	elapsed;
		float		best = FLT_MAX;
		double		ns;

		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(start);
		for (int i = 0; i < CALIBRATE_DISTANCES; i++)
		{
			uint32		id = order[i];
			float		dist;

			/* a search's worth of elements per visited epoch */
			if (i % 256 == 0)
				epoch++;
			if (visited[id] == epoch)
				continue;
			visited[id] = epoch;
			__builtin_prefetch(slots + (Size) order[i + 1] * slot);
			dist = info.kernel(dim, query, slots + (Size) id * slot);
			if (dist < best)
				best = dist;
		}
		INSTR_TIME_SET_CURRENT(elapsed);
		INSTR_TIME_SUBTRACT(elapsed, start);
		sink += best;
		ns = INSTR_TIME_GET_DOUBLE(elapsed) * 1e9 / CALIBRATE_DISTANCES;
		if (round == 1 || ns < best_ns)
			best_ns = ns;
	}
	(void) sink;

	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return best_ns;
}

/*
 * MemoryCostAt
 *		ns per distance of the memory benchmark above with a graph of "bytes"
 *		bytes, interpolated between the measured sizes (linear in log size);
 *		measures the sizes not measured yet.
 */
static double
MemoryCostAt(BuildCostCache *cache, Size bytes)
{
	double		pos;
	int			lo;
	double		frac;

	bytes = Max(bytes, CALIBRATE_MIN_BYTES);
	bytes = Min(bytes, CALIBRATE_MAX_BYTES);
	pos = log2((double) bytes / CALIBRATE_MIN_BYTES);
	lo = Min((int) floor(pos), CALIBRATE_SIZES - 1);
	frac = pos - lo;

	for (int i = lo; i <= Min(lo + 1, CALIBRATE_SIZES - 1); i++)
	{
		if (cache->memory_ns[i] == 0.0)
			cache->memory_ns[i] = CalibrateMemoryCost(cache->type, cache->dim,
													  cache->m,
													  CALIBRATE_MIN_BYTES << i);
	}
	if (lo == CALIBRATE_SIZES - 1)
		return cache->memory_ns[lo];
	return cache->memory_ns[lo] * (1.0 - frac) + cache->memory_ns[lo + 1] * frac;
}

/*
 * CalibrateWriteCost
 *		Nanoseconds per element to write the graph out: build the element
 *		tuple of a level-0 element, add it to a page, and per full page copy
 *		it into a buffer and checksum it as its WAL image is (the build
 *		WAL-logs every page in full).
 */
static double
CalibrateWriteCost(const HnswTypeInfo *type, int dim, int m)
{
	HnswIndexInfo info;
	HnswElementShape shape;
	char	   *tuple;
	char	   *links;
	PGAlignedBlock page;
	PGAlignedBlock copy;
	void	   *value = palloc(type->value_size(dim));
	ItemPointerData tid;
	int			elements = 0;
	pg_crc32c	crc = 0;
	instr_time	start;
	instr_time	elapsed;

	EstimateIndexInfo(&info, type, dim, m);
	shape = HnswShapeElement(&info, 1, 0);
	tuple = palloc(shape.element_size);
	links = palloc(Max(shape.links_size, 1));
	FillValue(type, dim, 0, value);
	ItemPointerSet(&tid, 1, 1);
	HnswInitPage(page.data, HNSW_PAGE_ELEMENTS);

	INSTR_TIME_SET_CURRENT(start);
	while (elements < 20000)
	{
		CHECK_FOR_INTERRUPTS();
		HnswFormElement(&info, shape, 0, &tid, 1, value, tuple, links);
		if (PageAddItem(page.data, tuple, shape.element_size,
						InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		{
			memcpy(copy.data, page.data, BLCKSZ);
			INIT_CRC32C(crc);
			COMP_CRC32C(crc, copy.data, BLCKSZ);
			FIN_CRC32C(crc);
			HnswInitPage(page.data, HNSW_PAGE_ELEMENTS);
			continue;
		}
		elements++;
	}
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	/* use the checksum, so that it is computed */
	elog(DEBUG2, "hnsw write calibration: last checksum %08X", crc);

	pfree(tuple);
	pfree(links);
	pfree(value);
	return INSTR_TIME_GET_DOUBLE(elapsed) * 1e9 / (double) elements;
}

/*
 * ModelDistances
 *		Distance computations to insert one element into a graph of n
 *		elements.
 *
 * On each level it joins (levels l with P(level >= l) = m^-l, among the
 * log_m(n) levels the graph has) the element is searched for with
 * ef_construction candidates, which evaluates MODEL_SEARCH_PER_EF elements
 * per candidate but never more than there are, and its links are chosen
 * among the candidates found (MODEL_SELECT_PER_EF per candidate).  Above its
 * own levels it descends greedily, reading the m links of about one element
 * per level.
 */
static double
ModelDistances(double n, int m, int ef_construction)
{
	double		levels_existing;
	double		joined = 0.0;
	double		per_level;
	double		descent;

	if (n < 1)
		return 0.0;
	levels_existing = log(n) / log((double) m);

	for (int l = 0; l <= HNSW_MAX_LEVEL && l <= levels_existing; l++)
		joined += pow((double) m, -l);

	per_level = Min(n, MODEL_SEARCH_PER_EF * ef_construction) +
		MODEL_SELECT_PER_EF * Min(n, (double) ef_construction);
	descent = m * Max(levels_existing - (joined - 1.0), 0.0);

	return joined * per_level + descent;
}

/*
 * ModelWork
 *		Sum, over the inserts of a build of "rows" elements, of the modelled
 *		distance computations times the memory benchmark's cost at the size
 *		the graph has then; the total distance count goes to *distances.
 *		The graph's size is integrated over log-spaced intervals.  With
 *		count_only, only the count is computed (nothing is measured) and 0
 *		returned.
 */
static double
ModelWork(BuildCostCache *cache, int64 rows, double *distances,
		  bool count_only)
{
	double		per_element = GraphElementBytes(cache->type, cache->dim,
												cache->m);
	double		prev = 0.0;
	double		work = 0.0;
	const int	steps = 100;

	*distances = 0.0;
	for (int s = 1; s <= steps && rows > 0; s++)
	{
		double		upto = (s == steps) ? (double) rows :
			floor(pow((double) rows, (double) s / steps));
		double		mid;
		double		count;

		if (upto <= prev)
			continue;
		mid = (prev + upto) / 2.0;
		count = ModelDistances(mid, cache->m, cache->ef_construction) *
			(upto - prev);
		*distances += count;
		/* MemoryCostAt caps the size anyway: cap it before the cast */
		if (!count_only)
			work += count * MemoryCostAt(cache,
										 (Size) Min(mid * per_element,
													(double) CALIBRATE_MAX_BYTES));
		prev = upto;
	}
	return work;
}

/*
 * StandardNormal
 *		A draw from N(0, 1) (Box-Muller).
 */
static double
StandardNormal(pg_prng_state *prng)
{
	double		u = 1.0 - pg_prng_double(prng);	/* (0, 1] */
	double		v = pg_prng_double(prng);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/*
 * CalibrationValues
 *		"rows" values shaped like real embeddings and like the benchmark's
 *		data: Gaussian clusters of about 1,000 points in a 32-dimensional
 *		space, mapped to "dim" dimensions by a random linear map, plus a
 *		little noise in every dimension.  Deterministic.  For vector and
 *		halfvec they are vectors (inserted with a cast for halfvec), for bit
 *		their signs, as binary_quantize() gives them (bit strings can have
 *		more dimensions than a vector).
 */
static Datum *
CalibrationValues(const HnswTypeInfo *type, int dim, int rows)
{
	pg_prng_state prng;
	int			nclusters = Max(1, rows / 1000);
	double	   *centres = palloc(sizeof(double) * nclusters * CALIBRATION_LATENT);
	double	   *projection = palloc(sizeof(double) * CALIBRATION_LATENT * dim);
	double		latent[CALIBRATION_LATENT];
	float	   *x = palloc(sizeof(float) * dim);
	Datum	   *values = palloc(sizeof(Datum) * rows);

	pg_prng_seed(&prng, ESTIMATE_SEED);
	for (int i = 0; i < nclusters * CALIBRATION_LATENT; i++)
		centres[i] = 2.0 * StandardNormal(&prng);
	for (int i = 0; i < CALIBRATION_LATENT * dim; i++)
		projection[i] = sqrt(1.0 / CALIBRATION_LATENT) * StandardNormal(&prng);

	for (int r = 0; r < rows; r++)
	{
		int			c = (int) pg_prng_uint64_range(&prng, 0, nclusters - 1);

		for (int j = 0; j < CALIBRATION_LATENT; j++)
			latent[j] = centres[c * CALIBRATION_LATENT + j] + StandardNormal(&prng);
		for (int d = 0; d < dim; d++)
		{
			double		sum = 0.05 * StandardNormal(&prng);

			for (int j = 0; j < CALIBRATION_LATENT; j++)
				sum += latent[j] * projection[j * dim + d];
			x[d] = (float) sum;
		}
		if (type == &HnswBitType)
		{
			VarBit	   *bits = palloc0(VARBITTOTALLEN(dim));

			SET_VARSIZE(bits, VARBITTOTALLEN(dim));
			VARBITLEN(bits) = dim;
			for (int d = 0; d < dim; d++)
				if (x[d] > 0)
					VARBITS(bits)[d / 8] |= 0x80 >> (d % 8);
			values[r] = VarBitPGetDatum(bits);
		}
		else
		{
			Vector	   *v = InitVector(dim);

			memcpy(v->x, x, sizeof(float) * dim);
			values[r] = PointerGetDatum(v);
		}
	}
	pfree(x);
	return values;
}

/*
 * CalibrateBuild
 *		Seconds of the fastest of CALIBRATION_BUILDS builds of a real index
 *		over "rows" synthetic vectors, with the given options, in a
 *		temporary table (dropped again).  "nspid" is the extension's schema.
 */
static double
CalibrateBuild(Oid nspid, const HnswTypeInfo *type, int dim, int m,
			   int ef_construction, int rows)
{
	const char *nspname = get_namespace_name(nspid);
	Oid			vector_oid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
											 CStringGetDatum("vector"),
											 ObjectIdGetDatum(nspid));
	const char *column_type;
	Oid			param_type;
	const char *param;
	Datum	   *values;
	SPIPlanPtr	insert;
	double		best = 0.0;

	if (!OidIsValid(vector_oid))
		elog(ERROR, "type vector not found in schema \"%s\"", nspname);
	if (OidIsValid(type->builtin_type))
		column_type = psprintf("%s(%d)", format_type_be(type->builtin_type), dim);
	else
		column_type = psprintf("%s(%d)",
							   quote_qualified_identifier(nspname, type->name),
							   dim);
	/* bit strings come as they are, the others as vectors cast on insert */
	if (type == &HnswBitType)
	{
		param_type = type->builtin_type;
		param = "$1";
	}
	else
	{
		param_type = vector_oid;
		param = psprintf("$1::%s", column_type);
	}

	SPI_connect();
	if (SPI_execute(psprintf("CREATE TEMPORARY TABLE hnsw_estimate_calibration (v %s)",
							 column_type),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create the calibration table");

	values = CalibrationValues(type, dim, rows);
	insert = SPI_prepare(psprintf("INSERT INTO pg_temp.hnsw_estimate_calibration VALUES (%s)",
								  param),
						 1, &param_type);
	if (insert == NULL)
		elog(ERROR, "could not prepare the calibration insert");
	for (int r = 0; r < rows; r++)
	{
		CHECK_FOR_INTERRUPTS();
		if (SPI_execute_plan(insert, &values[r], NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert calibration rows");
	}

	for (int b = 0; b < CALIBRATION_BUILDS; b++)
	{
		instr_time	start;
		instr_time	elapsed;

		INSTR_TIME_SET_CURRENT(start);
		if (SPI_execute(psprintf("CREATE INDEX hnsw_estimate_calibration_idx "
								 "ON pg_temp.hnsw_estimate_calibration USING hnsw "
								 "(v %s) WITH (m = %d, ef_construction = %d)",
								 quote_qualified_identifier(nspname, type->default_opclass),
								 m, ef_construction),
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not build the calibration index");
		INSTR_TIME_SET_CURRENT(elapsed);
		INSTR_TIME_SUBTRACT(elapsed, start);
		if (b == 0 || INSTR_TIME_GET_DOUBLE(elapsed) < best)
			best = INSTR_TIME_GET_DOUBLE(elapsed);
		if (SPI_execute("DROP INDEX pg_temp.hnsw_estimate_calibration_idx",
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not drop the calibration index");
	}

	if (SPI_execute("DROP TABLE pg_temp.hnsw_estimate_calibration",
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the calibration table");
	SPI_finish();
	return best;
}

static BuildCostCache *
GetBuildCostCache(const HnswTypeInfo *type, int dim, int m,
				  int ef_construction)
{
	BuildCostCache *c;

	for (int i = 0; i < COST_CACHE_ENTRIES; i++)
	{
		if (cost_cache[i].type == type &&
			cost_cache[i].dim == dim && cost_cache[i].m == m &&
			cost_cache[i].ef_construction == ef_construction)
			return &cost_cache[i];
	}
	c = &cost_cache[cost_cache_next];
	cost_cache_next = (cost_cache_next + 1) % COST_CACHE_ENTRIES;
	memset(c, 0, sizeof(BuildCostCache));
	c->type = type;
	c->dim = dim;
	c->m = m;
	c->ef_construction = ef_construction;
	return c;
}

/*
 * hnsw_estimate_build_time
 *		SQL function hnsw_estimate_build_time(rows, dimensions, m,
 *		ef_construction, type): estimated seconds of a serial build of an
 *		index of the type's default operator class on this server.
 *
 * A real build of CalibrationRows() values of the type gives the cost of one modelled
 * distance computation with everything the build does around it (heaps,
 * visited stamps, link choice, the table scan) on a graph that fits in the
 * CPU caches.  As the graph grows, each distance costs what the memory
 * benchmark says reaching an element costs at that size beyond what it
 * cost in the calibration build.  So:
 *
 *	seconds = sum over inserts of distances * (calibration cost
 *			  + memory cost at the graph's size - calibration's memory cost)
 *			  + rows * write cost
 */
Datum
hnsw_estimate_build_time(PG_FUNCTION_ARGS)
{
	int64		rows = PG_GETARG_INT64(0);
	int32		dim = PG_GETARG_INT32(1);
	int32		m = PG_GETARG_INT32(2);
	int32		ef_construction = PG_GETARG_INT32(3);
	const HnswTypeInfo *type = EstimateType(fcinfo, 4);
	TupleDesc	tupdesc;
	BuildCostCache model;
	BuildCostCache *cache;
	double		distances;
	double		memory_work;
	double		write_seconds;
	double		distance_seconds;
	Datum		values[4];
	bool		nulls[4] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	EstimateCheckArguments(type, rows, dim, m, ef_construction);

	/* a count that does not fit in its column fails before any measurement */
	memset(&model, 0, sizeof(model));
	model.type = type;
	model.dim = dim;
	model.m = m;
	model.ef_construction = ef_construction;
	(void) ModelWork(&model, rows, &distances, true);
	if (!FLOAT8_FITS_IN_INT64(distances))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("estimated number of distance computations is out of range for type bigint"),
				 errdetail("A build of " INT64_FORMAT " vectors with m = %d and ef_construction = %d would compute about %.3g distances.",
						   rows, m, ef_construction, distances)));

	cache = GetBuildCostCache(type, dim, m, ef_construction);
	if (cache->calibration_ns == 0.0)
	{
		int			calibration_rows = CalibrationRows(type->value_size(dim));
		double		calibration_distances;
		double		calibration_work;
		double		build_seconds;

		cache->write_ns = CalibrateWriteCost(type, dim, m);
		build_seconds = CalibrateBuild(get_func_namespace(fcinfo->flinfo->fn_oid),
									   type, dim, m, ef_construction,
									   calibration_rows);
		calibration_work = ModelWork(cache, calibration_rows,
									 &calibration_distances, false);
		cache->calibration_ns = Max(build_seconds * 1e9 -
									calibration_rows * cache->write_ns,
									build_seconds * 1e9 / 2) /
			calibration_distances;
		cache->calibration_memory_ns = calibration_work / calibration_distances;
	}

	memory_work = ModelWork(cache, rows, &distances, false);
	distance_seconds = (distances * (cache->calibration_ns -
									 cache->calibration_memory_ns) +
						memory_work) * 1e-9;
	write_seconds = (double) rows * cache->write_ns * 1e-9;

	values[0] = Float8GetDatum(distance_seconds + write_seconds);
	values[1] = Int64GetDatum((int64) distances);
	if (distances > 0)
		values[2] = Float8GetDatum(distance_seconds * 1e9 / distances);
	else
		nulls[2] = true;
	values[3] = Float8GetDatum(write_seconds);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
