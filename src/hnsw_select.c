/*-------------------------------------------------------------------------
 *
 * hnsw_select.c
 *	  The neighbour-selection heuristic of Malkov & Yashunin (Algorithm 4).
 *
 * Shared by the in-memory build and by inserts into the on-disk graph, so
 * that both shape the graph the same way.
 *
 * src/hnsw_select.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw.h"

/*
 * HnswSelectNeighbors
 *		Choose up to "limit" neighbours among "ncand" candidates.
 *
 * cand_dist[i] is candidate i's distance to the new element; candidates
 * must be sorted nearest first.  A candidate is kept only if no neighbour
 * kept before it is strictly closer to it than the new element is, which
 * spreads the links in different directions instead of clustering them.
 * pair_distance(arg, i, j) returns the distance between candidates i and j.
 * The indexes of the kept candidates are written to selected[], nearest
 * first; the return value is their number.
 */
int
HnswSelectNeighbors(const float *cand_dist, int ncand, int limit,
					HnswPairDistance pair_distance, void *arg, int *selected)
{
	int			nselected = 0;

	for (int i = 0; i < ncand && nselected < limit; i++)
	{
		bool		keep = true;

		for (int j = 0; j < nselected; j++)
		{
			if (pair_distance(arg, i, selected[j]) < cand_dist[i])
			{
				keep = false;
				break;
			}
		}
		if (keep)
			selected[nselected++] = i;
	}
	return nselected;
}
