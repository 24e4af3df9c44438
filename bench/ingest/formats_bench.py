#!/usr/bin/env python3
"""Ingest speed of the same real documents as JSON Lines, JSONL.gz and Parquet (#12).

Reads the articles of ../shared/data (every set with an articles.jsonl.gz), writes them once
as JSON Lines, as JSONL.gz (gzip level 6) and as Parquet (pyarrow, snappy and zstd, row
groups of 10,000 rows: what pandas, Spark and Hugging Face datasets write), then indexes each
with `unspun index` (fresh index every run, median of --runs) and prints, per format: wall
seconds, documents/s, MB/s of the file on disk and MB/s of the documents' text, the ratio to
JSONL.gz, and the documents indexed (which must agree). As a peer it also times pyarrow's own
`pq.read_table` of the Parquet file (decoding only, no indexing).

Needs pyarrow (pip install pyarrow) for writing the Parquet files; unspun reads them with its
own reader. Nothing is written into the repository.

Usage: python3 bench/ingest/formats_bench.py [--bin target/release/unspun] [--docs 40000]
           [--data ../shared/data] [--out /tmp/unspun-formats-bench] [--runs 3]
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def load(data_dir, limit):
    docs = []
    for name in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, name, "articles.jsonl.gz")
        if not os.path.exists(path):
            continue
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if not isinstance(rec.get("text"), str) or not rec["text"].strip():
                    continue
                docs.append({
                    "id": f"{name}/{rec['id']}",
                    "title": rec.get("title") if isinstance(rec.get("title"), str) else None,
                    "text": rec["text"],
                    "date": rec.get("date") if isinstance(rec.get("date"), str) else None,
                    "source": rec.get("source") if isinstance(rec.get("source"), str) else None,
                    "url": rec.get("url") if isinstance(rec.get("url"), str) else None,
                })
                if len(docs) >= limit:
                    return docs
    return docs


def index_once(binary, corpus, out_dir):
    idx = os.path.join(out_dir, "idx")
    shutil.rmtree(idx, ignore_errors=True)
    start = time.perf_counter()
    run = subprocess.run([binary, "index", "--quiet", "--json", "--index", idx, corpus],
                         capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"unspun index {corpus} failed: {run.stderr}")
    return wall, json.loads(run.stdout)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(here, "../../target/release/unspun"))
    parser.add_argument("--data", default=os.path.join(here, "../../../shared/data"))
    parser.add_argument("--docs", type=int, default=40000)
    parser.add_argument("--out", default="/tmp/unspun-formats-bench")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(args.out, exist_ok=True)
    docs = load(args.data, args.docs)
    text_mb = sum(len(d["text"].encode()) for d in docs) / 1e6
    files = {}
    path = os.path.join(args.out, "docs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    files["jsonl"] = path
    gz = path + ".gz"
    with open(path, "rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst)
    files["jsonl.gz"] = gz
    table = pa.Table.from_pylist(docs)
    for codec in ["snappy", "zstd"]:
        p = os.path.join(args.out, f"docs.{codec}.parquet")
        pq.write_table(table, p, compression=codec, row_group_size=10000)
        files[f"parquet ({codec})"] = p

    load_avg = os.getloadavg()
    print(f"{len(docs)} documents, {text_mb:.1f} MB of text; {os.cpu_count()} cores, "
          f"load average before {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}")
    print(f"{'format':<18}{'file MB':>9}{'wall s':>9}{'docs/s':>9}{'file MB/s':>11}"
          f"{'text MB/s':>11}{'vs gz':>8}{'indexed':>9}")
    results = {}
    for name, path in files.items():
        walls, summary = [], None
        for _ in range(args.runs):
            wall, summary = index_once(args.bin, path, args.out)
            walls.append(wall)
        results[name] = (statistics.median(walls), summary["n_added"], summary["dates"])
    base = results["jsonl.gz"][0]
    for name, path in files.items():
        wall, n_added, _ = results[name]
        size = os.path.getsize(path) / 1e6
        print(f"{name:<18}{size:>9.1f}{wall:>9.2f}{n_added / wall:>9.0f}{size / wall:>11.1f}"
              f"{text_mb / wall:>11.1f}{wall / base:>8.2f}{n_added:>9}")
    counts = {n for _, n, _ in results.values()}
    dates = {json.dumps(d, sort_keys=True) for _, _, d in results.values()}
    print("same documents indexed from every format:", len(counts) == 1 and len(dates) == 1)
    for codec in ["snappy", "zstd"]:
        p = files[f"parquet ({codec})"]
        start = time.perf_counter()
        pq.read_table(p)
        print(f"peer: pyarrow read_table ({codec}) {time.perf_counter() - start:.2f} s "
              "(decoding only)")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
