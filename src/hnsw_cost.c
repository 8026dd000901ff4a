/*-------------------------------------------------------------------------
 *
 * hnsw_cost.c
 *	  Cost estimate for HNSW index scans.
 *
 * The index only helps ORDER BY column <op> constant; for anything else it
 * is priced out.  An ordered scan does all of its work before returning the
 * first row (the graph search), so its startup cost is its whole cost: the
 * elements a search of ef_search candidates evaluates, each one a tuple read
 * and a distance computation.
 *
 * src/hnsw_cost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"

#include "hnsw.h"

/*
 * hnswcostestimate
 *		amcostestimate callback.
 *
 * A search evaluates about ef_search * m elements (ef_search expansions at
 * level 0, each reading up to 2 * m links, many already visited) plus a few
 * per upper level; each evaluation reads a vector and computes a distance,
 * the same work a sequential scan and sort does per row.  So the index is
 * priced per evaluated element, with page costs scaled like the table's own
 * per-row page cost where that is lower than the index's: the planner does
 * not count the TOAST pages of long vectors in a table's size, which would
 * otherwise make a sequential scan look cheaper than visiting a small part
 * of a graph whose vectors are stored inline (at 768 dimensions it chose a
 * 20 times slower sequential scan).
 */
void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	IndexOptInfo *index = path->indexinfo;
	double		tuples = Max(index->tuples, 1.0);
	double		heap_pages = Max(index->rel->pages, 1);
	double		index_pages = Max(index->pages, 1);
	double		pages_per_element;
	double		visited;
	double		pages;
	int			m;
	int			ef_search;
	Relation	rel;
	Cost		cost;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = disable_cost;
		*indexTotalCost = disable_cost;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	/* the planner already holds a lock on the index */
	rel = index_open(index->indexoid, NoLock);
	m = HnswGetM(rel);
	ef_search = HnswGetEfSearch(rel);
	index_close(rel, NoLock);

	visited = (double) ef_search * m + log(tuples) / log((double) m) * 2 * m;
	visited = Min(visited, tuples);

	pages_per_element = Min(index_pages, heap_pages) / tuples;
	pages = Min(visited * pages_per_element, index_pages);

	cost = pages * random_page_cost +
		visited * (cpu_index_tuple_cost + cpu_operator_cost);

	/*
	 * All of the search happens before the first row comes back.  Rows
	 * beyond it need a longer search (an iterative scan): about m more
	 * evaluations each, which a LIMIT scales down.
	 */
	*indexStartupCost = cost;
	*indexTotalCost = cost + Max(tuples - visited, 0) *
		(m * (cpu_index_tuple_cost + cpu_operator_cost) +
		 pages_per_element * random_page_cost);
	*indexSelectivity = 1.0;
	*indexCorrelation = 0;
	*indexPages = pages;
}
