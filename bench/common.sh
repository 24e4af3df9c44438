# Shared by the bench scripts (sourced, not run): a pinned Python venv and a release build.
#
#   bench_venv VENV REQUIREMENTS [PYTHON]   creates VENV once, installs the pins, sets $py
#   bench_build ROOT TARGET                 cargo build --release of unspun and unspun-bench
#                                           (skipped when SKIP_BUILD is set), sets $unspun, $bench

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
