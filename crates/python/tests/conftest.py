"""Fixtures: the real `unspun` binary, a synthetic corpus and real Reuters wires, indexed by
the binary, so that every Python result is compared with what the CLI gives."""

import gzip
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"


def unspun_binary() -> Path:
    """The CLI: $UNSPUN_BIN, else the repository's debug build (`cargo build` makes it)."""
    path = Path(os.environ.get("UNSPUN_BIN", REPO / "target" / "debug" / "unspun"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `cargo build` first (or set UNSPUN_BIN)")
    return path


def run_cli(*args, ok_codes=(0,)):
    """Runs the CLI and returns its stdout; fails the test on an unexpected exit code."""
    proc = subprocess.run(
        [str(unspun_binary()), *map(str, args)], capture_output=True, text=True, check=False
    )
    assert proc.returncode in ok_codes, f"unspun {args}: exit {proc.returncode}: {proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="session")
def toy(tmp_path_factory):
    """300 synthetic documents with planted copies (../shared/bench/reuse), indexed by the CLI."""
    out = tmp_path_factory.mktemp("toy")
    script = SHARED / "bench" / "reuse" / "make_toy_corpus.py"
    subprocess.run(
        [sys.executable, str(script), "--docs", "300", "--seed", "7", "--out-dir", str(out)],
        check=True,
        capture_output=True,
    )
    index = out / "index"
    run_cli("index", "--index", index, out / "corpus.jsonl", "--quiet")
    corpus, truth = out / "corpus.jsonl", out / "truth.jsonl"
    return {"dir": out, "corpus": corpus, "index": index, "truth": truth}


@pytest.fixture(scope="session")
def reuters(tmp_path_factory):
    """The first 400 Reuters-21578 records (../shared/data), indexed by the CLI."""
    out = tmp_path_factory.mktemp("reuters")
    corpus = out / "reuters.jsonl"
    with gzip.open(SHARED / "data" / "reuters21578" / "articles.jsonl.gz", "rt") as src:
        corpus.write_text("".join(itertools.islice(src, 400)))
    index = out / "index"
    run_cli("index", "--index", index, corpus, "--quiet")
    return {"dir": out, "corpus": corpus, "index": index}


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def footers(toy, tmp_path_factory):
    """120 synthetic documents that are no copies (new ids), with an outlet footer and a
    corpus-wide stock line appended: a corpus with boilerplate of both scopes, indexed by the
    CLI."""
    out = tmp_path_factory.mktemp("footers")
    truth = read_jsonl(toy["truth"])
    related = {t["copy"] for t in truth} | {t["source"] for t in truth}
    docs = [d for d in read_jsonl(toy["corpus"]) if d["id"] not in related][:120]
    corpus = out / "corpus.jsonl"
    with open(corpus, "w") as f:
        for i, d in enumerate(docs):
            extra = ""
            if d["source"] == docs[0]["source"]:
                extra += " Subscribe to the morning briefing for the stories that matter today."
            if i % 10 == 0:
                extra += " Terms of the agreement were not disclosed by either of the parties."
            f.write(json.dumps(dict(d, id="f-" + d["id"], text=d["text"] + extra)) + "\n")
    index = out / "index"
    run_cli("index", "--index", index, corpus, "--quiet")
    return {"dir": out, "corpus": corpus, "index": index}
