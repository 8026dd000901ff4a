/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec type: text and binary I/O, type modifier, casts.
 *
 * Text form is {index:value,...}/dimensions, such as {1:1.5,3:-2}/5, with
 * 1-based indices.  Whitespace may surround every token.  Elements may come
 * in any order and are sorted by index; elements whose value is zero are
 * dropped, but their indices must still lie in 1 .. dimensions.  Two
 * non-zero elements with the same index are an error.  Values are parsed
 * with strtof(), as vector elements are; NaN, infinities and values too
 * large for float4 are errors, and so is a value too small for float4
 * that would underflow to zero (it would silently vanish from the vector);
 * like pgvector.
 *
 * Output lists the non-zero elements in ascending index order, each value
 * in the shortest decimal form that reads back as the same float4, so text
 * round trips are exact.
 *
 * src/sparsevec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "halfvec.h"
#include "sparsevec.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(sparsevec_in);
PG_FUNCTION_INFO_V1(sparsevec_out);
PG_FUNCTION_INFO_V1(sparsevec_typmod_in);
PG_FUNCTION_INFO_V1(sparsevec_typmod_out);
PG_FUNCTION_INFO_V1(sparsevec_recv);
PG_FUNCTION_INFO_V1(sparsevec_send);
PG_FUNCTION_INFO_V1(sparsevec);
PG_FUNCTION_INFO_V1(vector_to_sparsevec);
PG_FUNCTION_INFO_V1(sparsevec_to_vector);
PG_FUNCTION_INFO_V1(halfvec_to_sparsevec);
PG_FUNCTION_INFO_V1(sparsevec_to_halfvec);

/*
 * Error out unless dim is a dimension count a sparse vector can have.
 * Takes a 64-bit count so that parsers can pass what they read unclamped.
 */
void
CheckSparsevecDim(int64 dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec must have at least 1 dimension")));

	if (dim > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d dimensions",
						SPARSEVEC_MAX_DIM)));
}

/*
 * Error out if a sparse vector would have more than SPARSEVEC_MAX_NNZ
 * non-zero elements.
 */
void
CheckSparsevecNnz(int64 nnz)
{
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						SPARSEVEC_MAX_NNZ)));
}

/*
 * Error out if two operands of a binary sparsevec operation differ in
 * their number of dimensions.
 */
void
CheckSparsevecDimsMatch(int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec dimensions %d and %d do not match", a, b)));
}

/*
 * Error out if a sparse vector of dim dimensions does not fit type modifier
 * typmod (-1 means no modifier, which fits everything).
 */
void
CheckSparsevecTypmod(int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions for type sparsevec, got %d",
						typmod, dim)));
}

/*
 * Error out if value may not be stored in a sparse vector (NaN or
 * infinite).  Zero is the caller's business: text input drops it, binary
 * input rejects it.
 */
static void
CheckSparsevecValue(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN is not allowed in a sparsevec")));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite values are not allowed in a sparsevec")));
}

/*
 * Allocate a sparse vector of dim dimensions with room for nnz elements,
 * zeroed, in the current memory context.  Errors out if dim or nnz is out
 * of range; the caller fills in indices and values.
 */
SparseVector *
InitSparseVector(int dim, int nnz)
{
	SparseVector *result;

	CheckSparsevecDim(dim);
	CheckSparsevecNnz(nnz);
	if (nnz < 0 || nnz > dim)
		elog(ERROR, "invalid number of sparsevec elements %d for %d dimensions",
			 nnz, dim);

	result = (SparseVector *) palloc0(SPARSEVEC_SIZE(nnz));
	SET_VARSIZE(result, SPARSEVEC_SIZE(nnz));
	result->dim = dim;
	result->nnz = nnz;

	return result;
}

/*
 * Is c whitespace that may surround the tokens?  The same set as isspace()
 * in the C locale, so that strtoll() and strtof() never skip anything we
 * would not have skipped ourselves.
 */
static inline bool
SparsevecIsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline char *
SkipSparsevecSpace(char *p)
{
	while (SparsevecIsSpace(*p))
		p++;
	return p;
}

/*
 * Report malformed text input; detail says what is wrong.
 */
static void
SparsevecSyntaxError(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", input),
			 errdetail_internal("%s", detail)));
}

/* An element of text input, before its index has been checked */
typedef struct SparseInputElement
{
	int64		index;			/* 1-based, as written */
	float		value;			/* never zero */
} SparseInputElement;

/*
 * qsort comparator: ascending index.
 */
static int
CompareInputElements(const void *a, const void *b)
{
	int64		ia = ((const SparseInputElement *) a)->index;
	int64		ib = ((const SparseInputElement *) b)->index;

	return (ia > ib) - (ia < ib);
}

/*
 * Error out unless the 1-based index written in text input lies within
 * dim dimensions.
 */
static void
CheckInputIndex(int64 index, int dim)
{
	if (index < 1 || index > dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec index out of bounds"),
				 errdetail("Index %lld is not between 1 and %d.",
						   (long long) index, dim)));
}

/*
 * Validate a value strtof() read from text.  strtof_errno is errno as
 * strtof() left it; start and end delimit the number's text, for the
 * message.  Overflow, and underflow all the way to zero, are errors; an
 * underflow to a denormal is accepted.
 */
static float
CheckParsedValue(float value, int strtof_errno, const char *start,
				 const char *end)
{
	if (strtof_errno == ERANGE && (isinf(value) || value == 0.0f))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type sparsevec",
						pnstrdup(start, end - start))));

	CheckSparsevecValue(value);

	return value;
}

/*
 * Parse the elements of text input, from p just past the opening brace to
 * the closing brace.  Stores the non-zero elements in elements (room for
 * capacity of them) and their count in *count; the smallest and largest
 * index written, zero-valued elements included, go to *min_index and
 * *max_index (left alone if there is no element).  Returns the position
 * just past the closing brace.
 */
static char *
ParseSparsevecElements(const char *input, char *p,
					   SparseInputElement *elements, int capacity,
					   int *count, int64 *min_index, int64 *max_index)
{
	bool		first = true;

	p = SkipSparsevecSpace(p);
	if (*p == '}')
		return p + 1;

	for (;;)
	{
		int64		index;
		float		value;
		int			strtof_errno;
		char	   *end;
		char	   *next;

		/* no limit bounds the zero-valued elements, nor this loop */
		CHECK_FOR_INTERRUPTS();

		/* p is at the start of an element, past any whitespace */
		if (*p == ',' || *p == '}')
			SparsevecSyntaxError(input, "Sparse vector elements must not be empty.");
		if (*p == '\0')
			SparsevecSyntaxError(input, "Unexpected end of input.");

		/* an index beyond the range of int64 clamps, and is out of bounds */
		index = (int64) strtoll(p, &end, 10);
		if (end == p)
			SparsevecSyntaxError(input, "Sparse vector indices must be integers.");
		p = SkipSparsevecSpace(end);
		if (*p != ':')
			SparsevecSyntaxError(input,
								 "Sparse vector elements must have the form index:value.");
		p = SkipSparsevecSpace(p + 1);
		if (*p == '\0')
			SparsevecSyntaxError(input, "Unexpected end of input.");

		errno = 0;
		value = strtof(p, &end);
		strtof_errno = errno;
		if (end == p)
			SparsevecSyntaxError(input, "Sparse vector values must be numbers.");

		/* Check what follows first: "{1:infx}" is bad syntax, not infinity */
		next = SkipSparsevecSpace(end);
		if (*next == '\0')
			SparsevecSyntaxError(input, "Unexpected end of input.");
		if (*next != ',' && *next != '}')
			SparsevecSyntaxError(input,
								 "Sparse vector elements must be separated by \",\".");

		value = CheckParsedValue(value, strtof_errno, p, end);

		if (first || index < *min_index)
			*min_index = index;
		if (first || index > *max_index)
			*max_index = index;
		first = false;

		if (value != 0.0f)
		{
			if (*count == SPARSEVEC_MAX_NNZ)
				CheckSparsevecNnz(*count + 1);
			/* capacity counts the commas, so this cannot happen */
			if (*count >= capacity)
				elog(ERROR, "sparsevec input has more elements than commas");
			elements[*count].index = index;
			elements[*count].value = value;
			(*count)++;
		}

		if (*next == '}')
			return next + 1;
		p = SkipSparsevecSpace(next + 1);
	}
}

/*
 * sparsevec_in(cstring, oid, int4) returns sparsevec
 *
 * Parse the text form.
 */
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	char	   *p;
	char	   *end;
	int			capacity = 1;
	int			count = 0;
	int64		min_index = 1;	/* in bounds, should there be no element */
	int64		max_index = 1;
	int64		dim;
	SparseInputElement *elements;
	SparseVector *result;
	float	   *values;

	/*
	 * Every element after the first needs a comma, so this bounds the
	 * element count; more than SPARSEVEC_MAX_NNZ non-zero elements are an
	 * error anyway.
	 */
	for (p = input; *p != '\0' && capacity < SPARSEVEC_MAX_NNZ; p++)
	{
		if (*p == ',')
			capacity++;
	}
	elements = palloc(sizeof(SparseInputElement) * capacity);

	p = SkipSparsevecSpace(input);
	if (*p != '{')
		SparsevecSyntaxError(input, "Sparse vector contents must start with \"{\".");
	p = ParseSparsevecElements(input, p + 1, elements, capacity, &count,
							   &min_index, &max_index);

	p = SkipSparsevecSpace(p);
	if (*p == '\0')
		SparsevecSyntaxError(input, "Unexpected end of input.");
	if (*p != '/')
		SparsevecSyntaxError(input,
							 "The closing \"}\" must be followed by \"/\" and the number of dimensions.");
	p = SkipSparsevecSpace(p + 1);

	/* a count beyond the range of int64 clamps, and is out of range */
	dim = (int64) strtoll(p, &end, 10);
	if (end == p)
		SparsevecSyntaxError(input, "The number of dimensions must be an integer.");
	p = SkipSparsevecSpace(end);
	if (*p != '\0')
		SparsevecSyntaxError(input,
							 "Unexpected text after the number of dimensions.");

	CheckSparsevecDim(dim);
	CheckSparsevecTypmod((int) dim, typmod);
	CheckInputIndex(min_index, (int) dim);
	CheckInputIndex(max_index, (int) dim);

	/*
	 * Sort, and reject duplicates before allocating: indices that are in
	 * bounds and distinct cannot outnumber the dimensions.
	 */
	qsort(elements, count, sizeof(SparseInputElement), CompareInputElements);
	for (int i = 1; i < count; i++)
	{
		if (elements[i].index == elements[i - 1].index)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec indices must not contain duplicates"),
					 errdetail("Index %lld has more than one non-zero value.",
							   (long long) elements[i].index)));
	}

	result = InitSparseVector((int) dim, count);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < count; i++)
	{
		/* 1-based in text, 0-based in storage */
		result->indices[i] = (int32) (elements[i].index - 1);
		values[i] = elements[i].value;
	}

	pfree(elements);
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * Write the decimal digits of value at p; returns the number written (no
 * terminator).  The backend's pg_ultoa_n() would do, but this file also
 * runs in the fuzz harness, which has no backend.
 */
static int
WriteDecimal(char *p, uint32 value)
{
	char		digits[10];
	int			n = 0;

	do
	{
		digits[n++] = '0' + value % 10;
		value /= 10;
	} while (value > 0);

	for (int i = 0; i < n; i++)
		p[i] = digits[n - 1 - i];
	return n;
}

/* Digits of the largest index or dimension count, SPARSEVEC_MAX_DIM */
#define SPARSEVEC_MAX_DIGITS 10

/*
 * sparsevec_out(sparsevec) returns cstring
 *
 * Indices are written 1-based, values in their shortest exact form, so the
 * output reads back as the same sparse vector.
 */
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	char	   *result;
	char	   *p;

	/*
	 * Per element: the index, a colon, the value and a comma
	 * (FLOAT_SHORTEST_DECIMAL_LEN counts a terminating zero byte, which
	 * leaves room for the comma).  Then the braces, the slash, the
	 * dimensions and our own terminator.
	 */
	result = palloc((SPARSEVEC_MAX_DIGITS + 1 + FLOAT_SHORTEST_DECIMAL_LEN) *
					svec->nnz + SPARSEVEC_MAX_DIGITS + 4);
	p = result;

	*p++ = '{';
	for (int i = 0; i < svec->nnz; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += WriteDecimal(p, (uint32) svec->indices[i] + 1);
		*p++ = ':';
		p += float_to_shortest_decimal_bufn(values[i], p);
	}
	*p++ = '}';
	*p++ = '/';
	p += WriteDecimal(p, (uint32) svec->dim);
	*p = '\0';

	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_CSTRING(result);
}

/*
 * sparsevec_typmod_in(cstring[]) returns int4
 *
 * sparsevec(n) stores n, the required number of dimensions.
 */
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *modifiers = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *values;
	int			count;

	values = ArrayGetIntegerTypmods(modifiers, &count);

	if (count != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier for type sparsevec"),
				 errdetail("Type sparsevec takes one modifier, the number of dimensions.")));

	if (values[0] < 1 || values[0] > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of dimensions for type sparsevec: %d",
						values[0]),
				 errdetail("The number of dimensions must be between 1 and %d.",
						   SPARSEVEC_MAX_DIM)));

	PG_RETURN_INT32(values[0]);
}

/*
 * sparsevec_typmod_out(int4) returns cstring
 */
Datum
sparsevec_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	if (typmod < 0)
		PG_RETURN_CSTRING(pstrdup(""));

	PG_RETURN_CSTRING(psprintf("(%d)", typmod));
}

/*
 * sparsevec_recv(internal, oid, int4) returns sparsevec
 *
 * Binary input: int32 dimensions, int32 number of non-zero elements,
 * int32 reserved (zero), the 0-based indices as int32 and then the values
 * as float4, all in network byte order.  Everything is checked before it
 * is stored: the counts before anything is allocated, then each index
 * (within the dimensions, strictly ascending) and each value (finite, not
 * zero).
 */
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim;
	int32		nnz;
	int32		reserved;
	SparseVector *result;
	float	   *values;

	dim = (int32) pq_getmsgint(buf, sizeof(int32));
	nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	reserved = (int32) pq_getmsgint(buf, sizeof(int32));

	CheckSparsevecDim(dim);
	if (nnz < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type sparsevec"),
				 errdetail("The number of non-zero elements is %d.", nnz)));
	CheckSparsevecNnz(nnz);
	if (nnz > dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type sparsevec"),
				 errdetail("There are %d non-zero elements in %d dimensions.",
						   nnz, dim)));
	if (reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type sparsevec"),
				 errdetail("The reserved field is %d; it must be zero.",
						   reserved)));
	CheckSparsevecTypmod(dim, typmod);

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);

	for (int i = 0; i < nnz; i++)
	{
		int32		index = (int32) pq_getmsgint(buf, sizeof(int32));

		if (index < 0 || index >= dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index out of bounds"),
					 errdetail("Index %d is not between 0 and %d.",
							   index, dim - 1)));
		if (i > 0 && index == result->indices[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec indices must not contain duplicates"),
					 errdetail("Index %d appears more than once.", index)));
		if (i > 0 && index < result->indices[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec indices must be in ascending order"),
					 errdetail("Index %d follows index %d.",
							   index, result->indices[i - 1])));
		result->indices[i] = index;
	}

	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		CheckSparsevecValue(values[i]);
		if (values[i] == 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("binary representation of sparsevec cannot contain zero values"),
					 errdetail("The value at index %d is zero.",
							   result->indices[i])));
	}

	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_send(sparsevec) returns bytea
 *
 * Binary output, the layout sparsevec_recv() reads.
 */
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, svec->dim);
	pq_sendint32(&buf, svec->nnz);
	pq_sendint32(&buf, svec->unused);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendint32(&buf, svec->indices[i]);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendfloat4(&buf, values[i]);

	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * sparsevec(sparsevec, int4, bool) returns sparsevec
 *
 * Length coercion: check a value against the type modifier of
 * sparsevec(n).
 */
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckSparsevecTypmod(svec->dim, typmod);

	PG_RETURN_SPARSEVEC_P(svec);
}

/*
 * vector_to_sparsevec(vector, int4, bool) returns sparsevec
 *
 * Keeps the non-zero elements; -0 is zero and is dropped too.
 */
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			nnz = 0;
	int			j = 0;
	SparseVector *result;
	float	   *values;

	CheckSparsevecTypmod(vec->dim, typmod);

	for (int i = 0; i < vec->dim; i++)
	{
		if (vec->x[i] != 0.0f)
			nnz++;
	}

	result = InitSparseVector(vec->dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < vec->dim; i++)
	{
		if (vec->x[i] != 0.0f)
		{
			result->indices[j] = i;
			values[j] = vec->x[i];
			j++;
		}
	}

	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_to_vector(sparsevec, int4, bool) returns vector
 *
 * The dense form; a sparse vector with more dimensions than a vector may
 * have is an error.
 */
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	Vector	   *result;

	CheckVectorDim(svec->dim);
	CheckVectorTypmod(svec->dim, typmod);

	result = InitVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		result->x[svec->indices[i]] = values[i];

	PG_RETURN_VECTOR_P(result);
}

/*
 * halfvec_to_sparsevec(halfvec, int4, bool) returns sparsevec
 *
 * Keeps the non-zero elements, exactly (every half is a float4).
 */
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			nnz = 0;
	int			j = 0;
	SparseVector *result;
	float	   *values;

	CheckSparsevecTypmod(vec->dim, typmod);

	for (int i = 0; i < vec->dim; i++)
	{
		if (HalfToFloat4(vec->x[i]) != 0.0f)
			nnz++;
	}

	result = InitSparseVector(vec->dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < vec->dim; i++)
	{
		float		value = HalfToFloat4(vec->x[i]);

		if (value != 0.0f)
		{
			result->indices[j] = i;
			values[j] = value;
			j++;
		}
	}

	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_to_halfvec(sparsevec, int4, bool) returns halfvec
 *
 * The dense form, each value rounded to the nearest half; a value out of
 * range for halfvec, or more dimensions than a halfvec may have, is an
 * error.
 */
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	HalfVector *result;

	CheckVectorTypeDim("halfvec", svec->dim);
	CheckVectorTypeTypmod("halfvec", svec->dim, typmod);

	result = InitHalfVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		result->x[svec->indices[i]] = Float4ToHalfElement(values[i]);

	PG_RETURN_HALFVEC_P(result);
}
