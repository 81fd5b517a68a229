#!/usr/bin/env bash
# Run the whole bbscan test suite on a fresh machine: installs what it needs, then builds and
# runs every test once (unit tests, the real binary against a fake AWS, schema checks).
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/toolchain.sh
# The suite reads no input.
exec </dev/null

# The fake AWS: moto's server in a virtualenv outside the repository (shared with the harness,
# which installs it itself on first use if this step was skipped).
moto_version=5.2.5
venv="${BBSCAN_MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/bbscan/moto-$moto_version}"
if [ ! -f "$venv/.bbscan-installed" ]; then
  say "installing the fake AWS, moto[server]==$moto_version, into $venv (about a minute, once)"
  if ! python3 -m venv "$venv" || ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$moto_version"; then
    echo "error: could not install moto. The tests need Python 3 with venv and pip (Debian: apt-get install python3-venv) and access to PyPI." >&2
    exit 2
  fi
  echo "$moto_version" > "$venv/.bbscan-installed"
else
  say "fake AWS (moto $moto_version) already installed in $venv"
fi
export BBSCAN_MOTO_VENV="$venv"

# A real browser for the HTML report test: Debian's chromium. Installed when missing and we
# may (root, or sudo without a password); otherwise the test says so (and fails under CI).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
  apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
  say "installing Chromium (Debian package chromium) for the browser test of the HTML report"
  if ! { $apt install -y --no-install-recommends chromium >/dev/null 2>&1 \
         || { $apt update -qq >/dev/null 2>&1 && $apt install -y --no-install-recommends chromium >/dev/null 2>&1; }; }; then
    say "could not install chromium: the browser test will say so"
  fi
elif command -v chromium >/dev/null 2>&1; then
  say "Chromium already installed ($(command -v chromium))"
fi

# In CI, build in a target directory outside the clone so later runs on the same machine
# start warm; a cold run simply fills it.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/bbscan/target"
  mkdir -p "$CARGO_TARGET_DIR"
  say "CI: using the target directory $CARGO_TARGET_DIR"
fi

say "building and running every test (the first build of the AWS SDK takes a few minutes)"
if cargo nextest --version >/dev/null 2>&1; then
  # One process per test, one summary line at the end.
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --all-targets --no-fail-fast
fi
