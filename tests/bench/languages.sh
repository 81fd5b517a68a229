#!/usr/bin/env bash
# Benchmark the policy languages: `bbscan policy new` in Rust, TypeScript and Python (the same
# two rules), then per language the first build (toolchain installed into the policy's
# directory: npm packages, a virtualenv; for Rust the crates compiled into an empty target),
# a rebuild after a one-line change, the component's size, and — through
# scanner/benches/policy_languages.rs — wasmtime's cold compile and the evaluation over 10,000
# resources relative to the Rust component.
# Usage: bash tests/bench/languages.sh [N resources]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/toolchain.sh
n="${1:-10000}"
cargo build --locked --quiet --release -p bbscan
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target/release/bbscan"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The Rust policy builds from nothing: its own, empty target directory (not bbscan's).
policy_target="$work/rust-target"

seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.1f}")' "$1"; }
policies=""
printf '%-12s %16s %12s %12s\n' language "first build s" "rebuild s" "size MiB"
for lang in rust typescript python; do
  dir="$work/$lang"
  # Against this checkout's SDKs (the published packages are not what is measured, nor reachable offline).
  "$bin" policy new bench-checks --lang "$lang" --dir "$dir" --sdk-path "$PWD" 2>/dev/null
  start=$(date +%s.%N); (cd "$dir" && CARGO_TARGET_DIR="$policy_target" "$bin" policy build . --no-cache >/dev/null 2>"$work/$lang.log") || { cat "$work/$lang.log"; exit 1; }
  first=$(seconds "$start")
  # A one-line change: the message's wording.
  case $lang in
    rust) sed -i 's/may write to every bucket/can write to every bucket/' "$dir/src/lib.rs" ;;
    typescript) sed -i 's/may write to every bucket/can write to every bucket/' "$dir/src/policy.ts" ;;
    python) sed -i 's/may write to every bucket/can write to every bucket/' "$dir/policy.py" ;;
  esac
  start=$(date +%s.%N); (cd "$dir" && CARGO_TARGET_DIR="$policy_target" "$bin" policy build . --no-cache >/dev/null 2>>"$work/$lang.log")
  rebuild=$(seconds "$start")
  size=$(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1])/2**20:.1f}")' "$dir/bench-checks.wasm")
  printf '%-12s %16s %12s %12s\n' "$lang" "$first" "$rebuild" "$size"
  policies="$policies$lang=$dir/bench-checks.wasm,"
done
echo
BBSCAN_BENCH_POLICIES="$policies" cargo bench --locked --quiet -p bbscan --bench policy_languages -- "$n"
