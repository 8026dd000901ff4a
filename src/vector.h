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
#include "utils/array.h"

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
 * vector.c: what vector shares with halfvec, which has the same text form,
 * limits and checks; typname names the type in messages.  A
 * VectorElementFits function says whether a finite float4 is in the
 * type's range (NULL: every one is).
 */
typedef bool (*VectorElementFits) (float value);

extern void CheckVectorTypeDim(const char *typname, int dim);
extern void CheckVectorTypeDimsMatch(const char *typname, int a, int b);
extern void CheckVectorTypeElement(const char *typname, float value);
extern void CheckVectorTypeTypmod(const char *typname, int dim, int32 typmod);
extern float *VectorTypeParseText(const char *typname, char *input,
								  VectorElementFits fits, int *dim);
extern int32 VectorTypeTypmodIn(const char *typname, ArrayType *modifiers);
extern float *VectorTypeArrayToFloats(const char *typname,
									  VectorElementFits fits,
									  ArrayType *array, int32 typmod,
									  int *dim);

/*
 * vector_ops.c: the distance functions that operator classes of the hnsw
 * access method name, which the index recognises by address
 */
extern Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum l1_distance(PG_FUNCTION_ARGS);

#endif							/* HNSWEXT_VECTOR_H */
