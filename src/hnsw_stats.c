/*-------------------------------------------------------------------------
 *
 * hnsw_stats.c
 *	  Search statistics per index: scans, elements visited, distance
 *	  computations and tuples returned.  hnsw_stat_indexes() and
 *	  hnsw_stat_reset() (tuning/hnsw_stat_indexes.c) read and reset them.
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

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "hnsw.h"

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
 * CountersToArray
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
 * HnswStatsShared
 *		Whether the counters are the whole server's (the library was
 *		preloaded) rather than this backend's.
 */
bool
HnswStatsShared(void)
{
	return shared_stats != NULL;
}

/*
 * HnswStatsForEach
 *		Call fn for every index of this database that has counters: the
 *		shared ones when there are (HnswStatsShared), else this backend's.
 *		Shared counters are read under the table's lock, held in shared mode
 *		across the calls.
 */
void
HnswStatsForEach(HnswStatsVisitor fn, void *arg)
{
	HASH_SEQ_STATUS status;

	if (shared_stats != NULL)
	{
		HnswSharedStatsEntry *se;

		LWLockAcquire(shared_stats_lock, LW_SHARED);
		hash_seq_init(&status, shared_stats);
		while ((se = hash_seq_search(&status)) != NULL)
		{
			HnswScanCounters c;

			if (se->key.dbid != MyDatabaseId)
				continue;
			c.scans = pg_atomic_read_u64(&se->counters[0]);
			c.visited = pg_atomic_read_u64(&se->counters[1]);
			c.distances = pg_atomic_read_u64(&se->counters[2]);
			c.tuples = pg_atomic_read_u64(&se->counters[3]);
			fn(se->key.indexoid, &c, arg);
		}
		LWLockRelease(shared_stats_lock);
	}
	else if (local_stats != NULL)
	{
		HnswLocalStatsEntry *e;

		hash_seq_init(&status, local_stats);
		while ((e = hash_seq_search(&status)) != NULL)
			fn(e->indexoid, &e->counters, arg);
	}
}

/*
 * HnswStatsReset
 *		Forget the counters of this database's indexes: the shared ones when
 *		there are shared counters, else this backend's.  hnsw_recall() keeps
 *		working: it only ever looks at differences of this backend's.
 */
void
HnswStatsReset(void)
{
	HASH_SEQ_STATUS status;

	if (shared_stats != NULL)
	{
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
		HnswLocalStatsEntry *e;

		hash_seq_init(&status, local_stats);
		while ((e = hash_seq_search(&status)) != NULL)
			memset(&e->counters, 0, sizeof(HnswScanCounters));
	}
}
