"""`python -m unspun.spark pairs` on Spark local[2] against the native `unspun cluster`."""

import json
import subprocess
import sys

from conftest import read_jsonl, run_cli


def test_spark_pairs_equal_native_cluster_bytes(toy, reuters, footers, tmp_path):
    # Three corpora (one with boilerplate) and a fourth repeating three ids of the first: the
    # index skips those, and numbers the documents after the 19 bad Reuters records without
    # them.
    first = read_jsonl(toy["corpus"])[:3]
    dups = tmp_path / "dups.jsonl"
    dups.write_text(
        "".join(json.dumps(dict(r, text=r["text"][::-1])) + "\n" for r in first)
        + json.dumps({"id": "new-1", "text": first[0]["text"], "date": "2021-01-01"})
        + "\n"
    )
    inputs = [toy["corpus"], reuters["corpus"], footers["corpus"], dups]
    index = tmp_path / "index"
    run_cli("index", "--index", index, *inputs, "--quiet")
    native = tmp_path / "native"
    run_cli("cluster", "--index", index, "--out", native, "--quiet")
    out = tmp_path / "spark"
    proc = subprocess.run(
        [sys.executable, "-m", "unspun.spark", "pairs", "--master", "local[2]",
         "--input", *map(str, inputs), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["n_candidates"] > 20
    assert (native / "boilerplate.jsonl").read_text().count("\n") >= 2
    for name in ("boilerplate.jsonl", "pairs.bin", "pairs.json"):
        assert (out / name).read_bytes() == (native / name).read_bytes(), name
