#!/usr/bin/env bash
# Load benchmark of `unspun serve` under writes (issue #13): wrk runs POST /v1/trace on
# loopback at saturation while one document is written (POST /v1/documents) every second.
# Prints trace throughput, latency percentiles, errors, the server's RSS at the start and at
# the end, the writes that succeeded and the index's segment count at the end. A benchmark,
# not a test: times are printed, never asserted.
#
#   bench/load/writes.sh                      # 60 s, 2 wrk threads, 8 connections
#   UNSPUN=/tmp/old-target/release/unspun SKIP_BUILD=1 bench/load/writes.sh   # another build
#   # knobs: DURATION (60, seconds), THREADS (2), CONNECTIONS (8), BODIES (20), PORT (18081),
#   #        CORPUS (allsides), WORK (/tmp/unspun-load-writes), SKIP_BUILD=1,
#   #        CARGO_TARGET_DIR, UNSPUN (the binary to serve with; default: the release build)
#
# Needs wrk and curl (Debian: apt-get install -y wrk curl; the script installs wrk with
# apt-get when it is missing and it runs as root). Only 127.0.0.1 is contacted; the run is
# bounded by DURATION and the server is stopped (SIGTERM) at the end. The index is built once
# in WORK/index and copied for every run, so runs of different builds start equal.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-60}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
BODIES="${BODIES:-20}"
PORT="${PORT:-18081}"
CORPUS="${CORPUS:-$root/../shared/data/allsides/articles.jsonl.gz}"
WORK="${WORK:-/tmp/unspun-load-writes}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v wrk >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "writes.sh: wrk is missing (apt-get install -y wrk)" >&2
        exit 2
    fi
fi
command -v curl >/dev/null || { echo "writes.sh: curl is missing (apt-get install -y curl)" >&2; exit 2; }
[[ -f $CORPUS ]] || { echo "writes.sh: corpus $CORPUS not found (set CORPUS=...)" >&2; exit 2; }
# shellcheck source=../common.sh
source "$here/../common.sh"
bench_build "$root" "$TARGET"
server_bin="${UNSPUN:-$unspun}"

mkdir -p "$WORK"
if [[ ! -d $WORK/index ]]; then
    echo "== unspun index $CORPUS" >&2
    "$unspun" index --quiet --index "$WORK/index.tmp" "$CORPUS" >&2
    mv "$WORK/index.tmp" "$WORK/index"
fi
if [[ ! -f $WORK/patchworks.jsonl ]]; then
    echo "== $BODIES patchworks as request bodies" >&2
    "$bench" generate --corpus "$CORPUS" --docs 20000 --count "$BODIES" --seed 42 \
        --out "$WORK/patchworks.jsonl" 2>/dev/null
fi
# Trace bodies {"title", "text"}, and write bodies: each write a new document (unique id)
# whose text is a generated article, so every write adds real postings.
python3 - "$WORK" "$DURATION" <<'EOF'
import json, sys
work, duration = sys.argv[1], int(sys.argv[2])
articles = [json.loads(line)["article"] for line in open(f"{work}/patchworks.jsonl")]
for n, a in enumerate(articles):
    with open(f"{work}/body-{n:03d}.json", "w") as out:
        json.dump({"title": a.get("title"), "text": a["text"]}, out)
for n in range(duration + 5):
    a = articles[n % len(articles)]
    with open(f"{work}/write-{n:04d}.json", "w") as out:
        json.dump({"id": f"load-write-{n}", "title": a.get("title"),
                   "text": a["text"] + f" Update {n}."}, out)
EOF
bench_wrk_rotate "$WORK" "$BODIES"

rm -rf "$WORK/run-index" "$WORK/write-statuses"
cp -r "$WORK/index" "$WORK/run-index"
bench_serve_warm "$server_bin" "$WORK/run-index" "$PORT" "$WORK"
rss_start_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
segments() { curl -fsS "http://127.0.0.1:$PORT/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["n_segments"])'; }
segments_start="$(segments)"

echo "== wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s POST /v1/trace, one write per second" >&2
(
    n_ok=0
    for n in $(seq 0 $((DURATION - 1))); do
        status="$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            --data-binary "@$(printf '%s/write-%04d.json' "$WORK" "$n")" \
            "http://127.0.0.1:$PORT/v1/documents" || echo 000)"
        [[ $status == 200 ]] && n_ok=$((n_ok + 1))
        echo "$status" >> "$WORK/write-statuses"
        sleep 1
    done
    echo "$n_ok" > "$WORK/writes-ok"
) &
writer=$!
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/rotate.lua" \
    "http://127.0.0.1:$PORT" > "$WORK/wrk.txt"
wait "$writer"
rss_end_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
# A merge may still be running after the last write: the count is the one served now.
segments_end="$(segments)"
kill -TERM "$server"
wait "$server" || true
trap - EXIT
echo "binary: $server_bin"
echo "server RSS: start $((rss_start_kb / 1024)) MiB, end $((rss_end_kb / 1024)) MiB, peak $((hwm_kb / 1024)) MiB"
echo "writes: $(cat "$WORK/writes-ok") of $DURATION answered 200 (statuses: $(sort "$WORK/write-statuses" | uniq -c | tr -s ' \n' ' '))"
echo "segments: $segments_start at the start, $segments_end at the end"
grep -E "Requests/sec|LATENCY_MS|ERRORS|requests in|Non-2xx" "$WORK/wrk.txt"
