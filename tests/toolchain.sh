# Sourced by tests/run.sh and tests/demo.sh: `say`, and a Rust toolchain able to build
# bbscan and its WebAssembly policies (the wasm32-wasip2 target, installed with rustup).

say() { printf '==> %s\n' "$*"; }

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
