# Sourced by tests/run.sh and tests/demo.sh: `say`, and a Rust toolchain able to build
# bbscan and its WebAssembly policies (the wasm32-wasip2 target, installed with rustup).

say() { printf '==> %s\n' "$*"; }

# /dev/null must be the null device. On a machine where it has become a regular file, every
# program that discards output writes it there and every program that reads "nothing" reads that
# text instead: cargo's first question to rustc (`rustc - --print=…`, which reads its program
# from /dev/null) then fails on a stray compiler diagnostic. Put the device back when we may.
if [ ! -c /dev/null ]; then
  if [ "$(id -u)" = 0 ] && mknod -m 666 "/dev/.null.$$" c 1 3 2>&1 && mv -f "/dev/.null.$$" /dev/null; then
    say "/dev/null was a regular file on this machine; restored it as the null device (char 1,3)"
  else
    echo "error: /dev/null is not the null device on this machine (it is a $(stat -c %F /dev/null 2>&1))." >&2
    echo "  Builds read stray text from it. Restore it as root: rm /dev/null && mknod -m 666 /dev/null c 1 3" >&2
    exit 2
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not installed. Install Rust with rustup (https://rustup.rs), then rerun." >&2
  exit 2
fi

if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    say "installing the Rust target wasm32-wasip2 (bbscan's policies are built for it)"
    rustup target add wasm32-wasip2
  fi
else
  say "rustup not found: make sure the wasm32-wasip2 target is installed for your Rust"
fi
