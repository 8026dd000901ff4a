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

#include "fuzz_driver.h"
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

const char *fuzz_harness_name = "vector_fuzz";

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

/* Abort unless value is well formed and has the modifier's dimensions */
static void
check_value(const FuzzType *type, const void *value, int32 typmod,
			const char *who)
{
	char		what[64];

	/* both layouts start with the varlena header and an int16 dim */
	if (!type->well_formed(value))
	{
		snprintf(what, sizeof(what), "%s returned a malformed value", who);
		fuzz_fail(what);
	}
	if (typmod != -1 && ((const Vector *) value)->dim != typmod)
	{
		snprintf(what, sizeof(what), "%s ignored the type modifier", who);
		fuzz_fail(what);
	}
}

static void
fuzz_text(const FuzzType *type, const uint8_t *data, size_t size,
		  int32 typmod)
{
	void	   *value = fuzz_input(type->in, data, size, typmod);

	check_value(type, value, typmod, "text input");
	fuzz_check_text_round_trip(type->in, type->out, value, typmod);
	fuzz_check_binary_round_trip(type->recv, type->send, value, typmod);
}

static void
fuzz_binary(const FuzzType *type, const uint8_t *data, size_t size,
			int32 typmod)
{
	StringInfoData buf;
	void	   *value;

	fuzz_init_buffer(&buf, data, size);
	value = fuzz_receive(type->recv, &buf, typmod);
	check_value(type, value, typmod, "binary input");
	fuzz_check_send(type->send, value, &buf);
	fuzz_check_text_round_trip(type->in, type->out, value, typmod);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int mode;
	const FuzzType *type;
	int32		typmod;

	if (size < 2)
		return 0;
	mode = data[0] % (2 * FUZZ_NMODES);
	type = &fuzz_types[mode / FUZZ_NMODES];
	typmod = data[1] < 128 ? -1 : 1 + data[1] % 16;
	data += 2;
	size -= 2;

	if (sigsetjmp(fuzz_error_jmp, 0) == 0)
	{
		if (mode % FUZZ_NMODES == FUZZ_MODE_TEXT)
			fuzz_text(type, data, size, typmod);
		else if (mode % FUZZ_NMODES == FUZZ_MODE_BINARY)
			fuzz_binary(type, data, size, typmod);
		else
			fuzz_typmod_round_trip(type->typmod_in, type->typmod_out,
								   data, size, VECTOR_MAX_DIM);
	}
	else if (!fuzz_expected_error(mode % FUZZ_NMODES, fuzz_error_code) ||
			 fuzz_error_message[0] == '\0')
		fuzz_report_error(type->name);

	fuzz_free_all();
	return 0;
}
