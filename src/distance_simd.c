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
 * The environment variable HNSWEXT_KERNEL (scalar, avx2 or avx512) caps the
 * choice, for tests and benchmarks.
 *
 * src/distance_simd.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "distance.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_KERNELS 1
#include <immintrin.h>
#endif

#ifdef HAVE_X86_KERNELS

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define AVX512_TARGET __attribute__((target("avx512f")))

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
	if (allow512 && __builtin_cpu_supports("avx512f"))
	{
		L2SquaredDistanceKernel = L2SquaredDistanceAvx512;
		InnerProductKernel = InnerProductAvx512;
		L1DistanceKernel = L1DistanceAvx512;
		return "avx512f";
	}
	if (allow2 && __builtin_cpu_supports("avx2") &&
		__builtin_cpu_supports("fma"))
	{
		L2SquaredDistanceKernel = L2SquaredDistanceAvx2;
		InnerProductKernel = InnerProductAvx2;
		L1DistanceKernel = L1DistanceAvx2;
		return "avx2+fma";
	}
#endif
	return "scalar";
}
