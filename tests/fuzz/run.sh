#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of user input, with libFuzzer through cargo-fuzz:
#
#   bash tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]
#
# Runs each target (default: all) for SECONDS_PER_TARGET (default 60) from the checked-in corpus
# under tests/fuzz/corpus/TARGET, adds what it learns to a working copy of that corpus
# (tests/fuzz/work/, not checked in), and prints executions and coverage per target. A crash
# stops the run and leaves the input in tests/fuzz/artifacts/TARGET/; replay it with
#   cargo fuzz run --fuzz-dir tests/fuzz --sanitizer none TARGET tests/fuzz/artifacts/TARGET/crash-…
# BBSCAN_FUZZ_MERGE=1 then merges into the checked-in corpus the inputs that add coverage.
#
# The instrumentation flags cargo-fuzz passes are stable rustc codegen options; without a
# sanitizer (`--sanitizer none`, Rust code is memory safe) it needs no nightly toolchain.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/toolchain.sh

seconds="${1:-60}"
shift || true
all=(snapshot plan journal settings baseline iam_document policy_results)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz from crates.io (once)"
  cargo install --locked cargo-fuzz
fi
export CARGO_TARGET_DIR="${BBSCAN_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bbscan/fuzz-target}"
fuzz=(cargo fuzz run --fuzz-dir tests/fuzz --sanitizer none -O)

say "building the fuzz targets with coverage instrumentation (in $CARGO_TARGET_DIR)"
cargo fuzz build --fuzz-dir tests/fuzz --sanitizer none -O

for t in "${targets[@]}"; do
  work="tests/fuzz/work/$t"
  mkdir -p "$work" "tests/fuzz/artifacts/$t"
  say "fuzzing $t for ${seconds}s"
  log="tests/fuzz/work/$t.log"
  # -rss_limit_mb: a reader may not need more than 2 GiB for any input; -timeout: nor 10 s.
  if ! "${fuzz[@]}" "$t" "$work" "tests/fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "error: fuzz target $t failed; the input is in tests/fuzz/artifacts/$t/ (log: $log)" >&2
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  printf '    %-15s %10s executions, coverage %s edges, no crash\n' "$t" "$execs" "$cov"
  if [ "${BBSCAN_FUZZ_MERGE:-}" = 1 ]; then
    # libFuzzer's set-cover merge over edges: adds only inputs that reach code the corpus does not.
    "${fuzz[@]}" "$t" "tests/fuzz/corpus/$t" "$work" -- -set_cover_merge=1 -use_counters=0 >/dev/null 2>&1 \
      || echo "warning: could not merge the corpus of $t" >&2
  fi
done
