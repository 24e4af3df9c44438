#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from the real corpora in
# ../shared/data (or $UNSPUN_DATA) and ../shared/examples, plus the small hand-written seeds in
# fuzz/seeds/ and the reproducers in fuzz/regressions/. A few dozen small inputs per target;
# libFuzzer grows the rest. Safe to run again: it only adds or overwrites seed-* files.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$fuzz_dir")"
data="${UNSPUN_DATA:-$repo/../shared/data}"
examples="${UNSPUN_EXAMPLES:-$(dirname "$data")/examples}"
targets=(normalize_split trace records http_input)

for target in "${targets[@]}"; do
  mkdir -p "$fuzz_dir/corpus/$target"
  for dir in "$fuzz_dir/seeds/$target" "$fuzz_dir/regressions/$target"; do
    [ -d "$dir" ] && cp "$dir"/* "$fuzz_dir/corpus/$target/" 2>/dev/null || true
  done
done

if [ ! -d "$data" ]; then
  echo "fuzz/seed.sh: $data is missing: only the committed seeds are used" >&2
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "fuzz/seed.sh: python3 is missing: only the committed seeds are used" >&2
  exit 0
fi

python3 - "$data" "$examples" "$fuzz_dir/corpus" <<'PY'
"""Writes the seeds. Record modes (first byte) follow the targets' docs:
records: format = b % 4 (jsonl, csv, tsv, detect), compression = b // 4 % 3 (as is, gzip,
two gzip members), tiny limits = b // 12 % 2; http_input: content type = b % 3 (text/plain,
application/json, application/x-ndjson), ?replace=true = b // 3 % 2, routes = b // 6 % 4
(0 trace + documents, 1 report as is, 2 trace then report, 3 extract: text/html, text/plain,
application/json)."""
import csv, gzip, html, io, itertools, json, os, sys

data, examples, corpus = sys.argv[1:4]
MAX_TEXT = 4000  # bytes: the trace target runs with -max_len=4096


def records(rel, n, skip=0):
    """The first n records (after skip) of a gzip JSON Lines corpus, as (raw line, record)."""
    path = os.path.join(data, rel)
    if not os.path.exists(path):
        return []
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, skip, None):
            record = json.loads(line)
            if isinstance(record.get("text"), str) and record["text"].strip():
                out.append((line.rstrip("\n"), record))
            if len(out) == n:
                break
    return out


def cut(text, limit=MAX_TEXT):
    raw = text.encode("utf-8")[:limit]
    return raw.decode("utf-8", "ignore")


def write(target, name, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    with open(os.path.join(corpus, target, "seed-" + name), "wb") as f:
        f.write(payload)


example_texts = []
if os.path.isdir(examples):
    for name in sorted(os.listdir(examples)):
        if name.endswith(".txt"):
            with open(os.path.join(examples, name), encoding="utf-8") as f:
                example_texts.append((name[:-4], f.read()))

corpora = {
    "bbc": records("bbc/articles.jsonl.gz", 6, skip=40),
    "reuters": records("reuters21578/articles.jsonl.gz", 6, skip=20),
    "allsides": records("allsides/articles.jsonl.gz", 6),
    "isot": records("isot_sample/articles.jsonl.gz", 4),
    "fakehealth": records("fakehealth/articles.jsonl.gz", 4),
    "fakenews": records("fakenews_small/articles.jsonl.gz", 4),
    "pan13": records("pan13_text_alignment/documents.jsonl.gz", 3),
    "clough": records("clough_stevenson/documents.jsonl.gz", 3),
    "perezrosas": records("perezrosas_fakenews/documents.jsonl.gz", 3),
    "basil": records("basil/articles.jsonl.gz", 3),
}

# normalize_split: article texts as they are (hard-wrapped Reuters, glued summaries, quotes),
# plus MSRP sentence pairs.
for tag, recs in corpora.items():
    for i, (_, r) in enumerate(recs):
        write("normalize_split", f"{tag}-{i}", cut(r["text"], 8000))
for i, (_, r) in enumerate(records("bbc_extractive_summaries/summaries.jsonl.gz", 4)):
    write("normalize_split", f"bbcsum-{i}", r["text"])
for i, (_, r) in enumerate(records("msrp/pairs.jsonl.gz", 4)):
    write("normalize_split", f"msrp-{i}", r["text1"] + "\n\n" + r["text2"])
for name, text in example_texts:
    write("normalize_split", f"example-{name}", text)

# trace: the target's candidates are the first 20 BBC and the first 10 Reuters articles, so
# seed copies of them, extractive summaries of them (patchworks of their sentences), a
# splice of two, and unrelated articles (originals).
bbc_sources = records("bbc/articles.jsonl.gz", 20)
reuters_sources = records("reuters21578/articles.jsonl.gz", 10)
for i, (_, r) in enumerate(bbc_sources[:8] + reuters_sources[:4]):
    write("trace", f"copy-{i}", cut(r["text"]))
source_ids = {r["id"] for _, r in bbc_sources}
summaries = [r for _, r in records("bbc_extractive_summaries/summaries.jsonl.gz", 40)
             if r.get("article_id") in source_ids]
for i, r in enumerate(summaries[:10]):
    write("trace", f"summary-{i}", cut(r["text"]))
if len(bbc_sources) >= 2:
    a, b = bbc_sources[0][1]["text"], bbc_sources[1][1]["text"]
    write("trace", "splice", cut(a[: len(a) // 2] + "\n\n" + b[len(b) // 2:]))
for tag in ("allsides", "isot", "fakehealth"):
    for i, (_, r) in enumerate(corpora[tag][:2]):
        write("trace", f"original-{tag}-{i}", cut(r["text"]))
for name, text in example_texts:
    write("trace", f"example-{name}", cut(text))

# records: real JSON Lines (plain, gzip, two members, detected), and the same records as
# CSV and TSV with a header, some with the tiny limits.
small = [(line, r) for recs in corpora.values() for line, r in recs if len(line) < 3000]
fields = ["id", "title", "text", "date", "source", "url"]


def delimited(recs, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(fields)
    for _, r in recs:
        writer.writerow(["" if r.get(k) is None else str(r.get(k)) for k in fields])
    return out.getvalue().encode("utf-8")


for i in range(0, min(len(small), 24), 3):
    chunk = small[i:i + 3]
    jsonl = "\n".join(line for line, _ in chunk).encode("utf-8") + b"\n"
    k = i // 3
    write("records", f"jsonl-{k}", bytes([0]) + jsonl)
    write("records", f"jsonl-gzip-{k}", bytes([4 + k % 2 * 4]) + jsonl)
    write("records", f"detect-{k}", bytes([3 + k % 3 * 4]) + jsonl)
    write("records", f"csv-{k}", bytes([1 + k % 3 * 4]) + delimited(chunk, ","))
    write("records", f"tsv-{k}", bytes([2 + k % 3 * 4]) + delimited(chunk, "\t"))
    write("records", f"tiny-{k}", bytes([12 + k % 4]) + jsonl)

# http_input: text/plain articles (a title line, a blank line, the body), JSON objects with
# every field, JSON arrays, and JSON Lines batches.
for i, (line, r) in enumerate(small[:24]):
    body = (r.get("title") or "") + "\n\n" + cut(r["text"], 2000)
    write("http_input", f"plain-{i}", bytes([0 + i % 2 * 3]) + body.encode("utf-8"))
    obj = {k: r.get(k) for k in fields}
    obj["text"] = cut(r["text"], 2000)
    write("http_input", f"json-{i}", bytes([1 + i % 2 * 3]) + json.dumps(obj).encode("utf-8"))
for i in range(0, min(len(small), 24), 3):
    chunk = small[i:i + 3]
    objs = [{k: r.get(k) for k in fields} for _, r in chunk]
    k = i // 3
    write("http_input", f"ndjson-{k}",
          bytes([2]) + "\n".join(json.dumps(o) for o in objs).encode("utf-8"))
    write("http_input", f"array-{k}", bytes([1]) + json.dumps(objs).encode("utf-8"))

# http_input, the page routes: articles traced then rendered (b = 12), and each article as an
# HTML page for /v1/extract (b = 18: text/html).
for i, (line, r) in enumerate(small[:8]):
    body = (r.get("title") or "") + "\n\n" + cut(r["text"], 2000)
    write("http_input", f"report-{i}", bytes([12]) + body.encode("utf-8"))
    title = html.escape(r.get("title") or "")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in cut(r["text"], 2000).split(". "))
    page = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><nav><a href=/>Home"
            f"</a></nav><article><h1>{title}</h1>{paragraphs}</article></body></html>")
    write("http_input", f"extract-{i}", bytes([18]) + page.encode("utf-8"))

for target in ("normalize_split", "trace", "records", "http_input"):
    n = len(os.listdir(os.path.join(corpus, target)))
    print(f"fuzz/seed.sh: {target}: {n} inputs in fuzz/corpus/{target}")
PY
