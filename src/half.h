/*-------------------------------------------------------------------------
 *
 * half.h
 *	  IEEE 754 binary16 ("half") values and their conversion to and from
 *	  float4.
 *
 * A half has 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits:
 * normal values from 2^-14 to 65504, subnormals down to 2^-24.  Every half
 * is exactly a float4, so HalfToFloat4() is exact; Float4ToHalf() rounds to
 * the nearest half, ties to even, as IEEE arithmetic does, and gives an
 * infinity of the same sign from 65520 up (the tie between 65504 and the
 * next power of two, 65536, goes to the even one, which is out of range).
 * NaN stays NaN.
 *
 * The portable functions are always defined (the tests compare them with
 * the hardware); HalfToFloat4() and Float4ToHalf() use the F16C
 * instructions when the compiler targets them, which give the same results.
 *
 * src/half.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HALF_H
#define HNSWEXT_HALF_H

#include <string.h>

#if defined(__F16C__)
#include <immintrin.h>
#endif

typedef uint16 half;

#define HALF_SIGN		0x8000
#define HALF_EXP_MASK	0x7c00
#define HALF_FRAC_MASK	0x03ff

/* Is h NaN or infinite? */
static inline bool
HalfIsSpecial(half h)
{
	return (h & HALF_EXP_MASK) == HALF_EXP_MASK;
}

static inline bool
HalfIsNan(half h)
{
	return HalfIsSpecial(h) && (h & HALF_FRAC_MASK) != 0;
}

static inline bool
HalfIsInf(half h)
{
	return (h & ~HALF_SIGN) == HALF_EXP_MASK;
}

/* Is h zero of either sign? */
static inline bool
HalfIsZero(half h)
{
	return (h & ~HALF_SIGN) == 0;
}

/*
 * The float4 equal to h, portable code.
 */
static inline float
HalfToFloat4Portable(half h)
{
	uint32		sign = (uint32) (h & HALF_SIGN) << 16;
	uint32		exponent = (h & HALF_EXP_MASK) >> 10;
	uint32		fraction = h & HALF_FRAC_MASK;
	uint32		bits;
	float		result;

	if (exponent == 0x1f)
	{
		/* infinity, or NaN made quiet (as F16C does) keeping its payload */
		bits = sign | 0x7f800000 | (fraction << 13);
		if (fraction != 0)
			bits |= 0x00400000;
	}
	else if (exponent == 0)
	{
		/* zero or subnormal: fraction * 2^-24, exact in float4 */
		result = (float) fraction * 5.9604644775390625e-8f;
		return sign ? -result : result;
	}
	else
		bits = sign | ((exponent + 127 - 15) << 23) | (fraction << 13);

	memcpy(&result, &bits, sizeof(result));
	return result;
}

/*
 * The half nearest to f (ties to even), portable code.
 */
static inline half
Float4ToHalfPortable(float f)
{
	uint32		bits;
	uint32		magnitude;
	half		sign;

	memcpy(&bits, &f, sizeof(bits));
	sign = (bits >> 16) & HALF_SIGN;
	magnitude = bits & 0x7fffffff;

	if (magnitude > 0x7f800000)
	{
		/* NaN: quiet, with the top of the payload, as F16C does */
		return sign | HALF_EXP_MASK | 0x0200 |
			((magnitude >> 13) & HALF_FRAC_MASK);
	}

	if (magnitude >= 0x477ff000)
	{
		/* 65520 or more (or infinity) rounds to infinity */
		return sign | HALF_EXP_MASK;
	}

	if (magnitude >= 0x38800000)
	{
		/* at least 2^-14: a normal half, rounded on the 13 dropped bits */
		uint32		result = ((magnitude >> 13) - ((127 - 15) << 10));
		uint32		dropped = magnitude & 0x1fff;

		/* a carry out of the fraction correctly bumps the exponent */
		if (dropped > 0x1000 || (dropped == 0x1000 && (result & 1)))
			result++;
		return sign | (half) result;
	}

	if (magnitude >= 0x33000000)
	{
		/*
		 * 2^-25 to 2^-14: a subnormal half (or the smallest normal one, which
		 * rounding up to 1024 units reaches), in units of 2^-24.  The float's
		 * significand is m * 2^(e - 150); in units that is m >> (126 - e),
		 * with 14 to 25 bits dropped.
		 */
		uint32		significand = (magnitude & 0x7fffff) | 0x800000;
		int			shift = 126 - (int) (magnitude >> 23);
		uint32		result = significand >> shift;
		uint32		dropped = significand & ((1u << shift) - 1);
		uint32		halfway = 1u << (shift - 1);

		if (dropped > halfway || (dropped == halfway && (result & 1)))
			result++;
		return sign | (half) result;
	}

	/* below 2^-25 (half the smallest subnormal, a tie to zero): zero */
	return sign;
}

/*
 * The float4 equal to h.
 */
static inline float
HalfToFloat4(half h)
{
#if defined(__F16C__)
	return _cvtsh_ss(h);
#else
	return HalfToFloat4Portable(h);
#endif
}

/*
 * The half nearest to f (ties to even); infinite when |f| >= 65520.
 */
static inline half
Float4ToHalf(float f)
{
#if defined(__F16C__)
	return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
#else
	return Float4ToHalfPortable(f);
#endif
}

#endif							/* HNSWEXT_HALF_H */
