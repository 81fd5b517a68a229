#!/usr/bin/env bash
# The bbscan demo: no AWS account needed. Builds bbscan and prints what it collected from a
# realistic BrainBytes production account (the snapshot shipped in the binary).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not installed. Install Rust with rustup (https://rustup.rs), then rerun." >&2
  exit 2
fi

say "building bbscan (the first build of the AWS SDK takes a few minutes)"
cargo build --locked --quiet -p bbscan
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/bbscan"

out="${1:-bbscan-demo-snapshot.json}"
say "bbscan snapshot --demo -o $out"
"$bin" snapshot --demo -o "$out"
say "what the demo account holds (first lines of $out):"
python3 - "$out" <<'PY'
import json, sys
snap = json.load(open(sys.argv[1]))
meta = snap["metadata"]
print(f"  account {meta['account_id']}, app {meta['app']}, stage {meta['stage']}, regions {', '.join(meta['regions'])}")
for r in snap["resources"][:12]:
    print(f"  {r['kind']:<34} {r['name']}")
print(f"  … {len(snap['resources'])} resources, {len(snap['gaps'])} gaps: see {sys.argv[1]}")
PY
