"""The corpus stages of ``unspun cluster`` as Apache Spark jobs (``python -m unspun.spark``).

What runs on Spark today: the ``prints`` and ``pairs`` stages. ``pairs`` writes ``pairs.bin``
and ``pairs.json`` byte for byte as ``unspun cluster`` writes them for an index built by
``unspun index`` from the same corpora, in the same order (and without ``--replace``)::

    python -m unspun.spark pairs --input corpus.jsonl more.jsonl.gz --out DIR \
        [--master local[2]] [--partitions N]

The job, over the same Rust code as the CLI (``unspun.document_prints``,
``unspun.fingerprint_pairs``, ``unspun.candidate_pairs``):

1. read: one task per corpus file reads it as ``unspun index`` does (``unspun.read_corpus``);
   documents are numbered in input order (``zipWithIndex``), a repeated id keeping its first
   document, as the index's DocIds are.
2. prints (``mapPartitions``): each document's fingerprints ``(fingerprint, date, doc)``.
3. pairs: a shuffle by fingerprint puts each fingerprint's documents in one partition, where
   ``fingerprint_pairs`` counts the pairs of its groups; ``reduceByKey`` sums each pair's
   counts over partitions; ``candidate_pairs`` keeps those sharing enough fingerprints, with
   their date direction. The stage's counts travel as records (no accumulators), so a retried
   task never counts twice.

Every transformation is deterministic and side-effect free; the driver writes the output files
at the end, each to ``NAME.tmp``, fsynced and renamed.

Not on Spark yet (ARCHITECTURE.md, "Python"): the ``boilerplate``, ``trace`` and ``reuse``
stages, which read documents and document frequencies from the index.
"""

import argparse
import json
import os
import struct
import sys
import time

import unspun

#: The pair stage's knobs, with the defaults of ``unspun cluster``.
PAIR_DEFAULTS = {"all_pairs_docs": 64, "star_docs": 16, "max_doc_freq": 2000, "min_shared": 8}

#: The order of the fields of ``pairs.json`` (``unspun_corpus::pairs::PairStats``).
PAIR_STATS_FIELDS = (
    "n_prints",
    "n_fingerprints",
    "n_shared_fingerprints",
    "n_star_fingerprints",
    "n_common_fingerprints",
    "n_emitted",
    "n_pairs",
    "n_candidates",
)


def read_documents(sc, inputs, reader_options=None):
    """An RDD of ``(doc, record)``: the documents of ``inputs`` numbered as ``unspun index``
    numbers them in a new index (input order, bad records skipped, a repeated id skipped)."""
    options = dict(reader_options or {})
    paths = [os.path.abspath(p) for p in inputs]

    def read(path):
        for record in unspun.read_corpus([path], **options)["documents"]:
            del record["doc"]
            yield record

    # One partition per file, in the order given: zipWithIndex numbers them in input order.
    files = sc.parallelize(paths, max(1, len(paths)))
    numbered = files.flatMap(read).zipWithIndex().map(lambda t: (t[1], t[0])).cache()
    ids = numbered.map(lambda t: (t[1]["id"], t[0]))
    firsts = ids.reduceByKey(min)
    if firsts.count() == numbered.count():
        return numbered
    # A repeated id is a duplicate: the index keeps the first and gives the rest no DocId.
    kept = ids.join(firsts).filter(lambda t: t[1][0] == t[1][1]).map(lambda t: (t[1][0], None))
    return (
        numbered.join(kept)
        .map(lambda t: (t[0], t[1][0]))
        .sortByKey()
        .zipWithIndex()
        .map(lambda t: (t[1], t[0][1]))
    )


def _prints(records, fingerprints):
    batch = [dict(record, doc=doc) for doc, record in records]
    prints, _ = unspun.document_prints(batch, fingerprints=fingerprints, as_tuples=True)
    return prints


def candidate_pairs(docs, fingerprints="anchors", partitions=None, **knobs):
    """The prints and pairs stages over an RDD of ``(doc, record)``: returns ``(candidates,
    stats)``, the records of ``pairs.bin`` ``(a, b, n, dir)`` sorted, and ``pairs.json``."""
    knobs = {**PAIR_DEFAULTS, **knobs}
    min_shared = knobs.pop("min_shared")
    sc = docs.context
    partitions = partitions or max(2, sc.defaultParallelism)
    if docs.getNumPartitions() < partitions:
        # A single corpus file is a single partition: spread its documents over the cores.
        docs = docs.repartition(partitions)
    prints = docs.mapPartitions(lambda part: _prints(part, fingerprints))

    def pairs_of(part):
        counts, stats = unspun.fingerprint_pairs([p for _, p in part], **knobs)
        yield ("stats", stats)
        for a, b, n, date_a, date_b in counts:
            yield ((a, b), (n, date_a, date_b))

    by_fingerprint = prints.map(lambda p: (p[0], p)).partitionBy(partitions)
    counted = by_fingerprint.mapPartitions(pairs_of).cache()
    stats = {field: 0 for field in PAIR_STATS_FIELDS}
    for _, part in counted.filter(lambda t: t[0] == "stats").collect():
        for field, value in part.items():
            stats[field] += value
    summed = counted.filter(lambda t: t[0] != "stats").reduceByKey(
        lambda x, y: (x[0] + y[0], x[1], x[2])
    )

    def keep(part):
        counts = [(a, b, n, date_a, date_b) for (a, b), (n, date_a, date_b) in part]
        return unspun.candidate_pairs(counts, min_shared=min_shared)

    summed = summed.cache()
    stats["n_pairs"] = summed.count()
    candidates = sorted(summed.mapPartitions(keep).collect())
    stats["n_candidates"] = len(candidates)
    counted.unpersist()
    summed.unpersist()
    return candidates, stats


def write_atomic(path, data):
    """Writes ``data`` to ``path`` through ``path.tmp``, fsynced and renamed, as the CLI does."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_pairs(out_dir, candidates, stats):
    """``pairs.bin`` (13-byte little-endian records: a u32, b u32, n u32, dir u8) and
    ``pairs.json`` (serde_json's pretty layout), as ``unspun cluster`` writes them."""
    os.makedirs(out_dir, exist_ok=True)
    data = b"".join(struct.pack("<IIIB", *c) for c in candidates)
    write_atomic(os.path.join(out_dir, "pairs.bin"), data)
    ordered = {field: stats[field] for field in PAIR_STATS_FIELDS}
    text = json.dumps(ordered, indent=2) + "\n"
    write_atomic(os.path.join(out_dir, "pairs.json"), text.encode())


def run_pairs(sc, inputs, out_dir, fingerprints="anchors", partitions=None, min_shared=8):
    """The prints and pairs stages of ``inputs`` on ``sc``; writes ``pairs.bin`` and
    ``pairs.json`` into ``out_dir`` and returns the stage's counts."""
    docs = read_documents(sc, inputs)
    candidates, stats = candidate_pairs(
        docs, fingerprints=fingerprints, partitions=partitions, min_shared=min_shared
    )
    write_pairs(out_dir, candidates, stats)
    return stats


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m unspun.spark",
        description="Stages of `unspun cluster` on Apache Spark (same Rust code, same output).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    pairs = commands.add_parser(
        "pairs",
        help="the prints and pairs stages: pairs.bin and pairs.json as `unspun cluster` writes "
        "them for an index of the same corpora",
    )
    pairs.add_argument("--input", nargs="+", required=True, metavar="PATH",
                       help="corpus files or folders, in the order `unspun index` was given")
    pairs.add_argument("--out", required=True, metavar="DIR")
    pairs.add_argument("--master", default="local[*]", help="Spark master URL (local[*])")
    pairs.add_argument("--partitions", type=int, default=None,
                       help="partitions of the shuffle by fingerprint (default parallelism)")
    pairs.add_argument("--fingerprints", default="anchors",
                       choices=["anchors", "canonical", "legacy"],
                       help="the index's fingerprint scheme (a new index's default: anchors)")
    pairs.add_argument("--min-shared-fingerprints", type=int, default=8, metavar="N")
    args = parser.parse_args(argv)

    # Python workers run this interpreter (the one with unspun installed), unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if args.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import SparkConf, SparkContext

    started = time.monotonic()
    conf = (
        SparkConf()
        .setAppName("unspun pairs")
        .setMaster(args.master)
        .set("spark.ui.showConsoleProgress", "false")
    )
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("ERROR")
    job_started = time.monotonic()
    try:
        stats = run_pairs(
            sc,
            args.input,
            args.out,
            fingerprints=args.fingerprints,
            partitions=args.partitions,
            min_shared=args.min_shared_fingerprints,
        )
    finally:
        sc.stop()
    done = time.monotonic()
    summary = dict(
        stats,
        out_dir=args.out,
        master=args.master,
        secs=round(done - started, 3),
        secs_spark_start=round(job_started - started, 3),
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
