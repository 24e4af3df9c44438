#!/usr/bin/env bash
# Corpus-scale reuse (issue #10): `unspun index` + `unspun cluster` against rensa and datasketch
# MinHash LSH on the synthetic corpora of ../shared/bench/reuse, scored by its score.py.
#
#   bench/reuse/run.sh                          # SIZES="2000 20000"
#   SIZES="20000 100000" NO_BUILD=1 bench/reuse/run.sh
#   SIZES=1000000 PEERS=none NICE=10 DROP_CORPUS=1 WORK=/tmp/unspun-reuse bench/reuse/run.sh  # 1M
#   # knobs (env): SIZES ("2000 20000"), SEED (7), THRESHOLD (0.5), NUM_PERM (128), NGRAM (5),
#   #   PEERS ("rensa datasketch"; "none": unspun alone), NICE (0: nice level of every step),
#   DROP_CORPUS=1 (remove corpus.jsonl once indexed, when PEERS=none: 1.6 GB at 1M),
#   INPUT (1; 0: skip the run of unspun cluster --input),
#   NO_BUILD=1 (or SKIP_BUILD=1: use the existing binary),
#   #   CARGO_TARGET_DIR (target), WORK (bench/reuse/work), VENV (bench/reuse/.venv),
#   #   PYTHON (python3, to make the venv), SHARED (../shared/bench/reuse), OUT (results.json)
#
# For each size N, in one run on one machine, one tool after the other:
#   1. WORK/toyN/: make_toy_corpus.py --docs N --seed SEED (kept when made with the same
#      parameters and the same generator);
#   2. unspun index --quiet --json, then unspun cluster --quiet --json --fresh, each under
#      /usr/bin/time -v, with its anonymous and file-backed (mapped index) resident memory
#      sampled every 0.5 s; links.jsonl -> pairs; du -sb of the index over the raw text bytes;
#      and (unless INPUT=0) unspun cluster --input corpus.jsonl, the same job without an index
#      (its links compared byte for byte with those of index + cluster);
#   3. lsh.py lsh --tool rensa / datasketch (one process each, /usr/bin/time -v): all pairs;
#   4. score.py of every tool's pairs against truth.jsonl.
# Then lsh.py report prints one table per size and the cost per document across sizes, and
# writes every figure to OUT (bench/reuse/results.json, gitignored). Prints `uptime` at the
# start and the end: the machine may be shared. Times are printed, never asserted. Exits
# non-zero if any tool produced no result (its error and the tail of its stderr are shown).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SIZES="${SIZES:-2000 20000}"
SEED="${SEED:-7}"
THRESHOLD="${THRESHOLD:-0.5}"
NUM_PERM="${NUM_PERM:-128}"
NGRAM="${NGRAM:-5}"
PEERS="${PEERS:-rensa datasketch}"
[[ $PEERS == none ]] && PEERS=""
NICE="${NICE:-0}"
WORK="${WORK:-$here/work}"
VENV="${VENV:-$here/.venv}"
PYTHON="${PYTHON:-python3}"
SHARED="${SHARED:-$root/../shared/bench/reuse}"
OUT="${OUT:-$here/results.json}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"
TIME=/usr/bin/time

die() { echo "run.sh: $*" >&2; exit 2; }
[[ $NICE =~ ^[0-9]+$ ]] || die "NICE must be a number, got '$NICE'"
[[ -x $TIME ]] || die "$TIME is missing (apt-get install -y time)"
for f in make_toy_corpus.py score.py; do
    [[ -f $SHARED/$f ]] || die "$SHARED/$f not found (set SHARED=...)"
done
for n in $SIZES; do
    [[ $n =~ ^[0-9]+$ ]] || die "SIZES must be numbers of documents, got '$n'"
done
for peer in $PEERS; do
    [[ $peer == rensa || $peer == datasketch ]] || die "PEERS: rensa and/or datasketch, got '$peer'"
done

echo "== load at start: $(uptime)" >&2
load_start="$(uptime)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"
[[ ${NO_BUILD:-0} != 0 ]] && export SKIP_BUILD=1
bench_venv "$VENV" "$here/requirements.txt" "$PYTHON"
bench_build "$root" "$TARGET"
[[ -x $unspun ]] || die "$unspun is missing: build it (cargo build --release -p unspun) or unset NO_BUILD"

mkdir -p "$WORK/bin"
# One copy of the binary for the whole run: every size runs the same build even if the
# target directory is rebuilt meanwhile.
cp "$unspun" "$WORK/bin/unspun.tmp" && mv "$WORK/bin/unspun.tmp" "$WORK/bin/unspun"
unspun_built="$(date -u -r "$unspun" +%Y-%m-%dT%H:%M:%SZ)"
unspun_src="$unspun"
unspun="$WORK/bin/unspun"
failed=()

# loadavg NAME FILE: records the 1-minute load average before a step in FILE (a JSON object).
loadavg() {
    "$py" - "$1" "$2" <<'EOF'
import json, os, sys
name, path = sys.argv[1], sys.argv[2]
loads = json.load(open(path)) if os.path.exists(path) else {}
loads[name] = float(open("/proc/loadavg").read().split()[0])
json.dump(loads, open(path, "w"), indent=1)
EOF
}

# rss_peaks PID OUT: until PID (GNU time) ends, samples its child's RssAnon and RssFile every
# 0.5 s; writes the peaks (MB = 10^6 bytes) to OUT as JSON. Peak RSS of time -v counts the
# pages of the index files mapped by the process too: RssAnon is what the process allocated.
rss_peaks() {
    local pid="$1" out="$2" anon=0 file=0 sampled=0 child a f
    while kill -0 "$pid" 2> /dev/null; do
        child="$(pgrep -P "$pid" | head -n 1 || true)"
        if [[ -n $child && -r /proc/$child/status ]]; then
            sampled=1
            read -r a f < <(awk '/^RssAnon/{a=$2}/^RssFile/{f=$2}END{print a+0, f+0}' \
                "/proc/$child/status" 2> /dev/null || echo "0 0")
            ((a > anon)) && anon=$a
            ((f > file)) && file=$f
        fi
        sleep 0.5
    done
    if ((sampled == 0)); then
        echo '{"peak_anon_mb": null, "peak_file_mb": null}' > "$out"
        return
    fi
    printf '{"peak_anon_mb": %s, "peak_file_mb": %s}\n' \
        "$(awk -v k="$anon" 'BEGIN{printf "%.1f", k*1024/1e6}')" \
        "$(awk -v k="$file" 'BEGIN{printf "%.1f", k*1024/1e6}')" > "$out"
}

# measure DIR NAME CMD...: runs CMD under /usr/bin/time -v (DIR/NAME.time), stdout to
# DIR/NAME.json, stderr to DIR/NAME.err, resident memory peaks to DIR/NAME.rss.json; on
# failure says so with the tail of its stderr.
measure() {
    local dir="$1" name="$2"
    shift 2
    loadavg "$name" "$dir/loads.json"
    echo "== $name: $*" >&2
    local rc=0 pid
    nice -n "$NICE" "$TIME" -v -o "$dir/$name.time" "$@" > "$dir/$name.json" \
        2> "$dir/$name.err" &
    pid=$!
    rss_peaks "$pid" "$dir/$name.rss.json"
    wait "$pid" || rc=$?
    if ((rc != 0)); then
        echo "run.sh: $name FAILED (exit $rc) in $dir; last lines of $dir/$name.err:" >&2
        tail -n 20 "$dir/$name.err" | sed 's/^/    /' >&2
        failed+=("$name@$(basename "$dir")")
        return 1
    fi
    grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$dir/$name.time" \
        | sed "s/^[[:space:]]*/   $name: /" >&2
}

# score DIR NAME TRUTH PAIRS
score() {
    local dir="$1" name="$2" truth="$3" pairs="$4"
    if ! "$py" "$SHARED/score.py" --truth "$truth" --pairs "$pairs" --name "$name" \
        --out "$dir/$name.score.json" >&2; then
        echo "run.sh: score.py failed for $name in $dir" >&2
        rm -f "$dir/$name.score.json"
        failed+=("score:$name@$(basename "$dir")")
    fi
}

gen_sha="$(sha256sum "$SHARED/make_toy_corpus.py" | cut -d' ' -f1)"
for n in $SIZES; do
    toy="$WORK/toy$n"
    dir="$WORK/size$n"
    params="docs=$n seed=$SEED generator=$gen_sha"
    if [[ -f $toy/params && $(cat "$toy/params") == "$params" && -f $toy/corpus.jsonl \
        && -f $toy/truth.jsonl && -f $toy/stats.json ]]; then
        echo "== corpus $n: kept $toy ($params)" >&2
    else
        echo "== corpus $n: make_toy_corpus.py --docs $n --seed $SEED" >&2
        rm -rf "$toy"
        mkdir -p "$toy"
        "$PYTHON" "$SHARED/make_toy_corpus.py" --docs "$n" --seed "$SEED" --out-dir "$toy" >&2 \
            || die "make_toy_corpus.py failed for $n documents"
        echo "$params" > "$toy/params"
    fi
    rm -rf "$dir" "$WORK/idx$n" "$WORK/cl$n" "$WORK/cin$n"
    mkdir -p "$dir"

    # unspun: index then cluster, each timed on its own.
    raw_bytes=null
    if measure "$dir" unspun-index "$unspun" index --quiet --json --index "$WORK/idx$n" \
        "$toy/corpus.jsonl"; then
        raw_bytes="$("$py" "$here/lsh.py" text-bytes "$toy/corpus.jsonl")"
    fi
    # unspun without an index: cluster --input reads the corpus into its own store (no
    # postings) and runs the same stages; its links must be the bytes of index + cluster.
    if [[ ${INPUT:-1} != 0 ]] \
        && measure "$dir" unspun-input "$unspun" cluster --quiet --json --input "$toy/corpus.jsonl" \
            --out "$WORK/cin$n" --fresh; then
        if [[ -f $WORK/cin$n/links.jsonl ]]; then
            "$py" "$here/lsh.py" links-to-pairs "$WORK/cin$n/links.jsonl" "$dir/unspun-input.pairs.jsonl" >&2
            score "$dir" unspun-input "$toy/truth.jsonl" "$dir/unspun-input.pairs.jsonl"
        else
            echo "run.sh: unspun cluster --input wrote no $WORK/cin$n/links.jsonl" >&2
            failed+=("unspun-input-links@size$n")
        fi
    fi
    if [[ ${DROP_CORPUS:-0} != 0 && -z $PEERS ]]; then
        # Only the peers read the corpus again (the next run makes it anew): its disk is the
        # cluster stage's (prints shards and spilled runs: about 5.5 GB at 1M).
        rm -f "$toy/corpus.jsonl" "$toy/params"
    fi
    if [[ $raw_bytes != null ]] \
        && measure "$dir" unspun-cluster "$unspun" cluster --quiet --json --index "$WORK/idx$n" \
            --out "$WORK/cl$n" --fresh; then
        if [[ -f $WORK/cl$n/links.jsonl ]]; then
            "$py" "$here/lsh.py" links-to-pairs "$WORK/cl$n/links.jsonl" "$dir/unspun.pairs.jsonl" >&2
            score "$dir" unspun "$toy/truth.jsonl" "$dir/unspun.pairs.jsonl"
        else
            echo "run.sh: unspun cluster wrote no $WORK/cl$n/links.jsonl" >&2
            failed+=("unspun-links@size$n")
        fi
        index_bytes="$(du -sb "$WORK/idx$n" | cut -f1)"
        cluster_bytes="$(du -sb "$WORK/cl$n" | cut -f1)"
        same_links=null
        if [[ -f $WORK/cin$n/links.jsonl ]]; then
            same_links=false
            cmp -s "$WORK/cl$n/links.jsonl" "$WORK/cin$n/links.jsonl" && same_links=true
        fi
        printf '{"index_bytes": %s, "raw_text_bytes": %s, "cluster_out_bytes": %s, "input_links_same_bytes": %s}\n' \
            "$index_bytes" "$raw_bytes" "$cluster_bytes" "$same_links" > "$dir/sizes.json"
        echo "   index $index_bytes B on disk, raw text $raw_bytes B" >&2
    fi

    for peer in $PEERS; do
        if measure "$dir" "$peer" "$py" "$here/lsh.py" lsh --tool "$peer" \
            --corpus "$toy/corpus.jsonl" --out "$dir/$peer.pairs.jsonl" \
            --threshold "$THRESHOLD" --num-perm "$NUM_PERM" --ngram "$NGRAM"; then
            score "$dir" "$peer" "$toy/truth.jsonl" "$dir/$peer.pairs.jsonl"
        fi
    done
done

load_end="$(uptime)"
head_commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
"$py" - "$WORK/meta.json" <<EOF
import json, sys
json.dump({"started": "$started", "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
           "uptime_start": """$load_start""".strip(), "uptime_end": """$load_end""".strip(),
           "nproc": $(nproc), "git_head": "$head_commit", "tracked_files_modified": $dirty,
           "unspun": "$unspun_src", "unspun_sha256": "$(sha256sum "$unspun" | cut -d' ' -f1)",
           "unspun_version": """$("$unspun" --version 2>/dev/null || true)""".strip(),
           "unspun_mtime": "$unspun_built",
           "threshold": $THRESHOLD, "num_perm": $NUM_PERM, "ngram": $NGRAM, "seed": $SEED,
           "peers": "$PEERS".split(), "failed_steps": "${failed[*]}".split()},
          open(sys.argv[1], "w"), indent=1)
EOF

rc=0
"$py" "$here/lsh.py" report --work "$WORK" --sizes "$SIZES" --out "$OUT" --meta "$WORK/meta.json" \
    --peers "$PEERS" \
    || rc=$?
echo
echo "load at start: $load_start"
echo "load at end:   $load_end"
echo "($(nproc) cores; git HEAD $head_commit with $dirty modified tracked files; binary $unspun_src built $unspun_built)"
echo "results: $OUT" >&2
if ((${#failed[@]})); then
    echo "run.sh: failed steps: ${failed[*]}" >&2
    exit 1
fi
exit "$rc"
