/*-------------------------------------------------------------------------
 *
 * fuzz_stubs.h
 *	  What the backend stubs (pg_stubs.c) share with the fuzz harness.
 *
 * test/fuzz/fuzz_stubs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_STUBS_H
#define FUZZ_STUBS_H

#include <setjmp.h>

#define FUZZ_MAX_TYPMODS 8

/* ereport(ERROR) jumps here, after setting the code and message */
extern sigjmp_buf fuzz_error_jmp;
extern int	fuzz_error_code;
extern char fuzz_error_message[1024];

/* what the stub ArrayGetIntegerTypmods() returns, parsed */
extern const char *fuzz_typmods[FUZZ_MAX_TYPMODS];
extern int	fuzz_ntypmods;

/* free everything palloc'd since the last call */
extern void fuzz_free_all(void);

#endif							/* FUZZ_STUBS_H */
