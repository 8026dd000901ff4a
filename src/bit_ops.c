/*-------------------------------------------------------------------------
 *
 * bit_ops.c
 *	  SQL functions on PostgreSQL's bit type: Hamming and Jaccard distances
 *	  (the <~> and <%> operators), and binary quantization of vectors.
 *
 * The distances count bits, so the kernels bit_distance.c chose for the CPU
 * give exactly the results of the portable ones; the SQL functions use
 * them.
 *
 * src/bit_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/varbit.h"

#include "bit_distance.h"
#include "vector.h"

PG_FUNCTION_INFO_V1(hamming_distance);
PG_FUNCTION_INFO_V1(jaccard_distance);
PG_FUNCTION_INFO_V1(binary_quantize);

/*
 * CheckBitLengthsMatch
 *		Distances are defined between bit strings of one length only.
 */
static void
CheckBitLengthsMatch(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %u and %u",
						(unsigned int) VARBITLEN(a),
						(unsigned int) VARBITLEN(b))));
}

/*
 * hamming_distance(bit, bit) returns float8: the <~> operator, the number
 * of positions where the strings differ
 */
Datum
hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	CheckBitLengthsMatch(a, b);

	PG_RETURN_FLOAT8((double) BitHammingKernel(VARBITLEN(a), VARBITS(a),
											   VARBITS(b)));
}

/*
 * jaccard_distance(bit, bit) returns float8: the <%> operator,
 * 1 - |a and b| / |a or b| (1 when no bit is set in both)
 */
Datum
jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	uint64		common;
	uint64		either;

	CheckBitLengthsMatch(a, b);

	BitJaccardKernel(VARBITLEN(a), VARBITS(a), VARBITS(b), &common, &either);
	PG_RETURN_FLOAT8(BitJaccardFromCounts(common, either));
}

/*
 * binary_quantize(vector) returns bit: one bit per element, set where the
 * element is greater than zero
 */
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int			size = VARBITTOTALLEN(vec->dim);
	VarBit	   *result = palloc0(size);
	bits8	   *out = VARBITS(result);

	SET_VARSIZE(result, size);
	VARBITLEN(result) = vec->dim;
	/* bit i is the high-order bit first of byte i / 8; pad bits stay 0 */
	for (int i = 0; i < vec->dim; i++)
		if (vec->x[i] > 0)
			out[i / 8] |= (bits8) (0x80 >> (i % 8));

	PG_RETURN_VARBIT_P(result);
}
