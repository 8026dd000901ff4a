/*-------------------------------------------------------------------------
 *
 * hnsw_graph.c
 *	  The in-memory graph of an index build, and inserting into it.
 *
 * The layout keeps an element's vector and level-0 links in one fixed-size
 * slot, so that evaluating and expanding an element touch one place, as
 * in-process HNSW libraries do.  A serial build owns the graph alone; the
 * processes of a parallel build share it in dynamic shared memory.  There,
 * changing an element's links or heap TIDs takes one of the striped element
 * locks exclusively, and link changes also bump a version counter kept in
 * the element's slot (odd while a change is under way); reading links takes
 * no lock at all: a reader copies them and retries if the version changed
 * meanwhile, so that searches, most of a build's work, do not bounce lock
 * cache lines between processes.  Vectors never change once written and are
 * read freely.  A new element's vector and its lists at every level are
 * written before any other element links to it: until then no other
 * process can reach it, so they take no lock.  An insert that may move the
 * entry point holds the entry-point lock.
 *
 * Lock order: the entry-point lock (held exclusively for a whole insert
 * that may raise the entry point) before element locks; at most one element
 * lock at a time.
 *
 * src/hnsw_graph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "hnsw_build.h"

/* A (distance, element) pair in the heaps */
typedef struct GraphPair
{
	float		distance;
	uint32		id;
} GraphPair;

/* Heaps of pairs (hnsw_heap.h): nearest on top, and farthest on top */
#define HEAP_PREFIX		NearPair
#define HEAP_ITEM		GraphPair
#define HEAP_KEY(it)	((it).distance)
#include "hnsw_heap.h"

#define HEAP_PREFIX		FarPair
#define HEAP_ITEM		GraphPair
#define HEAP_KEY(it)	(-(it).distance)
#include "hnsw_heap.h"

/* Per-process scratch for searches and neighbour selection */
typedef struct HnswGraphScratch
{
	NearPairHeap candidates;
	FarPairHeap results;
	GraphPair  *layer_results[HNSW_MAX_LEVEL + 1];
	int			layer_nresults[HNSW_MAX_LEVEL + 1];
	GraphPair  *backlink_pairs;
	float	   *select_dist;
	uint32	   *select_ids;
	int		   *selected;
	uint32	   *links_copy;		/* one level's links, as copied */
	uint32	   *new_links;		/* the new element's links, 2m + 1 words a
								 * level */
	uint32	   *pruned_links;	/* a neighbour's list after shrinking */
	pg_prng_state prng;			/* draws the levels of this process's rows */
} HnswGraphScratch;

/* Words of the upper-level pool an element of this level needs */
#define UpperWords(m, level)	((Size) (level) * ((m) + 1))
#define NO_UPPER				PG_UINT32_MAX

/*
 * HnswGraphSlotSize
 *		Bytes of one element slot: value, links version, level-0 count, 2m
 *		element numbers.
 */
Size
HnswGraphSlotSize(Size value_size, int m)
{
	return MAXALIGN(value_size + sizeof(uint32) * (2 * m + 2));
}

/*
 * GraphPoolWords
 *		Upper-level pool sized for "capacity" elements: an element has on
 *		average 1/(m-1) levels above 0, each taking m + 1 words; twice that,
 *		plus room for a few tall elements, makes running out unheard of.
 */
static uint32
GraphPoolWords(int m, uint32 capacity)
{
	double		words = 2.0 * capacity * (m + 1) / (m - 1) +
		UpperWords(m, HNSW_MAX_LEVEL) * 4;

	return (uint32) Min(words, (double) PG_UINT32_MAX - 1);
}

/*
 * HnswGraphSize
 *		Bytes of a graph for "capacity" elements.
 */
Size
HnswGraphSize(Size value_size, int m, uint32 capacity)
{
	Size		size = MAXALIGN(sizeof(HnswGraphHeader));

	size = add_size(size, mul_size(sizeof(HnswGraphElement), capacity));
	size = MAXALIGN(size);
	size = add_size(size, mul_size(HnswGraphSlotSize(value_size, m), capacity));
	size = add_size(size, mul_size(sizeof(uint32), GraphPoolWords(m, capacity)));
	return size;
}

/*
 * HnswGraphCapacityFor
 *		The most elements a graph of at most "bytes" can hold.
 */
uint32
HnswGraphCapacityFor(Size value_size, int m, Size bytes)
{
	double		per_element = sizeof(HnswGraphElement) +
		HnswGraphSlotSize(value_size, m) +
		sizeof(uint32) * 2.0 * (m + 1) / (m - 1);
	double		capacity = (double) (bytes - MAXALIGN(sizeof(HnswGraphHeader)) -
									 sizeof(uint32) * UpperWords(m, HNSW_MAX_LEVEL) * 4 -
									 MAXIMUM_ALIGNOF) / per_element;

	if (bytes <= MAXALIGN(sizeof(HnswGraphHeader)) +
		sizeof(uint32) * UpperWords(m, HNSW_MAX_LEVEL) * 4 + MAXIMUM_ALIGNOF)
		return 0;
	return (uint32) Min(capacity, (double) (PG_UINT32_MAX / 2));
}

/*
 * HnswGraphInitHeader
 *		Lay out an empty graph in memory of HnswGraphSize() bytes.
 */
void
HnswGraphInitHeader(HnswGraphHeader *hdr, const HnswIndexInfo *info,
					uint32 capacity, bool parallel)
{
	int			m = info->m;

	hdr->dimensions = info->dimensions;
	hdr->value_size = info->value_size;
	hdr->m = m;
	hdr->ef_construction = info->ef_construction;
	hdr->parallel = parallel;
	hdr->slot_size = HnswGraphSlotSize(info->value_size, m);
	hdr->capacity = capacity;
	hdr->pool_words = GraphPoolWords(m, capacity);
	hdr->elements_offset = MAXALIGN(sizeof(HnswGraphHeader));
	hdr->slots_offset = MAXALIGN(hdr->elements_offset +
								 sizeof(HnswGraphElement) * (Size) capacity);
	hdr->pool_offset = hdr->slots_offset + hdr->slot_size * (Size) capacity;
	hdr->total_size = HnswGraphSize(info->value_size, m, capacity);
	pg_atomic_init_u32(&hdr->nelements, 0);
	pg_atomic_init_u32(&hdr->pool_used, 0);
	pg_atomic_init_u32(&hdr->overflow, 0);
	hdr->entry_level = -1;
	hdr->entry = 0;
	if (parallel)
	{
		hdr->lock_tranche = LWLockNewTrancheId();
		LWLockRegisterTranche(hdr->lock_tranche, "hnsw build");
		LWLockInitialize(&hdr->entry_lock.lock, hdr->lock_tranche);
		for (int i = 0; i < HNSW_GRAPH_LOCKS; i++)
			LWLockInitialize(&hdr->locks[i].lock, hdr->lock_tranche);
	}
}

/*
 * HnswGraphAttach
 *		Set up this process's view of a graph and its search scratch.
 */
void
HnswGraphAttach(HnswGraph *graph, HnswGraphHeader *hdr, HnswIndexInfo *info)
{
	HnswGraphScratch *sc = palloc0(sizeof(HnswGraphScratch));
	int			n = Max(hdr->ef_construction, 2 * hdr->m) + 1;

	graph->hdr = hdr;
	graph->elements = (HnswGraphElement *) ((char *) hdr + hdr->elements_offset);
	graph->slots = (char *) hdr + hdr->slots_offset;
	graph->pool = (uint32 *) ((char *) hdr + hdr->pool_offset);
	graph->info = *info;
	graph->visited = MemoryContextAllocHuge(CurrentMemoryContext,
											sizeof(uint32) * Max(hdr->capacity, 1));
	memset(graph->visited, 0, sizeof(uint32) * Max(hdr->capacity, 1));
	graph->epoch = 0;
	if (hdr->parallel)
		LWLockRegisterTranche(hdr->lock_tranche, "hnsw build");

	NearPairHeapInit(&sc->candidates, 4 * n);
	FarPairHeapInit(&sc->results, 4 * n);
	for (int i = 0; i <= HNSW_MAX_LEVEL; i++)
		sc->layer_results[i] = palloc(sizeof(GraphPair) * n);
	sc->backlink_pairs = palloc(sizeof(GraphPair) * n);
	sc->select_dist = palloc(sizeof(float) * n);
	sc->select_ids = palloc(sizeof(uint32) * n);
	sc->selected = palloc(sizeof(int) * n);
	sc->links_copy = palloc(sizeof(uint32) * (2 * hdr->m + 1));
	sc->new_links = palloc(sizeof(uint32) * (2 * hdr->m + 1) *
						   (HNSW_MAX_LEVEL + 1));
	sc->pruned_links = palloc(sizeof(uint32) * (2 * hdr->m + 1));

	/*
	 * A serial build draws its levels and the heuristic's choices among
	 * identical vectors from a fixed seed, so that building the same rows
	 * twice gives the same graph (and the same recall).  The processes of a
	 * parallel build take rows in an order that changes from run to run
	 * anyway; each draws from its own random stream.
	 */
	if (hdr->parallel)
		pg_prng_seed(&sc->prng, pg_prng_uint64(&pg_global_prng_state));
	else
		pg_prng_seed(&sc->prng, HNSW_BUILD_SEED);
	graph->scratch = sc;
}

/* The value of an element, at the start of its slot */
void *
HnswGraphValue(HnswGraph *graph, uint32 id)
{
	return graph->slots + (Size) id * graph->hdr->slot_size;
}

/*
 * HnswGraphLinks
 *		Links of an element at a level: the count, then element numbers.
 *		The caller holds the element's lock in a parallel build.
 */
uint32 *
HnswGraphLinks(HnswGraph *graph, uint32 id, int level)
{
	if (level == 0)
		return (uint32 *) ((char *) HnswGraphValue(graph, id) +
						   graph->hdr->value_size + sizeof(pg_atomic_uint32));
	return graph->pool + graph->elements[id].upper +
		UpperWords(graph->hdr->m, level - 1);
}

/* The version of an element's links, just after its value */
static inline pg_atomic_uint32 *
GraphVersion(HnswGraph *graph, uint32 id)
{
	return (pg_atomic_uint32 *) ((char *) HnswGraphValue(graph, id) +
								 graph->hdr->value_size);
}

static inline void
GraphLock(HnswGraph *graph, uint32 id, LWLockMode mode)
{
	if (graph->hdr->parallel)
		LWLockAcquire(&graph->hdr->locks[id % HNSW_GRAPH_LOCKS].lock, mode);
}

static inline void
GraphUnlock(HnswGraph *graph, uint32 id)
{
	if (graph->hdr->parallel)
		LWLockRelease(&graph->hdr->locks[id % HNSW_GRAPH_LOCKS].lock);
}

/*
 * GraphBeginChange, GraphEndChange
 *		Bracket a change of an element's links; the caller holds the
 *		element's lock exclusively.  (The atomic additions are full
 *		barriers.)
 */
static inline void
GraphBeginChange(HnswGraph *graph, uint32 id)
{
	if (graph->hdr->parallel)
		pg_atomic_fetch_add_u32(GraphVersion(graph, id), 1);
}

static inline void
GraphEndChange(HnswGraph *graph, uint32 id)
{
	if (graph->hdr->parallel)
		pg_atomic_fetch_add_u32(GraphVersion(graph, id), 1);
}

/*
 * GraphCopyLinks
 *		Copy an element's links at a level into "out"; returns the count.
 *
 * In a parallel build the copy is taken without a lock and retried until
 * the version was even and unchanged across it.  A torn count is clamped
 * before use so that the copy stays in bounds.
 */
static int
GraphCopyLinks(HnswGraph *graph, uint32 id, int level, uint32 *out)
{
	uint32	   *links = HnswGraphLinks(graph, id, level);
	uint32		max = HnswLinksAtLevel(graph->hdr->m, level);
	uint32		n;

	if (!graph->hdr->parallel)
	{
		n = links[0];
		memcpy(out, links + 1, sizeof(uint32) * n);
		return n;
	}

	for (;;)
	{
		pg_atomic_uint32 *version = GraphVersion(graph, id);
		uint32		before = pg_atomic_read_u32(version);

		if (before & 1)
		{
			pg_spin_delay();
			continue;
		}
		pg_read_barrier();
		n = Min(((volatile uint32 *) links)[0], max);
		memcpy(out, links + 1, sizeof(uint32) * n);
		pg_read_barrier();
		if (pg_atomic_read_u32(version) == before)
			return n;
	}
}

static inline float
GraphDistance(HnswGraph *graph, const void *a, uint32 b)
{
	return HnswDistance(&graph->info, a, HnswGraphValue(graph, b));
}

static int
PairCompare(const void *a, const void *b)
{
	float		da = ((const GraphPair *) a)->distance;
	float		db = ((const GraphPair *) b)->distance;

	return (da > db) - (da < db);
}

/*
 * GraphSearchLayer
 *		Best-first search of one level from the given entry points, keeping
 *		the ef nearest elements.  Results go to "out", nearest first; returns
 *		their number.
 */
static int
GraphSearchLayer(HnswGraph *graph, const void *q, GraphPair *entries,
				 int nentries, int ef, int level, GraphPair *out)
{
	HnswGraphScratch *sc = graph->scratch;
	NearPairHeap *cand = &sc->candidates;
	FarPairHeap *res = &sc->results;
	uint32		epoch = ++graph->epoch;
	uint32	   *links = sc->links_copy;
	int			n;

	if (epoch == 0)
	{
		/* the epoch wrapped: clear the stamps once */
		memset(graph->visited, 0, sizeof(uint32) * graph->hdr->capacity);
		epoch = graph->epoch = 1;
	}

	cand->count = 0;
	res->count = 0;
	for (int i = 0; i < nentries; i++)
	{
		graph->visited[entries[i].id] = epoch;
		NearPairHeapPush(cand, entries[i]);
		FarPairHeapPush(res, entries[i]);
	}
	while (res->count > ef)
		FarPairHeapPop(res);

	while (cand->count > 0)
	{
		GraphPair	c = NearPairHeapPop(cand);
		int			nlinks;

		if (res->count >= ef && c.distance > res->items[0].distance)
			break;

		nlinks = GraphCopyLinks(graph, c.id, level, links);
		for (int i = 0; i < nlinks; i++)
		{
			uint32		e = links[i];
			float		d;

			if (graph->visited[e] == epoch)
				continue;
			graph->visited[e] = epoch;
			if (i + 1 < nlinks)
				__builtin_prefetch(HnswGraphValue(graph, links[i + 1]));
			d = GraphDistance(graph, q, e);
			if (res->count < ef || d < res->items[0].distance)
			{
				GraphPair	p = {d, e};

				NearPairHeapPush(cand, p);
				FarPairHeapPush(res, p);
				if (res->count > ef)
					FarPairHeapPop(res);
			}
		}
	}

	n = res->count;
	memcpy(out, res->items, sizeof(GraphPair) * n);
	qsort(out, n, sizeof(GraphPair), PairCompare);
	return n;
}

/* Pair distance callback of the selection heuristic */
static float
GraphPairDistance(void *arg, int a, int b)
{
	HnswGraph  *graph = (HnswGraph *) arg;
	HnswGraphScratch *sc = graph->scratch;

	return GraphDistance(graph, HnswGraphValue(graph, sc->select_ids[a]),
						 sc->select_ids[b]);
}

/*
 * GraphSelect
 *		Run the heuristic over sorted pairs; writes the count and the kept
 *		element numbers to links[0] and links[1..].
 */
static void
GraphSelect(HnswGraph *graph, GraphPair *pairs, int npairs, int limit,
			uint32 *links)
{
	HnswGraphScratch *sc = graph->scratch;
	int			nselected;

	for (int i = 0; i < npairs; i++)
	{
		sc->select_dist[i] = pairs[i].distance;
		sc->select_ids[i] = pairs[i].id;
	}
	nselected = HnswSelectNeighbors(sc->select_dist, npairs, limit,
									GraphPairDistance, graph, &sc->prng,
									sc->selected);
	for (int i = 0; i < nselected; i++)
		links[i + 1] = sc->select_ids[sc->selected[i]];
	links[0] = nselected;
}

/*
 * GraphAddBacklink
 *		Add "id" to the links of "to" at a level, shrinking the list with the
 *		heuristic when it is full.  Takes and releases to's lock.
 */
static void
GraphAddBacklink(HnswGraph *graph, uint32 to, uint32 id, int level)
{
	HnswGraphScratch *sc = graph->scratch;
	int			limit = HnswLinksAtLevel(graph->hdr->m, level);
	const void *tovec = HnswGraphValue(graph, to);
	GraphPair  *pairs = sc->backlink_pairs;
	uint32	   *links;
	int			npairs = 0;

	GraphLock(graph, to, LW_EXCLUSIVE);
	links = HnswGraphLinks(graph, to, level);
	if ((int) links[0] < limit)
	{
		GraphBeginChange(graph, to);
		links[links[0] + 1] = id;
		links[0]++;
		GraphEndChange(graph, to);
		GraphUnlock(graph, to);
		return;
	}
	for (uint32 i = 1; i <= links[0]; i++)
	{
		pairs[npairs].id = links[i];
		pairs[npairs++].distance = GraphDistance(graph, tovec, links[i]);
	}
	pairs[npairs].id = id;
	pairs[npairs++].distance = GraphDistance(graph, tovec, id);
	qsort(pairs, npairs, sizeof(GraphPair), PairCompare);
	GraphSelect(graph, pairs, npairs, limit, sc->pruned_links);
	GraphBeginChange(graph, to);
	memcpy(links, sc->pruned_links, sizeof(uint32) * (sc->pruned_links[0] + 1));
	GraphEndChange(graph, to);
	GraphUnlock(graph, to);
}

/*
 * GraphAddHeapTid
 *		Give an element with exactly this vector one more heap TID; false
 *		when it has no room.
 */
static bool
GraphAddHeapTid(HnswGraph *graph, uint32 id, const void *vec, ItemPointer tid)
{
	HnswGraphElement *el = &graph->elements[id];
	bool		ok = false;

	if (memcmp(HnswGraphValue(graph, id), vec, graph->hdr->value_size) != 0)
		return false;
	GraphLock(graph, id, LW_EXCLUSIVE);
	if (el->ntids < HNSW_MAX_HEAPTIDS)
	{
		el->tids[el->ntids++] = *tid;
		ok = true;
	}
	GraphUnlock(graph, id);
	return ok;
}

/*
 * GraphNewElement
 *		Claim a slot for a new element of the given level, or return false
 *		when the graph is full.  A level that finds no room in the upper
 *		pool is lowered to 0.
 */
static bool
GraphNewElement(HnswGraph *graph, int *level, uint32 *id)
{
	HnswGraphHeader *hdr = graph->hdr;
	HnswGraphElement *el;
	uint32		upper = NO_UPPER;

	*id = pg_atomic_fetch_add_u32(&hdr->nelements, 1);
	if (*id >= hdr->capacity)
	{
		pg_atomic_write_u32(&hdr->overflow, 1);
		return false;
	}
	if (*level > 0)
	{
		Size		words = UpperWords(hdr->m, *level);

		upper = pg_atomic_fetch_add_u32(&hdr->pool_used, (uint32) words);
		if ((Size) upper + words > hdr->pool_words)
		{
			*level = 0;
			upper = NO_UPPER;
		}
		else
			memset(graph->pool + upper, 0, sizeof(uint32) * words);
	}
	el = &graph->elements[*id];
	memset(el, 0, sizeof(HnswGraphElement));
	el->level = *level;
	el->upper = upper;
	return true;
}

/*
 * GraphReadEntry
 *		The entry point and its level (-1: empty graph).  In a parallel
 *		build, an insert whose level is above the entry point's takes the
 *		entry-point lock exclusively, reads them again, and returns true: it
 *		holds the lock until it is done (only it can then raise the entry).
 */
static bool
GraphReadEntry(HnswGraph *graph, int level, uint32 *entry, int *entry_level)
{
	HnswGraphHeader *hdr = graph->hdr;

	if (!hdr->parallel)
	{
		*entry_level = hdr->entry_level;
		*entry = hdr->entry;
		return false;
	}
	LWLockAcquire(&hdr->entry_lock.lock, LW_SHARED);
	*entry_level = hdr->entry_level;
	*entry = hdr->entry;
	LWLockRelease(&hdr->entry_lock.lock);
	if (level <= *entry_level)
		return false;
	LWLockAcquire(&hdr->entry_lock.lock, LW_EXCLUSIVE);
	*entry_level = hdr->entry_level;
	*entry = hdr->entry;
	return true;
}

/*
 * GraphDescend
 *		Greedy search (ef = 1) from the entry point down through the levels
 *		above "level"; returns the element to start level "level" from.
 */
static GraphPair
GraphDescend(HnswGraph *graph, const void *vec, uint32 entry, int entry_level,
			 int level)
{
	HnswGraphScratch *sc = graph->scratch;
	GraphPair	ep;

	ep.id = entry;
	ep.distance = GraphDistance(graph, vec, entry);
	for (int lc = entry_level; lc > level; lc--)
	{
		bool		moved = true;

		while (moved)
		{
			int			n = GraphCopyLinks(graph, ep.id, lc, sc->links_copy);

			moved = false;
			for (int i = 0; i < n; i++)
			{
				float		d = GraphDistance(graph, vec, sc->links_copy[i]);

				if (d < ep.distance)
				{
					ep.distance = d;
					ep.id = sc->links_copy[i];
					moved = true;
				}
			}
		}
	}
	return ep;
}

/*
 * GraphLinkElement
 *		Give the new element "id" its links at every level from "top" down,
 *		chosen from the search results of each level, and link those
 *		neighbours back to it.
 *
 * Its own links at every level first, then the links back to it.  The
 * first link back makes the element reachable, at its top level; in a
 * parallel build another process can then come down through it to a lower
 * level and link back to it there.  So none of its lists may be written
 * after that: a search through a list still empty would end at the element,
 * and writing the list would drop the links added to it meanwhile.  Until
 * then no other process can see the element, so its lists are written
 * without its lock; taking a neighbour's lock for the first link back
 * orders these writes before it.
 */
static void
GraphLinkElement(HnswGraph *graph, uint32 id, int top)
{
	HnswGraphScratch *sc = graph->scratch;
	int			m = graph->hdr->m;

	for (int lc = top; lc >= 0; lc--)
	{
		uint32	   *links = sc->new_links + (Size) lc * (2 * m + 1);

		GraphSelect(graph, sc->layer_results[lc], sc->layer_nresults[lc],
					HnswLinksAtLevel(m, lc), links);
		memcpy(HnswGraphLinks(graph, id, lc), links,
			   sizeof(uint32) * (links[0] + 1));
	}
	for (int lc = top; lc >= 0; lc--)
	{
		uint32	   *links = sc->new_links + (Size) lc * (2 * m + 1);

		for (uint32 i = 1; i <= links[0]; i++)
			GraphAddBacklink(graph, links[i], id, lc);
	}
}

/*
 * HnswGraphInsert
 *		Insert one row.  Returns false when the graph is full (the caller
 *		decides what to do with the row).
 */
bool
HnswGraphInsert(HnswGraph *graph, const void *vec, ItemPointer tid)
{
	HnswGraphHeader *hdr = graph->hdr;
	HnswGraphScratch *sc = graph->scratch;
	int			level = HnswRandomLevel(&sc->prng, hdr->m);
	int			entry_level;
	uint32		entry;
	bool		entry_locked = GraphReadEntry(graph, level, &entry,
											  &entry_level);
	bool		added = true;
	int			top = -1;
	uint32		id;

	if (entry_level >= 0)
	{
		GraphPair	ep = GraphDescend(graph, vec, entry, entry_level, level);

		/* search each level the new element joins, keeping the results */
		top = Min(level, entry_level);
		for (int lc = top; lc >= 0; lc--)
		{
			GraphPair  *entries = (lc == top) ? &ep : sc->layer_results[lc + 1];
			int			nentries = (lc == top) ? 1 : sc->layer_nresults[lc + 1];

			sc->layer_nresults[lc] =
				GraphSearchLayer(graph, vec, entries, nentries,
								 hdr->ef_construction, lc,
								 sc->layer_results[lc]);
		}

		/* an identical vector already in the graph takes the heap TID */
		if (sc->layer_nresults[0] > 0 && sc->layer_results[0][0].distance <= 0 &&
			GraphAddHeapTid(graph, sc->layer_results[0][0].id, vec, tid))
			goto done;
	}

	if (!GraphNewElement(graph, &level, &id))
	{
		added = false;
		goto done;
	}
	graph->elements[id].tids[0] = *tid;
	graph->elements[id].ntids = 1;
	memcpy(HnswGraphValue(graph, id), vec, hdr->value_size);
	pg_atomic_init_u32(GraphVersion(graph, id), 0);
	HnswGraphLinks(graph, id, 0)[0] = 0;
	GraphLinkElement(graph, id, Min(top, level));

	/* only an insert holding the entry-point lock can be taller */
	if ((entry_locked || !hdr->parallel) && level > hdr->entry_level)
	{
		hdr->entry = id;
		hdr->entry_level = level;
	}

done:
	if (entry_locked)
		LWLockRelease(&hdr->entry_lock.lock);
	return added;
}

/*
 * HnswGraphElementCount
 *		Elements in the graph (claims beyond a full graph do not count).
 */
uint32
HnswGraphElementCount(HnswGraphHeader *hdr)
{
	return Min(pg_atomic_read_u32(&hdr->nelements), hdr->capacity);
}

/*
 * HnswGraphCopy
 *		Copy a serial graph into a larger empty one (initialised with the
 *		same dimensions and m).
 */
void
HnswGraphCopy(HnswGraphHeader *dst, HnswGraphHeader *src)
{
	uint32		n = HnswGraphElementCount(src);
	uint32		pool_used = Min(pg_atomic_read_u32(&src->pool_used),
								src->pool_words);

	Assert(dst->capacity >= n && dst->pool_words >= pool_used);
	memcpy((char *) dst + dst->elements_offset,
		   (char *) src + src->elements_offset, sizeof(HnswGraphElement) * n);
	memcpy((char *) dst + dst->slots_offset,
		   (char *) src + src->slots_offset, src->slot_size * n);
	memcpy((char *) dst + dst->pool_offset,
		   (char *) src + src->pool_offset, sizeof(uint32) * pool_used);
	pg_atomic_write_u32(&dst->nelements, n);
	pg_atomic_write_u32(&dst->pool_used, pool_used);
	dst->entry = src->entry;
	dst->entry_level = src->entry_level;
}
