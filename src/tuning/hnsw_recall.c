/*-------------------------------------------------------------------------
 *
 * hnsw_recall.c
 *	  Measured recall and latency of an HNSW index: hnsw_recall(),
 *	  hnsw_recall_curve() and hnsw_tune().
 *
 * A measurement draws a random sample of query vectors (the table's own
 * rows, or the rows of a query table), finds the exact k nearest rows of
 * each by reading the whole table once, then searches the index for each
 * query as a query would (index_beginscan, then the rows in order, each
 * fetched from the table and checked for visibility) and times it.  A row
 * the index returns counts as a hit when its distance is no more than the
 * exact k-th distance, so rows tied with the k-th count whichever of them
 * the index returns.
 *
 * When the queries are the table's own rows, each stands for a new vector
 * not in the table: the row is left out of both answers, and the search
 * treats its element as absent (HnswScanExclude), since an element's own
 * links lead straight to its neighbours and would make the search far
 * easier than a new vector's.  On the benchmark data, ef_search tuned on
 * own rows searched as they are fell 0.05 short of the target on held-out
 * queries; left out, it reaches the target or overshoots by up to 0.04
 * (bench/tune_check.py).
 *
 * The table is read directly with the functions' own snapshot, after the
 * same privilege checks hnsw_index_stats() makes; the index scans are
 * ordinary ones, so they are counted in the search statistics, and the
 * work of each query is taken from this backend's own counters.
 *
 * Computing a row's index value runs the index's expressions and partial
 * index predicate, which are the table owner's code: every stretch that
 * does (loading them, the table scans, the searches that recompute the
 * value of each row found) runs as the table owner in a security-restricted
 * operation (HnswBecomeTableOwner).  Everything else, the privilege checks,
 * the query table and hnsw_tune's ALTER INDEX, runs as the caller.
 *
 * src/tuning/hnsw_recall.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/genam.h"
#include "access/relation.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "hnsw.h"
#include "hnsw_tuning.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(hnsw_recall);
PG_FUNCTION_INFO_V1(hnsw_recall_queries);
PG_FUNCTION_INFO_V1(hnsw_recall_curve);
PG_FUNCTION_INFO_V1(hnsw_tune);

/* hnsw_recall_curve measures at most one point per ef_search value */
#define RECALL_MAX_CURVE_POINTS	(HNSW_MAX_EF_SEARCH - HNSW_MIN_EF_SEARCH + 1)

void
CheckRecallArguments(int k, int queries)
{
	if (k < 1 || k > RECALL_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", RECALL_MAX_K)));
	if (queries < 1 || queries > RECALL_MAX_QUERIES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("queries must be between 1 and %d", RECALL_MAX_QUERIES)));
}

void
CheckEfSearch(int ef_search)
{
	if (ef_search < HNSW_MIN_EF_SEARCH || ef_search > HNSW_MAX_EF_SEARCH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_search must be between %d and %d",
						HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH)));
}

/*
 * RecallBegin
 *		Open the index for a measurement of recall@k with up to "queries"
 *		queries; "seed" (when has_seed) makes the sample repeatable.
 */
void
RecallBegin(RecallState *rs, Oid indexoid, int k, int queries,
			bool has_seed, int64 seed)
{
	Oid			opcintype;
	Oid			opno;
	HnswSavedUser saved;

	memset(rs, 0, sizeof(RecallState));
	rs->index = HnswOpenIndexToInspect(indexoid, &rs->heap, "measure",
									   AccessShareLock);
	HnswGetIndexInfo(rs->index, &rs->info);
	/* loading the expressions folds their constants, running owner code */
	HnswBecomeTableOwner(rs->heap, &saved);
	rs->indexInfo = BuildIndexInfo(rs->index);
	HnswRestoreUser(&saved);
	rs->snapshot = RegisterSnapshot(GetTransactionSnapshot());
	rs->ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw recall",
									ALLOCSET_DEFAULT_SIZES);
	rs->row_ctx = AllocSetContextCreate(rs->ctx, "hnsw recall row",
										ALLOCSET_DEFAULT_SIZES);
	rs->k = k;
	rs->maxqueries = queries;
	rs->queries = MemoryContextAllocZero(rs->ctx, sizeof(RecallQuery) * queries);
	rs->scratch = MemoryContextAlloc(rs->ctx,
									 rs->info.value_size);
	if (has_seed)
		pg_prng_seed(&rs->prng, (uint64) seed);
	else
		pg_prng_seed(&rs->prng, pg_prng_uint64(&pg_global_prng_state));

	/* the operator the index orders by, for the scan key */
	opcintype = rs->index->rd_opcintype[0];
	opno = get_opfamily_member(rs->index->rd_opfamily[0], opcintype,
							   opcintype, 1);
	if (!OidIsValid(opno))
		elog(ERROR, "no ordering operator in the operator family of index \"%s\"",
			 RelationGetRelationName(rs->index));
	rs->orderby_proc = get_opcode(opno);
}

void
RecallEnd(RecallState *rs)
{
	UnregisterSnapshot(rs->snapshot);
	HnswCloseInspectedIndex(rs->index, rs->heap, AccessShareLock);
	MemoryContextDelete(rs->ctx);
}

/*
 * RecallOffer
 *		Offer one vector to the sample (reservoir sampling: every row has
 *		the same chance to be among the queries).  "self" is its row when
 *		the queries come from the indexed table.
 */
static void
RecallOffer(RecallState *rs, Datum value, ItemPointer self)
{
	RecallQuery *q;
	MemoryContext old;

	/* vectors the index does not store (zero under cosine) are no queries */
	if (!HnswPrepareValue(&rs->info, value, rs->scratch))
		return;

	rs->seen++;
	if (rs->nqueries < rs->maxqueries)
		q = &rs->queries[rs->nqueries++];
	else
	{
		uint64		slot = pg_prng_uint64_range(&rs->prng, 0, rs->seen - 1);

		if (slot >= (uint64) rs->maxqueries)
			return;
		q = &rs->queries[slot];
		pfree(q->value);
		pfree(q->stored);
	}

	old = MemoryContextSwitchTo(rs->ctx);
	q->value = PG_DETOAST_DATUM_COPY(value);
	q->stored = palloc(rs->info.value_size);
	memcpy(q->stored, rs->scratch, rs->info.value_size);
	if (self)
		q->self = *self;
	else
		ItemPointerSetInvalid(&q->self);
	MemoryContextSwitchTo(old);
}

/* table_index_build_scan callback: sample the table's own rows */
static void
RecallSampleCallback(Relation index, ItemPointer tid, Datum *values,
					 bool *isnull, bool tupleIsAlive, void *state)
{
	RecallState *rs = (RecallState *) state;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(rs->row_ctx);
	RecallOffer(rs, values[0], tid);
	MemoryContextSwitchTo(old);
	MemoryContextReset(rs->row_ctx);
}

/*
 * RecallScanTable
 *		Pass every row of the indexed table that the index would hold (its
 *		index value, with expressions and a partial index's predicate
 *		applied) to "callback", under the measurement's snapshot.  The
 *		expressions run as the table's owner.
 */
static void
RecallScanTable(RecallState *rs, IndexBuildCallback callback)
{
	HnswSavedUser saved;
	TableScanDesc scan;

	HnswBecomeTableOwner(rs->heap, &saved);
	scan = table_beginscan_strat(rs->heap, rs->snapshot, 0, NULL, true, false);
	table_index_build_scan(rs->heap, rs->index, rs->indexInfo, true, false,
						   callback, rs, scan);
	HnswRestoreUser(&saved);
}

/*
 * RecallSampleQueryTable
 *		Sample the queries from column "colname" of another table.
 */
static void
RecallSampleQueryTable(RecallState *rs, Oid tableoid, const char *colname)
{
	Relation	rel = HnswOpenTableToRead(tableoid, AccessShareLock);
	AttrNumber	attno;
	Oid			valuetype = TupleDescAttr(RelationGetDescr(rs->index), 0)->atttypid;
	TableScanDesc scan;
	TupleTableSlot *slot;

	attno = get_attnum(tableoid, colname);
	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, RelationGetRelationName(rel))));
	if (attno < 0 ||
		TupleDescAttr(RelationGetDescr(rel), attno - 1)->atttypid != valuetype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type %s",
						colname, RelationGetRelationName(rel),
						format_type_be(valuetype))));

	scan = table_beginscan(rel, rs->snapshot, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		value;
		MemoryContext old;
		int			dim;

		CHECK_FOR_INTERRUPTS();
		value = slot_getattr(slot, attno, &isnull);
		if (isnull)
			continue;
		old = MemoryContextSwitchTo(rs->row_ctx);
		dim = rs->info.type->datum_dimensions(value);
		if (dim != rs->info.dimensions)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("query vectors have %d dimensions, the index %d",
							dim, rs->info.dimensions)));
		RecallOffer(rs, value, NULL);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rs->row_ctx);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* Keep the k smallest distances of a query */
static inline void
NearestAdd(RecallQuery *q, int k, float d)
{
	if (q->nearest.count < k)
		KthHeapPush(&q->nearest, d);
	else if (d < q->nearest.items[0])
		KthHeapReplaceTop(&q->nearest, d);
}

/* table_index_build_scan callback: the exact answers */
static void
RecallExactCallback(Relation index, ItemPointer tid, Datum *values,
					bool *isnull, bool tupleIsAlive, void *state)
{
	RecallState *rs = (RecallState *) state;
	MemoryContext old;
	bool		indexed;

	CHECK_FOR_INTERRUPTS();
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(rs->row_ctx);
	indexed = HnswPrepareValue(&rs->info, values[0], rs->scratch);
	MemoryContextSwitchTo(old);
	MemoryContextReset(rs->row_ctx);
	if (!indexed)
		return;

	for (int i = 0; i < rs->nqueries; i++)
	{
		RecallQuery *q = &rs->queries[i];

		if (ItemPointerEquals(&q->self, tid))
			continue;
		NearestAdd(q, rs->k, HnswDistance(&rs->info, q->stored, rs->scratch));
	}
}

/*
 * RecallExact
 *		The exact k-th distance of every query, from one pass over the table.
 */
static void
RecallExact(RecallState *rs)
{
	MemoryContext old;

	if (rs->nqueries == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no vectors to measure index \"%s\" with",
						RelationGetRelationName(rs->index)),
				 errdetail("The table of the queries has no row with a vector the index could hold.")));

	old = MemoryContextSwitchTo(rs->ctx);
	for (int i = 0; i < rs->nqueries; i++)
		KthHeapInit(&rs->queries[i].nearest, rs->k);
	MemoryContextSwitchTo(old);
	RecallScanTable(rs, RecallExactCallback);
	for (int i = 0; i < rs->nqueries; i++)
	{
		RecallQuery *q = &rs->queries[i];

		q->expected = q->nearest.count;
		q->kth = q->nearest.count == rs->k ? q->nearest.items[0] : FLT_MAX;
	}
}

/*
 * RecallPrepare
 *		Sample the queries (from the indexed table when querytable is
 *		invalid) and compute their exact answers.
 */
void
RecallPrepare(RecallState *rs, Oid querytable, const char *querycolumn)
{
	if (OidIsValid(querytable))
		RecallSampleQueryTable(rs, querytable, querycolumn);
	else
		RecallScanTable(rs, RecallSampleCallback);
	RecallExact(rs);
}

static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * RecallSearchOne
 *		Search the index for one query, timed: how many of the rows it
 *		returns (at most the query's expected count, its own row left out)
 *		are among the exact nearest.  *ms gets the search's latency,
 *		*counters what it did (this backend's search statistics).
 */
static int
RecallSearchOne(RecallState *rs, RecallQuery *q, TupleTableSlot *slot,
				EState *estate, double *ms, HnswScanCounters *counters)
{
	ExprContext *econtext = GetPerTupleExprContext(estate);
	HnswScanCounters before;
	IndexScanDesc scan;
	ScanKeyData orderby;
	instr_time	start;
	instr_time	elapsed;
	int			found = 0;
	int			hits = 0;

	HnswStatsBackendTotals(RelationGetRelid(rs->index), &before);
	INSTR_TIME_SET_CURRENT(start);
	scan = index_beginscan(rs->heap, rs->index, rs->snapshot, 0, 1);
	if (ItemPointerIsValid(&q->self))
		HnswScanExclude(scan, &q->self);
	ScanKeyEntryInitialize(&orderby, SK_ORDER_BY, 1, 1, InvalidOid,
						   rs->index->rd_indcollation[0], rs->orderby_proc,
						   PointerGetDatum(q->value));
	index_rescan(scan, NULL, 0, &orderby, 1);
	while (found < q->expected &&
		   index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		Datum		value;
		bool		isnull;

		if (ItemPointerEquals(&q->self, &slot->tts_tid))
			continue;
		found++;
		FormIndexDatum(rs->indexInfo, slot, estate, &value, &isnull);
		if (!isnull && HnswPrepareValue(&rs->info, value, rs->scratch) &&
			HnswDistance(&rs->info, q->stored, rs->scratch) <= q->kth)
			hits++;
		ResetExprContext(econtext);
	}
	index_endscan(scan);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	*ms = INSTR_TIME_GET_MILLISEC(elapsed);

	HnswStatsBackendTotals(RelationGetRelid(rs->index), counters);
	counters->visited -= before.visited;
	counters->distances -= before.distances;
	return hits;
}

/*
 * RecallMeasure
 *		Search the index for every query with hnsw.ef_search set to
 *		ef_search for the duration (or as it is, when ef_search is 0), and
 *		return the figures.
 *
 * Each row found has its index value computed again, so the searches run
 * as the table's owner; the switch is made once, outside the timings.
 */
RecallResult
RecallMeasure(RecallState *rs, int ef_search)
{
	RecallResult result;
	HnswSavedUser saved;
	int			nestlevel = NewGUCNestLevel();
	MemoryContext query_ctx = AllocSetContextCreate(CurrentMemoryContext,
													"hnsw recall query",
													ALLOCSET_DEFAULT_SIZES);
	TupleTableSlot *slot = table_slot_create(rs->heap, NULL);
	EState	   *estate = CreateExecutorState();
	double	   *latencies = palloc(sizeof(double) * rs->nqueries);
	int64		hits_total = 0;
	int64		expected_total = 0;
	double		latency_sum = 0.0;
	uint64		visited = 0;
	uint64		distances = 0;

	if (ef_search > 0)
	{
		char		value[16];

		snprintf(value, sizeof(value), "%d", ef_search);
		(void) set_config_option("hnsw.ef_search", value, PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	result.ef_search = HnswGetEfSearch(rs->index);
	GetPerTupleExprContext(estate)->ecxt_scantuple = slot;
	HnswBecomeTableOwner(rs->heap, &saved);

	/*
	 * Query -1 is the first query once more, untimed: it pays for what the
	 * first search of a session pays once (relcache, catalog lookups).
	 */
	for (int i = -1; i < rs->nqueries; i++)
	{
		RecallQuery *q = &rs->queries[Max(i, 0)];
		MemoryContext old = MemoryContextSwitchTo(query_ctx);
		HnswScanCounters counters;
		double		ms;
		int			hits;

		CHECK_FOR_INTERRUPTS();
		hits = RecallSearchOne(rs, q, slot, estate, &ms, &counters);
		MemoryContextSwitchTo(old);
		MemoryContextReset(query_ctx);
		if (i < 0)
			continue;

		visited += counters.visited;
		distances += counters.distances;
		latencies[i] = ms;
		latency_sum += ms;
		hits_total += hits;
		expected_total += q->expected;
	}

	HnswRestoreUser(&saved);
	AtEOXact_GUC(true, nestlevel);

	qsort(latencies, rs->nqueries, sizeof(double), CompareDoubles);
	result.queries = rs->nqueries;
	/* every query has k exact neighbours unless the table has fewer rows */
	result.recall = expected_total > 0 ?
		(double) hits_total / expected_total : 1.0;
	result.mean_ms = latency_sum / rs->nqueries;
	/* nearest rank: the smallest latency at least 95% of queries reach */
	result.p95_ms = latencies[(int) ceil(0.95 * rs->nqueries) - 1];
	result.visited = (double) visited / rs->nqueries;
	result.distances = (double) distances / rs->nqueries;

	FreeExecutorState(estate);
	/* FormIndexDatum prepared the expressions in estate, now gone */
	rs->indexInfo->ii_ExpressionsState = NIL;
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(query_ctx);
	pfree(latencies);
	return result;
}

/*
 * RecallResultTuple
 *		A result as a row of hnsw_recall()'s type.
 */
static HeapTuple
RecallResultTuple(TupleDesc tupdesc, RecallResult *r)
{
	Datum		values[7];
	bool		nulls[7] = {0};

	values[0] = Int32GetDatum(r->ef_search);
	values[1] = Int32GetDatum(r->queries);
	values[2] = Float8GetDatum(r->recall);
	values[3] = Float8GetDatum(r->mean_ms);
	values[4] = Float8GetDatum(r->p95_ms);
	values[5] = Float8GetDatum(r->visited);
	values[6] = Float8GetDatum(r->distances);
	return heap_form_tuple(tupdesc, values, nulls);
}

/*
 * RecallOne
 *		hnsw_recall() with queries from the table itself or from a query
 *		table; ef_search 0 measures what scans use now.
 */
static Datum
RecallOne(FunctionCallInfo fcinfo, Oid indexoid, Oid querytable,
		  const char *querycolumn, int k, int queries, int ef_search)
{
	RecallState rs;
	RecallResult result;
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	CheckRecallArguments(k, queries);

	RecallBegin(&rs, indexoid, k, queries, false, 0);
	RecallPrepare(&rs, querytable, querycolumn);
	result = RecallMeasure(&rs, ef_search);
	RecallEnd(&rs);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(RecallResultTuple(tupdesc, &result)));
}

/*
 * hnsw_recall
 *		SQL function hnsw_recall(index, k, queries, ef_search): recall@k and
 *		latency for a sample of the table's own vectors.  A NULL ef_search
 *		measures what scans use now.
 */
Datum
hnsw_recall(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(3))
		CheckEfSearch(PG_GETARG_INT32(3));
	return RecallOne(fcinfo, PG_GETARG_OID(0), InvalidOid, NULL,
					 PG_GETARG_INT32(1), PG_GETARG_INT32(2),
					 PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3));
}

/*
 * hnsw_recall_queries
 *		SQL function hnsw_recall(index, query_table, query_column, k, queries,
 *		ef_search): the same with queries sampled from another table.
 */
Datum
hnsw_recall_queries(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(5))
		CheckEfSearch(PG_GETARG_INT32(5));
	return RecallOne(fcinfo, PG_GETARG_OID(0), PG_GETARG_OID(1),
					 NameStr(*PG_GETARG_NAME(2)),
					 PG_GETARG_INT32(3), PG_GETARG_INT32(4),
					 PG_ARGISNULL(5) ? 0 : PG_GETARG_INT32(5));
}

/*
 * hnsw_recall_curve
 *		SQL function hnsw_recall_curve(index, ef_search[], k, queries, seed):
 *		one row per ef_search, all measured with the same queries.
 */
Datum
hnsw_recall_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *efs;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems;
	int			k;
	int			queries;
	RecallState rs;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		PG_ARGISNULL(3))
		return (Datum) 0;		/* no rows, as for a strict function */
	efs = PG_GETARG_ARRAYTYPE_P(1);
	k = PG_GETARG_INT32(2);
	queries = PG_GETARG_INT32(3);

	/* every argument is checked before any work starts */
	CheckRecallArguments(k, queries);
	if (ARR_NDIM(efs) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ef_search must be a one-dimensional array")));
	nelems = ArrayGetNItems(ARR_NDIM(efs), ARR_DIMS(efs));
	if (nelems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_search must not be empty")));
	/* each value is one measurement: no more than there are values */
	if (nelems > RECALL_MAX_CURVE_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_search must have at most %d values",
						RECALL_MAX_CURVE_POINTS)));
	deconstruct_array(efs, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &elems, &elem_nulls, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		if (elem_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("ef_search must not contain NULLs")));
		CheckEfSearch(DatumGetInt32(elems[i]));
	}

	RecallBegin(&rs, PG_GETARG_OID(0), k, queries, !PG_ARGISNULL(4),
				PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4));
	RecallPrepare(&rs, InvalidOid, NULL);
	for (int i = 0; i < nelems; i++)
	{
		RecallResult result = RecallMeasure(&rs, DatumGetInt32(elems[i]));

		tuplestore_puttuple(rsinfo->setResult,
							RecallResultTuple(rsinfo->setDesc, &result));
	}
	RecallEnd(&rs);
	return (Datum) 0;
}

/*
 * TuneMeasure
 *		Recall at ef_search, measuring each value only once.
 */
static RecallResult *
TuneMeasure(RecallState *rs, RecallResult **cache, int ef_search)
{
	if (cache[ef_search] == NULL)
	{
		cache[ef_search] = palloc(sizeof(RecallResult));
		*cache[ef_search] = RecallMeasure(rs, ef_search);
	}
	return cache[ef_search];
}

/*
 * hnsw_tune
 *		SQL function hnsw_tune(index, target_recall, k, queries, apply): the
 *		smallest ef_search whose measured recall reaches the target.
 *
 * ef_search doubles from 1 until the target is reached, then a binary
 * search between the last value below the target and the first above finds
 * the smallest that reaches it; every value is measured with the same
 * queries.  With apply, the result becomes the index's ef_search option
 * through ALTER INDEX, run as the caller; a caller who does not own the
 * index is refused before anything is measured.
 */
Datum
hnsw_tune(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	double		target = PG_GETARG_FLOAT8(1);
	int			k = PG_GETARG_INT32(2);
	int			queries = PG_GETARG_INT32(3);
	bool		apply = PG_GETARG_BOOL(4);
	RecallState rs;
	RecallResult **cache;
	RecallResult *best = NULL;
	int			below = 0;
	int			ef;
	char	   *qualified_name;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!(target > 0.0 && target <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target_recall must be greater than 0 and at most 1")));
	CheckRecallArguments(k, queries);
	if (apply)
		HnswCheckIndexOwner(indexoid, "measure");

	RecallBegin(&rs, indexoid, k, queries, false, 0);
	RecallPrepare(&rs, InvalidOid, NULL);
	cache = palloc0(sizeof(RecallResult *) * (HNSW_MAX_EF_SEARCH + 1));

	for (ef = HNSW_MIN_EF_SEARCH;; ef = Min(ef * 2, HNSW_MAX_EF_SEARCH))
	{
		RecallResult *r = TuneMeasure(&rs, cache, ef);

		if (r->recall >= target)
		{
			best = r;
			break;
		}
		below = ef;
		if (ef == HNSW_MAX_EF_SEARCH)
			break;
	}
	if (best != NULL)
	{
		int			above = best->ef_search;

		while (above - below > 1)
		{
			int			mid = (below + above) / 2;
			RecallResult *r = TuneMeasure(&rs, cache, mid);

			if (r->recall >= target)
				above = mid;
			else
				below = mid;
		}
		best = cache[above];
	}
	else
	{
		best = cache[HNSW_MAX_EF_SEARCH];
		ereport(WARNING,
				(errmsg("target recall %g not reached", target),
				 errdetail("ef_search %d, the largest allowed, gives recall %.4f on %d queries.",
						   HNSW_MAX_EF_SEARCH, best->recall, best->queries),
				 errhint("Rebuild the index with a larger m or ef_construction.")));
		apply = false;
	}

	qualified_name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rs.index)),
												RelationGetRelationName(rs.index));
	/* the index the name was taken from stays until ALTER INDEX has run */
	if (apply)
		LockRelationOid(indexoid, AccessShareLock);
	RecallEnd(&rs);

	if (apply)
	{
		/* ALTER INDEX checks ownership again, and takes its own lock */
		SPI_connect();
		if (SPI_execute(psprintf("ALTER INDEX %s SET (ef_search = %d)",
								 qualified_name, best->ef_search),
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not set ef_search of index %s", qualified_name);
		SPI_finish();
	}

	values[0] = Int32GetDatum(best->ef_search);
	values[1] = Float8GetDatum(best->recall);
	values[2] = Float8GetDatum(best->mean_ms);
	values[3] = Float8GetDatum(best->p95_ms);
	values[4] = Int32GetDatum(best->queries);
	values[5] = BoolGetDatum(apply);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
