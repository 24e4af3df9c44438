"""Collects the measurements of bench/scaling/run.sh: results.json, docs/scaling.md, the plot.

Reads WORK/SIZE/{scale-up.log,scale-up.time,index.json,index.time,index.bytes,trace.json,
trace.time} for every size that has been measured so far (a partial run gives a partial curve).
"""

import argparse
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402


def short(n):
    """1000 -> 1k, 65669 -> 66k, 1000000 -> 1M."""
    if n >= 1_000_000:
        return f"{n / 1e6:g}M"
    if n >= 1000:
        return f"{n / 1e3:.0f}k"
    return str(n)


def gnu_time(path):
    """Wall seconds, peak RSS (MiB), CPU % and user+sys seconds of a `/usr/bin/time -v` file."""
    out = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            if key.startswith("Elapsed (wall clock) time"):
                secs = 0.0
                for part in value.split(":"):
                    secs = secs * 60 + float(part)
                out["wall_secs"] = secs
            elif key == "Maximum resident set size (kbytes)":
                out["peak_rss_mib"] = int(value) / 1024
            elif key == "Percent of CPU this job got":
                out["cpu_percent"] = int(value.rstrip("%") or 0)
            elif key in ("User time (seconds)", "System time (seconds)"):
                out["cpu_secs"] = out.get("cpu_secs", 0.0) + float(value)
            elif key == "Exit status":
                out["exit_status"] = int(value)
    return out


def measure(work, size):
    d = os.path.join(work, size)
    needed = ["index.json", "index.time", "index.bytes", "trace.json", "trace.time"]
    if not all(os.path.exists(os.path.join(d, n)) for n in needed):
        return None
    with open(os.path.join(d, "index.json")) as f:
        index = json.load(f)
    with open(os.path.join(d, "trace.json")) as f:
        trace = json.load(f)
    with open(os.path.join(d, "index.bytes")) as f:
        index_bytes = int(f.read().strip())
    real = perturbed = None
    log = os.path.join(d, "scale-up.log")
    if os.path.exists(log):
        m = re.search(r"\((\d+) real, (\d+) perturbed copies", open(log).read())
        if m:
            real, perturbed = int(m.group(1)), int(m.group(2))
    return {
        "size": size,
        "n_docs": index["n_docs_in_index"],
        "n_real": real,
        "n_perturbed": perturbed,
        "scale_up": gnu_time(os.path.join(d, "scale-up.time")),
        "index": {
            "elapsed_secs": index["elapsed_secs"],
            "docs_per_sec": index["docs_per_sec"],
            "mb_per_sec": index["mb_per_sec"],
            "text_bytes": index["text_bytes"],
            "bytes_read": index["bytes_read"],
            "n_skipped": index["n_skipped"],
            "n_duplicate": index["n_duplicate"],
            **gnu_time(os.path.join(d, "index.time")),
        },
        "index_bytes": index_bytes,
        "trace": {
            "open_ms": trace["open_ms"],
            "all": trace["all"],
            "patchwork": trace["patchwork"],
            "whole_article": trace["whole_article"],
            "traces_per_sec": trace["traces_per_sec"],
            "mean_candidates": trace["mean_candidates"],
            "mean_alignments": trace["mean_alignments"],
            "patchwork_found_share": trace["patchwork_found_share"],
            "whole_with_source_share": trace["whole_with_source_share"],
            "peak_rss_mib": trace["peak_rss_mib"],
            "process": gnu_time(os.path.join(d, "trace.time")),
        },
    }


def table(rows):
    head = (
        "| documents | real / perturbed | index wall (s) | docs/s | MB/s | CPU | peak RSS index "
        "(MiB) | index size (MB) | bytes/doc | open (ms) | trace p50 / p90 / p99 (ms) "
        "| patchwork p50 / whole p50 (ms) | candidates / trace | patchworks found "
        "| peak RSS trace (MiB) |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        i, t = r["index"], r["trace"]
        real = f"{r['n_real']:,} / {r['n_perturbed']:,}" if r["n_real"] is not None else ""
        lines.append(
            f"| {r['n_docs']:,} | {real} | {i['elapsed_secs']:.1f} ({i.get('wall_secs', 0):.1f}) "
            f"| {i['docs_per_sec']:,.0f} | {i['mb_per_sec']:.1f} | {i.get('cpu_percent', 0)}% "
            f"| {i.get('peak_rss_mib', 0):,.0f} | {r['index_bytes'] / 1e6:,.1f} "
            f"| {r['index_bytes'] / max(r['n_docs'], 1):,.0f} | {t['open_ms']:.1f} "
            f"| {t['all']['p50_ms']:.1f} / {t['all']['p90_ms']:.1f} / {t['all']['p99_ms']:.1f} "
            f"| {t['patchwork']['p50_ms']:.1f} / {t['whole_article']['p50_ms']:.1f} "
            f"| {t['mean_candidates']:.1f} | {100 * t['patchwork_found_share']:.0f}% "
            f"| {t['process'].get('peak_rss_mib', 0):,.0f} |"
        )
    return "\n".join(lines)


def plot(rows, png):
    xs = [r["n_docs"] for r in rows]
    real_max = max((r["n_real"] or 0 for r in rows), default=0) if any(r["n_perturbed"] for r in rows) else 0
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), dpi=110)
    panels = [
        (axes[0][0], "Index time (s, wall)", [("unspun index", [r["index"]["elapsed_secs"] for r in rows])]),
        (axes[0][1], "Peak RSS (MiB)", [
            ("unspun index", [r["index"].get("peak_rss_mib", 0) for r in rows]),
            ("trace-latency (mapped index incl.)", [r["trace"]["process"].get("peak_rss_mib", 0) for r in rows]),
        ]),
        (axes[1][0], "Index size on disk (MB)", [("du -sb", [r["index_bytes"] / 1e6 for r in rows])]),
        (axes[1][1], "Trace latency (ms, 1 thread)", [
            ("p50", [r["trace"]["all"]["p50_ms"] for r in rows]),
            ("p99", [r["trace"]["all"]["p99_ms"] for r in rows]),
        ]),
    ]
    for ax, title, series in panels:
        for label, ys in series:
            ax.plot(xs, ys, marker="o", label=label)
            for x, y in zip(xs, ys):
                ax.annotate(f"{y:,.0f}" if y >= 10 else f"{y:.1f}", (x, y),
                            textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(xs, [short(x) for x in xs])
        if real_max:
            ax.axvline(real_max, color="grey", linestyle=":", linewidth=1)
            ax.annotate("← real | perturbed copies →", (real_max, 0.02), xycoords=("data", "axes fraction"),
                        ha="center", fontsize=7, color="grey")
        ax.set_title(title)
        ax.set_xlabel("documents in the corpus (log)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("unspun scaling: real articles, then perturbed copies (2 cores)")
    fig.tight_layout()
    fig.savefig(png)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--sizes", required=True)
    p.add_argument("--commit", required=True)
    p.add_argument("--queries", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--md", required=True)
    p.add_argument("--png", required=True)
    a = p.parse_args()
    sizes = a.sizes.split()
    rows = [m for m in (measure(a.work, s) for s in sizes) if m is not None]
    if not rows:
        sys.exit("report.py: nothing measured yet")
    rows.sort(key=lambda r: r["n_docs"])
    missing = [s for s in sizes if measure(a.work, s) is None]
    with open(a.results, "w") as f:
        json.dump({"commit": a.commit, "queries": a.queries, "seed": a.seed,
                   "sizes": sizes, "missing": missing, "rows": rows}, f, indent=2)
    cmd = f"SIZES=\"{a.sizes}\" bench/scaling/run.sh"
    md = f"""# Scaling curve

Index time, peak memory, index size and trace latency of unspun against corpus size (issue #3
part 3), made by one command (release build of commit {a.commit}, 2 cores, seed {a.seed},
{a.queries} trace queries per size):

```sh
CARGO_TARGET_DIR=/work/target-scale {cmd}
```

![scaling curve](scaling.png)

{table(rows)}

- Corpora: `unspun-bench scale-up` streams the real articles of allsides, reuters21578, bbc,
  isot_sample, fakehealth, fakenews_small and basil (`../shared/data/*/articles.jsonl.gz`, in
  that order; 1k and 10k are the first articles, so allsides only), then, past the real ones,
  perturbed copies of them: sentences dropped (10%) and swapped, words spun with the patchwork
  generator's built-in thesaurus (30% of the substitutable words), entity mentions aliased
  (30%), dates shifted 1–365 days. Every copy is a near-duplicate of a real article, so beyond
  the real size each article has more and more sources in the index.
- index wall: the summary's `elapsed_secs` (writer open to commit), in brackets the whole
  process under `/usr/bin/time -v`; docs/s and MB/s (of body text) from the summary; CPU is the
  process's share of one core; peak RSS is `Maximum resident set size`.
- index size: `du -sb` of the index directory.
- trace: `unspun-bench trace-latency --queries {a.queries}` — one `Index::open` (maps every
  segment, verifies every checksum), then half spun patchworks of indexed documents, half whole
  indexed articles (traced with their own id), one after the other on one thread;
  nearest-rank percentiles. Its peak RSS includes the mapped index files.
"""
    if missing:
        md += f"\nNot measured (the run stopped or is still going): {', '.join(missing)}.\n"
    # What follows KEPT_MARKER (figures of other benches, written by hand) survives a rerun.
    try:
        with open(a.md, encoding="utf-8") as f:
            old = f.read()
        if KEPT_MARKER in old:
            md += "\n" + old[old.index(KEPT_MARKER):]
    except OSError:
        pass
    with open(a.md, "w") as f:
        f.write(md)
    plot(rows, a.png)
    print(table(rows))


KEPT_MARKER = "<!-- kept by bench/scaling/report.py: the corpus job at scale -->"


if __name__ == "__main__":
    main()
