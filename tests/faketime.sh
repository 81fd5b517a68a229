#!/usr/bin/env bash
# Run the test suite with the clock set to other dates, to show that no test depends on today's
# date: a year end, a leap day, and a date years ahead (libfaketime, Debian package `faketime`).
#
#   bash tests/faketime.sh                       # every test, at each date below
#   bash tests/faketime.sh -E 'test(demo)'       # extra arguments go to cargo nextest run
#   BBSCAN_FAKETIME_DATES="2029-03-01 00:00:05" bash tests/faketime.sh
#
# The tests are built first with the real clock; then each run moves every process's clock to the
# date (UTC) and lets it tick (so timeouts and the fake AWS behave), in the time zone
# Pacific/Kiritimati (UTC+14), so a test reading the machine's zone fails too. Not part of
# tests/run.sh: it runs the whole suite once per date.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/toolchain.sh

if ! command -v faketime >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
  say "installing libfaketime (Debian package faketime)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends faketime >/dev/null \
    || { echo "error: faketime is not installed and could not be installed (apt-get install faketime)" >&2; exit 2; }
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "error: tests/faketime.sh needs cargo-nextest (cargo install cargo-nextest --locked)" >&2
  exit 2
fi

dates=()
if [ -n "${BBSCAN_FAKETIME_DATES:-}" ]; then
  dates=("$BBSCAN_FAKETIME_DATES")
else
  dates=("2027-12-31 23:58:00" "2028-02-29 12:00:00" "2033-07-04 03:00:00")
fi

triple=$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
lib=$(dpkg -L faketime libfaketime 2>/dev/null | grep -m1 '/libfaketime\.so\.1$' || true)
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
  echo "error: libfaketime.so.1 not found (apt-get install faketime)" >&2
  exit 2
fi
say "building the tests with the real clock"
cargo nextest run --workspace --locked --no-run
status=0
for date in "${dates[@]}"; do
  # An offset from the real clock, not an absolute date: libfaketime would read an absolute
  # date in each process's own time zone.
  offset=$(( $(date -u -d "$date" +%s) - $(date -u +%s) ))
  say "running the tests with the clock at $date UTC (offset ${offset}s, TZ=Pacific/Kiritimati)"
  # libfaketime goes into the test processes (and what they start: bbscan, the fake AWS) through
  # cargo's target runner; nextest itself keeps the real clock (under libfaketime it hangs).
  # The library is preloaded directly: the `faketime` wrapper makes a named semaphore per run,
  # and tests starting at the same instant can collide on it ("sem_open: File exists").
  if ! env "CARGO_TARGET_${triple}_RUNNER=env LD_PRELOAD=$lib FAKETIME=+${offset}s" TZ=Pacific/Kiritimati \
      cargo nextest run --workspace --locked --no-fail-fast "$@"; then
    say "FAILED with the clock at $date"
    status=1
  fi
done
exit $status
