/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *	  The halfvec type: a vector of IEEE binary16 values.
 *
 * The layout is vector's with 16-bit elements: a varlena holding a 16-bit
 * dimension count, a 16-bit field that must be zero, and the halves (2 d +
 * 8 bytes).  Binary send/receive mirrors it in network byte order, as
 * pgvector's clients expect.  Every element is finite.
 *
 * src/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_HALFVEC_H
#define HNSWEXT_HALFVEC_H

#include "postgres.h"
#include "fmgr.h"

#include "half.h"

#define HALFVEC_MAX_DIM 16000

typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of elements */
	int16		unused;			/* reserved, always zero */
	half		x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVector, x) + sizeof(half) * (_dim))
#define DatumGetHalfVector(d)	((HalfVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_HALFVEC_P(n)	DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_RETURN_HALFVEC_P(v)	PG_RETURN_POINTER(v)

/* halfvec.c */
extern HalfVector *InitHalfVector(int dim);
extern half Float4ToHalfElement(float value);

/*
 * halfvec_ops.c: the distance functions that operator classes of the hnsw
 * access method name, which the index recognises by address
 */
extern Datum halfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum halfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum halfvec_l1_distance(PG_FUNCTION_ARGS);

#endif							/* HNSWEXT_HALFVEC_H */
