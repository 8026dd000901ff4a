/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector type: text and binary I/O, type modifier, casts.
 *
 * Text form is a bracketed, comma-separated list of float4 values such as
 * [1,2.5,-3e-2].  Whitespace may surround the brackets and the elements.
 * Elements are parsed with strtof(), so anything float4 accepts as a
 * number is accepted here too; NaN and infinities are rejected, as are
 * values too large for float4.  Values too small for float4 underflow to a
 * denormal or to zero without an error, as with pgvector.
 *
 * Output uses the shortest decimal form that reads back as the same
 * float4, whatever extra_float_digits says, so text round trips are exact.
 *
 * src/vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "vector.h"

PG_FUNCTION_INFO_V1(vector_in);
PG_FUNCTION_INFO_V1(vector_out);
PG_FUNCTION_INFO_V1(vector_typmod_in);
PG_FUNCTION_INFO_V1(vector_typmod_out);
PG_FUNCTION_INFO_V1(vector_recv);
PG_FUNCTION_INFO_V1(vector_send);
PG_FUNCTION_INFO_V1(vector);
PG_FUNCTION_INFO_V1(array_to_vector);
PG_FUNCTION_INFO_V1(vector_to_float4);

/*
 * Allocate a zeroed vector of dim elements, in the current memory context.
 * Errors out if dim is not a valid dimension count.
 */
Vector *
InitVector(int dim)
{
	Vector	   *result;

	CheckVectorDim(dim);

	result = (Vector *) palloc0(VECTOR_SIZE(dim));
	SET_VARSIZE(result, VECTOR_SIZE(dim));
	result->dim = dim;

	return result;
}

/*
 * Error out unless dim is a dimension count a value of type typname (vector
 * or halfvec, which have the same limit) can have.
 */
void
CheckVectorTypeDim(const char *typname, int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));

	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions",
						typname, VECTOR_MAX_DIM)));
}

void
CheckVectorDim(int dim)
{
	CheckVectorTypeDim("vector", dim);
}

/*
 * Error out if two operands of a binary operation on type typname differ
 * in length.
 */
void
CheckVectorTypeDimsMatch(const char *typname, int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s dimensions %d and %d do not match",
						typname, a, b)));
}

void
CheckVectorDimsMatch(int a, int b)
{
	CheckVectorTypeDimsMatch("vector", a, b);
}

/*
 * Error out if value may not be stored in a value of type typname (NaN or
 * infinite).
 */
void
CheckVectorTypeElement(const char *typname, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN is not allowed in a %s", typname)));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite values are not allowed in a %s", typname)));
}

void
CheckVectorElement(float value)
{
	CheckVectorTypeElement("vector", value);
}

/*
 * Error out if a value of type typname with dim elements does not fit type
 * modifier typmod (-1 means no modifier, which fits everything).
 */
void
CheckVectorTypeTypmod(const char *typname, int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions for type %s, got %d",
						typmod, typname, dim)));
}

void
CheckVectorTypmod(int dim, int32 typmod)
{
	CheckVectorTypeTypmod("vector", dim, typmod);
}

/*
 * Is c whitespace that may surround brackets and elements?  The same set
 * as isspace() in the C locale, so that strtof() never skips anything we
 * would not have skipped ourselves.
 */
static inline bool
VectorIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline char *
SkipVectorSpace(char *p)
{
	while (VectorIsSpace(*p))
		p++;
	return p;
}

/*
 * Report malformed text input; detail says what is wrong.
 */
static void
VectorSyntaxError(const char *typname, const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					typname, input),
			 errdetail_internal("%s", detail)));
}

/*
 * Validate a number strtof() read from text and return it as an element of
 * type typname; fits, if not NULL, says whether a finite float4 is in the
 * type's range.  strtof_errno is errno as strtof() left it; start and end
 * delimit the number's text, for the message.  Overflow is an error,
 * underflow to a denormal or zero is accepted.
 */
static float
CheckParsedElement(const char *typname, VectorElementFits fits, float value,
				   int strtof_errno, const char *start, const char *end)
{
	if ((strtof_errno == ERANGE && isinf(value)) ||
		(fits != NULL && isfinite(value) && !fits(value)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type %s",
						pnstrdup(start, end - start), typname)));

	CheckVectorTypeElement(typname, value);

	return value;
}

/*
 * Parse the text form of type typname (vector or halfvec): a bracketed,
 * comma-separated list of numbers.  Returns the elements, checked to be
 * finite and accepted by fits (NULL: every finite float4 fits) but not yet
 * against a type modifier, in a palloc'd array; *dim is set to their count.
 */
float *
VectorTypeParseText(const char *typname, char *input, VectorElementFits fits,
					int *dim)
{
	char	   *p;
	char	   *next;
	int			capacity = 1;
	int			count = 0;
	float	   *result;

	/*
	 * Every element after the first needs a comma, so this bounds the
	 * element count and the array never needs to grow.
	 */
	for (p = input; *p != '\0' && capacity < VECTOR_MAX_DIM; p++)
	{
		if (*p == ',')
			capacity++;
	}
	result = (float *) palloc(sizeof(float) * capacity);

	p = SkipVectorSpace(input);
	if (*p != '[')
		VectorSyntaxError(typname, input,
						  "Vector contents must start with \"[\".");
	p = SkipVectorSpace(p + 1);

	if (*p == ']')
		CheckVectorTypeDim(typname, 0);

	for (;;)
	{
		float		value;
		int			strtof_errno;
		char	   *end;

		/* p is at the start of an element, past any whitespace */
		if (*p == ',' || *p == ']')
			VectorSyntaxError(typname, input,
							  "Vector elements must not be empty.");
		if (*p == '\0')
			VectorSyntaxError(typname, input, "Unexpected end of input.");
		/* one more element would exceed the limit */
		if (count == VECTOR_MAX_DIM)
			CheckVectorTypeDim(typname, count + 1);

		errno = 0;
		value = strtof(p, &end);
		strtof_errno = errno;
		if (end == p)
			VectorSyntaxError(typname, input,
							  "Vector elements must be numbers.");

		/* Check what follows first: "[infx]" is bad syntax, not infinity */
		next = SkipVectorSpace(end);
		if (*next == '\0')
			VectorSyntaxError(typname, input, "Unexpected end of input.");
		if (*next != ',' && *next != ']')
			VectorSyntaxError(typname, input,
							  "Vector elements must be numbers separated by \",\".");

		result[count++] = CheckParsedElement(typname, fits, value,
											 strtof_errno, p, end);

		if (*next == ']')
			break;
		p = SkipVectorSpace(next + 1);
	}

	p = SkipVectorSpace(next + 1);
	if (*p != '\0')
		VectorSyntaxError(typname, input,
						  "Unexpected text after the closing \"]\".");

	*dim = count;
	return result;
}

/*
 * vector_in(cstring, oid, int4) returns vector
 *
 * Parse the text form.
 */
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *elements = VectorTypeParseText("vector", input, NULL, &dim);
	Vector	   *result;

	CheckVectorTypmod(dim, typmod);

	result = InitVector(dim);
	memcpy(result->x, elements, sizeof(float) * dim);
	pfree(elements);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_out(vector) returns cstring
 *
 * Each element is written in its shortest exact form, so the output reads
 * back as the same vector.
 */
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	char	   *result;
	char	   *p;

	/*
	 * FLOAT_SHORTEST_DECIMAL_LEN counts a terminating zero byte, which
	 * leaves room for the comma; then two brackets and our own terminator.
	 */
	result = palloc(FLOAT_SHORTEST_DECIMAL_LEN * vec->dim + 3);
	p = result;

	*p++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(vec->x[i], p);
	}
	*p++ = ']';
	*p = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(result);
}

/*
 * The type modifier of type typname (vector or halfvec) given by the
 * modifier list of typname(n): n, the required number of dimensions.
 */
int32
VectorTypeTypmodIn(const char *typname, ArrayType *modifiers)
{
	int32	   *values;
	int			count;

	values = ArrayGetIntegerTypmods(modifiers, &count);

	if (count != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier for type %s", typname),
				 errdetail("Type %s takes one modifier, the number of dimensions.",
						   typname)));

	if (values[0] < 1 || values[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of dimensions for type %s: %d",
						typname, values[0]),
				 errdetail("The number of dimensions must be between 1 and %d.",
						   VECTOR_MAX_DIM)));

	return values[0];
}

/*
 * vector_typmod_in(cstring[]) returns int4
 *
 * vector(n) stores n, the required number of dimensions.
 */
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorTypeTypmodIn("vector", PG_GETARG_ARRAYTYPE_P(0)));
}

/*
 * vector_typmod_out(int4) returns cstring
 */
Datum
vector_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	if (typmod < 0)
		PG_RETURN_CSTRING(pstrdup(""));

	PG_RETURN_CSTRING(psprintf("(%d)", typmod));
}

/*
 * vector_recv(internal, oid, int4) returns vector
 *
 * Binary input: int16 dimension count, int16 reserved (zero), then the
 * float4 elements, all in network byte order.
 */
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			reserved;
	Vector	   *result;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	reserved = (int16) pq_getmsgint(buf, sizeof(int16));

	CheckVectorDim(dim);
	if (reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type vector"),
				 errdetail("The reserved field is %d; it must be zero.",
						   reserved)));
	CheckVectorTypmod(dim, typmod);

	result = InitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		CheckVectorElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_send(vector) returns bytea
 *
 * Binary output, the layout vector_recv() reads.
 */
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendfloat4(&buf, vec->x[i]);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * vector(vector, int4, bool) returns vector
 *
 * Length coercion: check a value against the type modifier of vector(n).
 */
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckVectorTypmod(vec->dim, typmod);

	PG_RETURN_VECTOR_P(vec);
}

/*
 * Convert a float8 to an element of type typname, rejecting what float4
 * (or fits, if not NULL) cannot hold.  Like text input, underflow to a
 * denormal or zero is accepted.
 */
static float
Float8ToElement(const char *typname, VectorElementFits fits, double value)
{
	float		result = (float) value;

	if ((isinf(result) && !isinf(value)) ||
		(fits != NULL && isfinite(result) && !fits(result)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %g is out of range for type %s",
						value, typname)));

	CheckVectorTypeElement(typname, result);

	return result;
}

/*
 * Convert a numeric to an element of type typname.  Going through the
 * decimal text rounds exactly once, straight to the nearest float4, as
 * numeric's own cast to real does.
 */
static float
NumericToElement(const char *typname, VectorElementFits fits, Datum value)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, value));
	char	   *end;
	float		result;

	errno = 0;
	result = strtof(text, &end);
	if (end == text || *end != '\0')
		elog(ERROR, "unexpected numeric output \"%s\"", text);
	result = CheckParsedElement(typname, fits, result, errno, text, end);

	pfree(text);
	return result;
}

/*
 * The elements of an integer[], real[], double precision[] or numeric[]
 * as float4 values for type typname (vector or halfvec): checked to be
 * finite, accepted by fits (NULL: every finite float4 fits) and as many as
 * typmod asks for.  Returns a palloc'd array; *dim is set to its length.
 */
float *
VectorTypeArrayToFloats(const char *typname, VectorElementFits fits,
						ArrayType *array, int32 typmod, int *dim)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	Datum	   *elems;
	int			nelems;
	float	   *result;

	switch (elemtype)
	{
		case INT4OID:
			elemlen = sizeof(int32);
			elembyval = true;
			elemalign = TYPALIGN_INT;
			break;
		case FLOAT4OID:
			elemlen = sizeof(float4);
			elembyval = true;
			elemalign = TYPALIGN_INT;
			break;
		case FLOAT8OID:
			elemlen = sizeof(float8);
			elembyval = FLOAT8PASSBYVAL;
			elemalign = TYPALIGN_DOUBLE;
			break;
		case NUMERICOID:
			elemlen = -1;
			elembyval = false;
			elemalign = TYPALIGN_INT;
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot convert an array of type %s to a %s",
							format_type_be(elemtype), typname)));
	}

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot convert a multidimensional array to a %s",
						typname),
				 errhint("Use a one-dimensional array.")));

	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cannot convert an array containing nulls to a %s",
						typname)));

	nelems = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	CheckVectorTypeDim(typname, nelems);
	CheckVectorTypeTypmod(typname, nelems, typmod);

	deconstruct_array(array, elemtype, elemlen, elembyval, elemalign,
					  &elems, NULL, &nelems);

	result = (float *) palloc(sizeof(float) * nelems);
	for (int i = 0; i < nelems; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				result[i] = Float8ToElement(typname, fits,
											(double) DatumGetInt32(elems[i]));
				break;
			case FLOAT4OID:
				result[i] = Float8ToElement(typname, fits,
											(double) DatumGetFloat4(elems[i]));
				break;
			case FLOAT8OID:
				result[i] = Float8ToElement(typname, fits,
											DatumGetFloat8(elems[i]));
				break;
			case NUMERICOID:
				result[i] = NumericToElement(typname, fits, elems[i]);
				break;
		}
	}

	pfree(elems);
	*dim = nelems;
	return result;
}

/*
 * array_to_vector(anyarray, int4, bool) returns vector
 *
 * Cast from integer[], real[], double precision[] and numeric[].  The SQL
 * declarations name the concrete array types; the element type is read
 * from the array itself.
 */
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			dim;
	float	   *elements;
	Vector	   *result;

	elements = VectorTypeArrayToFloats("vector", NULL, array, typmod, &dim);
	result = InitVector(dim);
	memcpy(result->x, elements, sizeof(float) * dim);
	pfree(elements);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_to_float4(vector, int4, bool) returns real[]
 */
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	Datum	   *elems;
	ArrayType  *result;

	elems = (Datum *) palloc(sizeof(Datum) * vec->dim);
	for (int i = 0; i < vec->dim; i++)
		elems[i] = Float4GetDatum(vec->x[i]);

	result = construct_array(elems, vec->dim, FLOAT4OID, sizeof(float4),
							 true, TYPALIGN_INT);

	pfree(elems);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_ARRAYTYPE_P(result);
}
