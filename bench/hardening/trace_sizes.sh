#!/usr/bin/env bash
# Trace cost against article size (issue #13): one-"sentence" articles (no full stop) of
# 5 KB .. 1 MB and real text (concatenated AllSides articles) of 50 KB .. 1 MB, traced with
# `unspun trace --json` under /usr/bin/time against an AllSides index. Prints, per input: exit
# code, wall seconds, peak RSS, the report's stats.limits_hit and its number of sources.
#
#   bench/hardening/trace_sizes.sh [UNSPUN_BIN] [INDEX_DIR]
#
# The index is built with UNSPUN_BIN when INDEX_DIR has none. TIMEOUT (seconds, default 300)
# bounds each trace. Needs ../shared/data/allsides and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-target/release/unspun}
INDEX=${2:-target/bench-hardening/allsides.idx}
WORK=target/bench-hardening
TIMEOUT=${TIMEOUT:-300}
DATA=../shared/data/allsides/articles.jsonl.gz
mkdir -p "$WORK"
[ -x "$BIN" ] || cargo build --release --locked
[ -f "$INDEX/MANIFEST" ] || "$BIN" index --index "$INDEX" "$DATA" --quiet --json > /dev/null
python3 - "$DATA" "$WORK" <<'PY'
import gzip, json, re, sys
data, work = sys.argv[1], sys.argv[2]
texts = []
with gzip.open(data, 'rt') as f:
    for line in f:
        t = json.loads(line).get('text') or ''
        if len(t) > 2000:
            texts.append(t)
        if len(texts) >= 600:
            break
big = "\n\n".join(texts)
for kb in [50, 100, 200, 1000]:
    open(f'{work}/real-{kb}k.txt', 'w').write(big[:kb * 1000])
words = re.sub(r'[^\w\s]', ' ', big).split()
for kb in [5, 20, 40, 80, 160, 1000]:
    out, n = [], 0
    for w in words:
        out.append(w)
        n += len(w) + 1
        if n >= kb * 1000:
            break
    open(f'{work}/onesent-{kb}k.txt', 'w').write(" ".join(out))
PY
for f in onesent-5k onesent-20k onesent-40k onesent-80k onesent-160k onesent-1000k \
         real-50k real-100k real-200k real-1000k; do
  set +e
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" timeout -s KILL "$TIMEOUT" \
    "$BIN" trace --index "$INDEX" --json "$WORK/$f.txt" > "$WORK/$f.json" 2> "$WORK/$f.err"
  code=$?
  set -e
  read -r wall rss < <(tail -n1 "$WORK/time.txt")
  about=$(python3 -c "
import json, sys
try:
    r = json.load(open('$WORK/$f.json'))
    print(','.join(r['stats'].get('limits_hit', [])) or '-', len(r['sources']), 'sources')
except Exception:
    print('no report')")
  echo "$f exit=$code wall=${wall}s peak_rss=$((rss / 1024))MB $about"
done
