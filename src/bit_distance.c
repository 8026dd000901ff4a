/*-------------------------------------------------------------------------
 *
 * bit_distance.c
 *	  Hamming and Jaccard kernels over bit strings: a portable version and
 *	  POPCNT and AVX-512 VPOPCNTDQ versions chosen at load time.
 *
 * Every kernel walks the strings in 64-bit words (the AVX-512 one in blocks
 * of eight words first) and ends with one word assembled from the bytes
 * left over, the pad bits of a partial last byte cleared (BitTailWords).
 * Words are loaded with memcpy: the strings need not be aligned.
 *
 * The library is compiled for baseline x86-64, which lacks the POPCNT
 * instruction; the faster kernels are compiled for their instruction sets
 * with target attributes and chosen only when the running CPU reports
 * them.  The environment variable HNSWEXT_BIT_KERNEL (scalar, popcnt or
 * avx512) caps the choice, for tests and benchmarks.
 *
 * src/bit_distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>
#include <string.h>

#include "bit_distance.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_BIT_KERNELS 1
#include <immintrin.h>
#endif

BitHammingKernelFunc BitHammingKernel = BitHammingScalar;
BitJaccardKernelFunc BitJaccardKernel = BitJaccardScalar;

static const char *bit_kernel_name = "scalar";

/*
 * Load 8 bytes from p as a word.  The byte order within the word does not
 * matter: the kernels only combine words bit by bit and count their bits.
 */
static inline uint64
LoadWord(const unsigned char *p)
{
	uint64		w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * The bits of a and b after their first nbits / 64 words, as one word each
 * (zero-filled, pad bits of a partial last byte cleared).  Returns false
 * when nbits is a multiple of 64 and nothing is left.
 */
static inline bool
BitTailWords(int nbits, const unsigned char *a, const unsigned char *b,
			 uint64 *ta, uint64 *tb)
{
	int			offset = (nbits / 64) * 8;
	int			rest = nbits % 64;
	int			nbytes = (rest + 7) / 8;
	unsigned char abuf[8] = {0};
	unsigned char bbuf[8] = {0};

	if (rest == 0)
		return false;
	memcpy(abuf, a + offset, nbytes);
	memcpy(bbuf, b + offset, nbytes);
	if (rest % 8 != 0)
	{
		/* the string's last bits are the high bits of its last byte */
		unsigned char keep = (unsigned char) (0xFF << (8 - rest % 8));

		abuf[nbytes - 1] &= keep;
		bbuf[nbytes - 1] &= keep;
	}
	memcpy(ta, abuf, sizeof(*ta));
	memcpy(tb, bbuf, sizeof(*tb));
	return true;
}

/*
 * Number of set bits in x with shifts, masks and one multiplication: no
 * instruction beyond baseline ones.
 */
static inline uint64
PopcountPortable(uint64 x)
{
	x = x - ((x >> 1) & UINT64CONST(0x5555555555555555));
	x = (x & UINT64CONST(0x3333333333333333)) +
		((x >> 2) & UINT64CONST(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64CONST(0x0F0F0F0F0F0F0F0F);
	return (x * UINT64CONST(0x0101010101010101)) >> 56;
}

/*
 * BitHammingScalar
 *		Number of the first nbits positions where a and b differ.
 */
uint64
BitHammingScalar(int nbits, const void *va, const void *vb)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	uint64		count = 0;
	uint64		ta;
	uint64		tb;

	for (int i = 0; i < nwords; i++)
		count += PopcountPortable(LoadWord(a + 8 * i) ^ LoadWord(b + 8 * i));
	if (BitTailWords(nbits, a, b, &ta, &tb))
		count += PopcountPortable(ta ^ tb);
	return count;
}

/*
 * BitJaccardScalar
 *		Count the positions among the first nbits set in both a and b, and
 *		those set in either.
 */
void
BitJaccardScalar(int nbits, const void *va, const void *vb,
				 uint64 *common, uint64 *either)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	uint64		both = 0;
	uint64		any = 0;
	uint64		ta;
	uint64		tb;

	for (int i = 0; i < nwords; i++)
	{
		uint64		wa = LoadWord(a + 8 * i);
		uint64		wb = LoadWord(b + 8 * i);

		both += PopcountPortable(wa & wb);
		any += PopcountPortable(wa | wb);
	}
	if (BitTailWords(nbits, a, b, &ta, &tb))
	{
		both += PopcountPortable(ta & tb);
		any += PopcountPortable(ta | tb);
	}
	*common = both;
	*either = any;
}

#ifdef HAVE_X86_BIT_KERNELS

#define POPCNT_TARGET __attribute__((target("popcnt")))
#define VPOPCNTDQ_TARGET \
	__attribute__((target("popcnt,avx512f,avx512vpopcntdq")))

/*
 * BitHammingPopcnt
 *		BitHammingScalar with the POPCNT instruction.
 */
POPCNT_TARGET static uint64
BitHammingPopcnt(int nbits, const void *va, const void *vb)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	uint64		count = 0;
	uint64		ta;
	uint64		tb;

	for (int i = 0; i < nwords; i++)
		count += __builtin_popcountll(LoadWord(a + 8 * i) ^ LoadWord(b + 8 * i));
	if (BitTailWords(nbits, a, b, &ta, &tb))
		count += __builtin_popcountll(ta ^ tb);
	return count;
}

/*
 * BitJaccardPopcnt
 *		BitJaccardScalar with the POPCNT instruction.
 */
POPCNT_TARGET static void
BitJaccardPopcnt(int nbits, const void *va, const void *vb,
				 uint64 *common, uint64 *either)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	uint64		both = 0;
	uint64		any = 0;
	uint64		ta;
	uint64		tb;

	for (int i = 0; i < nwords; i++)
	{
		uint64		wa = LoadWord(a + 8 * i);
		uint64		wb = LoadWord(b + 8 * i);

		both += __builtin_popcountll(wa & wb);
		any += __builtin_popcountll(wa | wb);
	}
	if (BitTailWords(nbits, a, b, &ta, &tb))
	{
		both += __builtin_popcountll(ta & tb);
		any += __builtin_popcountll(ta | tb);
	}
	*common = both;
	*either = any;
}

/*
 * BitHammingVpopcntdq
 *		BitHammingScalar eight words at a time with AVX-512 VPOPCNTDQ; the
 *		words that do not fill a block go through POPCNT.
 */
VPOPCNTDQ_TARGET static uint64
BitHammingVpopcntdq(int nbits, const void *va, const void *vb)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	__m512i		sum = _mm512_setzero_si512();
	uint64		count;
	uint64		ta;
	uint64		tb;
	int			i = 0;

	for (; i + 8 <= nwords; i += 8)
	{
		__m512i		x = _mm512_xor_si512(_mm512_loadu_si512(a + 8 * i),
										 _mm512_loadu_si512(b + 8 * i));

		sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(x));
	}
	count = _mm512_reduce_add_epi64(sum);
	for (; i < nwords; i++)
		count += __builtin_popcountll(LoadWord(a + 8 * i) ^ LoadWord(b + 8 * i));
	if (BitTailWords(nbits, a, b, &ta, &tb))
		count += __builtin_popcountll(ta ^ tb);
	return count;
}

/*
 * BitJaccardVpopcntdq
 *		BitJaccardScalar eight words at a time with AVX-512 VPOPCNTDQ.
 */
VPOPCNTDQ_TARGET static void
BitJaccardVpopcntdq(int nbits, const void *va, const void *vb,
					uint64 *common, uint64 *either)
{
	const unsigned char *a = va;
	const unsigned char *b = vb;
	int			nwords = nbits / 64;
	__m512i		sum_both = _mm512_setzero_si512();
	__m512i		sum_any = _mm512_setzero_si512();
	uint64		both;
	uint64		any;
	uint64		ta;
	uint64		tb;
	int			i = 0;

	for (; i + 8 <= nwords; i += 8)
	{
		__m512i		wa = _mm512_loadu_si512(a + 8 * i);
		__m512i		wb = _mm512_loadu_si512(b + 8 * i);

		sum_both = _mm512_add_epi64(sum_both,
									_mm512_popcnt_epi64(_mm512_and_si512(wa, wb)));
		sum_any = _mm512_add_epi64(sum_any,
								   _mm512_popcnt_epi64(_mm512_or_si512(wa, wb)));
	}
	both = _mm512_reduce_add_epi64(sum_both);
	any = _mm512_reduce_add_epi64(sum_any);
	for (; i < nwords; i++)
	{
		uint64		wa = LoadWord(a + 8 * i);
		uint64		wb = LoadWord(b + 8 * i);

		both += __builtin_popcountll(wa & wb);
		any += __builtin_popcountll(wa | wb);
	}
	if (BitTailWords(nbits, a, b, &ta, &tb))
	{
		both += __builtin_popcountll(ta & tb);
		any += __builtin_popcountll(ta | tb);
	}
	*common = both;
	*either = any;
}

#endif							/* HAVE_X86_BIT_KERNELS */

/*
 * BitDistanceInit
 *		Point the kernels at the fastest code this CPU (and
 *		HNSWEXT_BIT_KERNEL, when set) allows.  Called once from _PG_init().
 */
void
BitDistanceInit(void)
{
#ifdef HAVE_X86_BIT_KERNELS
	const char *cap = getenv("HNSWEXT_BIT_KERNEL");
	bool		allow512 = cap == NULL || strcmp(cap, "avx512") == 0;
	bool		allow_popcnt = allow512 || strcmp(cap, "popcnt") == 0;
#endif

	BitHammingKernel = BitHammingScalar;
	BitJaccardKernel = BitJaccardScalar;
	bit_kernel_name = "scalar";

#ifdef HAVE_X86_BIT_KERNELS
	__builtin_cpu_init();
	if (allow512 && __builtin_cpu_supports("popcnt") &&
		__builtin_cpu_supports("avx512f") &&
		__builtin_cpu_supports("avx512vpopcntdq"))
	{
		BitHammingKernel = BitHammingVpopcntdq;
		BitJaccardKernel = BitJaccardVpopcntdq;
		bit_kernel_name = "avx512vpopcntdq";
	}
	else if (allow_popcnt && __builtin_cpu_supports("popcnt"))
	{
		BitHammingKernel = BitHammingPopcnt;
		BitJaccardKernel = BitJaccardPopcnt;
		bit_kernel_name = "popcnt";
	}
#endif
}

/*
 * BitDistanceKernelName
 *		Name of the kernels BitDistanceInit() chose, for diagnostics.
 */
const char *
BitDistanceKernelName(void)
{
	return bit_kernel_name;
}

/*
 * BitHammingDistance
 *		Hamming distance of two strings of nbits bits, as the index's
 *		kernels return distances (exact: at most 2^24 bits).
 */
float
BitHammingDistance(int nbits, const void *a, const void *b)
{
	return (float) BitHammingKernel(nbits, a, b);
}

/*
 * BitJaccardDistance
 *		Jaccard distance of two strings of nbits bits, rounded to float as
 *		the index's kernels return distances.
 */
float
BitJaccardDistance(int nbits, const void *a, const void *b)
{
	uint64		common;
	uint64		either;

	BitJaccardKernel(nbits, a, b, &common, &either);
	return (float) BitJaccardFromCounts(common, either);
}
