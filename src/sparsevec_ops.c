/*-------------------------------------------------------------------------
 *
 * sparsevec_ops.c
 *	  SQL functions and operators on sparse vectors: distances, the norm,
 *	  normalization and the btree comparison family.
 *
 * Distances are computed by the merge kernels of sparsevec_distance.c,
 * whose results equal those of the same vectors in dense form.  The btree
 * order is the order of the dense forms, as for vector: element by element
 * over the common dimensions, then fewer dimensions first.
 *
 * src/sparsevec_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "sparsevec.h"
#include "sparsevec_distance.h"
#include "type_compare.h"

PG_FUNCTION_INFO_V1(sparsevec_l2_distance);
PG_FUNCTION_INFO_V1(sparsevec_l2_squared_distance);
PG_FUNCTION_INFO_V1(sparsevec_inner_product);
PG_FUNCTION_INFO_V1(sparsevec_negative_inner_product);
PG_FUNCTION_INFO_V1(sparsevec_cosine_distance);
PG_FUNCTION_INFO_V1(sparsevec_l1_distance);
PG_FUNCTION_INFO_V1(sparsevec_l2_norm);
PG_FUNCTION_INFO_V1(sparsevec_l2_normalize);

/* The arguments of a kernel call on sparse vectors a and b */
#define SPARSE_OPERANDS(a, b) \
	(a)->nnz, (a)->indices, SPARSEVEC_VALUES(a), \
	(b)->nnz, (b)->indices, SPARSEVEC_VALUES(b)

/*
 * sparsevec_l2_distance(sparsevec, sparsevec) returns float8: l2_distance
 * and the <-> operator
 */
Datum
sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	float		distance;

	CheckSparsevecDimsMatch(a->dim, b->dim);
	distance = SparseL2SquaredDistance(SPARSE_OPERANDS(a, b));

	PG_RETURN_FLOAT8(sqrt((double) distance));
}

/*
 * sparsevec_l2_squared_distance(sparsevec, sparsevec) returns float8: the
 * distance support function for an L2 operator class, which orders exactly
 * like <-> without the square root
 */
Datum
sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	CheckSparsevecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) SparseL2SquaredDistance(SPARSE_OPERANDS(a, b)));
}

/*
 * sparsevec_inner_product(sparsevec, sparsevec) returns float8:
 * inner_product
 */
Datum
sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	CheckSparsevecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) SparseInnerProduct(SPARSE_OPERANDS(a, b)));
}

/*
 * sparsevec_negative_inner_product(sparsevec, sparsevec) returns float8:
 * the <#> operator, negated so that ascending order puts the best match
 * first
 */
Datum
sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	CheckSparsevecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(-(double) SparseInnerProduct(SPARSE_OPERANDS(a, b)));
}

/*
 * sparsevec_cosine_distance(sparsevec, sparsevec) returns float8:
 * cosine_distance and the <=> operator
 *
 * NaN if either vector is all zeros.
 */
Datum
sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	CheckSparsevecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(SparseCosineDistance(SPARSE_OPERANDS(a, b)));
}

/*
 * sparsevec_l1_distance(sparsevec, sparsevec) returns float8: l1_distance
 * and the <+> operator
 */
Datum
sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	CheckSparsevecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) SparseL1Distance(SPARSE_OPERANDS(a, b)));
}

/*
 * Euclidean norm, summed in double, as vector_norm() does.
 */
static double
SparsevecNorm(const SparseVector *svec)
{
	const float *values = SPARSEVEC_VALUES(svec);
	double		sum = 0.0;

	for (int i = 0; i < svec->nnz; i++)
		sum += (double) values[i] * (double) values[i];

	return sqrt(sum);
}

/*
 * sparsevec_l2_norm(sparsevec) returns float8: l2_norm
 */
Datum
sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);

	PG_RETURN_FLOAT8(SparsevecNorm(svec));
}

/*
 * sparsevec_l2_normalize(sparsevec) returns sparsevec: l2_normalize
 *
 * Scale to unit length.  A zero vector has no direction and is returned
 * unchanged.  No quotient exceeds 1 in magnitude, but a value tiny next to
 * the norm can underflow to zero, and is then dropped: a sparse vector
 * stores no zeros.
 */
Datum
sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	const float *values = SPARSEVEC_VALUES(svec);
	double		norm = SparsevecNorm(svec);
	float	   *quotients;
	int			nnz = 0;
	int			j = 0;
	SparseVector *result;
	float	   *result_values;

	if (norm == 0.0)
		PG_RETURN_SPARSEVEC_P(InitSparseVector(svec->dim, 0));

	quotients = palloc(sizeof(float) * svec->nnz);
	for (int i = 0; i < svec->nnz; i++)
	{
		quotients[i] = (float) (values[i] / norm);
		if (quotients[i] != 0.0f)
			nnz++;
	}

	result = InitSparseVector(svec->dim, nnz);
	result_values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < svec->nnz; i++)
	{
		if (quotients[i] == 0.0f)
			continue;
		result->indices[j] = svec->indices[i];
		result_values[j] = quotients[i];
		j++;
	}

	pfree(quotients);
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * Three-way comparison for the btree operator family: the order of the
 * dense forms.  Walk the positions either vector holds a non-zero element
 * at, in ascending order, over the common dimensions; the first position
 * where the values differ decides (the vector without an element there has
 * zero).  If none does, the vector with fewer dimensions comes first.
 * Values are never NaN or zero, so this is a total order.
 */
static int
SparsevecCompare(const SparseVector *a, const SparseVector *b)
{
	const float *values_a = SPARSEVEC_VALUES(a);
	const float *values_b = SPARSEVEC_VALUES(b);
	int32		common = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;

	for (;;)
	{
		/* indices are below SPARSEVEC_MAX_DIM, so PG_INT32_MAX is "none" */
		int32		index_a = i < a->nnz ? a->indices[i] : PG_INT32_MAX;
		int32		index_b = j < b->nnz ? b->indices[j] : PG_INT32_MAX;
		int32		position = Min(index_a, index_b);
		float		value_a = 0.0f;
		float		value_b = 0.0f;

		if (position >= common)
			break;
		if (index_a == position)
			value_a = values_a[i++];
		if (index_b == position)
			value_b = values_b[j++];
		if (value_a < value_b)
			return -1;
		if (value_a > value_b)
			return 1;
	}

	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

/*
 * Detoast both arguments, compare, and free any detoasted copies: sorts
 * call these once per comparison in a long-lived memory context.
 */
static int
SparsevecCompareArgs(FunctionCallInfo fcinfo)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	int			result = SparsevecCompare(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);

	return result;
}

DEFINE_TYPE_COMPARISONS(sparsevec, SparsevecCompareArgs)
