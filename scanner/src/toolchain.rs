//! `bbscan policy build`: a policy's source directory — Rust, TypeScript or Python — built into a
//! component with the language's own toolchain, installed where its users expect it (the
//! `wasm32-wasip2` target with rustup, npm packages in the policy's `node_modules`, a virtualenv
//! in the policy's `.venv`), never globally behind their back.
//!
//! The contract the component is built against is the one this binary speaks: its WIT is written
//! into the policy's `.bbscan/build/` for the JavaScript and Python toolchains (the Rust SDK
//! carries its own copy).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The contract, as this binary speaks it.
const POLICY_WIT: &str = include_str!("../../wit/policy.wit");
/// The componentize-py release the Python SDK is tested with.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Rust,
    TypeScript,
    Python,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::TypeScript => "typescript",
            Language::Python => "python",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "{0} is not a policy source directory: expected Cargo.toml (Rust), package.json (TypeScript) or \
         pyproject.toml (Python). Create one with `bbscan policy new NAME --lang rust|typescript|python`"
    )]
    NotASource(PathBuf),
    #[error("{file}: {problem}")]
    Manifest { file: PathBuf, problem: String },
    #[error("cannot build a {language} policy: `{tool}` was not found. {install}")]
    Missing { language: &'static str, tool: String, install: &'static str },
    #[error("{step} failed for the policy in {dir}:\n{output}")]
    Failed { step: String, dir: PathBuf, output: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
}

/// What `policy build` produced.
#[derive(Debug)]
pub struct Built {
    pub language: Language,
    /// The policy's name (its package's).
    pub name: String,
    /// The component.
    pub wasm: PathBuf,
    /// Taken from the cache: the sources had been built before, unchanged.
    pub cached: bool,
}

/// The language of a policy source directory, if it is one.
pub fn detect(dir: &Path) -> Option<Language> {
    if !dir.is_dir() {
        return None;
    }
    if dir.join("Cargo.toml").is_file() {
        Some(Language::Rust)
    } else if dir.join("package.json").is_file() {
        Some(Language::TypeScript)
    } else if dir.join("pyproject.toml").is_file() {
        Some(Language::Python)
    } else {
        None
    }
}

/// Build the policy in `dir` into `dir/NAME.wasm`. `say` tells the user what is being done.
pub fn build(dir: &Path, say: &dyn Fn(&str)) -> Result<Built, BuildError> {
    let language = detect(dir).ok_or_else(|| BuildError::NotASource(dir.to_path_buf()))?;
    let name = package_name(dir, language)?;
    let out = dir.join(format!("{name}.wasm"));
    match language {
        Language::Rust => build_rust(dir, &name, &out, say)?,
        Language::TypeScript => build_typescript(dir, &out, say)?,
        Language::Python => build_python(dir, &out, say)?,
    }
    Ok(Built { language, name, wasm: out, cached: false })
}

/// [`build`], unless these very sources were built before (`rebuild`: build anyway). The
/// component is kept in `cache_dir/sources/` under a hash of the sources (every file but
/// dependencies, outputs and test fixtures), the language, the contract and bbscan's version.
pub fn build_cached(
    dir: &Path,
    cache_dir: Option<&Path>,
    rebuild: bool,
    say: &dyn Fn(&str),
) -> Result<Built, BuildError> {
    let language = detect(dir).ok_or_else(|| BuildError::NotASource(dir.to_path_buf()))?;
    // cargo is its own cache (and knows the path dependencies); the component cache below it
    // still saves the compile of an unchanged component.
    let Some(cache_dir) = cache_dir.filter(|_| language != Language::Rust) else { return build(dir, say) };
    let hash = source_hash(dir, language)?;
    let cached = cache_dir.join("sources").join(format!("{hash}.wasm"));
    if cached.is_file() && !rebuild {
        let name = package_name(dir, language)?;
        return Ok(Built { language, name, wasm: cached, cached: true });
    }
    let built = build(dir, say)?;
    // The build may have installed the toolchain and the SDK, which the hash covers: key the
    // component by what it was really built from.
    let hash = source_hash(dir, language)?;
    let cached = cache_dir.join("sources").join(format!("{hash}.wasm"));
    let failed = |source| BuildError::Write { path: cached.clone(), source };
    std::fs::create_dir_all(cached.parent().unwrap_or(cache_dir)).map_err(failed)?;
    // Written under a temporary name and renamed: a concurrent audit never reads half a file.
    let partial = cached.with_extension(format!("{}.partial", std::process::id()));
    std::fs::copy(&built.wasm, &partial).and_then(|_| std::fs::rename(&partial, &cached)).map_err(failed)?;
    Ok(built)
}

/// Directories that hold dependencies, outputs or test cases, never what the component is built from.
const NOT_SOURCES: &[&str] =
    &["node_modules", ".venv", "venv", "target", ".bbscan", ".git", "__pycache__", ".pytest_cache", "fixtures"];

fn source_hash(dir: &Path, language: Language) -> Result<String, BuildError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BuildError> {
        let entries = std::fs::read_dir(dir).map_err(|source| BuildError::Read { path: dir.to_path_buf(), source })?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if !NOT_SOURCES.contains(&name.as_ref()) {
                    walk(&path, out)?;
                }
            } else if kind.is_file() && !name.ends_with(".wasm") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    // The SDK is built into the component too: the installed one (npm links a `file:` SDK, pip
    // copies it into the virtualenv), so that a changed SDK is a changed build.
    let sdk = match language {
        Language::TypeScript => std::fs::canonicalize(dir.join("node_modules/@bbscan/policy/src")).ok(),
        Language::Python => std::fs::read_dir(dir.join(".venv/lib")).ok().and_then(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path().join("site-packages/bbscan_policy")).find(|p| p.is_dir())
        }),
        Language::Rust => None,
    };
    if let Some(sdk) = sdk {
        walk(&sdk, &mut files)?;
    }
    files.sort();
    let mut hash = Sha256::new();
    hash.update(language.as_str());
    hash.update(POLICY_WIT);
    hash.update(env!("CARGO_PKG_VERSION"));
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| BuildError::Read { path: file.clone(), source })?;
        let relative = file.strip_prefix(dir).unwrap_or(&file).to_string_lossy().into_owned();
        hash.update((relative.len() as u64).to_le_bytes());
        hash.update(relative.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The package's name: Cargo.toml's `package.name`, package.json's `name` (without a scope),
/// pyproject.toml's `project.name`.
fn package_name(dir: &Path, language: Language) -> Result<String, BuildError> {
    let (file, name) = match language {
        Language::Rust => {
            let file = dir.join("Cargo.toml");
            let table = read_toml(&file)?;
            let name = table.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_string);
            (file, name)
        }
        Language::Python => {
            let file = dir.join("pyproject.toml");
            let table = read_toml(&file)?;
            let name = table.get("project").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_string);
            (file, name)
        }
        Language::TypeScript => {
            let file = dir.join("package.json");
            let text =
                std::fs::read_to_string(&file).map_err(|source| BuildError::Read { path: file.clone(), source })?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| BuildError::Manifest { file: file.clone(), problem: format!("not JSON: {e}") })?;
            let name = json.get("name").and_then(|n| n.as_str()).map(|n| n.rsplit('/').next().unwrap_or(n).to_string());
            (file, name)
        }
    };
    let name =
        name.ok_or_else(|| BuildError::Manifest { file: file.clone(), problem: "the package has no name".into() })?;
    let usable = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !usable {
        return Err(BuildError::Manifest {
            file,
            problem: format!("the package name {name:?} is not usable as a file name (letters, digits, - and _)"),
        });
    }
    Ok(name)
}

fn read_toml(file: &Path) -> Result<toml::Table, BuildError> {
    let text = std::fs::read_to_string(file).map_err(|source| BuildError::Read { path: file.to_path_buf(), source })?;
    toml::from_str(&text)
        .map_err(|e| BuildError::Manifest { file: file.to_path_buf(), problem: e.message().to_string() })
}

fn write(path: &Path, contents: &str) -> Result<(), BuildError> {
    let fail = |source| BuildError::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, contents).map_err(fail)
}

/// Run a step; its output is kept for the error (the last lines, where toolchains say what failed).
fn run(step: &str, dir: &Path, command: &mut Command) -> Result<Output, BuildError> {
    let output = command.current_dir(dir).stdin(Stdio::null()).output().map_err(|e| BuildError::Failed {
        step: step.to_string(),
        dir: dir.to_path_buf(),
        output: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.trim().is_empty() {
        text = format!("{stdout}\n{text}");
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let kept = lines[lines.len().saturating_sub(40)..].join("\n");
    Err(BuildError::Failed { step: step.to_string(), dir: dir.to_path_buf(), output: kept })
}

fn found(tool: &str) -> bool {
    Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn build_rust(dir: &Path, name: &str, out: &Path, say: &dyn Fn(&str)) -> Result<(), BuildError> {
    if !found("cargo") {
        return Err(BuildError::Missing {
            language: "Rust",
            tool: "cargo".into(),
            install: "Install Rust with rustup (https://rustup.rs), then run this again.",
        });
    }
    if found("rustup") {
        let installed = Command::new("rustup").args(["target", "list", "--installed"]).current_dir(dir).output();
        let has_target =
            installed.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "wasm32-wasip2"));
        if !has_target {
            say("installing the Rust target wasm32-wasip2 with rustup (once)");
            run(
                "rustup target add wasm32-wasip2",
                dir,
                Command::new("rustup").args(["target", "add", "wasm32-wasip2"]),
            )?;
        }
    }
    say(&format!("building {name} with cargo (release, wasm32-wasip2)"));
    let output = run(
        "cargo build",
        dir,
        Command::new("cargo").args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--lib",
            "--message-format=json-render-diagnostics",
            "--quiet",
        ]),
    )?;
    // cargo says where the component is: wherever the target directory is (CARGO_TARGET_DIR
    // included).
    let stdout = String::from_utf8_lossy(&output.stdout);
    let artifact = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
        .next_back();
    let artifact = artifact.ok_or_else(|| BuildError::Failed {
        step: "cargo build".into(),
        dir: dir.to_path_buf(),
        output: "cargo built no .wasm: is the crate's type [\"cdylib\", \"rlib\"] as `bbscan policy new` writes it?"
            .into(),
    })?;
    std::fs::copy(&artifact, out).map_err(|source| BuildError::Write { path: out.to_path_buf(), source })?;
    Ok(())
}

fn build_typescript(dir: &Path, out: &Path, say: &dyn Fn(&str)) -> Result<(), BuildError> {
    let bin = dir.join("node_modules").join(".bin");
    let esbuild = bin.join("esbuild");
    let componentize = bin.join("componentize-js");
    if !esbuild.is_file() || !componentize.is_file() {
        if !found("npm") {
            return Err(BuildError::Missing {
                language: "TypeScript",
                tool: "npm".into(),
                install: "Install Node.js 20 or later (it comes with npm), then run this again.",
            });
        }
        say(&format!("installing the policy's toolchain with npm into {}", dir.join("node_modules").display()));
        run("npm install", dir, Command::new("npm").args(["install", "--no-audit", "--no-fund", "--loglevel=error"]))?;
        if !esbuild.is_file() || !componentize.is_file() {
            return Err(BuildError::Failed {
                step: "npm install".into(),
                dir: dir.to_path_buf(),
                output: "esbuild and @bytecodealliance/componentize-js must be devDependencies in package.json \
                         (as `bbscan policy new --lang typescript` writes them)"
                    .into(),
            });
        }
    }
    let entry_source = entry_module(dir)?;
    let build = dir.join(".bbscan").join("build");
    write(&build.join("policy.wit"), POLICY_WIT)?;
    let entry = build.join("entry.mjs");
    write(
        &entry,
        &format!(
            "// Written by `bbscan policy build`: the component's exports, from the policy's default export.\n\
             import * as snapshot from 'bbscan:policy/snapshot@0.2.0';\n\
             import * as iam from 'bbscan:policy/iam@0.2.0';\n\
             import {{ componentExports }} from '@bbscan/policy/component';\n\
             import policy from '../../{entry_source}';\n\
             const exports = componentExports(policy, {{ snapshot, iam }});\n\
             export const describe = exports.describe;\n\
             export const validateSettings = exports.validateSettings;\n\
             export const evaluate = exports.evaluate;\n"
        ),
    )?;
    say("bundling the policy with esbuild");
    let bundle = build.join("policy.js");
    run(
        "esbuild (bundling the TypeScript sources)",
        dir,
        Command::new(&esbuild)
            .arg(&entry)
            .args(["--bundle", "--format=esm", "--platform=neutral", "--external:bbscan:*", "--log-level=error"])
            .arg(format!("--outfile={}", bundle.display())),
    )?;
    say("building the component with componentize-js");
    run(
        "componentize-js",
        dir,
        Command::new(&componentize)
            .arg("--wit")
            .arg(build.join("policy.wit"))
            .args(["--world-name", "policy", "--disable", "http", "fetch-event", "-o"])
            .arg(out)
            .arg(&bundle),
    )?;
    Ok(())
}

/// package.json's `bbscan.entry`, else `src/policy.ts`.
fn entry_module(dir: &Path) -> Result<String, BuildError> {
    let file = dir.join("package.json");
    let text = std::fs::read_to_string(&file).map_err(|source| BuildError::Read { path: file.clone(), source })?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| BuildError::Manifest { file: file.clone(), problem: format!("not JSON: {e}") })?;
    let entry = json.pointer("/bbscan/entry").and_then(|e| e.as_str()).unwrap_or("src/policy.ts").to_string();
    let safe = !entry.starts_with('/')
        && !entry.split('/').any(|s| s == "..")
        && !entry.contains('\'')
        && !entry.contains('\\');
    if !safe || !dir.join(&entry).is_file() {
        return Err(BuildError::Manifest {
            file,
            problem: format!(
                "the policy's entry module {entry:?} is not a file inside the policy (set \"bbscan\": {{\"entry\": \"src/policy.ts\"}})"
            ),
        });
    }
    Ok(entry)
}

fn build_python(dir: &Path, out: &Path, say: &dyn Fn(&str)) -> Result<(), BuildError> {
    let venv = dir.join(".venv");
    let python = venv.join("bin").join("python");
    let componentize = venv.join("bin").join("componentize-py");
    if !componentize.is_file() {
        if !found("python3") {
            return Err(BuildError::Missing {
                language: "Python",
                tool: "python3".into(),
                install: "Install Python 3.11 or later with its venv module, then run this again.",
            });
        }
        if !python.is_file() {
            say(&format!("creating a virtualenv for the policy in {}", venv.display()));
            run("python3 -m venv", dir, Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        }
        let requirements = dir.join("requirements.txt");
        say(&format!("installing the policy's toolchain with pip into {}", venv.display()));
        let mut pip = Command::new(&python);
        pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]);
        if requirements.is_file() {
            pip.arg("-r").arg(&requirements);
        } else {
            pip.arg(COMPONENTIZE_PY);
        }
        run("pip install", dir, &mut pip)?;
        if !componentize.is_file() {
            return Err(BuildError::Failed {
                step: "pip install".into(),
                dir: dir.to_path_buf(),
                output: format!(
                    "requirements.txt must list {COMPONENTIZE_PY} (as `bbscan policy new --lang python` writes it)"
                ),
            });
        }
    }
    if !dir.join("policy.py").is_file() {
        return Err(BuildError::Manifest {
            file: dir.join("policy.py"),
            problem: "missing: a Python policy is the module policy.py, defining POLICY".into(),
        });
    }
    let build = dir.join(".bbscan").join("build");
    write(&build.join("policy.wit"), POLICY_WIT)?;
    write(
        &build.join("bbscan_entry.py"),
        "# Written by `bbscan policy build`: the component's exports, from policy.POLICY.\n\
         from bbscan_policy.component import world_class\n\
         import policy\n\n\
         WitWorld = world_class(policy.POLICY)\n",
    )?;
    say("building the component with componentize-py");
    run(
        "componentize-py",
        dir,
        Command::new(&componentize)
            // componentize-py finds the SDK in the virtualenv it is told about (not the one it
            // runs from, nor one the user has activated); no Rust backtrace buries the Python error.
            .env("VIRTUAL_ENV", &venv)
            .env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0")
            .arg("-d")
            .arg(build.join("policy.wit"))
            .args(["-w", "policy", "componentize", "-p"])
            .arg(dir)
            .arg("-p")
            .arg(&build)
            .args(["bbscan_entry", "-o"])
            .arg(out),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_told_apart_by_their_manifest() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect(dir.path()), None);
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"p\"\n").unwrap();
        assert_eq!(detect(dir.path()), Some(Language::Python));
        std::fs::write(dir.path().join("package.json"), "{\"name\": \"@team/checks\"}").unwrap();
        assert_eq!(detect(dir.path()), Some(Language::TypeScript));
        assert_eq!(package_name(dir.path(), Language::TypeScript).unwrap(), "checks");
        assert_eq!(package_name(dir.path(), Language::Python).unwrap(), "p");
    }

    #[test]
    fn the_source_hash_ignores_dependencies_and_outputs_and_sees_every_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}").unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/policy.ts"), "a").unwrap();
        let first = source_hash(dir.path(), Language::TypeScript).unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
        std::fs::write(dir.path().join("node_modules/x/index.js"), "b").unwrap();
        std::fs::write(dir.path().join("x.wasm"), "c").unwrap();
        assert_eq!(source_hash(dir.path(), Language::TypeScript).unwrap(), first);
        std::fs::write(dir.path().join("src/policy.ts"), "changed").unwrap();
        assert_ne!(source_hash(dir.path(), Language::TypeScript).unwrap(), first);
        assert_ne!(
            source_hash(dir.path(), Language::Python).unwrap(),
            source_hash(dir.path(), Language::TypeScript).unwrap()
        );
    }

    #[test]
    fn an_entry_outside_the_policy_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), r#"{"name": "x", "bbscan": {"entry": "../elsewhere.ts"}}"#)
            .unwrap();
        assert!(matches!(entry_module(dir.path()), Err(BuildError::Manifest { .. })));
    }
}
