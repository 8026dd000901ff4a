/*-------------------------------------------------------------------------
 *
 * hnswext.c
 *	  Module entry point: library magic block and load-time initialisation.
 *
 * src/hnswext.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "bit_distance.h"
#include "distance.h"
#include "hnsw.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Called once when the library is loaded into a backend.
 */
void
_PG_init(void)
{
	DistanceInit();
	BitDistanceInit();
	HnswInitGucs();
	HnswStatsInit();
}
