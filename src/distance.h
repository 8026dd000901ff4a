/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Distance kernels shared by the SQL functions and the HNSW index.
 *
 * Every metric has an exact, portable kernel that sums sequentially in
 * float4, the same way pgvector does, so that the SQL functions return
 * bit-identical results.  The index calls the kernels through the
 * function pointers below, which DistanceInit() points at the fastest
 * implementation the running CPU supports (distance_simd.c).
 *
 * All kernels take the dimension first and never read past dim elements.
 *
 * src/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_DISTANCE_H
#define HNSWEXT_DISTANCE_H

/*
 * A kernel takes two arrays of dim float4 values (the Half kernels: dim
 * IEEE binary16 values, see half.h).  They are passed as void
 * pointers so that the index can call the kernels of every type it holds
 * through one function pointer type.
 */
typedef float (*DistanceKernel) (int dim, const void *a, const void *b);

/* Portable kernels (exact sequential float4 sums, pgvector-compatible) */
extern float L2SquaredDistanceScalar(int dim, const void *a, const void *b);
extern float InnerProductScalar(int dim, const void *a, const void *b);
extern float L1DistanceScalar(int dim, const void *a, const void *b);
extern double CosineDistanceScalar(int dim, const float *a, const float *b);

/*
 * The same for halves: each half is converted to float4 and the sums run
 * exactly as the float4 kernels' do.
 */
extern float HalfL2SquaredDistanceScalar(int dim, const void *a, const void *b);
extern float HalfInnerProductScalar(int dim, const void *a, const void *b);
extern float HalfL1DistanceScalar(int dim, const void *a, const void *b);
extern double HalfCosineDistanceScalar(int dim, const void *a, const void *b);

/* Kernels chosen at load time for the index's hot path */
extern DistanceKernel L2SquaredDistanceKernel;
extern DistanceKernel InnerProductKernel;
extern DistanceKernel L1DistanceKernel;
extern DistanceKernel HalfL2SquaredDistanceKernel;
extern DistanceKernel HalfInnerProductKernel;
extern DistanceKernel HalfL1DistanceKernel;

/*
 * Exact halfvec kernels for the SQL functions: the same results, bit for
 * bit, as the Half*Scalar kernels (the same sequential float4 sums), with
 * the halves converted eight at a time where the CPU has F16C.
 */
extern DistanceKernel HalfL2SquaredDistanceExact;
extern DistanceKernel HalfInnerProductExact;
extern DistanceKernel HalfL1DistanceExact;

/*
 * Conversions of whole arrays of dim elements between float4 and IEEE
 * binary16 (uint16 here, "half" in half.h), as half.h's Float4ToHalf and
 * HalfToFloat4 convert one element.  Float4ToHalfArray returns false when
 * any result is infinite or NaN (an input that is NaN, infinite or of
 * magnitude 65520 or more); what it stored then is unspecified, and the
 * caller converts element by element to report the first bad one.
 */
typedef bool (*Float4ToHalfArrayFunc) (int dim, const float *in, uint16 *out);
typedef void (*HalfToFloat4ArrayFunc) (int dim, const uint16 *in, float *out);

extern bool Float4ToHalfArrayScalar(int dim, const float *in, uint16 *out);
extern void HalfToFloat4ArrayScalar(int dim, const uint16 *in, float *out);

extern Float4ToHalfArrayFunc Float4ToHalfArray;
extern HalfToFloat4ArrayFunc HalfToFloat4Array;

extern void DistanceInit(void);

/* distance_simd.c: points the kernels above at SIMD code, returns its name */
extern const char *DistanceChooseSimd(void);
extern const char *DistanceKernelName(void);

#endif							/* HNSWEXT_DISTANCE_H */
