#!/usr/bin/env bash
# Peer comparison of unspun with datasketch and rensa (MinHash LSH), issue #3 part 3.
#
#   bench/peers/run.sh            # N=10000 real articles + 500 planted copies
#   N=2000 COPIES=100 THRESHOLD=0.3 bench/peers/run.sh   # smaller; peers at another LSH threshold
#
# Creates bench/peers/.venv (pinned requirements.txt), builds unspun in release, writes ONE
# shared corpus (real allsides articles + planted near-duplicates, with truth), runs every tool
# on it one after the other, prints one table with ratios and writes bench/peers/results.json.
# Exits non-zero if any tool produced no result. Times are printed, never asserted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
N="${N:-10000}"
COPIES="${COPIES:-500}"
SEED="${SEED:-42}"
THRESHOLD="${THRESHOLD:-0.5}"
CORPUS="${CORPUS:-$root/../shared/data/allsides/articles.jsonl.gz}"
VENV="${VENV:-$here/.venv}"
WORK="${WORK:-$here/work}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"
TIME=/usr/bin/time

[[ -x $TIME ]] || { echo "run.sh: $TIME is missing (apt-get install -y time)" >&2; exit 2; }
[[ -f $CORPUS ]] || { echo "run.sh: corpus $CORPUS not found (set CORPUS=...)" >&2; exit 2; }

# shellcheck source=../common.sh
source "$here/../common.sh"
bench_venv "$VENV" "$here/requirements.txt"
bench_build "$root" "$TARGET"

rm -rf "$WORK"
mkdir -p "$WORK"
wordnet=()
[[ -d /usr/share/wordnet ]] && wordnet=(--wordnet /usr/share/wordnet)
echo "== shared input: $N articles of $CORPUS + $COPIES planted copies" >&2
"$bench" peers plant-duplicates --corpus "$CORPUS" --docs "$N" --copies "$COPIES" \
    --seed "$SEED" "${wordnet[@]}" --out "$WORK/corpus.jsonl" --truth "$WORK/truth.jsonl"

echo "== unspun index" >&2
$TIME -v -o "$WORK/unspun-index.time" \
    "$unspun" index --quiet --json --index "$WORK/unspun-index" "$WORK/corpus.jsonl" \
    > "$WORK/unspun-index.json"
index_bytes="$(du -sb "$WORK/unspun-index" | cut -f1)"

echo "== unspun trace of every planted copy" >&2
$TIME -v -o "$WORK/unspun-trace.time" \
    "$bench" peers trace-planted --json --index "$WORK/unspun-index" \
    --corpus "$WORK/corpus.jsonl" --truth "$WORK/truth.jsonl" > "$WORK/unspun-trace.json"

for tool in datasketch rensa; do
    echo "== $tool" >&2
    $TIME -v -o "$WORK/$tool.time" \
        "$py" "$here/peers.py" lsh --tool "$tool" --corpus "$WORK/corpus.jsonl" \
        --truth "$WORK/truth.jsonl" --threshold "$THRESHOLD" > "$WORK/$tool.json"
done

"$py" "$here/peers.py" compare \
    --unspun-index "$WORK/unspun-index.json" --unspun-index-time "$WORK/unspun-index.time" \
    --unspun-index-bytes "$index_bytes" \
    --unspun-trace "$WORK/unspun-trace.json" --unspun-trace-time "$WORK/unspun-trace.time" \
    --peer "$WORK/datasketch.json" --peer "$WORK/rensa.json" \
    --out "$here/results.json"
echo "results: $here/results.json" >&2
