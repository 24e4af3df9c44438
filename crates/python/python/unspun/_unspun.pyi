"""Type stubs of the native module (crates/python/src)."""

from os import PathLike
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

StrPath = Union[str, "PathLike[str]"]
DateArg = Union[str, int, None]
Record = Dict[str, Any]
PrintTuple = Tuple[int, int, int]
SentenceTuple = Tuple[int, int, int]
PairCount = Tuple[int, int, int, int, int]
Candidate = Tuple[int, int, int, int]

UNDATED: int
"""Date of an undated document in print records (i64::MAX: after every dated one)."""
A_SOURCE_OF_B: int
"""Direction bit: `a` is dated early enough to be a source of `b`."""
B_SOURCE_OF_A: int
"""Direction bit: `b` is dated early enough to be a source of `a`."""

class UnspunError(Exception):
    """An error of the unspun engine; the message names the file."""

class BadRecordError(UnspunError):
    """A bad input record."""

    path: str
    line: int
    field: Optional[str]
    reason: str

class Index:
    """An opened unspun index (read-only view of its last commit)."""

    def __init__(self, path: StrPath) -> None: ...
    @property
    def path(self) -> str: ...
    def __len__(self) -> int: ...
    def trace(
        self,
        text: str,
        title: Optional[str] = None,
        date: DateArg = None,
        id: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The report of `unspun trace --json` for this article."""
    def stats(self) -> Dict[str, Any]:
        """The dict of `unspun stats --json`."""
    def doc_ids(self) -> List[int]:
        """DocIds of the live documents, in index order."""
    def doc_id(self, id: str) -> Optional[int]:
        """DocId of the document with this corpus id."""
    def documents(self, docs: Sequence[int]) -> List[Optional[Record]]:
        """Record dicts (doc, id, title, text, date, outlet, url); None for deleted ones."""

def index(
    path: StrPath,
    corpora: Sequence[StrPath],
    *,
    fingerprints: str = "anchors",
    replace: bool = False,
    strict: bool = False,
    keep_going: bool = False,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    url_field: str = "url",
    format: Optional[str] = None,
    generate_ids: Optional[str] = None,
    glob: Optional[str] = None,
) -> Dict[str, Any]:
    """Builds or extends an index as `unspun index` does; returns its report dict."""

def read_corpus(
    corpora: Sequence[StrPath],
    *,
    strict: bool = False,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    url_field: str = "url",
    format: Optional[str] = None,
    generate_ids: Optional[str] = None,
    glob: Optional[str] = None,
) -> Dict[str, Any]:
    """Reads corpora as `unspun index` does: {"documents": [...], "bad_records": [...]}."""

def corpus_splits(
    corpora: Sequence[StrPath], split_bytes: int
) -> List[Tuple[Path, Optional[int], Optional[int]]]:
    """Read tasks in input order: (path, start, end) byte ranges of each uncompressed JSON Lines
    file larger than `split_bytes`, (path, None, None) for every other input."""

def read_jsonl_range(
    path: StrPath,
    start: int,
    end: int,
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    url_field: str = "url",
    generate_ids: Optional[str] = None,
) -> Dict[str, Any]:
    """The records of the lines starting in bytes [start, end) of a JSON Lines file:
    {"documents", "bad_records" (lines counted from the range's first), "n_lines"}."""

def read_jsonl_lines(
    path: StrPath,
    lines: Sequence[bytes],
    *,
    at_file_start: bool,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    url_field: str = "url",
    generate_ids: Optional[str] = None,
) -> Dict[str, Any]:
    """Consecutive lines of an uncompressed JSON Lines file (bytes without their newlines, as
    Spark's text source gives them from any filesystem), read as `read_jsonl_range` reads a
    range: `documents`, `bad_records` (named by `path`, `line` from the first line given),
    `n_lines`. `at_file_start`: the first line is the file's first."""

def parquet_splits(path: StrPath, split_bytes: int) -> Optional[List[Tuple[int, int]]]:
    """Runs (first, end) of whole row groups of a Parquet file, each of at most `split_bytes`
    of compressed column chunks (a larger row group alone), covering the file in order; None
    when `path` is not an uncompressed Parquet file."""

def read_parquet_row_groups(
    path: StrPath,
    start: int,
    end: int,
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    url_field: str = "url",
    generate_ids: Optional[str] = None,
) -> Dict[str, Any]:
    """The records of row groups [start, end) of a Parquet file, read as `read_corpus` reads
    the file: {"documents", "bad_records" (`line`: the row in the whole file), "first_row",
    "n_rows"}."""

def document_prints(
    records: Iterable[Record], fingerprints: str = "anchors", as_tuples: bool = False
) -> Tuple[List[Any], List[Any]]:
    """(prints, sentences) of a batch of documents: the prints stage's map."""

def group_pairs(
    group: Iterable[Union[PrintTuple, Record]],
    *,
    all_pairs_docs: int = 64,
    star_docs: int = 16,
    max_doc_freq: int = 2000,
) -> List[Tuple[int, int]]:
    """The pairs one fingerprint's documents give."""

def fingerprint_pairs(
    prints: Iterable[Union[PrintTuple, Record]],
    *,
    all_pairs_docs: int = 64,
    star_docs: int = 16,
    max_doc_freq: int = 2000,
) -> Tuple[List[PairCount], Dict[str, int]]:
    """Pair counts (a, b, n, date_a, date_b) and stats of a batch of whole fingerprint groups."""

def candidate_pairs(counts: Sequence[PairCount], *, min_shared: int = 8) -> List[Candidate]:
    """Pairs sharing at least `min_shared` fingerprints, as (a, b, n, dir), sorted."""

def pair_direction(date_a: int, date_b: int) -> int:
    """A_SOURCE_OF_B / B_SOURCE_OF_A bits of a pair from its documents' dates."""

def document_prints_packed(
    records: Iterable[Record], n_parts: int, fingerprints: str = "anchors"
) -> Tuple[List[bytes], List[bytes]]:
    """(prints, sentences): `n_parts` byte strings each of 20-byte records (fingerprint u64,
    date i64, doc u32 / hash u64, doc u32, outlet u64; LE), part k holding the values v with
    `v % n_parts == k`."""

def fingerprint_pairs_packed(
    blobs: Sequence[bytes],
    n_parts: int,
    *,
    all_pairs_docs: int = 64,
    star_docs: int = 16,
    max_doc_freq: int = 2000,
) -> Tuple[List[bytes], Dict[str, int]]:
    """Pair counts of whole fingerprint groups given packed, as `n_parts` byte strings of
    28-byte records (a u32, b u32, n u32, date_a i64, date_b i64), a pair always in one part."""

def candidate_pairs_packed(blobs: Sequence[bytes], *, min_shared: int = 8) -> Tuple[bytes, int]:
    """(the bytes of pairs.bin for these counts, the number of distinct pairs)."""

def fingerprint_reduce_packed(
    blobs: Sequence[bytes],
    n_parts: int,
    *,
    shard_docs: int,
    all_pairs_docs: int = 64,
    star_docs: int = 16,
    max_doc_freq: int = 2000,
) -> Tuple[List[bytes], Dict[str, int], List[Tuple[int, bytes]]]:
    """`fingerprint_pairs_packed` plus the document frequencies the trace stage needs:
    (shard, bytes) with shard = doc // shard_docs, of 16-byte records (doc u32, fingerprint
    u64, n_docs u32), one per document of every fingerprint held by two or more documents."""

def trace_documents(
    items: Iterable[Dict[str, Any]],
    *,
    n_docs: int,
    outlets: Sequence[str],
    boilerplate: Iterable[int],
    fingerprints: str = "anchors",
    sparse_doc_freqs: bool = False,
) -> List[str]:
    """The trace stage on records: items {"doc": record, "partners": [records],
    "doc_freqs": {fingerprint: n}} -> the JSON lines of trace-NNNNN.jsonl. With
    `sparse_doc_freqs`, fingerprints of the document missing from `doc_freqs` count 1."""

def trace_documents_packed(
    items: Iterable[Dict[str, Any]],
    doc_freqs: Sequence[bytes],
    *,
    n_docs: int,
    outlets: Sequence[str],
    boilerplate: Iterable[int],
    fingerprints: str = "anchors",
) -> List[str]:
    """`trace_documents` with items {"doc", "partners"} and the packed document frequencies of
    `fingerprint_reduce_packed` (the records of the items' shard)."""

def reuse_stage(
    out_dir: StrPath,
    traced: Sequence[str],
    texts: Callable[[List[str]], Dict[str, str]],
) -> Dict[str, Any]:
    """The reuse stage over every trace line of a run: writes the ten files of `unspun
    cluster` and reuse.done into `out_dir` (the native writer, the same bytes); `texts(ids)`
    gives the texts of the passage clusters' first members. Returns the summary's counts.
    Streams: about 80 bytes a document and 40 a passage besides the lines."""

def reuse_stage_files(
    out_dir: StrPath,
    n_shards: int,
    texts: Callable[[List[str]], Dict[str, str]],
) -> Dict[str, Any]:
    """`reuse_stage` over the run's trace files trace-00000.jsonl … (`n_shards` of them)
    already in `out_dir`, read one shard at a time."""

def sentence_counts(sentences: Iterable[Union[SentenceTuple, Record]]) -> List[Dict[str, Any]]:
    """The boilerplate stage's count over whole sentence-hash groups: the frequent sentences
    as {"hash", "n_docs", "sample", "outlets"}."""

def boilerplate_lines(
    counts: Iterable[Dict[str, Any]], docs: Iterable[Record], fingerprints: str = "anchors"
) -> List[str]:
    """The boilerplate stage's judge: the JSON lines of boilerplate.jsonl."""

def sentence_counts_packed(blobs: Sequence[bytes]) -> List[Dict[str, Any]]:
    """`sentence_counts` over packed sentence records of whole hash groups."""
