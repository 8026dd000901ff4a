/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Portable distance kernels and the load-time kernel selection.
 *
 * The scalar kernels below define the numeric results of the SQL distance
 * functions.  They accumulate in float4, one element after another, so that
 * results are bit-identical to pgvector's.  Do not reorder the sums or
 * accumulate in double: that would change the last bits of the results
 * users see.
 *
 * src/distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "distance.h"
#include "half.h"

/*
 * Keep the compiler from fusing "sum += x * y" into one fused multiply-add
 * when it targets a CPU that has one (-march=native and the like): FMA skips
 * the rounding of the product and would change the results.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

DistanceKernel L2SquaredDistanceKernel = L2SquaredDistanceScalar;
DistanceKernel InnerProductKernel = InnerProductScalar;
DistanceKernel L1DistanceKernel = L1DistanceScalar;
DistanceKernel HalfL2SquaredDistanceKernel = HalfL2SquaredDistanceScalar;
DistanceKernel HalfInnerProductKernel = HalfInnerProductScalar;
DistanceKernel HalfL1DistanceKernel = HalfL1DistanceScalar;
DistanceKernel HalfL2SquaredDistanceExact = HalfL2SquaredDistanceScalar;
DistanceKernel HalfInnerProductExact = HalfInnerProductScalar;
DistanceKernel HalfL1DistanceExact = HalfL1DistanceScalar;
Float4ToHalfArrayFunc Float4ToHalfArray = Float4ToHalfArrayScalar;
HalfToFloat4ArrayFunc HalfToFloat4Array = HalfToFloat4ArrayScalar;

static const char *distance_kernel_name = "scalar";

/*
 * Squared Euclidean distance between a and b.
 */
float
L2SquaredDistanceScalar(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
	{
		float		diff = a[i] - b[i];

		sum += diff * diff;
	}

	return sum;
}

/*
 * Inner (dot) product of a and b.
 */
float
InnerProductScalar(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += a[i] * b[i];

	return sum;
}

/*
 * Manhattan (taxicab) distance between a and b.
 */
float
L1DistanceScalar(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += fabsf(a[i] - b[i]);

	return sum;
}

/*
 * Cosine distance from the dot product and the squared norms: only this
 * final division is done in double.  Rounding can push the similarity a
 * hair outside [-1, 1], so it is clamped.  If either vector is all zeros
 * the angle is undefined and the result is NaN, which the comparisons in
 * the clamp let through unchanged.
 */
static double
CosineDistanceFromSums(float dot, float norma, float normb)
{
	double		similarity;

	similarity = (double) dot / sqrt((double) norma * (double) normb);

	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;

	return 1.0 - similarity;
}

/*
 * Cosine distance, 1 - cos(angle between a and b), in [0, 2].  The dot
 * product and both squared norms are summed in float4.
 */
double
CosineDistanceScalar(int dim, const float *a, const float *b)
{
	float		dot = 0.0f;
	float		norma = 0.0f;
	float		normb = 0.0f;

	for (int i = 0; i < dim; i++)
	{
		dot += a[i] * b[i];
		norma += a[i] * a[i];
		normb += b[i] * b[i];
	}

	return CosineDistanceFromSums(dot, norma, normb);
}

/*
 * Squared Euclidean distance between halfvec elements a and b.
 */
float
HalfL2SquaredDistanceScalar(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
	{
		float		diff = HalfToFloat4(a[i]) - HalfToFloat4(b[i]);

		sum += diff * diff;
	}

	return sum;
}

/*
 * Inner product of halfvec elements a and b.
 */
float
HalfInnerProductScalar(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += HalfToFloat4(a[i]) * HalfToFloat4(b[i]);

	return sum;
}

/*
 * Manhattan distance between halfvec elements a and b.
 */
float
HalfL1DistanceScalar(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		sum = 0.0f;

	for (int i = 0; i < dim; i++)
		sum += fabsf(HalfToFloat4(a[i]) - HalfToFloat4(b[i]));

	return sum;
}

/*
 * Cosine distance between halfvec elements a and b, computed as
 * CosineDistanceScalar() computes it for float4 elements.
 */
double
HalfCosineDistanceScalar(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		dot = 0.0f;
	float		norma = 0.0f;
	float		normb = 0.0f;

	for (int i = 0; i < dim; i++)
	{
		float		fa = HalfToFloat4(a[i]);
		float		fb = HalfToFloat4(b[i]);

		dot += fa * fb;
		norma += fa * fa;
		normb += fb * fb;
	}

	return CosineDistanceFromSums(dot, norma, normb);
}

/*
 * The halves nearest to the dim float4 values in "in"; false if any of them
 * is infinite or NaN.
 */
bool
Float4ToHalfArrayScalar(int dim, const float *in, uint16 *out)
{
	bool		finite = true;

	for (int i = 0; i < dim; i++)
	{
		out[i] = Float4ToHalf(in[i]);
		if (HalfIsSpecial(out[i]))
			finite = false;
	}
	return finite;
}

/*
 * The float4 values of the dim halves in "in".
 */
void
HalfToFloat4ArrayScalar(int dim, const uint16 *in, float *out)
{
	for (int i = 0; i < dim; i++)
		out[i] = HalfToFloat4(in[i]);
}

/*
 * Choose the kernels the index uses.  Called once from _PG_init().
 *
 * Start from the portable kernels; DistanceChooseSimd() (distance_simd.c)
 * replaces them with faster ones where the CPU allows.
 */
void
DistanceInit(void)
{
	L2SquaredDistanceKernel = L2SquaredDistanceScalar;
	InnerProductKernel = InnerProductScalar;
	L1DistanceKernel = L1DistanceScalar;
	HalfL2SquaredDistanceKernel = HalfL2SquaredDistanceScalar;
	HalfInnerProductKernel = HalfInnerProductScalar;
	HalfL1DistanceKernel = HalfL1DistanceScalar;
	HalfL2SquaredDistanceExact = HalfL2SquaredDistanceScalar;
	HalfInnerProductExact = HalfInnerProductScalar;
	HalfL1DistanceExact = HalfL1DistanceScalar;
	Float4ToHalfArray = Float4ToHalfArrayScalar;
	HalfToFloat4Array = HalfToFloat4ArrayScalar;
	distance_kernel_name = DistanceChooseSimd();
}

/*
 * Name of the kernel family DistanceInit() selected, for diagnostics.
 */
const char *
DistanceKernelName(void)
{
	return distance_kernel_name;
}
