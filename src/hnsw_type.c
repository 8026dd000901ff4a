/*-------------------------------------------------------------------------
 *
 * hnsw_type.c
 *	  The types the index can hold: for each, how large a stored value is,
 *	  how a datum becomes one (checked, and normalized for cosine distance),
 *	  and the distance kernel of each metric; and the operator classes'
 *	  distance functions, by which an open index's type and metric are
 *	  recognised.  Indexing another type means a descriptor and its kernels
 *	  here, and its functions in the table below.
 *
 * src/hnsw_type.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "bit_distance.h"
#include "halfvec.h"
#include "hnsw.h"
#include "vector.h"

/*
 * vector: dimensions float4 values, stored as they are (normalized for
 * cosine distance).
 */
static Size
VectorValueSize(int dimensions)
{
	return sizeof(float) * dimensions;
}

static int
VectorMaxDimensions(void)
{
	return (int) (HnswMaxValueSize() / sizeof(float));
}

static bool
VectorPrepare(const HnswIndexInfo *info, Datum value, void *out)
{
	Vector	   *vec = DatumGetVector(value);
	float	   *x = (float *) out;

	if (vec->dim != info->dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d",
						info->dimensions, vec->dim)));

	memcpy(x, vec->x, sizeof(float) * vec->dim);

	if (info->normalize)
	{
		double		norm = 0.0;

		for (int i = 0; i < vec->dim; i++)
			norm += (double) x[i] * (double) x[i];
		if (norm == 0.0)
			return false;
		norm = sqrt(norm);
		for (int i = 0; i < vec->dim; i++)
			x[i] = (float) (x[i] / norm);
	}
	return true;
}

/*
 * The index orders inner-product opclasses by the negative inner product,
 * so that smaller is nearer for every metric.
 */
static float
VectorNegativeInnerProduct(int dim, const void *a, const void *b)
{
	return -InnerProductKernel(dim, a, b);
}

static float
VectorNegativeInnerProductScalar(int dim, const void *a, const void *b)
{
	return -InnerProductScalar(dim, a, b);
}

/* The kernels distance.c chose for this CPU when the library was loaded */
static HnswDistanceFn
VectorKernel(HnswMetric metric)
{
	switch (metric)
	{
		case HNSW_METRIC_L2:
			return L2SquaredDistanceKernel;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			return VectorNegativeInnerProduct;
		case HNSW_METRIC_L1:
			return L1DistanceKernel;
		default:
			break;
	}
	elog(ERROR, "unknown hnsw metric %d for type vector", (int) metric);
	return NULL;				/* keep the compiler quiet */
}

/* The sequential sums of the SQL functions (HnswDistance) */
static HnswDistanceFn
VectorExactKernel(HnswMetric metric)
{
	switch (metric)
	{
		case HNSW_METRIC_L2:
			return L2SquaredDistanceScalar;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			return VectorNegativeInnerProductScalar;
		case HNSW_METRIC_L1:
			return L1DistanceScalar;
		default:
			break;
	}
	elog(ERROR, "unknown hnsw metric %d for type vector", (int) metric);
	return NULL;				/* keep the compiler quiet */
}

static int
VectorDatumDimensions(Datum value)
{
	return DatumGetVector(value)->dim;
}

static void
VectorToFloat(Datum value, float *out)
{
	Vector	   *vec = DatumGetVector(value);

	memcpy(out, vec->x, sizeof(float) * vec->dim);
}

const HnswTypeInfo HnswVectorType = {
	.name = "vector",
	.builtin_type = InvalidOid,
	.default_opclass = "vector_l2_ops",
	.default_metric = HNSW_METRIC_L2,
	.datum_dimensions = VectorDatumDimensions,
	.to_float = VectorToFloat,
	.value_size = VectorValueSize,
	.max_dimensions = VectorMaxDimensions,
	.prepare = VectorPrepare,
	.kernel = VectorKernel,
	.exact_kernel = VectorExactKernel,
};

/*
 * halfvec: dimensions halves, 2 bytes each, padded with zeros to a 4-byte
 * boundary; normalized for cosine distance, each quotient rounded to half
 * as l2_normalize(halfvec) does.  The kernels convert to float4 as they go.
 */
static Size
HalfvecValueSize(int dimensions)
{
	return TYPEALIGN(4, sizeof(half) * dimensions);
}

static int
HalfvecMaxDimensions(void)
{
	return (int) ((HnswMaxValueSize() & ~((Size) 3)) / sizeof(half));
}

static bool
HalfvecPrepare(const HnswIndexInfo *info, Datum value, void *out)
{
	HalfVector *vec = DatumGetHalfVector(value);
	half	   *x = (half *) out;

	if (vec->dim != info->dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d",
						info->dimensions, vec->dim)));

	memset(out, 0, info->value_size);
	memcpy(x, vec->x, sizeof(half) * vec->dim);

	if (info->normalize)
	{
		double		norm = 0.0;

		for (int i = 0; i < vec->dim; i++)
		{
			double		f = HalfToFloat4(x[i]);

			norm += f * f;
		}
		if (norm == 0.0)
			return false;
		norm = sqrt(norm);
		for (int i = 0; i < vec->dim; i++)
			x[i] = Float4ToHalf((float) (HalfToFloat4(x[i]) / norm));
	}
	return true;
}

static float
HalfvecNegativeInnerProduct(int dim, const void *a, const void *b)
{
	return -HalfInnerProductKernel(dim, a, b);
}

/*
 * The kernels distance.c chose for this CPU, used as they are: halves are at
 * most 65504 in magnitude, so no sum of 16,000 terms comes near the end of
 * the float range, where vector's kernels need their check.
 */
static HnswDistanceFn
HalfvecKernel(HnswMetric metric)
{
	switch (metric)
	{
		case HNSW_METRIC_L2:
			return HalfL2SquaredDistanceKernel;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			return HalfvecNegativeInnerProduct;
		case HNSW_METRIC_L1:
			return HalfL1DistanceKernel;
		default:
			break;
	}
	elog(ERROR, "unknown hnsw metric %d for type halfvec", (int) metric);
	return NULL;				/* keep the compiler quiet */
}

static int
HalfvecDatumDimensions(Datum value)
{
	return DatumGetHalfVector(value)->dim;
}

static void
HalfvecToFloat(Datum value, float *out)
{
	HalfVector *vec = DatumGetHalfVector(value);

	for (int i = 0; i < vec->dim; i++)
		out[i] = HalfToFloat4(vec->x[i]);
}

const HnswTypeInfo HnswHalfvecType = {
	.name = "halfvec",
	.builtin_type = InvalidOid,
	.default_opclass = "halfvec_l2_ops",
	.default_metric = HNSW_METRIC_L2,
	.datum_dimensions = HalfvecDatumDimensions,
	.to_float = HalfvecToFloat,
	.value_size = HalfvecValueSize,
	.max_dimensions = HalfvecMaxDimensions,
	.prepare = HalfvecPrepare,
	.kernel = HalfvecKernel,
	/* halves are at most 65504: no sum of 16,000 products can overflow */
	.exact_kernel = NULL,
};

/*
 * bit: PostgreSQL's bit(n), one bit a dimension, stored as the type keeps
 * its bits (the first bit is the high bit of the first byte), with the pad
 * bits of a partial last byte and the bytes up to a multiple of 4 zero.
 */
static Size
BitValueSize(int dimensions)
{
	return TYPEALIGN(sizeof(float), (dimensions + BITS_PER_BYTE - 1) /
					 BITS_PER_BYTE);
}

static int
BitMaxDimensions(void)
{
	return (int) (HnswMaxValueSize() * BITS_PER_BYTE);
}

static bool
BitPrepare(const HnswIndexInfo *info, Datum value, void *out)
{
	VarBit	   *bits = DatumGetVarBitP(value);
	int			nbytes = VARBITBYTES(bits);

	if (VARBITLEN(bits) != info->dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d",
						info->dimensions, VARBITLEN(bits))));
	memset(out, 0, info->value_size);
	memcpy(out, VARBITS(bits), nbytes);
	/* bit strings keep their pad bits zero; make sure the copy does */
	if (VARBITPAD(bits) > 0)
		((bits8 *) out)[nbytes - 1] &= BITMASK << VARBITPAD(bits);
	return true;
}

static HnswDistanceFn
BitKernel(HnswMetric metric)
{
	switch (metric)
	{
		case HNSW_METRIC_HAMMING:
			return BitHammingDistance;
		case HNSW_METRIC_JACCARD:
			return BitJaccardDistance;
		default:
			break;
	}
	elog(ERROR, "unknown hnsw metric %d for type bit", (int) metric);
	return NULL;				/* keep the compiler quiet */
}

static int
BitDatumDimensions(Datum value)
{
	return VARBITLEN(DatumGetVarBitP(value));
}

/* 0 or 1 a bit: k-means in the space where L2 squared is Hamming distance */
static void
BitToFloat(Datum value, float *out)
{
	VarBit	   *bits = DatumGetVarBitP(value);
	bits8	   *p = VARBITS(bits);

	for (int i = 0; i < VARBITLEN(bits); i++)
		out[i] = (p[i / BITS_PER_BYTE] >> (BITS_PER_BYTE - 1 - i % BITS_PER_BYTE)) & 1;
}

const HnswTypeInfo HnswBitType = {
	.name = "bit",
	.builtin_type = BITOID,
	.default_opclass = "bit_hamming_ops",
	.default_metric = HNSW_METRIC_HAMMING,
	.datum_dimensions = BitDatumDimensions,
	.to_float = BitToFloat,
	.value_size = BitValueSize,
	.max_dimensions = BitMaxDimensions,
	.prepare = BitPrepare,
	.kernel = BitKernel,
	.exact_kernel = NULL,		/* bit counts are exact */
};

/*
 * The distance support functions of our operator classes: the type each is
 * for, and the metric.  An inner-product function with a norm support
 * function too is cosine distance (values are normalized).
 */
typedef struct HnswDistanceFunction
{
	PGFunction	fn;
	const HnswTypeInfo *type;
	HnswMetric	metric;
} HnswDistanceFunction;

static const HnswDistanceFunction distance_functions[] = {
	{vector_l2_squared_distance, &HnswVectorType, HNSW_METRIC_L2},
	{vector_negative_inner_product, &HnswVectorType, HNSW_METRIC_IP},
	{l1_distance, &HnswVectorType, HNSW_METRIC_L1},
	{halfvec_l2_squared_distance, &HnswHalfvecType, HNSW_METRIC_L2},
	{halfvec_negative_inner_product, &HnswHalfvecType, HNSW_METRIC_IP},
	{halfvec_l1_distance, &HnswHalfvecType, HNSW_METRIC_L1},
	{hamming_distance, &HnswBitType, HNSW_METRIC_HAMMING},
	{jaccard_distance, &HnswBitType, HNSW_METRIC_JACCARD},
};

/*
 * HnswInfoSetType
 *		Fill in the type, metric, kernel and value size of "info", whose
 *		dimensions are set (-1: not known yet, value size 0).
 */
void
HnswInfoSetType(HnswIndexInfo *info, const HnswTypeInfo *type,
				HnswMetric metric)
{
	info->type = type;
	info->metric = metric;
	info->normalize = (metric == HNSW_METRIC_COSINE);
	info->kernel = type->kernel(metric);
	info->exact_kernel = type->exact_kernel ? type->exact_kernel(metric) : NULL;
	info->value_size = info->dimensions >= 0 ?
		type->value_size(info->dimensions) : 0;
}

/*
 * HnswIndexType
 *		Recognise an open index's type and metric from its operator class's
 *		distance support function.  The hot path then calls a kernel
 *		directly, not the function through the function manager.
 */
const HnswTypeInfo *
HnswIndexType(Relation index, HnswMetric *metric)
{
	FmgrInfo   *procinfo = index_getprocinfo(index, 1, HNSW_DISTANCE_PROC);

	for (int i = 0; i < lengthof(distance_functions); i++)
	{
		const HnswDistanceFunction *df = &distance_functions[i];

		if (procinfo->fn_addr != df->fn)
			continue;
		*metric = df->metric;
		/* cosine opclasses add a norm function to normalize with */
		if (df->metric == HNSW_METRIC_IP &&
			index_getprocid(index, 1, HNSW_NORM_PROC) != InvalidOid)
			*metric = HNSW_METRIC_COSINE;
		return df->type;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("unsupported distance function for hnsw index \"%s\"",
					RelationGetRelationName(index)),
			 errdetail("Operator classes of the hnsw access method must use "
					   "one of the distance functions of this extension.")));
	return NULL;				/* keep the compiler quiet */
}

/*
 * HnswSetType
 *		Fill in an open index's type, metric, kernel and value size
 *		(HnswIndexType, HnswInfoSetType); its dimensions are set.
 */
void
HnswSetType(Relation index, HnswIndexInfo *info)
{
	HnswMetric	metric;
	const HnswTypeInfo *type = HnswIndexType(index, &metric);

	HnswInfoSetType(info, type, metric);
}

/* The types an index can hold, in the order messages list them */
static const HnswTypeInfo *const indexable_types[] = {
	&HnswVectorType, &HnswHalfvecType, &HnswBitType
};

/*
 * HnswColumnType
 *		The descriptor of the type with OID typid, or NULL when no hnsw index
 *		can hold it; the extension's own types are those of that name in
 *		schema extension_nsp.
 */
const HnswTypeInfo *
HnswColumnType(Oid typid, Oid extension_nsp)
{
	for (int i = 0; i < lengthof(indexable_types); i++)
	{
		const HnswTypeInfo *type = indexable_types[i];
		Oid			oid = type->builtin_type;

		if (!OidIsValid(oid))
			oid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								  CStringGetDatum(type->name),
								  ObjectIdGetDatum(extension_nsp));
		if (OidIsValid(oid) && oid == typid)
			return type;
	}
	return NULL;
}

/*
 * HnswPrepareValue
 *		Copy a datum into "out" (info->value_size bytes) in the form the
 *		index stores; the type checks its dimensions.  Returns false when
 *		the value cannot be indexed (a zero vector under cosine distance).
 */
bool
HnswPrepareValue(HnswIndexInfo *info, Datum value, void *out)
{
	return info->type->prepare(info, value, out);
}
