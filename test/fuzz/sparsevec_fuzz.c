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

#include "miscadmin.h"

#include "fuzz_driver.h"
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

const char *fuzz_harness_name = "sparsevec_fuzz";

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

/* to vector and back: the same value, where a vector can hold it */
static void
check_cast_round_trip(SparseVector *svec)
{
	Vector	   *vec;
	SparseVector *again;

	if (svec->dim > VECTOR_MAX_DIM)
		return;
	vec = (Vector *) DatumGetPointer(fuzz_call(sparsevec_to_vector, 3,
										  PointerGetDatum(svec),
										  Int32GetDatum(-1),
										  BoolGetDatum(false)));
	if (vec->dim != svec->dim)
		fuzz_fail("the cast to vector changed the dimensions");
	again = (SparseVector *) DatumGetPointer(fuzz_call(vector_to_sparsevec, 3,
												  PointerGetDatum(vec),
												  Int32GetDatum(-1),
												  BoolGetDatum(false)));
	if (!fuzz_same_varlena(svec, again))
		fuzz_fail("the casts to vector and back changed the sparse vector");
}

static void
fuzz_text(const uint8_t *data, size_t size, int32 typmod)
{
	SparseVector *svec = fuzz_input(sparsevec_in, data, size, typmod);

	check_well_formed(svec, typmod, "sparsevec_in");
	parsed = true;
	fuzz_check_text_round_trip(sparsevec_in, sparsevec_out, svec, typmod);
	fuzz_check_binary_round_trip(sparsevec_recv, sparsevec_send, svec, typmod);
	check_cast_round_trip(svec);
}

static void
fuzz_binary(const uint8_t *data, size_t size, int32 typmod)
{
	StringInfoData buf;
	SparseVector *svec;

	fuzz_init_buffer(&buf, data, size);
	svec = fuzz_receive(sparsevec_recv, &buf, typmod);
	check_well_formed(svec, typmod, "sparsevec_recv");
	parsed = true;
	fuzz_check_send(sparsevec_send, svec, &buf);
	fuzz_check_text_round_trip(sparsevec_in, sparsevec_out, svec, typmod);
	check_cast_round_trip(svec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int mode;
	int32		typmod;

	if (size < 2)
		return 0;
	mode = data[0] % FUZZ_NMODES;
	typmod = data[1] < 128 ? -1 : 1 + data[1] % 16;
	data += 2;
	size -= 2;
	parsed = false;

	if (sigsetjmp(fuzz_error_jmp, 0) == 0)
	{
		if (mode == FUZZ_MODE_TEXT)
			fuzz_text(data, size, typmod);
		else if (mode == FUZZ_MODE_BINARY)
			fuzz_binary(data, size, typmod);
		else
			fuzz_typmod_round_trip(sparsevec_typmod_in, sparsevec_typmod_out,
								   data, size, SPARSEVEC_MAX_DIM);
	}
	else if (parsed || !fuzz_expected_error(mode, fuzz_error_code) ||
			 fuzz_error_message[0] == '\0')
		fuzz_report_error(parsed ? "in a round trip" : "sparsevec");

	fuzz_free_all();
	return 0;
}
