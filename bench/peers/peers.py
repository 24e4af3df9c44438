"""Peer comparison of unspun with MinHash LSH tools (issue #3, part 3).

Two commands, both run by bench/peers/run.sh:

  peers.py lsh --tool datasketch|rensa --corpus FILE --truth FILE
      Streams the shared corpus (JSON Lines written by `unspun-bench peers plant-duplicates`),
      builds a MinHash of the word 3-shingles of every document (num_perm 128) and inserts it
      into an LSH index (threshold 0.5, or --threshold), then queries every planted copy, timing each query from
      its raw text (shingling + MinHash + LSH lookup) as unspun's trace is timed from its text.
      Prints one JSON object: ingest docs/s and MB/s, query latency p50/p99, peak RSS, LSH size
      (pickle) and recall/precision of the planted (copy, original) pairs.

  peers.py compare --unspun-index JSON --unspun-index-time FILE ... --out results.json
      Gathers the figures of every tool, prints one table with the ratios unspun / peer and
      writes it as JSON. Exits 1 if any tool produced no result.

The LSH candidates are scored as they come (no Jaccard check on top), minus the query itself.
"""

import argparse
import json
import pickle
import re
import resource
import sys
import time

WORD = re.compile(r"\w+")


def shingles(text, k=3):
    """Word k-shingles of `text`, lowercased; a shorter text is one shingle."""
    words = WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def percentile(sorted_ms, p):
    """Nearest rank, as unspun-bench does."""
    if not sorted_ms:
        return 0.0
    idx = min(max(int(-(-p * len(sorted_ms) // 1)), 1), len(sorted_ms)) - 1
    return sorted_ms[idx]


def optimal_bands(threshold, num_perm, steps=200):
    """Bands of datasketch's optimal (bands, rows) for `threshold`, equal weights on false
    positives and negatives; recomputed here (trapezoid rule, no SciPy) so that the rensa
    process does not import datasketch and its NumPy/SciPy."""

    def area(f, lo, hi):
        h = (hi - lo) / steps
        return h * (sum(f(lo + i * h) for i in range(1, steps)) + (f(lo) + f(hi)) / 2)

    best, best_err = 1, float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = area(lambda s: 1 - (1 - s ** r) ** b, 0.0, threshold)
            fn = area(lambda s: (1 - s ** r) ** b, threshold, 1.0)
            if 0.5 * fp + 0.5 * fn < best_err:
                best, best_err = b, 0.5 * fp + 0.5 * fn
    return best


class Datasketch:
    name = "datasketch"

    def __init__(self, num_perm, threshold):
        from datasketch import MinHash, MinHashLSH

        self.MinHash = MinHash
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands = (self.lsh.b, self.lsh.r)
        self.lsh_kind = f"datasketch MinHashLSH ({self.lsh.b} bands x {self.lsh.r} rows)"

    def sketch(self, text):
        m = self.MinHash(num_perm=self.num_perm, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        return m

    def insert(self, key, m):
        self.lsh.insert(key, m)

    def query(self, m):
        return self.lsh.query(m)


class Rensa:
    name = "rensa"

    def __init__(self, num_perm, threshold):
        import rensa

        self.rensa = rensa
        self.num_perm = num_perm
        # RMinHashLSH needs num_perm divisible by the number of bands: it gets the divisor
        # nearest to datasketch's optimum (for 0.5 / 128 that is 25 bands x 5 rows, so rensa
        # gets 32 x 4, whose S-curve crosses 0.5 a little lower: more candidates).
        optimum = optimal_bands(threshold, num_perm)
        divisors = [d for d in range(1, num_perm + 1) if num_perm % d == 0]
        n_bands = min(divisors, key=lambda d: (abs(d - optimum), d))
        self.bands = (n_bands, num_perm // n_bands)
        self.lsh = rensa.RMinHashLSH(threshold, num_perm, n_bands)
        self.lsh_kind = f"rensa RMinHashLSH ({n_bands} bands x {num_perm // n_bands} rows)"
        self.keys = []

    def sketch(self, text):
        m = self.rensa.RMinHash(self.num_perm, 42)
        m.update(list(shingles(text)))
        return m

    def insert(self, key, m):
        self.lsh.insert(len(self.keys), m)
        self.keys.append(key)

    def query(self, m):
        return [self.keys[i] for i in self.lsh.query(m)]


def run_lsh(args):
    tool = {"datasketch": Datasketch, "rensa": Rensa}[args.tool](args.num_perm, args.threshold)
    truth = [json.loads(line) for line in open(args.truth, encoding="utf-8") if line.strip()]
    wanted = {pair["copy_id"] for pair in truth}
    originals = {pair["original_id"] for pair in truth}
    copies = {}
    original_texts = {}
    rss_start = peak_rss_mib()

    n_docs = 0
    text_bytes = 0
    started = time.perf_counter()
    with open(args.corpus, encoding="utf-8") as corpus:
        for line in corpus:
            if not line.strip():
                continue
            doc = json.loads(line)
            text = doc["text"]
            text_bytes += len(text.encode("utf-8"))
            tool.insert(doc["id"], tool.sketch(text))
            if doc["id"] in wanted:
                copies[doc["id"]] = text
            if doc["id"] in originals:
                original_texts[doc["id"]] = text
            n_docs += 1
    ingest_secs = time.perf_counter() - started
    rss_ingest = peak_rss_mib()

    latencies = []
    n_found = 0
    n_returned = 0
    n_with_candidate = 0
    by_rate = {}
    for pair in truth:
        text = copies[pair["copy_id"]]
        t0 = time.perf_counter()
        found = tool.query(tool.sketch(text))
        latencies.append((time.perf_counter() - t0) * 1e3)
        found = set(found) - {pair["copy_id"]}
        n_returned += len(found)
        n_with_candidate += bool(found)
        hit = pair["original_id"] in found
        n_found += hit
        lo = int(pair["substitution_rate"] / 0.05) * 0.05
        bin_ = by_rate.setdefault(f"{lo:.2f}-{lo + 0.05:.2f}", [0, 0])
        bin_[0] += hit
        bin_[1] += 1
    latencies.sort()

    # Exact Jaccard of the shingle sets of each planted pair (untimed): what LSH estimates.
    jaccards = []
    for pair in truth:
        a, b = shingles(copies[pair["copy_id"]]), shingles(original_texts[pair["original_id"]])
        jaccards.append(len(a & b) / max(len(a | b), 1))
    jaccards.sort()

    lsh_bytes = len(pickle.dumps(tool.lsh, protocol=pickle.HIGHEST_PROTOCOL))
    result = {
        "tool": tool.name,
        "lsh": tool.lsh_kind,
        "bands_rows": tool.bands,
        "threshold": args.threshold,
        "n_docs": n_docs,
        "text_mb": text_bytes / 1e6,
        "ingest_secs": ingest_secs,
        "docs_per_sec": n_docs / ingest_secs,
        "mb_per_sec": text_bytes / 1e6 / ingest_secs,
        "n_queries": len(truth),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "mean_ms": sum(latencies) / max(len(latencies), 1),
        "n_found": n_found,
        "n_returned": n_returned,
        "n_with_candidate": n_with_candidate,
        "recall": n_found / max(len(truth), 1),
        # Pairs: every (copy, candidate) returned, the query itself left out.
        "precision": n_found / n_returned if n_returned else 0.0,
        "recall_by_rate": dict(sorted(by_rate.items())),
        "planted_jaccard_p10_p50_p90": [percentile(jaccards, p) for p in (0.1, 0.5, 0.9)],
        "index_bytes": lsh_bytes,
        "index_size_kind": "pickle of the LSH (in memory only)",
        # Peak at the end of ingest (comparable with `unspun index`), and at the very end.
        "peak_rss_mib": rss_ingest,
        "peak_rss_end_mib": peak_rss_mib(),
        "rss_after_imports_mib": rss_start,
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0 if n_found else 1


def gnu_time(path):
    """Wall seconds and peak RSS (MiB) from a `/usr/bin/time -v` report."""
    wall = rss = cpu = None
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(":", 1)[1]) / 1024.0
        elif line.startswith("Percent of CPU this job got"):
            cpu = int(line.rsplit(":", 1)[1].strip().rstrip("%") or 0)
        elif line.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    return wall, rss, cpu


def ratio(a, b):
    return a / b if a and b else None


def run_compare(args):
    index = json.load(open(args.unspun_index, encoding="utf-8"))
    index_wall, index_rss, index_cpu = gnu_time(args.unspun_index_time)
    trace = json.load(open(args.unspun_trace, encoding="utf-8"))
    _, trace_rss, _ = gnu_time(args.unspun_trace_time)
    unspun = {
        "tool": "unspun",
        "n_docs": index.get("n_docs_in_index"),
        "ingest_secs": index["elapsed_secs"],
        "ingest_wall_secs": index_wall,
        "cpu_percent": index_cpu,
        "docs_per_sec": index["docs_per_sec"],
        "mb_per_sec": index["mb_per_sec"],
        "peak_rss_mib": index_rss,
        "trace_peak_rss_mib": trace_rss,
        "index_bytes": args.unspun_index_bytes,
        "index_size_kind": "index directory on disk (du -sb), documents stored",
        "n_queries": trace["n_queries"],
        "p50_ms": trace["latency"]["p50_ms"],
        "p99_ms": trace["latency"]["p99_ms"],
        "mean_ms": trace["latency"]["mean_ms"],
        "n_found": trace["n_found"],
        "n_returned": trace["n_predicted"],
        "recall": trace["recall"],
        "precision": trace["precision"],
        "n_copy_verdict": trace["n_copy_verdict"],
        "mean_sentences_with_source": trace["mean_sentences_with_source"],
        "recall_by_rate": trace["recall_by_rate"],
    }
    peers = []
    for path in args.peer:
        peer = json.load(open(path, encoding="utf-8"))
        time_path = path.rsplit(".", 1)[0] + ".time"
        peer["gnu_time_wall_secs"], peer["gnu_time_peak_rss_mib"], peer["cpu_percent"] = gnu_time(
            time_path
        )
        peers.append(peer)

    rows = [
        ("ingest docs/s", "docs_per_sec", "{:,.0f}", True),
        ("ingest MB/s of text", "mb_per_sec", "{:.2f}", True),
        ("ingest time (s)", "ingest_secs", "{:.2f}", False),
        ("CPU, whole process (% of one core)", "cpu_percent", "{}%", None),
        ("query p50 (ms)", "p50_ms", "{:.2f}", False),
        ("query p99 (ms)", "p99_ms", "{:.2f}", False),
        ("peak RSS, ingest (MiB)", "peak_rss_mib", "{:.0f}", False),
        ("index size (MB)", "index_mb", "{:.1f}", False),
        ("recall of planted pairs", "recall", "{:.3f}", True),
        ("precision of returned pairs", "precision", "{:.3f}", True),
        ("pairs returned", "n_returned", "{:,}", None),
    ]
    for tool in [unspun] + peers:
        tool["index_mb"] = tool["index_bytes"] / 1e6
    ratios = {}
    header = "| | unspun | " + " | ".join(p["tool"] for p in peers)
    header += " | " + " | ".join(f"unspun / {p['tool']}" for p in peers) + " |"
    lines = [header, "|---" * (2 + 2 * len(peers)) + "|"]
    for label, key, fmt, _higher_is_better in rows:
        cells = [fmt.format(unspun[key])] + [fmt.format(p[key]) for p in peers]
        for p in peers:
            r = ratio(unspun[key], p[key])
            ratios.setdefault(p["tool"], {})[key] = r
            shown = r is not None and key not in ("n_returned", "cpu_percent")
            cells.append(f"{r:.2f}x" if shown else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    notes = [
        f"{unspun['n_docs']:,} documents ({unspun['n_queries']} planted copies among them); "
        "every tool read the same JSONL file in the same run.",
        "unspun: `unspun index` (summary docs/s, MB/s; peak RSS from /usr/bin/time -v); queries "
        "are full traces (`unspun-bench peers trace-planted`), a copy counts as found when its "
        "top origin is its original; precision = found / copies with any origin.",
        "peers: MinHash (num_perm 128, word 3-shingles) + LSH threshold "
        f"{peers[0]['threshold'] if peers else '?'}; ingest = JSON parse "
        "+ shingling + MinHash + insert; a query = shingling + MinHash + LSH lookup of the copy's "
        "text; candidates other than the copy itself are returned pairs (no Jaccard check).",
        "LSH: " + "; ".join(p["lsh"] for p in peers) + " (rensa needs a divisor of num_perm).",
        "Index size: unspun's is the on-disk index with the stored documents; the peers' is the "
        "pickle of the in-memory LSH (signatures and keys only, no text).",
        "The peers are document-level tools: they say which documents are near-duplicates. "
        "unspun also gives passages: for each found copy, on average "
        f"{unspun['mean_sentences_with_source']:.1f} sentences aligned to their source spans, "
        "with substitutions.",
    ]
    print(table)
    print()
    for note in notes:
        print("- " + note)
    print("recall by asked substitution rate (found, copies):")
    for tool in [unspun] + peers:
        print(f"  {tool['tool']:<11}", tool["recall_by_rate"])
    if peers:
        j = peers[0]["planted_jaccard_p10_p50_p90"]
        print(f"exact word-3-shingle Jaccard of planted pairs p10/p50/p90: "
              f"{j[0]:.3f} / {j[1]:.3f} / {j[2]:.3f}")
    result = {"table_markdown": table, "notes": notes, "unspun": unspun, "peers": peers,
              "ratios_unspun_over_peer": ratios}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2)
    failed = [t["tool"] for t in [unspun] + peers if not t.get("n_found")]
    if failed or not peers:
        print(f"peers.py: no result from {failed or 'any peer'}", file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lsh = sub.add_parser("lsh")
    lsh.add_argument("--tool", choices=["datasketch", "rensa"], required=True)
    lsh.add_argument("--corpus", required=True)
    lsh.add_argument("--truth", required=True)
    lsh.add_argument("--num-perm", type=int, default=128)
    lsh.add_argument("--threshold", type=float, default=0.5)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("--unspun-index", required=True, help="`unspun index --json` output")
    cmp_.add_argument("--unspun-index-time", required=True, help="its /usr/bin/time -v report")
    cmp_.add_argument("--unspun-index-bytes", type=int, required=True)
    cmp_.add_argument("--unspun-trace", required=True, help="`trace-planted --json` output")
    cmp_.add_argument("--unspun-trace-time", required=True)
    cmp_.add_argument("--peer", action="append", default=[], help="`lsh` output (.json)")
    cmp_.add_argument("--out", required=True)
    args = parser.parse_args()
    return run_lsh(args) if args.command == "lsh" else run_compare(args)


if __name__ == "__main__":
    sys.exit(main())
