/*-------------------------------------------------------------------------
 *
 * sparse_kernel_test.c
 *	  Check the sparse vector distance kernels against dense computations.
 *
 * The kernels of src/sparsevec_distance.c merge two sorted index lists and
 * must give exactly what the dense kernels give for the same vectors with
 * the zeros written out: the same float4 terms, added in the same order.
 * This program draws pairs of sparse vectors, writes each out densely, and
 * compares every kernel's result bit for bit with a plain dense loop over
 * all dimensions written here (squared L2, inner product, L1 and cosine
 * distance, the last as distance.c computes it).  NaN matches NaN.
 *
 * The pairs combine a dimension count (1 to MAX_DIM), a way the two index
 * sets overlap (independent random densities, identical, disjoint and
 * interleaved, one inside the other, one or both empty, a single element,
 * one set before the other) and a kind of value (uniform, widely spread
 * exponents, huge values whose sums overflow, subnormals, small integers).
 * A few pairs with known answers check the dense loops themselves.
 *
 * Each index and value array ends right before an inaccessible page, so a
 * kernel that reads past the last element crashes the program.
 *
 * Exit status 0: every comparison passed (a summary on stdout); 1: a
 * mismatch (described on stderr); 2: set-up error.
 *
 * Built and run by test/t/023_sparse_kernels.pl; it links only
 * src/sparsevec_distance.c, which needs nothing from the backend:
 *	gcc -O2 -I`pg_config --includedir-server` -Isrc \
 *		test/kernels/sparse_kernel_test.c src/sparsevec_distance.c -lm
 *
 * test/kernels/sparse_kernel_test.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sparsevec_distance.h"

/*
 * port.h sends these to libpgport's implementations, which this program
 * does not link; use the C library's.
 */
#undef printf
#undef fprintf

/* The dense loops must round every product, as the kernels do */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

#define MAX_DIM			3000
#define TRIALS			12		/* pairs per dimension, overlap, values */
#define MAX_REPORTS		20		/* mismatches described, then quiet */

#define EXIT_MISMATCH	1
#define EXIT_ERROR		2

static long comparisons;
static long mismatches;
static long nonfinite;			/* comparisons of an infinite or NaN result */
static long elements;			/* non-zero elements merged, both sides */

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64, fixed seed, so every run sees the same data.
 * ------------------------------------------------------------------------
 */
static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t
rand64(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) */
static double
rand_unit(void)
{
	return (rand64() >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi] */
static int
rand_int(int lo, int hi)
{
	return lo + (int) (rand64() % (uint64_t) (hi - lo + 1));
}

static float
rand_sign(void)
{
	return (rand64() & 1) ? 1.0f : -1.0f;
}

/* ------------------------------------------------------------------------
 * Values: never zero, as a sparse vector stores none
 * ------------------------------------------------------------------------
 */
typedef float (*ValueFn) (void);

static float
value_uniform(void)
{
	return (float) (2.0 * rand_unit() - 1.0);
}

/* magnitudes from about 1e-18 to 2e18: squares span the float range */
static float
value_wide(void)
{
	return rand_sign() * ldexpf((float) (1.0 + rand_unit()), rand_int(-60, 60));
}

/* near +-1e19: squares overflow, so do long sums of products */
static float
value_huge(void)
{
	return rand_sign() * (float) ((0.5 + 0.5 * rand_unit()) * 1e19);
}

/* subnormal: products and squares underflow to zero */
static float
value_subnormal(void)
{
	float		mantissa = (float) (1.0 + rand_unit());

	return rand_sign() * ldexpf(mantissa, rand_int(-149, -127));
}

/* small integers: every sum is exact */
static float
value_integer(void)
{
	return (float) (rand_int(1, 20) * (int) rand_sign());
}

typedef struct ValueKind
{
	const char *name;
	ValueFn		fn;
} ValueKind;

static const ValueKind value_kinds[] = {
	{"uniform", value_uniform},
	{"wide exponents", value_wide},
	{"huge", value_huge},
	{"subnormal", value_subnormal},
	{"integers", value_integer},
};

#define NVALUEKINDS ((int) (sizeof(value_kinds) / sizeof(value_kinds[0])))

/* ------------------------------------------------------------------------
 * Overlaps: which of dim positions a and b hold (in_a, in_b set to true)
 * ------------------------------------------------------------------------
 */
typedef void (*OverlapFn) (int dim, bool *in_a, bool *in_b);

static void
overlap_random(int dim, bool *in_a, bool *in_b)
{
	double		da = rand_unit();
	double		db = rand_unit();

	for (int i = 0; i < dim; i++)
	{
		in_a[i] = rand_unit() < da;
		in_b[i] = rand_unit() < db;
	}
}

static void
overlap_identical(int dim, bool *in_a, bool *in_b)
{
	double		d = rand_unit();

	for (int i = 0; i < dim; i++)
		in_a[i] = in_b[i] = rand_unit() < d;
}

static void
overlap_interleaved(int dim, bool *in_a, bool *in_b)
{
	for (int i = 0; i < dim; i++)
	{
		in_a[i] = (i % 2 == 0);
		in_b[i] = (i % 2 == 1);
	}
}

static void
overlap_subset(int dim, bool *in_a, bool *in_b)
{
	double		d = rand_unit();

	for (int i = 0; i < dim; i++)
	{
		in_a[i] = rand_unit() < d;
		in_b[i] = in_a[i] && rand_unit() < 0.5;
	}
}

static void
overlap_one_empty(int dim, bool *in_a, bool *in_b)
{
	double		d = rand_unit();

	for (int i = 0; i < dim; i++)
	{
		in_a[i] = false;
		in_b[i] = rand_unit() < d;
	}
}

static void
overlap_both_empty(int dim, bool *in_a, bool *in_b)
{
	memset(in_a, 0, sizeof(bool) * dim);
	memset(in_b, 0, sizeof(bool) * dim);
}

static void
overlap_single(int dim, bool *in_a, bool *in_b)
{
	memset(in_a, 0, sizeof(bool) * dim);
	memset(in_b, 0, sizeof(bool) * dim);
	in_a[rand_int(0, dim - 1)] = true;
	in_b[rand_int(0, dim - 1)] = true;
}

/* all of a's positions come before all of b's, or the other way round */
static void
overlap_apart(int dim, bool *in_a, bool *in_b)
{
	int			split = rand_int(0, dim);
	bool		a_first = rand64() & 1;

	for (int i = 0; i < dim; i++)
	{
		in_a[i] = (i < split) == a_first;
		in_b[i] = !in_a[i];
	}
}

typedef struct Overlap
{
	const char *name;
	OverlapFn	fn;
	bool		swap;			/* also try with a and b exchanged */
} Overlap;

static const Overlap overlaps[] = {
	{"random densities", overlap_random, false},
	{"identical", overlap_identical, false},
	{"interleaved", overlap_interleaved, true},
	{"subset", overlap_subset, true},
	{"one empty", overlap_one_empty, true},
	{"both empty", overlap_both_empty, false},
	{"single elements", overlap_single, false},
	{"apart", overlap_apart, true},
};

#define NOVERLAPS ((int) (sizeof(overlaps) / sizeof(overlaps[0])))

/* ------------------------------------------------------------------------
 * Guarded arrays: each ends where an inaccessible page begins
 * ------------------------------------------------------------------------
 */
typedef struct Guarded
{
	char	   *guard;			/* first byte of the inaccessible page */
} Guarded;

static void
guarded_init(Guarded *g, size_t bytes)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		data_pages = (bytes + page - 1) / page;
	char	   *base;

	base = mmap(NULL, (data_pages + 1) * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
	{
		perror("mmap");
		exit(EXIT_ERROR);
	}
	g->guard = base + data_pages * page;
	if (mprotect(g->guard, page, PROT_NONE) != 0)
	{
		perror("mprotect");
		exit(EXIT_ERROR);
	}
}

/* room for n 4-byte elements, ending at the guard page */
static void *
guarded_place(Guarded *g, int n)
{
	return g->guard - sizeof(int32) * (size_t) n;
}

/* ------------------------------------------------------------------------
 * Dense computations, over every dimension, zeros included
 * ------------------------------------------------------------------------
 */
static float
dense_l2_squared(int dim, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
	{
		float		diff = a[i] - b[i];

		sum += diff * diff;
	}
	return sum;
}

static float
dense_inner_product(int dim, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += a[i] * b[i];
	return sum;
}

static float
dense_l1(int dim, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

static double
dense_cosine(int dim, const float *a, const float *b)
{
	float		dot = 0.0f;
	float		norma = 0.0f;
	float		normb = 0.0f;
	double		similarity;

	for (int i = 0; i < dim; i++)
	{
		dot += a[i] * b[i];
		norma += a[i] * a[i];
		normb += b[i] * b[i];
	}
	similarity = (double) dot / sqrt((double) norma * (double) normb);
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	return 1.0 - similarity;
}

/* ------------------------------------------------------------------------
 * Comparisons
 * ------------------------------------------------------------------------
 */

/* What is being compared, for the messages */
static const char *current_overlap = "(none)";
static const char *current_values = "(none)";
static int	current_dim;

static void
check(const char *metric, double got, double want, int nnz_a, int nnz_b)
{
	bool		same = (isnan(got) && isnan(want)) ||
		memcmp(&got, &want, sizeof(double)) == 0;

	comparisons++;
	if (!isfinite(want))
		nonfinite++;
	if (same)
		return;
	if (++mismatches <= MAX_REPORTS)
		fprintf(stderr,
				"mismatch: %s, dim %d, overlap \"%s\", values \"%s\", "
				"nnz %d and %d: kernel %.17g, dense %.17g\n",
				metric, current_dim, current_overlap, current_values,
				nnz_a, nnz_b, got, want);
}

/* scratch space for one pair */
static bool in_a[MAX_DIM];
static bool in_b[MAX_DIM];
static float dense_a[MAX_DIM];
static float dense_b[MAX_DIM];
static Guarded guard_ia, guard_xa, guard_ib, guard_xb;

/*
 * Gather the non-zero elements of a dense array into guarded index and
 * value arrays; returns their number.
 */
static int
gather(int dim, const float *dense, Guarded *gi, Guarded *gx,
	   int32 **indices, float **values)
{
	int			nnz = 0;

	for (int i = 0; i < dim; i++)
		nnz += (dense[i] != 0.0f);
	*indices = guarded_place(gi, nnz);
	*values = guarded_place(gx, nnz);
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		if (dense[i] != 0.0f)
		{
			(*indices)[nnz] = i;
			(*values)[nnz] = dense[i];
			nnz++;
		}
	}
	return nnz;
}

/* Compare every kernel with the dense loops on dense_a and dense_b */
static void
compare_pair(int dim)
{
	int32	   *ia;
	int32	   *ib;
	float	   *xa;
	float	   *xb;
	int			na = gather(dim, dense_a, &guard_ia, &guard_xa, &ia, &xa);
	int			nb = gather(dim, dense_b, &guard_ib, &guard_xb, &ib, &xb);

	elements += na + nb;
	check("l2_squared", SparseL2SquaredDistance(na, ia, xa, nb, ib, xb),
		  dense_l2_squared(dim, dense_a, dense_b), na, nb);
	check("inner_product", SparseInnerProduct(na, ia, xa, nb, ib, xb),
		  dense_inner_product(dim, dense_a, dense_b), na, nb);
	check("l1", SparseL1Distance(na, ia, xa, nb, ib, xb),
		  dense_l1(dim, dense_a, dense_b), na, nb);
	check("cosine", SparseCosineDistance(na, ia, xa, nb, ib, xb),
		  dense_cosine(dim, dense_a, dense_b), na, nb);
}

/* Draw one pair with the given overlap and values, and compare */
static void
trial(int dim, const Overlap *overlap, const ValueKind *values)
{
	current_dim = dim;
	current_overlap = overlap->name;
	current_values = values->name;

	overlap->fn(dim, in_a, in_b);
	for (int i = 0; i < dim; i++)
	{
		dense_a[i] = in_a[i] ? values->fn() : 0.0f;
		dense_b[i] = in_b[i] ? values->fn() : 0.0f;
	}
	compare_pair(dim);

	if (overlap->swap)
	{
		for (int i = 0; i < dim; i++)
		{
			float		t = dense_a[i];

			dense_a[i] = dense_b[i];
			dense_b[i] = t;
		}
		compare_pair(dim);
	}
}

/*
 * Pairs with answers worked out by hand, so that a mistake shared by the
 * kernels and the dense loops cannot pass: [1,0,3,0] and [0,2,1,-1].
 */
static void
known_answers(void)
{
	static const int32 ia[] = {0, 2};
	static const float xa[] = {1, 3};
	static const int32 ib[] = {1, 2, 3};
	static const float xb[] = {2, 1, -1};

	current_dim = 4;
	current_overlap = "hand-made";
	current_values = "hand-made";
	check("l2_squared", SparseL2SquaredDistance(2, ia, xa, 3, ib, xb),
		  10.0, 2, 3);
	check("inner_product", SparseInnerProduct(2, ia, xa, 3, ib, xb), 3.0, 2, 3);
	check("l1", SparseL1Distance(2, ia, xa, 3, ib, xb), 6.0, 2, 3);
	check("cosine", SparseCosineDistance(2, ia, xa, 3, ib, xb),
		  1.0 - 3.0 / sqrt(60.0), 2, 3);
	/* against a zero vector: the norm, NaN for cosine */
	check("l2_squared", SparseL2SquaredDistance(2, ia, xa, 0, ib, xb),
		  10.0, 2, 0);
	check("inner_product", SparseInnerProduct(0, ia, xa, 3, ib, xb), 0.0, 0, 3);
	check("l1", SparseL1Distance(0, ia, xa, 3, ib, xb), 4.0, 0, 3);
	check("cosine", SparseCosineDistance(2, ia, xa, 0, ib, xb), NAN, 2, 0);
}

int
main(void)
{
	int			dims = 0;

	guarded_init(&guard_ia, sizeof(int32) * MAX_DIM);
	guarded_init(&guard_xa, sizeof(float) * MAX_DIM);
	guarded_init(&guard_ib, sizeof(int32) * MAX_DIM);
	guarded_init(&guard_xb, sizeof(float) * MAX_DIM);

	known_answers();

	/* every dimension up to 64, then a growing step up to MAX_DIM */
	for (int dim = 1; dim <= MAX_DIM; dim += (dim < 64 ? 1 : dim / 8))
	{
		dims++;
		for (int o = 0; o < NOVERLAPS; o++)
			for (int v = 0; v < NVALUEKINDS; v++)
				for (int t = 0; t < TRIALS; t++)
					trial(dim, &overlaps[o], &value_kinds[v]);
	}

	printf("%ld comparisons (%ld of infinite or NaN results) over %d "
		   "dimension counts up to %d, %d overlaps, %d kinds of values, "
		   "%ld non-zero elements: %ld mismatches\n",
		   comparisons, nonfinite, dims, MAX_DIM, NOVERLAPS, NVALUEKINDS,
		   elements, mismatches);

	return mismatches == 0 ? 0 : EXIT_MISMATCH;
}
