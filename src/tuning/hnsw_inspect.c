/*-------------------------------------------------------------------------
 *
 * hnsw_inspect.c
 *	  How the tuning and inspection functions open what they are given.
 *
 * Every SQL function that reads a table or an index on a user's behalf goes
 * through here, so that all of them refuse the same things in the same
 * order: first what can be decided from the catalogs without a lock (the
 * relation exists, is of a kind whose rows can be read, the caller may
 * SELECT from the table, no row-level security applies, it is not another
 * session's temporary table; for hnsw_tune's apply, the caller owns the
 * index), then the lock, then the checks again and those that need the
 * open relation.  A caller without privileges therefore never queues for a
 * lock that other sessions would then queue behind.
 *
 * Index expressions and partial-index predicates are user code that belongs
 * to the table's owner; HnswBecomeTableOwner runs them as that owner in a
 * security-restricted operation with a safe search_path, as REINDEX and
 * amcheck do, so that inspecting a hostile owner's index cannot lend the
 * caller's privileges to that owner's functions.
 *
 * src/tuning/hnsw_inspect.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "hnsw_tuning.h"

/* What the catalogs say of a relation, read without locking it */
typedef struct RelationFacts
{
	char		relkind;
	char		relpersistence;
	Oid			relnamespace;
	Oid			relam;
	char	   *relname;
} RelationFacts;

/*
 * GetRelationFacts
 *		Look relid up in pg_class; an error if there is no such relation.
 */
static void
GetRelationFacts(Oid relid, RelationFacts *facts)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class form;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	form = (Form_pg_class) GETSTRUCT(tuple);
	facts->relkind = form->relkind;
	facts->relpersistence = form->relpersistence;
	facts->relnamespace = form->relnamespace;
	facts->relam = form->relam;
	facts->relname = pstrdup(NameStr(form->relname));
	ReleaseSysCache(tuple);
}

/*
 * CheckRowsReadable
 *		Tables and materialized views have rows of their own to read; every
 *		other kind of relation is refused here, before anything is opened.
 */
static void
CheckRowsReadable(const RelationFacts *facts)
{
	if (facts->relkind == RELKIND_RELATION || facts->relkind == RELKIND_MATVIEW)
		return;
	if (facts->relkind == RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot read rows of partitioned table \"%s\"",
						facts->relname),
				 errdetail("A partitioned table keeps its rows in its partitions."),
				 errhint("Call the function on each partition.")));
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("cannot read rows of \"%s\"", facts->relname),
			 errdetail_relkind_not_supported(facts->relkind)));
}

/*
 * CheckTableReadable
 *		The caller may read the table: SELECT privilege, no row-level
 *		security policy for the caller, not another session's temporary
 *		table.  Made from the catalogs before the lock, and again with the
 *		table open (HnswCheckTableReadable).
 */
static void
CheckTableReadable(Oid relid, const RelationFacts *facts)
{
	AclResult	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(facts->relkind),
					   facts->relname);
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has row-level security enabled",
						facts->relname),
				 errdetail("This function reads the table directly and cannot apply its policies.")));
	if (facts->relpersistence == RELPERSISTENCE_TEMP &&
		isOtherTempNamespace(facts->relnamespace))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot read temporary tables of other sessions")));
}

/*
 * OpenLocked
 *		Lock and open a relation whose catalog entry was just checked; it may
 *		have been dropped while we waited for the lock.
 */
static Relation
OpenLocked(Oid relid, const RelationFacts *facts, LOCKMODE lockmode)
{
	Relation	rel = try_relation_open(relid, lockmode);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" was dropped concurrently",
						facts->relname)));
	return rel;
}

/*
 * HnswCheckTableReadable
 *		With the table open: the caller must be able to SELECT from it, no
 *		row-level security policy may apply to it (the inspection functions
 *		read the table directly, past the executor that would apply the
 *		policies), and it may not be another session's temporary table.
 *		The openers below check all this before the lock too; after it, a
 *		GRANT, policy or ALTER TABLE that committed while we waited counts.
 */
void
HnswCheckTableReadable(Relation rel)
{
	RelationFacts facts;

	facts.relkind = rel->rd_rel->relkind;
	facts.relpersistence = rel->rd_rel->relpersistence;
	facts.relnamespace = RelationGetNamespace(rel);
	facts.relam = rel->rd_rel->relam;
	facts.relname = RelationGetRelationName(rel);
	CheckTableReadable(RelationGetRelid(rel), &facts);
}

/*
 * HnswOpenTableToRead
 *		Open a table (or materialized view) whose rows a tuning function will
 *		read, with "lockmode", after checking its kind and that the caller
 *		may read it (CheckTableReadable).  Close it with table_close.
 */
Relation
HnswOpenTableToRead(Oid relid, LOCKMODE lockmode)
{
	RelationFacts facts;
	Relation	rel;

	GetRelationFacts(relid, &facts);
	CheckRowsReadable(&facts);
	CheckTableReadable(relid, &facts);

	rel = OpenLocked(relid, &facts, lockmode);
	if (rel->rd_rel->relkind != facts.relkind)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" changed while it was being opened",
						RelationGetRelationName(rel))));
	HnswCheckTableReadable(rel);
	return rel;
}

/*
 * CheckIndexKind
 *		The relation must be an index of our access method; a partitioned
 *		one, which has no pages, is refused with a hint.  "purpose" names the
 *		action in the message ("inspect", "measure", "check").
 */
static void
CheckIndexKind(const RelationFacts *facts, const char *purpose)
{
	Oid			hnsw_am = get_index_am_oid("hnsw", false);

	if (facts->relkind == RELKIND_PARTITIONED_INDEX && facts->relam == hnsw_am)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s partitioned index \"%s\"", purpose,
						facts->relname),
				 errdetail("A partitioned index has no graph of its own: each partition has its own index."),
				 errhint("Call the function on the index of each partition.")));
	if (facts->relkind != RELKIND_INDEX && facts->relkind != RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", facts->relname)));
	if (facts->relam != hnsw_am)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an hnsw index", facts->relname)));
}

/*
 * HnswCheckIndexOwner
 *		Before anything is locked or read: the relation must be an hnsw
 *		index (as for HnswOpenIndexToInspect) and the caller must own it,
 *		for a function that will change it.
 */
void
HnswCheckIndexOwner(Oid indexoid, const char *purpose)
{
	RelationFacts facts;

	GetRelationFacts(indexoid, &facts);
	CheckIndexKind(&facts, purpose);
	if (!pg_class_ownercheck(indexoid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_INDEX, facts.relname);
}

/*
 * HnswOpenIndexToInspect
 *		Open a valid hnsw index and its table with "lockmode" (table first,
 *		as everyone locks them).  Before any lock: the relation must be an
 *		index of our access method (see CheckIndexKind) and the caller must
 *		be able to read its table (CheckTableReadable).  "purpose" names the
 *		action in error messages ("inspect", "measure", "check").
 */
Relation
HnswOpenIndexToInspect(Oid indexoid, Relation *heap, const char *purpose,
					   LOCKMODE lockmode)
{
	RelationFacts ifacts;
	RelationFacts hfacts;
	Oid			heapoid;
	Relation	index;

	GetRelationFacts(indexoid, &ifacts);
	CheckIndexKind(&ifacts, purpose);

	heapoid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(heapoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("index \"%s\" was dropped concurrently",
						ifacts.relname)));
	GetRelationFacts(heapoid, &hfacts);
	CheckTableReadable(heapoid, &hfacts);

	*heap = OpenLocked(heapoid, &hfacts, lockmode);
	index = OpenLocked(indexoid, &ifacts, lockmode);
	if (IndexGetRelation(indexoid, true) != heapoid)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("index \"%s\" was dropped concurrently",
						ifacts.relname)));

	HnswCheckTableReadable(*heap);
	if (!index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s index \"%s\"", purpose,
						RelationGetRelationName(index)),
				 errdetail("The index is not valid.")));
	return index;
}

void
HnswCloseInspectedIndex(Relation index, Relation heap, LOCKMODE lockmode)
{
	index_close(index, lockmode);
	table_close(heap, lockmode);
}

/*
 * HnswBecomeTableOwner
 *		Switch to the owner of "heap" before evaluating its index expressions
 *		or predicates: a security-restricted operation (no SET ROLE, no
 *		temporary objects, no session state the owner's code could leave
 *		behind) with search_path reduced to pg_catalog and pg_temp.  Undo it
 *		with HnswRestoreUser; an error undoes it too, at (sub)transaction
 *		abort.
 */
void
HnswBecomeTableOwner(Relation heap, HnswSavedUser *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(heap->rd_rel->relowner,
						   saved->sec_context | SECURITY_RESTRICTED_OPERATION);
	saved->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

void
HnswRestoreUser(HnswSavedUser *saved)
{
	AtEOXact_GUC(false, saved->nestlevel);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/*
 * HnswIndexableColumn
 *		The attribute number of column "colname" of rel, which must be a user
 *		column of a type an hnsw index holds (HnswColumnType: vector,
 *		halfvec or bit, the extension's types being those in schema
 *		extension_nsp); the index's description of the type goes to *type,
 *		its typmod (the dimensions, or -1) to *typmod.  With
 *		need_dimensions, a column declared without dimensions is an error.
 */
AttrNumber
HnswIndexableColumn(Relation rel, const char *colname, Oid extension_nsp,
					bool need_dimensions, int32 *typmod,
					const HnswTypeInfo **type)
{
	AttrNumber	attno = get_attnum(RelationGetRelid(rel), colname);
	Form_pg_attribute attr;

	if (attno == InvalidAttrNumber || attno < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, RelationGetRelationName(rel))));
	attr = TupleDescAttr(RelationGetDescr(rel), attno - 1);
	*type = HnswColumnType(attr->atttypid, extension_nsp);
	if (*type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type vector, halfvec or bit",
						colname, RelationGetRelationName(rel))));
	if (need_dimensions && attr->atttypmod < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" does not have dimensions", colname),
				 errhint("hnsw indexes need a column declared with its dimensions, for example vector(128).")));
	*typmod = attr->atttypmod;
	return attno;
}
