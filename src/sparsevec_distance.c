/*-------------------------------------------------------------------------
 *
 * sparsevec_distance.c
 *	  Portable distance kernels for sparse vectors: a merge of the two
 *	  sorted index lists.
 *
 * Each kernel walks both operands once, in ascending index order, and adds
 * one float4 term per index that either operand holds: (a - b)^2 or |a - b|
 * where both hold it, a^2 or |a| where only one does, and for the inner
 * product a * b where both do.  That is exactly the sequence of non-zero
 * terms a dense kernel adds; its other terms are zeros, which leave a
 * float sum unchanged.  So the results match pgvector's and the dense
 * kernels' bit for bit.  Do not reorder the sums or accumulate in double.
 *
 * src/sparsevec_distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "sparsevec_distance.h"

/*
 * Keep the compiler from fusing "sum += x * y" into a fused multiply-add,
 * which skips the rounding of the product (see distance.c).
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

/*
 * Squared Euclidean distance between a and b.
 */
float
SparseL2SquaredDistance(int nnz_a, const int32 *indices_a,
						const float *values_a,
						int nnz_b, const int32 *indices_b,
						const float *values_b)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < nnz_a && j < nnz_b)
	{
		if (indices_a[i] == indices_b[j])
		{
			float		diff = values_a[i] - values_b[j];

			sum += diff * diff;
			i++;
			j++;
		}
		else if (indices_a[i] < indices_b[j])
		{
			sum += values_a[i] * values_a[i];
			i++;
		}
		else
		{
			sum += values_b[j] * values_b[j];
			j++;
		}
	}
	for (; i < nnz_a; i++)
		sum += values_a[i] * values_a[i];
	for (; j < nnz_b; j++)
		sum += values_b[j] * values_b[j];

	return sum;
}

/*
 * Inner (dot) product of a and b: only indices both hold contribute.
 */
float
SparseInnerProduct(int nnz_a, const int32 *indices_a, const float *values_a,
				   int nnz_b, const int32 *indices_b, const float *values_b)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < nnz_a && j < nnz_b)
	{
		if (indices_a[i] == indices_b[j])
		{
			sum += values_a[i] * values_b[j];
			i++;
			j++;
		}
		else if (indices_a[i] < indices_b[j])
			i++;
		else
			j++;
	}

	return sum;
}

/*
 * Manhattan (taxicab) distance between a and b.
 */
float
SparseL1Distance(int nnz_a, const int32 *indices_a, const float *values_a,
				 int nnz_b, const int32 *indices_b, const float *values_b)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < nnz_a && j < nnz_b)
	{
		if (indices_a[i] == indices_b[j])
		{
			sum += fabsf(values_a[i] - values_b[j]);
			i++;
			j++;
		}
		else if (indices_a[i] < indices_b[j])
		{
			sum += fabsf(values_a[i]);
			i++;
		}
		else
		{
			sum += fabsf(values_b[j]);
			j++;
		}
	}
	for (; i < nnz_a; i++)
		sum += fabsf(values_a[i]);
	for (; j < nnz_b; j++)
		sum += fabsf(values_b[j]);

	return sum;
}

/*
 * Sum of the squares of nnz values, in float4 as the cosine distance has
 * it.
 */
static float
SparseSquaredNorm(int nnz, const float *values)
{
	float		sum = 0.0f;

	for (int i = 0; i < nnz; i++)
		sum += values[i] * values[i];

	return sum;
}

/*
 * Cosine distance, 1 - cos(angle between a and b), in [0, 2].
 *
 * As for dense vectors: the dot product and both squared norms are summed
 * in float4 and only the final division is done in double; the similarity
 * is clamped to [-1, 1]; if either vector is all zeros the result is NaN.
 */
double
SparseCosineDistance(int nnz_a, const int32 *indices_a,
					 const float *values_a,
					 int nnz_b, const int32 *indices_b,
					 const float *values_b)
{
	float		dot = SparseInnerProduct(nnz_a, indices_a, values_a,
										 nnz_b, indices_b, values_b);
	float		norma = SparseSquaredNorm(nnz_a, values_a);
	float		normb = SparseSquaredNorm(nnz_b, values_b);
	double		similarity;

	similarity = (double) dot / sqrt((double) norma * (double) normb);

	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;

	return 1.0 - similarity;
}
