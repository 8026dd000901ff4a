/*-------------------------------------------------------------------------
 *
 * halfvec_ops.c
 *	  SQL functions and operators on halfvecs: distances, norms, element-wise
 *	  arithmetic, concatenation, slicing, binary quantization and the btree
 *	  comparison family.
 *
 * Distances convert each half to float4 and sum in float4 one element after
 * another (the portable Half kernels of distance.c), never with the CPU-
 * specific kernels the index may use, so results are the same everywhere.
 * Arithmetic is done in float4 and rounded to half; a result too large for
 * a half is an overflow error, a product of non-zero halves that rounds to
 * zero an underflow error, as for real and vector.
 *
 * src/halfvec_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"
#include "utils/varbit.h"

#include "distance.h"
#include "halfvec.h"
#include "type_compare.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(halfvec_dims);
PG_FUNCTION_INFO_V1(halfvec_l2_norm);
PG_FUNCTION_INFO_V1(halfvec_l2_normalize);
PG_FUNCTION_INFO_V1(halfvec_l2_distance);
PG_FUNCTION_INFO_V1(halfvec_inner_product);
PG_FUNCTION_INFO_V1(halfvec_negative_inner_product);
PG_FUNCTION_INFO_V1(halfvec_l2_squared_distance);
PG_FUNCTION_INFO_V1(halfvec_cosine_distance);
PG_FUNCTION_INFO_V1(halfvec_l1_distance);
PG_FUNCTION_INFO_V1(halfvec_subvector);
PG_FUNCTION_INFO_V1(halfvec_add);
PG_FUNCTION_INFO_V1(halfvec_sub);
PG_FUNCTION_INFO_V1(halfvec_mul);
PG_FUNCTION_INFO_V1(halfvec_concat);
PG_FUNCTION_INFO_V1(halfvec_binary_quantize);

/* Error out unless two halfvec operands have the same length */
#define CheckHalfvecDimsMatch(a, b) \
	CheckVectorTypeDimsMatch("halfvec", (a), (b))

/*
 * halfvec_dims(halfvec) returns int4: vector_dims(halfvec)
 */
Datum
halfvec_dims(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_INT32(vec->dim);
}

/*
 * Euclidean norm, summed in double, as vector_norm() does.
 */
static double
HalfvecNorm(const HalfVector *vec)
{
	double		sum = 0.0;

	for (int i = 0; i < vec->dim; i++)
	{
		double		x = HalfToFloat4(vec->x[i]);

		sum += x * x;
	}

	return sqrt(sum);
}

/*
 * halfvec_l2_norm(halfvec) returns float8: l2_norm(halfvec)
 */
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_FLOAT8(HalfvecNorm(vec));
}

/*
 * halfvec_l2_normalize(halfvec) returns halfvec: l2_normalize(halfvec)
 *
 * Scale to unit length, each quotient rounded to float4 and then to half
 * (magnitudes at most 1, so nothing overflows).  A zero vector has no
 * direction and is returned unchanged.
 */
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	double		norm = HalfvecNorm(vec);
	HalfVector *result = InitHalfVector(vec->dim);

	if (norm > 0.0)
	{
		for (int i = 0; i < vec->dim; i++)
			result->x[i] = Float4ToHalf((float) (HalfToFloat4(vec->x[i]) / norm));
	}

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_l2_distance(halfvec, halfvec) returns float8: the <-> operator
 */
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(sqrt((double) HalfL2SquaredDistanceExact(a->dim, a->x, b->x)));
}

/*
 * halfvec_l2_squared_distance(halfvec, halfvec) returns float8: the
 * distance support function of halfvec_l2_ops, ordering like <-> without
 * the square root
 */
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) HalfL2SquaredDistanceExact(a->dim, a->x, b->x));
}

/*
 * halfvec_inner_product(halfvec, halfvec) returns float8
 */
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) HalfInnerProductExact(a->dim, a->x, b->x));
}

/*
 * halfvec_negative_inner_product(halfvec, halfvec) returns float8: the <#>
 * operator
 */
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(-(double) HalfInnerProductExact(a->dim, a->x, b->x));
}

/*
 * halfvec_cosine_distance(halfvec, halfvec) returns float8: the <=>
 * operator; NaN if either vector is all zeros
 */
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8(HalfCosineDistanceScalar(a->dim, a->x, b->x));
}

/*
 * halfvec_l1_distance(halfvec, halfvec) returns float8: the <+> operator
 */
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	CheckHalfvecDimsMatch(a->dim, b->dim);

	PG_RETURN_FLOAT8((double) HalfL1DistanceExact(a->dim, a->x, b->x));
}

/*
 * halfvec_subvector(halfvec, start int4, count int4) returns halfvec:
 * subvector(halfvec, int, int)
 *
 * The elements at 1-based positions start .. start + count - 1, with the
 * rules of subvector(vector, int, int).
 */
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		first;
	int64		last;
	HalfVector *result;

	/* 64-bit arithmetic, so start + count cannot overflow */
	first = Max(start, 1);
	last = Min(start + count - 1, (int64) vec->dim);

	if (last < first)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension"),
				 errdetail("Positions %lld to %lld select no element of a halfvec with %d dimensions.",
						   (long long) start, (long long) (start + count - 1),
						   vec->dim)));

	result = InitHalfVector((int) (last - first + 1));
	memcpy(result->x, vec->x + (first - 1), sizeof(half) * result->dim);

	PG_RETURN_HALFVEC_P(result);
}

/*
 * Round an arithmetic result to half; overflow is an error.
 */
static inline half
ArithmeticResultToHalf(float value)
{
	half		result = Float4ToHalf(value);

	if (unlikely(HalfIsInf(result)))
		float_overflow_error();

	return result;
}

/*
 * halfvec_add(halfvec, halfvec) returns halfvec: the + operator
 */
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	CheckHalfvecDimsMatch(a->dim, b->dim);

	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = ArithmeticResultToHalf(HalfToFloat4(a->x[i]) +
											  HalfToFloat4(b->x[i]));

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_sub(halfvec, halfvec) returns halfvec: the - operator
 */
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	CheckHalfvecDimsMatch(a->dim, b->dim);

	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = ArithmeticResultToHalf(HalfToFloat4(a->x[i]) -
											  HalfToFloat4(b->x[i]));

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_mul(halfvec, halfvec) returns halfvec: the * operator
 *
 * A product of two non-zero elements that rounds to a zero half is an
 * underflow error rather than a silent zero.
 */
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	CheckHalfvecDimsMatch(a->dim, b->dim);

	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = ArithmeticResultToHalf(HalfToFloat4(a->x[i]) *
											  HalfToFloat4(b->x[i]));
		if (unlikely(HalfIsZero(result->x[i]) &&
					 !HalfIsZero(a->x[i]) && !HalfIsZero(b->x[i])))
			float_underflow_error();
	}

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_concat(halfvec, halfvec) returns halfvec: the || operator
 */
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	/* InitHalfVector rejects a sum above the limit; it cannot overflow */
	result = InitHalfVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(half) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(half) * b->dim);

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_binary_quantize(halfvec) returns bit: binary_quantize(halfvec)
 *
 * A bit string as long as the vector, 1 where the element is greater than
 * zero; the first element is the first (most significant) bit.
 */
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	VarBit	   *result = (VarBit *) palloc0(VARBITTOTALLEN(vec->dim));
	bits8	   *bits = VARBITS(result);

	SET_VARSIZE(result, VARBITTOTALLEN(vec->dim));
	VARBITLEN(result) = vec->dim;

	for (int i = 0; i < vec->dim; i++)
	{
		if (HalfToFloat4(vec->x[i]) > 0.0f)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}

	PG_RETURN_VARBIT_P(result);
}

/*
 * Three-way comparison for the btree operator family, by the elements'
 * values: element by element over the common length, then the shorter
 * vector first.  Elements are never NaN, so this is a total order; -0 and
 * +0 compare equal.
 */
static int
HalfvecCompare(const HalfVector *a, const HalfVector *b)
{
	int			common = Min(a->dim, b->dim);

	for (int i = 0; i < common; i++)
	{
		float		fa = HalfToFloat4(a->x[i]);
		float		fb = HalfToFloat4(b->x[i]);

		if (fa < fb)
			return -1;
		if (fa > fb)
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
HalfvecCompareArgs(FunctionCallInfo fcinfo)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	int			result = HalfvecCompare(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);

	return result;
}

DEFINE_TYPE_COMPARISONS(halfvec, HalfvecCompareArgs)
