//! Build the built-in policies (`policies/*`) as WebAssembly components from source, for
//! `wasm32-wasip2`, and embed them in the binary so that one `bbscan` works alone.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Built-in policy crates: (short name, package, directory under policies/).
const BUILTINS: &[(&str, &str)] = &[
    ("iam", "bbscan-policy-iam"),
    ("s3", "bbscan-policy-s3"),
    ("cloudfront", "bbscan-policy-cloudfront"),
    ("lambda", "bbscan-policy-lambda"),
    ("ssm", "bbscan-policy-ssm"),
    ("logging", "bbscan-policy-logging"),
    ("recovery", "bbscan-policy-recovery"),
    ("tags", "bbscan-policy-tags"),
];

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("scanner/ is in the workspace root").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // The Rust policy crates only: not the TypeScript and Python SDKs (their node_modules and
    // virtualenvs change under every `npm ci`), nor the templates (include_str!, tracked by cargo).
    for (name, _) in BUILTINS {
        println!("cargo:rerun-if-changed={}", root.join("policies").join(name).display());
    }
    for watched in [
        "policies/sdk",
        "wit",
        "scanner/model/src",
        "scanner/model/Cargo.toml",
        "scanner/iam/src",
        "scanner/iam/data",
        "scanner/iam/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    // A target directory of its own: the outer build holds the lock on the usual one.
    // OUT_DIR is <target>/<profile>/build/bbscan-<hash>/out.
    let target_dir =
        out_dir.ancestors().nth(4).map(|t| t.join("wasm-policies")).unwrap_or_else(|| out_dir.join("wasm-policies"));
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(&cargo);
    command.current_dir(&root).args(["build", "--release", "--locked", "--target", TARGET]);
    for (_, package) in BUILTINS {
        command.args(["-p", package]);
    }
    command.env("CARGO_TARGET_DIR", &target_dir);
    // No input: whatever the outer build's standard input holds is not for this cargo.
    command.stdin(std::process::Stdio::null());
    // Flags meant for the host build must not leak into the wasm build, nor the outer build's
    // jobserver (the nested cargo schedules its own jobs).
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(var);
    }
    // BBSCAN_PREBUILT_POLICIES=1 embeds the components already in the policy target directory
    // without rebuilding them: for working on the scanner while a policy crate is mid-edit.
    println!("cargo:rerun-if-env-changed=BBSCAN_PREBUILT_POLICIES");
    let prebuilt = env::var_os("BBSCAN_PREBUILT_POLICIES").is_some();
    if prebuilt {
        println!(
            "cargo:warning=BBSCAN_PREBUILT_POLICIES is set: embedding the policies built earlier, not rebuilding them"
        );
    } else {
        let status = command.status().unwrap_or_else(|e| panic!("could not run {cargo}: {e}"));
        if !status.success() {
            panic!(
                "building the built-in policies for {TARGET} failed (see above). If the target is missing, \
                 install it with `rustup target add {TARGET}` (tests/run.sh and tests/demo.sh do this)"
            );
        }
    }

    let mut table =
        String::from("/// Built-in policies: (name, component bytes).\npub const BUILTIN: &[(&str, &[u8])] = &[\n");
    for (name, package) in BUILTINS {
        let built = target_dir.join(TARGET).join("release").join(format!("{}.wasm", package.replace('-', "_")));
        let copy = out_dir.join(format!("{name}.wasm"));
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("copy {}: {e}", built.display()));
        table.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path_str(&copy)));
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("builtin_policies.rs"), table).expect("write builtin_policies.rs");
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
