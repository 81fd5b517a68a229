#!/usr/bin/env bash
# Benchmark getting to the first finding on a fresh runner: (a) the GitHub Action's way — download
# the release archive (served here from loopback), check its SHA-256, unpack, and `bbscan audit`
# with an empty cache (every built-in policy compiled once) — against (b) building from source.
# Also the release archive's and binary's sizes.
#
# usage: bash tests/bench/install.sh ARCHIVE [--cold-build]
#   ARCHIVE       a release archive from `.ci/release-build` (x86_64-unknown-linux-musl here)
#   --cold-build  also time `.ci/release-build` from an empty target directory (15+ minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
archive=$(realpath "${1:?usage: bash tests/bench/install.sh ARCHIVE [--cold-build]}")
name=$(basename "$archive" .tar.gz)
version=${name#bbscan-}; version=${version%%-*}
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/release/v$version" "$work/runner"
cp "$archive" "$work/release/v$version/"
(cd "$work/release/v$version" && sha256sum "$name.tar.gz" > SHA256SUMS)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/release" >/dev/null 2>&1 &
server=$!
sleep 1

demo="$work/demo.json"
tar -xzf "$archive" -O "$name/bbscan" > "$work/bbscan" && chmod +x "$work/bbscan"
"$work/bbscan" snapshot --demo -o "$demo"

start=$(date +%s.%N)
env -i PATH="$PATH" HOME="$work/runner" RUNNER_TEMP="$work/runner" RUNNER_OS=Linux RUNNER_ARCH=X64 \
  GITHUB_OUTPUT="$work/install.out" VERSION="$version" REPOSITORY=brainbytes/bbscan \
  DOWNLOAD_URL="http://127.0.0.1:$port" VERIFY_ATTESTATION=false bash .ci/action-install >/dev/null
installed=$(date +%s.%N)
bbscan=$(sed -n 's/^bbscan=//p' "$work/install.out")
(cd "$work/runner" && env -i PATH="$PATH" HOME="$work/runner" XDG_CACHE_HOME="$work/runner/cache" \
  GITHUB_OUTPUT="$work/audit.out" BBSCAN="$bbscan" SNAPSHOT="$demo" FAIL_ON=none OUTPUT=out \
  bash "$OLDPWD/.ci/action-audit" >/dev/null 2>&1) || true
audited=$(date +%s.%N)
second_start=$(date +%s.%N)
(cd "$work/runner" && env -i PATH="$PATH" HOME="$work/runner" XDG_CACHE_HOME="$work/runner/cache" \
  GITHUB_OUTPUT="$work/audit2.out" BBSCAN="$bbscan" SNAPSHOT="$demo" FAIL_ON=none OUTPUT=out2 \
  bash "$OLDPWD/.ci/action-audit" >/dev/null 2>&1) || true
second=$(date +%s.%N)

secs() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
printf '%-52s %s\n' "archive ($name.tar.gz)" "$(du -h "$archive" | cut -f1)"
printf '%-52s %s\n' "binary (unpacked, built-in policies inside)" "$(du -h "$bbscan" | cut -f1)"
printf '%-52s %.2f s\n' "action install: download + SHA-256 + unpack" "$(secs "$start" "$installed")"
printf '%-52s %.2f s\n' "first audit on a fresh runner (policies compiled)" "$(secs "$installed" "$audited")"
printf '%-52s %.2f s\n' "fresh runner to first finding (install + audit)" "$(secs "$start" "$audited")"
printf '%-52s %.2f s\n' "a second audit (compiled policies cached)" "$(secs "$second_start" "$second")"
printf '%-52s %s\n' "findings" "$(sed -n 's/^findings=//p' "$work/audit.out")"

if [ "${2:-}" = "--cold-build" ]; then
  target="$work/target"
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$target" bash .ci/release-build "$(echo "$name" | sed "s/^bbscan-$version-//")" "$work/dist" >/dev/null 2>&1
  printf '%-52s %.0f s\n' "building from source (release, empty target dir)" "$(secs "$start" "$(date +%s.%N)")"
fi
