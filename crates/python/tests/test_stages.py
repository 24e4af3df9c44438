"""The corpus stages as record functions, against the files of the native `unspun cluster`."""

import json
import struct

import pytest
import unspun

from conftest import run_cli


def read_records(path, fmt):
    size = struct.calcsize(fmt)
    data = path.read_bytes()
    assert len(data) % size == 0
    return [struct.unpack_from(fmt, data, at) for at in range(0, len(data), size)]


@pytest.fixture(scope="module")
def native(toy, tmp_path_factory):
    """A native cluster run over the toy index, keeping the prints runs."""
    out = tmp_path_factory.mktemp("cluster")
    run_cli("cluster", "--index", toy["index"], "--out", out, "--keep-intermediate", "--quiet")
    return out


@pytest.fixture(scope="module")
def records(toy):
    idx = unspun.Index(toy["index"])
    return idx.documents(idx.doc_ids())


def test_prints_equal_the_native_runs(native, records):
    prints, sentences = unspun.document_prints(records, as_tuples=True)
    # One shard of 4,096 documents: prints-00000.bin is the sorted run of all of them.
    assert sorted(prints) == read_records(native / "prints-00000.bin", "<QqI")
    assert sorted(sentences) == read_records(native / "sentences-00000.bin", "<QIQ")
    assert len(prints) > 10_000
    dicts, sentence_dicts = unspun.document_prints(records[:3])
    assert [tuple(d.values()) for d in dicts] == prints[: len(dicts)]
    assert set(dicts[0]) == {"fingerprint", "date", "doc"}
    assert set(sentence_dicts[0]) == {"hash", "doc", "outlet"}


def test_pairs_equal_pairs_bin_in_any_partitioning(native, records):
    prints, _ = unspun.document_prints(records, as_tuples=True)
    expected = read_records(native / "pairs.bin", "<IIIB")
    stats_expected = json.loads((native / "pairs.json").read_text())
    assert len(expected) > 20
    # Batches as a shuffle by fingerprint gives them: every print of a fingerprint together.
    for n_parts in (1, 3):
        parts = [[p for p in prints if p[0] % n_parts == k] for k in range(n_parts)]
        counts, totals = [], {}
        for part in parts:
            part_counts, stats = unspun.fingerprint_pairs(part)
            counts.extend(part_counts)
            for key, value in stats.items():
                totals[key] = totals.get(key, 0) + value
        candidates = unspun.candidate_pairs(counts)
        assert candidates == expected
        pairs = {(c[0], c[1]) for c in counts}
        assert {**totals, "n_pairs": len(pairs), "n_candidates": len(candidates)} == stats_expected


def test_group_pairs_rules():
    group = [(1, 0, d) for d in (5, 2, 9)]
    assert sorted(unspun.group_pairs(group)) == [(2, 5), (2, 9), (5, 9)]
    assert unspun.group_pairs(group[:1]) == []
    # Above all_pairs_docs, each document pairs with the earliest star_docs only (by date).
    dated = [(1, 10, 7), (1, 20, 1), (1, 30, 2), (1, 40, 3)]
    assert sorted(unspun.group_pairs(dated, all_pairs_docs=3, star_docs=1)) == [
        (1, 7),
        (2, 7),
        (3, 7),
    ]
    assert unspun.group_pairs(dated, all_pairs_docs=3, star_docs=1, max_doc_freq=3) == []
    as_dicts = [{"fingerprint": 1, "date": 0, "doc": d} for d in (5, 2)]
    assert unspun.group_pairs(as_dicts) == [(2, 5)]


def test_pair_direction_and_candidates():
    day = 86_400 * 20_000
    assert unspun.pair_direction(day, day + 86_400) == unspun.A_SOURCE_OF_B
    assert unspun.pair_direction(day, day) == unspun.A_SOURCE_OF_B | unspun.B_SOURCE_OF_A
    assert unspun.pair_direction(unspun.UNDATED, day) == 3
    counts = [(1, 2, 5, day, day + 86_400), (1, 2, 3, day, day + 86_400), (2, 3, 7, 0, 0)]
    assert unspun.candidate_pairs(counts) == [(1, 2, 8, unspun.A_SOURCE_OF_B)]
    assert unspun.candidate_pairs(counts, min_shared=7) == [(1, 2, 8, 1), (2, 3, 7, 3)]


def test_stage_input_errors():
    with pytest.raises(ValueError, match=r"records\[1\]: field `text` is missing"):
        unspun.document_prints([{"doc": 0, "text": "A b c."}, {"doc": 1}])
    with pytest.raises(TypeError, match=r"records\[0\]: field `text` must be a str"):
        unspun.document_prints([{"doc": 0, "text": 5}])
    with pytest.raises(ValueError, match=r"records\[0\]: field `doc`"):
        unspun.document_prints([{"doc": -1, "text": "x"}])
    with pytest.raises(ValueError, match=r"records\[0\]: field `date`: cannot parse"):
        unspun.document_prints([{"doc": 0, "text": "x", "date": "soon"}])
    with pytest.raises(TypeError, match=r"records\[0\]: a record is a dict"):
        unspun.document_prints(["text"])
    with pytest.raises(ValueError, match=r"prints\[1\]"):
        unspun.fingerprint_pairs([(1, 0, 1), (1, 0)])
    with pytest.raises(ValueError, match="not \\(a, b\\) with a < b"):
        unspun.candidate_pairs([(2, 1, 9, 0, 0)])
    with pytest.raises(ValueError, match="star_docs"):
        unspun.group_pairs([], star_docs=0)


def test_packed_stages_equal_the_native_files(native, records):
    expected = (native / "pairs.bin").read_bytes()
    stats_expected = json.loads((native / "pairs.json").read_text())
    n_parts = 3
    # Two batches of documents, each packed into parts by fingerprint.
    batches = [records[:130], records[130:]]
    both = [unspun.document_prints_packed(batch, n_parts) for batch in batches]
    packed = [prints for prints, _ in both]
    assert all(len(p) == n_parts for p in packed)
    sentences = [r for _, s in both for blob in s for r in struct.iter_unpack("<QIQ", blob)]
    assert sorted(sentences) == read_records(native / "sentences-00000.bin", "<QIQ")
    prints = [r for p in packed for blob in p for r in struct.iter_unpack("<QqI", blob)]
    assert sorted(prints) == read_records(native / "prints-00000.bin", "<QqI")
    pair_parts = [[] for _ in range(n_parts)]
    totals = {}
    for k in range(n_parts):
        blobs, stats = unspun.fingerprint_pairs_packed([p[k] for p in packed], n_parts)
        for j, blob in enumerate(blobs):
            pair_parts[j].append(blob)
        for key, value in stats.items():
            totals[key] = totals.get(key, 0) + value
    kept = [unspun.candidate_pairs_packed(part) for part in pair_parts]
    candidates = sorted(r for data, _ in kept for r in struct.iter_unpack("<IIIB", data))
    assert b"".join(struct.pack("<IIIB", *c) for c in candidates) == expected
    n_pairs = sum(n for _, n in kept)
    assert {**totals, "n_pairs": n_pairs, "n_candidates": len(candidates)} == stats_expected
    with pytest.raises(ValueError, match="not a whole number of 20-byte records"):
        unspun.fingerprint_pairs_packed([b"x" * 21], 2)
    with pytest.raises(ValueError, match="n_parts"):
        unspun.document_prints_packed(records[:1], 0)


def native_run(corpus_index, out):
    run_cli("cluster", "--index", corpus_index, "--out", out, "--quiet")
    return out


def partners_of(out, docs):
    """DocId → the DocIds that may be its source, from the run's pairs.bin."""
    partners = {d["doc"]: [] for d in docs}
    for a, b, _, direction in read_records(out / "pairs.bin", "<IIIB"):
        if direction & unspun.A_SOURCE_OF_B:
            partners[b].append(a)
        if direction & unspun.B_SOURCE_OF_A:
            partners[a].append(b)
    return partners


def boilerplate_hashes(out):
    with open(out / "boilerplate.jsonl") as f:
        return {int(json.loads(line)["hash"], 16) for line in f}


@pytest.mark.parametrize("corpus", ["toy", "reuters"])
def test_trace_stage_on_records_equals_native_shards(corpus, request, tmp_path):
    """The trace stage without the index: partners from pairs.bin, frequencies from the
    prints, boilerplate from the run; every line of trace-00000.jsonl the same."""
    fixture = request.getfixturevalue(corpus)
    out = native_run(fixture["index"], tmp_path / "native")
    idx = unspun.Index(fixture["index"])
    docs = idx.documents(idx.doc_ids())
    assert [d["doc"] for d in docs] == list(range(len(docs)))
    prints, _ = unspun.document_prints(docs, as_tuples=True)
    doc_freq, own = {}, {d["doc"]: [] for d in docs}
    for fingerprint, _, doc in prints:
        doc_freq[fingerprint] = doc_freq.get(fingerprint, 0) + 1
        own[doc].append(fingerprint)
    partners = partners_of(out, docs)
    boilerplate = boilerplate_hashes(out)
    items = [
        {
            "doc": d,
            "partners": [docs[p] for p in partners[d["doc"]]],
            "doc_freqs": {f: doc_freq[f] for f in own[d["doc"]]},
        }
        for d in docs
    ]
    outlets = sorted({d["outlet"] for d in docs if d["outlet"]})
    lines = unspun.trace_documents(
        items, n_docs=len(docs), outlets=outlets, boilerplate=boilerplate
    )
    expected = (out / "trace-00000.jsonl").read_text().splitlines()
    assert len(lines) == len(expected) == len(docs)
    assert sum('"passages":[]' not in line for line in expected) > 10
    assert lines == expected


def test_document_functions_take_arrow_batches(records):
    import pyarrow

    batch = pyarrow.RecordBatch.from_pylist(records[:20])
    assert unspun.document_prints(batch, as_tuples=True) == unspun.document_prints(
        records[:20], as_tuples=True
    )
    table = pyarrow.Table.from_pylist(records[:20])
    assert unspun.document_prints_packed(table, 2) == unspun.document_prints_packed(
        records[:20], 2
    )


@pytest.mark.parametrize("corpus", ["toy", "reuters", "footers"])
def test_boilerplate_stage_on_records_equals_native(corpus, request, tmp_path):
    """Count per sentence hash in two batches split by hash, judge on the sampled documents:
    the lines of the native boilerplate.jsonl."""
    fixture = request.getfixturevalue(corpus)
    out = native_run(fixture["index"], tmp_path / "native")
    idx = unspun.Index(fixture["index"])
    docs = idx.documents(idx.doc_ids())
    _, sentences = unspun.document_prints(docs, as_tuples=True)
    batches = [[s for s in sentences if s[0] % 2 == k] for k in (0, 1)]
    counts = [c for batch in batches for c in unspun.sentence_counts(batch)]
    _, packed = unspun.document_prints_packed(docs, 2)
    assert [c for blob in packed for c in unspun.sentence_counts_packed([blob])] == counts
    assert all(c["n_docs"] >= 2 for c in counts)
    sampled = {d for c in counts for d in c["sample"]}
    lines = unspun.boilerplate_lines(counts, [docs[d] for d in sorted(sampled)])
    expected = (out / "boilerplate.jsonl").read_text().splitlines()
    assert lines == expected
    if corpus == "footers":
        scopes = {json.loads(line)["scope"] for line in expected}
        assert scopes == {"outlet", "corpus"}, expected


REUSE_FILES = (
    "documents.jsonl", "spins.jsonl", "boilerplate_passages.jsonl", "links.jsonl",
    "doc_clusters.jsonl", "passage_clusters.jsonl", "outlet_edges.jsonl", "outlets.graphml",
    "outlets.dot", "publishers.json", "reuse.done",
)


@pytest.mark.parametrize("corpus", ["toy", "reuters"])
def test_packed_trace_and_reuse_stage_equal_native_files(corpus, request, tmp_path):
    """What the Spark driver runs, without Spark: document frequencies from the reduce by
    fingerprint (packed by shard), the trace per shard, then the reuse stage writing the files
    of the native run byte for byte."""
    fixture = request.getfixturevalue(corpus)
    out = native_run(fixture["index"], tmp_path / "native")
    idx = unspun.Index(fixture["index"])
    docs = idx.documents(idx.doc_ids())
    n_parts, shard_docs = 3, 100
    prints, _ = unspun.document_prints_packed(docs, n_parts)
    doc_freqs, totals = [], {}
    for k in range(n_parts):
        _, stats, found = unspun.fingerprint_reduce_packed(
            [prints[k]], n_parts, shard_docs=shard_docs
        )
        doc_freqs += found
        for key, value in stats.items():
            totals[key] = totals.get(key, 0) + value
    n_records = 0
    for shard, blob in doc_freqs:
        for doc, _, n_docs in struct.iter_unpack("<IQI", blob):
            assert doc // shard_docs == shard and n_docs >= 2
            n_records += 1
    # One record per document of each fingerprint held by two or more.
    pairs_json = json.loads((out / "pairs.json").read_text())
    assert totals["n_shared_fingerprints"] == pairs_json["n_shared_fingerprints"]
    assert n_records >= 2 * totals["n_shared_fingerprints"] > 0

    partners = partners_of(out, docs)
    outlets = sorted({d["outlet"] for d in docs if d["outlet"]})
    lines = []
    for shard in range((len(docs) + shard_docs - 1) // shard_docs):
        items = [
            {"doc": d, "partners": [docs[p] for p in partners[d["doc"]]]}
            for d in docs[shard * shard_docs : (shard + 1) * shard_docs]
        ]
        blobs = [blob for s, blob in doc_freqs if s == shard]
        lines += unspun.trace_documents_packed(
            items, blobs, n_docs=len(docs), outlets=outlets, boilerplate=boilerplate_hashes(out)
        )
    assert lines == (out / "trace-00000.jsonl").read_text().splitlines()

    by_id = {d["id"]: d["text"] for d in docs}
    asked = []

    def texts(ids):
        asked.append(ids)
        return {i: by_id[i] for i in ids}

    written = tmp_path / "reuse"
    counts = unspun.reuse_stage(written, lines, texts)
    for name in REUSE_FILES:
        assert (written / name).read_bytes() == (out / name).read_bytes(), name
    assert len(asked) == 1 and len(asked[0]) == counts["n_passage_clusters"] + counts[
        "n_boilerplate_passages"
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert counts == {k: summary[k] for k in counts}
    assert counts["n_links"] > 10
    # Without the texts, the passage clusters lose only their `text`.
    unspun.reuse_stage(tmp_path / "bare", lines, lambda ids: {})
    bare = read_jsonl_lines(tmp_path / "bare" / "passage_clusters.jsonl")
    full = read_jsonl_lines(out / "passage_clusters.jsonl")
    assert [dict(c, text=None) for c in full] == [dict(c, text=None) for c in bare]
    assert all("text" not in c or c["text"] is None for c in bare)
    with pytest.raises(ValueError, match=r"traced\[1\]"):
        unspun.reuse_stage(tmp_path / "bad", [lines[0], "{}"], texts)
    with pytest.raises(ValueError, match="must return a dict"):
        unspun.reuse_stage(tmp_path / "bad", lines, lambda ids: None)

    # From the run's trace files, one shard at a time (what the Spark driver calls).
    files = tmp_path / "files"
    files.mkdir()
    shard_files = sorted(out.glob("trace-*.jsonl"))
    for path in shard_files:
        (files / path.name).write_bytes(path.read_bytes())
    from_files = unspun.reuse_stage_files(files, len(shard_files), texts)
    assert from_files == counts
    for name in REUSE_FILES:
        assert (files / name).read_bytes() == (out / name).read_bytes(), name
    with pytest.raises(unspun.UnspunError, match=r"trace-\d{5}\.jsonl: No such file"):
        unspun.reuse_stage_files(files, 10, texts)


def read_jsonl_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _chunks(reads):
    """Reads of consecutive parts of one file as the chunks of `unspun.spark`'s read job."""
    return [
        ((i, 0), (len(r["documents"]), len(r["bad_records"]), r["bad_records"], r["n_lines"], 0))
        for i, r in enumerate(reads)
    ]


def whole_reason(unspun, tmp_path, line):
    """The reason `read_corpus` gives a file of this one line."""
    path = tmp_path / "one.jsonl"
    path.write_bytes(line + b"\n")
    return unspun.read_corpus([path])["bad_records"][0]["reason"]


def test_jsonl_ranges_read_as_the_whole_file(reuters, tmp_path):
    """Byte ranges of a JSON Lines file, cut anywhere (inside lines, on newlines), read
    together what `read_corpus` reads of the whole file: the same records in the same order,
    the same bad records at the same lines once each range's line count is added."""
    from unspun.spark import _bad_record_lines

    corpus = tmp_path / "odd.jsonl"
    body = reuters["corpus"].read_bytes()
    corpus.write_bytes(
        b"\xef\xbb\xbf" + body[:5000] + b"\n\n   \n" + b'{"id": "crlf", "text": "A line."}\r\n'
        + b'{"id": "bad-utf8", "text": "\xff"}\n' + b"not json\n" + body[5000:]
        + b'{"id": "last", "text": "No final newline."}'
    )
    whole = unspun.read_corpus([corpus])
    assert len(whole["bad_records"]) >= 21 and len(whole["documents"]) > 300
    size = corpus.stat().st_size
    for cuts in ([0, size], list(range(0, size, 997)) + [size], [0, 1, 2, 3, 4999, 5000, 5001,
                                                                  5003, size - 1, size]):
        splits = [(corpus, a, b) for a, b in zip(cuts, cuts[1:])]
        reads = [unspun.read_jsonl_range(p, a, b) for p, a, b in splits]
        assert [r for read in reads for r in read["documents"]] == whole["documents"]
        assert _bad_record_lines(_chunks(reads)) == whole["bad_records"]
        assert sum(r["n_lines"] for r in reads) == body.count(b"\n") + 7
    # The same file's lines as Spark's text source gives them (split on "\n" only, as bytes),
    # in runs cut anywhere, read by `read_jsonl_lines`: again the records of the whole file.
    lines = corpus.read_bytes().split(b"\n")
    assert lines[-1] == b'{"id": "last", "text": "No final newline."}'
    for cuts in ([0, len(lines)], [0, 1, 2, 9, 10, 11, 12, 200, len(lines)]):
        reads = [
            unspun.read_jsonl_lines(corpus, lines[a:b], at_file_start=a == 0)
            for a, b in zip(cuts, cuts[1:])
        ]
        assert [r for read in reads for r in read["documents"]] == whole["documents"]
        assert _bad_record_lines(_chunks(reads)) == whole["bad_records"]
    # A line longer than the reader's limit is a bad record, as in a range.
    big = [b'{"id": "big", "text": "' + b"x" * (17 << 20) + b'"}', lines[-1]]
    read = unspun.read_jsonl_lines("hdfs://nn/big.jsonl", big, at_file_start=False)
    assert [(b["path"], b["line"], b["reason"]) for b in read["bad_records"]] == [
        ("hdfs://nn/big.jsonl", 1, whole_reason(unspun, tmp_path, big[0]))
    ]
    assert len(read["documents"]) == 1
    # Only large uncompressed JSON Lines files are split.
    assert unspun.corpus_splits([corpus], 1 << 16) == [
        (corpus, a, min(a + (1 << 16), size)) for a in range(0, size, 1 << 16)
    ]
    assert unspun.corpus_splits([corpus], 1 << 30) == [(corpus, None, None)]
    with pytest.raises(ValueError, match="at least"):
        unspun.corpus_splits([corpus], 100)
    with pytest.raises(ValueError, match="needs the whole file"):
        unspun.read_jsonl_range(corpus, 0, 10, generate_ids="line")


def test_parquet_row_groups_read_as_the_whole_file(reuters, tmp_path):
    """Runs of whole row groups of a Parquet file, cut at any row-group boundary, read
    together what `read_corpus` reads of the whole file with the same column mapping: the same
    records in the same order, the same bad rows at their rows in the whole file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from unspun.spark import _bad_record_lines, _chunk_read

    docs = unspun.read_corpus([reuters["corpus"]])["documents"][:300]
    rows = [{"key": d["id"], "headline": d["title"], "body": d["text"].encode(),
             "published": d["date"]} for d in docs]
    rows[5]["body"] = None  # missing text
    rows[50]["key"] = None  # missing id
    rows[120]["body"] = b"Invalid \xff UTF-8."
    rows[121]["body"] = b""  # empty text
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("key", pa.string()), ("headline", pa.string()), ("body", pa.binary()),
        ("published", pa.timestamp("s")),
    ]))
    path = tmp_path / "groups.parquet"
    pq.write_table(table, path, row_group_size=23, compression="zstd")
    n_groups = pq.ParquetFile(path).metadata.num_row_groups
    assert n_groups == 14
    fields = {"id_field": "key", "title_field": "headline", "text_field": "body",
              "date_field": "published"}
    whole = unspun.read_corpus([path], **fields)
    assert len(whole["documents"]) == 296
    assert [(b["line"], b["reason"]) for b in whole["bad_records"]] == [
        (6, "missing-text"), (51, "missing-id"), (121, "invalid-utf8"), (122, "empty-text")
    ]
    planned = unspun.parquet_splits(path, 1 << 16)
    assert len(planned) > 1 and planned[0][0] == 0 and planned[-1][1] == n_groups
    assert all(a[1] == b[0] for a, b in zip(planned, planned[1:]))
    for runs in (planned, [(0, n_groups)], [(i, i + 1) for i in range(n_groups)],
                 [(0, 1), (1, 1), (1, 6), (6, 13), (13, 14)]):
        reads = [unspun.read_parquet_row_groups(path, a, b, **fields) for a, b in runs]
        assert [r for read in reads for r in read["documents"]] == whole["documents"]
        assert [b for read in reads for b in read["bad_records"]] == whole["bad_records"]
        assert [r["first_row"] for r in reads] == [min(23 * a, 300) for a, _ in runs]
        assert sum(r["n_rows"] for r in reads) == 300
        # As the Spark read stage counts them: rows are numbered in the file already.
        chunks = []
        for i, read in enumerate(reads):
            read["n_lines"] = None
            chunks.append(list(_chunk_read((i, 0), ("unit", i), read))[-1][1:])
        assert _bad_record_lines(chunks) == whole["bad_records"]
    assert unspun.parquet_splits(path, 1 << 30) == [(0, n_groups)]
    assert unspun.parquet_splits(reuters["corpus"], 1 << 16) is None
    assert unspun.parquet_splits(tmp_path, 1 << 16) is None
    with pytest.raises(ValueError, match="at least"):
        unspun.parquet_splits(path, 100)
    with pytest.raises(unspun.UnspunError, match="row groups 3..15 asked"):
        unspun.read_parquet_row_groups(path, 3, 15, **fields)
    with pytest.raises(unspun.UnspunError, match="has no text column `text`"):
        unspun.read_parquet_row_groups(path, 0, 1)


def test_a_file_brought_whole_by_spark_is_read_under_its_uri(tmp_path):
    """What a task does with the bytes `binaryFiles` brings of a URI input: the records of
    `read_corpus` over the same file, with the URI where the task's copy would show (bad
    records, a document file's id), and a file found in a folder keeping its relative id."""
    from unspun.spark import _read_whole_file, is_uri

    assert [is_uri(p) for p in ("file:///a", "file:/a", "hdfs://nn/x", "s3a://b/k")] == [True] * 4
    assert not any(is_uri(p) for p in ("C:/x", "a:b.jsonl", "/tmp/x", "x/y.jsonl", tmp_path))

    page = (b"<html><head><title>A headline</title></head><body><p>The council met on "
            b"Tuesday and voted to keep the library open for another year.</p></body></html>")
    folder = tmp_path / "site"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "b.html").write_bytes(page)

    def docs(items):
        return [item[3] for item in items if item[0] == "doc"]

    def native(paths):
        return [{k: v for k, v in d.items() if k != "doc"}
                for d in unspun.read_corpus(paths)["documents"]]

    found = docs(_read_whole_file(0, "hdfs://nn/site/a/b.html", "a/b.html", page, {}))
    assert found == native([folder]) and found[0]["id"] == "a/b.html"
    given = docs(_read_whole_file(0, "hdfs://nn/b.html", None, page, {}))
    expected = native([folder / "a" / "b.html"])
    assert expected[0]["id"] == str(folder / "a" / "b.html")
    assert given == [dict(expected[0], id="hdfs://nn/b.html")]

    import gzip

    data = gzip.compress(b'{"id": "x", "text": "Fine.", "source": "a.example"}\nnot json\n'
                         b'{"id": "y", "text": "Also fine."}\n'
                         b'{"id": "z", "text": "Fine too.", "source": "a.example"}\n')
    items = _read_whole_file(2, "s3a://bucket/c.jsonl.gz", None, data, {})
    chunk = items[-1]
    assert chunk[:2] == ("chunk", (2, 0))
    n_docs, n_bad, bad, n_lines, _, outlets, n_chars = chunk[2]
    assert (n_docs, n_bad, n_lines) == (3, 1, None)
    assert outlets == {"a.example": 2}
    assert n_chars == len("Fine.") + len("Also fine.") + len("Fine too.")
    assert (bad[0]["path"], bad[0]["line"]) == ("s3a://bucket/c.jsonl.gz", 2)
    with pytest.raises(unspun.UnspunError, match="s3a://bucket/d.pdf"):
        _read_whole_file(3, "s3a://bucket/d.pdf", None, b"%PDF-1.4 ...", {})


def test_read_chunks_number_documents_and_count_outlets_without_repeated_ids(reuters):
    """The driver's share of Spark's read job: chunks numbered in key order, a repeated id's
    later records skipped, and the outlets those skipped records alone name left out (the
    trace stage's list of the corpus's outlets, as the index has them)."""
    from unspun.spark import _chunk_read, _number_chunks

    docs = unspun.read_corpus([reuters["corpus"]])["documents"][:6]
    for d, outlet in zip(docs, ["A", "B", None, "A", "C", "D"]):
        d["outlet"] = outlet
    repeat = [dict(docs[1], text="Another text."), dict(docs[4], outlet="E"), dict(docs[3])]
    reads = {(0, 0): docs[:3], (0, 100): docs[3:], (1, 0): repeat}
    found, positions = [], {}
    for key, records in reads.items():
        read = {"documents": [dict(r) for r in records], "bad_records": []}
        for item in _chunk_read(key, ("unit", key[0]), read):
            if item[0] == "chunk":
                found.append((("chunk", item[1]), item[2]))
            else:
                positions.setdefault(item[3]["id"], []).append(
                    (item[1], item[2], item[3].get("outlet"))
                )
    found += [(("id", i), p) for i, p in positions.items() if len(p) > 1]
    chunks, numbering, n_docs, outlets = _number_chunks(found)
    assert [key for key, _ in chunks] == [(0, 0), (0, 100), (1, 0)]
    assert numbering == {(0, 0): (0, []), (0, 100): (3, []), (1, 0): (6, [0, 1, 2])}
    assert n_docs == 6
    # "E" is named only by a repeated id's record; "B" and "A" by kept ones too.
    assert outlets == ["A", "B", "C", "D"]


def test_trace_shards_are_fetched_in_runs_of_bounded_bytes():
    """The driver takes the trace shards in shard order, in runs of at most the byte limit
    (a larger shard alone), each shard once."""
    from unspun.spark import TRACE_FETCH_BYTES, fetch_batches

    assert list(fetch_batches([])) == []
    assert list(fetch_batches([270_000] * 100)) == [list(range(100))]
    sizes = [5, 5, 0, 10, 3, 30, 1, 9, 10]
    runs = list(fetch_batches(sizes, limit=10))
    assert runs == [[0, 1, 2], [3], [4], [5], [6, 7], [8]]
    assert [s for run in runs for s in run] == list(range(len(sizes)))
    for run in runs:
        assert sum(sizes[s] for s in run) <= 10 or len(run) == 1
    assert len(list(fetch_batches([1 << 20] * 1000))) == -(-1000 // (TRACE_FETCH_BYTES >> 20))


def test_documents_of_one_large_chunk_are_spread_by_ranges_of_equal_text():
    """The read's documents are spread over the partitions only when one chunk holds too much
    of the text, by DocId ranges of about equal text, every DocId in one range."""
    import bisect

    from unspun.spark import spread_ranges

    # Eight even chunks (a JSON Lines file read in ranges): nothing to spread.
    assert spread_ranges([(i * 100, 100, 5_000) for i in range(8)], 4) is None
    assert spread_ranges([(0, 10, 0)], 4) is None
    assert spread_ranges([(0, 1000, 50)], 1) is None
    # A chunk of 78 % of the text: spread for 4 cores, not for 2 (nor 1).
    skewed = [(0, 500, 78), (500, 500, 22)]
    assert spread_ranges(skewed, 4, cores=2) is None
    assert spread_ranges(skewed, 4, cores=1, above=0) is None
    assert spread_ranges(skewed, 4, cores=4) is not None
    assert spread_ranges(skewed, 4, cores=2, above=1.5) is not None
    # One gzip file of 900 long documents, then 100 short ones in six small files.
    chunks = [(0, 900, 9_000_000)] + [(900 + 17 * i, 17, 17_000) for i in range(6)]
    chunks[-1] = (985, 15, 15_000)
    bounds = spread_ranges(chunks, 4)
    assert bounds == sorted(bounds) and len(bounds) == 3
    sizes = [0] * 4
    for first, n_docs, n_chars in chunks:
        for doc in range(first, first + n_docs):
            sizes[bisect.bisect_right(bounds, doc)] += n_chars / n_docs
    total = sum(c[2] for c in chunks)
    assert all(abs(size - total / 4) <= 10_000 for size in sizes), sizes
    # A single chunk: even ranges of DocIds.
    assert spread_ranges([(0, 1000, 10_000)], 4) == [250, 500, 750]
    # Fewer documents than partitions: empty ranges, still every DocId placed once.
    bounds = spread_ranges([(0, 2, 100)], 4)
    assert len(bounds) == 3 and bounds == sorted(bounds)
