/*-------------------------------------------------------------------------
 *
 * hnsw_sweep.c
 *	  hnsw_sweep(): build an index for every (m, ef_construction) asked for
 *	  on a sample of a table, and measure each at every ef_search.
 *
 * The sample is a temporary copy of some of the table's vectors, so the
 * sweep never locks or bloats the user's table; its indexes are built and
 * dropped one at a time.  The rows are drawn uniformly, in one pass over the
 * table (reservoir sampling of their row identifiers, from a fixed seed, so
 * that the same table gives the same sample), then copied in the table's
 * order, the order a build of the real index would see them in.  The
 * statements the sweep runs through SPI (creating, analyzing and dropping
 * the copy and its indexes) name everything with its schema, so that
 * nothing the caller's search_path holds is called.  If the sweep is
 * interrupted or fails, the transaction's rollback removes the temporary
 * table and index it created, so there is nothing to clean up by hand.
 *
 * Each configuration is measured with hnsw_recall_curve()'s machinery
 * (hnsw_recall.c) on the same queries: a fixed seed draws the same rows of
 * the sample each time.
 *
 * src/tuning/hnsw_sweep.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "commands/defrem.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "hnsw_tuning.h"

PG_FUNCTION_INFO_V1(hnsw_sweep);

/* Seed of the query sample: the same queries for every configuration */
#define SWEEP_SEED		20240601
/* Seed of the rows sampled from the table */
#define SWEEP_SAMPLE_SEED	20240602
/* The most values each array argument may have */
#define SWEEP_MAX_VALUES	100

/* One row of the result */
typedef struct SweepRow
{
	int			m;
	int			ef_construction;
	double		build_seconds;
	int64		index_bytes;
	RecallResult result;
	bool		pareto;
	double		score;
} SweepRow;

/*
 * SweepIntArray
 *		The elements of an int[] argument, checked: one-dimensional, not
 *		empty, at most SWEEP_MAX_VALUES, no NULLs, each within [min, max].
 */
static int *
SweepIntArray(ArrayType *array, const char *name, int min, int max, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int		   *values;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", name)));
	if (ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)) > SWEEP_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s must not have more than %d values",
						name, SWEEP_MAX_VALUES)));
	deconstruct_array(array, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &elems, &nulls, n);
	if (*n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", name)));
	values = palloc(sizeof(int) * *n);
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULLs", name)));
		values[i] = DatumGetInt32(elems[i]);
		if (values[i] < min || values[i] > max)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s values must be between %d and %d, not %d",
							name, min, max, values[i])));
	}
	return values;
}

/* The access method of an index */
static Oid
IndexRelam(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	Oid			relam = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		relam = ((Form_pg_class) GETSTRUCT(tup))->relam;
		ReleaseSysCache(tup);
	}
	return relam;
}

/*
 * SweepOpclass
 *		The qualified name of the operator class of a valid hnsw index on
 *		exactly this column, to measure with the user's metric, or else of
 *		the type's default (vector_l2_ops, halfvec_l2_ops, bit_hamming_ops)
 *		in the extension's schema.  *normalized says whether the operator
 *		class normalizes vectors (cosine), which leaves zero vectors out of
 *		the index.
 */
static char *
SweepOpclass(Relation rel, AttrNumber attno, Oid extension_nsp,
			 const HnswTypeInfo *type, bool *normalized)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			hnsw_am = get_index_am_oid("hnsw", false);
	ListCell   *lc;
	char	   *result = NULL;

	*normalized = false;
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index form;
		bool		isnull;

		if (!HeapTupleIsValid(tup))
			continue;
		form = (Form_pg_index) GETSTRUCT(tup);
		if (form->indisvalid && form->indnatts == 1 &&
			form->indkey.values[0] == attno &&
			IndexRelam(indexoid) == hnsw_am &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL))
		{
			Datum		classes = SysCacheGetAttr(INDEXRELID, tup,
												  Anum_pg_index_indclass,
												  &isnull);
			oidvector  *opclasses = (oidvector *) DatumGetPointer(classes);
			HeapTuple	ctup = SearchSysCache1(CLAOID,
											   ObjectIdGetDatum(opclasses->values[0]));

			if (HeapTupleIsValid(ctup))
			{
				Form_pg_opclass cform = (Form_pg_opclass) GETSTRUCT(ctup);

				result = quote_qualified_identifier(get_namespace_name(cform->opcnamespace),
													NameStr(cform->opcname));
				*normalized = OidIsValid(get_opfamily_proc(cform->opcfamily,
														   cform->opcintype,
														   cform->opcintype,
														   HNSW_NORM_PROC));
				ReleaseSysCache(ctup);
			}
		}
		ReleaseSysCache(tup);
		if (result)
			break;
	}
	list_free(indexes);
	if (result == NULL)
		result = quote_qualified_identifier(get_namespace_name(extension_nsp),
											type->default_opclass);
	return result;
}

/* Whether every coordinate of a value is zero ("buf": room for dim floats) */
static bool
ValueIsZero(const HnswTypeInfo *type, Datum value, float *buf, int dim)
{
	type->to_float(value, buf);
	for (int i = 0; i < dim; i++)
	{
		if (buf[i] != 0.0f)
			return false;
	}
	return true;
}

/*
 * SweepSample
 *		Draw up to sample_rows rows uniformly from those of rel whose column
 *		attno holds a vector the index would store (not NULL, and not zero
 *		when "normalized"), visible to "snapshot": reservoir sampling over one
 *		scan of the table from its first block, with a fixed seed.  Returns
 *		the rows' identifiers in the table's order and their number in *n.
 */
static ItemPointerData *
SweepSample(Relation rel, AttrNumber attno, const HnswTypeInfo *type, int dim,
			bool normalized, Snapshot snapshot, int64 sample_rows, int64 *n)
{
	float	   *buf = palloc(sizeof(float) * dim);
	TableScanDesc scan = table_beginscan_strat(rel, snapshot, 0, NULL,
											   true, false);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	MemoryContext row_ctx = AllocSetContextCreate(CurrentMemoryContext,
												  "hnsw sweep row",
												  ALLOCSET_DEFAULT_SIZES);
	int64		allocated = Min(sample_rows, 1024);
	ItemPointerData *tids = palloc(sizeof(ItemPointerData) * allocated);
	int64		seen = 0;
	pg_prng_state prng;

	pg_prng_seed(&prng, SWEEP_SAMPLE_SEED);
	*n = 0;
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		value;
		int64		pos;

		CHECK_FOR_INTERRUPTS();
		value = slot_getattr(slot, attno, &isnull);
		if (isnull)
			continue;
		if (normalized)
		{
			MemoryContext old = MemoryContextSwitchTo(row_ctx);
			bool		zero = ValueIsZero(type, value, buf, dim);

			MemoryContextSwitchTo(old);
			MemoryContextReset(row_ctx);
			if (zero)
				continue;
		}

		seen++;
		if (*n < sample_rows)
		{
			if (*n == allocated)
			{
				allocated = Min(sample_rows, 2 * allocated);
				tids = repalloc_huge(tids, sizeof(ItemPointerData) * allocated);
			}
			pos = (*n)++;
		}
		else
		{
			pos = (int64) pg_prng_uint64_range(&prng, 0, seen - 1);
			if (pos >= sample_rows)
				continue;
		}
		tids[pos] = slot->tts_tid;
	}
	MemoryContextDelete(row_ctx);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);

	qsort(tids, *n, sizeof(ItemPointerData), HnswItemPointerCmp);
	return tids;
}

/*
 * SweepCopySample
 *		Copy column attno of the sampled rows of rel, as "snapshot" sees
 *		them, into the sample table (our own temporary table, created just
 *		before), then make them visible to the statements that follow.
 */
static void
SweepCopySample(Relation rel, AttrNumber attno, Snapshot snapshot,
				ItemPointerData *tids, int64 n, Oid sample_oid)
{
	Relation	sample = table_open(sample_oid, RowExclusiveLock);
	TupleTableSlot *from = table_slot_create(rel, NULL);
	TupleTableSlot *to = table_slot_create(sample, NULL);
	BulkInsertState bistate = GetBulkInsertState();
	CommandId	cid = GetCurrentCommandId(true);
	MemoryContext row_ctx = AllocSetContextCreate(CurrentMemoryContext,
												  "hnsw sweep row",
												  ALLOCSET_DEFAULT_SIZES);

	for (int64 i = 0; i < n; i++)
	{
		MemoryContext old;
		bool		isnull;
		Datum		value;

		CHECK_FOR_INTERRUPTS();
		if (!table_tuple_fetch_row_version(rel, &tids[i], snapshot, from))
			continue;			/* cannot happen: the scan saw it */
		value = slot_getattr(from, attno, &isnull);
		if (isnull)
			continue;
		old = MemoryContextSwitchTo(row_ctx);
		ExecClearTuple(to);
		/* a value of our own, not a pointer into the other table's TOAST */
		to->tts_values[0] = PointerGetDatum(PG_DETOAST_DATUM_COPY(value));
		to->tts_isnull[0] = false;
		ExecStoreVirtualTuple(to);
		table_tuple_insert(sample, to, cid, 0, bistate);
		MemoryContextSwitchTo(old);
		ExecClearTuple(to);
		MemoryContextReset(row_ctx);
	}
	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(sample, 0);
	MemoryContextDelete(row_ctx);
	ExecDropSingleTupleTableSlot(from);
	ExecDropSingleTupleTableSlot(to);
	table_close(sample, NoLock);
	CommandCounterIncrement();
}

/*
 * SweepExecute
 *		Run one utility statement through SPI.
 */
static void
SweepExecute(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute failed (%d): %s", rc, sql);
}

/*
 * SweepParetoAndScore
 *		Mark the rows no other row beats on every count (recall at least as
 *		high, latency and size no larger, one of them strictly better), and
 *		compute the balanced score.
 */
static void
SweepParetoAndScore(SweepRow *rows, int nrows)
{
	for (int i = 0; i < nrows; i++)
	{
		SweepRow   *a = &rows[i];
		double		size_mb = (double) a->index_bytes / (1024.0 * 1024.0);

		a->pareto = true;
		for (int j = 0; j < nrows && a->pareto; j++)
		{
			SweepRow   *b = &rows[j];

			if (j == i)
				continue;
			if (b->result.recall >= a->result.recall &&
				b->result.mean_ms <= a->result.mean_ms &&
				b->index_bytes <= a->index_bytes &&
				(b->result.recall > a->result.recall ||
				 b->result.mean_ms < a->result.mean_ms ||
				 b->index_bytes < a->index_bytes))
				a->pareto = false;
		}
		a->score = 0.5 * a->result.recall +
			0.3 / (1.0 + a->result.mean_ms / 100.0) +
			0.2 / (1.0 + size_mb / 1000.0);
	}
}

/* The arguments of a sweep, checked */
typedef struct SweepArgs
{
	int		   *ms;
	int			nm;
	int		   *efcs;
	int			nefc;
	int		   *efss;
	int			nefs;
	int			k;
	int			queries;
	int64		sample_rows;
	int			nconfigs;		/* (m, ef_construction) pairs that can build */
} SweepArgs;

/*
 * SweepCheckArguments
 *		Every argument but the table's, checked before any work starts.
 */
static void
SweepCheckArguments(FunctionCallInfo fcinfo, SweepArgs *args)
{
	args->ms = SweepIntArray(PG_GETARG_ARRAYTYPE_P(2), "m", HNSW_MIN_M,
							 HNSW_MAX_M, &args->nm);
	args->efcs = SweepIntArray(PG_GETARG_ARRAYTYPE_P(3), "ef_construction",
							   HNSW_MIN_EF_CONSTRUCTION,
							   HNSW_MAX_EF_CONSTRUCTION, &args->nefc);
	args->efss = SweepIntArray(PG_GETARG_ARRAYTYPE_P(4), "ef_search",
							   HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							   &args->nefs);
	args->k = PG_GETARG_INT32(5);
	args->queries = PG_GETARG_INT32(6);
	args->sample_rows = PG_GETARG_INT64(7);
	CheckRecallArguments(args->k, args->queries);
	if (args->sample_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_rows must be at least 1")));
	args->nconfigs = 0;
	for (int i = 0; i < args->nm; i++)
		for (int j = 0; j < args->nefc; j++)
			if (args->efcs[j] >= 2 * args->ms[i])
				args->nconfigs++;
	if (args->nconfigs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no combination of m and ef_construction can be built"),
				 errdetail("ef_construction must be at least twice m.")));
}

/*
 * SweepMakeSample
 *		Check the column, sample its rows and copy them into the temporary
 *		table pg_temp.hnsw_sweep_sample (the caller is connected to SPI);
 *		returns the operator class of the column's hnsw index.
 */
static char *
SweepMakeSample(Oid tableoid, const char *colname, Oid extension_nsp,
				int64 sample_rows)
{
	Relation	rel = HnswOpenTableToRead(tableoid, AccessShareLock);
	int32		typmod;
	const HnswTypeInfo *type;
	AttrNumber	attno = HnswIndexableColumn(rel, colname, extension_nsp, true,
											&typmod, &type);
	bool		normalized;
	char	   *opclass;
	char	   *column_type;
	Snapshot	snapshot;
	ItemPointerData *sampled;
	int64		nsampled;
	StringInfoData sql;

	/* the test of the build (hnsw_build.c), before the sample is copied */
	if (typmod > type->max_dimensions())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column \"%s\" of relation \"%s\" has too many dimensions for an hnsw index",
						colname, RelationGetRelationName(rel)),
				 errdetail("It has %d dimensions; an hnsw index holds at most %d.",
						   typmod, type->max_dimensions())));
	opclass = SweepOpclass(rel, attno, extension_nsp, type, &normalized);
	column_type = format_type_extended(TupleDescAttr(RelationGetDescr(rel),
													 attno - 1)->atttypid,
									   typmod,
									   FORMAT_TYPE_TYPEMOD_GIVEN |
									   FORMAT_TYPE_FORCE_QUALIFY);

	/* the sample, before anything is created */
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	sampled = SweepSample(rel, attno, type, typmod, normalized, snapshot,
						  sample_rows, &nsampled);
	if (nsampled == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of relation \"%s\" has no vectors to measure",
						colname, RelationGetRelationName(rel)),
				 normalized ?
				 errdetail("Its hnsw index uses cosine distance, which leaves zero vectors out.") : 0));

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "CREATE TEMPORARY TABLE hnsw_sweep_sample (v %s)",
					 column_type);
	SweepExecute(sql.data);
	SweepCopySample(rel, attno, snapshot, sampled, nsampled,
					RangeVarGetRelid(makeRangeVar("pg_temp", "hnsw_sweep_sample", -1),
									 NoLock, false));
	UnregisterSnapshot(snapshot);
	pfree(sampled);
	table_close(rel, AccessShareLock);
	SweepExecute("ANALYZE pg_temp.hnsw_sweep_sample");
	return opclass;
}

/*
 * SweepMeasure
 *		Build an index with m and ef_construction on the sample, measure it
 *		at every ef_search into args->nefs rows from "rows", drop it.
 *		*warned_buffers: whether the NOTICE about temp_buffers was given.
 */
static void
SweepMeasure(SweepArgs *args, const char *opclass, int m, int ef_construction,
			 SweepRow *rows, bool *warned_buffers)
{
	RecallState rs;
	instr_time	start;
	instr_time	elapsed;
	double		build_seconds;
	int64		index_bytes;
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "CREATE INDEX hnsw_sweep_index ON pg_temp.hnsw_sweep_sample "
					 "USING hnsw (v %s) WITH (m = %d, ef_construction = %d)",
					 opclass, m, ef_construction);
	INSTR_TIME_SET_CURRENT(start);
	SweepExecute(sql.data);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	build_seconds = INSTR_TIME_GET_DOUBLE(elapsed);

	RecallBegin(&rs,
				RangeVarGetRelid(makeRangeVar("pg_temp", "hnsw_sweep_index", -1),
								 NoLock, false),
				args->k, args->queries, true, SWEEP_SEED);
	index_bytes = (int64) RelationGetNumberOfBlocks(rs.index) * BLCKSZ;
	if (!*warned_buffers &&
		RelationGetNumberOfBlocks(rs.index) > (BlockNumber) num_temp_buffers)
	{
		ereport(NOTICE,
				(errmsg("the sample's index is larger than temp_buffers"),
				 errdetail("Its pages do not all fit in this session's buffers for temporary tables, so the latencies include reading them from the operating system."),
				 errhint("To measure them in memory, set temp_buffers to at least %.0f MB at the start of a session, before it uses any temporary table.",
						 ceil((double) index_bytes * 1.5 / (1024.0 * 1024.0)))));
		*warned_buffers = true;
	}
	RecallPrepare(&rs, InvalidOid, NULL);
	for (int e = 0; e < args->nefs; e++)
	{
		rows[e].m = m;
		rows[e].ef_construction = ef_construction;
		rows[e].build_seconds = build_seconds;
		rows[e].index_bytes = index_bytes;
		rows[e].result = RecallMeasure(&rs, args->efss[e]);
	}
	RecallEnd(&rs);
	SweepExecute("DROP INDEX pg_temp.hnsw_sweep_index");

	ereport(NOTICE,
			(errmsg("m = %d, ef_construction = %d: built in %.2f s, %.1f MB; recall %.3f at ef_search %d, %.3f at %d",
					m, ef_construction, build_seconds,
					index_bytes / (1024.0 * 1024.0),
					rows[0].result.recall, args->efss[0],
					rows[args->nefs - 1].result.recall,
					args->efss[args->nefs - 1])));
}

/* Put the rows of the result */
static void
SweepReturnRows(ReturnSetInfo *rsinfo, SweepRow *rows, int nrows)
{
	for (int i = 0; i < nrows; i++)
	{
		SweepRow   *row = &rows[i];
		Datum		values[11];
		bool		nulls[11] = {0};

		values[0] = Int32GetDatum(row->m);
		values[1] = Int32GetDatum(row->ef_construction);
		values[2] = Int32GetDatum(row->result.ef_search);
		values[3] = Float8GetDatum(row->build_seconds);
		values[4] = Int64GetDatum(row->index_bytes);
		values[5] = Float8GetDatum(row->result.recall);
		values[6] = Float8GetDatum(row->result.mean_ms);
		values[7] = Float8GetDatum(row->result.p95_ms);
		values[8] = Float8GetDatum(row->result.mean_ms > 0 ?
								   1000.0 / row->result.mean_ms : 0.0);
		values[9] = BoolGetDatum(row->pareto);
		values[10] = Float8GetDatum(row->score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * hnsw_sweep
 *		SQL function hnsw_sweep(tbl, col, m[], ef_construction[],
 *		ef_search[], k, queries, sample_rows): build an index for every
 *		(m, ef_construction) on one sample of the table and measure it at
 *		every ef_search; one row per measurement, with the Pareto front.
 */
Datum
hnsw_sweep(PG_FUNCTION_ARGS)
{
	Oid			tableoid = PG_GETARG_OID(0);
	char	   *colname = NameStr(*PG_GETARG_NAME(1));
	Oid			extension_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	SweepArgs	args;
	char	   *opclass;
	SweepRow   *rows;
	int			nrows = 0;
	bool		warned_buffers = false;

	SweepCheckArguments(fcinfo, &args);
	InitMaterializedSRF(fcinfo, 0);
	rows = palloc(sizeof(SweepRow) * args.nconfigs * args.nefs);

	SPI_connect();
	opclass = SweepMakeSample(tableoid, colname, extension_nsp,
							  args.sample_rows);
	for (int i = 0; i < args.nm; i++)
	{
		for (int j = 0; j < args.nefc; j++)
		{
			CHECK_FOR_INTERRUPTS();
			if (args.efcs[j] < 2 * args.ms[i])
			{
				ereport(NOTICE,
						(errmsg("skipping m = %d, ef_construction = %d: ef_construction must be at least twice m",
								args.ms[i], args.efcs[j])));
				continue;
			}
			SweepMeasure(&args, opclass, args.ms[i], args.efcs[j],
						 rows + nrows, &warned_buffers);
			nrows += args.nefs;
		}
	}
	SweepExecute("DROP TABLE pg_temp.hnsw_sweep_sample");
	SPI_finish();

	SweepParetoAndScore(rows, nrows);
	SweepReturnRows((ReturnSetInfo *) fcinfo->resultinfo, rows, nrows);
	return (Datum) 0;
}
