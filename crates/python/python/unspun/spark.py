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

1. read: one task per corpus file reads it as ``unspun index`` does (``unspun.read_corpus``),
   or, for an uncompressed JSON Lines file over ``--split-mb`` (by default the inputs over 4
   tasks a core, 1 to 32 MiB), one task per byte range (``unspun.read_jsonl_range``: the lines
   starting in it, validated by the JSON Lines reader's own function), or, for a Parquet file
   over it, one task per run of whole row groups planned from the footer
   (``unspun.parquet_splits``, read by ``unspun.read_parquet_row_groups``: rows numbered in
   the whole file). Inputs given as URIs
   (``file://``, ``hdfs://``, ``s3a://``, ``gs://``…) are read through Spark's Hadoop
   filesystem layer: listed and sized by the driver's ``FileSystem``, a JSON Lines file's
   lines brought as bytes by Spark's text source (split by Spark) and parsed by
   ``unspun.read_jsonl_lines``, any other file's bytes by ``binaryFiles``. Bad records are
   counted and the first ones named in ``summary.json``. One job reads, caches, counts each
   read chunk and finds the repeated ids; the driver numbers the documents in input order, a
   repeated id keeping its first document, as the index's DocIds are.
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
5. reuse: the traced shards, kept by Spark (memory and disk), reach the driver in runs of
   up to 128 MiB a job (``fetch_batches``, ``fetch_partitions``) and are written as
   ``trace-NNNNN.jsonl``;
   ``unspun.reuse_stage_files`` reads them back twice into the native streamed builder (about
   80 bytes a document, 40 a passage) and writes with the native writers on the driver, the
   passage texts fetched by a filter on id.

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


#: Bytes of an uncompressed JSON Lines file read by one task at most (``--split-mb``); by
#: default the read tasks are smaller: ``READ_TASKS_PER_CORE`` per core of the cluster.
SPLIT_BYTES = 32 << 20

#: Read tasks per core when ``--split-mb`` is not given: tasks of uneven cost (a range's
#: records vary) balance over the cores only when there are several per core.
READ_TASKS_PER_CORE = 4

#: The smallest read split chosen by default.
MIN_AUTO_SPLIT_BYTES = 1 << 20

#: Most bytes of an input given as a URI that one task reads whole (``--max-whole-file-mb``):
#: a compressed file, a Parquet file, a folder's file, anything but uncompressed JSON Lines
#: (which Spark splits) comes to one task as one byte string (``binaryFiles``) and is decoded
#: there, so the task holds it and its documents at once. A larger one is refused before any
#: job, naming it: give it as a local path (split by row groups or byte ranges) or
#: uncompressed, or raise the bound.
MAX_WHOLE_FILE_BYTES = 1 << 30


class ReadError(Exception):
    """An input the job refuses to read (too large for one task), named in the message."""

#: An input given as a URI (``file://``, ``hdfs://``, ``s3a://``, ``gs://``, ``abfss://``…): read
#: through Spark's Hadoop filesystem layer. A scheme has two letters at least and a ``/``
#: follows its colon, so a Windows drive (``C:``) or a file named ``a:b.jsonl`` stays a path.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")

#: Name endings Spark's text source decompresses by (Hadoop's codecs): such a file is read
#: whole, by its content, as ``unspun index`` reads it, never as text lines.
_CODEC_ENDINGS = (".gz", ".bz2", ".deflate", ".zst", ".lz4", ".snappy", ".xz", ".br")

#: The file name endings ``unspun index`` reads from folders (``ingest::FOLDER_EXTENSIONS``),
#: each also compressed (``.gz``, ``.zst``, ``.zstd``, ``.bz2``, ``.xz``).
FOLDER_EXTENSIONS = (
    "jsonl", "ndjson", "json", "csv", "tsv", "html", "htm", "xhtml", "txt", "text", "md",
    "warc", "parquet",
)


def is_uri(path):
    """Whether an input names a file through a filesystem URI rather than a local path."""
    return bool(_URI.match(str(path)))


def _known_ending(name):
    name = name.lower()
    for suffix in (".gz", ".zst", ".zstd", ".bz2", ".xz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return "." in name and name.rsplit(".", 1)[1] in FOLDER_EXTENSIONS


def _plain_json_lines(head):
    """Whether a file opening with ``head`` is uncompressed JSON Lines, as ``unspun index``
    detects it (``ingest::detect``: no compression magic, a first non-blank ``{``)."""
    if head.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00")):
        return False
    if head.startswith(b"BZh") and len(head) >= 4 and 0x31 <= head[3] <= 0x39:
        return False
    head = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    return head.lstrip(b" \t\n\x0c\r").startswith(b"{")


class _HadoopFiles:
    """The driver's view of URI inputs through the JVM's Hadoop ``FileSystem`` (the layer
    Spark reads with: HDFS, S3A, GCS, ABFS, the local ``file://``)."""

    def __init__(self, sc):
        self.jvm = sc._jvm
        self.conf = sc._jsc.hadoopConfiguration()

    def _fs(self, path):
        return path.getFileSystem(self.conf)

    def files(self, uri):
        """``[(uri, relative, length)]``: a file as given (``relative`` None), or the files
        under a folder as ``unspun index`` walks one (sorted by name, hidden entries skipped,
        known endings only; ``relative`` the path under the folder)."""
        root = self.jvm.org.apache.hadoop.fs.Path(uri)
        fs = self._fs(root)
        status = fs.getFileStatus(root)
        if not status.isDirectory():
            return [(uri, None, status.getLen())]
        found = []

        def walk(path, prefix):
            entries = sorted(fs.listStatus(path), key=lambda s: s.getPath().getName())
            for entry in entries:
                name = entry.getPath().getName()
                if name.startswith("."):
                    continue
                if entry.isDirectory():
                    walk(entry.getPath(), prefix + name + "/")
                elif _known_ending(name):
                    found.append((entry.getPath().toString(), prefix + name, entry.getLen()))

        walk(root, "")
        if not found:
            raise unspun.UnspunError(
                f"{uri}: no files with a known ending (.{', .'.join(FOLDER_EXTENSIONS)})"
            )
        return found

    def head(self, uri, n_bytes=4096):
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        stream = self._fs(path).open(path)
        try:
            return bytes(stream.readNBytes(n_bytes))
        finally:
            stream.close()


def read_plan(sc, inputs, split_bytes=None, max_whole_bytes=None):
    """The read units of ``inputs``, in input order, and the split size used: ``("range",
    path, start, end, first)`` (a byte range of a local JSON Lines file, ``first`` the unit of
    its first range), ``("row_groups", path, start, end)`` (a run of row groups of a local
    Parquet file larger than ``split_bytes``: ``unspun.parquet_splits``), ``("local", path)``
    (a local file or folder read whole), ``("lines", uri)`` (an uncompressed JSON Lines file
    through Spark's text source, split by Spark into ranges of ``split_bytes``) and ``("file", uri,
    relative)`` (any other file through Spark, whole). ``split_bytes`` None: the total input
    over ``READ_TASKS_PER_CORE`` tasks per core, between ``MIN_AUTO_SPLIT_BYTES`` and
    ``SPLIT_BYTES``. Raises ``ReadError`` for a ``"file"`` unit over ``max_whole_bytes``
    (None: ``MAX_WHOLE_FILE_BYTES``)."""
    if max_whole_bytes is None:
        max_whole_bytes = MAX_WHOLE_FILE_BYTES
    hadoop = _HadoopFiles(sc) if any(is_uri(p) for p in inputs) else None
    listed = []
    for given in inputs:
        if is_uri(given):
            listed.append(("uri", hadoop.files(str(given))))
        else:
            path = os.path.abspath(given)
            listed.append(("local", path, _tree_bytes(path)))
    if split_bytes is None:
        total = sum(
            sum(n for _, _, n in item[1]) if item[0] == "uri" else item[2] for item in listed
        )
        per_task = total // (READ_TASKS_PER_CORE * max(1, sc.defaultParallelism)) + 1
        split_bytes = max(MIN_AUTO_SPLIT_BYTES, min(SPLIT_BYTES, per_task))
    units = []
    for item in listed:
        if item[0] == "local":
            first = len(units)
            for path, start, end in unspun.corpus_splits([item[1]], split_bytes):
                if start is not None:
                    units.append(("range", str(path), start, end, first))
                    continue
                runs = unspun.parquet_splits(path, split_bytes) if item[2] > split_bytes else None
                if runs is not None and len(runs) > 1:
                    units += [("row_groups", str(path), a, b) for a, b in runs]
                else:
                    units.append(("local", str(path)))
            continue
        for uri, relative, length in item[1]:
            splittable = (
                length > split_bytes
                and not uri.lower().endswith(_CODEC_ENDINGS)
                and _plain_json_lines(hadoop.head(uri))
            )
            if not splittable and length > max_whole_bytes:
                raise ReadError(
                    f"{uri}: {length} bytes, more than the {max_whole_bytes} that one task "
                    "reads whole (--max-whole-file-mb): only uncompressed JSON Lines given as a "
                    "URI is split; give this file as a local path (read in byte ranges or runs "
                    "of row groups), uncompressed, or raise the bound"
                )
            units.append(("lines", uri) if splittable else ("file", uri, relative))
    return units, split_bytes


def _chunk_read(key, file_id, read):
    """The elements of one read chunk: ``("doc", key, i, record)`` for its documents in order,
    then ``("chunk", key, (n_docs, n_bad, first bad records, n_lines, file_id, outlets,
    n_chars))``, ``outlets`` the number of its documents of each outlet, ``n_chars`` the
    characters of their texts (what the later stages' work grows with)."""
    documents = read["documents"]
    outlets, n_chars = {}, 0
    for i, record in enumerate(documents):
        del record["doc"]
        outlet = record.get("outlet")
        if outlet:
            outlets[outlet] = outlets.get(outlet, 0) + 1
        n_chars += len(record["text"])
        yield ("doc", key, i, record)
    bad = read["bad_records"]
    info = (len(documents), len(bad), bad[:MAX_BAD_RECORDS_SHOWN], read.get("n_lines"), file_id,
            outlets, n_chars)
    yield ("chunk", key, info)


def _read_local(item, options):
    index, unit = item
    if unit[0] == "local":
        read = unspun.read_corpus([unit[1]], **options)
        read["n_lines"] = None
        return _chunk_read((index, 0), ("unit", index), read)
    if unit[0] == "row_groups":
        # Rows are numbered in the whole file already: nothing to add to the bad rows' lines.
        _, path, start, end = unit
        read = unspun.read_parquet_row_groups(path, start, end, **options)
        read["n_lines"] = None
        return _chunk_read((index, 0), ("unit", index), read)
    # The ranges of one file share the first range's unit index: their lines add up.
    _, path, start, end, first = unit
    read = unspun.read_jsonl_range(path, start, end, **options)
    return _chunk_read((index, 0), ("unit", first), read)


def _read_line_rows(index, uri, rows, options):
    """Spark's text rows ``(start, line)`` of one file: each run of rows of one file split
    (``input_file_block_start``) is a chunk, its lines read by ``unspun.read_jsonl_lines``."""
    start, lines = None, []
    for row in rows:
        if row[0] != start and lines:
            yield from _lines_chunk(index, uri, start, lines, options)
            lines = []
        start = row[0]
        lines.append(bytes(row[1]))
    if lines:
        yield from _lines_chunk(index, uri, start, lines, options)


def _lines_chunk(index, uri, start, lines, options):
    read = unspun.read_jsonl_lines(uri, lines, at_file_start=start == 0, **options)
    return _chunk_read((index, start), ("unit", index), read)


def _read_whole_file(index, uri, relative, data, options):
    """A file of any format, its bytes brought by Spark (``binaryFiles``), read by
    ``unspun.read_corpus`` from a task-local copy; paths and ids that name the copy name
    ``uri`` instead (a document file found in a folder takes its path under the folder as its
    id, as ``unspun index`` gives it)."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="unspun-read-")
    try:
        name = relative or uri.rstrip("/").rsplit("/", 1)[-1] or "input"
        copy = os.path.join(folder, name)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "wb") as f:
            f.write(data)
        try:
            read = unspun.read_corpus([folder if relative else copy], **options)
        except unspun.UnspunError as e:
            raise type(e)(str(e).replace(copy, uri)) from None
        for record in read["documents"]:
            if relative is None and record["id"] == copy:
                record["id"] = uri
        for bad in read["bad_records"]:
            bad["path"] = uri
        read["n_lines"] = None
        return list(_chunk_read((index, 0), ("unit", index), read))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_rdd(sc, units, split_bytes, options):
    """One RDD of the elements of ``_chunk_read`` for every unit: local units one task each,
    URI units through Spark's filesystem layer."""
    rdds = []
    local = [(i, unit) for i, unit in enumerate(units) if unit[0] in ("local", "range",
                                                                      "row_groups")]
    if local:
        rdds.append(sc.parallelize(local, len(local)).flatMap(lambda u: _read_local(u, options)))
    lines = [(i, unit[1]) for i, unit in enumerate(units) if unit[0] == "lines"]
    if lines:
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        spark = SparkSession.builder.getOrCreate()
        key = "spark.sql.files.maxPartitionBytes"
        before = spark.conf.get(key, None)
        spark.conf.set(key, str(split_bytes))
        try:
            for i, uri in lines:
                # Lines split on "\n" only, as unspun reads them, and kept as bytes (the cast
                # keeps what the file holds, invalid UTF-8 included).
                frame = spark.read.option("lineSep", "\n").text(uri).select(
                    F.input_file_block_start(), F.col("value").cast("binary")
                )
                rdd = frame.rdd.mapPartitions(
                    lambda rows, i=i, uri=uri: _read_line_rows(i, uri, rows, options)
                )
                rdd.getNumPartitions()  # the file's splits, planned at this split size
                rdds.append(rdd)
        finally:
            if before is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, before)
    for i, unit in enumerate(units):
        if unit[0] == "file":
            _, uri, relative = unit
            rdds.append(
                sc.binaryFiles(uri, 1).flatMap(
                    lambda t, i=i, uri=uri, relative=relative: _read_whole_file(
                        i, uri, relative, t[1], options
                    )
                )
            )
    return rdds[0] if len(rdds) == 1 else sc.union(rdds)


def read_documents(
    sc, inputs, reader_options=None, bad_records=None, split_bytes=None, max_whole_bytes=None,
    partitions=None, spread_above=None,
):
    """An RDD of ``(doc, record)``: the documents of ``inputs`` numbered as ``unspun index``
    numbers them in a new index (input order, bad records skipped, a repeated id skipped).

    Local paths are read by the tasks from the path (every executor must see it); an input
    given as a URI (``file://``, ``hdfs://``, ``s3a://``, ``gs://``…) through Spark's Hadoop
    filesystem layer. An uncompressed JSON Lines file larger than the split size is read in
    ranges (a local one by ``unspun.read_jsonl_range``; a URI one through Spark's text source,
    its lines as bytes parsed by ``unspun.read_jsonl_lines``), a local Parquet file larger
    than it in runs of row groups (``unspun.read_parquet_row_groups``); anything else by one
    task per file (``unspun.read_corpus``; a URI file's bytes brought by ``binaryFiles``,
    Parquet included: splitting it would need range reads of the URI). One job
    reads every file, caches the records and, in its shuffle, counts each read chunk and finds
    the repeated ids; the driver then numbers the chunks (no ``zipWithIndex`` job). When
    ``bad_records`` is a dict, it receives ``n_docs``, ``n_read_tasks``, ``split_bytes``,
    ``n_bad_records`` and the first ``MAX_BAD_RECORDS_SHOWN`` bad records (``path``,
    ``line``, ``field``, ``reason``). The RDD's ``unspun_outlets`` is the sorted list of the
    numbered documents' outlets (counted by the same job, the repeated ids' taken out).
    ``release_documents`` drops the cached records.

    When one read chunk holds much of the corpus (a large gzip file is read by one task) and
    the cluster has cores to spare, the documents are spread by DocId ranges of about equal
    text over ``partitions`` partitions (default: the cluster's parallelism, at least 2;
    ``spread_ranges`` with ``spread_above``, default ``SPREAD_ABOVE``), so that the stages
    after the read are not one task's work."""
    import bisect

    from pyspark import StorageLevel

    options = dict(reader_options or {})
    units, split_bytes = read_plan(sc, inputs, split_bytes, max_whole_bytes)
    read = _read_rdd(sc, units, split_bytes, options).persist(StorageLevel.MEMORY_AND_DISK)

    def keyed(item):
        if item[0] == "doc":
            return (("id", item[3]["id"]), [(item[1], item[2], item[3].get("outlet"))])
        return (("chunk", item[1]), item[2])

    found = (
        read.map(keyed)
        .reduceByKey(_concat)
        .filter(lambda kv: kv[0][0] == "chunk" or len(kv[1]) > 1)
        .collect()
    )
    chunks, numbering, n_docs, outlets = _number_chunks(found)
    numbering = sc.broadcast(numbering)

    def number(item):
        if item[0] != "doc":
            return
        first, skipped = numbering.value[item[1]]
        i = item[2]
        if skipped:
            before = bisect.bisect_left(skipped, i)
            if before < len(skipped) and skipped[before] == i:
                return
            i -= before
        yield (first + i, item[3])

    if bad_records is not None:
        bad_records["n_docs"] = n_docs
        bad_records["n_read_tasks"] = read.getNumPartitions()
        bad_records["split_bytes"] = split_bytes
        bad_records["n_bad_records"] = sum(info[1] for _, info in chunks)
        bad_records["bad_records"] = _bad_record_lines(chunks)[:MAX_BAD_RECORDS_SHOWN]
    numbered = read.flatMap(number)
    partitions = partitions or max(2, sc.defaultParallelism)
    bounds = spread_ranges(
        [(numbering.value[key][0], info[0] - len(numbering.value[key][1]), info[6])
         for key, info in chunks],
        partitions,
        sc.defaultParallelism,
        SPREAD_ABOVE if spread_above is None else spread_above,
    )
    if bounds is not None:
        bounds = sc.broadcast(bounds)
        numbered = numbered.partitionBy(
            partitions, lambda doc: bisect.bisect_right(bounds.value, doc)
        )
    if bad_records is not None:
        bad_records["n_doc_partitions"] = numbered.getNumPartitions()
    numbered.unspun_read = read
    numbered.unspun_outlets = outlets
    return numbered


#: The documents are spread when a read chunk holds more than this many times a core's share
#: of the text (``spread_ranges``). Measured on the real corpora (AllSides' one gzip file is
#: 78 % of the text), spreading over 4 partitions: on 2 one-core workers the pairs and trace
#: stages took 92.0 s against 94.1 (the record shuffle costs about what the balance gains);
#: on 1 worker, 167.3 s against 163.5. Above 2, a core's share of the work outweighs it.
SPREAD_ABOVE = 2.0


def spread_ranges(chunks, partitions, cores=None, above=SPREAD_ABOVE):
    """Where to cut the DocIds into ``partitions`` ranges of about equal text, when one read
    chunk is too large a share of the corpus for the ``cores`` that run the stages (default
    ``partitions``): ``chunks`` are ``(first DocId, n_docs, n_chars)`` in DocId order (each
    a run of DocIds; its characters taken as even over its documents). Returns the
    ``partitions - 1`` first DocIds of ranges 1.. (ascending; a DocId goes to the range
    ``bisect_right(bounds, doc)``), or None when no chunk holds more than ``above`` times
    ``1 / min(partitions, cores)`` of the characters: the read's own partitions are balanced
    enough, and spreading costs a shuffle of every record."""
    total = sum(c[2] for c in chunks)
    ways = min(partitions, cores or partitions)
    if ways < 2 or total == 0 or max(c[2] for c in chunks) * ways <= above * total:
        return None
    bounds, done = [], 0
    for first, n_docs, n_chars in chunks:
        while len(bounds) < partitions - 1 and n_chars:
            target = (len(bounds) + 1) * total / partitions
            if done + n_chars < target:
                break
            bounds.append(first + min(n_docs, int((target - done) / n_chars * n_docs)))
        done += n_chars
    while len(bounds) < partitions - 1:
        bounds.append(bounds[-1] if bounds else 0)
    return bounds


def _number_chunks(found):
    """The driver's share of the read job, from what it collected (``found``: each chunk's
    ``(("chunk", key), info)`` and each repeated id's ``(("id", id), [(chunk, i, outlet)])``):
    returns the chunks sorted by key, ``{chunk: (first DocId, [skipped positions])}``, the
    number of documents and the sorted outlets of the numbered documents. A repeated id is a
    duplicate: the index keeps its first record and gives the rest no DocId."""
    chunks = sorted((key[1], info) for key, info in found if key[0] == "chunk")
    dropped, outlets = {}, {}
    for _, info in chunks:
        for outlet, n in info[5].items():
            outlets[outlet] = outlets.get(outlet, 0) + n
    for key, positions in found:
        if key[0] == "id":
            # (chunk, i) are unique: the outlets are never compared.
            for chunk, i, outlet in sorted(positions)[1:]:
                dropped.setdefault(chunk, []).append(i)
                if outlet:
                    outlets[outlet] -= 1
    numbering, n_docs = {}, 0
    for chunk, info in chunks:
        skipped = sorted(dropped.get(chunk, []))
        numbering[chunk] = (n_docs, skipped)
        n_docs += info[0] - len(skipped)
    return chunks, numbering, n_docs, sorted(o for o, n in outlets.items() if n > 0)


def release_documents(docs):
    """Drops the records that ``read_documents`` cached for ``docs``."""
    read = getattr(docs, "unspun_read", None)
    if read is not None:
        read.unpersist()


def _concat(a, b):
    return a + b


def _bad_record_lines(chunks):
    """The bad records shown, with the lines of a chunk counted from its file's start (a chunk
    numbers its lines from 1: the lines of the chunks before it in the file are added)."""
    shown, lines_before = [], {}
    for _, info in chunks:
        records, n_lines, file_id = info[2], info[3], info[4]
        before = lines_before.get(file_id, 0)
        shown += [dict(r, line=r["line"] + before) for r in records]
        if n_lines is not None:
            lines_before[file_id] = before + n_lines
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
    # One job: the stage's counts, the pair records shuffled and the sentence counts.
    small = reduced.filter(lambda t: t[0] in ("stats", "records", "sentences")).collect()
    stats = {field: 0 for field in PAIR_STATS_FIELDS}
    for _, part in (t for t in small if t[0] == "stats"):
        for field, value in part.items():
            stats[field] += value
    n_pair_records = sum(n for kind, n in small if kind == "records")
    counts = [c for kind, part in small if kind == "sentences" for c in part]
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
    """Writes ``data`` to ``path`` through ``path.tmp``, fsynced and renamed, as the CLI
    writes its outputs. (The CLI writes its stage files without fsync, guarded by the boot
    they were written in, because it resumes from them; this driver reruns every stage, and
    its stage files are few.)"""
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
    split_bytes=None, max_whole_bytes=None,
):
    """The prints, boilerplate and pairs stages of ``inputs`` on ``sc``; writes
    ``boilerplate.jsonl``, ``pairs.bin`` and ``pairs.json`` into ``out_dir`` and returns the
    pair stage's counts."""
    docs = read_documents(
        sc, inputs, split_bytes=split_bytes, max_whole_bytes=max_whole_bytes,
        partitions=partitions,
    )
    boilerplate, candidates, stats = corpus_stages(
        docs, fingerprints=fingerprints, partitions=partitions, min_shared=min_shared
    )
    os.makedirs(out_dir, exist_ok=True)
    text = "".join(line + "\n" for line in boilerplate)
    write_atomic(os.path.join(out_dir, "boilerplate.jsonl"), text.encode())
    write_pairs(out_dir, candidates, stats)
    release_documents(docs)
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
    """``run.json`` of a Spark run: the inputs (absolute paths and sizes, in order; a URI as
    given, its size null) instead of the index generation, and the knobs."""
    paths = [str(p) if is_uri(p) else os.path.abspath(p) for p in inputs]
    return {
        "schema": CLUSTER_SCHEMA,
        "driver": "spark",
        # A URI's size needs the cluster's filesystem, not started yet: null.
        "inputs": [{"path": p, "bytes": None if is_uri(p) else _tree_bytes(p)} for p in paths],
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


#: Bytes of trace shards fetched by the driver per Spark job (held at once on the driver, under
#: Spark's default ``spark.driver.maxResultSize`` of 1 GiB); a larger shard comes alone.
TRACE_FETCH_BYTES = 128 << 20


def fetch_batches(sizes, limit=TRACE_FETCH_BYTES):
    """The shards ``0..len(sizes)`` in order, cut into runs of at most ``limit`` bytes
    (``sizes[shard]``; a shard larger than ``limit`` is a run alone): the partitions of each
    ``runJob`` that brings the trace shards to the driver. Few jobs for small shards (one job
    has a fixed cost: 0.5 s here for 32 tiny tasks), bounded memory for large ones."""
    batch, held = [], 0
    for shard, size in enumerate(sizes):
        if batch and held + size > limit:
            yield batch
            batch, held = [], 0
        batch.append(shard)
        held += size
    if batch:
        yield batch


def fetch_partitions(rdd, partitions):
    """The elements of ``partitions`` of ``rdd`` (persisted and computed) on the driver, as
    ``SparkContext.runJob(rdd, list, partitions)`` gives them, but read from the persisted
    blocks by the JVM, with no Python task per partition (about 20 ms each here). This goes
    under pyspark's public API (``PythonRDD.runJob`` over the RDD itself, the way ``runJob``
    calls it over a mapped RDD): pyspark 4.x only, ``runJob`` otherwise. A partition whose
    blocks were lost is computed again, as by any job."""
    sc = rdd.context
    import pyspark

    if int(pyspark.__version__.split(".")[0]) != 4:
        return sc.runJob(rdd, list, partitions)
    from pyspark.util import _load_from_socket

    sock_info = sc._jvm.PythonRDD.runJob(sc._jsc.sc(), rdd._jrdd, partitions)
    with _load_from_socket(sock_info, rdd._jrdd_deserializer) as stream:
        return list(stream)


def trace_stage(docs, kept, reduced, n_docs, boilerplate, fingerprints, shard_docs, partitions):
    """The trace stage: returns an RDD of ``(shard, data)``, one partition per shard of
    ``shard_docs`` documents (by DocId) in shard order, ``data`` the bytes of
    ``trace-NNNNN.jsonl`` (one byte string: the driver unpickles and writes it as it is);
    persisted (memory and disk) and computed, so that the driver can take it a few partitions
    at a time; and the size of each shard's bytes, by shard (what computing it reported).

    Each document meets, in its shard's partition: its record, the records of its partners
    that may be its source (a join of the candidate pairs with the documents, by partner), and
    the document frequencies of its shared fingerprints (``("df", …)`` of ``reduced``); the
    shard is traced by ``unspun.trace_documents_packed`` in ``mapPartitions``."""
    sc = docs.context
    n_shards = max(1, (n_docs + shard_docs - 1) // shard_docs)
    outlets = getattr(docs, "unspun_outlets", None)
    if outlets is None:
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
            yield (shard, "".join(line + "\n" for line in lines).encode())

    from pyspark import StorageLevel

    everything = sc.union([own, partners, doc_freqs]).partitionBy(n_shards, _identity)
    traced = everything.mapPartitionsWithIndex(trace_shard).persist(StorageLevel.MEMORY_AND_DISK)
    sizes = dict(traced.map(lambda t: (t[0], len(t[1]))).collect())
    return traced, [sizes.get(shard, 0) for shard in range(n_shards)]


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
    split_bytes=None,
    max_whole_bytes=None,
    spread_above=None,
):
    """The whole corpus job of ``inputs`` on ``sc`` into ``out_dir``: the files of ``unspun
    cluster`` (see ``docs/cluster-output.md``), each written atomically by the driver, the
    stage markers as stages finish, ``summary.json`` last. Returns the summary.
    ``spread_above``: ``read_documents``'s (when to spread the documents of a large read
    chunk over the partitions; the output is the same either way)."""
    params = run_params(inputs, fingerprints, min_shared, shard_docs)
    lock = open_run(os.path.abspath(out_dir), params, fresh=fresh)
    try:
        return run_opened(
            sc, inputs, out_dir, fingerprints, partitions, min_shared, shard_docs, split_bytes,
            max_whole_bytes=max_whole_bytes, spread_above=spread_above,
        )
    finally:
        lock.close()


def run_opened(
    sc, inputs, out_dir, fingerprints="anchors", partitions=None, min_shared=8,
    shard_docs=SHARD_DOCS, split_bytes=None, max_whole_bytes=None, spread_above=None,
):
    """``run_cluster`` in a directory that ``open_run`` opened (the caller holds its lock)."""
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
    sc.setJobDescription("unspun: read")
    docs = read_documents(
        sc, inputs, bad_records=bad, split_bytes=split_bytes, max_whole_bytes=max_whole_bytes,
        partitions=partitions, spread_above=spread_above,
    )
    n_docs = bad["n_docs"]
    # Spark runs the prints map inside the shuffle that follows it: this stage's time is the
    # read and numbering of the documents; the prints map is counted in `pairs`.
    finished("prints", started)
    started = time.monotonic()
    sc.setJobDescription("unspun: pairs")
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
    sc.setJobDescription("unspun: trace")
    partitions = partitions or max(2, sc.defaultParallelism)
    traced, sizes = trace_stage(
        docs, found["kept"], found["reduced"], n_docs, boilerplate, fingerprints, shard_docs,
        partitions,
    )
    found["reduced"].unpersist()
    found["kept"].unpersist()
    # The shards come in runs of at most TRACE_FETCH_BYTES, in shard order: that many bytes
    # on the driver at a time, and one Spark job per run rather than per shard.
    n_shards, written = len(sizes), 0
    for batch in fetch_batches(sizes):
        for shard, data in fetch_partitions(traced, batch):
            write_atomic(os.path.join(out_dir, f"trace-{shard:05d}.jsonl"), data)
            written += 1
    traced.unpersist()
    if written != n_shards:
        raise RuntimeError(f"the trace stage gave {written} shards of {n_shards}")
    finished("trace", started)

    started = time.monotonic()
    sc.setJobDescription("unspun: reuse")
    counts = unspun.reuse_stage_files(out_dir, n_shards, passage_texts(docs))
    timings.append(
        {"stage": "reuse", "skipped": False, "secs": time.monotonic() - started,
         "n_shards_reused": 0}
    )
    release_documents(docs)
    sc.setJobDescription(None)

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
        "n_read_tasks": bad["n_read_tasks"],
        "n_doc_partitions": bad["n_doc_partitions"],
        "read_split_bytes": bad["split_bytes"],
    }
    write_atomic(os.path.join(out_dir, "summary.json"), _json_bytes(summary))
    return summary


#: The JVM options ``python -m unspun.spark`` gives Spark's driver and executors, each side
#: unless the user or the installation sets that side's Java options (``jvm_tuning``). This
#: job's JVMs move bytes (shuffle blocks, pickled batches for the Python workers, where the
#: work runs): the throughput collector and the C1 compiler alone cost less CPU than the
#: default G1 and C2, whose compilations never pay back in a job of minutes; each executor
#: JVM spends them again. Measured (2026-12-04, 100,000 synthetic documents, a loopback
#: standalone cluster of one-core workers): one worker 67.1 → 55.8 s, two 47.5 → 34.7 s, the
#: executors' JVM CPU in the trace stage 17.3 → 9.0 s with two workers.
JVM_TUNING = "-XX:+UseParallelGC -XX:TieredStopAtLevel=1"


def _spark_defaults_keys(environ):
    """The keys set in the installation's ``spark-defaults.conf`` (``$SPARK_CONF_DIR``, else
    ``$SPARK_HOME/conf``, else pyspark's own), as ``spark-submit`` finds it."""
    folder = environ.get("SPARK_CONF_DIR")
    if not folder:
        home = environ.get("SPARK_HOME")
        if not home:
            try:
                from pyspark.find_spark_home import _find_spark_home

                home = _find_spark_home()
            except Exception:  # no pyspark: nothing to read
                return set()
        folder = os.path.join(home, "conf")
    keys = set()
    try:
        with open(os.path.join(folder, "spark-defaults.conf"), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith(("#", "!")):
                    keys.add(re.split(r"[\s=:]", line, maxsplit=1)[0])
    except OSError:
        pass
    return keys


def jvm_tuning(settings, environ=None):
    """The settings that give ``JVM_TUNING`` to the driver and to the executors: for each
    side, ``spark.<side>.extraJavaOptions``, unless that side's Java options are set already,
    by ``settings`` (``(key, value)`` pairs, the ``--conf`` given), in ``spark-defaults.conf``
    or in ``PYSPARK_SUBMIT_ARGS`` (theirs are kept whole: two collectors would stop the JVM)."""
    environ = os.environ if environ is None else environ
    given = {key for key, _ in settings} | _spark_defaults_keys(environ)
    submit_args = environ.get("PYSPARK_SUBMIT_ARGS", "")
    added = []
    for side in ("driver", "executor"):
        keys = (f"spark.{side}.extraJavaOptions", f"spark.{side}.defaultJavaOptions")
        if given.intersection(keys) or any(key in submit_args for key in keys):
            continue
        if side == "driver" and "--driver-java-options" in submit_args:
            continue
        added.append((keys[0], JVM_TUNING))
    return added


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
        command.add_argument("--split-mb", type=float, default=None, metavar="MB",
                             help="an uncompressed JSON Lines file is read by one task per "
                             "this many MiB (at least 1/16; default: the inputs over "
                             f"{READ_TASKS_PER_CORE} tasks a core, from 1 to 32 MiB)")
        command.add_argument("--max-whole-file-mb", type=float, default=None, metavar="MB",
                             help="most MiB of an input given as a URI that one task reads "
                             "whole (anything but uncompressed JSON Lines; default "
                             f"{MAX_WHOLE_FILE_BYTES >> 20}); a larger one is refused")
    for command in (cluster, pairs):
        command.add_argument("--driver-memory", default=None, metavar="SIZE",
                             help="the driver JVM's heap (spark.driver.memory, e.g. 4g); in "
                             "local mode it holds the executors' cached partitions too")
    for command in (cluster, pairs):
        command.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                             help="a Spark setting, repeatable (e.g. spark.jars.packages="
                             "org.apache.hadoop:hadoop-aws:3.4.1 and spark.hadoop.fs.s3a.* "
                             "for s3a:// inputs)")
    for command in (cluster, pairs):
        command.add_argument("--no-jvm-tuning", action="store_true",
                             help="leave the driver's and executors' JVM options to Spark "
                             f"(by default each side without Java options of its own gets "
                             f"{JVM_TUNING!r})")
    cluster.add_argument("--fresh", action="store_true",
                         help="remove the files of an earlier run in --out first")
    args = parser.parse_args(argv)
    if args.partitions is not None and not 1 <= args.partitions <= 1 << 20:
        parser.error("--partitions must be from 1 to 2^20")
    settings = []
    for setting in args.conf:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            parser.error(f"--conf {setting!r}: expected KEY=VALUE")
        settings.append((key, value))
    tuned = [] if args.no_jvm_tuning else jvm_tuning(settings)
    settings += tuned
    split_bytes = None if args.split_mb is None else int(args.split_mb * (1 << 20))
    if split_bytes is not None and not 1 << 16 <= split_bytes <= 1 << 40:
        parser.error("--split-mb must be from 1/16 to 2^20")
    max_whole_bytes = None
    if args.max_whole_file_mb is not None:
        max_whole_bytes = int(args.max_whole_file_mb * (1 << 20))
        if not 0 < max_whole_bytes <= 1 << 50:
            parser.error("--max-whole-file-mb must be above 0 and at most 2^30")

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
    for key, value in settings:
        conf.set(key, value)
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("ERROR")
    job_started = time.monotonic()
    try:
        knobs = dict(
            fingerprints=args.fingerprints,
            partitions=args.partitions,
            min_shared=args.min_shared_fingerprints,
            split_bytes=split_bytes,
            max_whole_bytes=max_whole_bytes,
        )
        if args.command == "cluster":
            result = run_opened(sc, args.input, args.out, **knobs)
            result = {key: result[key] for key in _SHOWN}
        else:
            result = run_pairs(sc, args.input, args.out, **knobs)
    except ReadError as e:
        print(f"unspun.spark: {e}", file=sys.stderr)
        return 2
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
        jvm_tuning=dict(tuned),
    )
    print(json.dumps(summary))
    return 0


#: The fields of a cluster run's summary printed by ``python -m unspun.spark cluster`` (the
#: whole summary is in ``summary.json``).
_SHOWN = (
    "n_docs", "pairs", "n_boilerplate", "n_links", "n_strong_links", "links_by_kind",
    "verdicts", "n_doc_clusters", "n_passage_clusters", "n_outlet_edges", "n_spins",
    "n_bad_records", "n_read_tasks", "read_split_bytes", "n_doc_partitions", "stages",
)


if __name__ == "__main__":
    sys.exit(main())
