#!/usr/bin/env bash
# Benchmark `bbscan audit`: (a) cold compile vs warm cached load of the built-in policies,
# (b) an audit of a generated 10,000-resource snapshot with every built-in (warm cache),
# (d) a warm audit of a small snapshot (the demo), (e) the IAM judgement of a large account
# (1,000 roles, 200 users, 1,500 managed policies; effective permissions and the escalation
# graph inside the WebAssembly IAM policy). Usage: bash tests/bench/audit.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=debug; build_flags=()
if [ "${1:-}" = "--release" ]; then profile=release; build_flags=(--release); fi
cargo build --locked --quiet -p bbscan "${build_flags[@]}"
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target/$profile/bbscan"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" snapshot --demo -o "$work/small.json" 2>/dev/null
python3 - "$work/small.json" "$work/big.json" 10000 <<'PY'
import json, sys, copy
small = json.load(open(sys.argv[1]))
want = int(sys.argv[3])
resources = [r for r in small["resources"] if r["kind"] in ("s3.bucket", "cloudfront.distribution", "ssm.parameter", "lambda.function", "iam.role")]
big = copy.deepcopy(small)
big["resources"] = []
i = 0
while len(big["resources"]) < want:
    for r in resources:
        c = copy.deepcopy(r)
        c["arn"] = f'{r["arn"]}-{i}'
        c["name"] = f'{r["name"]}-{i}'
        big["resources"].append(c)
        i += 1
        if len(big["resources"]) >= want:
            break
big["resources"].sort(key=lambda r: (r["kind"], r["arn"]))
json.dump(big, open(sys.argv[2], "w"))
PY

time_runs() { # label, runs, command...
  local label=$1 runs=$2; shift 2
  python3 - "$label" "$runs" "$@" <<'PY'
import subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
times.sort()
print(f"{label:<58} median {times[len(times)//2]*1000:8.1f} ms   min {times[0]*1000:8.1f} ms   ({runs} runs)")
PY
}

echo "bbscan audit benchmarks ($profile build, $(nproc) cores)"
cold="$work/cold-cache"
time_runs "(a) cold: compile the built-in policies, audit the demo" 3 \
  bash -c "rm -rf '$cold' && XDG_CACHE_HOME='$cold' '$bin' audit --snapshot '$work/small.json' --fail-on none"
warm="$work/warm-cache"
XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/small.json" --fail-on none >/dev/null
time_runs "(a) warm: load the cached built-in policies, audit the demo" 10 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/small.json" --fail-on none
time_runs "(a) no cache at all (--no-cache), audit the demo" 3 \
  "$bin" audit --snapshot "$work/small.json" --fail-on none --no-cache
time_runs "(b) 10,000 resources, all built-ins, warm cache" 5 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/big.json" --fail-on none --format json
time_runs "(d) warm audit of a small snapshot (the demo, 43 resources)" 10 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/small.json" --fail-on none
# The account of the escalation benchmark (scanner/iam/benches/escalation.rs), as a snapshot.
cargo bench --locked --quiet -p bbscan-iam --bench escalation -- --snapshot "$work/iam.json" >/dev/null
time_runs "(e) 1,000 roles, 200 users, 1,500 policies: IAM as WebAssembly" 5 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/iam.json" --fail-on none --format json
