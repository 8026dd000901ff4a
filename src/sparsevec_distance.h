/*-------------------------------------------------------------------------
 *
 * sparsevec_distance.h
 *	  Distance kernels for sparse vectors, shared by the SQL functions and,
 *	  later, the HNSW index.
 *
 * A sparse operand is given as its number of non-zero elements, their
 * indices (strictly ascending) and their values.  The kernels merge the
 * two index lists and sum the terms in ascending index order in float4,
 * which is the order and the precision of the dense kernels of distance.c
 * (the terms of the zero elements add nothing), so the results equal those
 * of the same vectors in dense form to the last bit.  They need nothing
 * from the backend and never read past nnz elements.
 *
 * src/sparsevec_distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_SPARSEVEC_DISTANCE_H
#define HNSWEXT_SPARSEVEC_DISTANCE_H

extern float SparseL2SquaredDistance(int nnz_a, const int32 *indices_a,
									 const float *values_a,
									 int nnz_b, const int32 *indices_b,
									 const float *values_b);
extern float SparseInnerProduct(int nnz_a, const int32 *indices_a,
								const float *values_a,
								int nnz_b, const int32 *indices_b,
								const float *values_b);
extern float SparseL1Distance(int nnz_a, const int32 *indices_a,
							  const float *values_a,
							  int nnz_b, const int32 *indices_b,
							  const float *values_b);
extern double SparseCosineDistance(int nnz_a, const int32 *indices_a,
								   const float *values_a,
								   int nnz_b, const int32 *indices_b,
								   const float *values_b);

#endif							/* HNSWEXT_SPARSEVEC_DISTANCE_H */
