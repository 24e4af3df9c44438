#!/usr/bin/env bash
# Scaling curve of unspun (issue #3 part 3): index time, peak RSS, index size and trace latency
# against corpus size.
#
#   bench/scaling/run.sh                          # 1k, 10k, all real (~66k), 1M (perturbed copies)
#   SIZES="1000 10000 all 300000" bench/scaling/run.sh
#   # knobs: SIZES, WORK (default /tmp/unspun-scaling), SKIP_BUILD=1, SEED, QUERIES, VENV,
#   #        CARGO_TARGET_DIR, DATA (default ../shared/data), KEEP=1 (keep corpora and indexes)
#
# For each size: `unspun-bench scale-up` writes the corpus (the real articles of every
# *.jsonl.gz article corpus in DATA, then perturbed copies of them up to the size), then
# `unspun index --json` under `/usr/bin/time -v`, `du -sb` of the index and
# `unspun-bench trace-latency --queries QUERIES --json`; the corpus and the index are deleted
# after each size. Writes bench/scaling/results.json (gitignored), docs/scaling.md and
# docs/scaling.png (matplotlib from bench/scaling/.venv, pinned in requirements.txt).
# Times are printed, never asserted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SIZES="${SIZES:-1000 10000 all 1000000}"
WORK="${WORK:-/tmp/unspun-scaling}"
SEED="${SEED:-42}"
QUERIES="${QUERIES:-100}"
DATA="${DATA:-$root/../shared/data}"
VENV="${VENV:-$here/.venv}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"
TIME=/usr/bin/time
CORPORA=(allsides reuters21578 bbc isot_sample fakehealth fakenews_small basil)

[[ -x $TIME ]] || { echo "run.sh: $TIME is missing (apt-get install -y time)" >&2; exit 2; }
corpus_args=()
for name in "${CORPORA[@]}"; do
    file="$DATA/$name/articles.jsonl.gz"
    [[ -f $file ]] || { echo "run.sh: corpus $file not found (set DATA=...)" >&2; exit 2; }
    corpus_args+=(--corpus "$file")
done

# shellcheck source=../common.sh
source "$here/../common.sh"
bench_venv "$VENV" "$here/requirements.txt"
bench_build "$root" "$TARGET"

mkdir -p "$WORK"
# 1M documents: about 4 GB of JSON Lines and 12 GB of index at once. Below 30 GB free, fall
# back to 300k and say so.
free_gb="$(df -BG --output=avail "$WORK" | tail -n 1 | tr -dc '0-9')"
echo "== $WORK: ${free_gb} GB free" >&2
df -h "$WORK" >&2
sizes=()
for size in $SIZES; do
    if [[ $size != all && $size -ge 1000000 && $free_gb -lt 30 ]]; then
        echo "run.sh: only ${free_gb} GB free on $WORK: $size -> 300000" >&2
        size=300000
    fi
    sizes+=("$size")
done

commit="$(cd "$root" && git rev-parse --short HEAD)"
for size in "${sizes[@]}"; do
    dir="$WORK/$size"
    rm -rf "$dir"
    mkdir -p "$dir"
    target=()
    [[ $size == all ]] || target=(--target "$size")
    echo "== $size: scale-up" >&2
    $TIME -v -o "$dir/scale-up.time" "$bench" scale-up "${corpus_args[@]}" "${target[@]}" \
        --seed "$SEED" --out "$dir/corpus.jsonl" 2> >(tee "$dir/scale-up.log" >&2)
    echo "== $size: unspun index" >&2
    $TIME -v -o "$dir/index.time" \
        "$unspun" index --quiet --json --index "$dir/index" "$dir/corpus.jsonl" > "$dir/index.json"
    du -sb "$dir/index" | cut -f1 > "$dir/index.bytes"
    [[ -n ${KEEP:-} ]] || rm -f "$dir/corpus.jsonl"
    echo "== $size: trace-latency --queries $QUERIES" >&2
    $TIME -v -o "$dir/trace.time" "$bench" trace-latency --index "$dir/index" \
        --queries "$QUERIES" --seed "$SEED" --json > "$dir/trace.json" || {
        status=$?
        # 1 = no query found a source: still a latency figure, kept and flagged by report.py.
        [[ $status -eq 1 ]] || exit "$status"
    }
    [[ -n ${KEEP:-} ]] || rm -rf "$dir/index"
    # The table and the plot after every size: a partial curve is still a curve.
    MPLBACKEND=Agg "$py" "$here/report.py" --work "$WORK" --sizes "${sizes[*]}" \
        --commit "$commit" --queries "$QUERIES" --seed "$SEED" \
        --results "$here/results.json" --md "$root/docs/scaling.md" --png "$root/docs/scaling.png"
done
echo "results: $here/results.json, $root/docs/scaling.md, $root/docs/scaling.png" >&2
