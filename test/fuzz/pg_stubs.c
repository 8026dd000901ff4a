/*-------------------------------------------------------------------------
 *
 * pg_stubs.c
 *	  Just enough of the backend for src/vector.c and src/halfvec.c to run
 *	  inside a libFuzzer harness: memory, error reporting, message buffers.
 *
 * palloc() is plain malloc() with every block on a list, so that the
 * harness can free everything after each input, whether the code under
 * test returned or errored out; AddressSanitizer then sees each palloc'd
 * chunk as a block of its own, which the backend's allocator hides.
 * ereport(ERROR) formats its messages (so a bad format argument is caught
 * too) and longjmps back to the harness.  Functions those files link to but
 * the fuzzed paths never reach abort().
 *
 * test/fuzz/pg_stubs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fuzz_stubs.h"

sigjmp_buf	fuzz_error_jmp;
int			fuzz_error_code;
char		fuzz_error_message[1024];
const char *fuzz_typmods[FUZZ_MAX_TYPMODS];
int			fuzz_ntypmods;

static int	current_elevel;

/* Every palloc'd block starts with this header, on a doubly-linked list. */
typedef struct FuzzChunk
{
	struct FuzzChunk *prev;
	struct FuzzChunk *next;
	size_t		size;
	/* keep the payload MAXALIGNed */
	double		align;
} FuzzChunk;

static FuzzChunk chunks = {&chunks, &chunks, 0, 0};

#define PAYLOAD(c)	((void *) ((c) + 1))
#define CHUNK(p)	(((FuzzChunk *) (p)) - 1)

static void *
fuzz_alloc(Size size)
{
	FuzzChunk  *c = malloc(sizeof(FuzzChunk) + size);

	if (c == NULL)
		abort();
	c->size = size;
	c->next = chunks.next;
	c->prev = &chunks;
	chunks.next->prev = c;
	chunks.next = c;
	return PAYLOAD(c);
}

void
fuzz_free_all(void)
{
	while (chunks.next != &chunks)
		pfree(PAYLOAD(chunks.next));
}

void *
palloc(Size size)
{
	if (!AllocSizeIsValid(size))
		abort();
	return fuzz_alloc(size);
}

void *
palloc0(Size size)
{
	void	   *p = palloc(size);

	memset(p, 0, size);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	void	   *p = palloc(size);
	FuzzChunk  *old = CHUNK(pointer);

	memcpy(p, pointer, Min(size, old->size));
	pfree(pointer);
	return p;
}

void
pfree(void *pointer)
{
	FuzzChunk  *c = CHUNK(pointer);

	c->prev->next = c->next;
	c->next->prev = c->prev;
	free(c);
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
psprintf(const char *fmt,...)
{
	va_list		args;
	int			len;
	char	   *out;

	va_start(args, fmt);
	len = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	out = palloc(len + 1);
	va_start(args, fmt);
	vsnprintf(out, len + 1, fmt, args);
	va_end(args);
	return out;
}

/* error reporting */

bool
errstart(int elevel, const char *domain)
{
	current_elevel = elevel;
	fuzz_error_code = 0;
	fuzz_error_message[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (current_elevel >= ERROR)
		siglongjmp(fuzz_error_jmp, 1);
}

int
errcode(int sqlerrcode)
{
	fuzz_error_code = sqlerrcode;
	return 0;
}

/* Format like the backend would, keeping the primary message. */
static int
fuzz_format(bool primary, const char *fmt, va_list args)
{
	char		buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, args);
	if (primary)
		memcpy(fuzz_error_message, buf, sizeof(buf));
	return 0;
}

#define FORMATTER(name, primary) \
int \
name(const char *fmt,...) \
{ \
	va_list		args; \
	va_start(args, fmt); \
	fuzz_format(primary, fmt, args); \
	va_end(args); \
	return 0; \
}

FORMATTER(errmsg, true)
FORMATTER(errmsg_internal, true)
FORMATTER(errdetail, false)
FORMATTER(errdetail_internal, false)
FORMATTER(errhint, false)

/* message buffers, as in the backend's stringinfo.c and pqformat.c */

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0 || ((Size) needed) >= (MaxAllocSize - (Size) str->len))
		abort();
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	enlargeStringInfo(buf, VARHDRSZ);
	buf->len += VARHDRSZ;
	buf->data[buf->len] = '\0';
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendfloat4(StringInfo buf, float4 f)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.f = f;
	pq_sendint32(buf, swap.i);
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	unsigned char bytes[4];
	unsigned int result = 0;

	if (b != 1 && b != 2 && b != 4)
		abort();
	if (msg->cursor < 0 || b > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(bytes, &msg->data[msg->cursor], b);
	msg->cursor += b;
	for (int i = 0; i < b; i++)
		result = (result << 8) | bytes[i];
	return result;
}

float4
pq_getmsgfloat4(StringInfo msg)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.i = pq_getmsgint(msg, 4);
	return swap.f;
}

/* only plain 4-byte-header values reach the fuzzed functions */
struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
		abort();
	return datum;
}

/*
 * The type modifiers come from the harness (fuzz_typmods) rather than from
 * the array, and are parsed as the backend's ArrayGetIntegerTypmods() does
 * with pg_strtoint32(): an optional sign, decimal digits, surrounding
 * whitespace, and an error for anything else or out of range.
 */
int32 *
ArrayGetIntegerTypmods(ArrayType *arr, int *n)
{
	int32	   *result = palloc(sizeof(int32) * Max(fuzz_ntypmods, 1));

	for (int i = 0; i < fuzz_ntypmods; i++)
	{
		const char *s = fuzz_typmods[i];
		char	   *end;
		long		value;

		errno = 0;
		while (*s == ' ')
			s++;
		value = strtol(s, &end, 10);
		while (*end == ' ')
			end++;
		if (end == s || *end != '\0' || errno == ERANGE ||
			value < PG_INT32_MIN || value > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"integer", fuzz_typmods[i])));
		result[i] = (int32) value;
	}
	*n = fuzz_ntypmods;
	return result;
}

/* not reached by the fuzzed functions */

int
ArrayGetNItems(int ndim, const int *dims)
{
	abort();
}

bool
array_contains_nulls(ArrayType *array)
{
	abort();
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen,
				bool elmbyval, char elmalign)
{
	abort();
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp,
				  int *nelemsp)
{
	abort();
}

char *
format_type_be(Oid type_oid)
{
	abort();
}

Datum
numeric_out(PG_FUNCTION_ARGS)
{
	abort();
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	abort();
}
