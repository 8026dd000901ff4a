/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The sparsevec type: on-disk layout and helpers shared by its modules.
 *
 * A sparse vector is a varlena holding the number of dimensions, the
 * number of non-zero elements (nnz), a 32-bit field that must be zero, the
 * nnz 0-based indices of the non-zero elements in strictly ascending order,
 * and then their nnz float4 values, none of them zero, NaN or infinite:
 * 8 * nnz + 16 bytes in all.  Binary send/receive mirrors this layout in
 * network byte order, as pgvector clients expect.  Every function that
 * builds a sparse vector keeps these invariants; the distance kernels and
 * the comparisons rely on them.
 *
 * src/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_SPARSEVEC_H
#define HNSWEXT_SPARSEVEC_H

#include "postgres.h"
#include "fmgr.h"

#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of non-zero elements */
	int32		unused;			/* reserved, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* 0-based, ascending */
	/* float4 values[nnz] follow the indices */
} SparseVector;

#define SPARSEVEC_SIZE(_nnz) \
	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (_nnz))
#define SPARSEVEC_VALUES(_v)	((float *) ((_v)->indices + (_v)->nnz))
#define DatumGetSparseVector(d)	((SparseVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))
#define PG_RETURN_SPARSEVEC_P(v) PG_RETURN_POINTER(v)

/* sparsevec.c */
extern SparseVector *InitSparseVector(int dim, int nnz);
extern void CheckSparsevecDim(int64 dim);
extern void CheckSparsevecNnz(int64 nnz);
extern void CheckSparsevecDimsMatch(int a, int b);
extern void CheckSparsevecTypmod(int dim, int32 typmod);

/*
 * sparsevec_ops.c: the distance functions that operator classes of the
 * hnsw access method will name, by which the index recognises them
 */
extern Datum sparsevec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum sparsevec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum sparsevec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* HNSWEXT_SPARSEVEC_H */
