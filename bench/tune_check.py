#!/usr/bin/env python3
#
# bench/tune_check.py
#     Check hnsw_tune() on the benchmark data: the ef_search it picks from
#     a sample of the table's own vectors must reach the target recall on
#     queries it never saw (the benchmark's held-out queries, with their
#     exact neighbours from bench.py's brute force), within 0.02.
#
# For each target recall and each repetition (a new random sample each
# time), it runs hnsw_tune(index, target, k, queries), sets hnsw.ef_search
# to the result, runs every held-out query in one statement and computes
# recall@k against the ground truth.  Prints one row per run and exits
# non-zero if any held-out recall falls more than --tolerance below its
# target.
#
# The connection comes from the PG* environment variables or --dsn;
# bench/tune_check.sh runs it on a throwaway cluster.  The data and ground
# truth are bench.py's, cached in the same place (bench/out/data).
#
# bench/tune_check.py
#

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (the benchmark's data, ground truth and COPY)

TABLE = "tune_items"
QUERY_TABLE = "tune_queries"
INDEX = "tune_items_idx"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Check that hnsw_tune reaches its target recall on "
        "held-out queries.")
    p.add_argument("--dataset", choices=sorted(bench.GENERATORS),
                   default="clustered")
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queries", type=int, default=1000,
                   help="held-out queries (also bench.py's data key)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=64)
    p.add_argument("--targets", default="0.90,0.95,0.98,0.99",
                   help="comma-separated target recalls")
    p.add_argument("--tune-queries", type=int, default=100,
                   help="hnsw_tune's own sample size")
    p.add_argument("--repeat", type=int, default=3,
                   help="hnsw_tune runs per target, each on a new sample")
    p.add_argument("--tolerance", type=float, default=0.02)
    p.add_argument("--dsn", default="")
    p.add_argument("--out", default=bench.DEFAULT_OUT)
    p.add_argument("--no-cache", action="store_true")
    args = p.parse_args(argv)
    args.targets = [float(t) for t in args.targets.split(",")]
    return args


def load(cur, table, id_column, vectors):
    cur.execute("DROP TABLE IF EXISTS %s" % table)
    cur.execute("CREATE TABLE %s (%s int, embedding vector(%d))"
                % (table, id_column, vectors.shape[1]))
    cur.copy_expert("COPY %s (%s, embedding) FROM STDIN WITH (FORMAT binary)"
                    % (table, id_column),
                    bench.CopyStream(bench.copy_binary_chunks(vectors)))
    cur.execute("VACUUM (ANALYZE) %s" % table)


def held_out_recall(cur, truth, k, ef_search):
    """recall@k of every held-out query at ef_search, in one statement."""
    cur.execute("SET hnsw.ef_search = %d" % ef_search)
    cur.execute("SELECT q.qid, r.id FROM %s q CROSS JOIN LATERAL "
                "(SELECT id FROM %s i ORDER BY i.embedding <-> q.embedding "
                "LIMIT %d) r" % (QUERY_TABLE, TABLE, k))
    found = [[] for _ in range(len(truth))]
    for qid, item in cur.fetchall():
        found[qid].append(item)
    cur.execute("RESET hnsw.ef_search")
    return bench.recall_at_k(found, truth, k)


def main(argv=None):
    import psycopg2

    args = parse_args(argv)
    base, queries = bench.load_data(args)
    truth = bench.load_ground_truth(args, base, queries)

    conn = psycopg2.connect(args.dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS hnswext")
    cur.execute("SET maintenance_work_mem = '2GB'")
    cur.execute("SET max_parallel_maintenance_workers = 0")
    bench.log("tune_check: loading %d rows and %d queries"
              % (len(base), len(queries)))
    load(cur, TABLE, "id", base)
    load(cur, QUERY_TABLE, "qid", queries)
    bench.log("tune_check: building the index (m = %d, ef_construction = %d)"
              % (args.m, args.ef_construction))
    t0 = time.perf_counter()
    cur.execute("CREATE INDEX %s ON %s USING hnsw (embedding) "
                "WITH (m = %d, ef_construction = %d)"
                % (INDEX, TABLE, args.m, args.ef_construction))
    bench.log("tune_check: built in %.1f s" % (time.perf_counter() - t0))

    print("data: %s, %d x %d, %d held-out queries; m = %d, "
          "ef_construction = %d; hnsw_tune samples %d of the table's own "
          "vectors, k = %d"
          % (args.dataset, args.n, args.dim, len(queries), args.m,
             args.ef_construction, args.tune_queries, args.k))
    print()
    print("| target | run | tuned ef_search | sample recall | held-out recall "
          "| held-out - target |")
    print("|---:|---:|---:|---:|---:|---:|")
    failures = 0
    for target in args.targets:
        for run in range(1, args.repeat + 1):
            cur.execute("SELECT ef_search, recall FROM hnsw_tune(%s, %s, %s, %s)",
                        (INDEX, target, args.k, args.tune_queries))
            ef_search, sample_recall = cur.fetchone()
            recall = held_out_recall(cur, truth, args.k, ef_search)
            ok = recall >= target - args.tolerance
            failures += 0 if ok else 1
            print("| %.2f | %d | %d | %.3f | %.4f | %+.4f%s |"
                  % (target, run, ef_search, sample_recall, recall,
                     recall - target, "" if ok else " FAIL"))
            sys.stdout.flush()
    print()
    print("%d of %d runs reach the target within %.2f on the held-out queries"
          % (len(args.targets) * args.repeat - failures,
             len(args.targets) * args.repeat, args.tolerance))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
