/*-------------------------------------------------------------------------
 *
 * sparsevec_fuzz.c
 *	  libFuzzer harness for the sparsevec type's parsers: text input
 *	  (sparsevec_in), binary input (sparsevec_recv) and the type modifier
 *	  (sparsevec_typmod_in), built from src/sparsevec.c itself (and
 *	  src/vector.c, for the casts).
 *
 * The first byte of an input picks the parser (its value modulo 3: text,
 * binary, type modifier) and the second the type modifier given to the
 * input functions (-1 when below 128, else 1 to 16).  The rest is the text,
 * the binary message, or the comma-separated modifiers.  An input passes
 * when the parser either returns a well-formed sparse vector that survives
 * the round trips below, or raises an error with one of the SQLSTATEs it
 * documents; any other outcome, or a memory error AddressSanitizer sees,
 * aborts.  Well-formed: dimensions in range, as many non-zero elements as
 * the size says and no more than the limits allow, the reserved field
 * zero, indices strictly ascending within the dimensions, values finite
 * and not zero.  Once the parser has returned, any error in the round trips
 * is a failure.
 *
 *	text	out and in again gives the same bytes; send and receive too;
 *			so does the cast to vector and back, where a vector can hold it
 *	binary	send gives back exactly the bytes received; out and in again
 *			gives the same value
 *	typmod	the modifier is the one number given, and typmod_out prints it
 *
 * test/fuzz/sparsevec_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "fuzz_stubs.h"
#include "sparsevec.h"
#include "vector.h"

extern Datum sparsevec_in(PG_FUNCTION_ARGS);
extern Datum sparsevec_out(PG_FUNCTION_ARGS);
extern Datum sparsevec_recv(PG_FUNCTION_ARGS);
extern Datum sparsevec_send(PG_FUNCTION_ARGS);
extern Datum sparsevec_typmod_in(PG_FUNCTION_ARGS);
extern Datum sparsevec_typmod_out(PG_FUNCTION_ARGS);
extern Datum vector_to_sparsevec(PG_FUNCTION_ARGS);
extern Datum sparsevec_to_vector(PG_FUNCTION_ARGS);

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK_FOR_INTERRUPTS() in sparsevec.c: no interrupt ever arrives */
volatile sig_atomic_t InterruptPending = false;

void
ProcessInterrupts(void)
{
	abort();
}

/*
 * Set once the parser under test has returned: an error after that, in a
 * round trip, is a failure whatever its SQLSTATE.
 */
static volatile bool parsed;

static void
fail(const char *what)
{
	fprintf(stderr, "sparsevec_fuzz: %s\n", what);
	abort();
}

/* Call fn with up to three arguments, none of them NULL. */
static Datum
call(PGFunction fn, int nargs, Datum a, Datum b, Datum c)
{
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = b;
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = c;
	fcinfo->args[2].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		fail("a function returned NULL");
	return result;
}

static bool
same_sparsevec(SparseVector *a, SparseVector *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* Abort unless svec keeps every invariant of the type and fits typmod. */
static void
check_well_formed(SparseVector *svec, int32 typmod, const char *who)
{
	float	   *values = SPARSEVEC_VALUES(svec);

	if (svec->dim < 1 || svec->dim > SPARSEVEC_MAX_DIM ||
		svec->nnz < 0 || svec->nnz > SPARSEVEC_MAX_NNZ ||
		svec->nnz > svec->dim ||
		VARSIZE(svec) != SPARSEVEC_SIZE(svec->nnz) || svec->unused != 0)
	{
		fprintf(stderr, "sparsevec_fuzz: %s: bad header\n", who);
		abort();
	}
	if (typmod != -1 && svec->dim != typmod)
	{
		fprintf(stderr, "sparsevec_fuzz: %s ignored the type modifier\n", who);
		abort();
	}
	for (int i = 0; i < svec->nnz; i++)
	{
		if (svec->indices[i] < 0 || svec->indices[i] >= svec->dim ||
			(i > 0 && svec->indices[i] <= svec->indices[i - 1]) ||
			!isfinite(values[i]) || values[i] == 0.0f)
		{
			fprintf(stderr, "sparsevec_fuzz: %s: bad element %d\n", who, i);
			abort();
		}
	}
}

/* send, then receive what was sent: same value, every byte consumed */
static void
check_binary_round_trip(SparseVector *svec, int32 typmod)
{
	bytea	   *sent = (bytea *) DatumGetPointer(call(sparsevec_send, 1,
											PointerGetDatum(svec), 0, 0));
	StringInfoData buf;
	SparseVector *again;

	buf.data = VARDATA(sent);
	buf.len = VARSIZE(sent) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	again = (SparseVector *) DatumGetPointer(call(sparsevec_recv, 3,
												  PointerGetDatum(&buf),
												  ObjectIdGetDatum(InvalidOid),
												  Int32GetDatum(typmod)));
	if (buf.cursor != buf.len)
		fail("sparsevec_recv left bytes of sparsevec_send's output");
	if (!same_sparsevec(svec, again))
		fail("send and receive changed the sparse vector");
}

/* out, then in: the same value */
static void
check_text_round_trip(SparseVector *svec, int32 typmod)
{
	char	   *text = DatumGetCString(call(sparsevec_out, 1,
											PointerGetDatum(svec), 0, 0));
	SparseVector *again;

	again = (SparseVector *) DatumGetPointer(call(sparsevec_in, 3,
												  CStringGetDatum(text),
												  ObjectIdGetDatum(InvalidOid),
												  Int32GetDatum(typmod)));
	if (!same_sparsevec(svec, again))
		fail("output and input changed the sparse vector");
}

/* to vector and back: the same value, where a vector can hold it */
static void
check_cast_round_trip(SparseVector *svec)
{
	Vector	   *vec;
	SparseVector *again;

	if (svec->dim > VECTOR_MAX_DIM)
		return;
	vec = (Vector *) DatumGetPointer(call(sparsevec_to_vector, 3,
										  PointerGetDatum(svec),
										  Int32GetDatum(-1),
										  BoolGetDatum(false)));
	if (vec->dim != svec->dim)
		fail("the cast to vector changed the dimensions");
	again = (SparseVector *) DatumGetPointer(call(vector_to_sparsevec, 3,
												  PointerGetDatum(vec),
												  Int32GetDatum(-1),
												  BoolGetDatum(false)));
	if (!same_sparsevec(svec, again))
		fail("the casts to vector and back changed the sparse vector");
}

static void
fuzz_text(const uint8_t *data, size_t size, int32 typmod)
{
	char	   *text = palloc(size + 1);
	SparseVector *svec;

	memcpy(text, data, size);
	text[size] = '\0';
	svec = (SparseVector *) DatumGetPointer(call(sparsevec_in, 3,
												 CStringGetDatum(text),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(typmod)));
	check_well_formed(svec, typmod, "sparsevec_in");
	parsed = true;
	check_text_round_trip(svec, typmod);
	check_binary_round_trip(svec, typmod);
	check_cast_round_trip(svec);
}

static void
fuzz_binary(const uint8_t *data, size_t size, int32 typmod)
{
	StringInfoData buf;
	SparseVector *svec;
	bytea	   *sent;

	buf.data = palloc(size + 1);
	memcpy(buf.data, data, size);
	buf.data[size] = '\0';
	buf.len = size;
	buf.maxlen = size + 1;
	buf.cursor = 0;
	svec = (SparseVector *) DatumGetPointer(call(sparsevec_recv, 3,
												 PointerGetDatum(&buf),
												 ObjectIdGetDatum(InvalidOid),
												 Int32GetDatum(typmod)));
	check_well_formed(svec, typmod, "sparsevec_recv");
	parsed = true;
	sent = (bytea *) DatumGetPointer(call(sparsevec_send, 1,
										  PointerGetDatum(svec), 0, 0));
	if (VARSIZE(sent) - VARHDRSZ != buf.cursor ||
		memcmp(VARDATA(sent), data, buf.cursor) != 0)
		fail("sparsevec_send does not give back the bytes received");
	check_text_round_trip(svec, typmod);
	check_cast_round_trip(svec);
}

static void
fuzz_typmod(const uint8_t *data, size_t size)
{
	char	   *text = palloc(size + 1);
	char	   *p;
	struct
	{
		int32		vl_len_;
		char		rest[sizeof(ArrayType)];
	}			array;
	int32		typmod;
	char	   *printed;
	char		expected[32];

	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_ntypmods = 0;
	for (p = text; fuzz_ntypmods < FUZZ_MAX_TYPMODS;)
	{
		char	   *comma = strchr(p, ',');

		fuzz_typmods[fuzz_ntypmods++] = p;
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}

	/* the stub reads the modifiers from fuzz_typmods, not the array */
	memset(&array, 0, sizeof(array));
	SET_VARSIZE(&array, sizeof(array));
	typmod = DatumGetInt32(call(sparsevec_typmod_in, 1,
								PointerGetDatum(&array), 0, 0));
	parsed = true;
	if (fuzz_ntypmods != 1 || typmod < 1 || typmod > SPARSEVEC_MAX_DIM ||
		typmod != (int32) strtol(fuzz_typmods[0], NULL, 10))
		fail("sparsevec_typmod_in accepted a bad modifier");
	printed = DatumGetCString(call(sparsevec_typmod_out, 1,
								   Int32GetDatum(typmod), 0, 0));
	snprintf(expected, sizeof(expected), "(%d)", typmod);
	if (strcmp(printed, expected) != 0)
		fail("sparsevec_typmod_out printed something else");
}

/* The five characters of an SQLSTATE code, as the backend's elog.c has them. */
static const char *
sqlstate_text(int code)
{
	static char buf[6];

	for (int i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

/* Is code one of the SQLSTATEs the parser of this mode may raise? */
static bool
expected_error(int mode, int code)
{
	switch (mode)
	{
		case 0:
			return code == ERRCODE_INVALID_TEXT_REPRESENTATION ||
				code == ERRCODE_DATA_EXCEPTION ||
				code == ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE ||
				code == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case 1:
			return code == ERRCODE_INVALID_BINARY_REPRESENTATION ||
				code == ERRCODE_PROTOCOL_VIOLATION ||
				code == ERRCODE_DATA_EXCEPTION ||
				code == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		default:
			return code == ERRCODE_INVALID_PARAMETER_VALUE ||
				code == ERRCODE_INVALID_TEXT_REPRESENTATION;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int mode;
	int32		typmod;

	if (size < 2)
		return 0;
	mode = data[0] % 3;
	typmod = data[1] < 128 ? -1 : 1 + data[1] % 16;
	data += 2;
	size -= 2;
	parsed = false;

	if (sigsetjmp(fuzz_error_jmp, 0) == 0)
	{
		if (mode == 0)
			fuzz_text(data, size, typmod);
		else if (mode == 1)
			fuzz_binary(data, size, typmod);
		else
			fuzz_typmod(data, size);
	}
	else if (parsed || !expected_error(mode, fuzz_error_code) ||
			 fuzz_error_message[0] == '\0')
	{
		fprintf(stderr, "sparsevec_fuzz: unexpected error %s%s: %s\n",
				sqlstate_text(fuzz_error_code),
				parsed ? " in a round trip" : "", fuzz_error_message);
		abort();
	}

	fuzz_free_all();
	return 0;
}
