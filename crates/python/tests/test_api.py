"""The Python API against the CLI: traces, stats, index building, errors."""

import json

import pytest
import unspun

from conftest import read_jsonl, run_cli


def cli_trace(index, tmp_path, article):
    """`unspun trace --json` of one JSON article (exit 1 means a copy was found)."""
    path = tmp_path / "article.json"
    path.write_text(json.dumps(article))
    return json.loads(run_cli("trace", "--index", index, "--json", path, ok_codes=(0, 1)))


def spun(text):
    """An edited copy: every fifth word dropped, so the trace has work to do."""
    words = text.split(" ")
    return " ".join(w for i, w in enumerate(words) if i % 5 != 3)


def test_trace_equals_cli_json_on_planted_copies(toy, tmp_path):
    idx = unspun.Index(toy["index"])
    docs = {d["id"]: d for d in read_jsonl(toy["corpus"])}
    copies = [t["copy"] for t in read_jsonl(toy["truth"])][:6]
    assert copies
    n_copied = 0
    for doc_id in copies:
        doc = docs[doc_id]
        # As indexed (its own id excluded from its sources), and as an edited new article.
        for article in (
            {"id": doc_id, "text": doc["text"], "date": doc["date"]},
            {"title": "A headline", "text": spun(doc["text"])},
        ):
            expected = cli_trace(toy["index"], tmp_path, article)
            got = idx.trace(
                article["text"],
                title=article.get("title"),
                date=article.get("date"),
                id=article.get("id"),
            )
            assert got == expected
            n_copied += got["verdict"]["kind"] != "original"
    # The comparison is about real findings, not empty reports.
    assert n_copied >= 6


def test_trace_equals_cli_json_on_reuters(reuters, tmp_path):
    idx = unspun.Index(reuters["index"])
    records = [r for r in read_jsonl(reuters["corpus"]) if r.get("text")][:40:8]
    for r in records:
        article = {"title": r["title"], "text": r["text"], "date": r["date"]}
        assert idx.trace(r["text"], title=r["title"], date=r["date"]) == cli_trace(
            reuters["index"], tmp_path, article
        )


def test_trace_date_as_seconds_equals_iso(toy):
    idx = unspun.Index(toy["index"])
    doc = read_jsonl(toy["corpus"])[5]
    by_string = idx.trace(doc["text"], date="2020-06-05")
    by_seconds = idx.trace(doc["text"], date=1591315200)
    assert by_string == by_seconds


def test_stats_equal_cli(toy):
    idx = unspun.Index(toy["index"])
    assert idx.stats() == json.loads(run_cli("stats", "--index", toy["index"], "--json"))
    assert len(idx) == idx.stats()["n_docs"] == 300
    assert idx.doc_ids() == list(range(300))
    assert idx.doc_id("d000000") == 0 and idx.doc_id("nope") is None


def test_index_builds_what_the_cli_builds_and_extends(toy, tmp_path):
    corpus = toy["corpus"]
    lines = corpus.read_text().splitlines(keepends=True)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:200]))
    second.write_text("".join(lines[150:]))
    path = tmp_path / "index"
    report = unspun.index(path, [first])
    assert (report["n_added"], report["n_skipped"], report["n_docs_in_index"]) == (200, 0, 200)
    report = unspun.index(path, [second])
    assert (report["n_added"], report["n_duplicate"], report["n_docs_in_index"]) == (100, 50, 300)
    ours, theirs = unspun.Index(path), unspun.Index(toy["index"])
    mine, cli = ours.stats(), theirs.stats()
    for key in ("n_docs", "n_postings", "n_outlets", "date_min", "date_max", "top_outlets"):
        assert mine[key] == cli[key], key
    doc = read_jsonl(corpus)[125]
    assert ours.trace(doc["text"]) == theirs.trace(doc["text"])


def test_documents_are_the_records_read(reuters):
    read = unspun.read_corpus([reuters["corpus"]])
    docs = read["documents"]
    # 19 of the 400 records have no text: skipped with their line, never numbered.
    assert len(read["bad_records"]) == 19 and len(docs) == 381
    assert {b["reason"] for b in read["bad_records"]} <= {"empty-text", "missing-text"}
    assert all(isinstance(b["line"], int) and b["path"] for b in read["bad_records"])
    idx = unspun.Index(reuters["index"])
    indexed = idx.documents(idx.doc_ids())
    assert [d["doc"] for d in indexed] == list(range(381))
    strip = lambda d: {k: v for k, v in d.items() if k != "doc"}  # noqa: E731
    assert [strip(d) for d in indexed] == [strip(d) for d in docs]
    with pytest.raises(IndexError, match="DocId 381"):
        idx.documents([381])


def test_errors_name_the_file_line_and_field(tmp_path):
    with pytest.raises(unspun.UnspunError, match="not an unspun index"):
        unspun.Index(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Fine text here."}\n{"id": "b", "text": 7}\n')
    with pytest.raises(unspun.BadRecordError) as caught:
        unspun.index(tmp_path / "strict", [bad], strict=True)
    err = caught.value
    assert (err.path, err.line, err.field) == (str(bad), 2, "text")
    assert f"{bad}:2" in str(err)
    assert isinstance(err, unspun.UnspunError)
    only_bad = tmp_path / "only_bad.jsonl"
    only_bad.write_text('{"id": "b", "text": 7}\n')
    with pytest.raises(unspun.UnspunError, match=r"nothing was indexed.*only_bad.jsonl:1"):
        unspun.index(tmp_path / "none", [only_bad])
    with pytest.raises(unspun.UnspunError, match="missing.jsonl"):
        unspun.index(tmp_path / "x", [tmp_path / "missing.jsonl"])
    assert not (tmp_path / "x").exists()  # nothing created before the corpora were opened
    with pytest.raises(ValueError, match="fingerprints"):
        unspun.index(tmp_path / "y", [bad], fingerprints="nope")
    with pytest.raises(unspun.BadRecordError, match="bad.jsonl:2"):
        unspun.read_corpus([bad], strict=True)


def test_trace_argument_errors(toy):
    idx = unspun.Index(toy["index"])
    with pytest.raises(ValueError, match="empty"):
        idx.trace("   ")
    with pytest.raises(ValueError, match="cannot parse the date"):
        idx.trace("Some text.", date="the day after tomorrow")
    with pytest.raises(TypeError, match="a date is"):
        idx.trace("Some text.", date=3.5)
