/*-------------------------------------------------------------------------
 *
 * fuzz_driver.h
 *	  What the parser harnesses (vector_fuzz.c, sparsevec_fuzz.c) share:
 *	  calling a function under test, the round trips every type must
 *	  survive, feeding a type modifier, and telling expected errors from
 *	  failures.
 *
 * Each harness defines fuzz_harness_name, which prefixes its messages.
 *
 * test/fuzz/fuzz_driver.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stdint.h>

#include "fmgr.h"
#include "lib/stringinfo.h"

/* The modes every harness has: which parser an input goes to */
#define FUZZ_MODE_TEXT		0
#define FUZZ_MODE_BINARY	1
#define FUZZ_MODE_TYPMOD	2
#define FUZZ_NMODES			3

extern const char *fuzz_harness_name;

extern void fuzz_fail(const char *what) pg_attribute_noreturn();
extern Datum fuzz_call(PGFunction fn, int nargs, Datum a, Datum b, Datum c);
extern bool fuzz_same_varlena(const void *a, const void *b);
extern char *fuzz_cstring(const uint8_t *data, size_t size);
extern void fuzz_init_buffer(StringInfo buf, const uint8_t *data,
							 size_t size);
extern void *fuzz_input(PGFunction in, const uint8_t *data, size_t size,
						int32 typmod);
extern void *fuzz_receive(PGFunction recv, StringInfo buf, int32 typmod);
extern void fuzz_check_send(PGFunction send, void *value, StringInfo buf);
extern void fuzz_check_text_round_trip(PGFunction in, PGFunction out,
									   void *value, int32 typmod);
extern void fuzz_check_binary_round_trip(PGFunction recv, PGFunction send,
										 void *value, int32 typmod);
extern int32 fuzz_typmod_round_trip(PGFunction typmod_in,
									PGFunction typmod_out,
									const uint8_t *data, size_t size,
									int32 max_typmod);
extern bool fuzz_expected_error(int mode, int code);
extern void fuzz_report_error(const char *context) pg_attribute_noreturn();

#endif							/* FUZZ_DRIVER_H */
