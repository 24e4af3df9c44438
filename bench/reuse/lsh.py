#!/usr/bin/env python3
"""Helpers of bench/reuse/run.sh (issue #10): the MinHash LSH peers, the conversions and the report.

  lsh.py lsh --tool rensa|datasketch --corpus corpus.jsonl --out pairs.jsonl
         [--threshold 0.5] [--num-perm 128] [--ngram 5]
      All-pairs document-level near-duplicate detection, one pass over the corpus: each
      document's MinHash (word n-grams of lower-cased \\w+ tokens, as
      ../shared/bench/reuse/make_toy_corpus.py computes its jaccard5) queries the LSH of the
      documents before it, then is inserted. Since LSH candidates are symmetric (two documents
      collide when one of their bands is equal), that is the same set of pairs as inserting
      everything and querying everything, each pair found once. Every candidate is a pair (no
      Jaccard check on top). Writes {"a", "b"} per line, prints a JSON summary.

  lsh.py links-to-pairs links.jsonl pairs.jsonl
      unspun cluster's links ("source", "copy") as {"a", "b"} lines; prints {"n_links", "n_pairs"}.

  lsh.py text-bytes corpus.jsonl
      Sum of the UTF-8 bytes of the "text" fields (the raw text the index is compared with).

  lsh.py report --work DIR --sizes "2000 20000" --out results.json [--meta meta.json]
         [--peers "rensa datasketch"]
      Reads every size's measurements from DIR/sizeN/, prints one table per size and the cost
      per document across sizes, writes every figure as JSON. Exit status 1 when any tool has
      no result (no pairs file or no score) at any size.
"""

import argparse
import json
import math
import os
import re
import resource
import sys
import time

WORD = re.compile(r"\w+")


def shingles(text, k):
    """Word k-grams of the lower-cased \\w+ tokens; a shorter text is one shingle
    (make_toy_corpus.py's shingles5)."""
    words = WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def optimal_bands(threshold, num_perm, steps=200):
    """Bands of datasketch's optimal (bands, rows) for `threshold` (equal weights on false
    positives and negatives), recomputed without SciPy (trapezoid rule) so that the rensa
    process does not import datasketch; the same as bench/peers/peers.py."""

    def area(f, lo, hi):
        h = (hi - lo) / steps
        return h * (sum(f(lo + i * h) for i in range(1, steps)) + (f(lo) + f(hi)) / 2)

    best, best_err = 1, float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = area(lambda s: 1 - (1 - s**r) ** b, 0.0, threshold)
            fn = area(lambda s: (1 - s**r) ** b, threshold, 1.0)
            if 0.5 * fp + 0.5 * fn < best_err:
                best, best_err = b, 0.5 * fp + 0.5 * fn
    return best


class Datasketch:
    def __init__(self, num_perm, threshold):
        from datasketch import MinHash, MinHashLSH

        self.MinHash = MinHash
        self.num_perm = num_perm
        # One set of permutations for every MinHash (datasketch's documented way to skip
        # regenerating them per document); seed 1 is datasketch's default.
        self.template = MinHash(num_perm=num_perm, seed=1)
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.kind = f"datasketch MinHashLSH ({self.lsh.b} bands x {self.lsh.r} rows)"

    def sketch(self, grams):
        m = self.MinHash(num_perm=self.num_perm, seed=1, permutations=self.template.permutations,
                         scheme=self.template.scheme)
        m.update_batch([g.encode("utf-8") for g in grams])
        return m

    def query_insert(self, key, m):
        found = self.lsh.query(m)
        self.lsh.insert(key, m, check_duplication=False)
        return found


class Rensa:
    def __init__(self, num_perm, threshold):
        import rensa

        self.rensa = rensa
        self.num_perm = num_perm
        # RMinHashLSH needs num_perm divisible by the number of bands: the divisor nearest to
        # datasketch's optimum (25 x 5 for 0.5 / 128 gives rensa 32 x 4), as bench/peers does.
        optimum = optimal_bands(threshold, num_perm)
        divisors = [d for d in range(1, num_perm + 1) if num_perm % d == 0]
        bands = min(divisors, key=lambda d: (abs(d - optimum), d))
        self.lsh = rensa.RMinHashLSH(threshold, num_perm, bands)
        self.kind = f"rensa RMinHashLSH ({bands} bands x {num_perm // bands} rows)"
        self.keys = []

    def sketch(self, grams):
        m = self.rensa.RMinHash(self.num_perm, 42)
        m.update(list(grams))
        return m

    def query_insert(self, key, m):
        found = [self.keys[i] for i in self.lsh.query(m)]
        self.lsh.insert(len(self.keys), m)
        self.keys.append(key)
        return found


def run_lsh(a):
    t_start = time.perf_counter()
    tool = {"datasketch": Datasketch, "rensa": Rensa}[a.tool](a.num_perm, a.threshold)
    t_imported = time.perf_counter()
    n_docs = n_pairs = 0
    sketch_secs = lsh_secs = 0.0
    with open(a.corpus, encoding="utf-8") as corpus, open(a.out, "w", encoding="utf-8") as out:
        for line in corpus:
            if not line.strip():
                continue
            doc = json.loads(line)
            key = str(doc["id"])
            t0 = time.perf_counter()
            m = tool.sketch(shingles(doc["text"], a.ngram))
            t1 = time.perf_counter()
            found = tool.query_insert(key, m)
            lsh_secs += time.perf_counter() - t1
            sketch_secs += t1 - t0
            for other in found:
                if other != key:
                    out.write(json.dumps({"a": other, "b": key}) + "\n")
                    n_pairs += 1
            n_docs += 1
    done = time.perf_counter()
    json.dump({"tool": a.tool, "lsh": tool.kind, "threshold": a.threshold, "num_perm": a.num_perm,
               "ngram": a.ngram, "n_docs": n_docs, "n_pairs": n_pairs,
               "setup_secs": t_imported - t_start, "run_secs": done - t_imported,
               "shingle_minhash_secs": sketch_secs, "lsh_query_insert_secs": lsh_secs,
               "peak_rss_mib_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0},
              sys.stdout, indent=1)
    print()
    return 0 if n_docs else 1


def links_to_pairs(a):
    n_links = 0
    seen = set()
    with open(a.links, encoding="utf-8") as links, open(a.pairs, "w", encoding="utf-8") as out:
        for line in links:
            if not line.strip():
                continue
            link = json.loads(line)
            n_links += 1
            x, y = str(link["source"]), str(link["copy"])
            key = (x, y) if x < y else (y, x)
            if x != y and key not in seen:
                seen.add(key)
                out.write(json.dumps({"a": x, "b": y}) + "\n")
    print(json.dumps({"n_links": n_links, "n_pairs": len(seen)}))
    return 0


def text_bytes(a):
    total = 0
    with open(a.corpus, encoding="utf-8") as corpus:
        for line in corpus:
            if line.strip():
                total += len(json.loads(line)["text"].encode("utf-8"))
    print(total)
    return 0


# ---------------------------------------------------------------- report


def gnu_time(path):
    """Wall seconds, peak RSS (MB = 10^6 bytes), CPU % and exit status of a `/usr/bin/time -v`
    report; None where missing."""
    res = {"wall_secs": None, "peak_rss_mb": None, "cpu_percent": None, "user_secs": None,
           "sys_secs": None}
    if not os.path.exists(path):
        return res
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        val = line.rsplit(":", 1)[-1].strip()
        if line.startswith("Maximum resident set size"):
            res["peak_rss_mb"] = int(val) * 1024 / 1e6
        elif line.startswith("Percent of CPU this job got"):
            res["cpu_percent"] = int(val.rstrip("%") or 0) if val.rstrip("%").isdigit() else None
        elif line.startswith("User time"):
            res["user_secs"] = float(val)
        elif line.startswith("System time"):
            res["sys_secs"] = float(val)
        elif line.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            res["wall_secs"] = sum(v * 60**i for i, v in enumerate(reversed(parts)))
    return res


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def recall(score, group):
    r = (score or {}).get("recall", {}).get(group)
    return r["recall"] if r else None


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def ratio(x, y):
    return x / y if x is not None and y else None


def size_report(work, n, peers):
    d = os.path.join(work, f"size{n}")
    stats = load_json(os.path.join(work, f"toy{n}", "stats.json")) or {}
    tools = {}
    failed = []

    ix, cl = gnu_time(os.path.join(d, "unspun-index.time")), gnu_time(os.path.join(d, "unspun-cluster.time"))
    # Resident memory split by run.sh's sampler: allocated (anonymous) and mapped index files.
    for t, name in ((ix, "unspun-index"), (cl, "unspun-cluster")):
        t.update(load_json(os.path.join(d, f"{name}.rss.json")) or {})
    cluster = load_json(os.path.join(d, "unspun-cluster.json")) or {}
    index_summary = load_json(os.path.join(d, "unspun-index.json")) or {}
    sizes = load_json(os.path.join(d, "sizes.json")) or {}
    unspun_score = load_json(os.path.join(d, "unspun.score.json"))
    wall = ix["wall_secs"] + cl["wall_secs"] if ix["wall_secs"] is not None and cl["wall_secs"] is not None else None
    rss = max(v for v in (ix["peak_rss_mb"], cl["peak_rss_mb"], 0.0) if v is not None) or None
    unspun = {
        "wall_secs": wall, "peak_rss_mb": rss, "index": ix, "cluster": cl,
        "score": unspun_score,
        "index_summary": {k: index_summary.get(k) for k in ("n_docs_in_index", "text_bytes", "elapsed_secs",
                                                            "docs_per_sec", "mb_per_sec")},
        "index_bytes": sizes.get("index_bytes"), "raw_text_bytes": sizes.get("raw_text_bytes"),
        "index_over_raw": ratio(sizes.get("index_bytes"), sizes.get("raw_text_bytes")),
        "cluster_stages": [{"stage": s.get("stage"), "secs": s.get("secs"), "skipped": s.get("skipped")}
                           for s in cluster.get("stages", [])],
        "cluster_pairs": cluster.get("pairs"),
        "cluster_counts": {k: cluster.get(k) for k in ("n_links", "n_strong_links", "n_boilerplate",
                                                       "n_doc_clusters", "n_passage_clusters",
                                                       "n_spilled_bytes", "n_pair_records")},
        "cluster_out_bytes": sizes.get("cluster_out_bytes"),
        "ms_per_doc": wall / n * 1e3 if wall is not None else None,
    }
    tools["unspun"] = unspun
    if unspun_score is None:
        failed.append("unspun")
        unspun["wall_secs"] = unspun["ms_per_doc"] = wall = None
    # The same job without an index (cluster --input), when run.sh ran it.
    ci = gnu_time(os.path.join(d, "unspun-input.time"))
    ci.update(load_json(os.path.join(d, "unspun-input.rss.json")) or {})
    input_summary = load_json(os.path.join(d, "unspun-input.json")) or {}
    ci["score"] = load_json(os.path.join(d, "unspun-input.score.json"))
    ci["stages"] = [{"stage": s.get("stage"), "secs": s.get("secs")} for s in input_summary.get("stages", [])]
    ci["links_same_bytes"] = sizes.get("input_links_same_bytes")
    has_input = os.path.exists(os.path.join(d, "unspun-input.time"))
    if has_input and ci["score"] is None:
        failed.append("unspun-input")
        ci["wall_secs"] = None
    ci["ms_per_doc"] = ci["wall_secs"] / n * 1e3 if ci.get("wall_secs") is not None else None
    if has_input:
        tools["unspun-input"] = ci
    for peer in peers:
        t = gnu_time(os.path.join(d, f"{peer}.time"))
        t["summary"] = load_json(os.path.join(d, f"{peer}.json"))
        t["score"] = load_json(os.path.join(d, f"{peer}.score.json"))
        if t["score"] is None:
            failed.append(peer)
            t["wall_secs"] = None  # a failed run's time is no figure
        t["ms_per_doc"] = t["wall_secs"] / n * 1e3 if t["wall_secs"] is not None else None
        tools[peer] = t

    rows = [("unspun index + cluster", unspun, unspun_score),
            ("  unspun index", ix, None), ("  unspun cluster", cl, None)]
    if has_input:
        rows.append(("unspun cluster --input (no index)", ci, ci["score"]))
    for peer in peers:
        lsh = (tools[peer]["summary"] or {}).get("lsh", peer)
        rows.append((lsh, tools[peer], tools[peer]["score"]))
    head = ("| tool | wall s | peak RSS MB | CPU % | recall all | exact | near | patchwork parts "
            "| related unplanted | false pairs | pairs reported |")
    lines = [head, "|" + "---|" * 11]
    for label, t, sc in rows:
        if t is unspun and "unspun" in failed or t is ci and "unspun-input" in failed \
                or t in [tools[p] for p in failed if p not in ("unspun", "unspun-input")]:
            label += " (FAILED: no result)"
        cpu = t.get("cpu_percent")
        if t is unspun:
            cpu = None
        lines.append("| " + " | ".join([
            label, fmt(t.get("wall_secs"), ".2f"), fmt(t.get("peak_rss_mb"), ".0f"), fmt(cpu, "d"),
            fmt(recall(sc, "all planted"), ".4f"), fmt(recall(sc, "exact"), ".4f"),
            fmt(recall(sc, "near"), ".4f"), fmt(recall(sc, "patchwork"), ".4f"),
            fmt((sc or {}).get("related_unplanted"), ",d") if sc else "",
            fmt((sc or {}).get("false_pairs"), ",d") if sc else "",
            fmt((sc or {}).get("reported_pairs"), ",d") if sc else ""]) + " |")
    ratios = {p: ratio(wall, tools[p]["wall_secs"]) for p in peers}
    input_ratios = {p: ratio(ci.get("wall_secs"), tools[p]["wall_secs"]) for p in peers}
    notes = [
        (", ".join(f"unspun wall / {p} wall = {fmt(ratios[p], '.2f')}x" for p in peers) or "no peers run")
        + " (unspun = index + cluster)",
        f"cost per document (index + cluster wall): {fmt(unspun['ms_per_doc'], '.3f')} ms/doc; "
        + ", ".join(f"{p} {fmt(tools[p]['ms_per_doc'], '.3f')}" for p in peers),
        f"index on disk {fmt(sizes.get('index_bytes'), ',d')} B / raw text {fmt(sizes.get('raw_text_bytes'), ',d')} B"
        f" = {fmt(unspun['index_over_raw'], '.3f')}x",
        "cluster stages (s): " + ", ".join(f"{s['stage']} {fmt(s['secs'], '.2f')}" + (" (skipped)" if s["skipped"] else "")
                                           for s in unspun["cluster_stages"]),
        "cluster pairs: " + json.dumps(unspun["cluster_pairs"]),
    ]
    if has_input:
        notes += [
            (", ".join(f"unspun cluster --input wall / {p} wall = {fmt(input_ratios[p], '.2f')}x" for p in peers)
             or "no peers run") + f"; its links the bytes of index + cluster: {ci['links_same_bytes']}",
            "cluster --input stages (s): " + ", ".join(f"{s['stage']} {fmt(s['secs'], '.2f')}" for s in ci["stages"]),
        ]
    notes += [
        "cluster: " + ", ".join(f"{k} {v}" for k, v in unspun["cluster_counts"].items()),
        f"cluster output (--out after the run) {fmt(sizes.get('cluster_out_bytes'), ',d')} B",
        "resident memory peaks (MB, sampled every 0.5 s): "
        + ", ".join(f"{name} allocated {fmt(t.get('peak_anon_mb'), '.0f')}, mapped files {fmt(t.get('peak_file_mb'), '.0f')}"
                    for name, t in (("index", ix), ("cluster", cl), ("cluster --input", ci)) if t.get("wall_secs")),
    ]
    if stats:
        rel = stats.get("relations", {})
        notes.insert(0, f"{stats.get('docs'):,} documents ({stats.get('base'):,} base, {stats.get('exact'):,} exact, "
                        f"{stats.get('near'):,} near, {stats.get('patchwork_docs'):,} patchworks), "
                        f"{sum(rel.values()):,} planted relations ({rel.get('exact')} exact, {rel.get('near')} near, "
                        f"{rel.get('patchwork')} patchwork parts), {stats.get('total_chars'):,} chars, seed {stats.get('seed')}")
    loads = load_json(os.path.join(d, "loads.json"))
    if loads:
        notes.append("load average (1 min) before each step: "
                     + ", ".join(f"{k} {v}" for k, v in loads.items()))
    table = "\n".join(lines)
    return {"docs": n, "corpus": stats, "tools": tools, "unspun_wall_over": ratios,
            "unspun_input_wall_over": input_ratios if has_input else None, "table_markdown": table,
            "notes": notes, "loads_before_step": loads, "failed": failed}


def run_report(a):
    sizes = [int(s) for s in a.sizes.split()]
    peers = a.peers.split()
    tools = ["unspun"] + peers
    meta = load_json(a.meta) if a.meta else None
    per_size = []
    for n in sizes:
        r = size_report(a.work, n, peers)
        per_size.append(r)
        if "unspun-input" in r["tools"] and "unspun-input" not in tools:
            tools.insert(1, "unspun-input")
        print(f"\n## {n:,} documents\n")
        print(r["table_markdown"])
        print()
        for note in r["notes"]:
            print("- " + note)
    scaling = []
    for prev, cur in zip(per_size, per_size[1:]):
        entry = {"from": prev["docs"], "to": cur["docs"]}
        for tool in tools:
            x = prev["tools"].get(tool, {}).get("ms_per_doc")
            y = cur["tools"].get(tool, {}).get("ms_per_doc")
            entry[tool] = {"ms_per_doc": [x, y], "ratio": ratio(y, x),
                           "exponent": 1 + math.log(y / x) / math.log(cur["docs"] / prev["docs"]) if x and y else None}
        scaling.append(entry)
    if per_size:
        print("\n## cost per document (ms/doc of wall; unspun = index + cluster)\n")
        print("| docs | " + " | ".join(tools) + " |")
        print("|---" * (1 + len(tools)) + "|")
        for r in per_size:
            print(f"| {r['docs']:,} | " + " | ".join(fmt(r["tools"].get(t, {}).get("ms_per_doc"), ".3f")
                                                for t in tools) + " |")
        for e in scaling:
            print(f"- {e['from']:,} -> {e['to']:,}: " + "; ".join(
                f"{t} x{fmt(e[t]['ratio'], '.2f')} per doc (wall ~ N^{fmt(e[t]['exponent'], '.2f')})"
                for t in tools))
    failed = {r["docs"]: r["failed"] for r in per_size if r["failed"]}
    with open(a.out, "w", encoding="utf-8") as out:
        json.dump({"meta": meta, "sizes": per_size, "cost_per_doc_between_sizes": scaling, "failed": failed},
                  out, indent=1)
    if failed:
        print(f"lsh.py report: no result from {failed}", file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("lsh")
    s.add_argument("--tool", choices=["datasketch", "rensa"], required=True)
    s.add_argument("--corpus", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--threshold", type=float, default=0.5)
    s.add_argument("--num-perm", type=int, default=128)
    s.add_argument("--ngram", type=int, default=5)
    s = sub.add_parser("links-to-pairs")
    s.add_argument("links")
    s.add_argument("pairs")
    s = sub.add_parser("text-bytes")
    s.add_argument("corpus")
    s = sub.add_parser("report")
    s.add_argument("--work", required=True)
    s.add_argument("--sizes", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--meta")
    s.add_argument("--peers", default="rensa datasketch")
    a = p.parse_args()
    return {"lsh": run_lsh, "links-to-pairs": links_to_pairs, "text-bytes": text_bytes,
            "report": run_report}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
