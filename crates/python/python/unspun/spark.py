"""The corpus stages of ``unspun cluster`` as Apache Spark jobs (``python -m unspun.spark``).

What runs on Spark today: the ``prints``, ``boilerplate`` and ``pairs`` stages. ``pairs``
writes ``boilerplate.jsonl``, ``pairs.bin`` and ``pairs.json`` byte for byte as ``unspun
cluster`` writes them for an index built by ``unspun index`` from the same corpora, in the
same order (and without ``--replace``)::

    python -m unspun.spark pairs --input corpus.jsonl more.jsonl.gz --out DIR \
        [--master local[2]] [--partitions N]

The job, over the same Rust code as the CLI:

1. read: one task per corpus file reads it as ``unspun index`` does (``unspun.read_corpus``);
   documents are numbered in input order (``zipWithIndex``), a repeated id keeping its first
   document, as the index's DocIds are.
2. prints (``mapPartitions``): each document's fingerprints ``(fingerprint, date, doc)`` and
   sentence hashes, packed by ``unspun.document_prints_packed`` into one byte string per
   fingerprint part and one per sentence-hash part.
   boilerplate: the sentence parts shuffled with the fingerprint parts, counted per hash by
   ``unspun.sentence_counts_packed``; the frequent ones collected, their sampled documents
   fetched by a filter on DocId, judged on the driver (``unspun.boilerplate_lines``).
3. pairs: a shuffle by fingerprint part puts each fingerprint's documents in one partition,
   where ``unspun.fingerprint_pairs_packed`` counts the pairs of its groups, packed per pair
   part; a second shuffle brings every count of a pair together, where
   ``unspun.candidate_pairs_packed`` sums them and keeps the pairs sharing enough
   fingerprints, with their date direction. The stage's counts travel as records (no
   accumulators), so a retried task never counts twice.

Every transformation is deterministic and side-effect free; the driver writes the output files
at the end, each to ``NAME.tmp``, fsynced and renamed.

Not on Spark yet (crates/python/README.md): the ``trace`` stage (its record function
``unspun.trace_documents`` exists) and the ``reuse`` stage.
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
    # zipWithIndex runs a job of its own to count each partition: cache what it counts, so
    # that each file is read once.
    read_docs = files.flatMap(read).cache()
    numbered = read_docs.zipWithIndex().map(lambda t: (t[1], t[0])).cache()
    ids = numbered.map(lambda t: (t[1]["id"], t[0]))
    firsts = ids.reduceByKey(min)
    n_docs = numbered.count()
    read_docs.unpersist()
    if firsts.count() == n_docs:
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


def _batches(records, batch_docs):
    """Lists of at most ``batch_docs`` record dicts with their ``doc``, from ``(doc, record)``."""
    batch = []
    for doc, record in records:
        batch.append(dict(record, doc=doc))
        if len(batch) >= batch_docs:
            yield batch
            batch = []
    if batch:
        yield batch


def corpus_stages(docs, fingerprints="anchors", partitions=None, batch_docs=256, **knobs):
    """The prints, boilerplate and pairs stages over an RDD of ``(doc, record)``: returns
    ``(boilerplate, candidates, stats)``: the lines of ``boilerplate.jsonl``, the records of
    ``pairs.bin`` ``(a, b, n, dir)`` sorted, and ``pairs.json``.

    Records cross the shuffles packed: each batch of ``batch_docs`` documents gives one byte
    string of 20-byte print records per fingerprint part and one of sentence records per hash
    part; each pair-count part is a byte string of 28-byte records, so Spark moves a few large
    values instead of an object per fingerprint.
    """
    knobs = {**PAIR_DEFAULTS, **knobs}
    min_shared = knobs.pop("min_shared")
    sc = docs.context
    partitions = partitions or max(2, sc.defaultParallelism)
    if docs.getNumPartitions() < partitions:
        # A single corpus file is a single partition: spread its documents over the cores.
        docs = docs.repartition(partitions)

    def prints_of(part):
        # Keys 0..partitions-1: fingerprint parts; partitions..2*partitions-1: sentence parts.
        for batch in _batches(part, batch_docs):
            prints, sentences = unspun.document_prints_packed(
                batch, partitions, fingerprints=fingerprints
            )
            for k, blob in enumerate(prints):
                if blob:
                    yield (k, blob)
            for k, blob in enumerate(sentences):
                if blob:
                    yield (partitions + k, blob)

    def reduce_part(index, part):
        blobs = [b for _, b in part]
        if index >= partitions:
            yield ("sentences", unspun.sentence_counts_packed(blobs))
            return
        pair_blobs, stats = unspun.fingerprint_pairs_packed(blobs, partitions, **knobs)
        yield ("stats", stats)
        for k, blob in enumerate(pair_blobs):
            if blob:
                yield (k, blob)

    def keep(part):
        data, n_pairs = unspun.candidate_pairs_packed([b for _, b in part], min_shared=min_shared)
        yield (n_pairs, data)

    # Part k of every batch goes to partition k: all the records of a key meet there.
    shuffled = docs.mapPartitions(prints_of).partitionBy(2 * partitions, _identity)
    reduced = shuffled.mapPartitionsWithIndex(reduce_part).cache()
    stats = {field: 0 for field in PAIR_STATS_FIELDS}
    for _, part in reduced.filter(lambda t: t[0] == "stats").collect():
        for field, value in part.items():
            stats[field] += value
    counted = reduced.filter(lambda t: t[0] == "sentences").collect()
    counts = [c for _, part in counted for c in part]
    by_pair = reduced.filter(lambda t: isinstance(t[0], int)).partitionBy(partitions, _identity)
    kept = by_pair.mapPartitions(keep).collect()
    reduced.unpersist()
    stats["n_pairs"] = sum(n for n, _ in kept)
    candidates = sorted(r for _, data in kept for r in struct.iter_unpack("<IIIB", data))
    stats["n_candidates"] = len(candidates)
    # The judge needs the sampled documents only (24 per frequent sentence at most).
    sampled = sc.broadcast({d for c in counts for d in c["sample"]})
    sampled_docs = docs.filter(lambda t: t[0] in sampled.value).collect()
    records = [dict(record, doc=doc) for doc, record in sampled_docs]
    boilerplate = unspun.boilerplate_lines(counts, records, fingerprints=fingerprints)
    return boilerplate, candidates, stats


def _identity(key):
    return key


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
    """The prints, boilerplate and pairs stages of ``inputs`` on ``sc``; writes
    ``boilerplate.jsonl``, ``pairs.bin`` and ``pairs.json`` into ``out_dir`` and returns the
    pair stage's counts."""
    docs = read_documents(sc, inputs)
    boilerplate, candidates, stats = corpus_stages(
        docs, fingerprints=fingerprints, partitions=partitions, min_shared=min_shared
    )
    os.makedirs(out_dir, exist_ok=True)
    text = "".join(line + "\n" for line in boilerplate)
    write_atomic(os.path.join(out_dir, "boilerplate.jsonl"), text.encode())
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
        help="the prints, boilerplate and pairs stages: boilerplate.jsonl, pairs.bin and "
        "pairs.json as `unspun cluster` writes them for an index of the same corpora",
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
