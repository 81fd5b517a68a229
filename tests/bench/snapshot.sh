#!/usr/bin/env bash
# Benchmark `bbscan snapshot` against a moto account seeded with about SCALE extra resources.
# Reports wall time and API calls (total and per kind of call) at concurrency 1 and at the
# default. Usage: bash tests/bench/snapshot.sh [SCALE] [--release]
set -euo pipefail
cd "$(dirname "$0")/../.."
scale="${1:-1000}"
profile=debug; build_flags=()
if [ "${2:-}" = "--release" ]; then profile=release; build_flags=(--release); fi

venv="${BBSCAN_MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/bbscan/moto-5.2.5}"
if [ ! -x "$venv/bin/python" ]; then
  echo "moto is not installed in $venv: run bash tests/run.sh once (it installs it)" >&2
  exit 2
fi
cargo build --locked --quiet -p bbscan "${build_flags[@]}"
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target/$profile/bbscan"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break; sleep 0.2; done

echo "seeding moto on port $port with scale $scale ..."
start=$(date +%s.%N)
"$venv/bin/python" tests/fake_aws/seed.py --endpoint "http://127.0.0.1:$port" --scale "$scale" > /dev/null
echo "seeded in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
out="$(mktemp -d)"
# A first run warms moto (its first IAM call loads the AWS-managed policies).
"$bin" snapshot -q --endpoint-url "http://127.0.0.1:$port" --region us-east-1 -o "$out/warm.json"
for concurrency in 1 16; do
  start=$(date +%s.%N)
  "$bin" snapshot -q --endpoint-url "http://127.0.0.1:$port" --region us-east-1 --concurrency "$concurrency" -o "$out/c$concurrency.json"
  end=$(date +%s.%N)
  python3 - "$out/c$concurrency.json" "$concurrency" "$(python3 -c "print($end - $start)")" "$profile" <<'PY'
import json, sys, collections
snap = json.load(open(sys.argv[1]))
meta = snap["metadata"]
print(f"\n== concurrency {sys.argv[2]} ({sys.argv[4]} build): {len(snap['resources'])} resources, "
      f"{meta['api_calls']} API calls, {len(snap['gaps'])} gaps, {float(sys.argv[3]):.2f} s wall")
kinds = collections.Counter(r["kind"] for r in snap["resources"])
print("resources per kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
by_service = collections.Counter()
for op, n in meta["api_calls_by_operation"].items():
    by_service[op.split(":")[0]] += n
print("API calls per service: " + ", ".join(f"{s} {n}" for s, n in sorted(by_service.items())))
print("API calls per operation:")
for op, n in sorted(meta["api_calls_by_operation"].items()):
    print(f"  {op:<45} {n}")
PY
done
rm -rf "$out"
