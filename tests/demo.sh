#!/usr/bin/env bash
# The bbscan demo: no AWS account needed. Builds bbscan (with its built-in WebAssembly policies)
# and audits the demo snapshot of a realistic BrainBytes production account.
set -euo pipefail
cd "$(dirname "$0")/.."

. tests/toolchain.sh

say "building bbscan (the first build of the AWS SDK and wasmtime takes several minutes)"
cargo build --locked --quiet -p bbscan
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/bbscan"

say "bbscan audit --demo   (exit status 1 means findings at or above --fail-on high)"
status=0
"$bin" audit --demo || status=$?
say "exit status $status. The snapshot it audited: $bin snapshot --demo; the report as JSON: $bin audit --demo --format json"
[ "$status" -le 1 ]
