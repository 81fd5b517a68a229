#!/usr/bin/env bash
# Benchmark an organisation-wide snapshot: ACCOUNTS moto accounts (the management account and
# members made with Organizations CreateAccount), each seeded like the demo BrainBytes account,
# read with `bbscan snapshot --organization` at 1, 4 and 16 accounts at once. Reports wall time,
# peak RSS and API calls. Usage: bash tests/bench/accounts.sh [ACCOUNTS] [--release]
set -euo pipefail
cd "$(dirname "$0")/../.."
accounts="${1:-20}"
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
out="$(mktemp -d)"
trap 'kill $moto_pid 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break; sleep 0.2; done
endpoint="http://127.0.0.1:$port"

echo "making an organisation of $accounts accounts and seeding each (a few minutes) ..."
start=$(date +%s.%N)
"$venv/bin/python" - "$endpoint" "$accounts" > "$out/ids" <<'PY'
import boto3, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
org = boto3.client("organizations", **kw)
org.create_organization(FeatureSet="ALL")
for i in range(int(sys.argv[2]) - 1):
    print(org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")["CreateAccountStatus"]["AccountId"])
PY
"$venv/bin/python" tests/fake_aws/seed.py --endpoint "$endpoint" > /dev/null
while read -r id; do
  "$venv/bin/python" tests/fake_aws/seed.py --endpoint "$endpoint" --account-id "$id" --no-moto-seed > /dev/null
done < "$out/ids"
echo "seeded in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
# A first run warms moto (its first IAM call per account loads the AWS-managed policies).
"$bin" snapshot -q --organization --usage-days 0 --account-concurrency 4 --endpoint-url "$endpoint" --region us-east-1 -o "$out/warm"
printf '%-22s %10s %14s %12s %10s\n' "accounts at once" "wall (s)" "peak RSS (MB)" "resources" "API calls"
for n in 1 4 16; do
  /usr/bin/time -f "%e %M" -o "$out/time" "$bin" snapshot -q --organization --usage-days 0 --account-concurrency "$n" \
    --endpoint-url "$endpoint" --region us-east-1 -o "$out/c$n"
  read -r wall rss < "$out/time"
  python3 - "$out/c$n" "$n" "$wall" "$rss" <<'PY'
import json, os, sys
d, n, wall, rss = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
index = json.load(open(os.path.join(d, "index.json")))
resources = sum(a["resources"] for a in index["accounts"])
calls = 0
for a in index["accounts"]:
    if a.get("snapshot"):
        calls += json.load(open(os.path.join(d, a["snapshot"])))["metadata"]["api_calls"]
collected = sum(1 for a in index["accounts"] if a["status"] == "collected")
print(f"{n:<22} {wall:>10.1f} {rss / 1024:>14.0f} {resources:>12} {calls:>10}   ({collected}/{len(index['accounts'])} accounts)")
PY
done
