/*-------------------------------------------------------------------------
 *
 * hnsw_stat_indexes.c
 *	  hnsw_stat_indexes() and hnsw_stat_reset(): the search statistics that
 *	  hnsw_stats.c collects, per index.
 *
 * src/tuning/hnsw_stat_indexes.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "hnsw.h"

PG_FUNCTION_INFO_V1(hnsw_stat_indexes);
PG_FUNCTION_INFO_V1(hnsw_stat_reset);

/* What StatIndexesRow needs to put a row */
typedef struct StatIndexesOutput
{
	ReturnSetInfo *rsinfo;
	Datum		source;			/* "shared" or "backend" */
} StatIndexesOutput;

/*
 * StatIndexesRow
 *		One row of hnsw_stat_indexes(), unless the index has been dropped.
 */
static void
StatIndexesRow(Oid indexoid, const HnswScanCounters *c, void *arg)
{
	StatIndexesOutput *out = (StatIndexesOutput *) arg;
	Datum		values[6];
	bool		nulls[6] = {0};

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(indexoid)))
		return;
	values[0] = ObjectIdGetDatum(indexoid);
	values[1] = Int64GetDatum((int64) c->scans);
	values[2] = Int64GetDatum((int64) c->visited);
	values[3] = Int64GetDatum((int64) c->distances);
	values[4] = Int64GetDatum((int64) c->tuples);
	values[5] = out->source;
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc,
						 values, nulls);
}

/*
 * hnsw_stat_indexes
 *		SQL function hnsw_stat_indexes(): one row per index of this database
 *		that has been scanned, with its counters and where they come from
 *		("shared": every backend since the server started or the last reset;
 *		"backend": this backend only).  Dropped indexes are left out.
 */
Datum
hnsw_stat_indexes(PG_FUNCTION_ARGS)
{
	StatIndexesOutput out;

	InitMaterializedSRF(fcinfo, 0);
	out.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	out.source = CStringGetTextDatum(HnswStatsShared() ? "shared" : "backend");
	HnswStatsForEach(StatIndexesRow, &out);
	return (Datum) 0;
}

/*
 * hnsw_stat_reset
 *		SQL function hnsw_stat_reset(): forget the counters of this
 *		database's indexes, in shared memory when there are shared counters,
 *		else this backend's.
 */
Datum
hnsw_stat_reset(PG_FUNCTION_ARGS)
{
	HnswStatsReset();
	PG_RETURN_VOID();
}
