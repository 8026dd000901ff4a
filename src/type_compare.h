/*-------------------------------------------------------------------------
 *
 * type_compare.h
 *	  The comparison operators and btree support function that vector,
 *	  halfvec and sparsevec each define the same way from a three-way
 *	  comparison.
 *
 * src/type_compare.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HNSWEXT_TYPE_COMPARE_H
#define HNSWEXT_TYPE_COMPARE_H

#include "fmgr.h"

/*
 * Define prefix_lt, _le, _eq, _ne, _ge, _gt (the operators < <= = <> >= >,
 * for sorting, grouping and unique indexes) and prefix_cmp (btree support
 * function 1) from compare_args(fcinfo), which compares the two arguments
 * (-1, 0, 1) and frees what it detoasted.
 */
#define DEFINE_TYPE_COMPARISON(prefix, name, test) \
PG_FUNCTION_INFO_V1(prefix##_##name); \
Datum \
prefix##_##name(PG_FUNCTION_ARGS) \
{ \
	test; \
}

#define DEFINE_TYPE_COMPARISONS(prefix, compare_args) \
DEFINE_TYPE_COMPARISON(prefix, lt, PG_RETURN_BOOL(compare_args(fcinfo) < 0)) \
DEFINE_TYPE_COMPARISON(prefix, le, PG_RETURN_BOOL(compare_args(fcinfo) <= 0)) \
DEFINE_TYPE_COMPARISON(prefix, eq, PG_RETURN_BOOL(compare_args(fcinfo) == 0)) \
DEFINE_TYPE_COMPARISON(prefix, ne, PG_RETURN_BOOL(compare_args(fcinfo) != 0)) \
DEFINE_TYPE_COMPARISON(prefix, ge, PG_RETURN_BOOL(compare_args(fcinfo) >= 0)) \
DEFINE_TYPE_COMPARISON(prefix, gt, PG_RETURN_BOOL(compare_args(fcinfo) > 0)) \
DEFINE_TYPE_COMPARISON(prefix, cmp, PG_RETURN_INT32(compare_args(fcinfo)))

#endif							/* HNSWEXT_TYPE_COMPARE_H */
