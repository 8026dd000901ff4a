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

#include "common/pg_prng.h"

#include "hnsw.h"

/*
 * HnswSelectNeighbors
 *		Choose up to "limit" neighbours among "ncand" candidates.
 *
 * cand_dist[i] is candidate i's distance to the new element; candidates
 * must be sorted nearest first.  A candidate is kept only if no neighbour
 * kept before it is strictly closer to it than the new element is, which
 * spreads the links in different directions instead of clustering them.
 *
 * Identical vectors need care, or they cut elements off the graph: a kept
 * neighbour identical to the new element would block every other candidate
 * (each is exactly as far from it as from the new element), and a list
 * could fill with copies of one point, leaving no link out of a group of
 * equal elements.  So candidates identical to the new element block
 * nothing and take at most half of the list, chosen at random among them:
 * enough links among the copies to keep every one of them reachable (were
 * the same few always chosen, the others would get no incoming links), and
 * room for links elsewhere.
 *
 * pair_distance(arg, i, j) returns the distance between candidates i and j.
 * The random choices come from "prng": a serial build passes its own seeded
 * stream, so that the same rows give the same graph.  The indexes of the
 * kept candidates are written to selected[], nearest first (the identical
 * ones in random order); the return value is their number.
 */
int
HnswSelectNeighbors(const float *cand_dist, int ncand, int limit,
					HnswPairDistance pair_distance, void *arg,
					pg_prng_state *prng, int *selected)
{
	int			nselected = 0;
	int			max_identical = Max(limit / 2, 1);
	int			nidentical = 0;
	int			seen_identical = 0;

	/*
	 * Candidates identical to the new element come first (distance 0):
	 * reservoir-sample max_identical of them.
	 */
	while (seen_identical < ncand && cand_dist[seen_identical] <= 0)
	{
		if (nidentical < max_identical)
			selected[nidentical++] = seen_identical;
		else
		{
			int			r = (int) pg_prng_uint64_range(prng, 0, seen_identical);

			if (r < max_identical)
				selected[r] = seen_identical;
		}
		seen_identical++;
	}
	nselected = Min(nidentical, limit);

	for (int i = seen_identical; i < ncand && nselected < limit; i++)
	{
		bool		keep = true;

		/* the identical ones block nothing */
		for (int j = nidentical; j < nselected; j++)
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
