/*-------------------------------------------------------------------------
 *
 * hnsw_cost.c
 *	  Cost estimate for HNSW index scans.
 *
 * The index only helps ORDER BY column <op> constant; for anything else it
 * is priced out.  An ordered scan does its first search before returning
 * the first row, so that search is its startup cost.  The rows the query's
 * filter rejects are what make a scan go further: to return k rows through
 * a filter that keeps a fraction s of the table, an iterative scan must
 * find about k / s elements, each a further stretch of graph walk, and a
 * scan without iterative rounds stops after one search of ef_search
 * candidates whatever the filter left of them.
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
 * Evaluations per element an iterative scan returns after its first round,
 * as a multiple of m.  Each round searches again from the top with twice
 * the candidates and returns the part of them it trusts (the nearer half in
 * relaxed_order, the nearer quarter in strict_order, see ScanSearchRound),
 * so the rounds up to one of ef candidates cost about twice that round and
 * have returned ef / 2 or ef / 4 elements.  Measured on 100,000 clustered
 * 128-dimensional rows at m = 16: 16.5 distance computations per returned
 * element in relaxed_order, 30 in strict_order.
 */
#define HNSW_RELAXED_EVALS_PER_TUPLE	1.0
#define HNSW_STRICT_EVALS_PER_TUPLE		2.0

/*
 * FilterSelectivity
 *		Fraction of the index's rows that pass the conditions the executor
 *		checks on the rows the scan returns: the relation's restriction
 *		clauses (the index checks none of them) and, for a parameterized
 *		path, its join clauses.
 */
static Selectivity
FilterSelectivity(PlannerInfo *root, IndexPath *path)
{
	IndexOptInfo *index = path->indexinfo;
	Selectivity sel;

	sel = clauselist_selectivity(root, index->indrestrictinfo,
								 index->rel->relid, JOIN_INNER, NULL);
	if (path->path.param_info)
		sel *= clauselist_selectivity(root,
									  path->path.param_info->ppi_clauses,
									  index->rel->relid, JOIN_INNER, NULL);
	return sel;
}

/*
 * WantedRows
 *		Rows the query wants from this scan: the LIMIT (with its OFFSET) when
 *		the relation is all the query reads, so that the limit applies to
 *		the scan's rows; otherwise all the rows that pass the filter.
 */
static double
WantedRows(PlannerInfo *root, IndexPath *path, double filtered_rows)
{
	if (root->limit_tuples > 0 &&
		bms_membership(root->all_baserels) == BMS_SINGLETON &&
		bms_is_member(path->indexinfo->rel->relid, root->all_baserels))
		return Min(root->limit_tuples, filtered_rows);
	return filtered_rows;
}

/*
 * hnswcostestimate
 *		amcostestimate callback.
 *
 * Elements are priced per evaluation: each reads a vector and computes a
 * distance, the same work a sequential scan and sort does per row, with
 * page costs scaled like the table's own per-row page cost where that is
 * lower than the index's: the planner does not count the TOAST pages of
 * long vectors in a table's size, which would otherwise make a sequential
 * scan look cheaper than visiting a small part of a graph whose vectors
 * are stored inline (at 768 dimensions it chose a 20 times slower
 * sequential scan).
 *
 * The first search evaluates about ef_search * m elements plus 2 * m per
 * upper level, and returns ef_search elements (without iterative scans) or
 * the part of them an iterative scan trusts.  An iterative scan goes on,
 * about m evaluations per further element in relaxed_order and 2 * m in
 * strict_order, until it has returned hnsw.max_scan_tuples rows.  The
 * path's cost is that of the scan run to its end: cost_index adds a heap
 * fetch and the filter per element (from the selectivity we return: the
 * share of the table the scan returns), and the path's row estimate is
 * what passes the filter.  Under a LIMIT of k the planner charges the
 * startup cost and the fraction k / rows of the rest, which is the cost of
 * the k / s elements the filter lets k rows through from: the graph walk up
 * front, then per element found.
 *
 * A scan that stops before the query has its rows (one search of ef_search
 * candidates, or hnsw.max_scan_tuples, with a selective filter) would look
 * cheap exactly because it returns too few.  It is priced as if it went on
 * to find them at the rate of an iterative scan, so that a plan that
 * returns the whole answer (a bitmap scan and sort, say) wins where it is
 * cheaper than finding that answer through the graph; its row estimate
 * stays what it returns.
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
	double		eval_cost;
	double		tuple_cost;
	double		trusted;
	double		first_tuples;
	double		scan_tuples;
	double		needed_tuples;
	double		wanted;
	Selectivity sel;
	int			m;
	int			ef_search;
	Relation	rel;
	Cost		startup;
	Cost		total;

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

	pages_per_element = Min(index_pages, heap_pages) / tuples;
	eval_cost = pages_per_element * random_page_cost +
		cpu_index_tuple_cost + cpu_operator_cost;

	/* the first search */
	visited = (double) ef_search * m + log(tuples) / log((double) m) * 2 * m;
	visited = Min(visited, tuples);
	pages = Min(visited * pages_per_element, index_pages);
	startup = pages * random_page_cost +
		visited * (cpu_index_tuple_cost + cpu_operator_cost);

	/* what it returns, and what the scan returns in all */
	switch (hnsw_iterative_scan)
	{
		case HNSW_ITERATIVE_SCAN_STRICT:
			trusted = 0.25;
			tuple_cost = HNSW_STRICT_EVALS_PER_TUPLE * m * eval_cost;
			break;
		case HNSW_ITERATIVE_SCAN_RELAXED:
			trusted = 0.5;
			tuple_cost = HNSW_RELAXED_EVALS_PER_TUPLE * m * eval_cost;
			break;
		default:
			trusted = 1.0;
			/* the rate of going on, for the shortfall below */
			tuple_cost = HNSW_RELAXED_EVALS_PER_TUPLE * m * eval_cost;
			break;
	}
	first_tuples = Min(ef_search * trusted, tuples);
	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF)
		scan_tuples = Min((double) ef_search, tuples);
	else
		scan_tuples = Min((double) Max(hnsw_max_scan_tuples, ef_search),
						  tuples);
	total = startup + Max(scan_tuples - first_tuples, 0) * tuple_cost;

	/*
	 * The elements the query needs: the rows it wants, over the filter's
	 * selectivity.  Beyond what the scan returns, the shortfall.
	 */
	sel = FilterSelectivity(root, path);
	sel = Max(sel, 1.0 / tuples);
	wanted = WantedRows(root, path, sel * tuples);
	needed_tuples = Min(wanted / sel, tuples);
	if (needed_tuples > scan_tuples)
		total += (needed_tuples - Max(scan_tuples, first_tuples)) * tuple_cost;

	/* rows beyond what the scan returns are never reached */
	path->path.rows = clamp_row_est(Min(path->path.rows, scan_tuples * sel));

	*indexStartupCost = startup;
	*indexTotalCost = total;
	*indexSelectivity = scan_tuples / tuples;
	*indexCorrelation = 0;
	*indexPages = pages;
}
