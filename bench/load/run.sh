#!/usr/bin/env bash
# Load benchmark of `unspun serve` (issue #5): wrk against POST /v1/trace on loopback at
# saturation, with the index built from allsides; prints throughput, latency percentiles,
# errors and the server's peak RSS. A benchmark, not a test: times are printed, never asserted.
#
#   bench/load/run.sh                        # 60 s, 2 wrk threads, 8 connections
#   DURATION=20s CONNECTIONS=16 bench/load/run.sh
#   # knobs: DURATION (60s), THREADS (2), CONNECTIONS (8), BODIES (20 rotating patchworks),
#   #        PORT (18080), CORPUS (allsides), WORK (/tmp/unspun-load), SKIP_BUILD=1,
#   #        CARGO_TARGET_DIR, KEEP_INDEX=1 (reuse WORK/index when it exists)
#
# Needs wrk (Debian: apt-get install wrk). Only 127.0.0.1 is ever contacted; the run is
# bounded by DURATION and the server is stopped (SIGTERM) at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-60s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
BODIES="${BODIES:-20}"
PORT="${PORT:-18080}"
CORPUS="${CORPUS:-$root/../shared/data/allsides/articles.jsonl.gz}"
WORK="${WORK:-/tmp/unspun-load}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"

command -v wrk >/dev/null || { echo "run.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 2; }
[[ -f $CORPUS ]] || { echo "run.sh: corpus $CORPUS not found (set CORPUS=...)" >&2; exit 2; }
# shellcheck source=../common.sh
source "$here/../common.sh"
bench_build "$root" "$TARGET"

mkdir -p "$WORK"
if [[ -z ${KEEP_INDEX:-} || ! -d $WORK/index ]]; then
    rm -rf "$WORK/index"
    echo "== unspun index $CORPUS" >&2
    "$unspun" index --quiet --index "$WORK/index" "$CORPUS" >&2
fi
echo "== $BODIES patchworks as request bodies" >&2
"$bench" generate --corpus "$CORPUS" --docs 20000 --count "$BODIES" --seed 42 \
    --out "$WORK/patchworks.jsonl" 2>/dev/null
# One JSON body per file: {"title", "text"} of each generated article.
python3 - "$WORK" <<'EOF'
import json, sys
work = sys.argv[1]
with open(f"{work}/patchworks.jsonl") as f:
    for n, line in enumerate(f):
        a = json.loads(line)["article"]
        with open(f"{work}/body-{n:03d}.json", "w") as out:
            json.dump({"title": a.get("title"), "text": a["text"]}, out)
EOF
bench_wrk_rotate "$WORK" "$BODIES"

bench_serve_warm "$unspun" "$WORK/index" "$PORT" "$WORK"
echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION POST /v1/trace" >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/rotate.lua" \
    "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
kill -TERM "$server"
wait "$server" || true
trap - EXIT
index_mb="$(du -sm "$WORK/index" | cut -f1)"
echo "server peak RSS (VmHWM): $((rss_kb / 1024)) MiB (index on disk, mapped: $index_mb MB)"
grep -E "Requests/sec|LATENCY_MS|ERRORS|requests in" "$WORK/wrk.txt"
