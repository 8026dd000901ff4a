/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec type: text and binary I/O, type modifier, casts.
 *
 * The text form is vector's and is read by the same parser (vector.c):
 * each element is read as a float4 and then rounded to the nearest half.
 * A finite value whose half would be infinite (65520 and more in
 * magnitude) is an out-of-range error, never an infinity; values too small
 * for a half become subnormals or zero, as they do for vector.  Output
 * prints each half's float4 value in its shortest exact form, so that
 * [0.1] prints as [0.099975586], the half nearest to 0.1, and text round
 * trips are exact.
 *
 * src/halfvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"

#include "distance.h"
#include "halfvec.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(halfvec_in);
PG_FUNCTION_INFO_V1(halfvec_out);
PG_FUNCTION_INFO_V1(halfvec_typmod_in);
PG_FUNCTION_INFO_V1(halfvec_recv);
PG_FUNCTION_INFO_V1(halfvec_send);
PG_FUNCTION_INFO_V1(halfvec);
PG_FUNCTION_INFO_V1(array_to_halfvec);
PG_FUNCTION_INFO_V1(halfvec_to_float4);
PG_FUNCTION_INFO_V1(vector_to_halfvec);
PG_FUNCTION_INFO_V1(halfvec_to_vector);

/*
 * Allocate a zeroed halfvec of dim elements, in the current memory context.
 * Errors out if dim is not a valid dimension count.
 */
HalfVector *
InitHalfVector(int dim)
{
	HalfVector *result;

	CheckVectorTypeDim("halfvec", dim);

	result = (HalfVector *) palloc0(HALFVEC_SIZE(dim));
	SET_VARSIZE(result, HALFVEC_SIZE(dim));
	result->dim = dim;

	return result;
}

/*
 * Does a finite float4 round to a finite half?
 */
static bool
HalfvecElementFits(float value)
{
	return !HalfIsInf(Float4ToHalf(value));
}

/*
 * The half nearest to value, which must be finite and round to a finite
 * half: NaN, infinities and values of magnitude 65520 and more are errors.
 */
half
Float4ToHalfElement(float value)
{
	half		result;

	CheckVectorTypeElement("halfvec", value);

	result = Float4ToHalf(value);
	if (unlikely(HalfIsInf(result)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %g is out of range for type halfvec",
						(double) value)));

	return result;
}

/*
 * A halfvec of the dim float4 values in x, each of which the caller has
 * checked to fit (HalfvecElementFits).
 */
static HalfVector *
HalfvecFromCheckedFloats(const float *x, int dim)
{
	HalfVector *result = InitHalfVector(dim);

	for (int i = 0; i < dim; i++)
		result->x[i] = Float4ToHalf(x[i]);

	return result;
}

/*
 * halfvec_in(cstring, oid, int4) returns halfvec
 *
 * Parse the text form.
 */
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *elements;
	HalfVector *result;

	elements = VectorTypeParseText("halfvec", input, HalfvecElementFits, &dim);
	CheckVectorTypeTypmod("halfvec", dim, typmod);

	result = HalfvecFromCheckedFloats(elements, dim);
	pfree(elements);

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_out(halfvec) returns cstring
 *
 * Each element is written as the shortest decimal that reads back as the
 * same float4, which reads back as the same half.
 */
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	char	   *result;
	char	   *p;

	/* room for each element and its comma, two brackets and the zero byte */
	result = palloc(FLOAT_SHORTEST_DECIMAL_LEN * vec->dim + 3);
	p = result;

	*p++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(HalfToFloat4(vec->x[i]), p);
	}
	*p++ = ']';
	*p = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(result);
}

/*
 * halfvec_typmod_in(cstring[]) returns int4
 *
 * halfvec(n) stores n, the required number of dimensions.  The modifier
 * prints like vector's, with vector_typmod_out.
 */
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorTypeTypmodIn("halfvec", PG_GETARG_ARRAYTYPE_P(0)));
}

/*
 * halfvec_recv(internal, oid, int4) returns halfvec
 *
 * Binary input: int16 dimension count, int16 reserved (zero), then the
 * halves, all in network byte order.
 */
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			reserved;
	HalfVector *result;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	reserved = (int16) pq_getmsgint(buf, sizeof(int16));

	CheckVectorTypeDim("halfvec", dim);
	if (reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type halfvec"),
				 errdetail("The reserved field is %d; it must be zero.",
						   reserved)));
	CheckVectorTypeTypmod("halfvec", dim, typmod);

	result = InitHalfVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (half) pq_getmsgint(buf, sizeof(half));
		if (HalfIsSpecial(result->x[i]))
			CheckVectorTypeElement("halfvec", HalfToFloat4(result->x[i]));
	}

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_send(halfvec) returns bytea
 *
 * Binary output, the layout halfvec_recv() reads.
 */
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendint16(&buf, vec->x[i]);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * halfvec(halfvec, int4, bool) returns halfvec
 *
 * Length coercion: check a value against the type modifier of halfvec(n).
 */
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckVectorTypeTypmod("halfvec", vec->dim, typmod);

	PG_RETURN_HALFVEC_P(vec);
}

/*
 * array_to_halfvec(anyarray, int4, bool) returns halfvec
 *
 * Cast from integer[], real[], double precision[] and numeric[]: each
 * element is rounded to float4 and then to half, as text input does.
 */
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			dim;
	float	   *elements;
	HalfVector *result;

	elements = VectorTypeArrayToFloats("halfvec", HalfvecElementFits, array,
									   typmod, &dim);
	result = HalfvecFromCheckedFloats(elements, dim);
	pfree(elements);

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_to_float4(halfvec, int4, bool) returns real[]
 */
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	Datum	   *elems;
	ArrayType  *result;

	elems = (Datum *) palloc(sizeof(Datum) * vec->dim);
	for (int i = 0; i < vec->dim; i++)
		elems[i] = Float4GetDatum(HalfToFloat4(vec->x[i]));

	result = construct_array(elems, vec->dim, FLOAT4OID, sizeof(float4),
							 true, TYPALIGN_INT);

	pfree(elems);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * vector_to_halfvec(vector, int4, bool) returns halfvec
 *
 * Each element is rounded to the nearest half; one that is out of range
 * for halfvec is an error.
 */
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	HalfVector *result;

	CheckVectorTypeTypmod("halfvec", vec->dim, typmod);

	result = InitHalfVector(vec->dim);

	/* all at once; if any element is bad, again one by one to report it */
	if (!Float4ToHalfArray(vec->dim, vec->x, result->x))
	{
		for (int i = 0; i < vec->dim; i++)
			result->x[i] = Float4ToHalfElement(vec->x[i]);
	}

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_to_vector(halfvec, int4, bool) returns vector
 *
 * Exact: every half is a float4.
 */
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Vector	   *result;

	CheckVectorTypmod(vec->dim, typmod);

	result = InitVector(vec->dim);
	HalfToFloat4Array(vec->dim, vec->x, result->x);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_VECTOR_P(result);
}
