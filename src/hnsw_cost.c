/*-------------------------------------------------------------------------
 *
 * hnsw_cost.c
 *	  Cost estimate for HNSW index scans.
 *
 * The index only helps ORDER BY column <op> constant; for anything else it
 * is priced out.  An ordered scan does all of its work before returning the
 * first row (the graph search), so its startup cost is its whole cost: the
 * elements a search of hnsw.ef_search candidates visits, each one a tuple
 * read and a distance computation.
 *
 * src/hnsw_cost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/selfuncs.h"

#include "hnsw.h"

/*
 * hnswcostestimate
 *		amcostestimate callback.
 */
void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *index = path->indexinfo;
	double		tuples = Max(index->tuples, 1.0);
	double		visited;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = disable_cost;
		*indexTotalCost = disable_cost;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	/*
	 * A search expands about ef_search elements at level 0 and evaluates
	 * their links (2 * m each, many already visited), plus a few elements
	 * per upper level.
	 */
	visited = hnsw_ef_search * HNSW_DEFAULT_M + log(tuples) * HNSW_DEFAULT_M;
	visited = Min(visited, tuples);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = visited;
	genericcostestimate(root, path, loop_count, &costs);

	/* one distance computation per visited element */
	costs.indexTotalCost += visited * cpu_operator_cost * 4;

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
