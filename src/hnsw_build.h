/*-------------------------------------------------------------------------
 *
 * hnsw_build.h
 *	  What the files of an index build share: the in-memory graph
 *	  (hnsw_graph.c), the build's state (hnsw_build.c) and the parallel
 *	  build (hnsw_parallel.c).  Nothing outside these three includes it.
 *
 * src/hnsw_build.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HNSW_BUILD_H
#define HNSWEXT_HNSW_BUILD_H

#include "postgres.h"

#include "access/tableam.h"
#include "port/atomics.h"
#include "storage/dsm.h"
#include "storage/lwlock.h"
#include "storage/shm_toc.h"

#include "hnsw.h"

/*
 * hnsw_graph.c: the in-memory graph of a build (HnswGraphSize and
 * HnswGraphSlotSize, in hnsw.h, say how large it is).
 *
 * One allocation (backend memory for a serial build, dynamic shared memory
 * for a parallel one) holds the header, then per-element metadata, then a
 * fixed-size slot per element with its vector and level-0 links, then a
 * pool for the links above level 0.  Everything is addressed by element
 * number and offset, so each process may map it anywhere.
 */
#define HNSW_GRAPH_LOCKS	1024	/* element lock stripes (parallel builds) */
/* seed of the levels a serial build draws ("hnsw" in ASCII) */
#define HNSW_BUILD_SEED		UINT64CONST(0x686E7377)

typedef struct HnswGraphElement
{
	ItemPointerData tids[HNSW_MAX_HEAPTIDS];
	uint8		ntids;
	uint8		level;
	uint32		upper;			/* first pool word of levels >= 1 */
	BlockNumber blkno;			/* position assigned when written out */
	OffsetNumber offno;
	BlockNumber links_blkno;
	OffsetNumber links_offno;
} HnswGraphElement;

typedef struct HnswGraphHeader
{
	int			dimensions;
	Size		value_size;		/* bytes of a value (HnswIndexInfo) */
	int			m;
	int			ef_construction;
	bool		parallel;		/* lock the elements */
	Size		slot_size;		/* vector, level-0 count, 2m element numbers */
	Size		total_size;		/* of the whole allocation */
	Size		elements_offset;
	Size		slots_offset;
	Size		pool_offset;
	uint32		capacity;		/* elements */
	uint32		pool_words;
	pg_atomic_uint32 nelements;
	pg_atomic_uint32 pool_used;
	pg_atomic_uint32 overflow;	/* a row found no free element slot */
	int			entry_level;	/* -1 when empty; under entry_lock */
	uint32		entry;
	int			lock_tranche;
	LWLockPadded entry_lock;
	LWLockPadded locks[HNSW_GRAPH_LOCKS];
} HnswGraphHeader;

/* A process's view of a graph, with its own search scratch */
typedef struct HnswGraph
{
	HnswGraphHeader *hdr;
	HnswGraphElement *elements;
	char	   *slots;
	uint32	   *pool;
	HnswIndexInfo info;
	uint32	   *visited;		/* per element: epoch of the last search */
	uint32		epoch;
	struct HnswGraphScratch *scratch;
} HnswGraph;

extern uint32 HnswGraphCapacityFor(Size value_size, int m, Size bytes);
extern void HnswGraphInitHeader(HnswGraphHeader *hdr,
								const HnswIndexInfo *info, uint32 capacity,
								bool parallel);
extern void HnswGraphAttach(HnswGraph *graph, HnswGraphHeader *hdr,
							HnswIndexInfo *info);
extern bool HnswGraphInsert(HnswGraph *graph, const void *value,
							ItemPointer tid);
extern uint32 HnswGraphElementCount(HnswGraphHeader *hdr);
extern void HnswGraphCopy(HnswGraphHeader *dst, HnswGraphHeader *src);
extern void *HnswGraphValue(HnswGraph *graph, uint32 id);
extern uint32 *HnswGraphLinks(HnswGraph *graph, uint32 id, int level);

/* hnsw_build.c */
typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	HnswIndexInfo info;
	int			dim;
	int			m;
	int			ef_construction;
	HnswGraph	graph;
	MemoryContext graph_ctx;	/* a serial build's graph lives here */
	MemoryContext tuple_ctx;	/* reset per row */
	Size		memory_limit;
	bool		on_disk;		/* graph written out; insert row by row */
	bool		report_progress;	/* this process reports build progress */
	pg_atomic_uint64 *shared_tuples;	/* parallel: rows seen by everyone */
	void	   *value;			/* the row being inserted */
	double		indtuples;
	double		reltuples;
} HnswBuildState;

extern void HnswBuildInitState(HnswBuildState *bs, Relation heap,
							   Relation index);
extern void HnswBuildScan(HnswBuildState *bs, struct IndexInfo *indexInfo,
						  TableScanDesc scan);
extern void HnswBuildWriteGraph(HnswBuildState *bs);
extern double HnswBuildEstimateRows(Relation heap);
extern void HnswBuildMetaPage(Page page, int dim, int m, int ef_construction,
							  BlockNumber entry_blkno,
							  OffsetNumber entry_offno, int entry_level,
							  BlockNumber insert_page);

/* hnsw_parallel.c */
extern bool HnswBuildParallel(HnswBuildState *bs, struct IndexInfo *indexInfo,
							  int nworkers);
extern PGDLLEXPORT void HnswParallelBuildMain(dsm_segment *seg, shm_toc *toc);

#endif							/* HNSWEXT_HNSW_BUILD_H */
