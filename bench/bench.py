#!/usr/bin/env python3
#
# bench/bench.py
#     Recall, throughput, build time and size benchmark for the hnswext
#     HNSW index, with hnswlib run in-process on the same data as a yardstick.
#
# Steps (each can be skipped, see --help):
#   1. make or load from cache the reference data set (fixed seeds, numpy)
#   2. exact top-k ground truth by brute force (float32, batched)
#   3. PostgreSQL: COPY the data into items(id, embedding), build the HNSW
#      index (serial, optionally parallel), and for each hnsw.ef_search
#      measure recall@k and queries per second, both one query per client
#      round trip and all queries in one statement on the server; last,
#      single-row INSERTs per second with pgbench (1 and 4 clients)
#   4. hnswlib: build the same graph in-process, query it at each ef
#   5. print a table and write bench/out/results.{md,csv,json}, optionally
#      a recall/QPS plot
#
# The connection comes from the usual PG* environment variables (bench/run.sh
# sets them for its throwaway cluster) or --dsn.
#
# bench/bench.py
#

import argparse
import csv
import json
import math
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "out")

# Latent dimension of the "clustered" data set.
LATENT_DIM = 32

# Rows generated per step.  The random stream is consumed chunk by chunk, so
# changing this constant changes the data; it is fixed for that reason.
GEN_CHUNK = 50000

# Rough memory bound (bytes) for one batch of the brute-force distance matrix.
GT_BATCH_BYTES = 256 << 20

INDEX_NAME = "items_embedding_idx"


def log(msg):
    """Progress messages go to stderr so stdout holds only the results."""
    print("[bench] " + msg, file=sys.stderr, flush=True)


def warn(msg):
    print("[bench] WARNING: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------

def clustered_model(total, dim, rng):
    """
    The fixed part of the "clustered" distribution for TOTAL points: one
    centre per 1000 points, centres ~ N(0, 2^2) in a 32-dimensional latent
    space, and one Gaussian matrix with entries N(0, 1/32) mapping the latent
    space to DIM dimensions.  Returns (centres, projection).
    """
    n_centres = max(1, total // 1000)
    centres = rng.normal(0.0, 2.0, size=(n_centres, LATENT_DIM))
    projection = rng.normal(0.0, math.sqrt(1.0 / LATENT_DIM),
                            size=(LATENT_DIM, dim))
    return centres, projection


def sample_clustered(count, centres, projection, rng):
    """
    COUNT points of the clustered distribution: a centre chosen uniformly,
    N(0, 1) latent noise, the projection, then N(0, 0.05^2) per dimension.
    """
    dim = projection.shape[1]
    out = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, GEN_CHUNK):
        rows = min(GEN_CHUNK, count - start)
        which = rng.integers(0, len(centres), size=rows)
        latent = centres[which] + rng.normal(0.0, 1.0, size=(rows, LATENT_DIM))
        out[start:start + rows] = (latent @ projection +
                                   rng.normal(0.0, 0.05, size=(rows, dim)))
    return out


def make_clustered(total, dim, seed):
    """
    Gaussian clusters in a 32-dimensional latent space, embedded in dim
    dimensions (see clustered_model and sample_clustered).  Looks like real
    embeddings: low intrinsic dimension, uneven density.
    """
    rng = np.random.default_rng(seed)
    centres, projection = clustered_model(total, dim, rng)
    return sample_clustered(total, centres, projection, rng)


def make_uniform(total, dim, seed):
    """Independent uniform coordinates in [0, 1): no structure to exploit."""
    rng = np.random.default_rng(seed)
    out = np.empty((total, dim), dtype=np.float32)
    for start in range(0, total, GEN_CHUNK):
        rows = min(GEN_CHUNK, total - start)
        out[start:start + rows] = rng.random(size=(rows, dim), dtype=np.float32)
    return out


def make_extra(args, count):
    """
    COUNT more points from the distribution of the data set (the same
    centres and projection for "clustered"), drawn from a random stream of
    their own so the table and the queries are unchanged: the rows the
    insert benchmark adds.
    """
    extra_seed = [args.seed, 1]
    if args.dataset == "uniform":
        return make_uniform(count, args.dim, extra_seed)
    centres, projection = clustered_model(
        args.n + args.queries, args.dim, np.random.default_rng(args.seed))
    return sample_clustered(count, centres, projection,
                            np.random.default_rng(extra_seed))


GENERATORS = {"clustered": make_clustered, "uniform": make_uniform}


def data_key(args):
    return "%s-n%d-q%d-d%d-seed%d" % (args.dataset, args.n, args.queries,
                                      args.dim, args.seed)


def save_npy(path, array):
    """Write atomically so an interrupted run never leaves a torn cache file."""
    tmp = path + ".tmp.npy"
    np.save(tmp, array)
    os.replace(tmp, path)


def load_data(args):
    """
    Return (base, queries) as float32 arrays, generating them on first use
    and caching them under OUT/data.  n base points and the queries are drawn
    together from one distribution and then split, so queries are never in
    the table.
    """
    cache = os.path.join(args.out, "data")
    base_path = os.path.join(cache, data_key(args) + ".base.npy")
    query_path = os.path.join(cache, data_key(args) + ".queries.npy")
    if not args.no_cache and os.path.exists(base_path) and \
            os.path.exists(query_path):
        log("data: cached %s" % data_key(args))
        return np.load(base_path), np.load(query_path)

    log("data: generating %s" % data_key(args))
    t0 = time.perf_counter()
    points = GENERATORS[args.dataset](args.n + args.queries, args.dim,
                                      args.seed)
    base = np.ascontiguousarray(points[:args.n])
    queries = np.ascontiguousarray(points[args.n:])
    log("data: generated in %.1f s" % (time.perf_counter() - t0))
    if not args.no_cache:
        os.makedirs(cache, exist_ok=True)
        save_npy(base_path, base)
        save_npy(query_path, queries)
    return base, queries


# ---------------------------------------------------------------------------
# Exact ground truth
# ---------------------------------------------------------------------------

def exact_neighbours(base, queries, k):
    """
    Ids (row numbers) of the k nearest base points of each query by L2,
    nearest first.  Candidates come from float32 |x|^2 - 2 q.x in batches
    that bound the distance matrix to GT_BATCH_BYTES; the best 2k + 10 are
    then re-ranked with distances computed directly in float64, so the
    rounding of the expanded formula cannot reorder the answer.  Ties break
    on the lower id.  Returns (ids int64 [q, k], squared distances float64).
    """
    n = base.shape[0]
    k = min(k, n)
    n_cand = min(n, 2 * k + 10)
    base_sq = np.einsum("ij,ij->i", base, base)
    batch = max(1, GT_BATCH_BYTES // (4 * n))
    ids = np.empty((len(queries), k), dtype=np.int64)
    dists = np.empty((len(queries), k), dtype=np.float64)
    for start in range(0, len(queries), batch):
        q = queries[start:start + batch]
        approx = base_sq[None, :] - 2.0 * (q @ base.T)
        if n_cand < n:
            cand = np.argpartition(approx, n_cand - 1, axis=1)[:, :n_cand]
        else:
            cand = np.broadcast_to(np.arange(n), approx.shape)
        diff = base[cand].astype(np.float64) - q[:, None, :].astype(np.float64)
        exact = np.einsum("ijk,ijk->ij", diff, diff)
        for row in range(len(q)):
            order = np.lexsort((cand[row], exact[row]))[:k]
            ids[start + row] = cand[row][order]
            dists[start + row] = exact[row][order]
    return ids, dists


def load_ground_truth(args, base, queries):
    cache = os.path.join(args.out, "data")
    path = os.path.join(cache, "%s.gt-k%d.npy" % (data_key(args), args.k))
    if not args.no_cache and os.path.exists(path):
        log("ground truth: cached")
        return np.load(path)
    log("ground truth: brute force over %d x %d" % (len(queries), len(base)))
    t0 = time.perf_counter()
    ids, _ = exact_neighbours(base, queries, args.k)
    log("ground truth: %.1f s" % (time.perf_counter() - t0))
    if not args.no_cache:
        os.makedirs(cache, exist_ok=True)
        save_npy(path, ids)
    return ids


def recall_at_k(results, truth, k):
    """
    Fraction of the true k nearest neighbours found, averaged over queries.
    results[i] is any iterable of ids returned for query i.
    """
    hits = 0
    for found, want in zip(results, truth):
        hits += len(set(found) & set(want[:k].tolist()))
    return hits / float(len(truth) * k)


# ---------------------------------------------------------------------------
# PostgreSQL side
# ---------------------------------------------------------------------------

class CopyStream:
    """
    File-like object over a generator of byte strings, for psycopg2's
    copy_expert, so COPY data is produced chunk by chunk and never held whole.
    """

    def __init__(self, chunks):
        self.chunks = iter(chunks)
        self.pending = b""
        self.offset = 0             # of the first unread byte of pending

    def read(self, size=-1):
        # An offset into the current chunk instead of slicing off what was
        # read: slicing copied the rest of a chunk (10,000 rows, 123 MB at
        # 3,072 dimensions) for every 8 kB that psycopg2 asks for.
        while size < 0 or len(self.pending) - self.offset < size:
            try:
                chunk = next(self.chunks)
            except StopIteration:
                break
            self.pending = self.pending[self.offset:] + chunk
            self.offset = 0
        if size < 0:
            size = len(self.pending) - self.offset
        out = self.pending[self.offset:self.offset + size]
        self.offset += len(out)
        return out

    readline = read


COPY_ROWS = 10000


def copy_binary_chunks(vectors):
    """
    Rows (row number, vector) in COPY BINARY format.  The vector field is the
    type's wire format: int16 dimensions, int16 zero, then one big-endian
    float4 per element.
    """
    dim = vectors.shape[1]
    row_type = np.dtype([("nfields", ">i2"),
                         ("id_len", ">i4"), ("id", ">i4"),
                         ("vec_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"),
                         ("x", ">f4", (dim,))])
    # Signature, flags, header extension length.
    yield b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    for start in range(0, len(vectors), COPY_ROWS):
        part = vectors[start:start + COPY_ROWS]
        rows = np.empty(len(part), dtype=row_type)
        rows["nfields"] = 2
        rows["id_len"] = 4
        rows["id"] = np.arange(start, start + len(part))
        rows["vec_len"] = 4 + 4 * dim
        rows["dim"] = dim
        rows["unused"] = 0
        rows["x"] = part
        yield rows.tobytes()
    yield struct.pack(">h", -1)


def vector_literal(v):
    """Text form '[x1,x2,...]'; 9 significant digits round-trip a float4."""
    return "[" + ",".join("%.9g" % x for x in v.tolist()) + "]"


def copy_text_chunks(vectors):
    for start in range(0, len(vectors), COPY_ROWS):
        part = vectors[start:start + COPY_ROWS]
        lines = ["%d\t%s\n" % (start + i, vector_literal(v))
                 for i, v in enumerate(part)]
        yield "".join(lines).encode()


def percentile_ms(seconds, p):
    return float(np.percentile(np.asarray(seconds), p)) * 1000.0


def find_pgbench():
    """pgbench from PATH, else from pg_config --bindir; None if neither."""
    path = shutil.which("pgbench")
    if path:
        return path
    try:
        bindir = subprocess.run(["pg_config", "--bindir"], check=True,
                                stdout=subprocess.PIPE, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = os.path.join(bindir.strip(), "pgbench")
    return path if os.access(path, os.X_OK) else None


def parse_pgbench(output):
    """
    Throughput (transactions per second without the initial connection
    time) and average latency from pgbench's summary.
    """
    result = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("tps = "):
            result["inserts_per_s"] = float(line.split()[2])
        elif line.startswith("latency average = "):
            result["latency_ms"] = float(line.split()[3])
    if "inserts_per_s" not in result:
        raise RuntimeError("no tps line in pgbench's output:\n" + output)
    result.setdefault("latency_ms", float("nan"))
    return result


class WorkerWatcher:
    """
    Counts the parallel worker processes serving one leader backend, by
    polling pg_stat_activity from a second connection in a thread, so a
    "parallel" build that ran serially is reported as such.
    """

    def __init__(self, dsn, leader_pid):
        import psycopg2

        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.leader_pid = leader_pid
        self.pids = set()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        cur = self.conn.cursor()
        while not self.done.wait(0.05):
            cur.execute("SELECT pid FROM pg_stat_activity "
                        "WHERE leader_pid = %s AND pid <> %s",
                        (self.leader_pid, self.leader_pid))
            self.pids.update(row[0] for row in cur.fetchall())

    def stop(self):
        """Stop polling; return how many distinct workers were seen."""
        self.done.set()
        self.thread.join()
        self.conn.close()
        return len(self.pids)


class PgBench:
    """One benchmark session against a PostgreSQL server with hnswext."""

    def __init__(self, args):
        import psycopg2

        self.args = args
        self.conn = psycopg2.connect(args.dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.facts = {}

    def sql(self, statement, params=None):
        self.cur.execute(statement, params)

    def value(self, statement, params=None):
        self.cur.execute(statement, params)
        return self.cur.fetchone()[0]

    def setup(self):
        """Create the extension; record the server facts the results need."""
        self.sql("CREATE EXTENSION IF NOT EXISTS hnswext")
        self.sql("SET jit = off")
        if self.args.maintenance_work_mem:
            self.sql("SET maintenance_work_mem = %s",
                     (self.args.maintenance_work_mem,))
        self.facts["server_version"] = self.value("SHOW server_version")
        self.facts["extension_version"] = self.value(
            "SELECT extversion FROM pg_extension WHERE extname = 'hnswext'")
        for name in ("shared_buffers", "maintenance_work_mem", "work_mem",
                     "fsync", "max_parallel_maintenance_workers",
                     "max_wal_size", "jit"):
            self.facts[name] = self.value("SHOW " + name)
        self.has_hnsw = self.value(
            "SELECT count(*) FROM pg_am WHERE amname = 'hnsw'") > 0
        return self.has_hnsw

    def load_table(self, table, id_column, vectors, primary_key=False):
        """(Re)create TABLE and COPY VECTORS into it; return seconds taken."""
        dim = vectors.shape[1]
        self.sql("DROP TABLE IF EXISTS %s" % table)
        key = " PRIMARY KEY" if primary_key else ""
        self.sql("CREATE TABLE %s (%s int%s, embedding vector(%d))"
                 % (table, id_column, key, dim))
        if self.args.copy_format == "binary":
            chunks = copy_binary_chunks(vectors)
            options = "FORMAT binary"
        else:
            chunks = copy_text_chunks(vectors)
            options = "FORMAT text"
        t0 = time.perf_counter()
        self.cur.copy_expert("COPY %s (%s, embedding) FROM STDIN WITH (%s)"
                             % (table, id_column, options), CopyStream(chunks))
        elapsed = time.perf_counter() - t0
        self.sql("VACUUM (ANALYZE) %s" % table)
        return elapsed

    def load(self, base, queries):
        log("postgres: loading %d rows with COPY (%s)"
            % (len(base), self.args.copy_format))
        self.facts["load_s"] = self.load_table("items", "id", base,
                                               primary_key=True)
        self.load_table("queries", "qid", queries)
        self.facts["table_mb"] = self.value(
            "SELECT pg_table_size('items')") / 2.0 ** 20
        log("postgres: loaded in %.1f s" % self.facts["load_s"])

    def build_index(self, workers):
        """
        Build the HNSW index with WORKERS parallel maintenance workers (0 for
        a serial build); return (seconds, index MB).  For a parallel build
        the table's parallel_workers is set too, so the planner does not pick
        fewer workers from the table size.
        """
        a = self.args
        self.sql("DROP INDEX IF EXISTS %s" % INDEX_NAME)
        self.sql("SET max_parallel_maintenance_workers = %d" % workers)
        if workers > 0:
            self.sql("ALTER TABLE items SET (parallel_workers = %d)" % workers)
        else:
            self.sql("ALTER TABLE items RESET (parallel_workers)")
        log("postgres: CREATE INDEX on %s (m = %d, ef_construction = %d, "
            "%d parallel workers)" % (self.index_definition(), a.m,
                                      a.ef_construction, workers))
        if workers > 0:
            watcher = WorkerWatcher(a.dsn, self.conn.get_backend_pid())
        t0 = time.perf_counter()
        try:
            self.sql("CREATE INDEX %s ON items USING hnsw %s "
                     "WITH (m = %d, ef_construction = %d)"
                     % (INDEX_NAME, self.index_definition(), a.m,
                        a.ef_construction))
            elapsed = time.perf_counter() - t0
        finally:
            if workers > 0:
                seen = watcher.stop()
        size_mb = self.value("SELECT pg_relation_size(%s)",
                             (INDEX_NAME,)) / 2.0 ** 20
        log("postgres: built in %.1f s, %.1f MB" % (elapsed, size_mb))
        if workers > 0:
            self.facts["parallel_workers_seen"] = seen
            if seen == 0:
                warn("no parallel worker took part in the build: the index "
                     "build is serial whatever max_parallel_maintenance_"
                     "workers says")
        self.sql("ALTER TABLE items RESET (parallel_workers)")
        return elapsed, size_mb

    def prewarm(self):
        """Read table and index into shared buffers so no pass pays for I/O."""
        try:
            self.sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except Exception as e:
            warn("pg_prewarm not available, first pass may read from disk: %s"
                 % str(e).strip())
            return
        for rel in ("items", "queries", INDEX_NAME):
            if self.value("SELECT to_regclass(%s) IS NOT NULL", (rel,)):
                self.sql("SELECT pg_prewarm(%s)", (rel,))

    # The two query shapes.  LIMIT and the id range are filled in per run.
    # What the index is built on, per --index-type: the column itself, or
    # pgvector's documented expression indexes over it.  The table always
    # holds full-precision vectors, and every answer is ranked against the
    # exact float ground truth.
    def index_definition(self):
        a = self.args
        if a.index_type == "halfvec":
            return "((embedding::halfvec(%d)) halfvec_l2_ops)" % a.dim
        if a.index_type == "bit":
            return ("((binary_quantize(embedding)::bit(%d)) bit_hamming_ops)"
                    % a.dim)
        return "(embedding vector_l2_ops)"

    def nearest_sql(self, query):
        """
        The ids of the k rows of items nearest to QUERY (an expression of
        type vector), ordered so that the index answers: by the column, by
        its halfvec cast, or for bit by Hamming distance of the binary
        quantization, taking --rerank candidates that are then re-ranked by
        exact L2 distance (pgvector's re-ranking pattern).
        """
        a = self.args
        if a.index_type == "halfvec":
            return ("SELECT id FROM items ORDER BY embedding::halfvec(%d) <-> "
                    "(%s)::halfvec(%d) LIMIT %d" % (a.dim, query, a.dim, a.k))
        if a.index_type == "bit":
            return ("SELECT id FROM (SELECT id, embedding FROM items ORDER BY "
                    "binary_quantize(embedding)::bit(%d) <~> "
                    "binary_quantize(%s) LIMIT %d) c "
                    "ORDER BY c.embedding <-> (%s) LIMIT %d"
                    % (a.dim, query, a.rerank, query, a.k))
        return ("SELECT id FROM items ORDER BY embedding <-> (%s) LIMIT %d"
                % (query, a.k))

    def client_query(self):
        return self.nearest_sql("$1")

    def server_query(self, n_queries):
        return ("SELECT q.qid, r.id FROM queries q CROSS JOIN LATERAL (%s) r "
                "WHERE q.qid < %d" % (self.nearest_sql("q.embedding"),
                                      n_queries))

    def plan_uses_index(self, statement):
        """Whether EXPLAIN of STATEMENT shows a scan of our index."""
        self.sql("EXPLAIN (FORMAT JSON) " + statement)
        plan = self.cur.fetchone()[0]

        def walk(node):
            if node.get("Index Name") == INDEX_NAME:
                return True
            return any(walk(child) for child in node.get("Plans", []))

        return walk(plan[0]["Plan"])

    def check_plans(self, sample_literal, n_queries):
        """
        Whether the all-queries statement and the prepared per-query
        statement "knn" (as it would run now: custom or cached generic plan)
        scan the index under the session's current settings.  Returns
        (server_ok, client_ok).
        """
        server_ok = self.plan_uses_index(self.server_query(n_queries))
        client_ok = self.plan_uses_index("EXECUTE knn('%s')" % sample_literal)
        return server_ok, client_ok

    def ensure_index_plans(self, ef, sample_literal, n_queries):
        """
        Check both query shapes' plans at hnsw.ef_search EF.  The planner's
        choice can change with ef_search (the index's estimated cost grows
        with it); when either shape would not use the index, warn and set
        enable_seqscan = off for this ef_search, so that the index is still
        what gets measured.  Returns True when it had to do that.
        """
        self.sql("SET hnsw.ef_search = %d" % ef)
        server_ok, client_ok = self.check_plans(sample_literal, n_queries)
        if server_ok and client_ok:
            return False
        warn("EXPLAIN at ef_search %d: the planner does not choose %s for "
             "the %s; measuring with enable_seqscan = off"
             % (ef, INDEX_NAME, " and ".join(
                 name for name, ok in (("all-queries statement", server_ok),
                                       ("per-query statement", client_ok))
                 if not ok)))
        self.sql("SET enable_seqscan = off")
        server_ok, client_ok = self.check_plans(sample_literal, n_queries)
        if not (server_ok and client_ok):
            warn("EXPLAIN at ef_search %d: still no index scan with "
                 "enable_seqscan = off" % ef)
        return True

    def run_server(self, n_queries):
        """
        All queries in one statement; return (seconds, ids per query).  Rows
        are fetched to the client inside the timing, a few bytes each.
        """
        t0 = time.perf_counter()
        self.sql(self.server_query(n_queries))
        rows = self.cur.fetchall()
        elapsed = time.perf_counter() - t0
        found = [[] for _ in range(n_queries)]
        for qid, item in rows:
            found[qid].append(item)
        return elapsed, found

    def run_client(self, literals):
        """
        One EXECUTE of a prepared statement per query; return (total
        seconds, per-query seconds, ids per query).  The statements' text is
        built before the clock starts.
        """
        statements = ["EXECUTE knn('%s')" % lit for lit in literals]
        latencies = []
        found = []
        cur = self.cur
        t_start = time.perf_counter()
        for statement in statements:
            t0 = time.perf_counter()
            cur.execute(statement)
            rows = cur.fetchall()
            latencies.append(time.perf_counter() - t0)
            found.append([r[0] for r in rows])
        return time.perf_counter() - t_start, latencies, found

    def measure(self, queries, truth, ef, n_queries):
        """
        Recall and throughput at one hnsw.ef_search (None: no index, exact
        sequential scans).  The setting is made once for the session.
        """
        a = self.args
        if ef is not None:
            self.sql("SET hnsw.ef_search = %d" % ef)
        literals = [vector_literal(v) for v in queries[:n_queries]]
        want = truth[:n_queries]

        best_server = None
        for _ in range(a.repeat):
            elapsed, found_server = self.run_server(n_queries)
            best_server = elapsed if best_server is None else \
                min(best_server, elapsed)
        best_client = None
        for _ in range(a.repeat):
            total, latencies, found_client = self.run_client(literals)
            if best_client is None or total < best_client[0]:
                best_client = (total, latencies)

        result = {
            "ef_search": ef,
            "queries": n_queries,
            "recall": recall_at_k(found_server, want, a.k),
            "recall_client": recall_at_k(found_client, want, a.k),
            "qps_server": n_queries / best_server,
            "qps_client": n_queries / best_client[0],
            "p50_ms": percentile_ms(best_client[1], 50),
            "p99_ms": percentile_ms(best_client[1], 99),
        }
        if abs(result["recall"] - result["recall_client"]) > 0.005:
            warn("ef_search %s: recall differs between the one-statement (%.4f)"
                 " and per-query (%.4f) runs"
                 % (ef, result["recall"], result["recall_client"]))
        log("postgres: ef_search %-4s recall %.4f  server %.0f QPS  "
            "client %.0f QPS  p99 %.2f ms"
            % (ef if ef is not None else "-", result["recall"],
               result["qps_server"], result["qps_client"], result["p99_ms"]))
        return result

    # One single-row INSERT per pgbench transaction.  The vectors wait in
    # insert_source; the sequence hands each transaction the next one, so no
    # vector is inserted twice (equal vectors would share an index element
    # and make inserts look cheaper).
    INSERT_SCRIPT = ("INSERT INTO items (id, embedding) "
                     "SELECT sid + %d, embedding FROM insert_source "
                     "WHERE sid = (SELECT nextval('insert_source_seq'))::int;\n")

    def measure_inserts(self, vectors):
        """
        Single-row INSERTs per second into the indexed table, with pgbench,
        for each client count in --insert-clients: --insert-rows rows each,
        split evenly between the clients.  The measurements follow one
        another, so each starts with the rows of the ones before in the
        table.  Afterwards the inserted rows are deleted and the table
        vacuumed, leaving n rows and nothing for autovacuum to do.  Returns
        a list of result dicts, or None if pgbench is missing.
        """
        a = self.args
        pgbench = find_pgbench()
        if pgbench is None:
            warn("pgbench not found: no insert measurement")
            return None
        self.load_table("insert_source", "sid", vectors, primary_key=True)
        self.sql("DROP SEQUENCE IF EXISTS insert_source_seq")
        self.sql("CREATE SEQUENCE insert_source_seq MINVALUE 0 START 0")
        results = []
        with tempfile.TemporaryDirectory(dir=a.out) as tmp:
            script = os.path.join(tmp, "insert.sql")
            with open(script, "w") as f:
                f.write(self.INSERT_SCRIPT % a.n)
            try:
                for clients in a.insert_clients:
                    before = self.value("SELECT count(*) FROM items")
                    per_client = a.insert_rows // clients
                    cmd = [pgbench, "--no-vacuum", "--protocol=prepared",
                           "--file=" + script, "--client=%d" % clients,
                           "--jobs=%d" % clients,
                           "--transactions=%d" % per_client]
                    if a.dsn:
                        cmd.append(a.dsn)
                    log("postgres: %d single-row INSERTs with pgbench, "
                        "%d client(s), into %d rows"
                        % (per_client * clients, clients, before))
                    run = subprocess.run(cmd, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
                    if run.returncode != 0:
                        warn("pgbench failed (exit %d): %s"
                             % (run.returncode, run.stderr.strip()))
                        break
                    result = parse_pgbench(run.stdout)
                    result.update(clients=clients,
                                  rows=per_client * clients,
                                  rows_before=before)
                    inserted = self.value("SELECT count(*) FROM items") - before
                    if inserted != result["rows"]:
                        warn("pgbench reported %d INSERTs but the table has "
                             "%d more rows" % (result["rows"], inserted))
                    log("postgres: %d client(s): %.0f inserts/s, latency "
                        "%.2f ms" % (clients, result["inserts_per_s"],
                                     result["latency_ms"]))
                    results.append(result)
            finally:
                # INDEX_CLEANUP ON: with few dead rows VACUUM would otherwise
                # skip the index (under 2% of the heap's pages), leaving its
                # work to some later vacuum and the timing meaningless.
                t0 = time.perf_counter()
                self.sql("DELETE FROM items WHERE id >= %s", (a.n,))
                t1 = time.perf_counter()
                self.sql("VACUUM (ANALYZE, INDEX_CLEANUP ON) items")
                t2 = time.perf_counter()
                self.facts["insert_delete_s"] = t1 - t0
                self.facts["insert_vacuum_s"] = t2 - t1
                self.sql("DROP TABLE insert_source")
                self.sql("DROP SEQUENCE insert_source_seq")
                log("postgres: inserted rows deleted in %.1f s, table "
                    "vacuumed in %.1f s" % (t1 - t0, t2 - t1))
        return results

    def exact_check(self, base, queries, truth, count=5):
        """
        With index scans disabled, compare the server's exact answers and
        distances with numpy's for a few queries: catches a wrong load or a
        wrong distance before any recall figure is believed.
        """
        k = self.args.k
        self.sql("SET enable_indexscan = off")
        worst = 0.0
        mismatches = 0
        for i in range(min(count, len(queries))):
            self.sql("SELECT id, embedding <-> %s::vector FROM items "
                     "ORDER BY embedding <-> %s::vector LIMIT %s",
                     (vector_literal(queries[i]), vector_literal(queries[i]), k))
            rows = self.cur.fetchall()
            ids = [r[0] for r in rows]
            if ids != truth[i][:k].tolist():
                mismatches += 1
            for item, dist in rows:
                want = math.sqrt(float(np.sum(
                    (base[item].astype(np.float64) -
                     queries[i].astype(np.float64)) ** 2)))
                worst = max(worst, abs(dist - want) / max(want, 1e-30))
        self.sql("RESET enable_indexscan")
        self.facts["exact_check_mismatches"] = mismatches
        self.facts["exact_check_max_rel_error"] = worst
        if mismatches:
            warn("exact check: %d of %d sequential-scan answers differ from "
                 "numpy's exact neighbours" % (mismatches, min(count,
                                                              len(queries))))
        if worst > 1e-5:
            warn("exact check: distance <-> differs from numpy by up to "
                 "%.2g (relative)" % worst)
        log("postgres: exact check %d mismatches, max relative distance "
            "error %.2g" % (mismatches, worst))

    def run(self, base, queries, truth):
        """Everything on the PostgreSQL side; returns a results dict."""
        a = self.args
        has_hnsw = self.setup()
        self.load(base, queries)
        self.exact_check(base, queries, truth)
        out = {"facts": self.facts, "builds": {}, "points": []}

        self.sql("PREPARE knn(vector) AS " + self.client_query())
        if not has_hnsw or a.no_index:
            if not has_hnsw:
                warn("access method hnsw does not exist yet: measuring exact "
                     "sequential scans only")
            n_exact = min(len(queries), a.seqscan_queries)
            self.prewarm()
            point = self.measure(queries, truth, None, n_exact)
            point["system"] = "postgres seqscan"
            out["points"].append(point)
            return out

        # A parallel build first (if asked) so the serial build, the headline
        # figure, is the index that gets queried.
        if a.parallel:
            out["builds"]["parallel"] = self.build_index(a.parallel)
        out["builds"]["serial"] = self.build_index(0)

        self.prewarm()
        for ef in a.ef_search:
            forced = self.ensure_index_plans(ef, vector_literal(queries[0]),
                                             len(queries))
            point = self.measure(queries, truth, ef, len(queries))
            point["system"] = "hnswext"
            point["index_forced"] = forced
            if forced:
                self.sql("RESET enable_seqscan")
            out["points"].append(point)

        # Last, so that the rows it adds cannot change the figures above.
        if a.insert_rows > 0:
            out["inserts"] = self.measure_inserts(
                make_extra(a, a.insert_rows * len(a.insert_clients)))
        return out


# ---------------------------------------------------------------------------
# hnswlib side
# ---------------------------------------------------------------------------

def run_hnswlib(args, base, queries, truth):
    """
    Build hnswlib's index with the same m and ef_construction (one thread,
    and again with --threads if more than one), then query the single-thread
    graph in one batch call per ef with one thread.
    """
    import hnswlib

    n, dim = base.shape
    labels = np.arange(n)

    def build(threads):
        index = hnswlib.Index(space="l2", dim=dim)
        index.init_index(max_elements=n, ef_construction=args.ef_construction,
                         M=args.m, random_seed=args.seed)
        log("hnswlib: add_items, %d thread(s)" % threads)
        t0 = time.perf_counter()
        index.add_items(base, labels, num_threads=threads)
        elapsed = time.perf_counter() - t0
        log("hnswlib: built in %.1f s" % elapsed)
        return index, elapsed

    index, build_1 = build(1)
    out = {"builds": {"serial": build_1}, "points": []}
    if args.threads > 1:
        # Timing only: the graph queried below is the single-thread one.
        out["builds"]["threads"] = build(args.threads)[1]

    # hnswlib's own serialised size: vectors, level-0 links, labels, upper
    # levels.  Comparable with the Postgres index size.
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        path = os.path.join(tmp, "hnswlib.bin")
        index.save_index(path)
        out["index_mb"] = os.path.getsize(path) / 2.0 ** 20

    for ef in args.ef_search:
        index.set_ef(ef)
        best = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            found, _ = index.knn_query(queries, k=args.k, num_threads=1)
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
        point = {
            "system": "hnswlib",
            "ef_search": ef,
            "queries": len(queries),
            "recall": recall_at_k(found.tolist(), truth, args.k),
            "qps_server": len(queries) / best,
        }
        log("hnswlib: ef %-4d recall %.4f  %.0f QPS"
            % (ef, point["recall"], point["qps_server"]))
        out["points"].append(point)
    return out


# ---------------------------------------------------------------------------
# Summary, output files and plot
# ---------------------------------------------------------------------------

def qps_at_recall(points, target, key):
    """
    QPS (field KEY) of a curve at recall TARGET: interpolated linearly in
    recall and logarithmically in QPS between the two points that bracket it,
    the first point's own QPS if that already reaches TARGET, None if no
    point does.  Points are taken in ef order, so the curve is the speed a
    user gets by raising ef_search until recall is good enough.
    """
    prev = None
    for p in points:
        if p.get(key) is None:
            continue
        if p["recall"] >= target:
            if prev is None or prev["recall"] >= p["recall"]:
                return p[key]
            frac = (target - prev["recall"]) / (p["recall"] - prev["recall"])
            return math.exp(math.log(prev[key]) +
                            frac * (math.log(p[key]) - math.log(prev[key])))
        prev = p
    return None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def summarise(args, pg, hl):
    """Derived figures: theoretical size, and hnswext versus hnswlib."""
    s = {}
    vector_bytes = 4 * args.dim
    per_element = vector_bytes + 2 * args.m * args.link_bytes
    s["theory_bytes_per_element"] = per_element
    s["theory_mb"] = args.n * per_element / 2.0 ** 20
    if pg and "serial" in pg["builds"]:
        s["pg_index_mb"] = pg["builds"]["serial"][1]
        s["pg_size_vs_theory"] = ratio(s["pg_index_mb"], s["theory_mb"])
    if hl:
        s["hnswlib_index_mb"] = hl["index_mb"]
        s["hnswlib_size_vs_theory"] = ratio(hl["index_mb"], s["theory_mb"])
    if pg and hl and "serial" in pg["builds"]:
        s["size_vs_hnswlib"] = ratio(pg["builds"]["serial"][1], hl["index_mb"])
        s["build_vs_hnswlib"] = ratio(pg["builds"]["serial"][0],
                                      hl["builds"]["serial"])
        if "parallel" in pg["builds"] and "threads" in hl["builds"]:
            s["parallel_build_vs_hnswlib_threads"] = ratio(
                pg["builds"]["parallel"][0], hl["builds"]["threads"])
        t = args.target_recall
        hl_qps = qps_at_recall(hl["points"], t, "qps_server")
        pg_server = qps_at_recall(pg["points"], t, "qps_server")
        pg_client = qps_at_recall(pg["points"], t, "qps_client")
        s["target_recall"] = t
        s["hnswlib_qps_at_target"] = hl_qps
        s["pg_server_qps_at_target"] = pg_server
        s["pg_client_qps_at_target"] = pg_client
        s["server_qps_vs_hnswlib"] = ratio(pg_server, hl_qps)
        s["client_qps_vs_hnswlib"] = ratio(pg_client, hl_qps)
    return s


COLUMNS = [
    ("system", "system"),
    ("build_s", "build s"),
    ("index_mb", "index MB"),
    ("ef_label", "ef_search"),
    ("recall", "recall@%d"),
    ("qps_server", "QPS server"),
    ("qps_client", "QPS client"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
]


def table_rows(args, pg, hl):
    """
    One row per (system, ef_search), with the build figures repeated.  An
    ef_search at which the index had to be forced is shown with a "*".
    """
    rows = []
    if pg:
        build = pg["builds"].get("serial", (None, None))
        for p in pg["points"]:
            rows.append(dict(p, build_s=build[0], index_mb=build[1]))
    if hl:
        for p in hl["points"]:
            rows.append(dict(p, build_s=hl["builds"]["serial"],
                             index_mb=hl["index_mb"]))
    for r in rows:
        r["ef_label"] = r["ef_search"]
        if r.get("index_forced"):
            r["ef_label"] = "%d*" % r["ef_search"]
    return rows


def fmt(value, key):
    if value is None:
        return "-"
    if key == "recall":
        return "%.4f" % value
    if key in ("qps_server", "qps_client"):
        return "%.0f" % value
    if isinstance(value, float):
        return "%.2f" % value if value < 100 else "%.1f" % value
    return str(value)


def headers(args):
    return [title % args.k if "%d" in title else title
            for _, title in COLUMNS]


def text_table(args, rows):
    cells = [headers(args)] + [[fmt(r.get(key), key) for key, _ in COLUMNS]
                               for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = []
    for j, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(args, rows):
    lines = ["| " + " | ".join(headers(args)) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(fmt(r.get(key), key)
                                       for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe_setup(args, pg, hl):
    """Lines describing the run: data, parameters, machine, server."""
    lines = [
        "data: %s, n = %d, dim = %d, queries = %d, seed = %d, k = %d"
        % (args.dataset, args.n, args.dim, args.queries, args.seed, args.k),
        "index: m = %d, ef_construction = %d, on %s%s"
        % (args.m, args.ef_construction, args.index_type,
           ", re-ranking %d candidates" % args.rerank
           if args.index_type == "bit" else ""),
        "machine: %s, %d CPUs, Python %s, numpy %s"
        % (cpu_model(), os.cpu_count() or 0, platform.python_version(),
           np.__version__),
    ]
    if pg:
        f = pg["facts"]
        lines.append(
            "postgres: %s, hnswext %s, shared_buffers = %s, "
            "maintenance_work_mem = %s, fsync = %s%s, jit = off"
            % (f["server_version"], f["extension_version"],
               f["shared_buffers"], f["maintenance_work_mem"], f["fsync"],
               " (benchmark default; durability off)" if f["fsync"] == "off"
               else ""))
        lines.append("load: COPY %s of %d rows in %.2f s; table %.1f MB"
                     % (args.copy_format, args.n, f["load_s"], f["table_mb"]))
        for kind, (secs, mb) in pg["builds"].items():
            workers = args.parallel if kind == "parallel" else 0
            seen = ""
            if kind == "parallel":
                seen = ", %d worker processes seen" % f["parallel_workers_seen"]
            lines.append("hnswext build (%s, max_parallel_maintenance_workers "
                         "= %d%s): %.2f s, index %.1f MB"
                         % (kind, workers, seen, secs, mb))
        if "exact_check_mismatches" in f:
            lines.append("exact check (seq scan vs numpy, 5 queries): %d "
                         "mismatching answers, max relative distance error "
                         "%.2g" % (f["exact_check_mismatches"],
                                   f["exact_check_max_rel_error"]))
        if "insert_vacuum_s" in f:
            lines.append("after the insert measurements: DELETE of the "
                         "inserted rows %.2f s, then VACUUM (ANALYZE, "
                         "INDEX_CLEANUP ON) %.2f s"
                         % (f["insert_delete_s"], f["insert_vacuum_s"]))
        forced = [str(p["ef_search"]) for p in pg["points"]
                  if p.get("index_forced")]
        if forced:
            lines.append("WARNING: at ef_search %s the planner chose a "
                         "sequential scan over the index; those rows (marked "
                         "*) were measured with enable_seqscan = off"
                         % ", ".join(forced))
    if hl:
        import hnswlib
        version = getattr(hnswlib, "__version__", None) or "(Debian package)"
        lines.append("hnswlib %s: build 1 thread %.2f s%s, saved index %.1f MB"
                     % (version, hl["builds"]["serial"],
                        ", %d threads %.2f s" % (args.threads,
                                                 hl["builds"]["threads"])
                        if "threads" in hl["builds"] else "",
                        hl["index_mb"]))
    return lines


def describe_summary(args, s):
    lines = ["theoretical size: %d bytes per element (4 x %d vector bytes + "
             "2 x %d x %d link bytes) = %.1f MB"
             % (s["theory_bytes_per_element"], args.dim, args.m,
                args.link_bytes, s["theory_mb"])]

    def add(label, key, form="%.2f"):
        if s.get(key) is not None:
            lines.append(label + ": " + form % s[key])

    add("hnswext index size / theoretical", "pg_size_vs_theory")
    add("hnswlib index size / theoretical", "hnswlib_size_vs_theory")
    add("hnswext index size / hnswlib", "size_vs_hnswlib")
    add("hnswext serial build / hnswlib 1-thread build", "build_vs_hnswlib")
    add("hnswext parallel build / hnswlib %d-thread build" % args.threads,
        "parallel_build_vs_hnswlib_threads")
    if "target_recall" in s:
        t = s["target_recall"]
        for label, key in (("hnswlib", "hnswlib_qps_at_target"),
                           ("hnswext server-side", "pg_server_qps_at_target"),
                           ("hnswext client round trip",
                            "pg_client_qps_at_target")):
            v = s.get(key)
            lines.append("%s QPS at recall %.2f: %s"
                         % (label, t, "not reached" if v is None
                            else "%.0f" % v))
        add("hnswext server-side QPS / hnswlib QPS at recall %.2f" % t,
            "server_qps_vs_hnswlib", "%.3f")
        add("hnswext client QPS / hnswlib QPS at recall %.2f" % t,
            "client_qps_vs_hnswlib", "%.3f")
    return lines


INSERT_COLUMNS = ["clients", "rows", "table rows before", "inserts/s",
                  "latency ms"]


def insert_cells(pg):
    """Rows of the insert table as strings; empty if nothing was measured."""
    return [[str(r["clients"]), str(r["rows"]), str(r["rows_before"]),
             "%.0f" % r["inserts_per_s"], "%.3f" % r["latency_ms"]]
            for r in (pg or {}).get("inserts") or []]


INSERT_NOTE = ("Single-row INSERTs with pgbench (prepared statements, one "
               "transaction per row, vectors from the data set's distribution "
               "but not in it); inserts/s excludes connection set-up; each "
               "measurement starts with the rows of the ones before it. "
               "The rows are deleted and the table vacuumed afterwards.")


def write_outputs(args, pg, hl, summary):
    rows = table_rows(args, pg, hl)
    inserts = insert_cells(pg)
    setup = describe_setup(args, pg, hl)
    derived = describe_summary(args, summary)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    suffix = "-" + args.tag if args.tag else ""

    print()
    print("hnswext benchmark, %s" % stamp)
    for line in setup:
        print("  " + line)
    print()
    print(text_table(args, rows))
    print()
    for line in derived:
        print("  " + line)
    if inserts:
        widths = [max(len(c) for c in col)
                  for col in zip(INSERT_COLUMNS, *inserts)]
        print()
        for j, cells in enumerate([INSERT_COLUMNS] + inserts):
            print("  ".join(c.rjust(w) for c, w in zip(cells, widths)))
            if j == 0:
                print("  ".join("-" * w for w in widths))
        print("  " + INSERT_NOTE)

    md = os.path.join(args.out, "results%s.md" % suffix)
    with open(md, "w") as f:
        f.write("# hnswext benchmark, %s\n\n" % stamp)
        f.write("Command: `%s`\n\n" % " ".join(sys.argv))
        for line in setup:
            f.write("- %s\n" % line)
        f.write("\n" + markdown_table(args, rows) + "\n\n")
        f.write("QPS server: all queries in one statement (hnswext) or one "
                "batch call with one thread (hnswlib). QPS client: one query "
                "per round trip from this client; p50/p99 are its latencies."
                "\n\n")
        for line in derived:
            f.write("- %s\n" % line)
        if inserts:
            f.write("\n| " + " | ".join(INSERT_COLUMNS) + " |\n")
            f.write("|" + "|".join(["---:"] * len(INSERT_COLUMNS)) + "|\n")
            for cells in inserts:
                f.write("| " + " | ".join(cells) + " |\n")
            f.write("\n" + INSERT_NOTE + "\n")

    path = os.path.join(args.out, "results%s.csv" % suffix)
    with open(path, "w", newline="") as f:
        fields = ["system", "dataset", "n", "dim", "m", "ef_construction",
                  "build_s", "index_mb", "ef_search", "queries", "recall",
                  "recall_client", "qps_server", "qps_client", "p50_ms",
                  "p99_ms", "index_forced"]
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(dict(r, dataset=args.dataset, n=args.n, dim=args.dim,
                            m=args.m, ef_construction=args.ef_construction))

    with open(os.path.join(args.out, "results%s.json" % suffix), "w") as f:
        json.dump({"args": vars(args), "when": stamp, "postgres": pg,
                   "hnswlib": hl, "summary": summary}, f, indent=1)
    log("results written to %s (and .csv, .json)" % md)
    return rows


def gnuplot_terminal():
    """pngcairo if this gnuplot has it, else the libgd png terminal."""
    try:
        listing = subprocess.run(["gnuplot", "-e", "set terminal"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True).stdout
    except OSError:
        return None
    names = [line.split()[0] for line in listing.splitlines() if line.split()]
    if "pngcairo" in names:
        return "pngcairo noenhanced size 900,600"
    if "png" in names:
        return "png noenhanced size 900,600"
    return None


def plot(args, rows):
    """Recall (x) against QPS (y, log scale) for each curve, via gnuplot."""
    if shutil.which("gnuplot") is None:
        warn("--plot: gnuplot not found")
        return
    terminal = gnuplot_terminal()
    if terminal is None:
        warn("--plot: this gnuplot has no PNG terminal")
        return
    curves = [("hnswext server-side", "hnswext", "qps_server", "#1f4e9c"),
              ("hnswext client round trip", "hnswext", "qps_client",
               "#5fa8e8"),
              ("hnswlib (1 thread)", "hnswlib", "qps_server", "#d2691e")]
    suffix = "-" + args.tag if args.tag else ""
    data_path = os.path.join(args.out, "recall_qps%s.dat" % suffix)
    png_path = os.path.join(args.out, "recall_qps%s.png" % suffix)
    plots = []
    with open(data_path, "w") as f:
        index = 0
        for title, system, key, colour in curves:
            pts = [r for r in rows if r["system"] == system and r.get(key)]
            if not pts:
                continue
            f.write("# %s\n" % title)
            for r in pts:
                f.write("%.6f %.3f %d\n" % (r["recall"], r[key], r["ef_search"]))
            f.write("\n\n")
            plots.append("'%s' index %d using 1:2 with linespoints lw 2 "
                         "lc rgb '%s' title '%s'"
                         % (data_path, index, colour, title))
            # Label each point with its ef_search.
            plots.append("'%s' index %d using 1:2:3 with labels offset 1,0.6 "
                         "font ',8' notitle" % (data_path, index))
            index += 1
    if not plots:
        warn("--plot: nothing to plot")
        return
    script = "\n".join([
        "set terminal %s" % terminal,
        "set output '%s'" % png_path,
        "set title 'recall@%d vs QPS: %s, n = %d, dim = %d, m = %d, "
        "ef_construction = %d'" % (args.k, args.dataset, args.n, args.dim,
                                   args.m, args.ef_construction),
        "set xlabel 'recall@%d'" % args.k,
        "set ylabel 'queries per second (log scale)'",
        "set logscale y",
        "set xrange [:1.005]",
        "set grid",
        "set key bottom left",
        "plot " + ", ".join(plots),
    ]) + "\n"
    result = subprocess.run(["gnuplot"], input=script, text=True,
                            capture_output=True)
    if result.returncode != 0:
        warn("gnuplot failed: %s" % result.stderr.strip())
    else:
        log("plot written to %s" % png_path)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def int_list(text):
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected integers separated by "
                                         "commas: %r" % text)
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("expected positive integers")
    return values


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Benchmark the hnswext HNSW index (and hnswlib).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=sorted(GENERATORS), default="clustered")
    g.add_argument("--n", type=int, default=100000, help="rows in the table")
    g.add_argument("--dim", type=int, default=128)
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--seed", type=int, default=42,
                   help="seed for the data and for hnswlib's levels")
    g.add_argument("--k", type=int, default=10, help="neighbours per query")
    g.add_argument("--no-cache", action="store_true",
                   help="do not read or write the data cache in OUT/data")

    g = p.add_argument_group("index")
    g.add_argument("--m", type=int, default=16)
    g.add_argument("--ef-construction", type=int, default=64)
    g.add_argument("--ef-search", type=int_list,
                   default=[10, 20, 40, 80, 160, 320],
                   help="comma-separated hnsw.ef_search values")
    g.add_argument("--parallel", type=int, nargs="?", const=2, default=0,
                   metavar="WORKERS",
                   help="also time a parallel build with WORKERS workers "
                   "(2 if given without a number)")
    g.add_argument("--index-type", choices=["vector", "halfvec", "bit"],
                   default="vector",
                   help="index the vector column itself, its halfvec cast, "
                   "or its binary quantization (bit, queried with "
                   "re-ranking); recall is always against exact float L2")
    g.add_argument("--rerank", type=int, default=40,
                   help="with --index-type bit: candidates the index returns "
                   "for re-ranking by exact distance")
    g.add_argument("--link-bytes", type=int, default=6,
                   help="bytes per neighbour link in the theoretical size "
                   "(6: a PostgreSQL item pointer)")

    g = p.add_argument_group("postgres")
    g.add_argument("--skip-pg", action="store_true",
                   help="no PostgreSQL side (data, ground truth, hnswlib only)")
    g.add_argument("--dsn", default="",
                   help="libpq connection string; empty uses PG* variables")
    g.add_argument("--copy-format", choices=["binary", "text"],
                   default="binary")
    g.add_argument("--maintenance-work-mem", default=None,
                   help="SET maintenance_work_mem for the build (default: "
                   "the server's setting)")
    g.add_argument("--no-index", action="store_true",
                   help="measure exact sequential scans instead of the index")
    g.add_argument("--seqscan-queries", type=int, default=200,
                   help="queries used for the exact sequential-scan run")
    g.add_argument("--insert-rows", type=int, default=10000,
                   help="single-row INSERTs (with pgbench) per insert "
                   "measurement; 0 skips them")
    g.add_argument("--insert-clients", type=int_list, default=[1, 4],
                   help="comma-separated pgbench client counts, one insert "
                   "measurement each")

    g = p.add_argument_group("hnswlib")
    g.add_argument("--hnswlib", action="store_true",
                   help="also run hnswlib in-process on the same data")
    g.add_argument("--threads", type=int, default=1,
                   help="also time an hnswlib build with this many threads")

    g = p.add_argument_group("output")
    g.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    g.add_argument("--tag", default="",
                   help="suffix for the result file names")
    g.add_argument("--repeat", type=int, default=1,
                   help="time each query pass this many times, keep the best")
    g.add_argument("--target-recall", type=float, default=0.95,
                   help="recall at which QPS is compared with hnswlib")
    g.add_argument("--plot", action="store_true",
                   help="write OUT/recall_qps.png with gnuplot")
    args = p.parse_args(argv)

    if args.n < 1 or args.queries < 1 or args.dim < 1 or args.k < 1:
        p.error("--n, --queries, --dim and --k must be positive")
    if args.k > args.n:
        p.error("--k must not exceed --n")
    if args.index_type == "bit" and args.rerank < args.k:
        p.error("--rerank must be at least --k")
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.insert_rows < 0:
        p.error("--insert-rows must not be negative")
    if args.insert_rows and args.insert_rows < max(args.insert_clients):
        p.error("--insert-rows must be at least the largest client count")
    if args.skip_pg and not args.hnswlib:
        log("--skip-pg without --hnswlib: only data and ground truth")
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    base, queries = load_data(args)
    truth = load_ground_truth(args, base, queries)

    pg = None
    if not args.skip_pg:
        bench = PgBench(args)
        pg = bench.run(base, queries, truth)
    hl = run_hnswlib(args, base, queries, truth) if args.hnswlib else None

    summary = summarise(args, pg, hl)
    rows = write_outputs(args, pg, hl, summary)
    if args.plot:
        plot(args, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
