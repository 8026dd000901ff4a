/*-------------------------------------------------------------------------
 *
 * hnsw_handler.c
 *	  The access method handler, the index options (WITH (...)) and the
 *	  hnsw.* settings.
 *
 * src/hnsw_handler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"

#include "hnsw.h"

int			hnsw_ef_search = HNSW_DEFAULT_EF_SEARCH;
int			hnsw_iterative_scan = HNSW_ITERATIVE_SCAN_OFF;
int			hnsw_max_scan_tuples = 20000;
double		hnsw_scan_mem_multiplier = 1;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

static relopt_kind hnsw_relopt_kind;

PG_FUNCTION_INFO_V1(hnswhandler);

/*
 * HnswInitGucs
 *		Register the hnsw.* settings and the index options; called once from
 *		_PG_init.
 */
void
HnswInitGucs(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Maximum number of links per element above level 0 (twice that at level 0)",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Size of the candidate list while building the graph",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);
	/*
	 * The index's own default for hnsw.ef_search (0: none), set by
	 * hnsw_tune(apply => true) or ALTER INDEX ... SET (ef_search = N).  Only
	 * scans read it, so changing it need not block anything but schema
	 * changes.
	 */
	add_int_reloption(hnsw_relopt_kind, "ef_search",
					  "Default hnsw.ef_search for scans of this index",
					  0, HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
					  ShareUpdateExclusiveLock);

	DefineCustomIntVariable("hnsw.ef_search",
							"Size of the candidate list for HNSW index scans.",
							"Larger values raise recall and cost time.",
							&hnsw_ef_search, HNSW_DEFAULT_EF_SEARCH,
							HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Lets a scan search further when its first candidates are used up.",
							 "With off, a scan returns at most hnsw.ef_search elements' rows; "
							 "relaxed_order and strict_order search again with more candidates "
							 "while the query wants more rows (strict_order never returns a row "
							 "nearer than one it already returned).",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF,
							 iterative_scan_options, PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Most rows an iterative scan returns before it stops searching further.",
							NULL,
							&hnsw_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Multiple of work_mem an iterative scan may use for its candidates.",
							 "An iterative scan that holds more than this many times work_mem "
							 "ends with the rows it has returned rather than search further.",
							 &hnsw_scan_mem_multiplier, 1, 1, 1000,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("hnsw");
}

/*
 * hnswhandler
 *		The index access method handler: what PostgreSQL calls to learn our
 *		capabilities and callbacks.
 */
Datum
hnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = HNSW_NPROC;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = hnswbuild;
	amroutine->ambuildempty = hnswbuildempty;
	amroutine->aminsert = hnswinsert;
	amroutine->ambulkdelete = hnswbulkdelete;
	amroutine->amvacuumcleanup = hnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hnswcostestimate;
	amroutine->amoptions = hnswoptions;
	amroutine->amproperty = hnswproperty;
	amroutine->ambuildphasename = hnswbuildphasename;
	amroutine->amvalidate = hnswvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hnswbeginscan;
	amroutine->amrescan = hnswrescan;
	amroutine->amgettuple = hnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*
 * hnswoptions
 *		Parse and validate the WITH (...) options of an hnsw index.
 */
bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT,
		offsetof(HnswOptions, ef_construction)},
		{"ef_search", RELOPT_TYPE_INT, offsetof(HnswOptions, ef_search)},
	};
	HnswOptions *opts;

	opts = (HnswOptions *) build_reloptions(reloptions, validate,
											hnsw_relopt_kind,
											sizeof(HnswOptions),
											tab, lengthof(tab));

	if (validate && opts != NULL && opts->ef_construction < 2 * opts->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least twice m"),
				 errdetail("ef_construction is %d and m is %d.",
						   opts->ef_construction, opts->m),
				 errhint("The build keeps ef_construction candidates and links "
						 "up to 2 * m of them at level 0, so a smaller list "
						 "cannot fill an element's links.")));

	return (bytea *) opts;
}

/*
 * hnswproperty
 *		Column properties: distance ordering is supported, plain ordering not.
 */
bool
hnswproperty(Oid index_oid, int attno, IndexAMProperty prop,
			 const char *propname, bool *res, bool *isnull)
{
	if (attno > 0 && prop == AMPROP_DISTANCE_ORDERABLE)
	{
		*res = true;
		*isnull = false;
		return true;
	}
	return false;
}

/*
 * hnswbuildphasename
 *		Names of our build phases for pg_stat_progress_create_index.
 */
char *
hnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case PROGRESS_HNSW_PHASE_LOAD:
			return "loading tuples";
		case PROGRESS_HNSW_PHASE_WRITE:
			return "writing graph pages";
		default:
			return NULL;
	}
}

/*
 * HnswOptionM, HnswOptionEfConstruction
 *		The m and ef_construction of the index options: what a build uses.
 *		A built index has its own in the meta page (HnswGetIndexInfo).
 */
int
HnswOptionM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

int
HnswOptionEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/*
 * HnswEfSearchIsSet
 *		Whether hnsw.ef_search has a value from anywhere but its built-in
 *		default: postgresql.conf, ALTER DATABASE or ROLE, the client, SET.
 *
 * GUC keeps where each value came from; the variable's entry is found once
 * by name and stays put for the life of the process.
 */
static bool
HnswEfSearchIsSet(void)
{
	static struct config_generic *ef_search_guc = NULL;

	if (ef_search_guc == NULL)
	{
		struct config_generic **vars = get_guc_variables();
		int			nvars = GetNumConfigOptions();

		for (int i = 0; i < nvars; i++)
		{
			if (strcmp(vars[i]->name, "hnsw.ef_search") == 0)
			{
				ef_search_guc = vars[i];
				break;
			}
		}
		if (ef_search_guc == NULL)
			elog(ERROR, "setting \"hnsw.ef_search\" is not defined");
	}
	return ef_search_guc->source != PGC_S_DEFAULT;
}

/*
 * HnswGetEfSearch
 *		Candidates a scan of this index keeps: hnsw.ef_search when it has
 *		been set anywhere, else the index's ef_search option if it has one,
 *		else hnsw.ef_search's default.
 */
int
HnswGetEfSearch(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	if (opts == NULL || opts->ef_search == 0 || HnswEfSearchIsSet())
		return hnsw_ef_search;
	return opts->ef_search;
}
