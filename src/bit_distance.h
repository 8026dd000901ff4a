/*-------------------------------------------------------------------------
 *
 * bit_distance.h
 *	  Hamming and Jaccard kernels over bit strings, chosen at load time.
 *
 * A bit string of n bits is the byte array PostgreSQL's bit type keeps
 * (VARBITS): the first bit is the high bit of the first byte, and the last
 * byte holds n % 8 bits in its high end when n is not a multiple of 8.  The
 * kernels read exactly (n + 7) / 8 bytes of each string and ignore the pad
 * bits of a partial last byte, whatever they hold.
 *
 * The kernels count bits, so every implementation returns the same numbers:
 * the SQL functions and the index can both use the fastest one the CPU has.
 * BitDistanceInit() points the kernel pointers at it (POPCNT or AVX-512
 * VPOPCNTDQ on x86-64, the portable code elsewhere).
 *
 * src/bit_distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_BIT_DISTANCE_H
#define HNSWEXT_BIT_DISTANCE_H

#include "fmgr.h"

/* Number of positions where a and b differ */
typedef uint64 (*BitHammingKernelFunc) (int nbits, const void *a,
										const void *b);

/* Number of positions set in both (*common) and in either (*either) */
typedef void (*BitJaccardKernelFunc) (int nbits, const void *a,
									  const void *b, uint64 *common,
									  uint64 *either);

/* Portable kernels: 64-bit words, popcount without special instructions */
extern uint64 BitHammingScalar(int nbits, const void *a, const void *b);
extern void BitJaccardScalar(int nbits, const void *a, const void *b,
							 uint64 *common, uint64 *either);

/* The kernels BitDistanceInit() chose */
extern BitHammingKernelFunc BitHammingKernel;
extern BitJaccardKernelFunc BitJaccardKernel;

extern void BitDistanceInit(void);
extern const char *BitDistanceKernelName(void);

/*
 * Jaccard distance from the counts: 1 - |a and b| / |a or b|, and 1 when
 * the strings share no set bit (two all-zero strings included), as in
 * pgvector.
 */
static inline double
BitJaccardFromCounts(uint64 common, uint64 either)
{
	if (common == 0)
		return 1.0;
	return 1.0 - (double) common / (double) either;
}

/*
 * Distances in the shape of the index's kernels (distance.h's
 * DistanceKernel): the dimension is the number of bits.
 */
extern float BitHammingDistance(int nbits, const void *a, const void *b);
extern float BitJaccardDistance(int nbits, const void *a, const void *b);

/*
 * The SQL distance functions (bit_ops.c); the index recognises its bit
 * operator classes by them.
 */
extern Datum hamming_distance(PG_FUNCTION_ARGS);
extern Datum jaccard_distance(PG_FUNCTION_ARGS);

#endif							/* HNSWEXT_BIT_DISTANCE_H */
