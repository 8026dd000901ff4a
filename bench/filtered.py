#!/usr/bin/env python3
#
# bench/filtered.py
#     Filtered nearest-neighbour queries: which plan the planner picks, and
#     how it compares with the plans it could have picked.
#
#     SELECT id FROM filtered WHERE f<i> = $v ORDER BY embedding <-> $q LIMIT k
#
# The table holds the benchmark's data (bench.py's generators and cache, N x
# D vectors) and one integer filter column per selectivity s, uniform over
# round(1 / s) values independent of the vectors, so "f<i> = v" keeps about
# s of the rows.  For each selectivity, each hnsw.iterative_scan mode and
# with and without a btree index on the filter columns, every query runs
# under three plans:
#
#   chosen  the planner's own choice
#   index   the hnsw index scan (enable_sort = off: every other plan sorts)
#   exact   the best plan without an index scan (enable_indexscan = off):
#           a bitmap scan of the btree index or a sequential scan, and a
#           top-N sort
#
# and reports recall@k against the exact answer (computed with numpy) and
# the mean execution time from EXPLAIN (ANALYZE, TIMING OFF) (server side:
# no planning, no round trip), best of --repeat passes.  "ratio" is the
# chosen plan's time over the faster of index and exact.
#
# The connection comes from the PG* environment variables or --dsn, as for
# bench.py.  The table is kept between runs (--reload rebuilds it).
#
# bench/filtered.py
#

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (data generators, cache, COPY helpers)

TABLE = "filtered"
INDEX = "filtered_embedding_idx"


def log(msg):
    print("[filtered %s] %s" % (time.strftime("%H:%M:%S"), msg),
          file=sys.stderr, flush=True)


def filter_values(selectivity):
    return max(1, int(round(1.0 / selectivity)))


def filter_columns(args, n):
    """One int32 column per selectivity, from a seed of its own."""
    cols = []
    for i, s in enumerate(args.selectivities):
        rng = np.random.default_rng([args.seed, 14, i])
        cols.append(rng.integers(0, filter_values(s), size=n, dtype=np.int64))
    return cols


def query_filters(args, i, count):
    rng = np.random.default_rng([args.seed, 15, i])
    return rng.integers(0, filter_values(args.selectivities[i]), size=count)


def connect(args):
    import psycopg2
    conn = psycopg2.connect(args.dsn) if args.dsn else psycopg2.connect("")
    conn.autocommit = True
    return conn


def table_key(args):
    return "%s k-sel=%s m=%d efc=%d" % (
        bench.data_key(args), ",".join("%g" % s for s in args.selectivities),
        args.m, args.ef_construction)


def load(cur, args, base, cols):
    """(Re)create the table unless it holds this data already."""
    if not args.reload and table_exists(cur):
        cur.execute("SELECT obj_description(%s::regclass, 'pg_class')",
                    (TABLE,))
        if cur.fetchone()[0] == table_key(args):
            log("table %s: reused (%s)" % (TABLE, table_key(args)))
            return
    log("table %s: loading %d x %d" % (TABLE, len(base), base.shape[1]))
    cur.execute("DROP TABLE IF EXISTS %s" % TABLE)
    cur.execute("CREATE TABLE %s (id int PRIMARY KEY, embedding vector(%d))"
                % (TABLE, base.shape[1]))
    cur.copy_expert("COPY %s (id, embedding) FROM STDIN WITH (FORMAT binary)"
                    % TABLE, bench.CopyStream(bench.copy_binary_chunks(base)))
    # The filter columns: one UPDATE from arrays would rewrite the table, so
    # the columns go into a second table that replaces the first.
    names = ["f%d" % i for i in range(len(cols))]
    cur.execute("CREATE TEMP TABLE filter_cols (id int, %s)"
                % ", ".join("%s int" % c for c in names))
    lines = "".join("%d\t%s\n" % (r, "\t".join(str(int(c[r])) for c in cols))
                    for r in range(len(base)))
    import io
    cur.copy_expert("COPY filter_cols FROM STDIN", io.StringIO(lines))
    cur.execute("CREATE TABLE %s_new AS SELECT t.id, t.embedding, %s FROM %s t "
                "JOIN filter_cols USING (id) ORDER BY t.id"
                % (TABLE, ", ".join(names), TABLE))
    cur.execute("DROP TABLE %s" % TABLE)
    cur.execute("ALTER TABLE %s_new RENAME TO %s" % (TABLE, TABLE))
    cur.execute("ALTER TABLE %s ADD PRIMARY KEY (id)" % TABLE)
    cur.execute("DROP TABLE filter_cols")
    log("index: building (m = %d, ef_construction = %d)"
        % (args.m, args.ef_construction))
    t0 = time.perf_counter()
    cur.execute("SET max_parallel_maintenance_workers = 0")
    cur.execute("CREATE INDEX %s ON %s USING hnsw (embedding vector_l2_ops) "
                "WITH (m = %d, ef_construction = %d)"
                % (INDEX, TABLE, args.m, args.ef_construction))
    log("index: built in %.1f s" % (time.perf_counter() - t0))
    cur.execute("VACUUM (ANALYZE) %s" % TABLE)
    cur.execute("COMMENT ON TABLE %s IS %%s" % TABLE, (table_key(args),))


def table_exists(cur):
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,))
    return cur.fetchone()[0]


def set_btree(cur, args, on):
    for i in range(len(args.selectivities)):
        if on:
            cur.execute("CREATE INDEX IF NOT EXISTS %s_f%d_idx ON %s (f%d)"
                        % (TABLE, i, TABLE, i))
        else:
            cur.execute("DROP INDEX IF EXISTS %s_f%d_idx" % (TABLE, i))
    cur.execute("ANALYZE %s" % TABLE)


PLANS = {
    "chosen": [],
    "index": ["SET enable_sort = off"],
    "exact": ["SET enable_indexscan = off"],
}


def plan_shape(node):
    """A short name for the scan under the Limit (and Sort)."""
    while node.get("Node Type") in ("Limit", "Sort", "Gather Merge", "Gather"):
        node = node["Plans"][0]
    t = node["Node Type"]
    if t == "Index Scan":
        return "hnsw" if node.get("Index Name") == INDEX else "btree"
    if t == "Bitmap Heap Scan":
        return "bitmap"
    if t == "Seq Scan":
        return "seq"
    return t


def run_plan(cur, args, sql_text, params_list, truth, plan):
    cur.execute("RESET enable_sort")
    cur.execute("RESET enable_indexscan")
    for stmt in PLANS[plan]:
        cur.execute(stmt)
    found = []
    shapes = {}
    est_cost = []
    est_rows = []
    for params in params_list:
        cur.execute(sql_text, params)
        found.append([r[0] for r in cur.fetchall()])
    best = None
    for _ in range(args.repeat):
        times = []
        for params in params_list:
            cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql_text,
                        params)
            out = cur.fetchone()[0][0]
            times.append(out["Execution Time"])
            top = out["Plan"]
            shape = plan_shape(top)
            shapes[shape] = shapes.get(shape, 0) + 1
            est_cost.append(top["Total Cost"])
            est_rows.append(top["Plan Rows"])
        mean = float(np.mean(times))
        best = mean if best is None else min(best, mean)
    recall = bench.recall_at_k(found, truth, args.k)
    shape = "/".join(sorted(shapes, key=lambda s: -shapes[s]))
    return {"recall": recall, "ms": best, "plan": shape,
            "cost": float(np.mean(est_cost)),
            "rows_returned": float(np.mean([len(f) for f in found]))}


def exact_truth(base, queries, col, values, k):
    truth = []
    for q, v in zip(queries, values):
        ids = np.nonzero(col == v)[0]
        d = ((base[ids] - q) ** 2).sum(axis=1)
        order = np.lexsort((ids, d))[:k]
        truth.append(ids[order])
    return truth


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Plan choice for filtered hnsw queries.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=sorted(bench.GENERATORS),
                   default="clustered")
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queries", type=int, default=50,
                   help="queries per selectivity")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=64)
    p.add_argument("--ef-search", type=int, default=40)
    p.add_argument("--selectivities", default="0.001,0.01,0.1,0.5",
                   type=lambda s: [float(x) for x in s.split(",")])
    p.add_argument("--modes", default="off,relaxed_order,strict_order",
                   type=lambda s: s.split(","))
    p.add_argument("--btree", choices=["both", "yes", "no"], default="both")
    p.add_argument("--repeat", type=int, default=3,
                   help="timed passes, the best mean is kept")
    p.add_argument("--reload", action="store_true",
                   help="rebuild the table and index even if they match")
    p.add_argument("--dsn", default=None)
    p.add_argument("--out", default=bench.DEFAULT_OUT)
    p.add_argument("--tag", default=None)
    args = p.parse_args(argv)
    args.no_cache = False
    return args


def main(argv=None):
    args = parse_args(argv)
    # bench.load_data draws the queries with the data; 1,000 of them, so the
    # cache is shared with bench.py's default run.
    data_args = argparse.Namespace(**vars(args))
    data_args.queries = max(args.queries, 1000)
    base, queries = bench.load_data(data_args)
    args.queries_key = data_args.queries
    queries = queries[:args.queries]
    cols = filter_columns(args, len(base))

    conn = connect(args)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS hnswext")
    cur.execute("SET jit = off")
    real_args = argparse.Namespace(**vars(data_args))
    real_args.selectivities = args.selectivities
    load(cur, real_args, base, cols)
    cur.execute("SELECT '[1]'::vector")        # loads the library's settings
    cur.execute("SET hnsw.ef_search = %d" % args.ef_search)
    cur.execute("SHOW hnsw.max_scan_tuples")
    max_scan_tuples = cur.fetchone()[0]

    rows = []
    btrees = {"both": [False, True], "yes": [True], "no": [False]}[args.btree]
    for btree in btrees:
        set_btree(cur, args, btree)
        for i, s in enumerate(args.selectivities):
            values = query_filters(args, i, len(queries))
            truth = exact_truth(base, queries, cols[i], values, args.k)
            sql_text = ("SELECT id FROM %s WHERE f%d = %%s "
                        "ORDER BY embedding <-> %%s::vector LIMIT %d"
                        % (TABLE, i, args.k))
            params_list = [(int(v), bench.vector_literal(q))
                           for v, q in zip(values, queries)]
            for mode in args.modes:
                cur.execute("SET hnsw.iterative_scan = %s" % mode)
                r = {"btree": btree, "selectivity": s, "mode": mode}
                for plan in PLANS:
                    r[plan] = run_plan(cur, args, sql_text, params_list,
                                       truth, plan)
                best = min(r["index"]["ms"], r["exact"]["ms"])
                r["ratio"] = r["chosen"]["ms"] / best
                rows.append(r)
                log("btree=%s sel=%g %s: chosen %s %.3f ms (cost %.0f), "
                    "index %.3f ms (cost %.0f, recall %.3f), exact %s %.3f ms "
                    "(cost %.0f); ratio %.2f"
                    % ("yes" if btree else "no", s, mode, r["chosen"]["plan"],
                       r["chosen"]["ms"], r["chosen"]["cost"],
                       r["index"]["ms"], r["index"]["cost"],
                       r["index"]["recall"], r["exact"]["plan"],
                       r["exact"]["ms"], r["exact"]["cost"], r["ratio"]))
        cur.execute("RESET hnsw.iterative_scan")

    lines = [
        "%d x %d %s, %d queries per row, LIMIT %d, ef_search %d, "
        "max_scan_tuples %s, m %d, ef_construction %d; times are the mean "
        "execution time (EXPLAIN ANALYZE, TIMING OFF), best of %d"
        % (args.n, args.dim, args.dataset, args.queries, args.k,
           args.ef_search, max_scan_tuples, args.m, args.ef_construction,
           args.repeat),
        "",
        "| btree | filter | iterative | chosen | ms | recall | cost "
        "| index ms | recall | cost | exact | ms | cost | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c, ix, ex = r["chosen"], r["index"], r["exact"]
        lines.append(
            "| %s | %g%% | %s | %s | %.2f | %.3f | %.0f | %.2f | %.3f | %.0f "
            "| %s | %.2f | %.0f | %.2f%s |"
            % ("yes" if r["btree"] else "no", r["selectivity"] * 100,
               r["mode"], c["plan"], c["ms"], c["recall"], c["cost"],
               ix["ms"], ix["recall"], ix["cost"], ex["plan"], ex["ms"],
               ex["cost"], r["ratio"], " **miss**" if r["ratio"] > 1.3 else ""))
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    name = "filtered" + ("-" + args.tag if args.tag else "")
    with open(os.path.join(args.out, name + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump({"args": {k: v for k, v in vars(args).items()},
                   "rows": rows}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
