/*-------------------------------------------------------------------------
 *
 * hnsw_tuning.h
 *	  Declarations shared by the tuning and inspection functions in this
 *	  directory.  They see the index through ../hnsw.h only.
 *
 * src/tuning/hnsw_tuning.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HNSW_TUNING_H
#define HNSWEXT_HNSW_TUNING_H

#include "postgres.h"

#include "access/relscan.h"
#include "common/pg_prng.h"
#include "nodes/execnodes.h"
#include "storage/lockdefs.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

#include "hnsw.h"
#include "vector.h"

/* hnsw_inspect.c: opening what the functions are given */

/* The user and settings to return to after HnswBecomeTableOwner */
typedef struct HnswSavedUser
{
	Oid			userid;
	int			sec_context;
	int			nestlevel;
} HnswSavedUser;

extern Relation HnswOpenIndexToInspect(Oid indexoid, Relation *heap,
									   const char *purpose, LOCKMODE lockmode);
extern void HnswCloseInspectedIndex(Relation index, Relation heap,
									LOCKMODE lockmode);
extern void HnswCheckIndexOwner(Oid indexoid, const char *purpose);
extern Relation HnswOpenTableToRead(Oid relid, LOCKMODE lockmode);
extern void HnswCheckTableReadable(Relation rel);
extern void HnswBecomeTableOwner(Relation heap, HnswSavedUser *saved);
extern void HnswRestoreUser(HnswSavedUser *saved);
extern AttrNumber HnswIndexableColumn(Relation rel, const char *colname,
									  Oid extension_nsp, bool need_dimensions,
									  int32 *typmod,
									  const HnswTypeInfo **type);

/* hnsw_index_stats.c */
extern const char *HnswMetricName(int metric);

/* hnsw_recall.c: measuring recall and latency */
#define RECALL_MAX_K		1000
#define RECALL_MAX_QUERIES	100000

/* The exact nearest distances of a query: the largest on top */
#define HEAP_PREFIX		Kth
#define HEAP_ITEM		float
#define HEAP_KEY(it)	(-(it))
#include "hnsw_heap.h"

/* One query of a measurement */
typedef struct RecallQuery
{
	struct varlena *value;		/* the query as the index scan gets it */
	void	   *stored;		/* prepared as the index stores values */
	ItemPointerData self;		/* the sampled row itself, or invalid */
	KthHeap		nearest;		/* the exact k nearest distances */
	float		kth;			/* exact distance of the k-th nearest */
	int			expected;		/* rows an exact answer has: at most k */
} RecallQuery;

/* A measurement in progress */
typedef struct RecallState
{
	Relation	heap;
	Relation	index;
	HnswIndexInfo info;
	IndexInfo  *indexInfo;
	Snapshot	snapshot;
	MemoryContext ctx;			/* queries and answers */
	MemoryContext row_ctx;		/* reset after each table row */
	int			k;
	int			maxqueries;
	int			nqueries;
	int64		seen;			/* rows offered to the sample */
	RecallQuery *queries;
	pg_prng_state prng;
	void	   *scratch;		/* one prepared value */
	Oid			orderby_proc;	/* the ordering operator's function */
} RecallState;

/* The figures of one measurement */
typedef struct RecallResult
{
	int			ef_search;
	int			queries;
	double		recall;
	double		mean_ms;
	double		p95_ms;
	double		visited;		/* mean per query */
	double		distances;		/* mean per query */
} RecallResult;

extern void CheckRecallArguments(int k, int queries);
extern void CheckEfSearch(int ef_search);
extern void RecallBegin(RecallState *rs, Oid indexoid, int k, int queries,
						bool has_seed, int64 seed);
extern void RecallPrepare(RecallState *rs, Oid querytable,
						  const char *querycolumn);
extern RecallResult RecallMeasure(RecallState *rs, int ef_search);
extern void RecallEnd(RecallState *rs);

#endif							/* HNSWEXT_HNSW_TUNING_H */
