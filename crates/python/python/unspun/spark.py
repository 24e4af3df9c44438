"""The corpus job of ``unspun cluster`` on Apache Spark (``python -m unspun.spark``).

``cluster`` runs every stage (prints, boilerplate, pairs, trace, reuse) and writes the files
``unspun cluster`` writes for an index built by ``unspun index`` from the same corpora, in the
same order (and without ``--replace``): the same bytes for all but ``run.json`` (it names the
inputs instead of an index generation) and ``summary.json`` (timings; see
docs/cluster-output.md)::

    python -m unspun.spark cluster --input corpus.jsonl more.jsonl.gz --out DIR \
        [--master local[2]] [--partitions N] [--fresh]

``pairs`` runs the first three stages only (``boilerplate.jsonl``, ``pairs.bin``,
``pairs.json``). The job, over the same Rust code as the CLI:

1. read: one task per corpus input reads it as ``unspun index`` does (``unspun.read_corpus``),
   or, for an uncompressed JSON Lines file over ``--split-mb`` (32 MiB), one task per byte
   range (``unspun.read_jsonl_range``: the lines starting in it, validated by the JSON Lines
   reader's own function); bad records are counted and the first ones named in
   ``summary.json``; documents are numbered in input order (``zipWithIndex``), a repeated id
   keeping its first document, as the index's DocIds are.
2. prints (``mapPartitions``): each document's fingerprints ``(fingerprint, date, doc)`` and
   sentence hashes, packed by ``unspun.document_prints_packed`` into one byte string per
   fingerprint part and one per sentence-hash part.
   boilerplate: the sentence parts shuffled with the fingerprint parts, counted per hash by
   ``unspun.sentence_counts_packed``; the frequent ones collected, their sampled documents
   fetched by a filter on DocId, judged on the driver (``unspun.boilerplate_lines``).
3. pairs: a shuffle by fingerprint part puts each fingerprint's documents in one partition,
   where ``unspun.fingerprint_reduce_packed`` counts the pairs of its groups, packed per pair
   part, and gives the document frequencies of the shared fingerprints, packed per trace
   shard; a second shuffle brings every count of a pair together, where
   ``unspun.candidate_pairs_packed`` sums them and keeps the pairs sharing enough
   fingerprints, with their date direction. The stage's counts travel as records (no
   accumulators), so a retried task never counts twice.
4. trace: the candidate pairs (both directions the dates allow) joined with the documents by
   partner; each shard of 1,000 DocIds (``trace-NNNNN.jsonl``) is one partition holding its
   documents, their partners' records and their document frequencies, traced by
   ``unspun.trace_documents_packed`` in ``mapPartitionsWithIndex``.
5. reuse: the trace lines (passages only: small) collected; ``unspun.reuse_stage`` runs the
   native build, graph and writers on the driver, the passage texts fetched by a filter on id.

Every transformation is deterministic and side-effect free; the driver writes the output files,
each to ``NAME.tmp``, fsynced and renamed, the stage markers as the stages finish and
``summary.json`` last. ``LOCK`` keeps a second run out of the directory, and a directory
holding another run's files is refused before Spark starts (``--fresh`` removes them). A run
is not resumed: a rerun in the same directory runs every stage again.
"""

import argparse
import fcntl
import json
import os
import re
import struct
import sys
import time

import unspun

#: The pair stage's knobs, with the defaults of ``unspun cluster``.
PAIR_DEFAULTS = {"all_pairs_docs": 64, "star_docs": 16, "max_doc_freq": 2000, "min_shared": 8}

#: Bytes of one packed pair count (``unspun.fingerprint_pairs_packed``).
PAIR_COUNT_BYTES = 28

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


#: Bad records named in full in a run's report (the rest are counted).
MAX_BAD_RECORDS_SHOWN = 20


#: Bytes of an uncompressed JSON Lines file read by one task (``--split-mb``).
SPLIT_BYTES = 32 << 20


def read_documents(sc, inputs, reader_options=None, bad_records=None, split_bytes=SPLIT_BYTES):
    """An RDD of ``(doc, record)``: the documents of ``inputs`` numbered as ``unspun index``
    numbers them in a new index (input order, bad records skipped, a repeated id skipped).
    An uncompressed JSON Lines file larger than ``split_bytes`` is read by one task per range
    of that many bytes (``unspun.read_jsonl_range``); anything else by one task per input
    (``unspun.read_corpus``). When ``bad_records`` is a dict, it receives ``n_bad_records`` and
    the first ``MAX_BAD_RECORDS_SHOWN`` of them (``path``, ``line``, ``field``, ``reason``)."""
    options = dict(reader_options or {})
    paths = [os.path.abspath(p) for p in inputs]
    splits = unspun.corpus_splits(paths, split_bytes)

    def read(split):
        # One element per document, then one ("bad", …) last: no element holds a whole file.
        path, start, end = split
        if start is None:
            read = unspun.read_corpus([path], **options)
            n_lines = None
        else:
            read = unspun.read_jsonl_range(path, start, end, **options)
            n_lines = read["n_lines"]
        for record in read["documents"]:
            del record["doc"]
            yield ("doc", record)
        bad = read["bad_records"]
        yield ("bad", (len(bad), bad[:MAX_BAD_RECORDS_SHOWN], n_lines))

    from pyspark import StorageLevel

    # One partition per read task, in input order: zipWithIndex numbers them in input order.
    tasks = sc.parallelize(splits, max(1, len(splits)))
    # zipWithIndex runs a job of its own to count each partition: keep what it counts, so
    # that each file is read once (on disk when memory is short: a corpus is larger than a
    # heap).
    read_files = tasks.flatMap(read).persist(StorageLevel.MEMORY_AND_DISK)
    read_docs = read_files.filter(lambda t: t[0] == "doc").map(lambda t: t[1])
    numbered = read_docs.zipWithIndex().map(lambda t: (t[1], t[0]))
    numbered = numbered.persist(StorageLevel.MEMORY_AND_DISK)
    ids = numbered.map(lambda t: (t[1]["id"], t[0]))
    firsts = ids.reduceByKey(min)
    n_docs = numbered.count()
    if bad_records is not None:
        bad = read_files.filter(lambda t: t[0] == "bad").map(lambda t: t[1]).collect()
        bad_records["n_bad_records"] = sum(n for n, _, _ in bad)
        bad_records["bad_records"] = _bad_record_lines(splits, bad)[:MAX_BAD_RECORDS_SHOWN]
    read_files.unpersist()
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


def _bad_record_lines(splits, bad):
    """The bad records shown, with the lines of a range counted from the file's start (a range
    numbers its lines from 1: the lines of the ranges before it in the file are added)."""
    shown, lines_before = [], {}
    for (path, start, _), (_, records, n_lines) in zip(splits, bad):
        before = lines_before.get(path, 0) if start is not None else 0
        shown += [dict(r, line=r["line"] + before) for r in records]
        if n_lines is not None:
            lines_before[path] = before + n_lines
    return shown


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
    found = _shuffle_stages(docs, fingerprints, partitions, batch_docs, None, knobs)
    found["reduced"].unpersist()
    found["kept"].unpersist()
    return found["boilerplate"], found["candidates"], found["stats"]


def _shuffle_stages(docs, fingerprints, partitions, batch_docs, shard_docs, knobs):
    """``corpus_stages``, returning a dict: ``boilerplate``, ``candidates``, ``stats``,
    ``n_pair_records`` (pair counts shuffled), and the RDDs the trace stage goes on from, both
    cached: ``reduced`` (the reduce by fingerprint; with ``shard_docs``, its items ``("df",
    (shard, bytes))`` are the document frequencies of ``unspun.fingerprint_reduce_packed``)
    and ``kept`` (``(n_pairs, pairs.bin bytes)`` per pair part)."""
    from pyspark import StorageLevel

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
        if shard_docs:
            pair_blobs, stats, doc_freqs = unspun.fingerprint_reduce_packed(
                blobs, partitions, shard_docs=shard_docs, **knobs
            )
            for shard_blob in doc_freqs:
                yield ("df", shard_blob)
        else:
            pair_blobs, stats = unspun.fingerprint_pairs_packed(blobs, partitions, **knobs)
        yield ("stats", stats)
        yield ("records", sum(len(b) for b in pair_blobs) // PAIR_COUNT_BYTES)
        for k, blob in enumerate(pair_blobs):
            if blob:
                yield (k, blob)

    def keep(part):
        data, n_pairs = unspun.candidate_pairs_packed([b for _, b in part], min_shared=min_shared)
        yield (n_pairs, data)

    # Part k of every batch goes to partition k: all the records of a key meet there.
    shuffled = docs.mapPartitions(prints_of).partitionBy(2 * partitions, _identity)
    reduced = shuffled.mapPartitionsWithIndex(reduce_part).persist(StorageLevel.MEMORY_AND_DISK)
    stats = {field: 0 for field in PAIR_STATS_FIELDS}
    for _, part in reduced.filter(lambda t: t[0] == "stats").collect():
        for field, value in part.items():
            stats[field] += value
    n_pair_records = sum(reduced.filter(lambda t: t[0] == "records").values().collect())
    counted = reduced.filter(lambda t: t[0] == "sentences").collect()
    counts = [c for _, part in counted for c in part]
    by_pair = reduced.filter(lambda t: isinstance(t[0], int)).partitionBy(partitions, _identity)
    kept = by_pair.mapPartitions(keep).persist(StorageLevel.MEMORY_AND_DISK)
    collected = kept.collect()
    stats["n_pairs"] = sum(n for n, _ in collected)
    candidates = sorted(r for _, data in collected for r in struct.iter_unpack("<IIIB", data))
    stats["n_candidates"] = len(candidates)
    # The judge needs the sampled documents only (24 per frequent sentence at most).
    sampled = sc.broadcast({d for c in counts for d in c["sample"]})
    sampled_docs = docs.filter(lambda t: t[0] in sampled.value).collect()
    records = [dict(record, doc=doc) for doc, record in sampled_docs]
    boilerplate = unspun.boilerplate_lines(counts, records, fingerprints=fingerprints)
    return {
        "boilerplate": boilerplate,
        "candidates": candidates,
        "stats": stats,
        "n_pair_records": n_pair_records,
        "reduced": reduced,
        "kept": kept,
    }


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


def run_pairs(
    sc, inputs, out_dir, fingerprints="anchors", partitions=None, min_shared=8,
    split_bytes=SPLIT_BYTES,
):
    """The prints, boilerplate and pairs stages of ``inputs`` on ``sc``; writes
    ``boilerplate.jsonl``, ``pairs.bin`` and ``pairs.json`` into ``out_dir`` and returns the
    pair stage's counts."""
    docs = read_documents(sc, inputs, split_bytes=split_bytes)
    boilerplate, candidates, stats = corpus_stages(
        docs, fingerprints=fingerprints, partitions=partitions, min_shared=min_shared
    )
    os.makedirs(out_dir, exist_ok=True)
    text = "".join(line + "\n" for line in boilerplate)
    write_atomic(os.path.join(out_dir, "boilerplate.jsonl"), text.encode())
    write_pairs(out_dir, candidates, stats)
    return stats


#: Documents per trace shard (``trace-NNNNN.jsonl``), as ``unspun cluster`` writes them.
SHARD_DOCS = 1000

#: The schema of a run (``unspun_core::cluster::CLUSTER_SCHEMA``).
CLUSTER_SCHEMA = "unspun.cluster/1"

#: The files of the reuse stage.
REUSE_FILES = (
    "documents.jsonl",
    "spins.jsonl",
    "boilerplate_passages.jsonl",
    "links.jsonl",
    "doc_clusters.jsonl",
    "passage_clusters.jsonl",
    "outlet_edges.jsonl",
    "outlets.graphml",
    "outlets.dot",
    "publishers.json",
)

STAGES = ("prints", "boilerplate", "pairs", "trace", "reuse")

_NUMBERED = re.compile(r"(trace-\d{5}\.jsonl|prints-\d{5}\.bin|sentences-\d{5}\.bin)")


def owned_file(name):
    """Whether ``name`` is one a run writes (``unspun_corpus``'s list: the same names)."""
    if name.endswith(".tmp"):
        name = name[: -len(".tmp")]
    return (
        name in ("run.json", "summary.json", "boilerplate.jsonl", "pairs.bin", "pairs.json",
                 "LOCK")
        or name in REUSE_FILES
        or name in {f"{stage}.done" for stage in STAGES}
        or _NUMBERED.fullmatch(name) is not None
    )


class RunError(Exception):
    """The output directory holds something a run must not overwrite."""


def open_run(out_dir, params, fresh=False):
    """Takes the directory's ``LOCK`` (an OS lock, as the CLI's: one run at a time), checks
    that it holds no run, or a run of the same ``params`` (``run.json``), or removes the run's
    own files with ``fresh``, and writes ``run.json``. Returns the open lock file (keep it
    open while the run works)."""
    os.makedirs(out_dir, exist_ok=True)
    lock = open(os.path.join(out_dir, "LOCK"), "a+b")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise RunError(f"{out_dir}: another run holds its LOCK") from None
    run_path = os.path.join(out_dir, "run.json")
    names = os.listdir(out_dir)
    has_outputs = any(owned_file(n) and n != "LOCK" for n in names)
    if not os.path.exists(run_path) and has_outputs:
        lock.close()
        raise RunError(
            f"{run_path}: missing, but the directory holds files named like cluster outputs; "
            "remove them yourself or choose another --out"
        )
    if fresh:
        for name in names:
            if owned_file(name) and name != "LOCK":
                os.remove(os.path.join(out_dir, name))
    elif os.path.exists(run_path):
        with open(run_path, "rb") as f:
            try:
                earlier = json.load(f)
            except ValueError:
                earlier = None
        if earlier != params:
            lock.close()
            raise RunError(
                f"{run_path}: the directory holds a run with other parameters (other inputs "
                "or options); pass --fresh to start over, or choose another --out"
            )
    # This run's markers are written as its stages finish; an earlier run's go first.
    for stage in STAGES:
        marker = os.path.join(out_dir, f"{stage}.done")
        if os.path.exists(marker):
            os.remove(marker)
    write_atomic(run_path, _json_bytes(params))
    return lock


def _json_bytes(value):
    """``value`` as serde_json's pretty printer writes it (two spaces, a final newline)."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def run_params(inputs, fingerprints, min_shared, shard_docs):
    """``run.json`` of a Spark run: the inputs (absolute paths and sizes, in order) instead of
    the index generation, and the knobs."""
    paths = [os.path.abspath(p) for p in inputs]
    return {
        "schema": CLUSTER_SCHEMA,
        "driver": "spark",
        "inputs": [{"path": p, "bytes": _tree_bytes(p)} for p in paths],
        "fingerprints": fingerprints,
        "min_shared_fingerprints": min_shared,
        "shard_docs": shard_docs,
    }


def _tree_bytes(path):
    if os.path.isdir(path):
        return sum(
            os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files
        )
    return os.path.getsize(path)


def _edges(item):
    """``(source, copy)`` for each direction of each candidate pair of a ``pairs.bin`` part: the
    partner ``source`` may be the source of ``copy`` by date."""
    _, data = item
    for a, b, _, direction in struct.iter_unpack("<IIIB", data):
        if direction & unspun.A_SOURCE_OF_B:
            yield (a, b)
        if direction & unspun.B_SOURCE_OF_A:
            yield (b, a)


def trace_stage(docs, kept, reduced, n_docs, boilerplate, fingerprints, shard_docs, partitions):
    """The trace stage: returns ``[(shard, lines)]`` for every shard of ``shard_docs``
    documents (by DocId), ``lines`` the lines of ``trace-NNNNN.jsonl``.

    Each document meets, in its shard's partition: its record, the records of its partners
    that may be its source (a join of the candidate pairs with the documents, by partner), and
    the document frequencies of its shared fingerprints (``("df", …)`` of ``reduced``); the
    shard is traced by ``unspun.trace_documents_packed`` in ``mapPartitions``."""
    sc = docs.context
    n_shards = max(1, (n_docs + shard_docs - 1) // shard_docs)
    outlets = sorted(docs.map(lambda t: t[1].get("outlet")).filter(bool).distinct().collect())
    shared = sc.broadcast(
        {
            "outlets": outlets,
            "boilerplate": {int(json.loads(line)["hash"], 16) for line in boilerplate},
        }
    )
    partners = (
        kept.flatMap(_edges)
        .join(docs, numPartitions=partitions)
        .map(lambda t: (t[1][0] // shard_docs, ("p", t[1][0], t[0], t[1][1])))
    )
    own = docs.map(lambda t: (t[0] // shard_docs, ("d", t[0], t[1])))
    doc_freqs = reduced.filter(lambda t: t[0] == "df").map(lambda t: (t[1][0], ("f", t[1][1])))

    def trace_shard(shard, part):
        records, partner_records, blobs = {}, {}, []
        for _, value in part:
            if value[0] == "d":
                records[value[1]] = value[2]
            elif value[0] == "p":
                partner_records.setdefault(value[1], []).append(dict(value[3], doc=value[2]))
            else:
                blobs.append(value[1])
        items = [
            {"doc": dict(records[doc], doc=doc), "partners": partner_records.get(doc, [])}
            for doc in sorted(records)
        ]
        if items:
            lines = unspun.trace_documents_packed(
                items,
                blobs,
                n_docs=n_docs,
                outlets=shared.value["outlets"],
                boilerplate=shared.value["boilerplate"],
                fingerprints=fingerprints,
            )
            yield (shard, lines)

    everything = sc.union([own, partners, doc_freqs]).partitionBy(n_shards, _identity)
    return sorted(everything.mapPartitionsWithIndex(trace_shard).collect())


def passage_texts(docs):
    """The ``texts`` callback of ``unspun.reuse_stage``: the texts of the documents with these
    ids, fetched by a filter."""

    def texts(ids):
        wanted = docs.context.broadcast(set(ids))
        found = docs.filter(lambda t: t[1]["id"] in wanted.value)
        return dict(found.map(lambda t: (t[1]["id"], t[1]["text"])).collect())

    return texts


def run_cluster(
    sc,
    inputs,
    out_dir,
    fingerprints="anchors",
    partitions=None,
    min_shared=8,
    shard_docs=SHARD_DOCS,
    fresh=False,
    split_bytes=SPLIT_BYTES,
):
    """The whole corpus job of ``inputs`` on ``sc`` into ``out_dir``: the files of ``unspun
    cluster`` (see ``docs/cluster-output.md``), each written atomically by the driver, the
    stage markers as stages finish, ``summary.json`` last. Returns the summary."""
    params = run_params(inputs, fingerprints, min_shared, shard_docs)
    lock = open_run(os.path.abspath(out_dir), params, fresh=fresh)
    try:
        return run_opened(
            sc, inputs, out_dir, fingerprints, partitions, min_shared, shard_docs, split_bytes
        )
    finally:
        lock.close()


def run_opened(
    sc, inputs, out_dir, fingerprints="anchors", partitions=None, min_shared=8,
    shard_docs=SHARD_DOCS, split_bytes=SPLIT_BYTES,
):
    """``run_cluster`` in a directory that ``open_run`` opened (the caller holds its lock)."""
    from pyspark import StorageLevel

    shown_out_dir, out_dir = out_dir, os.path.abspath(out_dir)
    timings = []

    def finished(stage, started):
        timings.append(
            {"stage": stage, "skipped": False, "secs": time.monotonic() - started,
             "n_shards_reused": 0}
        )
        write_atomic(os.path.join(out_dir, f"{stage}.done"), b"done\n")

    started = time.monotonic()
    bad = {}
    docs = read_documents(sc, inputs, bad_records=bad, split_bytes=split_bytes)
    if not docs.is_cached:
        docs = docs.persist(StorageLevel.MEMORY_AND_DISK)
    n_docs = docs.count()
    # Spark runs the prints map inside the shuffle that follows it: this stage's time is the
    # read and numbering of the documents; the prints map is counted in `pairs`.
    finished("prints", started)
    started = time.monotonic()
    knobs = {"min_shared": min_shared}
    found = _shuffle_stages(docs, fingerprints, partitions, 256, shard_docs, knobs)
    boilerplate = found["boilerplate"]
    text = "".join(line + "\n" for line in boilerplate)
    write_atomic(os.path.join(out_dir, "boilerplate.jsonl"), text.encode())
    write_pairs(out_dir, found["candidates"], found["stats"])
    # One Spark job gives both: the boilerplate judge's share is small.
    timings.append({"stage": "boilerplate", "skipped": False, "secs": 0.0, "n_shards_reused": 0})
    write_atomic(os.path.join(out_dir, "boilerplate.done"), b"done\n")
    finished("pairs", started)

    started = time.monotonic()
    partitions = partitions or max(2, sc.defaultParallelism)
    shards = trace_stage(
        docs, found["kept"], found["reduced"], n_docs, boilerplate, fingerprints, shard_docs,
        partitions,
    )
    found["reduced"].unpersist()
    found["kept"].unpersist()
    traced = []
    for shard, lines in shards:
        write_atomic(
            os.path.join(out_dir, f"trace-{shard:05d}.jsonl"),
            "".join(line + "\n" for line in lines).encode(),
        )
        traced.extend(lines)
    finished("trace", started)

    started = time.monotonic()
    counts = unspun.reuse_stage(out_dir, traced, passage_texts(docs))
    timings.append(
        {"stage": "reuse", "skipped": False, "secs": time.monotonic() - started,
         "n_shards_reused": 0}
    )
    docs.unpersist()

    scopes = [json.loads(line)["scope"] for line in boilerplate]
    summary = {
        "schema": CLUSTER_SCHEMA,
        "out_dir": shown_out_dir,
        "n_index_docs": n_docs,
        "n_docs": n_docs,
        "pairs": {field: found["stats"][field] for field in PAIR_STATS_FIELDS},
        "n_spilled_bytes": 0,
        "n_pair_records": found["n_pair_records"],
        "n_boilerplate": len(boilerplate),
        "n_boilerplate_outlet": scopes.count("outlet"),
        **counts,
        "stages": timings,
        "files": [
            {"name": name, "bytes": os.path.getsize(os.path.join(out_dir, name))}
            for name in sorted(os.listdir(out_dir))
            if owned_file(name) and not name.endswith(".tmp") and name != "summary.json"
        ],
        "n_bad_records": bad.get("n_bad_records", 0),
        "bad_records": bad.get("bad_records", []),
    }
    write_atomic(os.path.join(out_dir, "summary.json"), _json_bytes(summary))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m unspun.spark",
        description="The corpus job of `unspun cluster` on Apache Spark (same Rust code, same "
        "output).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cluster = commands.add_parser(
        "cluster",
        help="the whole corpus job: every file `unspun cluster` writes for an index of the same "
        "corpora (links, documents, clusters, passages, copy graph, publishers, boilerplate, "
        "spins, trace shards, run.json, summary.json, markers)",
    )
    pairs = commands.add_parser(
        "pairs",
        help="the prints, boilerplate and pairs stages: boilerplate.jsonl, pairs.bin and "
        "pairs.json as `unspun cluster` writes them for an index of the same corpora",
    )
    for command in (cluster, pairs):
        command.add_argument("--input", nargs="+", required=True, metavar="PATH",
                             help="corpus files or folders, in the order `unspun index` was "
                             "given")
        command.add_argument("--out", required=True, metavar="DIR")
        command.add_argument("--master", default="local[*]",
                             help="Spark master URL (local[*])")
        command.add_argument("--partitions", type=int, default=None,
                             help="partitions of the shuffle by fingerprint (default "
                             "parallelism)")
        command.add_argument("--fingerprints", default="anchors",
                             choices=["anchors", "canonical", "legacy"],
                             help="the index's fingerprint scheme (a new index's default: "
                             "anchors)")
        command.add_argument("--min-shared-fingerprints", type=int, default=8, metavar="N")
        command.add_argument("--split-mb", type=float, default=SPLIT_BYTES >> 20, metavar="MB",
                             help="an uncompressed JSON Lines file is read by one task per "
                             "this many MiB (32; at least 1/16)")
    for command in (cluster, pairs):
        command.add_argument("--driver-memory", default=None, metavar="SIZE",
                             help="the driver JVM's heap (spark.driver.memory, e.g. 4g); in "
                             "local mode it holds the executors' cached partitions too")
    cluster.add_argument("--fresh", action="store_true",
                         help="remove the files of an earlier run in --out first")
    args = parser.parse_args(argv)
    if args.partitions is not None and not 1 <= args.partitions <= 1 << 20:
        parser.error("--partitions must be from 1 to 2^20")
    split_bytes = int(args.split_mb * (1 << 20))
    if not 1 << 16 <= split_bytes <= 1 << 40:
        parser.error("--split-mb must be from 1/16 to 2^20")

    lock = None
    if args.command == "cluster":
        # Before Spark starts: a directory holding another run is refused in a second.
        params = run_params(
            args.input, args.fingerprints, args.min_shared_fingerprints, SHARD_DOCS
        )
        try:
            lock = open_run(os.path.abspath(args.out), params, fresh=args.fresh)
        except (RunError, OSError) as e:
            print(f"unspun.spark: {e}", file=sys.stderr)
            return 2

    # Python workers run this interpreter (the one with unspun installed), unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if args.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import SparkConf, SparkContext

    started = time.monotonic()
    conf = (
        SparkConf()
        .setAppName(f"unspun {args.command}")
        .setMaster(args.master)
        .set("spark.ui.showConsoleProgress", "false")
    )
    if args.driver_memory:
        conf.set("spark.driver.memory", args.driver_memory)
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("ERROR")
    job_started = time.monotonic()
    try:
        knobs = dict(
            fingerprints=args.fingerprints,
            partitions=args.partitions,
            min_shared=args.min_shared_fingerprints,
            split_bytes=split_bytes,
        )
        if args.command == "cluster":
            result = run_opened(sc, args.input, args.out, **knobs)
            result = {key: result[key] for key in _SHOWN}
        else:
            result = run_pairs(sc, args.input, args.out, **knobs)
    finally:
        sc.stop()
        if lock is not None:
            lock.close()
    done = time.monotonic()
    summary = dict(
        result,
        out_dir=args.out,
        master=args.master,
        secs=round(done - started, 3),
        secs_spark_start=round(job_started - started, 3),
    )
    print(json.dumps(summary))
    return 0


#: The fields of a cluster run's summary printed by ``python -m unspun.spark cluster`` (the
#: whole summary is in ``summary.json``).
_SHOWN = (
    "n_docs", "pairs", "n_boilerplate", "n_links", "n_strong_links", "links_by_kind",
    "verdicts", "n_doc_clusters", "n_passage_clusters", "n_outlet_edges", "n_spins",
    "n_bad_records", "stages",
)


if __name__ == "__main__":
    sys.exit(main())
