/*-------------------------------------------------------------------------
 *
 * vector_ops.c
 *	  SQL functions and operators on vectors: distances, norms, element-wise
 *	  arithmetic, concatenation, slicing and the btree comparison family.
 *
 * Distances are computed by the portable kernels in distance.c, never by
 * the CPU-specific ones the index may use, so that the SQL results match
 * pgvector's to the last bit.
 *
 * src/vector_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"

#include "distance.h"
#include "type_compare.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(vector_dims);
PG_FUNCTION_INFO_V1(vector_norm);
PG_FUNCTION_INFO_V1(l2_normalize);
PG_FUNCTION_INFO_V1(l2_distance);
PG_FUNCTION_INFO_V1(inner_product);
PG_FUNCTION_INFO_V1(vector_negative_inner_product);
PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
PG_FUNCTION_INFO_V1(cosine_distance);
PG_FUNCTION_INFO_V1(l1_distance);
PG_FUNCTION_INFO_V1(subvector);
PG_FUNCTION_INFO_V1(vector_add);
PG_FUNCTION_INFO_V1(vector_sub);
PG_FUNCTION_INFO_V1(vector_mul);
PG_FUNCTION_INFO_V1(vector_concat);

/*
 * vector_dims(vector) returns int4
 */
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(vec->dim);
}

/*
 * Euclidean norm, summed in double (unlike the distances, which follow
 * pgvector's float4 sums).
 */
static double
VectorNorm(const Vector *vec)
{
	double		sum = 0.0;

	for (int i = 0; i < vec->dim; i++)
		sum += (double) vec->x[i] * (double) vec->x[i];

	return sqrt(sum);
}

/*
 * vector_norm(vector) returns float8
 */
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_FLOAT8(VectorNorm(vec));
}

/*
 * l2_normalize(vector) returns vector
 *
 * Scale to unit length.  A zero vector has no direction and is returned
 * unchanged.  Every quotient has magnitude at most 1, so nothing can
 * overflow.
 */
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	double		norm = VectorNorm(vec);
	Vector	   *result = InitVector(vec->dim);

	if (norm > 0.0)
	{
		for (int i = 0; i < vec->dim; i++)
			result->x[i] = (float) (vec->x[i] / norm);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * l2_distance(vector, vector) returns float8: the <-> operator
 */
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(sqrt((double) L2SquaredDistanceScalar(a->dim, a->x, b->x)));
}

/*
 * inner_product(vector, vector) returns float8
 */
Datum
inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) InnerProductScalar(a->dim, a->x, b->x));
}

/*
 * vector_l2_squared_distance(vector, vector) returns float8: the distance
 * support function of vector_l2_ops, which orders exactly like <-> without
 * the square root
 */
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) L2SquaredDistanceScalar(a->dim, a->x, b->x));
}

/*
 * vector_negative_inner_product(vector, vector) returns float8: the <#>
 * operator, negated so that ascending order puts the best match first
 */
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(-(double) InnerProductScalar(a->dim, a->x, b->x));
}

/*
 * cosine_distance(vector, vector) returns float8: the <=> operator
 *
 * NaN if either vector is all zeros.
 */
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(CosineDistanceScalar(a->dim, a->x, b->x));
}

/*
 * l1_distance(vector, vector) returns float8: the <+> operator
 */
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	CheckVectorDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) L1DistanceScalar(a->dim, a->x, b->x));
}

/*
 * subvector(vector, start int4, count int4) returns vector
 *
 * The elements at 1-based positions start .. start + count - 1, like
 * substring(): positions outside the vector are ignored, and it is an
 * error only if no element is left.
 */
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		first;
	int64		last;
	Vector	   *result;

	/* 64-bit arithmetic, so start + count cannot overflow */
	first = Max(start, 1);
	last = Min(start + count - 1, (int64) vec->dim);

	if (last < first)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("Positions %lld to %lld select no element of a vector with %d dimensions.",
						   (long long) start, (long long) (start + count - 1),
						   vec->dim)));

	result = InitVector((int) (last - first + 1));
	memcpy(result->x, vec->x + (first - 1), sizeof(float) * result->dim);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_add(vector, vector) returns vector: the + operator
 */
Datum
vector_add(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDimsMatch(a->dim, b->dim);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = a->x[i] + b->x[i];
		if (unlikely(isinf(result->x[i])))
			float_overflow_error();
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_sub(vector, vector) returns vector: the - operator
 */
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDimsMatch(a->dim, b->dim);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = a->x[i] - b->x[i];
		if (unlikely(isinf(result->x[i])))
			float_overflow_error();
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_mul(vector, vector) returns vector: the * operator
 *
 * Like real * real, a product of two non-zero elements that rounds to
 * zero is an underflow error rather than a silent zero.
 */
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckVectorDimsMatch(a->dim, b->dim);

	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = a->x[i] * b->x[i];
		if (unlikely(isinf(result->x[i])))
			float_overflow_error();
		if (unlikely(result->x[i] == 0.0f && a->x[i] != 0.0f && b->x[i] != 0.0f))
			float_underflow_error();
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_concat(vector, vector) returns vector: the || operator
 */
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	/* InitVector rejects a sum above VECTOR_MAX_DIM; it cannot overflow */
	result = InitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);

	PG_RETURN_VECTOR_P(result);
}

/*
 * Three-way comparison for the btree operator family: element by element
 * over the common length, then the shorter vector first.  Elements are
 * never NaN, so this is a total order.  -0 and +0 compare equal.
 */
static int
VectorCompare(const Vector *a, const Vector *b)
{
	int			common = Min(a->dim, b->dim);

	for (int i = 0; i < common; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
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
VectorCompareArgs(FunctionCallInfo fcinfo)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	int			result = VectorCompare(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);

	return result;
}

DEFINE_TYPE_COMPARISONS(vector, VectorCompareArgs)
