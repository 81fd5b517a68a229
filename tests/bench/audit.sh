#!/usr/bin/env bash
# Benchmark `bbscan audit`: (a) cold compile vs warm cached load of the built-in policies,
# (b) an audit of a generated 10,000-resource snapshot with every built-in (warm cache),
# (c) 100,000 resources (BBSCAN_BENCH_HUGE), every resource of the demo cloned, with the peak
# RSS to compare with the file's size, (d) a warm audit of a small snapshot (the demo), (e) the IAM judgement of a large account
# (1,000 roles, 200 users, 1,500 managed policies; effective permissions and the escalation
# graph inside the WebAssembly IAM policy). (b) and (c) are followed by one run with
# `audit --timings`: where the time goes; (f), with BBSCAN_BENCH_NATIVE=1, each built-in as
# native Rust vs WebAssembly over (c). Usage: bash tests/bench/audit.sh [--release]
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
# clone SNAPSHOT OUT COUNT five|all: COUNT resources cloned from the demo's (of five kinds, or
# of every kind so that every built-in has work), names and ARNs made unique. AWS-managed
# policies (`arn:aws:iam::aws:policy/…`) are AWS's, one per ARN in any account: held once, not
# cloned.
clone() {
  python3 - "$@" <<'PY'
import json, sys, copy
small = json.load(open(sys.argv[1]))
want = int(sys.argv[3])
resources = [r for r in small["resources"] if sys.argv[4] == "all" or r["kind"] in ("s3.bucket", "cloudfront.distribution", "ssm.parameter", "lambda.function", "iam.role")]
big = copy.deepcopy(small)
big["resources"] = []
i = 0
while len(big["resources"]) < want:
    for r in resources:
        if i > 0 and r["arn"].startswith("arn:aws:iam::aws:policy/"):
            continue
        c = copy.deepcopy(r)
        c["arn"] = f'{r["arn"]}-{i}'
        c["name"] = f'{r["name"]}-{i}'
        big["resources"].append(c)
        if len(big["resources"]) >= want:
            break
    i += 1
big["resources"].sort(key=lambda r: (r["kind"], r["arn"]))
json.dump(big, open(sys.argv[2], "w"))
PY
}
clone "$work/small.json" "$work/big.json" 10000 five
huge_count="${BBSCAN_BENCH_HUGE:-100000}"
clone "$work/small.json" "$work/huge.json" "$huge_count" all

time_runs() { # label, runs, command...
  local label=$1 runs=$2; shift 2
  python3 - "$label" "$runs" "$@" <<'PY'
import resource, subprocess, sys, time
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
times.sort()
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{label:<58} median {times[len(times)//2]*1000:8.1f} ms   min {times[0]*1000:8.1f} ms   peak RSS {rss:6.0f} MiB   ({runs} runs)")
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
# Where the time goes: one more run with the phases and each policy's evaluation timed.
breakdown() { # label, snapshot
  echo "    where the time goes in $1 (one run, audit --timings):"
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$2" --fail-on none --format json -o "$work/where.json" --timings 2>&1 \
    | grep -v '^bbscan: [0-9]* findings' | sed 's/^/      /'
}
breakdown "(b)" "$work/big.json"
huge_mb=$(( $(stat -c %s "$work/huge.json") / 1048576 ))
time_runs "(c) $huge_count resources (${huge_mb} MiB), every kind, warm cache" 3 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/huge.json" --fail-on none --format json
breakdown "(c)" "$work/huge.json"
time_runs "(d) warm audit of a small snapshot (the demo, 43 resources)" 10 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/small.json" --fail-on none
# The account of the escalation benchmark (scanner/iam/benches/escalation.rs), as a snapshot.
cargo bench --locked --quiet -p bbscan-iam --bench escalation -- --snapshot "$work/iam.json" >/dev/null
time_runs "(e) 1,000 roles, 200 users, 1,500 policies: IAM as WebAssembly" 5 \
  env XDG_CACHE_HOME="$warm" "$bin" audit --snapshot "$work/iam.json" --fail-on none --format json
# (f) BBSCAN_BENCH_NATIVE=1: each built-in over the (c) snapshot as native Rust and as
# WebAssembly, one after the other: the policy's own work vs what the boundary and the sandbox add.
if [ "${BBSCAN_BENCH_NATIVE:-}" = 1 ]; then
  echo "(f) each built-in over the (c) snapshot, native Rust vs WebAssembly:"
  cargo bench --locked --quiet -p bbscan --bench builtins_native -- "$work/huge.json" | sed 's/^/    /'
fi
