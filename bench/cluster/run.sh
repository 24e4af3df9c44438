#!/usr/bin/env bash
# Document-level MinHash LSH baseline for `unspun cluster` (bench/cluster/baseline.py).
#
#   bench/cluster/run.sh --corpus /tmp/all.jsonl --unspun /tmp/all.cluster
#   CORPUS=/tmp/all.jsonl UNSPUN=/tmp/all.cluster THRESHOLD=0.3 bench/cluster/run.sh
#   bench/cluster/run.sh --self-test              # ARI on hand-computed cases + a tiny run
#   # knobs (env; an argument of the same name wins): CORPUS, UNSPUN, THRESHOLD (0.5),
#   #        NUM_PERM (128), SHINGLE_WORDS (5), SEED (1), EXAMPLES (5),
#   #        JSON (default bench/cluster/results.json, gitignored), VENV, PYTHON (python3)
#   # any other argument goes to baseline.py as is (see baseline.py --help)
#
# Inputs, from the repository root, with a release build of unspun and unspun-bench:
#
#   target/release/unspun-bench scale-up \
#       --corpus ../shared/data/allsides/articles.jsonl.gz \
#       --corpus ../shared/data/reuters21578/articles.jsonl.gz \
#       --corpus ../shared/data/bbc/articles.jsonl.gz \
#       --corpus ../shared/data/isot_sample/articles.jsonl.gz \
#       --corpus ../shared/data/fakehealth/articles.jsonl.gz \
#       --corpus ../shared/data/fakenews_small/articles.jsonl.gz \
#       --corpus ../shared/data/basil/articles.jsonl.gz \
#       --out /tmp/all.jsonl      # no --target: the real articles once, ids "allsides:...", ~66k
#   target/release/unspun index --index /tmp/all.idx /tmp/all.jsonl
#   target/release/unspun cluster --index /tmp/all.idx --out /tmp/all.cluster
#   bench/cluster/run.sh --corpus /tmp/all.jsonl --unspun /tmp/all.cluster
#
# Creates bench/cluster/.venv with the pinned requirements.txt (datasketch, numpy, scipy) on the
# first run (needs python3 with venv and PyPI), then runs baseline.py under /usr/bin/time -v
# when it exists and prints its wall time and peak RSS on stderr after the report. Without
# --unspun it only clusters the corpus with MinHash (speed, clusters), no comparison.
# Exits with baseline.py's status. Times are printed, never asserted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-$here/.venv}"
PYTHON="${PYTHON:-python3}"
JSON="${JSON:-$here/results.json}"
TIME=/usr/bin/time

# shellcheck source=../common.sh
source "$here/../common.sh"
bench_venv "$VENV" "$here/requirements.txt" "$PYTHON"

args=()
[[ -n ${CORPUS:-} ]] && args+=(--corpus "$CORPUS")
[[ -n ${UNSPUN:-} ]] && args+=(--unspun "$UNSPUN")
[[ -n ${THRESHOLD:-} ]] && args+=(--threshold "$THRESHOLD")
[[ -n ${NUM_PERM:-} ]] && args+=(--num-perm "$NUM_PERM")
[[ -n ${SHINGLE_WORDS:-} ]] && args+=(--shingle-words "$SHINGLE_WORDS")
[[ -n ${SEED:-} ]] && args+=(--seed "$SEED")
[[ -n ${EXAMPLES:-} ]] && args+=(--examples "$EXAMPLES")
want_json=1
for arg in "$@"; do
    case $arg in
        --json | --json=* | --self-test | -h | --help) want_json= ;;
    esac
done
[[ -n $want_json ]] && args+=(--json "$JSON")

rc=0
if [[ -x $TIME ]]; then
    timefile="$(mktemp)"
    trap 'rm -f "$timefile"' EXIT
    "$TIME" -v -o "$timefile" "$py" "$here/baseline.py" "${args[@]}" "$@" || rc=$?
    grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$timefile" \
        | sed 's/^[[:space:]]*/run.sh: /' >&2 || true
else
    "$py" "$here/baseline.py" "${args[@]}" "$@" || rc=$?
fi
exit "$rc"
