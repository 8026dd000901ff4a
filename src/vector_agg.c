/*-------------------------------------------------------------------------
 *
 * vector_agg.c
 *	  The avg and sum aggregates of vector and halfvec.
 *
 * All four aggregates share one transition state, a double precision[] that
 * holds {count} until the first vector arrives and {count, sum1, ...,
 * sumN} afterwards.  Sums are kept in double and converted to float4 (and
 * for halfvec then to half) only by the final function.  The state is an
 * ordinary array, so partial states can be passed between parallel workers
 * without serialisation functions.
 *
 * src/vector_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/float.h"

#include "halfvec.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(vector_accum);
PG_FUNCTION_INFO_V1(vector_combine);
PG_FUNCTION_INFO_V1(vector_avg);
PG_FUNCTION_INFO_V1(vector_sum);
PG_FUNCTION_INFO_V1(halfvec_accum);
PG_FUNCTION_INFO_V1(halfvec_avg);
PG_FUNCTION_INFO_V1(halfvec_sum);

/*
 * Check that state looks like a transition state and return its elements;
 * *nsums is set to the number of sums that follow the count.  The state
 * functions are callable from SQL, so a bad array must not crash us.
 */
static float8 *
GetAggState(ArrayType *state, int *nsums)
{
	int			nelems;

	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for vector aggregate"),
				 errdetail("The state must be a one-dimensional double precision array without nulls.")));

	nelems = ARR_DIMS(state)[0];
	if (nelems < 1 || nelems - 1 > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for vector aggregate"),
				 errdetail("The state must have between 1 and %d elements.",
						   VECTOR_MAX_DIM + 1)));

	*nsums = nelems - 1;
	return (float8 *) ARR_DATA_PTR(state);
}

/*
 * Build a fresh state array of 1 + nsums elements from values.
 */
static ArrayType *
MakeAggState(const float8 *values, int nsums)
{
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * (nsums + 1));
	ArrayType  *result;

	for (int i = 0; i <= nsums; i++)
		elems[i] = Float8GetDatum(values[i]);

	result = construct_array(elems, nsums + 1, FLOAT8OID, sizeof(float8),
							 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(elems);
	return result;
}

/*
 * The state a transition function adds a value of type typname (vector or
 * halfvec) with dim elements to, its count already incremented; *sums is
 * set to the sums, for the caller to add the elements to.
 *
 * When called as an aggregate the state belongs to us and is updated in
 * place, which saves copying up to 16001 doubles per row; called directly
 * from SQL, it is copied.  The first vector makes a new state whose sums
 * start at -0, which adding any value x turns into x exactly (+0 would
 * turn x = -0 into +0).
 */
static ArrayType *
AggStateForAccum(FunctionCallInfo fcinfo, const char *typname,
				 ArrayType *state, int dim, float8 **sums)
{
	int			nsums;
	float8	   *values = GetAggState(state, &nsums);

	if (nsums == 0)
	{
		float8	   *fresh = (float8 *) palloc(sizeof(float8) * (dim + 1));

		fresh[0] = values[0];
		for (int i = 0; i < dim; i++)
			fresh[i + 1] = -0.0;
		state = MakeAggState(fresh, dim);
		pfree(fresh);
	}
	else
	{
		CheckVectorTypeDimsMatch(typname, nsums, dim);

		if (!AggCheckCallContext(fcinfo, NULL))
			state = MakeAggState(values, nsums);
	}

	values = (float8 *) ARR_DATA_PTR(state);
	values[0] += 1.0;
	*sums = values + 1;
	return state;
}

/*
 * vector_accum(float8[], vector) returns float8[]: transition function
 */
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(1);
	float8	   *sums;
	ArrayType  *state = AggStateForAccum(fcinfo, "vector",
										 PG_GETARG_ARRAYTYPE_P(0),
										 vec->dim, &sums);

	for (int i = 0; i < vec->dim; i++)
		sums[i] += vec->x[i];

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * halfvec_accum(float8[], halfvec) returns float8[]: transition function
 * of avg(halfvec) and sum(halfvec), with vector's state
 */
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(1);
	float8	   *sums;
	ArrayType  *state = AggStateForAccum(fcinfo, "halfvec",
										 PG_GETARG_ARRAYTYPE_P(0),
										 vec->dim, &sums);

	for (int i = 0; i < vec->dim; i++)
		sums[i] += HalfToFloat4(vec->x[i]);

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * vector_combine(float8[], float8[]) returns float8[]: combine function
 *
 * Merges two partial states, e.g. from parallel workers.
 */
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	int			nsums1;
	int			nsums2;
	float8	   *values1 = GetAggState(state1, &nsums1);
	float8	   *values2 = GetAggState(state2, &nsums2);

	/* An empty side contributes nothing but its count (normally zero) */
	if (nsums2 == 0 || nsums1 == 0)
	{
		ArrayType  *result;
		float8	   *values;

		if (nsums2 == 0)
			result = MakeAggState(values1, nsums1);
		else
			result = MakeAggState(values2, nsums2);
		values = (float8 *) ARR_DATA_PTR(result);
		values[0] = values1[0] + values2[0];
		PG_RETURN_ARRAYTYPE_P(result);
	}

	CheckVectorDimsMatch(nsums1, nsums2);

	if (!AggCheckCallContext(fcinfo, NULL))
	{
		state1 = MakeAggState(values1, nsums1);
		values1 = (float8 *) ARR_DATA_PTR(state1);
	}

	for (int i = 0; i <= nsums1; i++)
		values1[i] += values2[i];

	PG_RETURN_ARRAYTYPE_P(state1);
}

/*
 * Turn a state into a vector of the sums, or of the averages if average is
 * true.  Returns NULL if no vector was aggregated.
 */
static Vector *
AggStateToVector(ArrayType *state, bool average)
{
	int			nsums;
	float8	   *values = GetAggState(state, &nsums);
	double		count = values[0];
	Vector	   *result;

	if (nsums == 0)
		return NULL;

	result = InitVector(nsums);
	for (int i = 0; i < nsums; i++)
	{
		double		value = values[i + 1];

		if (average)
			value /= count;

		result->x[i] = (float) value;
		if (isinf(result->x[i]) && !isinf(value))
			float_overflow_error();
		CheckVectorElement(result->x[i]);
	}

	return result;
}

/*
 * vector_avg(float8[]) returns vector: final function of avg(vector)
 */
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	Vector	   *result = AggStateToVector(PG_GETARG_ARRAYTYPE_P(0), true);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_sum(float8[]) returns vector: final function of sum(vector)
 */
Datum
vector_sum(PG_FUNCTION_ARGS)
{
	Vector	   *result = AggStateToVector(PG_GETARG_ARRAYTYPE_P(0), false);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_VECTOR_P(result);
}

/*
 * The halfvec of a state's sums or averages (AggStateToVector), or NULL.
 * A value too large for a half is an overflow error.
 */
static HalfVector *
AggStateToHalfvec(ArrayType *state, bool average)
{
	Vector	   *vec = AggStateToVector(state, average);
	HalfVector *result;

	if (vec == NULL)
		return NULL;

	result = InitHalfVector(vec->dim);
	for (int i = 0; i < vec->dim; i++)
	{
		result->x[i] = Float4ToHalf(vec->x[i]);
		if (HalfIsInf(result->x[i]))
			float_overflow_error();
	}

	pfree(vec);
	return result;
}

/*
 * halfvec_avg(float8[]) returns halfvec: final function of avg(halfvec)
 */
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	HalfVector *result = AggStateToHalfvec(PG_GETARG_ARRAYTYPE_P(0), true);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_sum(float8[]) returns halfvec: final function of sum(halfvec)
 */
Datum
halfvec_sum(PG_FUNCTION_ARGS)
{
	HalfVector *result = AggStateToHalfvec(PG_GETARG_ARRAYTYPE_P(0), false);

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_HALFVEC_P(result);
}
