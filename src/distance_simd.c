/*-------------------------------------------------------------------------
 *
 * distance_simd.c
 *	  AVX2+FMA and AVX-512F distance kernels, chosen at load time.
 *
 * The library is compiled for baseline x86-64; each kernel here is compiled
 * for its instruction set with a target attribute and used only when the
 * running CPU reports that set.  They sum in several lanes, so their results
 * may differ from the sequential portable kernels in the last bits: the
 * index uses them, the SQL functions keep the exact portable ones.
 *
 * The halfvec kernels convert eight or sixteen halves at a time to float4
 * (F16C's vcvtph2ps, or AVX-512F's form of it) and then sum like the float4
 * kernels.  The AVX2 family needs F16C as well for them; a CPU with AVX2
 * and FMA but not F16C (none is known) would keep the portable halfvec
 * kernels.
 *
 * With AVX and F16C, the SQL functions' halfvec kernels and the array
 * conversions of distance.h (the halfvec <-> vector casts) also convert
 * eight halves at a time; those kernels keep the portable kernels' order of
 * summation, so their results are the same bit for bit.
 *
 * The environment variable HNSWEXT_KERNEL (scalar, avx2 or avx512) caps the
 * choice, for tests and benchmarks.
 *
 * src/distance_simd.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>

#include "distance.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_KERNELS 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "half.h"

#ifdef HAVE_X86_KERNELS

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define AVX2_F16C_TARGET __attribute__((target("avx2,fma,f16c")))
#define AVX512_TARGET __attribute__((target("avx512f")))
/* no "fma": the exact kernels must round every product */
#define F16C_TARGET __attribute__((target("avx,f16c")))

AVX2_TARGET static inline float
HorizontalSum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

AVX2_TARGET static float
L2SquaredDistanceAvx2(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i),
									   _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8),
									   _mm256_loadu_ps(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	for (; i + 8 <= dim; i += 8)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i),
									   _mm256_loadu_ps(b + i));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
	}
	sum = HorizontalSum256(_mm256_add_ps(s0, s1));
	for (; i < dim; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

AVX2_TARGET static float
InnerProductAvx2(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8),
							 _mm256_loadu_ps(b + i + 8), s1);
	}
	for (; i + 8 <= dim; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	sum = HorizontalSum256(_mm256_add_ps(s0, s1));
	for (; i < dim; i++)
		sum += a[i] * b[i];
	return sum;
}

AVX2_TARGET static float
L1DistanceAvx2(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	const __m256 sign = _mm256_set1_ps(-0.0f);
	__m256		s0 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
	{
		__m256		d = _mm256_sub_ps(_mm256_loadu_ps(a + i),
									  _mm256_loadu_ps(b + i));

		s0 = _mm256_add_ps(s0, _mm256_andnot_ps(sign, d));
	}
	sum = HorizontalSum256(s0);
	for (; i < dim; i++)
	{
		float		d = a[i] - b[i];

		sum += d < 0 ? -d : d;
	}
	return sum;
}

/*
 * Eight halves as float4 lanes.
 */
AVX2_F16C_TARGET static inline __m256
LoadHalf8(const half *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

/*
 * The last n (fewer than 8) halves at p as float4 lanes, zero in the lanes
 * beyond them; reads only the n halves.
 */
AVX2_F16C_TARGET static inline __m256
LoadHalfTail8(const half *p, int n)
{
	half		buf[8] = {0};

	memcpy(buf, p, sizeof(half) * n);
	return LoadHalf8(buf);
}

AVX2_F16C_TARGET static float
HalfL2SquaredDistanceAvx2(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(LoadHalf8(a + i), LoadHalf8(b + i));
		__m256		d1 = _mm256_sub_ps(LoadHalf8(a + i + 8),
									   LoadHalf8(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	for (; i + 8 <= dim; i += 8)
	{
		__m256		d0 = _mm256_sub_ps(LoadHalf8(a + i), LoadHalf8(b + i));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
	}
	if (i < dim)
	{
		__m256		d1 = _mm256_sub_ps(LoadHalfTail8(a + i, dim - i),
									   LoadHalfTail8(b + i, dim - i));

		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	return HorizontalSum256(_mm256_add_ps(s0, s1));
}

AVX2_F16C_TARGET static float
HalfInnerProductAvx2(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
	{
		s0 = _mm256_fmadd_ps(LoadHalf8(a + i), LoadHalf8(b + i), s0);
		s1 = _mm256_fmadd_ps(LoadHalf8(a + i + 8), LoadHalf8(b + i + 8), s1);
	}
	for (; i + 8 <= dim; i += 8)
		s0 = _mm256_fmadd_ps(LoadHalf8(a + i), LoadHalf8(b + i), s0);
	if (i < dim)
		s1 = _mm256_fmadd_ps(LoadHalfTail8(a + i, dim - i),
							 LoadHalfTail8(b + i, dim - i), s1);
	return HorizontalSum256(_mm256_add_ps(s0, s1));
}

AVX2_F16C_TARGET static float
HalfL1DistanceAvx2(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	const __m256 sign = _mm256_set1_ps(-0.0f);
	__m256		s0 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
	{
		__m256		d = _mm256_sub_ps(LoadHalf8(a + i), LoadHalf8(b + i));

		s0 = _mm256_add_ps(s0, _mm256_andnot_ps(sign, d));
	}
	if (i < dim)
	{
		__m256		d = _mm256_sub_ps(LoadHalfTail8(a + i, dim - i),
									  LoadHalfTail8(b + i, dim - i));

		s0 = _mm256_add_ps(s0, _mm256_andnot_ps(sign, d));
	}
	return HorizontalSum256(s0);
}

/*
 * The exact halfvec kernels (distance.h): the halves are converted and the
 * differences, products or absolute values computed eight lanes at a time,
 * each rounded to float4 as the scalar kernels round them, and then added
 * to the sum one after another in element order, so the results are those
 * of the Half*Scalar kernels bit for bit.  This file has no fp-contract
 * pragma, so the target has no FMA: the compiler cannot fuse "sum += d * d"
 * in the tails.
 */
F16C_TARGET static inline __m256
LoadHalf8Exact(const half *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

F16C_TARGET static inline float
SumInOrder8(__m256 v, float sum)
{
	float		lanes[8];

	_mm256_storeu_ps(lanes, v);
	for (int j = 0; j < 8; j++)
		sum += lanes[j];
	return sum;
}

F16C_TARGET static float
HalfL2SquaredDistanceExactF16c(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		sum = 0.0f;
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
	{
		__m256		d = _mm256_sub_ps(LoadHalf8Exact(a + i),
									  LoadHalf8Exact(b + i));

		sum = SumInOrder8(_mm256_mul_ps(d, d), sum);
	}
	for (; i < dim; i++)
	{
		float		d = HalfToFloat4(a[i]) - HalfToFloat4(b[i]);
		float		sq = d * d;

		sum += sq;
	}
	return sum;
}

F16C_TARGET static float
HalfInnerProductExactF16c(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	float		sum = 0.0f;
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
		sum = SumInOrder8(_mm256_mul_ps(LoadHalf8Exact(a + i),
										LoadHalf8Exact(b + i)), sum);
	for (; i < dim; i++)
	{
		float		p = HalfToFloat4(a[i]) * HalfToFloat4(b[i]);

		sum += p;
	}
	return sum;
}

F16C_TARGET static float
HalfL1DistanceExactF16c(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	const __m256 sign = _mm256_set1_ps(-0.0f);
	float		sum = 0.0f;
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
		sum = SumInOrder8(_mm256_andnot_ps(sign,
										   _mm256_sub_ps(LoadHalf8Exact(a + i),
														 LoadHalf8Exact(b + i))),
						  sum);
	for (; i < dim; i++)
		sum += fabsf(HalfToFloat4(a[i]) - HalfToFloat4(b[i]));
	return sum;
}

/*
 * Float4ToHalfArray and HalfToFloat4Array with F16C, eight elements at a
 * time (vcvtps2ph rounds to nearest, ties to even, as Float4ToHalf does),
 * the tail element by element.
 */
F16C_TARGET static bool
Float4ToHalfArrayF16c(int dim, const float *in, uint16 *out)
{
	const __m128i exp_mask = _mm_set1_epi16(HALF_EXP_MASK);
	__m128i		special = _mm_setzero_si128();
	bool		finite = true;
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
	{
		__m128i		h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i),
										_MM_FROUND_TO_NEAREST_INT);

		_mm_storeu_si128((__m128i *) (out + i), h);
		special = _mm_or_si128(special,
							   _mm_cmpeq_epi16(_mm_and_si128(h, exp_mask),
											   exp_mask));
	}
	for (; i < dim; i++)
	{
		out[i] = Float4ToHalf(in[i]);
		if (HalfIsSpecial(out[i]))
			finite = false;
	}
	return finite && _mm_testz_si128(special, special);
}

F16C_TARGET static void
HalfToFloat4ArrayF16c(int dim, const uint16 *in, float *out)
{
	int			i = 0;

	for (; i + 8 <= dim; i += 8)
		_mm256_storeu_ps(out + i, LoadHalf8Exact(in + i));
	for (; i < dim; i++)
		out[i] = HalfToFloat4(in[i]);
}

/* Lanes of a final partial block of 16 */
#define TAIL_MASK(n)	((__mmask16) ((1u << (n)) - 1))

AVX512_TARGET static float
L2SquaredDistanceAvx512(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i),
									   _mm512_loadu_ps(b + i));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16),
									   _mm512_loadu_ps(b + i + 16));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
	}
	for (; i + 16 <= dim; i += 16)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i),
									   _mm512_loadu_ps(b + i));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
	}
	if (i < dim)
	{
		__mmask16	m = TAIL_MASK(dim - i);
		__m512		d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
									   _mm512_maskz_loadu_ps(m, b + i));

		s1 = _mm512_fmadd_ps(d0, d0, s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512_TARGET static float
InnerProductAvx512(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16),
							 _mm512_loadu_ps(b + i + 16), s1);
	}
	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
	if (i < dim)
	{
		__mmask16	m = TAIL_MASK(dim - i);

		s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i),
							 _mm512_maskz_loadu_ps(m, b + i), s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512_TARGET static float
L1DistanceAvx512(int dim, const void *va, const void *vb)
{
	const float *a = va;
	const float *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i),
														   _mm512_loadu_ps(b + i))));
	if (i < dim)
	{
		__mmask16	m = TAIL_MASK(dim - i);

		s0 = _mm512_add_ps(s0,
						   _mm512_abs_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
													   _mm512_maskz_loadu_ps(m, b + i))));
	}
	return _mm512_reduce_add_ps(s0);
}

/*
 * Sixteen halves as float4 lanes.
 */
AVX512_TARGET static inline __m512
LoadHalf16(const half *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p));
}

/*
 * The last n (fewer than 16) halves at p as float4 lanes, zero beyond them.
 * A masked load of 16-bit lanes needs AVX-512BW, so they are copied.
 */
AVX512_TARGET static inline __m512
LoadHalfTail16(const half *p, int n)
{
	half		buf[16] = {0};

	memcpy(buf, p, sizeof(half) * n);
	return LoadHalf16(buf);
}

AVX512_TARGET static float
HalfL2SquaredDistanceAvx512(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(LoadHalf16(a + i), LoadHalf16(b + i));
		__m512		d1 = _mm512_sub_ps(LoadHalf16(a + i + 16),
									   LoadHalf16(b + i + 16));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
	}
	for (; i + 16 <= dim; i += 16)
	{
		__m512		d0 = _mm512_sub_ps(LoadHalf16(a + i), LoadHalf16(b + i));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
	}
	if (i < dim)
	{
		__m512		d1 = _mm512_sub_ps(LoadHalfTail16(a + i, dim - i),
									   LoadHalfTail16(b + i, dim - i));

		s1 = _mm512_fmadd_ps(d1, d1, s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512_TARGET static float
HalfInnerProductAvx512(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= dim; i += 32)
	{
		s0 = _mm512_fmadd_ps(LoadHalf16(a + i), LoadHalf16(b + i), s0);
		s1 = _mm512_fmadd_ps(LoadHalf16(a + i + 16), LoadHalf16(b + i + 16),
							 s1);
	}
	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_fmadd_ps(LoadHalf16(a + i), LoadHalf16(b + i), s0);
	if (i < dim)
		s1 = _mm512_fmadd_ps(LoadHalfTail16(a + i, dim - i),
							 LoadHalfTail16(b + i, dim - i), s1);
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512_TARGET static float
HalfL1DistanceAvx512(int dim, const void *va, const void *vb)
{
	const half *a = va;
	const half *b = vb;
	__m512		s0 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 16 <= dim; i += 16)
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(LoadHalf16(a + i),
														   LoadHalf16(b + i))));
	if (i < dim)
		s0 = _mm512_add_ps(s0,
						   _mm512_abs_ps(_mm512_sub_ps(LoadHalfTail16(a + i, dim - i),
													   LoadHalfTail16(b + i, dim - i))));
	return _mm512_reduce_add_ps(s0);
}

/*
 * Does the CPU have F16C?  Compilers disagree on whether
 * __builtin_cpu_supports() knows the name, so ask CPUID.
 */
static bool
CpuHasF16c(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;

	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

#endif							/* HAVE_X86_KERNELS */

/*
 * DistanceChooseSimd
 *		Point the index kernels at the widest instruction set this CPU (and
 *		HNSWEXT_KERNEL, when set) allows.  Returns the name of the choice.
 */
const char *
DistanceChooseSimd(void)
{
#ifdef HAVE_X86_KERNELS
	const char *cap = getenv("HNSWEXT_KERNEL");
	bool		allow512 = cap == NULL || strcmp(cap, "avx512") == 0;
	bool		allow2 = allow512 || strcmp(cap, "avx2") == 0;

	__builtin_cpu_init();

	/* exact kernels and conversions: AVX and F16C are enough */
	if (allow2 && __builtin_cpu_supports("avx") && CpuHasF16c())
	{
		HalfL2SquaredDistanceExact = HalfL2SquaredDistanceExactF16c;
		HalfInnerProductExact = HalfInnerProductExactF16c;
		HalfL1DistanceExact = HalfL1DistanceExactF16c;
		Float4ToHalfArray = Float4ToHalfArrayF16c;
		HalfToFloat4Array = HalfToFloat4ArrayF16c;
	}

	if (allow512 && __builtin_cpu_supports("avx512f"))
	{
		L2SquaredDistanceKernel = L2SquaredDistanceAvx512;
		InnerProductKernel = InnerProductAvx512;
		L1DistanceKernel = L1DistanceAvx512;
		HalfL2SquaredDistanceKernel = HalfL2SquaredDistanceAvx512;
		HalfInnerProductKernel = HalfInnerProductAvx512;
		HalfL1DistanceKernel = HalfL1DistanceAvx512;
		return "avx512f";
	}
	if (allow2 && __builtin_cpu_supports("avx2") &&
		__builtin_cpu_supports("fma"))
	{
		L2SquaredDistanceKernel = L2SquaredDistanceAvx2;
		InnerProductKernel = InnerProductAvx2;
		L1DistanceKernel = L1DistanceAvx2;
		if (CpuHasF16c())
		{
			HalfL2SquaredDistanceKernel = HalfL2SquaredDistanceAvx2;
			HalfInnerProductKernel = HalfInnerProductAvx2;
			HalfL1DistanceKernel = HalfL1DistanceAvx2;
		}
		return "avx2+fma";
	}
#endif
	return "scalar";
}
