/*-------------------------------------------------------------------------
 *
 * kernel_test.c
 *	  Check the distance kernels the index uses against the exact scalar ones.
 *
 * DistanceInit() points the index's kernels (squared L2, inner product, L1)
 * at the widest SIMD code the CPU supports, capped by the environment
 * variable HNSWEXT_KERNEL (scalar, avx2, avx512).  This program calls it,
 * checks that it chose what the environment and the CPU call for, and then
 * compares the chosen kernels with the scalar kernels of distance.c for
 * every dimension from 1 to MAX_DIM, on a series of input patterns: random
 * values, values with widely spread exponents, huge values (near +-1e18, so
 * that squares are still finite in float), subnormals, zeros, equal and
 * opposite vectors, alternating huge and tiny elements, and small integers
 * whose sums are exact in any order.  Each result is also checked against
 * the sum computed in long double.
 *
 * The halfvec kernels are checked the same way, on patterns whose values
 * fit in a half; their scalar kernels must also give exactly what the
 * float4 scalar kernels give on the halves' float4 values.  Before the
 * kernels, the half <-> float4 conversions of half.h are checked: every one
 * of the 65,536 halves converts to its exact value and back, floats at and
 * around every rounding boundary (each midpoint between neighbouring
 * halves) round to the nearest half with ties to even, float edge cases
 * (zeros, subnormals, the limits, infinities, NaN) convert as IEEE says,
 * and, when the CPU has F16C, the portable code agrees with the hardware on
 * all halves, on all those floats and on millions of random ones.
 *
 * Each input vector ends right before an inaccessible page, so a kernel
 * that reads past the last element crashes the program.
 *
 * Usage: HNSWEXT_KERNEL=scalar|avx2|avx512 kernel_test (or unset: the
 * widest the CPU has).  Exit status 0: every comparison passed; 1: a
 * mismatch or a wrong kernel choice (described on stderr); 77: the CPU
 * lacks the requested instruction set, nothing was tested; 2: usage or
 * set-up error.
 *
 * Built and run by test/t/020_kernels.pl; it links only src/distance.c and
 * src/distance_simd.c (and includes src/half.h), which need nothing from
 * the backend:
 *	gcc -O2 -I`pg_config --includedir-server` -Isrc \
 *		test/kernels/kernel_test.c src/distance.c src/distance_simd.c -lm
 *
 * test/kernels/kernel_test.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "distance.h"
#include "half.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_F16C 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/*
 * port.h sends these to libpgport's implementations, which this program
 * does not link; use the C library's.
 */
#undef printf
#undef fprintf
#undef snprintf
#undef vfprintf

#define MAX_DIM			2000
#define TRIALS			2		/* random inputs per pattern and dimension */
#define MAX_REPORTS		20		/* mismatches described before going quiet */

#define EXIT_MISMATCH	1
#define EXIT_ERROR		2
#define EXIT_SKIP		77

/* Unit roundoff of float: half the distance from 1 to the next float */
#define FLOAT_U			((long double) FLT_EPSILON / 2)

typedef struct Metric
{
	const char *name;
	DistanceKernel scalar;
	DistanceKernel *chosen;		/* the pointer DistanceInit() set */
	bool		squares;		/* terms (a-b)^2 */
	bool		products;		/* terms a*b; otherwise |a-b| */
	DistanceKernel float_scalar;	/* halfvec kernels: the float4 scalar
									 * kernel that must give the same result
									 * on the halves' values */
	DistanceKernel *exact;		/* halfvec kernels: the SQL functions'
								 * kernel, which must give the scalar
								 * result bit for bit */
} Metric;

static Metric metrics[] = {
	{"l2_squared", L2SquaredDistanceScalar, &L2SquaredDistanceKernel, true, false, NULL, NULL},
	{"inner_product", InnerProductScalar, &InnerProductKernel, false, true, NULL, NULL},
	{"l1", L1DistanceScalar, &L1DistanceKernel, false, false, NULL, NULL},
};

#define NMETRICS	((int) (sizeof(metrics) / sizeof(metrics[0])))

static Metric half_metrics[] = {
	{"half l2_squared", HalfL2SquaredDistanceScalar,
	&HalfL2SquaredDistanceKernel, true, false, L2SquaredDistanceScalar,
	&HalfL2SquaredDistanceExact},
	{"half inner_product", HalfInnerProductScalar, &HalfInnerProductKernel,
	false, true, InnerProductScalar, &HalfInnerProductExact},
	{"half l1", HalfL1DistanceScalar, &HalfL1DistanceKernel, false, false,
	L1DistanceScalar, &HalfL1DistanceExact},
};

#define NHALF_METRICS	((int) (sizeof(half_metrics) / sizeof(half_metrics[0])))

/* Fills a and b (dim elements each) for one trial of a pattern */
typedef void (*PatternFill) (int dim, float *a, float *b);

typedef struct Pattern
{
	const char *name;
	PatternFill fill;
	bool		exact;			/* every sum exact: results must be identical */
} Pattern;

static const char *kernel_name;
static long mismatches;
static long comparisons;
static long overflowed;			/* comparisons where a sum could overflow */
static long double worst_ratio; /* largest |kernel - scalar| / tolerance */
static long double pattern_worst_ratio; /* the same, for the current pattern */

/* What is being computed, for the crash message */
static const char *volatile current_metric = "(none)";
static const char *volatile current_pattern = "(none)";
static volatile int current_dim;

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64, fixed seed, so every run sees the same data.
 * ------------------------------------------------------------------------
 */
static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

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

/* Random sign, mantissa in [1, 2), exponent uniform in [lo, hi] */
static float
rand_exp(int lo, int hi)
{
	return rand_sign() * ldexpf((float) (1.0 + rand_unit()), rand_int(lo, hi));
}

/* +-(0.5 .. 1) * scale */
static float
rand_near(double scale)
{
	return rand_sign() * (float) ((0.5 + 0.5 * rand_unit()) * scale);
}

/* ------------------------------------------------------------------------
 * Input patterns
 * ------------------------------------------------------------------------
 */
static void
fill_uniform(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = (float) (2.0 * rand_unit() - 1.0);
		b[i] = (float) (2.0 * rand_unit() - 1.0);
	}
}

/* Magnitudes from about 1e-18 to 2e18: squares span the whole float range */
static void
fill_wide_exponents(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_exp(-60, 60);
		b[i] = rand_exp(-60, 60);
	}
}

/* Near +-1e18: squares (<= 4e36) are finite, long sums overflow */
static void
fill_huge(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_near(1e18);
		b[i] = rand_near(1e18);
	}
}

/* Huge against ordinary values: inner products stay finite */
static void
fill_huge_vs_unit(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_near(1e18);
		b[i] = (float) (2.0 * rand_unit() - 1.0);
	}
}

/* As large as possible (up to 1e18) while every sum stays below FLT_MAX/8 */
static void
fill_large_finite(int dim, float *a, float *b)
{
	double		scale = fmin(1e18, sqrt(FLT_MAX / 8.0 / (4.0 * dim)));

	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_near(scale);
		b[i] = rand_near(scale);
	}
}

/* Subnormals: every product and square underflows */
static void
fill_subnormal(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_sign() * ldexpf((float) rand_int(1, (1 << 23) - 1), -149);
		b[i] = rand_sign() * ldexpf((float) rand_int(1, (1 << 23) - 1), -149);
	}
}

/* Small normal numbers whose products straddle the subnormal boundary */
static void
fill_tiny(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_exp(-80, -50);
		b[i] = rand_exp(-80, -50);
	}
}

/* Zeros of both signs */
static void
fill_zeros(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_sign() * 0.0f;
		b[i] = rand_sign() * 0.0f;
	}
}

static void
fill_zero_vs_uniform(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = 0.0f;
		b[i] = (float) (2.0 * rand_unit() - 1.0);
	}
}

/* b = a: L2 and L1 are exactly zero */
static void
fill_identical(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
		a[i] = b[i] = rand_exp(-30, 30);
}

/* b = -a: the inner product is minus a sum of squares */
static void
fill_opposite(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_exp(-30, 30);
		b[i] = -a[i];
	}
}

/* Products of alternating sign and equal size: the inner product cancels */
static void
fill_cancelling(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = (float) (2.0 * rand_unit() - 1.0);
		b[i] = (i % 2) ? -a[i] : a[i];
	}
}

/* Alternating huge and subnormal elements, the huge ones in the same places */
static void
fill_alternating(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = (i % 2) ? rand_near(1e-40) : rand_near(1e18);
		b[i] = (i % 2) ? rand_near(1e-40) : rand_near(1e18);
	}
}

/* Alternating huge and subnormal elements, huge meets tiny */
static void
fill_alternating_crossed(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = (i % 2) ? rand_near(1e-40) : rand_near(1e18);
		b[i] = (i % 2) ? rand_near(1e18) : rand_near(1e-40);
	}
}

/*
 * Nonzero integers of magnitude at most 8, times a common power of two.
 * Every term is at most 16^2 = 256 units and MAX_DIM * 256 < 2^24, so every
 * partial sum, in any order, is exact in float: all kernels must return
 * exactly the same number.  This catches a skipped or repeated element that
 * the rounding tolerance of the other patterns could hide.
 */
static void
fill_small_integers(int dim, float *a, float *b)
{
	int			scale = rand_int(-30, 30);

	for (int i = 0; i < dim; i++)
	{
		a[i] = ldexpf(rand_sign() * (float) rand_int(1, 8), scale);
		b[i] = ldexpf(rand_sign() * (float) rand_int(1, 8), scale);
	}
}

static const Pattern patterns[] = {
	{"uniform", fill_uniform, false},
	{"wide exponents", fill_wide_exponents, false},
	{"huge", fill_huge, false},
	{"huge vs unit", fill_huge_vs_unit, false},
	{"large finite", fill_large_finite, false},
	{"subnormal", fill_subnormal, false},
	{"tiny", fill_tiny, false},
	{"zeros", fill_zeros, false},
	{"zero vs uniform", fill_zero_vs_uniform, false},
	{"identical", fill_identical, false},
	{"opposite", fill_opposite, false},
	{"cancelling", fill_cancelling, false},
	{"alternating", fill_alternating, false},
	{"alternating crossed", fill_alternating_crossed, false},
	{"small integers", fill_small_integers, true},
};

#define NPATTERNS	((int) (sizeof(patterns) / sizeof(patterns[0])))

/*
 * Patterns for the halfvec kernels: float values that the test rounds to
 * halves, all within half range (at most 65504 in magnitude).
 */

/* Magnitudes from the smallest subnormal half, 2^-24, to 2^15 */
static void
fill_half_wide_exponents(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_exp(-24, 14);
		b[i] = rand_exp(-24, 14);
	}
}

/* The largest halves, 32752 to 65504 */
static void
fill_half_largest(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_near(65504.0);
		b[i] = rand_near(65504.0);
	}
}

/* Subnormal halves, multiples of 2^-24 below 2^-14 */
static void
fill_half_subnormal(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_sign() * ldexpf((float) rand_int(1, 1023), -24);
		b[i] = rand_sign() * ldexpf((float) rand_int(1, 1023), -24);
	}
}

static void
fill_half_identical(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
		a[i] = b[i] = rand_exp(-14, 14);
}

static void
fill_half_opposite(int dim, float *a, float *b)
{
	for (int i = 0; i < dim; i++)
	{
		a[i] = rand_exp(-14, 14);
		b[i] = -a[i];
	}
}

/*
 * As fill_small_integers, with a common power of two that keeps every
 * value a normal half (8 * 2^10 at most): every sum is exact.
 */
static void
fill_half_small_integers(int dim, float *a, float *b)
{
	int			scale = rand_int(-14, 10);

	for (int i = 0; i < dim; i++)
	{
		a[i] = ldexpf(rand_sign() * (float) rand_int(1, 8), scale);
		b[i] = ldexpf(rand_sign() * (float) rand_int(1, 8), scale);
	}
}

static const Pattern half_patterns[] = {
	{"uniform", fill_uniform, false},
	{"wide exponents", fill_half_wide_exponents, false},
	{"largest", fill_half_largest, false},
	{"subnormal", fill_half_subnormal, false},
	{"zeros", fill_zeros, false},
	{"zero vs uniform", fill_zero_vs_uniform, false},
	{"identical", fill_half_identical, false},
	{"opposite", fill_half_opposite, false},
	{"cancelling", fill_cancelling, false},
	{"small integers", fill_half_small_integers, true},
};

#define NHALF_PATTERNS	((int) (sizeof(half_patterns) / sizeof(half_patterns[0])))

/* ------------------------------------------------------------------------
 * Checking
 * ------------------------------------------------------------------------
 */

/*
 * Rounding bound for one kernel on n terms.
 *
 * Every kernel forms the same terms: a[i] - b[i] is one IEEE subtraction,
 * rounded identically whether done one at a time or in SIMD lanes, so the
 * terms t_i (d^2, a*b or |d|) are the same real numbers for all kernels.
 * They differ in how they add them up: the scalar code rounds each product
 * and adds the terms one after another; the SIMD code fuses each product
 * into its addition (FMA), adds into 8 or 16 lanes (two accumulators), then
 * adds the lanes together and the scalar tail.
 *
 * For any order of summing n numbers in floating point with unit roundoff
 * u = 2^-24, the computed sum differs from the exact one by at most
 * gamma(n-1) * sum |t_i|, where gamma(k) = k u / (1 - k u) (Higham,
 * "Accuracy and Stability of Numerical Algorithms", 2nd ed., section 4.2);
 * rounding each product first adds at most u |t_i| per term.  So each
 * kernel is within gamma(n) * S of the exact sum, S = sum |t_i|, and any
 * two kernels are within 2 gamma(n) * S of each other.  For dim = 2000 that
 * is about 2.4e-4 * S; the error is relative to S, not to the result,
 * because a sum of terms of both signs (the inner product) can cancel to
 * far less than S while keeping errors of the size of S's rounding.
 *
 * The relative bound assumes no underflow.  A result in the subnormal
 * range is instead rounded with an absolute error of at most 2^-150 (half
 * the smallest subnormal); each kernel rounds at most 2n times, so we add
 * 2n * 2^-150 per kernel.
 *
 * The bound is a worst case, far above typical differences (those grow
 * like sqrt(n) u S), so it can hide a small term dropped at a large
 * dimension; the "small integers" pattern, where every sum is exact and
 * results must agree bit for bit, is there for that.
 */
static long double
kernel_error_bound(int n, long double sum_abs)
{
	long double nu = n * FLOAT_U;

	return nu / (1 - nu) * sum_abs + 2.0L * n * ldexpl(1.0L, -150);
}

/*
 * Exact value (in long double: every term is exact there, and the sum's
 * own rounding is 2^-40 times smaller than the float bound) and S, the sum
 * of the terms' magnitudes.
 */
static void
reference_sum(const Metric *m, int dim, const float *a, const float *b,
			  long double *exact, long double *sum_abs)
{
	long double e = 0;
	long double s = 0;

	for (int i = 0; i < dim; i++)
	{
		long double t;

		if (m->products)
			t = (long double) a[i] * (long double) b[i];
		else
		{
			/* the kernels' float subtraction, rounded to float */
			volatile float d = a[i] - b[i];

			t = m->squares ? (long double) d * d : fabsl((long double) d);
		}
		e += t;
		s += fabsl(t);
	}
	*exact = e;
	*sum_abs = s;
}

static void
report(const Metric *m, const Pattern *p, int dim, int trial,
	   const char *what, float scalar, float kernel, long double exact,
	   long double tolerance)
{
	mismatches++;
	if (mismatches > MAX_REPORTS)
		return;
	fprintf(stderr,
			"MISMATCH kernel %s, %s, pattern \"%s\", dim %d, trial %d: %s\n"
			"    scalar %.9g (%a), kernel %.9g (%a), exact %.12Lg,"
			" tolerance %.3Lg\n",
			kernel_name, m->name, p->name, dim, trial, what,
			scalar, scalar, kernel, kernel, exact, tolerance);
}

/*
 * Whether float result r is consistent with a sum whose exact value is
 * exact, given S = sum_abs and the rounding bound.  Overflow: a finite
 * result means no operation overflowed, so the bound applies; a non-finite
 * one is allowed only if some ordering of the sum could exceed FLT_MAX, and
 * required when every ordering must (non-negative terms only).
 */
static bool
consistent(float r, long double exact, long double sum_abs, long double bound,
		   bool nonnegative)
{
	long double max_sum = sum_abs + bound;

	if (isfinite(r))
	{
		if (nonnegative && exact - bound > (long double) FLT_MAX * (1 + FLOAT_U))
			return false;
		return fabsl((long double) r - exact) <= bound;
	}
	if (max_sum <= FLT_MAX)
		return false;
	if (nonnegative)
		return isinf(r) && r > 0;
	return true;
}

/*
 * Compare metric m's chosen kernel with its scalar one and the exact sum,
 * for one input: va and vb are the kernels' inputs, fa and fb their values
 * as float4 (the same arrays for the float4 kernels).
 */
static void
check_metric(const Metric *m, const Pattern *p, int dim, int trial,
			 const void *va, const void *vb, const float *fa, const float *fb)
{
	float		scalar;
	float		kernel;
	long double exact;
	long double sum_abs;
	long double bound;
	bool		nonnegative = !m->products;

	current_metric = m->name;
	current_pattern = p->name;
	current_dim = dim;
	scalar = m->scalar(dim, va, vb);
	kernel = (*m->chosen) (dim, va, vb);
	reference_sum(m, dim, fa, fb, &exact, &sum_abs);
	bound = kernel_error_bound(dim, sum_abs);
	comparisons++;
	if (sum_abs + bound > FLT_MAX)
		overflowed++;

	/* a halfvec scalar kernel is the float4 one on the halves' values */
	if (m->float_scalar != NULL)
	{
		float		float_scalar = m->float_scalar(dim, fa, fb);

		if (memcmp(&float_scalar, &scalar, sizeof(float)) != 0)
			report(m, p, dim, trial,
				   "half scalar kernel differs from the float4 one",
				   float_scalar, scalar, exact, 0);
	}

	/* the SQL functions' kernel is the scalar one, bit for bit */
	if (m->exact != NULL)
	{
		float		sql = (*m->exact) (dim, va, vb);

		if (memcmp(&sql, &scalar, sizeof(float)) != 0)
			report(m, p, dim, trial,
				   "exact (SQL) kernel differs from the scalar one",
				   scalar, sql, exact, 0);
	}

	if (p->exact)
	{
		if (scalar != exact || kernel != exact)
			report(m, p, dim, trial, "sum must be exact in every kernel",
				   scalar, kernel, exact, 0);
		return;
	}

	if (!consistent(scalar, exact, sum_abs, bound, nonnegative))
		report(m, p, dim, trial, "scalar kernel outside its error bound",
			   scalar, kernel, exact, bound);
	if (!consistent(kernel, exact, sum_abs, bound, nonnegative))
		report(m, p, dim, trial, "kernel outside its error bound",
			   scalar, kernel, exact, bound);

	/* The comparison the kernels are for: chosen against scalar */
	if (isfinite(scalar) && isfinite(kernel))
	{
		long double diff = fabsl((long double) kernel - scalar);

		if (diff > 2 * bound)
			report(m, p, dim, trial, "kernel differs from scalar",
				   scalar, kernel, exact, 2 * bound);
		else if (diff > 0 && diff / (2 * bound) > pattern_worst_ratio)
			pattern_worst_ratio = diff / (2 * bound);
	}
	else if (isinf(scalar) && isinf(kernel))
	{
		if ((scalar > 0) != (kernel > 0))
			report(m, p, dim, trial, "infinities of opposite sign",
				   scalar, kernel, exact, 0);
	}
	else if (sum_abs + bound <= FLT_MAX)
		report(m, p, dim, trial, "non-finite result without overflow",
			   scalar, kernel, exact, 2 * bound);
}

/*
 * Compare the chosen float4 kernels with the scalar ones and the exact
 * sums, for one input.
 */
static void
check_input(const Pattern *p, int dim, int trial, const float *a,
			const float *b)
{
	for (int mi = 0; mi < NMETRICS; mi++)
		check_metric(&metrics[mi], p, dim, trial, a, b, a, b);
}

/*
 * The same for the halfvec kernels: a and b are rounded to the halves ha
 * and hb, and then replaced by the halves' values.
 */
static void
check_half_input(const Pattern *p, int dim, int trial, float *a, float *b,
				 half *ha, half *hb)
{
	for (int i = 0; i < dim; i++)
	{
		ha[i] = Float4ToHalfPortable(a[i]);
		hb[i] = Float4ToHalfPortable(b[i]);
		if (HalfIsSpecial(ha[i]) || HalfIsSpecial(hb[i]))
		{
			fprintf(stderr, "kernel_test: pattern \"%s\" made a value out of "
					"half range\n", p->name);
			exit(EXIT_ERROR);
		}
		a[i] = HalfToFloat4Portable(ha[i]);
		b[i] = HalfToFloat4Portable(hb[i]);
	}

	for (int mi = 0; mi < NHALF_METRICS; mi++)
		check_metric(&half_metrics[mi], p, dim, trial, ha, hb, a, b);
}

/* write() a string from a signal handler */
static void
write_str(const char *s)
{
	ssize_t		rc = write(STDERR_FILENO, s, strlen(s));

	(void) rc;
}

/*
 * A kernel that reads past the end of a vector touches the guard page and
 * gets SIGSEGV: say which computation it was, then die of the signal.
 */
static void
crash_handler(int signo)
{
	char		digits[16];
	int			pos = sizeof(digits) - 1;
	int			dim = current_dim;

	digits[pos] = '\0';
	do
	{
		digits[--pos] = '0' + dim % 10;
		dim /= 10;
	} while (dim > 0 && pos > 0);

	write_str("FAIL: crashed (");
	write_str(signo == SIGSEGV ? "SIGSEGV" : "signal");
	write_str(") computing ");
	write_str(current_metric);
	write_str(", pattern \"");
	write_str(current_pattern);
	write_str("\", dim ");
	write_str(digits + pos);
	write_str(": a kernel read outside its vectors (they end at an "
			  "unreadable page)\n");
	signal(signo, SIG_DFL);
	raise(signo);
}

/*
 * Memory for one vector of up to MAX_DIM floats, followed by a page that
 * cannot be read.  Returns the address just past the usable part: a vector
 * of n elements starts n floats before it.
 */
static float *
guarded_end(void)
{
	long		page = sysconf(_SC_PAGESIZE);
	size_t		usable = ((MAX_DIM * sizeof(float) + page - 1) / page) * page;
	char	   *base;

	base = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
	{
		perror("kernel_test: mmap");
		exit(EXIT_ERROR);
	}
	if (mprotect(base + usable, page, PROT_NONE) != 0)
	{
		perror("kernel_test: mprotect");
		exit(EXIT_ERROR);
	}
	return (float *) (base + usable);
}

/* ------------------------------------------------------------------------
 * Half <-> float4 conversions (half.h)
 * ------------------------------------------------------------------------
 */
static long conversion_checks;
static long conversion_failures;
static bool have_f16c;

static uint32_t
float_bits(float f)
{
	uint32_t	bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

static void
conversion_failure(const char *what, uint32_t input, uint32_t got,
				   uint32_t want)
{
	conversion_failures++;
	if (conversion_failures > MAX_REPORTS)
		return;
	fprintf(stderr, "MISMATCH %s: input 0x%08x gave 0x%08x, expected 0x%08x\n",
			what, (unsigned) input, (unsigned) got, (unsigned) want);
}

/*
 * The value of half h, from its fields, by arithmetic that shares nothing
 * with half.h.  NaN for NaNs.
 */
static float
reference_half_value(half h)
{
	int			exponent = (h >> 10) & 0x1f;
	int			fraction = h & 0x3ff;
	long double value;

	if (exponent == 0x1f)
		value = fraction ? NAN : INFINITY;
	else if (exponent == 0)
		value = ldexpl(fraction, -24);
	else
		value = ldexpl(1024 + fraction, exponent - 25);
	return (float) ((h & 0x8000) ? -value : value);
}

/*
 * The half nearest to f, ties to even, by arithmetic that shares nothing
 * with half.h: the magnitude in units of the half's spacing at that
 * magnitude, rounded by nearbyintl() (the default rounding mode rounds ties
 * to even).  NaN gives 0x7e00 with f's sign; only its NaN-ness is checked.
 */
static half
reference_float_to_half(float f)
{
	half		sign = signbit(f) ? 0x8000 : 0;
	long double x = fabsl((long double) f);
	long double units;
	int			exponent;

	if (isnan(f))
		return sign | 0x7e00;
	if (x >= 65520.0L)
		return sign | 0x7c00;
	if (x < ldexpl(1.0L, -14))
		return sign | (half) nearbyintl(x * ldexpl(1.0L, 24));

	/* x = m * 2^exponent with m in [0.5, 1): the half's spacing is 2^(exponent - 11) */
	frexpl(x, &exponent);
	units = nearbyintl(ldexpl(x, 11 - exponent));
	/* units in [1024, 2048]; 2048 is the next binade's first half */
	return sign | (half) (((exponent + 14) << 10) + (int) units - 1024);
}

#ifdef HAVE_X86_F16C
__attribute__((target("f16c")))
static float
hardware_half_to_float(half h)
{
	return _cvtsh_ss(h);
}

__attribute__((target("f16c")))
static half
hardware_float_to_half(float f)
{
	return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}
#endif

/*
 * Check Float4ToHalfPortable(f) against the reference and, when the CPU has
 * it, the hardware; NaN only has to stay NaN of the same sign.
 */
static void
check_float_to_half(float f)
{
	half		got = Float4ToHalfPortable(f);
	half		want = reference_float_to_half(f);

	conversion_checks++;
	if (isnan(f))
	{
		if (!HalfIsNan(got) || (got & 0x8000) != (want & 0x8000))
			conversion_failure("Float4ToHalfPortable(NaN)", float_bits(f),
							   got, want);
	}
	else if (got != want)
		conversion_failure("Float4ToHalfPortable", float_bits(f), got, want);

#ifdef HAVE_X86_F16C
	if (have_f16c && got != hardware_float_to_half(f))
		conversion_failure("Float4ToHalfPortable against F16C", float_bits(f),
						   got, hardware_float_to_half(f));
#endif
}

/*
 * The conversions: every half, every rounding boundary, edge cases, random
 * floats.  Returns the number of failures.
 */
static long
check_half_conversions(void)
{
	static const float edge_cases[] = {
		0.0f, FLT_TRUE_MIN, FLT_MIN, 1.0f, 1.5f, 2.0f, 0.1f, 1.0f / 3,
		2048.0f, 2049.0f, 2051.0f, 65504.0f, 65519.0f, 65519.996f, 65520.0f,
		65536.0f, 1e6f, FLT_MAX, INFINITY, NAN,
		0x1p-25f, 0x1.000002p-25f, 0x1.fffffep-26f, 0x1p-24f, 0x1.8p-24f,
		0x1.4p-23f, 0x1.ffcp-15f, 0x1.ff8p-15f, 0x1p-14f, 0x1.002p0f,
		0x1.006p0f, 0x1.004p0f,
	};
	long		random_floats = 1 << 22;
	long		boundaries = 0;

#ifdef HAVE_X86_F16C
	unsigned int eax,
				ebx,
				ecx,
				edx;

	have_f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
#endif

	/* every half converts to its exact value and back */
	for (uint32_t h = 0; h <= 0xffff; h++)
	{
		float		got = HalfToFloat4Portable((half) h);
		float		want = reference_half_value((half) h);
		half		back = Float4ToHalfPortable(got);

		conversion_checks++;
		if (HalfIsNan((half) h))
		{
			/* a NaN keeps its sign and the low bits of its payload */
			if (!isnan(got) || (signbit(got) != 0) != ((h & 0x8000) != 0) ||
				((float_bits(got) >> 13) & 0x1ff) != (h & 0x1ff))
				conversion_failure("HalfToFloat4Portable(NaN)", h,
								   float_bits(got), float_bits(want));
			if (!HalfIsNan(back) || (back & 0x8000) != (h & 0x8000))
				conversion_failure("Float4ToHalfPortable(NaN) round trip", h,
								   back, h);
		}
		else
		{
			if (float_bits(got) != float_bits(want))
				conversion_failure("HalfToFloat4Portable", h,
								   float_bits(got), float_bits(want));
			if (back != h)
				conversion_failure("half -> float4 -> half", h, back, h);
		}
#ifdef HAVE_X86_F16C
		if (have_f16c &&
			float_bits(got) != float_bits(hardware_half_to_float((half) h)))
			conversion_failure("HalfToFloat4Portable against F16C", h,
							   float_bits(got),
							   float_bits(hardware_half_to_float((half) h)));
#endif
	}

	/*
	 * Each midpoint between neighbouring finite halves (12 significant bits,
	 * so exact in float4), the floats next to it, and the halves themselves;
	 * the last midpoint, 65520, is where the range ends.  Both signs.
	 */
	for (uint32_t h = 0; h < 0x7bff + 1; h++)
	{
		float		lo = reference_half_value((half) h);
		float		hi = h == 0x7bff ? 65536.0f : reference_half_value((half) (h + 1));
		float		mid = (float) (((double) lo + (double) hi) / 2);
		float		probes[] = {
			lo, mid, nextafterf(mid, 0), nextafterf(mid, INFINITY),
			nextafterf(nextafterf(mid, 0), 0),
			nextafterf(nextafterf(mid, INFINITY), INFINITY),
		};

		for (int i = 0; i < (int) lengthof(probes); i++)
		{
			check_float_to_half(probes[i]);
			check_float_to_half(-probes[i]);
			boundaries += 2;
		}
	}

	for (int i = 0; i < (int) lengthof(edge_cases); i++)
	{
		check_float_to_half(edge_cases[i]);
		check_float_to_half(-edge_cases[i]);
	}

	/*
	 * Random floats: half of them any bit pattern (mostly far outside half
	 * range, some NaNs), half of them with an exponent within or near it.
	 */
	for (long i = 0; i < random_floats; i++)
	{
		uint32_t	bits = (uint32_t) rand64();
		float		f;

		if (i % 2)
			bits = (bits & 0x807fffff) | ((uint32_t) rand_int(127 - 26, 127 + 16) << 23);
		memcpy(&f, &bits, sizeof(f));
		check_float_to_half(f);
	}

	printf("half conversions: all 65536 halves, %ld floats at rounding "
		   "boundaries, %d edge cases, %ld random floats%s: %ld checks, "
		   "%ld mismatches\n",
		   boundaries, (int) lengthof(edge_cases) * 2, random_floats,
		   have_f16c ? ", each also against F16C" : " (no F16C to compare with)",
		   conversion_checks, conversion_failures);
	return conversion_failures;
}

/*
 * The kernel family DistanceInit() must choose for the requested cap on
 * this CPU, or NULL (with *why set) if the CPU lacks it.
 */
static const char *
expected_kernel(const char *request, const char **why)
{
	bool		have_avx2 = false;
	bool		have_avx512 = false;

#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	have_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	have_avx512 = __builtin_cpu_supports("avx512f");
#endif

	if (request == NULL)
		return have_avx512 ? "avx512f" : have_avx2 ? "avx2+fma" : "scalar";
	if (strcmp(request, "scalar") == 0)
		return "scalar";
	if (strcmp(request, "avx2") == 0)
	{
		*why = "this CPU lacks AVX2 and FMA";
		return have_avx2 ? "avx2+fma" : NULL;
	}
	if (strcmp(request, "avx512") == 0)
	{
		*why = "this CPU lacks AVX-512F";
		return have_avx512 ? "avx512f" : NULL;
	}
	fprintf(stderr, "kernel_test: HNSWEXT_KERNEL must be scalar, avx2 or "
			"avx512, not \"%s\"\n", request);
	exit(EXIT_ERROR);
}

/*
 * Check Float4ToHalfArray and HalfToFloat4Array against the portable
 * element conversions for every dimension from 1 to MAX_DIM: random values
 * in half range (and some beyond the largest half that still round to it),
 * then the same with one value that is NaN, infinite or rounds to infinity
 * at a random place, the last element among the places (tails), which must
 * make Float4ToHalfArray return false.  The outputs end at guard pages.
 * Returns the number of failures.
 */
static long
check_array_conversions(float *f_end, half *h_end, float *back_end)
{
	static const float bad[] = {NAN, -NAN, INFINITY, -INFINITY, 65520.0f,
	-65520.0f, 1e6f, -FLT_MAX};
	long		failures = 0;

	for (int dim = 1; dim <= MAX_DIM; dim++)
	{
		float	   *f = f_end - dim;
		half	   *h = h_end - dim;
		float	   *back = back_end - dim;

		for (int trial = 0; trial < 3; trial++)
		{
			int			badpos = -1;
			bool		ok;

			for (int i = 0; i < dim; i++)
			{
				switch (rand_int(0, 3))
				{
					case 0:
						f[i] = rand_exp(-30, 14);
						break;
					case 1:
						f[i] = rand_sign() * (float) (65504.0 + rand_unit() * 15.9);
						break;
					default:
						f[i] = (float) (rand_unit() * 2 - 1);
						break;
				}
			}
			if (trial > 0)
			{
				badpos = trial == 1 ? dim - 1 : rand_int(0, dim - 1);
				f[badpos] = bad[rand_int(0, (int) lengthof(bad) - 1)];
			}
			ok = Float4ToHalfArray(dim, f, h);
			conversion_checks++;
			if (ok != (badpos < 0))
			{
				if (++failures <= MAX_REPORTS)
					fprintf(stderr, "Float4ToHalfArray(dim %d) returned %s, "
							"bad value at %d\n", dim, ok ? "true" : "false",
							badpos);
				continue;
			}
			if (!ok)
				continue;
			for (int i = 0; i < dim; i++)
			{
				half		want = Float4ToHalfPortable(f[i]);

				if (h[i] != want && ++failures <= MAX_REPORTS)
					fprintf(stderr, "Float4ToHalfArray(dim %d)[%d] of %a: "
							"0x%04x, expected 0x%04x\n", dim, i, (double) f[i],
							h[i], want);
			}
			HalfToFloat4Array(dim, h, back);
			for (int i = 0; i < dim; i++)
			{
				float		want = HalfToFloat4Portable(h[i]);

				if (memcmp(&back[i], &want, sizeof(float)) != 0 &&
					++failures <= MAX_REPORTS)
					fprintf(stderr, "HalfToFloat4Array(dim %d)[%d] of 0x%04x: "
							"%a, expected %a\n", dim, i, h[i],
							(double) back[i], (double) want);
			}
		}
	}
	return failures;
}

int
main(void)
{
	const char *request = getenv("HNSWEXT_KERNEL");
	const char *why = NULL;
	const char *expected = expected_kernel(request, &why);
	float	   *a_end = guarded_end();
	float	   *b_end = guarded_end();
	half	   *ha_end = (half *) guarded_end();
	half	   *hb_end = (half *) guarded_end();

	/* keep the progress lines when the output is a pipe and a kernel crashes */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, crash_handler);
	signal(SIGBUS, crash_handler);

	if (expected == NULL)
	{
		printf("SKIP HNSWEXT_KERNEL=%s: %s\n", request, why);
		return EXIT_SKIP;
	}

	if (check_half_conversions() > 0)
	{
		if (conversion_failures > MAX_REPORTS)
			fprintf(stderr, "(%ld more mismatches not shown)\n",
					conversion_failures - MAX_REPORTS);
		fprintf(stderr, "FAIL: %ld of %ld half conversions mismatched\n",
				conversion_failures, conversion_checks);
		return EXIT_MISMATCH;
	}

	DistanceInit();
	kernel_name = DistanceKernelName();
	printf("HNSWEXT_KERNEL=%s: DistanceInit chose \"%s\"\n",
		   request ? request : "(unset)", kernel_name);
	if (strcmp(kernel_name, expected) != 0)
	{
		fprintf(stderr, "FAIL: expected kernel \"%s\", DistanceInit chose "
				"\"%s\"\n", expected, kernel_name);
		return EXIT_MISMATCH;
	}
	if (strcmp(kernel_name, "scalar") == 0)
	{
		for (int mi = 0; mi < NMETRICS; mi++)
		{
			if (*metrics[mi].chosen != metrics[mi].scalar)
			{
				fprintf(stderr, "FAIL: kernel \"scalar\" chosen but %s does "
						"not point at the scalar function\n", metrics[mi].name);
				return EXIT_MISMATCH;
			}
		}
	}

	/*
	 * The halfvec kernels are scalar with the scalar family, and SIMD with
	 * the others when the CPU has F16C (AVX-512F has its own conversion).
	 */
	for (int mi = 0; mi < NHALF_METRICS; mi++)
	{
		bool		scalar_chosen = *half_metrics[mi].chosen == half_metrics[mi].scalar;
		bool		want_scalar = strcmp(kernel_name, "scalar") == 0 ||
			(strcmp(kernel_name, "avx2+fma") == 0 && !have_f16c);

		if (scalar_chosen != want_scalar)
		{
			fprintf(stderr, "FAIL: kernel \"%s\" chosen but %s %s the scalar "
					"function\n", kernel_name, half_metrics[mi].name,
					scalar_chosen ? "points at" : "does not point at");
			return EXIT_MISMATCH;
		}
	}

	/*
	 * The SQL functions' halfvec kernels and the array conversions: the
	 * portable code with the scalar family, F16C code when the CPU has it.
	 */
	{
		bool		want_scalar = strcmp(kernel_name, "scalar") == 0 || !have_f16c;
		bool		is_scalar = Float4ToHalfArray == Float4ToHalfArrayScalar &&
			HalfToFloat4Array == HalfToFloat4ArrayScalar;

		for (int mi = 0; mi < NHALF_METRICS; mi++)
			if (*half_metrics[mi].exact != half_metrics[mi].scalar)
				is_scalar = false;
		if (is_scalar != want_scalar)
		{
			fprintf(stderr, "FAIL: kernel \"%s\" chosen but the exact halfvec "
					"kernels and conversions are %s\n", kernel_name,
					is_scalar ? "portable" : "not portable");
			return EXIT_MISMATCH;
		}
		printf("  array conversions and exact halfvec kernels: %s\n",
			   is_scalar ? "portable" : "F16C");
	}
	{
		long		failures = check_array_conversions(a_end, ha_end, b_end);

		if (failures > 0)
		{
			fprintf(stderr, "FAIL: %ld array conversion mismatches\n",
					failures);
			return EXIT_MISMATCH;
		}
		printf("  array conversions dims 1-%d: no mismatches\n", MAX_DIM);
	}

	for (int pi = 0; pi < NPATTERNS; pi++)
	{
		const Pattern *p = &patterns[pi];
		long		before = mismatches;
		long		comparisons_before = comparisons;
		long		overflowed_before = overflowed;

		pattern_worst_ratio = 0;
		for (int dim = 1; dim <= MAX_DIM; dim++)
		{
			/* vectors end at the guard page: no reading past dim */
			float	   *a = a_end - dim;
			float	   *b = b_end - dim;

			for (int trial = 0; trial < TRIALS; trial++)
			{
				p->fill(dim, a, b);
				check_input(p, dim, trial, a, b);
			}
		}
		printf("  %-20s dims 1-%d: %6ld comparisons, %5ld could overflow, "
			   "%ld mismatches, largest difference %.2Lf of tolerance\n",
			   p->name, MAX_DIM, comparisons - comparisons_before,
			   overflowed - overflowed_before, mismatches - before,
			   pattern_worst_ratio);
		if (pattern_worst_ratio > worst_ratio)
			worst_ratio = pattern_worst_ratio;
	}

	for (int pi = 0; pi < NHALF_PATTERNS; pi++)
	{
		const Pattern *p = &half_patterns[pi];
		long		before = mismatches;
		long		comparisons_before = comparisons;

		pattern_worst_ratio = 0;
		for (int dim = 1; dim <= MAX_DIM; dim++)
		{
			float	   *a = a_end - dim;
			float	   *b = b_end - dim;
			half	   *ha = ha_end - dim;
			half	   *hb = hb_end - dim;

			for (int trial = 0; trial < TRIALS; trial++)
			{
				p->fill(dim, a, b);
				check_half_input(p, dim, trial, a, b, ha, hb);
			}
		}
		printf("  half %-15s dims 1-%d: %6ld comparisons, "
			   "%ld mismatches, largest difference %.2Lf of tolerance\n",
			   p->name, MAX_DIM, comparisons - comparisons_before,
			   mismatches - before, pattern_worst_ratio);
		if (pattern_worst_ratio > worst_ratio)
			worst_ratio = pattern_worst_ratio;
	}

	if (mismatches > 0)
	{
		if (mismatches > MAX_REPORTS)
			fprintf(stderr, "(%ld more mismatches not shown)\n",
					mismatches - MAX_REPORTS);
		fprintf(stderr, "FAIL: kernel %s: %ld of %ld comparisons mismatched\n",
				kernel_name, mismatches, comparisons);
		return EXIT_MISMATCH;
	}
	printf("largest difference from the scalar kernels: %.3Lg of the "
		   "tolerance\n", worst_ratio);
	printf("PASS: kernel %s matches the scalar kernels in %ld comparisons "
		   "(%d float4 metrics on %d patterns, %d halfvec metrics on %d "
		   "patterns, dims 1-%d, %d trials)\n",
		   kernel_name, comparisons, NMETRICS, NPATTERNS, NHALF_METRICS,
		   NHALF_PATTERNS, MAX_DIM, TRIALS);
	return 0;
}
