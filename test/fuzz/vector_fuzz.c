/*-------------------------------------------------------------------------
 *
 * vector_fuzz.c
 *	  libFuzzer harness for the parsers of the vector and halfvec types:
 *	  text input (vector_in, halfvec_in), binary input (vector_recv,
 *	  halfvec_recv) and the type modifier (vector_typmod_in,
 *	  halfvec_typmod_in), built from src/vector.c and src/halfvec.c
 *	  themselves.
 *
 * The first byte of an input picks the parser (its value modulo 6: vector
 * text, binary, type modifier, then the same three for halfvec) and the
 * second the type modifier given to the input functions (-1 when below
 * 128, else 1 to 16).  The rest is the text,
 * the binary message, or the comma-separated modifiers.  An input passes
 * when the parser either returns a value that survives the round trips
 * below, or raises an error with one of the SQLSTATEs it documents; any
 * other outcome, or a memory error AddressSanitizer sees, aborts.
 *
 *	text	out and in again gives the same bytes; send and receive too
 *	binary	send gives back exactly the bytes received; out and in again
 *			gives the same value
 *	typmod	the modifier is the one number given, and typmod_out prints it
 *
 * A value must also be well formed: a valid dimension count, the size it
 * implies, the reserved field zero and, for halfvec, every element a
 * finite half.
 *
 * test/fuzz/vector_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#include "fuzz_stubs.h"
#include "halfvec.h"
#include "vector.h"

extern Datum vector_in(PG_FUNCTION_ARGS);
extern Datum vector_out(PG_FUNCTION_ARGS);
extern Datum vector_recv(PG_FUNCTION_ARGS);
extern Datum vector_send(PG_FUNCTION_ARGS);
extern Datum vector_typmod_in(PG_FUNCTION_ARGS);
extern Datum vector_typmod_out(PG_FUNCTION_ARGS);
extern Datum halfvec_in(PG_FUNCTION_ARGS);
extern Datum halfvec_out(PG_FUNCTION_ARGS);
extern Datum halfvec_recv(PG_FUNCTION_ARGS);
extern Datum halfvec_send(PG_FUNCTION_ARGS);
extern Datum halfvec_typmod_in(PG_FUNCTION_ARGS);

/* The functions of one type under test */
typedef struct FuzzType
{
	const char *name;
	PGFunction	in;
	PGFunction	out;
	PGFunction	recv;
	PGFunction	send;
	PGFunction	typmod_in;
	PGFunction	typmod_out;
	bool		(*well_formed) (const void *value);
} FuzzType;

static bool vector_well_formed(const void *value);
static bool halfvec_well_formed(const void *value);

static const FuzzType fuzz_types[] = {
	{"vector", vector_in, vector_out, vector_recv, vector_send,
	vector_typmod_in, vector_typmod_out, vector_well_formed},
	{"halfvec", halfvec_in, halfvec_out, halfvec_recv, halfvec_send,
	halfvec_typmod_in, vector_typmod_out, halfvec_well_formed},
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
	fprintf(stderr, "vector_fuzz: %s\n", what);
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

/* Both types are varlenas: the same value is the same bytes */
static bool
same_value(const void *a, const void *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

static bool
vector_well_formed(const void *value)
{
	const Vector *vec = value;

	return vec->dim >= 1 && vec->dim <= VECTOR_MAX_DIM &&
		VARSIZE(vec) == VECTOR_SIZE(vec->dim) && vec->unused == 0;
}

static bool
halfvec_well_formed(const void *value)
{
	const HalfVector *vec = value;

	if (vec->dim < 1 || vec->dim > HALFVEC_MAX_DIM ||
		VARSIZE(vec) != HALFVEC_SIZE(vec->dim) || vec->unused != 0)
		return false;
	for (int i = 0; i < vec->dim; i++)
	{
		if (HalfIsSpecial(vec->x[i]))
			return false;
	}
	return true;
}

/* Number of dimensions of a well-formed value of either type */
static int
value_dim(const void *value)
{
	/* both layouts start with the varlena header and an int16 dim */
	return ((const Vector *) value)->dim;
}

/* send, then receive what was sent: same value, every byte consumed */
static void
check_binary_round_trip(const FuzzType *type, void *value, int32 typmod)
{
	bytea	   *sent = (bytea *) DatumGetPointer(call(type->send, 1,
											PointerGetDatum(value), 0, 0));
	StringInfoData buf;
	void	   *again;

	buf.data = VARDATA(sent);
	buf.len = VARSIZE(sent) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	again = DatumGetPointer(call(type->recv, 3, PointerGetDatum(&buf),
								 ObjectIdGetDatum(InvalidOid),
								 Int32GetDatum(typmod)));
	if (buf.cursor != buf.len)
		fail("recv left bytes of send's output");
	if (!same_value(value, again))
		fail("send and receive changed the value");
}

/* out, then in: the same value */
static void
check_text_round_trip(const FuzzType *type, void *value, int32 typmod)
{
	char	   *text = DatumGetCString(call(type->out, 1,
											PointerGetDatum(value), 0, 0));
	void	   *again;

	again = DatumGetPointer(call(type->in, 3, CStringGetDatum(text),
								 ObjectIdGetDatum(InvalidOid),
								 Int32GetDatum(typmod)));
	if (!same_value(value, again))
		fail("output and input changed the value");
}

static void
fuzz_text(const FuzzType *type, const uint8_t *data, size_t size,
		  int32 typmod)
{
	char	   *text = palloc(size + 1);
	void	   *value;

	memcpy(text, data, size);
	text[size] = '\0';
	value = DatumGetPointer(call(type->in, 3, CStringGetDatum(text),
								 ObjectIdGetDatum(InvalidOid),
								 Int32GetDatum(typmod)));
	if (!type->well_formed(value))
		fail("text input returned a malformed value");
	if (typmod != -1 && value_dim(value) != typmod)
		fail("text input ignored the type modifier");
	check_text_round_trip(type, value, typmod);
	check_binary_round_trip(type, value, typmod);
}

static void
fuzz_binary(const FuzzType *type, const uint8_t *data, size_t size,
			int32 typmod)
{
	StringInfoData buf;
	void	   *value;
	bytea	   *sent;

	buf.data = palloc(size + 1);
	memcpy(buf.data, data, size);
	buf.data[size] = '\0';
	buf.len = size;
	buf.maxlen = size + 1;
	buf.cursor = 0;
	value = DatumGetPointer(call(type->recv, 3, PointerGetDatum(&buf),
								 ObjectIdGetDatum(InvalidOid),
								 Int32GetDatum(typmod)));
	if (!type->well_formed(value))
		fail("binary input returned a malformed value");
	if (typmod != -1 && value_dim(value) != typmod)
		fail("binary input ignored the type modifier");
	sent = (bytea *) DatumGetPointer(call(type->send, 1, PointerGetDatum(value),
										  0, 0));
	if (VARSIZE(sent) - VARHDRSZ != buf.cursor ||
		memcmp(VARDATA(sent), data, buf.cursor) != 0)
		fail("send does not give back the bytes received");
	check_text_round_trip(type, value, typmod);
}

static void
fuzz_typmod(const FuzzType *type, const uint8_t *data, size_t size)
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
	typmod = DatumGetInt32(call(type->typmod_in, 1, PointerGetDatum(&array),
								0, 0));
	if (fuzz_ntypmods != 1 || typmod < 1 || typmod > VECTOR_MAX_DIM ||
		typmod != (int32) strtol(fuzz_typmods[0], NULL, 10))
		fail("typmod_in accepted a bad modifier");
	printed = DatumGetCString(call(type->typmod_out, 1, Int32GetDatum(typmod),
								   0, 0));
	snprintf(expected, sizeof(expected), "(%d)", typmod);
	if (strcmp(printed, expected) != 0)
		fail("typmod_out printed something else");
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

/*
 * Is code one of the SQLSTATEs the parser of this mode may raise?  The
 * parsers of both types raise the same ones (halfvec's out-of-range error
 * is vector's).
 */
static bool
expected_error(int mode, int code)
{
	switch (mode % 3)
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
	const FuzzType *type;
	int32		typmod;

	if (size < 2)
		return 0;
	mode = data[0] % 6;
	type = &fuzz_types[mode / 3];
	typmod = data[1] < 128 ? -1 : 1 + data[1] % 16;
	data += 2;
	size -= 2;

	if (sigsetjmp(fuzz_error_jmp, 0) == 0)
	{
		if (mode % 3 == 0)
			fuzz_text(type, data, size, typmod);
		else if (mode % 3 == 1)
			fuzz_binary(type, data, size, typmod);
		else
			fuzz_typmod(type, data, size);
	}
	else if (!expected_error(mode, fuzz_error_code) ||
			 fuzz_error_message[0] == '\0')
	{
		fprintf(stderr, "vector_fuzz: %s: unexpected error %s: %s\n",
				type->name, sqlstate_text(fuzz_error_code),
				fuzz_error_message);
		abort();
	}

	fuzz_free_all();
	return 0;
}
