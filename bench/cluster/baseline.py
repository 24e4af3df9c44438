"""Document-level MinHash LSH baseline for `unspun cluster`.

    baseline.py --corpus FILE [--unspun OUTDIR] [--threshold 0.5] [--num-perm 128]
                [--shingle-words 5] [--seed 1] [--examples 5] [--json OUT]
    baseline.py --self-test

Streams the corpus (JSON Lines, gzip or not, one document per line with "id" and "text"),
builds a datasketch MinHash of the set of word k-shingles of every document (lower-cased \\w+
tokens; a document shorter than k words is one shingle, one without any word is not sketched
and stays a singleton), inserts it into a MinHashLSH at --threshold, then queries every document
and keeps the candidate pairs whose estimated Jaccard (share of equal hash values) is at least
--threshold. Those pairs are joined with union-find into clusters (singletons allowed).

With --unspun OUTDIR (the output directory of `unspun cluster`: documents.jsonl, links.jsonl)
only the documents present in both the corpus and OUTDIR/documents.jsonl are sketched, and the
two clusterings are compared on them: adjusted Rand index (a null cluster is a singleton),
clusters of size >= 2 and co-clustered pairs on each side and in both, unspun's strong links by
kind and how many of them MinHash pairs directly or puts in one cluster, pairs only unspun finds
(strong links across MinHash clusters) and only MinHash finds (LSH pairs across unspun
clusters), with seeded random examples of each (texts re-read from the corpus) to judge by hand.

Prints the tables on stdout, progress on stderr, and writes everything to --json.
"""

import argparse
import gzip
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from array import array
from collections import Counter

WORD = re.compile(r"\w+")
LINK_KINDS = ("exact_copy", "near_duplicate", "contains", "contained_in", "partial")
SNIPPET_CHARS = 150


# ---------------------------------------------------------------------------------------------
# Input


def open_text(path):
    """A text stream of `path`, gunzipped when it starts with the gzip magic."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def iter_jsonl(path):
    """(line number, object) for every non-blank line of a JSON Lines file."""
    with open_text(path) as stream:
        for lineno, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as err:
                raise SystemExit(f"baseline.py: {path}:{lineno}: bad JSON: {err}")


def words_of(text):
    return WORD.findall(text.lower())


def shingles(text, k):
    """Word k-shingles of `text` (lower-cased \\w+ tokens). Shorter than k words: one shingle of
    all its words; no word at all: the empty set (the document is not sketched)."""
    words = words_of(text)
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def exact_jaccard(a, b):
    return len(a & b) / len(a | b) if a or b else 0.0


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def read_unspun(outdir):
    """documents: id -> (outlet, date, cluster, verdict); links: list of tuples
    (source, copy, kind, strong, copy_share, source_share, n_passages, n_chars, lag_days)."""
    docs_path = os.path.join(outdir, "documents.jsonl")
    links_path = os.path.join(outdir, "links.jsonl")
    for path in (docs_path, links_path):
        if not os.path.isfile(path):
            raise SystemExit(f"baseline.py: {path} not found (is {outdir} an `unspun cluster` --out?)")
    docs = {}
    n_dup = 0
    for lineno, obj in iter_jsonl(docs_path):
        if "id" not in obj or "cluster" not in obj:
            raise SystemExit(f"baseline.py: {docs_path}:{lineno}: needs \"id\" and \"cluster\"")
        if obj["id"] in docs:
            n_dup += 1
            continue
        docs[obj["id"]] = (obj.get("outlet"), obj.get("date"), obj["cluster"], obj.get("verdict"))
    links = []
    kinds = {k: k for k in LINK_KINDS}  # interned kind strings
    for lineno, obj in iter_jsonl(links_path):
        try:
            kind = obj["kind"]
            links.append((obj["source"], obj["copy"], kinds.setdefault(kind, kind),
                          bool(obj["strong"]), obj.get("copy_share"), obj.get("source_share"),
                          obj.get("n_passages"), obj.get("n_chars"), obj.get("lag_days")))
        except KeyError as err:
            raise SystemExit(f"baseline.py: {links_path}:{lineno}: missing field {err}")
    return docs, links, n_dup


# ---------------------------------------------------------------------------------------------
# Clusterings


class UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, x):
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                ra, rb = rb, ra
            self.parent[ra] = rb
            return True
        return False

    def labels(self):
        return [self.find(x) for x in range(len(self.parent))]


def comb2(n):
    return n * (n - 1) // 2


def singletons_apart(labels):
    """Labels where every None gets a label of its own (a singleton cluster)."""
    return [("singleton", i) if lab is None else ("cluster", lab) for i, lab in enumerate(labels)]


def adjusted_rand_index(labels_a, labels_b):
    """ARI of two clusterings of the same items (lists of labels, None = a singleton), from the
    contingency table (Hubert & Arabie 1985):

        index    = sum_ij C(n_ij, 2)
        expected = sum_i C(a_i, 2) * sum_j C(b_j, 2) / C(n, 2)
        max      = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2
        ARI      = (index - expected) / (max - expected)

    The denominator is 0 only when both clusterings are all singletons or both one cluster,
    i.e. identical: ARI 1.0 then (as scikit-learn does). Exact integer sums; returns
    (ari, index, sum_a, sum_b, n)."""
    if len(labels_a) != len(labels_b):
        raise ValueError("clusterings of different lengths")
    la, lb = singletons_apart(labels_a), singletons_apart(labels_b)
    n = len(la)
    index = sum(comb2(c) for c in Counter(zip(la, lb)).values())
    sum_a = sum(comb2(c) for c in Counter(la).values())
    sum_b = sum(comb2(c) for c in Counter(lb).values())
    total = comb2(n)
    if total == 0:
        return 1.0, index, sum_a, sum_b, n
    expected = sum_a * sum_b / total
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0, index, sum_a, sum_b, n
    return (index - expected) / (maximum - expected), index, sum_a, sum_b, n


def cluster_sizes(labels):
    """Sizes of the clusters of size >= 2 (None = singleton), largest first."""
    return sorted((c for lab, c in Counter(l for l in labels if l is not None).items() if c >= 2),
                  reverse=True)


# ---------------------------------------------------------------------------------------------
# The run


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # noqa: BLE001 - a missing version is not an error here
        return None


QUIET = False


def log(msg):
    if not QUIET:
        print(msg, file=sys.stderr, flush=True)


def run(args, out=sys.stdout):
    from datasketch import MinHash, MinHashLSH
    import numpy as np

    started_all = time.perf_counter()
    rss_start = peak_rss_mib()
    unspun_docs = links = None
    n_unspun_dup = 0
    if args.unspun:
        unspun_docs, links, n_unspun_dup = read_unspun(args.unspun)
        log(f"unspun: {len(unspun_docs):,} documents, {len(links):,} links "
            f"({sum(l[3] for l in links):,} strong) in {args.unspun}")

    # --- ingest: stream, shingle, MinHash, insert ------------------------------------------------
    template = MinHash(num_perm=args.num_perm, seed=args.seed)
    scheme, perms = template.scheme, template.permutations
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    ids, idx_of, sources = [], {}, []
    rows = []  # hash values of every ingested document (None: no word, not sketched)
    n_lines = n_dup = n_corpus_only = n_empty = 0
    text_bytes = n_shingles = 0
    t0 = time.perf_counter()
    for lineno, doc in iter_jsonl(args.corpus):
        n_lines += 1
        doc_id = doc.get("id")
        if doc_id is None:
            raise SystemExit(f"baseline.py: {args.corpus}:{lineno}: no \"id\"")
        doc_id = str(doc_id)
        if doc_id in idx_of:
            n_dup += 1
            continue
        if unspun_docs is not None and doc_id not in unspun_docs:
            n_corpus_only += 1
            continue
        text = doc.get("text") or ""
        text_bytes += len(text.encode("utf-8"))
        idx = len(ids)
        ids.append(doc_id)
        idx_of[doc_id] = idx
        sources.append(doc.get("source"))
        sh = shingles(text, args.shingle_words)
        if not sh:
            n_empty += 1
            rows.append(None)
            continue
        n_shingles += len(sh)
        m = template.copy()
        m.update_batch([s.encode("utf-8") for s in sh])
        lsh.insert(idx, m, check_duplication=False)
        rows.append(m.hashvalues)
        if len(ids) % 10000 == 0:
            log(f"  ingested {len(ids):,} documents, {time.perf_counter() - t0:.1f} s")
    ingest_secs = time.perf_counter() - t0
    rss_ingest = peak_rss_mib()
    n = len(ids)
    log(f"ingest: {n:,} documents ({n_empty:,} without words), {ingest_secs:.1f} s")
    if n == 0:
        raise SystemExit("baseline.py: no document to cluster (do the ids match?)")

    sketched = np.array([r is not None for r in rows], dtype=bool)
    filler = np.zeros(args.num_perm, dtype=template.hashvalues.dtype)
    H = np.vstack([r if r is not None else filler for r in rows])
    del rows

    # unspun's labels per ingested document: the cluster id, a unique label for a singleton.
    if unspun_docs is not None:
        ulab_list = [unspun_docs[i][2] for i in ids]
        remap = {}
        ulab = np.empty(n, dtype=np.int64)
        for k, lab in enumerate(ulab_list):
            ulab[k] = -1 - k if lab is None else remap.setdefault(lab, len(remap))
        # Links between ingested documents, keyed by the unordered pair lo * n + hi.
        link_idx = []  # (i, j, link number)
        n_links_unmatched = 0
        for li, l in enumerate(links):
            a, b = idx_of.get(l[0]), idx_of.get(l[1])
            if a is None or b is None or a == b:
                n_links_unmatched += 1
                continue
            link_idx.append((min(a, b), max(a, b), li))
        link_keys = np.array([i * n + j for i, j, _ in link_idx], dtype=np.int64)
        order = np.argsort(link_keys, kind="stable")
        link_keys_sorted = link_keys[order]
        link_paired = np.zeros(len(link_idx), dtype=bool)  # found as an LSH pair

    # --- query every document, keep pairs at or above the threshold -----------------------------
    uf = UnionFind(n)
    n_candidates = n_pairs = n_pairs_co_unspun = 0
    only_m_i, only_m_j, only_m_est = array("i"), array("i"), array("f")
    est_hist = Counter()
    t0 = time.perf_counter()
    for i in range(n):
        if not sketched[i]:
            continue
        probe = MinHash(num_perm=args.num_perm, seed=args.seed, hashvalues=H[i],
                        permutations=perms, scheme=scheme)
        cand = [j for j in lsh.query(probe) if j > i]
        if not cand:
            continue
        n_candidates += len(cand)
        cand = np.array(cand, dtype=np.int64)
        est = np.count_nonzero(H[cand] == H[i], axis=1) / args.num_perm
        keep = est >= args.threshold
        if not keep.any():
            continue
        js, est = cand[keep], est[keep]
        n_pairs += len(js)
        for b in np.minimum((est * 10).astype(np.int64), 9):
            est_hist[int(b)] += 1
        for j in js.tolist():
            uf.union(i, j)
        if unspun_docs is not None:
            co = ulab[js] == ulab[i]
            n_pairs_co_unspun += int(co.sum())
            apart = ~co
            only_m_i.extend([i] * int(apart.sum()))
            only_m_j.extend(js[apart].tolist())
            only_m_est.extend(est[apart].tolist())
            if len(link_keys_sorted):
                keys = i * n + js
                pos = np.searchsorted(link_keys_sorted, keys)
                pos_c = np.minimum(pos, len(link_keys_sorted) - 1)
                hit = link_keys_sorted[pos_c] == keys
                # every link with that key (a pair may have more than one link line)
                for key, p in zip(keys[hit].tolist(), pos_c[hit].tolist()):
                    while p < len(link_keys_sorted) and link_keys_sorted[p] == key:
                        link_paired[order[p]] = True
                        p += 1
    query_secs = time.perf_counter() - t0
    rss_query = peak_rss_mib()
    mlab = uf.labels()
    msizes = cluster_sizes([mlab[k] if sketched[k] else None for k in range(n)])
    log(f"query: {n_candidates:,} candidate pairs, {n_pairs:,} at >= {args.threshold}, "
        f"{query_secs:.1f} s")

    minhash = {
        "lsh": f"datasketch MinHashLSH, {lsh.b} bands x {lsh.r} rows, scheme {scheme}",
        "bands_rows": [lsh.b, lsh.r],
        "n_docs": n,
        "n_docs_without_words": n_empty,
        "text_mb": text_bytes / 1e6,
        "n_shingles": n_shingles,
        "ingest_secs": ingest_secs,
        "docs_per_sec": n / ingest_secs if ingest_secs else None,
        "mb_per_sec": text_bytes / 1e6 / ingest_secs if ingest_secs else None,
        "query_secs": query_secs,
        "queries_per_sec": int(sketched.sum()) / query_secs if query_secs else None,
        "n_candidate_pairs": n_candidates,
        "n_pairs": n_pairs,
        "pairs_by_estimated_jaccard": {f"{b / 10:.1f}-{(b + 1) / 10:.1f}": est_hist[b]
                                       for b in sorted(est_hist)},
        "n_clusters_2plus": len(msizes),
        "n_docs_in_clusters": sum(msizes),
        "largest_clusters": msizes[:10],
        "n_coclustered_pairs": sum(comb2(s) for s in msizes),
        "peak_rss_mib_ingest": rss_ingest,
        "peak_rss_mib_query": rss_query,
        "rss_after_imports_mib": rss_start,
    }
    result = {
        "params": {"corpus": args.corpus, "unspun": args.unspun, "threshold": args.threshold,
                   "num_perm": args.num_perm, "shingle_words": args.shingle_words,
                   "seed": args.seed, "examples": args.examples},
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "datasketch": _version("datasketch")},
        "corpus": {"n_lines": n_lines, "n_duplicate_ids_skipped": n_dup,
                   "n_not_in_unspun": n_corpus_only},
        "minhash": minhash,
    }

    if unspun_docs is not None:
        result.update(compare(args, ids, idx_of, sources, sketched, H, mlab, ulab, ulab_list,
                              unspun_docs, links, link_idx, link_paired, n_links_unmatched,
                              n_unspun_dup, n_pairs, n_pairs_co_unspun,
                              (only_m_i, only_m_j, only_m_est)))
    minhash["peak_rss_mib_end"] = peak_rss_mib()
    result["elapsed_secs"] = time.perf_counter() - started_all
    report(result, out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        log(f"results: {args.json}")
    return result


def compare(args, ids, idx_of, sources, sketched, H, mlab, ulab, ulab_list, unspun_docs, links,
            link_idx, link_paired, n_links_unmatched, n_unspun_dup, n_pairs, n_pairs_co_unspun,
            only_m):
    import numpy as np

    n = len(ids)
    num_perm = H.shape[1]
    # MinHash labels with None for documents that were not sketched (always singletons).
    mlabels = [mlab[k] if sketched[k] else None for k in range(n)]
    ari, both, sum_u, sum_m, _ = adjusted_rand_index(ulab_list, mlabels)
    usizes = cluster_sizes(ulab_list)
    mlab_arr = np.array([mlab[k] if sketched[k] else -1 - k for k in range(n)], dtype=np.int64)

    def est_jaccard(i, j):
        if not (sketched[i] and sketched[j]):
            return 0.0
        return float(np.count_nonzero(H[i] == H[j]) / num_perm)

    # unspun's links between ingested documents, by kind and strength.
    by_kind = {}
    only_u = []  # link numbers of strong links across MinHash clusters
    n_strong = n_strong_paired = n_strong_co = 0
    n_strong_across_unspun = 0
    uf_strong = UnionFind(n)
    for (i, j, li), paired in zip(link_idx, link_paired.tolist()):
        l = links[li]
        kind, strong = l[2], l[3]
        co = bool(mlab_arr[i] == mlab_arr[j])
        est = est_jaccard(i, j)
        row = by_kind.setdefault(("strong" if strong else "weak", kind),
                                 {"n": 0, "minhash_pairs": 0, "minhash_coclusters": 0, "est": []})
        row["n"] += 1
        row["minhash_pairs"] += paired
        row["minhash_coclusters"] += co
        row["est"].append(est)
        if strong:
            n_strong += 1
            n_strong_paired += paired
            n_strong_co += co
            uf_strong.union(i, j)
            if ulab[i] != ulab[j]:
                n_strong_across_unspun += 1
            if not co:
                only_u.append(li)
    kinds_table = []
    for (strength, kind), row in sorted(by_kind.items(),
                                        key=lambda kv: (kv[0][0] != "strong",
                                                        LINK_KINDS.index(kv[0][1])
                                                        if kv[0][1] in LINK_KINDS else 99,
                                                        kv[0][1])):
        est = sorted(row["est"])
        kinds_table.append({"strength": strength, "kind": kind, "n": row["n"],
                            "minhash_pairs": row["minhash_pairs"],
                            "minhash_coclusters": row["minhash_coclusters"],
                            "est_jaccard_p10_p50_p90": [est[min(int(p * len(est)), len(est) - 1)]
                                                        for p in (0.1, 0.5, 0.9)]})
    # Do unspun's clusters equal the components of its strong links? (They should.)
    comp = uf_strong.labels()
    comp_sizes = Counter(comp)
    strong_components = [comp[k] if comp_sizes[comp[k]] >= 2 else None for k in range(n)]
    ari_strong_vs_field = adjusted_rand_index(ulab_list, strong_components)[0]

    # Examples, seeded.
    rng = random.Random(args.seed)
    only_m_i, only_m_j, only_m_est = only_m
    n_only_m = len(only_m_i)
    pick_u = sorted(rng.sample(range(len(only_u)), min(args.examples, len(only_u))))
    pick_m = sorted(rng.sample(range(n_only_m), min(args.examples, n_only_m)))
    link_of_pair = {}
    for i, j, li in link_idx:
        link_of_pair.setdefault((i, j), li)
    ex_u = [(idx_of[links[only_u[p]][0]], idx_of[links[only_u[p]][1]], only_u[p]) for p in pick_u]
    ex_m = [(only_m_i[p], only_m_j[p], link_of_pair.get((only_m_i[p], only_m_j[p])))
            for p in pick_m]
    wanted = {ids[k] for a, b, _ in ex_u + ex_m for k in (a, b)}
    texts = {}
    if wanted:
        for _, doc in iter_jsonl(args.corpus):
            doc_id = str(doc.get("id"))
            if doc_id in wanted and doc_id not in texts:
                texts[doc_id] = (doc.get("text") or "", doc.get("date"))
                if len(texts) == len(wanted):
                    break

    def side(k):
        doc_id = ids[k]
        outlet, date, cluster, verdict = unspun_docs[doc_id]
        text, corpus_date = texts.get(doc_id, ("", None))
        return {"id": doc_id, "outlet": outlet if outlet is not None else sources[k],
                "date": date if date is not None else corpus_date, "unspun_cluster": cluster,
                "unspun_verdict": verdict, "minhash_cluster_size": None,
                "text": " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]}

    msize = Counter(mlab_arr.tolist())

    def example(a, b, li, est=None):
        ta, tb = texts.get(ids[a], ("",))[0], texts.get(ids[b], ("",))[0]
        ex = {"a": side(a), "b": side(b),
              "minhash_est_jaccard": est if est is not None else est_jaccard(a, b),
              "exact_jaccard": exact_jaccard(shingles(ta, args.shingle_words),
                                             shingles(tb, args.shingle_words)),
              "link": None}
        ex["a"]["minhash_cluster_size"] = msize[int(mlab_arr[a])]
        ex["b"]["minhash_cluster_size"] = msize[int(mlab_arr[b])]
        if li is not None:
            l = links[li]
            ex["link"] = {"source": l[0], "copy": l[1], "kind": l[2], "strong": l[3],
                          "copy_share": l[4], "source_share": l[5], "n_passages": l[6],
                          "n_chars": l[7], "lag_days": l[8]}
        return ex

    examples_u = [example(a, b, li) for a, b, li in ex_u]
    examples_m = [example(a, b, li, float(only_m_est[p]))
                  for (a, b, li), p in zip(ex_m, pick_m)]
    return {
        "unspun": {
            "n_docs_in_output": len(unspun_docs),
            "n_duplicate_ids_skipped": n_unspun_dup,
            "n_docs_not_in_corpus": len(unspun_docs) - n,
            "n_links": len(links),
            "n_links_not_between_common_docs": n_links_unmatched,
            "n_strong_links": n_strong,
            "n_clusters_2plus": len(usizes),
            "n_docs_in_clusters": sum(usizes),
            "largest_clusters": usizes[:10],
            "n_coclustered_pairs": sum_u,
            "check_strong_links_across_clusters": n_strong_across_unspun,
            "check_ari_cluster_field_vs_strong_link_components": ari_strong_vs_field,
        },
        "comparison": {
            "n_common_docs": n,
            "adjusted_rand_index": ari,
            "coclustered_pairs_unspun": sum_u,
            "coclustered_pairs_minhash": sum_m,
            "coclustered_pairs_both": both,
            "strong_links": n_strong,
            "strong_links_minhash_pairs": n_strong_paired,
            "strong_links_minhash_coclusters": n_strong_co,
            "only_unspun_strong_links_across_minhash_clusters": len(only_u),
            "minhash_pairs": n_pairs,
            "minhash_pairs_unspun_coclusters": n_pairs_co_unspun,
            "only_minhash_pairs_across_unspun_clusters": n_only_m,
            "links_by_kind": kinds_table,
        },
        "examples_only_unspun": examples_u,
        "examples_only_minhash": examples_m,
    }


# ---------------------------------------------------------------------------------------------
# Report


def fmt(v, spec="{:,}"):
    if v is None:
        return "-"
    return spec.format(v)


def report(r, out):
    m = r["minhash"]
    p = r["params"]
    w = lambda s="": print(s, file=out)
    w(f"## MinHash LSH baseline: {p['corpus']}")
    w()
    w(f"{m['lsh']}; num_perm {p['num_perm']}, word {p['shingle_words']}-shingles, "
      f"threshold {p['threshold']} on the estimated Jaccard, seed {p['seed']}")
    w()
    w("| MinHash | |")
    w("|---|---|")
    rows = [
        ("documents sketched (without any word: singletons)",
         f"{m['n_docs']:,} ({m['n_docs_without_words']:,})"),
        ("text MB / shingles", f"{m['text_mb']:.1f} / {m['n_shingles']:,}"),
        ("ingest s (docs/s, MB/s)", f"{m['ingest_secs']:.1f} ({fmt(m['docs_per_sec'], '{:,.0f}')}, "
                                    f"{fmt(m['mb_per_sec'], '{:.2f}')})"),
        ("query s (queries/s)", f"{m['query_secs']:.1f} ({fmt(m['queries_per_sec'], '{:,.0f}')})"),
        ("candidate pairs / pairs >= threshold", f"{m['n_candidate_pairs']:,} / {m['n_pairs']:,}"),
        ("clusters of size >= 2 (documents in them)",
         f"{m['n_clusters_2plus']:,} ({m['n_docs_in_clusters']:,})"),
        ("largest clusters", ", ".join(map(str, m["largest_clusters"])) or "-"),
        ("peak RSS MiB: ingest / query / end",
         f"{m['peak_rss_mib_ingest']:.0f} / {m['peak_rss_mib_query']:.0f} / "
         f"{m['peak_rss_mib_end']:.0f}"),
    ]
    for label, value in rows:
        w(f"| {label} | {value} |")
    c = r["corpus"]
    w()
    left_out = (f", {c['n_not_in_unspun']:,} not in unspun's documents.jsonl (left out)"
                if p["unspun"] else "")
    w(f"corpus: {c['n_lines']:,} lines, {c['n_duplicate_ids_skipped']:,} duplicate ids skipped"
      + left_out)
    w("pairs by estimated Jaccard: "
      + (", ".join(f"{k}: {v:,}" for k, v in m["pairs_by_estimated_jaccard"].items()) or "none"))
    if "comparison" not in r:
        return
    u, cmp_ = r["unspun"], r["comparison"]
    w()
    w(f"## unspun cluster ({p['unspun']}) vs MinHash, on the {cmp_['n_common_docs']:,} documents "
      "in both")
    w()
    w(f"adjusted Rand index: {cmp_['adjusted_rand_index']:.4f}")
    w()
    w("| | unspun | MinHash | both |")
    w("|---|---|---|---|")
    w(f"| clusters of size >= 2 | {u['n_clusters_2plus']:,} | {m['n_clusters_2plus']:,} | |")
    w(f"| documents in them | {u['n_docs_in_clusters']:,} | {m['n_docs_in_clusters']:,} | |")
    w(f"| largest | {', '.join(map(str, u['largest_clusters'][:5])) or '-'} | "
      f"{', '.join(map(str, m['largest_clusters'][:5])) or '-'} | |")
    w(f"| co-clustered pairs | {cmp_['coclustered_pairs_unspun']:,} | "
      f"{cmp_['coclustered_pairs_minhash']:,} | {cmp_['coclustered_pairs_both']:,} |")
    w(f"| direct pairs (strong links / LSH pairs) | {cmp_['strong_links']:,} | "
      f"{cmp_['minhash_pairs']:,} | {cmp_['strong_links_minhash_pairs']:,} |")
    w()
    w(f"- only unspun: {cmp_['only_unspun_strong_links_across_minhash_clusters']:,} strong links "
      "whose documents are in different MinHash clusters")
    w(f"- only MinHash: {cmp_['only_minhash_pairs_across_unspun_clusters']:,} LSH pairs whose "
      "documents are in different unspun clusters")
    w(f"- strong links MinHash puts in one cluster: {cmp_['strong_links_minhash_coclusters']:,}; "
      f"LSH pairs unspun puts in one cluster: {cmp_['minhash_pairs_unspun_coclusters']:,}")
    w(f"- unspun: {u['n_links']:,} links ({u['n_links_not_between_common_docs']:,} not between "
      f"two common documents), {u['n_docs_not_in_corpus']:,} documents not in the corpus")
    if u["check_strong_links_across_clusters"] or u[
            "check_ari_cluster_field_vs_strong_link_components"] != 1.0:
        w(f"- WARNING: unspun's \"cluster\" field is not the components of its strong links: "
          f"{u['check_strong_links_across_clusters']:,} strong links join different clusters, "
          f"ARI(field, components) = "
          f"{u['check_ari_cluster_field_vs_strong_link_components']:.4f}")
    w()
    if not cmp_["links_by_kind"]:
        w("unspun links by kind: none between common documents")
    else:
        w("| unspun links | kind | n | MinHash pairs | MinHash co-clusters | "
          "est. Jaccard p10/p50/p90 |")
        w("|---|---|---|---|---|---|")
    for k in cmp_["links_by_kind"]:
        share = lambda x: f"{x:,} ({x / k['n']:.0%})"
        e = k["est_jaccard_p10_p50_p90"]
        w(f"| {k['strength']} | {k['kind']} | {k['n']:,} | {share(k['minhash_pairs'])} | "
          f"{share(k['minhash_coclusters'])} | {e[0]:.2f} / {e[1]:.2f} / {e[2]:.2f} |")
    for title, key in (("only unspun (strong link, different MinHash clusters)",
                        "examples_only_unspun"),
                       ("only MinHash (LSH pair, different unspun clusters)",
                        "examples_only_minhash")):
        w()
        w(f"### {len(r[key])} random examples: {title}")
        for x, ex in enumerate(r[key], 1):
            l = ex["link"]
            link = "no unspun link"
            if l:
                link = (f"unspun link {l['kind']}{' (strong)' if l['strong'] else ' (weak)'}: "
                        f"copy_share {fmt(l['copy_share'], '{:.2f}')}, source_share "
                        f"{fmt(l['source_share'], '{:.2f}')}, {fmt(l['n_passages'])} passages, "
                        f"source {l['source']}")
            w()
            w(f"{x}. MinHash est. Jaccard {ex['minhash_est_jaccard']:.3f} (exact "
              f"{ex['exact_jaccard']:.3f}); {link}")
            for s in (ex["a"], ex["b"]):
                w(f"   - {s['id']} [{s['outlet'] or '?'}, {s['date'] or '?'}; unspun cluster "
                  f"{fmt(s['unspun_cluster'])}, MinHash cluster of {s['minhash_cluster_size']}]")
                w(f"     \"{s['text']}\"")


# ---------------------------------------------------------------------------------------------
# Self-test


def self_test():
    """ARI against hand-computed values, then one tiny end-to-end run."""
    global QUIET
    QUIET = True
    def close(a, b):
        return abs(a - b) < 1e-12

    passed = [0]

    def check(ok, what):
        if not ok:
            print(f"self-test: FAILED: {what}", file=sys.stderr)
            print(f"{passed[0]} passed, 1 failed")
            raise SystemExit(1)
        passed[0] += 1

    # Hand-computed: truth {0,1,2}{3,4,5}, prediction {0,1}{2,3}{4,5}.
    # n_ij: 2,1,1,2 -> index = 1+0+0+1 = 2; a = 3,3 -> 6; b = 2,2,2 -> 3; C(6,2) = 15;
    # expected = 6*3/15 = 1.2; max = 4.5; ARI = 0.8 / 3.3 = 0.242424...
    ari = adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])
    check(close(ari[0], 0.8 / 3.3) and ari[1:4] == (2, 6, 3), f"ARI 0.2424 hand example: {ari}")
    check(close(adjusted_rand_index([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])[0], 0.8 / 3.3),
          "ARI is symmetric")
    # {0,1}{2,3} vs {0,1,2}{3}: index 1, a 2, b 3, C(4,2) 6: expected 1, max 2.5 -> 0.
    check(close(adjusted_rand_index([0, 0, 1, 1], [5, 5, 5, 7])[0], 0.0), "ARI 0 hand example")
    # Worse than chance: {0,1}{2,3} vs {0,2}{1,3}: index 0, a 2, b 2, expected 2/3, max 2
    # -> -(2/3) / (4/3) = -0.5.
    check(close(adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1])[0], -0.5), "ARI -0.5 example")
    # Same partition under other labels; None = a singleton.
    check(close(adjusted_rand_index(["x", "x", None, None, 3], [9, 9, 1, 2, None])[0], 1.0),
          "relabelled partition with None singletons: ARI 1")
    # Two Nones are two clusters: {0,1} + 2 singletons vs one cluster of 4:
    # index 1, a 1, b 6, C(4,2) 6: expected 1, max 3.5 -> 0.
    check(close(adjusted_rand_index([1, 1, None, None], [0, 0, 0, 0])[0], 0.0),
          "None is not a shared cluster")
    # All singletons on both sides: identical, 1.0 by convention; vs one cluster: 0.
    check(adjusted_rand_index([None] * 5, [None] * 5)[0] == 1.0, "all singletons both: ARI 1")
    check(close(adjusted_rand_index([None] * 5, [0] * 5)[0], 0.0),
          "all singletons vs one cluster: ARI 0")

    # End to end: a near-duplicate pair both tools find, a containment only unspun links, one
    # pair only MinHash finds, a document without words, one not in unspun's output.
    rnd = random.Random(7)
    vocab = [f"w{i}" for i in range(5000)]
    base = [" ".join(rnd.choice(vocab) for _ in range(300)) for _ in range(4)]
    docs = [
        {"id": "a", "text": base[0], "source": "A"},
        {"id": "a2", "text": base[0] + " one more sentence at the end.", "source": "B"},
        {"id": "b", "text": base[1], "source": "A"},
        {"id": "b_in", "text": base[1] + " " + base[2] + " " + base[3], "source": "C"},
        {"id": "c", "text": base[2] + " tail", "source": "D"},
        {"id": "c2", "text": base[2] + " other tail", "source": "D"},
        {"id": "empty", "text": "  ... ", "source": "E"},
        {"id": "not_in_unspun", "text": base[0], "source": "F"},
    ]
    udocs = [
        {"id": "a", "cluster": 0}, {"id": "a2", "cluster": 0},
        {"id": "b", "cluster": 1}, {"id": "b_in", "cluster": 1},
        {"id": "c", "cluster": None}, {"id": "c2", "cluster": None},
        {"id": "empty", "cluster": None}, {"id": "only_in_unspun", "cluster": None},
    ]
    ulinks = [
        {"source": "a", "copy": "a2", "kind": "near_duplicate", "strong": True,
         "copy_share": 0.99, "source_share": 1.0},
        {"source": "b", "copy": "b_in", "kind": "contained_in", "strong": True,
         "copy_share": 0.33, "source_share": 1.0},
        {"source": "c", "copy": "c2", "kind": "near_duplicate", "strong": False,
         "copy_share": 0.9, "source_share": 0.9},
    ]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.jsonl.gz")
        with gzip.open(corpus, "wt", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d) + "\n")
        outdir = os.path.join(tmp, "cluster")
        os.mkdir(outdir)
        for name, rows in (("documents.jsonl", udocs), ("links.jsonl", ulinks)):
            with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
                for row in rows:
                    base_row = {"outlet": None, "date": None, "n_chars": 1, "verdict": "original",
                                "coverage": 0.0, "n_origins": 0} if name == "documents.jsonl" \
                        else {"n_passages": 1, "n_chars": 1, "lag_days": None,
                              "source_outlet": None, "copy_outlet": None}
                    f.write(json.dumps({**base_row, **row}) + "\n")
        args = argparse.Namespace(corpus=corpus, unspun=outdir, threshold=0.5, num_perm=128,
                                  shingle_words=5, seed=1, examples=5,
                                  json=os.path.join(tmp, "out.json"))
        with open(os.devnull, "w") as devnull:
            r = run(args, out=devnull)
        json.load(open(args.json, encoding="utf-8"))
    cmp_, m, ex_u, ex_m = (r["comparison"], r["minhash"], r["examples_only_unspun"],
                           r["examples_only_minhash"])
    check(r["corpus"]["n_not_in_unspun"] == 1 and m["n_docs"] == 7, "documents in both: 7")
    check(m["n_docs_without_words"] == 1, "one document without words")
    check(m["n_pairs"] == 2 and m["n_clusters_2plus"] == 2, f"MinHash {{a, a2}} {{c, c2}}: {m}")
    check(r["unspun"]["n_docs_not_in_corpus"] == 1 and r["unspun"]["n_clusters_2plus"] == 2,
          "unspun side counted")
    check(cmp_["strong_links"] == 2 and cmp_["strong_links_minhash_pairs"] == 1,
          f"strong links paired: {cmp_}")
    check(cmp_["only_unspun_strong_links_across_minhash_clusters"] == 1, "only unspun: b/b_in")
    check(cmp_["only_minhash_pairs_across_unspun_clusters"] == 1, "only MinHash: c/c2")
    check(cmp_["coclustered_pairs_both"] == 1, "co-clustered by both: a/a2")
    # unspun {a,a2}{b,b_in}, MinHash {a,a2}{c,c2}, 7 docs: index 1, a 2, b 2, C(7,2) 21.
    expected = 2 * 2 / 21
    check(close(cmp_["adjusted_rand_index"], (1 - expected) / (2 - expected)),
          f"end-to-end ARI: {cmp_['adjusted_rand_index']}")
    check(len(ex_m) == 1 and {ex_m[0]["a"]["id"], ex_m[0]["b"]["id"]} == {"c", "c2"}
          and ex_m[0]["link"]["kind"] == "near_duplicate" and not ex_m[0]["link"]["strong"],
          "only-MinHash example shows the weak link")
    check(len(ex_u) == 1 and ex_u[0]["link"]["kind"] == "contained_in"
          and ex_u[0]["a"]["text"].startswith("w") and ex_u[0]["minhash_est_jaccard"] < 0.5,
          "only-unspun example with text and estimate")
    print(f"self-test: {passed[0]} passed, 0 failed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--corpus", help="JSON Lines (.gz or not): id, text, [source, date]")
    parser.add_argument("--unspun", help="output directory of `unspun cluster`")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="LSH threshold and minimum estimated Jaccard of a pair (0.5)")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--shingle-words", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="MinHash permutations and examples")
    parser.add_argument("--examples", type=int, default=5, help="random examples per category")
    parser.add_argument("--json", help="write all results here")
    parser.add_argument("--self-test", action="store_true",
                        help="check the ARI on hand-computed cases and one tiny run, then exit")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.corpus:
        parser.error("--corpus is required")
    if args.shingle_words < 1:
        parser.error("--shingle-words must be >= 1")
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
