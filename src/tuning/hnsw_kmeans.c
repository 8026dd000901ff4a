/*-------------------------------------------------------------------------
 *
 * hnsw_kmeans.c
 *	  k-means over a sample of a table's vectors: hnsw_kmeans() returns the
 *	  centroids, hnsw_cluster_stats() how the whole table falls into them.
 *
 * The sample is drawn in one pass over the table (reservoir sampling, a
 * scan that always starts at the first block), so a seed gives the same
 * sample, and the same centroids, for the same table contents.  Centroids
 * start from greedy k-means++ (KMeansInit), then Lloyd iterations move
 * them to the mean of their points.  Assignment uses
 * Hamerly's bounds: per point an upper bound on the distance to its
 * centroid and a lower bound on the distance to any other, kept valid as
 * centroids move, so that most points need no distance computation once
 * the centroids settle.  Distances are Euclidean, computed with the SIMD
 * kernel, or in double where its float sum would overflow or underflow
 * (SquaredDistance).  Memory is the sample and three numbers per point (together at
 * most maintenance_work_mem) plus a few numbers per centroid.
 *
 * src/tuning/hnsw_kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "hnsw_tuning.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(hnsw_kmeans);
PG_FUNCTION_INFO_V1(hnsw_cluster_stats);

#define KMEANS_MAX_K			100000
#define KMEANS_MAX_ITERATIONS	1000

typedef struct KMeans
{
	/* the column */
	Relation	rel;
	AttrNumber	attno;
	int			dim;
	Snapshot	snapshot;

	/* the sample */
	const HnswTypeInfo *type;	/* the column's type */
	float	   *row;			/* the current row as float4 values */
	float	   *points;			/* nsample x dim */
	int64		nsample;
	int64		maxsample;
	int64		rows;			/* non-NULL vectors in the table */

	/* the clustering */
	int			k;
	float	   *centroids;		/* k x dim */
	int		   *assignment;		/* per point */
	pg_prng_state prng;
} KMeans;

/*
 * Memory a sample point takes: its vector and the three distances per point
 * that KMeansInit keeps (KMeansRun keeps fewer).
 */
#define KMeansBytesPerPoint(dim) \
	((int64) (dim) * sizeof(float) + 3 * sizeof(double))

/* Arrays as large as the sample may pass 1 GB when maintenance_work_mem does */
#define KMeansAlloc(size)	MemoryContextAllocHuge(CurrentMemoryContext, (size))

#define KMeansPoint(km, i)		((km)->points + (Size) (i) * (km)->dim)
#define KMeansCentroid(km, c)	((km)->centroids + (Size) (c) * (km)->dim)

/*
 * Below this a float squared distance may have lost digits to underflow:
 * squares under FLT_MIN become denormal or zero, and VECTOR_MAX_DIM of them
 * add up to less than 2e-34, which is nothing next to 1e-20.
 */
#define KMEANS_FLOAT_EXACT_MIN	1e-20f

/*
 * SquaredDistance
 *		The squared Euclidean distance, from the SIMD kernel when its float
 *		sum is trustworthy, else computed again in double.
 *
 * Vectors hold finite floats, but coordinates beyond about 1.8e19 have
 * squares no float can hold: the kernel then returns infinity (and the sum
 * of a whole column's distances would be infinite or NaN).  In double
 * nothing overflows: a coordinate difference is at most 2 * FLT_MAX, so a
 * squared distance is at most VECTOR_MAX_DIM * (2 * FLT_MAX)^2, about 7e81,
 * and the sums below add up fewer than 2^63 of those.
 */
static double
SquaredDistance(int dim, const float *a, const float *b)
{
	float		fast = L2SquaredDistanceKernel(dim, a, b);
	double		sum = 0.0;

	if (likely(fast >= KMEANS_FLOAT_EXACT_MIN && fast <= FLT_MAX))
		return fast;
	for (int d = 0; d < dim; d++)
	{
		double		diff = (double) a[d] - (double) b[d];

		sum += diff * diff;
	}
	return sum;
}

static inline double
Distance(int dim, const float *a, const float *b)
{
	return sqrt(SquaredDistance(dim, a, b));
}

/*
 * KMeansOpen
 *		Open the table, check the column, and work out the sample's size
 *		bound from maintenance_work_mem.  The arguments are checked already.
 */
static void
KMeansOpen(KMeans *km, FunctionCallInfo fcinfo, Oid tableoid,
		   const char *colname, int64 sample_rows, int seed)
{
	int32		typmod;
	int64		fit;

	memset(km, 0, sizeof(KMeans));
	km->rel = HnswOpenTableToRead(tableoid, AccessShareLock);

	km->attno = HnswIndexableColumn(km->rel, colname,
									get_func_namespace(fcinfo->flinfo->fn_oid),
									false, &typmod, &km->type);
	km->dim = typmod > 0 ? typmod : 0;	/* 0: from data */

	km->maxsample = sample_rows;
	pg_prng_seed(&km->prng, (uint64) (uint32) seed);

	/* the sample lives in memory: keep it within maintenance_work_mem */
	if (km->dim > 0)
	{
		fit = (int64) maintenance_work_mem * 1024 / KMeansBytesPerPoint(km->dim);
		if (km->maxsample > fit)
		{
			ereport(NOTICE,
					(errmsg("sampling %lld rows instead of %lld to stay within maintenance_work_mem",
							(long long) Max(fit, 1), (long long) km->maxsample)));
			km->maxsample = Max(fit, 1);
		}
	}
	km->snapshot = RegisterSnapshot(GetTransactionSnapshot());
}

static void
KMeansClose(KMeans *km)
{
	UnregisterSnapshot(km->snapshot);
	table_close(km->rel, AccessShareLock);
}

/*
 * KMeansScan
 *		Call "fn" for every non-NULL value of the column, in block order, as
 *		float4 values (halves exactly, bits as 0 and 1).
 */
static void
KMeansScan(KMeans *km, void (*fn) (KMeans *km, const float *x, void *arg),
		   void *arg)
{
	TableScanDesc scan = table_beginscan_strat(km->rel, km->snapshot, 0, NULL,
											   true, false);
	TupleTableSlot *slot = table_slot_create(km->rel, NULL);
	MemoryContext scan_ctx = CurrentMemoryContext;
	MemoryContext row_ctx = AllocSetContextCreate(CurrentMemoryContext,
												  "hnsw kmeans row",
												  ALLOCSET_DEFAULT_SIZES);

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		value;
		MemoryContext old;
		int			dim;

		CHECK_FOR_INTERRUPTS();
		value = slot_getattr(slot, km->attno, &isnull);
		if (isnull)
			continue;
		old = MemoryContextSwitchTo(row_ctx);
		dim = km->type->datum_dimensions(value);
		if (km->dim == 0)
		{
			km->dim = dim;
			km->maxsample = Min(km->maxsample,
								Max((int64) maintenance_work_mem * 1024 /
									KMeansBytesPerPoint(km->dim), 1));
		}
		if (dim != km->dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("vectors of column \"%s\" of relation \"%s\" have different dimensions, %d and %d",
							get_attname(RelationGetRelid(km->rel), km->attno, false),
							RelationGetRelationName(km->rel),
							km->dim, dim)));
		if (km->row == NULL)
			km->row = MemoryContextAlloc(scan_ctx, sizeof(float) * km->dim);
		km->type->to_float(value, km->row);
		fn(km, km->row, arg);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_ctx);
	}
	MemoryContextDelete(row_ctx);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
}

/* KMeansScan callback: reservoir sampling */
static void
SampleRow(KMeans *km, const float *x, void *arg)
{
	MemoryContext ctx = (MemoryContext) arg;
	int64		slot;

	km->rows++;
	if (km->points == NULL)
		km->points = MemoryContextAllocHuge(ctx, sizeof(float) * km->dim *
											Min(km->maxsample, 1024));
	if (km->nsample < km->maxsample)
	{
		/* grow by doubling, up to the sample size */
		if (km->nsample >= 1024 && (km->nsample & (km->nsample - 1)) == 0)
			km->points = repalloc_huge(km->points, sizeof(float) * km->dim *
									   Min(km->maxsample, 2 * km->nsample));
		slot = km->nsample++;
	}
	else
	{
		slot = (int64) pg_prng_uint64_range(&km->prng, 0, km->rows - 1);
		if (slot >= km->maxsample)
			return;
	}
	memcpy(KMeansPoint(km, slot), x, sizeof(float) * km->dim);
}

/*
 * KMeansDraw
 *		A sample point drawn with probability proportional to "weight" (the
 *		squared distance to the nearest centroid so far), or uniformly when
 *		every weight is zero.
 */
static int64
KMeansDraw(KMeans *km, const double *weight, double total)
{
	double		target = pg_prng_double(&km->prng) * total;

	if (total > 0.0)
	{
		for (int64 i = 0; i < km->nsample; i++)
		{
			target -= weight[i];
			if (target < 0.0)
				return i;
		}
	}
	return (int64) pg_prng_uint64_range(&km->prng, 0, km->nsample - 1);
}

/*
 * KMeansInit
 *		Greedy k-means++: the first centroid a random sample point; for each
 *		next one, 2 + ln(k) candidates drawn with probability proportional
 *		to their squared distance to the nearest centroid so far, and the
 *		one that brings the sum of those squared distances down most kept.
 *
 * Plain k-means++ (one candidate) often puts two centroids in one cluster
 * of high-dimensional data: a cluster's own points, many and spread out,
 * outweigh the few far ones of a cluster not yet covered.
 */
static void
KMeansInit(KMeans *km)
{
	double	   *nearest = KMeansAlloc(sizeof(double) * km->nsample);
	double	   *trial = KMeansAlloc(sizeof(double) * km->nsample);
	double	   *best = KMeansAlloc(sizeof(double) * km->nsample);
	int			ntrials = 2 + (int) log((double) km->k);
	int64		first = (int64) pg_prng_uint64_range(&km->prng, 0, km->nsample - 1);
	double		total = 0.0;

	memcpy(KMeansCentroid(km, 0), KMeansPoint(km, first),
		   sizeof(float) * km->dim);
	for (int64 i = 0; i < km->nsample; i++)
	{
		nearest[i] = SquaredDistance(km->dim, KMeansPoint(km, i),
									 KMeansCentroid(km, 0));
		total += nearest[i];
	}

	for (int c = 1; c < km->k; c++)
	{
		double		best_total = DBL_MAX;
		int64		chosen = 0;
		double	   *swap;

		for (int t = 0; t < ntrials; t++)
		{
			int64		candidate = KMeansDraw(km, nearest, total);
			const float *x = KMeansPoint(km, candidate);
			double		trial_total = 0.0;

			CHECK_FOR_INTERRUPTS();
			for (int64 i = 0; i < km->nsample; i++)
			{
				double		d = SquaredDistance(km->dim, KMeansPoint(km, i), x);

				trial[i] = Min(nearest[i], d);
				trial_total += trial[i];
			}
			if (trial_total < best_total)
			{
				best_total = trial_total;
				chosen = candidate;
				swap = best;
				best = trial;
				trial = swap;
			}
		}
		memcpy(KMeansCentroid(km, c), KMeansPoint(km, chosen),
			   sizeof(float) * km->dim);
		swap = nearest;
		nearest = best;
		best = swap;
		total = best_total;
	}
	pfree(nearest);
	pfree(trial);
	pfree(best);
}

/*
 * NearestTwo
 *		The nearest centroid of a vector and the distances to it and to the
 *		second nearest (FLT_MAX when k = 1).
 */
static int
NearestTwo(KMeans *km, const float *x, double *d1, double *d2)
{
	int			best = 0;

	*d1 = DBL_MAX;
	*d2 = DBL_MAX;
	for (int c = 0; c < km->k; c++)
	{
		double		d = SquaredDistance(km->dim, x, KMeansCentroid(km, c));

		if (d < *d1)
		{
			*d2 = *d1;
			*d1 = d;
			best = c;
		}
		else if (d < *d2)
			*d2 = d;
	}
	*d1 = sqrt(*d1);
	if (*d2 != DBL_MAX)
		*d2 = sqrt(*d2);
	return best;
}

/*
 * The state of Lloyd's iterations with Hamerly's bounds: per point, an upper
 * bound on the distance to its centroid and a lower bound on the distance
 * to any other; per centroid, how far it moved in this iteration and half
 * the distance to its nearest other centroid.
 */
typedef struct KMeansBounds
{
	double	   *upper;
	double	   *lower;
	double	   *moved;
	double	   *half_gap;
	double		max_moved;		/* the most any centroid moved */
	double		second_moved;	/* the most any other moved */
	int			most_moved;		/* the centroid that moved most */
	double	   *sums;			/* scratch: coordinate sums per cluster */
	int64	   *counts;			/* scratch: points per cluster */
	float	   *previous;		/* scratch: a centroid before it moved */
} KMeansBounds;

/*
 * KMeansMoveCentroids
 *		Move every centroid to the mean of its points, noting how far each
 *		moved; an empty cluster takes the point farthest from its own
 *		centroid (as far as the bounds tell), and that point counts as
 *		changed.  Returns the number of points that changed clusters.
 */
static int64
KMeansMoveCentroids(KMeans *km, KMeansBounds *b)
{
	int			k = km->k;
	int			dim = km->dim;
	int64		changed = 0;

	memset(b->sums, 0, sizeof(double) * k * dim);
	memset(b->counts, 0, sizeof(int64) * k);
	for (int64 i = 0; i < km->nsample; i++)
	{
		double	   *sum = b->sums + (Size) km->assignment[i] * dim;
		const float *x = KMeansPoint(km, i);

		b->counts[km->assignment[i]]++;
		for (int d = 0; d < dim; d++)
			sum[d] += x[d];
	}
	b->max_moved = 0.0;
	b->second_moved = 0.0;
	b->most_moved = -1;
	for (int c = 0; c < k; c++)
	{
		float	   *centroid = KMeansCentroid(km, c);

		memcpy(b->previous, centroid, sizeof(float) * dim);
		if (b->counts[c] > 0)
		{
			for (int d = 0; d < dim; d++)
				centroid[d] = (float) (b->sums[(Size) c * dim + d] /
									   b->counts[c]);
		}
		else
		{
			/* the jump shows in moved[c], loosening the lower bounds */
			int64		far = 0;

			for (int64 i = 1; i < km->nsample; i++)
				if (b->upper[i] > b->upper[far])
					far = i;
			memcpy(centroid, KMeansPoint(km, far), sizeof(float) * dim);
			km->assignment[far] = c;
			b->upper[far] = 0.0;
			b->lower[far] = 0.0;
			changed++;
		}
		b->moved[c] = Distance(dim, b->previous, centroid);
		if (b->moved[c] > b->max_moved)
		{
			b->second_moved = b->max_moved;
			b->max_moved = b->moved[c];
			b->most_moved = c;
		}
		else
			b->second_moved = Max(b->second_moved, b->moved[c]);
	}
	return changed;
}

/* Half the distance from each centroid to its nearest other one */
static void
KMeansHalfGaps(KMeans *km, KMeansBounds *b)
{
	for (int c = 0; c < km->k; c++)
	{
		double		gap = DBL_MAX;

		CHECK_FOR_INTERRUPTS();
		for (int o = 0; o < km->k; o++)
		{
			if (o != c)
				gap = Min(gap, Distance(km->dim, KMeansCentroid(km, c),
										KMeansCentroid(km, o)));
		}
		b->half_gap[c] = gap / 2.0;
	}
}

/*
 * KMeansReassign
 *		Give every point its nearest centroid, skipping the points the
 *		bounds prove unchanged; returns how many changed clusters.
 */
static int64
KMeansReassign(KMeans *km, KMeansBounds *b)
{
	int64		changed = 0;

	for (int64 i = 0; i < km->nsample; i++)
	{
		int			a = km->assignment[i];
		double		bound;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		b->upper[i] += b->moved[a];
		/* no other centroid came nearer than the most any other moved */
		b->lower[i] -= (a == b->most_moved) ? b->second_moved : b->max_moved;
		bound = Max(b->half_gap[a], b->lower[i]);
		if (b->upper[i] <= bound)
			continue;
		b->upper[i] = Distance(km->dim, KMeansPoint(km, i),
							   KMeansCentroid(km, a));
		if (b->upper[i] <= bound)
			continue;
		km->assignment[i] = NearestTwo(km, KMeansPoint(km, i), &b->upper[i],
									   &b->lower[i]);
		if (km->assignment[i] != a)
			changed++;
	}
	return changed;
}

/*
 * KMeansRun
 *		Lloyd's iterations with Hamerly's bounds, until no point changes its
 *		cluster or "iterations" are done.
 */
static void
KMeansRun(KMeans *km, int iterations)
{
	KMeansBounds b;

	b.upper = KMeansAlloc(sizeof(double) * km->nsample);
	b.lower = KMeansAlloc(sizeof(double) * km->nsample);
	b.sums = KMeansAlloc(sizeof(double) * km->k * km->dim);
	b.counts = palloc(sizeof(int64) * km->k);
	b.moved = palloc(sizeof(double) * km->k);
	b.half_gap = palloc(sizeof(double) * km->k);
	b.previous = palloc(sizeof(float) * km->dim);

	km->assignment = KMeansAlloc(sizeof(int) * km->nsample);
	for (int64 i = 0; i < km->nsample; i++)
		km->assignment[i] = NearestTwo(km, KMeansPoint(km, i), &b.upper[i],
									   &b.lower[i]);

	for (int it = 0; it < iterations; it++)
	{
		int64		changed = KMeansMoveCentroids(km, &b);

		KMeansHalfGaps(km, &b);
		changed += KMeansReassign(km, &b);
		if (changed == 0)
			break;
	}

	pfree(b.upper);
	pfree(b.lower);
	pfree(b.sums);
	pfree(b.counts);
	pfree(b.moved);
	pfree(b.half_gap);
	pfree(b.previous);
}

/*
 * KMeansCompute
 *		Sample the column and cluster the sample; k 0 means about the square
 *		root of the table's rows, at most the sample's size.
 */
static void
KMeansCompute(KMeans *km, int k, int iterations)
{
	KMeansScan(km, SampleRow, CurrentMemoryContext);
	if (km->nsample == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of relation \"%s\" has no vectors to cluster",
						get_attname(RelationGetRelid(km->rel), km->attno, false),
						RelationGetRelationName(km->rel))));

	/* by default about sqrt(rows), but never more than the sample holds */
	if (k == 0)
		k = (int) Max(1, Min(Min(round(sqrt((double) km->rows)), KMEANS_MAX_K),
							 km->nsample));
	km->k = k;
	if (km->k > km->nsample)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is larger than the %lld vectors sampled from column \"%s\" of relation \"%s\"",
						km->k, (long long) km->nsample,
						get_attname(RelationGetRelid(km->rel), km->attno, false),
						RelationGetRelationName(km->rel))));
	km->centroids = KMeansAlloc(sizeof(float) * km->k * km->dim);
	KMeansInit(km);
	KMeansRun(km, iterations);
}

/*
 * KMeansFromArgs
 *		Cluster as both functions' arguments say; false when an argument
 *		other than k is NULL (no rows then, as for a strict function).  Every
 *		argument is checked before the table is opened.
 */
static bool
KMeansFromArgs(KMeans *km, FunctionCallInfo fcinfo)
{
	int			k;
	int			iterations;
	int64		sample_rows;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(4) || PG_ARGISNULL(5))
		return false;
	k = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	iterations = PG_GETARG_INT32(3);
	sample_rows = PG_GETARG_INT64(4);

	if (!PG_ARGISNULL(2) && (k < 1 || k > KMEANS_MAX_K))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", KMEANS_MAX_K)));
	if (iterations < 0 || iterations > KMEANS_MAX_ITERATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must be between 0 and %d",
						KMEANS_MAX_ITERATIONS)));
	if (sample_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_rows must be at least 1")));
	if (k > sample_rows)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is larger than sample_rows (%lld)",
						k, (long long) sample_rows),
				 errdetail("Every cluster starts from a sampled vector.")));

	KMeansOpen(km, fcinfo, PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(1)),
			   sample_rows, PG_GETARG_INT32(5));
	KMeansCompute(km, k, iterations);
	return true;
}

/*
 * hnsw_kmeans
 *		SQL function hnsw_kmeans(tbl, col, k, iterations, sample_rows, seed):
 *		the centroids, numbered from 1.
 */
Datum
hnsw_kmeans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KMeans		km;

	InitMaterializedSRF(fcinfo, 0);
	if (!KMeansFromArgs(&km, fcinfo))
		return (Datum) 0;
	for (int c = 0; c < km.k; c++)
	{
		Vector	   *v = InitVector(km.dim);
		Datum		values[2];
		bool		nulls[2] = {0};

		memcpy(v->x, KMeansCentroid(&km, c), sizeof(float) * km.dim);
		values[0] = Int32GetDatum(c + 1);
		values[1] = PointerGetDatum(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	KMeansClose(&km);
	return (Datum) 0;
}

/* What hnsw_cluster_stats gathers per cluster over the whole table */
typedef struct ClusterTally
{
	int64	   *size;
	double	   *sum;
	double	   *max;
} ClusterTally;

/* KMeansScan callback: assign a row to its nearest centroid */
static void
TallyRow(KMeans *km, const float *x, void *arg)
{
	ClusterTally *t = (ClusterTally *) arg;
	double		d1;
	double		d2;
	int			c = NearestTwo(km, x, &d1, &d2);

	t->size[c]++;
	t->sum[c] += d1;
	t->max[c] = Max(t->max[c], d1);
}

/*
 * hnsw_cluster_stats
 *		SQL function hnsw_cluster_stats(tbl, col, k, iterations, sample_rows,
 *		seed): per cluster, its size over the whole table, the mean and
 *		largest distance of its rows to the centroid, and the nearest other
 *		centroid and its distance.
 */
Datum
hnsw_cluster_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	KMeans		km;
	ClusterTally t;

	InitMaterializedSRF(fcinfo, 0);
	if (!KMeansFromArgs(&km, fcinfo))
		return (Datum) 0;

	t.size = palloc0(sizeof(int64) * km.k);
	t.sum = palloc0(sizeof(double) * km.k);
	t.max = palloc0(sizeof(double) * km.k);
	KMeansScan(&km, TallyRow, &t);

	for (int c = 0; c < km.k; c++)
	{
		Datum		values[7];
		bool		nulls[7] = {0};
		double		gap = DBL_MAX;
		int			nearest = -1;

		CHECK_FOR_INTERRUPTS();
		for (int o = 0; o < km.k; o++)
		{
			double		d;

			if (o == c)
				continue;
			d = Distance(km.dim, KMeansCentroid(&km, c), KMeansCentroid(&km, o));
			if (d < gap)
			{
				gap = d;
				nearest = o;
			}
		}
		values[0] = Int32GetDatum(c + 1);
		values[1] = Int64GetDatum(t.size[c]);
		if (t.size[c] > 0)
		{
			values[2] = Float8GetDatum(t.sum[c] / t.size[c]);
			values[3] = Float8GetDatum(t.max[c]);
		}
		else
			nulls[2] = nulls[3] = true;
		if (nearest >= 0)
		{
			values[4] = Int32GetDatum(nearest + 1);
			values[5] = Float8GetDatum(gap);
			/* how far apart the clusters are, in units of their spread */
			if (t.size[c] > 0 && t.sum[c] > 0)
				values[6] = Float8GetDatum(gap / (t.sum[c] / t.size[c]));
			else
				nulls[6] = true;
		}
		else
			nulls[4] = nulls[5] = nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	KMeansClose(&km);
	return (Datum) 0;
}
