/*-------------------------------------------------------------------------
 *
 * hnsw_stats.c
 *	  Search statistics per index: scans, elements visited, distance
 *	  computations and tuples returned; hnsw_stat_indexes() and
 *	  hnsw_stat_reset().
 *
 * A scan counts in local variables and reports once, when it ends or
 * restarts (HnswStatsReport), so the search itself pays nothing.  Every
 * backend keeps its own totals per index in a local hash table, which
 * hnsw_recall() reads around each query so that other sessions cannot
 * disturb its figures.  When the library is in shared_preload_libraries the
 * totals are also added to a hash table in shared memory, keyed by
 * database and index, so that hnsw_stat_indexes() shows the whole server's
 * work; otherwise it shows the calling backend's, and says so.
 *
 * The shared table holds HNSW_STATS_MAX_INDEXES entries; scans of further
 * indexes are not counted there until hnsw_stat_reset() makes room.
 * Counters are atomics: a report takes the table's lock in shared mode
 * (exclusive only to add an index) and adds to them.
 *
 * src/hnsw_stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "hnsw.h"

PG_FUNCTION_INFO_V1(hnsw_stat_indexes);
PG_FUNCTION_INFO_V1(hnsw_stat_reset);

#define HNSW_STATS_MAX_INDEXES	1024
#define HNSW_STATS_TRANCHE		"hnswext search statistics"
#define HNSW_STATS_COUNTERS		4

/* Shared table: one entry per (database, index) */
typedef struct HnswStatsKey
{
	Oid			dbid;
	Oid			indexoid;
} HnswStatsKey;

typedef struct HnswSharedStatsEntry
{
	HnswStatsKey key;
	pg_atomic_uint64 counters[HNSW_STATS_COUNTERS]; /* as HnswScanCounters */
} HnswSharedStatsEntry;

/* This backend's table: one entry per index of its database */
typedef struct HnswLocalStatsEntry
{
	Oid			indexoid;
	HnswScanCounters counters;
} HnswLocalStatsEntry;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static LWLock *shared_stats_lock = NULL;
static HTAB *shared_stats = NULL;
static HTAB *local_stats = NULL;

/*
 * CountersArray
 *		The counters of a HnswScanCounters as an array, in the order of the
 *		shared entry's atomics.
 */
static inline void
CountersToArray(const HnswScanCounters *c, uint64 *a)
{
	a[0] = c->scans;
	a[1] = c->visited;
	a[2] = c->distances;
	a[3] = c->tuples;
}

static Size
HnswStatsShmemSize(void)
{
	return hash_estimate_size(HNSW_STATS_MAX_INDEXES,
							  sizeof(HnswSharedStatsEntry));
}

static void
HnswStatsShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(HnswStatsShmemSize());
	RequestNamedLWLockTranche(HNSW_STATS_TRANCHE, 1);
}

static void
HnswStatsShmemStartup(void)
{
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared_stats_lock = &(GetNamedLWLockTranche(HNSW_STATS_TRANCHE))->lock;
	info.keysize = sizeof(HnswStatsKey);
	info.entrysize = sizeof(HnswSharedStatsEntry);
	shared_stats = ShmemInitHash("hnswext search statistics",
								 HNSW_STATS_MAX_INDEXES, HNSW_STATS_MAX_INDEXES,
								 &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/*
 * HnswStatsInit
 *		Called from _PG_init: with shared_preload_libraries, ask for the
 *		shared table.  Loaded later, only the per-backend tables exist.
 */
void
HnswStatsInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = HnswStatsShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = HnswStatsShmemStartup;
}

static HnswLocalStatsEntry *
LocalEntry(Oid indexoid, bool create)
{
	bool		found;
	HnswLocalStatsEntry *e;

	if (local_stats == NULL)
	{
		HASHCTL		info;

		if (!create)
			return NULL;
		info.keysize = sizeof(Oid);
		info.entrysize = sizeof(HnswLocalStatsEntry);
		info.hcxt = TopMemoryContext;
		local_stats = hash_create("hnsw search statistics", 64, &info,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(local_stats, &indexoid, create ? HASH_ENTER : HASH_FIND,
					&found);
	if (create && !found)
		memset(&e->counters, 0, sizeof(HnswScanCounters));
	return e;
}

/*
 * HnswStatsReport
 *		Add one scan's counters to this backend's totals and, when the table
 *		exists, to the shared ones.  Called once per search of a scan.
 */
void
HnswStatsReport(Oid indexoid, const HnswScanCounters *c)
{
	HnswLocalStatsEntry *e = LocalEntry(indexoid, true);

	e->counters.scans += c->scans;
	e->counters.visited += c->visited;
	e->counters.distances += c->distances;
	e->counters.tuples += c->tuples;

	if (shared_stats != NULL)
	{
		HnswStatsKey key = {MyDatabaseId, indexoid};
		HnswSharedStatsEntry *se;
		uint64		add[HNSW_STATS_COUNTERS];

		CountersToArray(c, add);
		LWLockAcquire(shared_stats_lock, LW_SHARED);
		se = hash_search(shared_stats, &key, HASH_FIND, NULL);
		if (se == NULL)
		{
			bool		found;

			LWLockRelease(shared_stats_lock);
			LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
			se = hash_search(shared_stats, &key, HASH_ENTER_NULL, &found);
			if (se != NULL && !found)
			{
				for (int i = 0; i < HNSW_STATS_COUNTERS; i++)
					pg_atomic_init_u64(&se->counters[i], 0);
			}
		}
		/* a full table counts nothing more until a reset */
		if (se != NULL)
		{
			for (int i = 0; i < HNSW_STATS_COUNTERS; i++)
				pg_atomic_fetch_add_u64(&se->counters[i], add[i]);
		}
		LWLockRelease(shared_stats_lock);
	}
}

/*
 * HnswStatsBackendTotals
 *		This backend's totals for an index (zeros if it never scanned it).
 */
void
HnswStatsBackendTotals(Oid indexoid, HnswScanCounters *out)
{
	HnswLocalStatsEntry *e = LocalEntry(indexoid, false);

	if (e == NULL)
		memset(out, 0, sizeof(HnswScanCounters));
	else
		*out = e->counters;
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
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[6];
	bool		nulls[6] = {0};

	InitMaterializedSRF(fcinfo, 0);

	if (shared_stats != NULL)
	{
		HASH_SEQ_STATUS status;
		HnswSharedStatsEntry *se;

		values[5] = CStringGetTextDatum("shared");
		LWLockAcquire(shared_stats_lock, LW_SHARED);
		hash_seq_init(&status, shared_stats);
		while ((se = hash_seq_search(&status)) != NULL)
		{
			if (se->key.dbid != MyDatabaseId ||
				!SearchSysCacheExists1(RELOID,
									   ObjectIdGetDatum(se->key.indexoid)))
				continue;
			values[0] = ObjectIdGetDatum(se->key.indexoid);
			for (int i = 0; i < HNSW_STATS_COUNTERS; i++)
				values[1 + i] = Int64GetDatum((int64)
											  pg_atomic_read_u64(&se->counters[i]));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
		LWLockRelease(shared_stats_lock);
	}
	else if (local_stats != NULL)
	{
		HASH_SEQ_STATUS status;
		HnswLocalStatsEntry *e;

		values[5] = CStringGetTextDatum("backend");
		hash_seq_init(&status, local_stats);
		while ((e = hash_seq_search(&status)) != NULL)
		{
			uint64		counters[HNSW_STATS_COUNTERS];

			if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(e->indexoid)))
				continue;
			values[0] = ObjectIdGetDatum(e->indexoid);
			CountersToArray(&e->counters, counters);
			for (int i = 0; i < HNSW_STATS_COUNTERS; i++)
				values[1 + i] = Int64GetDatum((int64) counters[i]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * hnsw_stat_reset
 *		SQL function hnsw_stat_reset(): forget the counters of this
 *		database's indexes, in shared memory when there are shared counters,
 *		else this backend's.  hnsw_recall() keeps working: it only ever
 *		looks at differences.
 */
Datum
hnsw_stat_reset(PG_FUNCTION_ARGS)
{
	if (shared_stats != NULL)
	{
		HASH_SEQ_STATUS status;
		HnswSharedStatsEntry *se;

		LWLockAcquire(shared_stats_lock, LW_EXCLUSIVE);
		hash_seq_init(&status, shared_stats);
		while ((se = hash_seq_search(&status)) != NULL)
		{
			if (se->key.dbid == MyDatabaseId)
				hash_search(shared_stats, &se->key, HASH_REMOVE, NULL);
		}
		LWLockRelease(shared_stats_lock);
	}
	else if (local_stats != NULL)
	{
		HASH_SEQ_STATUS status;
		HnswLocalStatsEntry *e;

		hash_seq_init(&status, local_stats);
		while ((e = hash_seq_search(&status)) != NULL)
			memset(&e->counters, 0, sizeof(HnswScanCounters));
	}
	PG_RETURN_VOID();
}
