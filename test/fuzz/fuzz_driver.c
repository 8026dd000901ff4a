/*-------------------------------------------------------------------------
 *
 * fuzz_driver.c
 *	  The parts of the parser harnesses that do not depend on the type
 *	  under test (see fuzz_driver.h).
 *
 * test/fuzz/fuzz_driver.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "utils/array.h"

#include "fuzz_driver.h"
#include "fuzz_stubs.h"

void
fuzz_fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", fuzz_harness_name, what);
	abort();
}

/* Call fn with up to three arguments, none of them NULL. */
Datum
fuzz_call(PGFunction fn, int nargs, Datum a, Datum b, Datum c)
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
		fuzz_fail("a function returned NULL");
	return result;
}

/* Every type under test is a varlena: the same value is the same bytes */
bool
fuzz_same_varlena(const void *a, const void *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* The input as a NUL-terminated string */
char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *text = palloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* A message buffer holding the input, as a receive function gets it */
void
fuzz_init_buffer(StringInfo buf, const uint8_t *data, size_t size)
{
	buf->data = fuzz_cstring(data, size);
	buf->len = size;
	buf->maxlen = size + 1;
	buf->cursor = 0;
}

/* The text input function's value for the input */
void *
fuzz_input(PGFunction in, const uint8_t *data, size_t size, int32 typmod)
{
	return DatumGetPointer(fuzz_call(in, 3,
									 CStringGetDatum(fuzz_cstring(data, size)),
									 ObjectIdGetDatum(InvalidOid),
									 Int32GetDatum(typmod)));
}

/* The receive function's value for the message in buf */
void *
fuzz_receive(PGFunction recv, StringInfo buf, int32 typmod)
{
	return DatumGetPointer(fuzz_call(recv, 3, PointerGetDatum(buf),
									 ObjectIdGetDatum(InvalidOid),
									 Int32GetDatum(typmod)));
}

/* send gives back exactly the bytes receive consumed from buf */
void
fuzz_check_send(PGFunction send, void *value, StringInfo buf)
{
	bytea	   *sent = (bytea *) DatumGetPointer(fuzz_call(send, 1,
											PointerGetDatum(value), 0, 0));

	if (VARSIZE(sent) - VARHDRSZ != buf->cursor ||
		memcmp(VARDATA(sent), buf->data, buf->cursor) != 0)
		fuzz_fail("send does not give back the bytes received");
}

/* out, then in: the same value */
void
fuzz_check_text_round_trip(PGFunction in, PGFunction out, void *value,
						   int32 typmod)
{
	char	   *text = DatumGetCString(fuzz_call(out, 1, PointerGetDatum(value),
												 0, 0));
	void	   *again;

	again = fuzz_input(in, (const uint8_t *) text, strlen(text), typmod);
	if (!fuzz_same_varlena(value, again))
		fuzz_fail("output and input changed the value");
}

/* send, then receive what was sent: same value, every byte consumed */
void
fuzz_check_binary_round_trip(PGFunction recv, PGFunction send, void *value,
							 int32 typmod)
{
	bytea	   *sent = (bytea *) DatumGetPointer(fuzz_call(send, 1,
											PointerGetDatum(value), 0, 0));
	StringInfoData buf;
	void	   *again;

	buf.data = VARDATA(sent);
	buf.len = VARSIZE(sent) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	again = fuzz_receive(recv, &buf, typmod);
	if (buf.cursor != buf.len)
		fuzz_fail("recv left bytes of send's output");
	if (!fuzz_same_varlena(value, again))
		fuzz_fail("send and receive changed the value");
}

/*
 * Give typmod_in the comma-separated modifiers of the input; it must accept
 * exactly one number from 1 to max_typmod, and typmod_out must print it back.
 * Returns the modifier.
 */
int32
fuzz_typmod_round_trip(PGFunction typmod_in, PGFunction typmod_out,
					   const uint8_t *data, size_t size, int32 max_typmod)
{
	char	   *text = fuzz_cstring(data, size);
	char	   *p;
	struct
	{
		int32		vl_len_;
		char		rest[sizeof(ArrayType)];
	}			array;
	int32		typmod;
	char	   *printed;
	char		expected[32];

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
	typmod = DatumGetInt32(fuzz_call(typmod_in, 1, PointerGetDatum(&array),
									 0, 0));
	if (fuzz_ntypmods != 1 || typmod < 1 || typmod > max_typmod ||
		typmod != (int32) strtol(fuzz_typmods[0], NULL, 10))
		fuzz_fail("typmod_in accepted a bad modifier");
	printed = DatumGetCString(fuzz_call(typmod_out, 1, Int32GetDatum(typmod),
										0, 0));
	snprintf(expected, sizeof(expected), "(%d)", typmod);
	if (strcmp(printed, expected) != 0)
		fuzz_fail("typmod_out printed something else");
	return typmod;
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
 * parsers of every type raise the same ones.
 */
bool
fuzz_expected_error(int mode, int code)
{
	switch (mode)
	{
		case FUZZ_MODE_TEXT:
			return code == ERRCODE_INVALID_TEXT_REPRESENTATION ||
				code == ERRCODE_DATA_EXCEPTION ||
				code == ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE ||
				code == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case FUZZ_MODE_BINARY:
			return code == ERRCODE_INVALID_BINARY_REPRESENTATION ||
				code == ERRCODE_PROTOCOL_VIOLATION ||
				code == ERRCODE_DATA_EXCEPTION ||
				code == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		default:
			return code == ERRCODE_INVALID_PARAMETER_VALUE ||
				code == ERRCODE_INVALID_TEXT_REPRESENTATION;
	}
}

/* Abort, saying which error was raised where it should not have been */
void
fuzz_report_error(const char *context)
{
	fprintf(stderr, "%s: %s: unexpected error %s: %s\n", fuzz_harness_name,
			context, sqlstate_text(fuzz_error_code), fuzz_error_message);
	abort();
}
