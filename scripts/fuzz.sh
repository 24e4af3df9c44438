#!/usr/bin/env bash
# Short fuzz run of every target in fuzz/ (cargo-fuzz, libFuzzer), as CI runs it:
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 15: a minute for the four targets)
# Installs cargo-fuzz when missing, seeds fuzz/corpus/ from ../shared/data (fuzz/seed.sh),
# builds the targets once, runs each for the given time and prints its executions. Exits 1
# when a target crashed, leaving the reproducer in fuzz/artifacts/<target>/.
#
# Stable toolchain: `--sanitizer none` is the only mode of cargo-fuzz that passes no -Z flag
# (the default, AddressSanitizer, needs nightly; so do --build-std and --careful), so no
# RUSTC_BOOTSTRAP is needed. `--debug-assertions` turns overflow into a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

seconds="${1:-15}"
targets=(normalize_split trace records http_input)
flags=(--sanitizer none --debug-assertions)
# Longest input per target. The trace has no work bounds yet: keep its articles short.
declare -A max_len=([normalize_split]=16384 [trace]=4096 [records]=16384 [http_input]=8192)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== cargo install cargo-fuzz"
  started=$SECONDS
  cargo install cargo-fuzz --locked
  echo "cargo-fuzz installed in $((SECONDS - started)) s"
fi

echo "== fuzz: seeding fuzz/corpus/"
bash fuzz/seed.sh

echo "== fuzz: cargo fuzz build (${flags[*]})"
started=$SECONDS
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $((SECONDS - started)) s"

logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
crashed=()
for target in "${targets[@]}"; do
  log="$logs/$target.log"
  echo "== fuzz: $target for ${seconds} s"
  status=0
  cargo fuzz run "${flags[@]}" "$target" -- \
    -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=60 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  per_second="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  echo "$target: ${execs:-?} execs (${per_second:-?} execs/s)"
  if [ "$status" -ne 0 ]; then
    crashed+=("$target")
    echo "$target: CRASHED (exit $status); the last lines of $log:" >&2
    tail -n 60 "$log" >&2
    ls -1 "fuzz/artifacts/$target/" >&2 2>/dev/null || true
  fi
done

if [ "${#crashed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in ${crashed[*]}: reproducers in fuzz/artifacts/<target>/;" \
    "run one with: cargo fuzz run ${flags[*]} <target> <file>" >&2
  exit 1
fi
echo "fuzz: no crash"
