# Shared by the bench scripts (sourced, not run): a pinned Python venv and a release build.
#
#   bench_venv VENV REQUIREMENTS [PYTHON]   creates VENV once, installs the pins, sets $py
#   bench_build ROOT TARGET                 cargo build --release of unspun and unspun-bench
#                                           (skipped when SKIP_BUILD is set), sets $unspun, $bench
#   bench_wrk_rotate WORK N                 writes WORK/rotate.lua: wrk POSTs WORK/body-000.json
#                                           .. body-(N-1).json to /v1/trace round robin and
#                                           prints LATENCY_MS and ERRORS lines when done
#   bench_serve_warm UNSPUN INDEX PORT WORK starts `UNSPUN serve` on 127.0.0.1:PORT (log in
#                                           WORK/serve.log), sets $server to its pid (killed
#                                           on exit), waits
#                                           for /readyz (30 s at most), then traces every
#                                           WORK/body-*.json once

bench_venv() {
    local venv="$1" requirements="$2" python="${3:-python3}"
    if [[ ! -x $venv/bin/python ]]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    py="$venv/bin/python"
}

bench_build() {
    local root="$1" target="$2"
    if [[ -z ${SKIP_BUILD:-} ]]; then
        (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p unspun -p unspun-bench)
    fi
    unspun="$target/release/unspun"
    bench="$target/release/unspun-bench"
}

bench_wrk_rotate() {
    local work="$1" bodies="$2"
    cat > "$work/rotate.lua" <<EOF
-- Each request takes the next body, round robin; non-2xx answers are counted by wrk.
local bodies = {}
for n = 0, $bodies - 1 do
    local f = assert(io.open(string.format("$work/body-%03d.json", n), "r"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
end
local i = 0
request = function()
    i = i % #bodies + 1
    return wrk.format("POST", "/v1/trace", {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
    io.write(string.format("LATENCY_MS p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
    io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.status, summary.errors.timeout))
end
EOF
}

bench_serve_warm() {
    local unspun="$1" index="$2" port="$3" work="$4"
    "$unspun" serve --index "$index" --addr "127.0.0.1:$port" 2>"$work/serve.log" &
    server=$!
    trap 'kill "$server" 2>/dev/null || true' EXIT
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
    echo "== warm-up: one trace per body" >&2
    for f in "$work"/body-*.json; do
        curl -fsS -H 'Content-Type: application/json' --data-binary "@$f" \
            "http://127.0.0.1:$port/v1/trace" >/dev/null
    done
}
