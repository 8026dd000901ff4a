/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The vector type: on-disk layout and helpers shared by every module.
 *
 * A vector is a varlena holding a 16-bit dimension count, a 16-bit field
 * that must be zero (kept for the binary wire format and future flags),
 * and the float4 elements.  Binary send/receive mirrors this layout in
 * network byte order, which is what pgvector clients expect.
 *
 * src/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_VECTOR_H
#define HNSWEXT_VECTOR_H

#include "postgres.h"
#include "fmgr.h"

#define VECTOR_MAX_DIM 16000

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of elements */
	int16		unused;			/* reserved, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

#define VECTOR_SIZE(_dim)		(offsetof(Vector, x) + sizeof(float) * (_dim))
#define DatumGetVector(d)		((Vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n)	DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(v)	PG_RETURN_POINTER(v)

/* vector.c */
extern Vector *InitVector(int dim);
extern void CheckVectorDimsMatch(int a, int b);
extern void CheckVectorDim(int dim);
extern void CheckVectorElement(float value);
extern void CheckVectorTypmod(int dim, int32 typmod);

/*
 * vector_ops.c: the distance functions that operator classes of the hnsw
 * access method name, which the index recognises by address
 */
extern Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum l1_distance(PG_FUNCTION_ARGS);

#endif							/* HNSWEXT_VECTOR_H */
