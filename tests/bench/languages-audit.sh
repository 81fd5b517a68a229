#!/usr/bin/env bash
# The policy languages measured as a user runs them: `bbscan audit --snapshot … --policy X
# --timings`, the policy's own line, on the snapshot of scanner/benches/policy_languages.rs
# (N resources: the demo account's buckets and roles cloned, its managed policies kept), runs
# alternating between the components; prints each run and the medians. The components come from
# `bbscan policy build` (tests/bench/languages.sh builds the templates).
# Only the policies that own a rule named by --only run (every built-in policy too otherwise,
# sharing the cores).
# Usage: bash tests/bench/languages-audit.sh LABEL=component.wasm… --only RULE… [--resources N] [--runs R]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=10000; runs=5; policies=(); only=()
while [ $# -gt 0 ]; do
  case $1 in
    --resources) n=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only+=(--only "$2"); shift 2 ;;
    *=*) policies+=("$1"); shift ;;
    *) echo "usage: $0 LABEL=component.wasm… --only RULE… [--resources N] [--runs R]" >&2; exit 2 ;;
  esac
done
[ ${#policies[@]} -gt 0 ] && [ ${#only[@]} -gt 0 ] || { echo "usage: $0 LABEL=component.wasm… --only RULE… [--resources N] [--runs R]" >&2; exit 2; }
# BBSCAN_BIN: an already built binary (to compare builds); otherwise this checkout's, built.
bin="${BBSCAN_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --locked --quiet --release -p bbscan
  target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  bin="$target/release/bbscan"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" snapshot --demo -o "$work/demo.json" 2>/dev/null
python3 - "$work/demo.json" "$work/snapshot.json" "$n" <<'PY'
import copy, json, sys
demo = json.load(open(sys.argv[1])); n = int(sys.argv[3])
templates = [r for r in demo["resources"] if r["kind"] in ("s3.bucket", "iam.role")]
out = copy.deepcopy(demo)
out["resources"] = [r for r in demo["resources"] if r["kind"] == "iam.policy"]
i = 0
while len(out["resources"]) < n:
    r = copy.deepcopy(templates[i % len(templates)])
    r["arn"] = f'{r["arn"]}-{i}'; r["name"] = f'{r["name"]}-{i}'
    if r["kind"] == "s3.bucket" and i % 3 == 0:
        r.setdefault("tags", {})["sst:stage"] = "production"
    out["resources"].append(r); i += 1
json.dump(out, open(sys.argv[2], "w"))
PY
# The compiled components are cached here, so that runs measure evaluation, not compilation.
export XDG_CACHE_HOME="$work/cache"
# The audit's status is not this bench's business (findings exit 1); the policy's own timing
# line is, and a run without it stops the bench.
one() {
  local ms
  ms=$({ "$bin" audit --snapshot "$work/snapshot.json" --policy "$1" "${only[@]}" --fail-on none --format json \
    -o "$work/out.json" --policy-timeout 600 --timings 2>&1 || true; } | awk -v name="$2" '$1 == name { print $2 }')
  [ -n "$ms" ] || { echo "no timing for $2 ($1)" >&2; exit 1; }
  echo "$ms"
}
for p in "${policies[@]}"; do one "${p#*=}" "$(basename "${p#*=}" .wasm)" >/dev/null; done
for ((i = 1; i <= runs; i++)); do
  line="run $i:"
  for p in "${policies[@]}"; do
    ms=$(one "${p#*=}" "$(basename "${p#*=}" .wasm)")
    echo "${p%%=*} $ms" >>"$work/runs"
    line="$line ${p%%=*} ${ms} ms"
  done
  echo "$line"
done
python3 - "$work/runs" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, ms = line.split()
    runs[label].append(float(ms))
first = None
for label, values in runs.items():
    m = statistics.median(values)
    first = first or m
    print(f"{label:12} median {m:8.1f} ms  ({min(values):.1f}–{max(values):.1f})  {m / first:5.1f}× the first")
PY
