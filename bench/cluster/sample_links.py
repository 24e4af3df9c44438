#!/usr/bin/env python3
"""Sample links of an `unspun cluster` run for a human (or a reviewer) to judge.

    python3 bench/cluster/sample_links.py --corpus /tmp/all.jsonl --unspun /tmp/all.cluster \
        --n 100 --seed 7 --out /tmp/links-sample.md [--strong-only]

Writes a Markdown file with, for each sampled link: its kind, shares both ways, outlets,
dates, and the aligned text of its passages (source and copy, up to 500 characters each,
at most 3 passages), numbered so that judgements can be recorded as `N: yes|no reason`.
Only the standard library: runs with any python3.
"""

import argparse
import gzip
import json
import random


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, help="the JSON Lines corpus that was indexed")
    ap.add_argument("--unspun", required=True, help="the output directory of unspun cluster")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--strong-only", action="store_true")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    links = []
    with open(f"{args.unspun}/links.jsonl", encoding="utf-8") as f:
        for line in f:
            link = json.loads(line)
            if link["strong"] or not args.strong_only:
                links.append(link)
    rng = random.Random(args.seed)
    sample = rng.sample(links, min(args.n, len(links)))
    wanted = {l["source"] for l in sample} | {l["copy"] for l in sample}
    texts = {}
    with open_text(args.corpus) as f:
        for line in f:
            rec = json.loads(line)
            if str(rec.get("id")) in wanted:
                texts[str(rec["id"])] = rec.get("text") or ""

    with open(args.out, "w", encoding="utf-8") as out:
        out.write(f"# {len(sample)} links sampled from {len(links)} (seed {args.seed})\n\n")
        for n, link in enumerate(sample, 1):
            out.write(
                f"## {n}. {link['kind']} — {link['source']} ({link['source_outlet']}, "
                f"{link['source_date']}) → {link['copy']} ({link['copy_outlet']}, {link['copy_date']})\n"
            )
            out.write(
                f"copy_share {link['copy_share']:.2f}, source_share {link['source_share']:.2f}, "
                f"{link['n_passages']} passages, {link['n_chars']} chars, alterations "
                f"{','.join(link['alterations'])}, similarity {link['similarity']:.2f}\n\n"
            )
            source, copy = texts.get(link["source"], ""), texts.get(link["copy"], "")
            for p in link["passages"][:3]:
                s = source[p["source_char_start"]:p["source_char_end"]][:500].replace("\n", " ")
                c = copy[p["copy_char_start"]:p["copy_char_end"]][:500].replace("\n", " ")
                out.write(f"- S: {s}\n- C: {c}\n\n")
    print(f"wrote {args.out}: {len(sample)} links")


if __name__ == "__main__":
    main()
