"""unspun: where did this text come from? Python bindings of the unspun engine.

The same Rust code as the ``unspun`` binary, in-process:

- ``Index(path)`` opens an index; ``Index.trace(text, title=None, date=None)`` returns the
  dict of ``unspun trace --json`` (schema ``unspun.trace/1``); ``Index.stats()`` that of
  ``unspun stats --json``.
- ``index(path, corpora, ...)`` builds or extends an index as ``unspun index`` does;
  ``read_corpus`` reads corpora as it does, ``read_jsonl_range`` a byte range of a large JSON
  Lines file (the ranges of ``corpus_splits``), ``read_jsonl_lines`` its lines as bytes (from any
  filesystem Spark reads), ``read_parquet_row_groups`` a run of row groups of a Parquet file
  (the runs of ``parquet_splits``).
- The corpus stages of ``unspun cluster`` as functions on batches of records (lists of dicts,
  or Arrow record batches and tables for the document functions), for any engine:
  ``document_prints`` (map), ``fingerprint_pairs`` (reduce by fingerprint),
  ``candidate_pairs``, and their ``*_packed`` forms over byte strings of fixed-size records
  (what ``unspun.spark`` shuffles); ``group_pairs`` and ``pair_direction`` are the rules
  under them. ``trace_documents`` is the trace stage over records (each document with its
  partners and the document frequencies of its fingerprints), for an engine without the
  index (``trace_documents_packed`` with the frequencies ``fingerprint_reduce_packed``
  gives); ``reuse_stage`` builds links and clusters from the trace lines and writes the
  files of ``unspun cluster``; ``sentence_counts`` and ``boilerplate_lines`` are the
  boilerplate stage's count and judge. ``python -m unspun.spark`` runs them on Apache Spark.

Errors are ``UnspunError`` (``BadRecordError`` for a bad input record, with ``path``,
``line``, ``field`` and ``reason``), ``ValueError`` or ``TypeError`` for bad arguments.
"""

import functools as _functools

from . import _unspun
from ._unspun import (
    A_SOURCE_OF_B,
    B_SOURCE_OF_A,
    UNDATED,
    BadRecordError,
    Index,
    UnspunError,
    boilerplate_lines,
    candidate_pairs,
    candidate_pairs_packed,
    corpus_splits,
    document_prints,
    document_prints_packed,
    fingerprint_pairs,
    fingerprint_pairs_packed,
    fingerprint_reduce_packed,
    group_pairs,
    index,
    pair_direction,
    parquet_splits,
    read_corpus,
    read_jsonl_lines,
    read_jsonl_range,
    read_parquet_row_groups,
    reuse_stage,
    reuse_stage_files,
    sentence_counts,
    sentence_counts_packed,
    trace_documents,
    trace_documents_packed,
)

__all__ = [
    "A_SOURCE_OF_B",
    "B_SOURCE_OF_A",
    "UNDATED",
    "BadRecordError",
    "Index",
    "UnspunError",
    "boilerplate_lines",
    "candidate_pairs",
    "candidate_pairs_packed",
    "corpus_splits",
    "document_prints",
    "document_prints_packed",
    "fingerprint_pairs",
    "fingerprint_pairs_packed",
    "fingerprint_reduce_packed",
    "group_pairs",
    "index",
    "pair_direction",
    "parquet_splits",
    "read_corpus",
    "read_jsonl_lines",
    "read_jsonl_range",
    "read_parquet_row_groups",
    "reuse_stage",
    "reuse_stage_files",
    "sentence_counts",
    "sentence_counts_packed",
    "trace_documents",
    "trace_documents_packed",
]


def _accept_arrow(native):
    """``native`` taking its first argument, a batch of record dicts, also as an Arrow
    ``RecordBatch`` or ``Table`` (anything with ``to_pylist()``), as engines hand them over."""

    @_functools.wraps(native)
    def wrapper(records, *args, **kwargs):
        if hasattr(records, "to_pylist"):
            records = records.to_pylist()
        return native(records, *args, **kwargs)

    return wrapper


document_prints = _accept_arrow(_unspun.document_prints)
document_prints_packed = _accept_arrow(_unspun.document_prints_packed)
