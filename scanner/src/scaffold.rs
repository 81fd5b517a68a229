//! `bbscan policy new NAME --lang rust|typescript|python`: a policy with two working rules, a
//! fixture and the language's own tests. The templates (`policies/templates/`) are the same rules
//! in each language, kept identical by the tests; the fixture is shared.

use crate::toolchain::Language;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0:?} is not a usable policy name: use lower-case letters, digits and dashes, starting with a letter")]
    BadName(String),
    #[error("{0} already exists; bbscan will not overwrite it. Choose another name or --dir")]
    Exists(PathBuf),
    #[error(
        "the bbscan {language} policy SDK was not found at {path}; --sdk-path takes a bbscan checkout or its policies/{dir} directory"
    )]
    NoSdk { language: &'static str, path: PathBuf, dir: &'static str },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// (file in the new policy, template text)
type Template = &'static [(&'static str, &'static str)];

const FIXTURE: Template = &[
    ("fixtures/basic/snapshot.json", include_str!("../../policies/templates/fixtures/basic/snapshot.json")),
    ("fixtures/basic/expected.json", include_str!("../../policies/templates/fixtures/basic/expected.json")),
];

const RUST: Template = &[
    ("Cargo.toml", include_str!("../../policies/templates/rust/Cargo.toml")),
    ("src/lib.rs", include_str!("../../policies/templates/rust/src/lib.rs")),
    ("tests/fixtures.rs", include_str!("../../policies/templates/rust/tests/fixtures.rs")),
    ("README.md", include_str!("../../policies/templates/rust/README.md")),
    (".gitignore", include_str!("../../policies/templates/rust/gitignore")),
];

const TYPESCRIPT: Template = &[
    ("package.json", include_str!("../../policies/templates/typescript/package.json")),
    ("tsconfig.json", include_str!("../../policies/templates/typescript/tsconfig.json")),
    ("src/policy.ts", include_str!("../../policies/templates/typescript/src/policy.ts")),
    ("test/policy.test.ts", include_str!("../../policies/templates/typescript/test/policy.test.ts")),
    ("README.md", include_str!("../../policies/templates/typescript/README.md")),
    (".gitignore", include_str!("../../policies/templates/typescript/gitignore")),
];

const PYTHON: Template = &[
    ("pyproject.toml", include_str!("../../policies/templates/python/pyproject.toml")),
    ("requirements.txt", include_str!("../../policies/templates/python/requirements.txt")),
    ("policy.py", include_str!("../../policies/templates/python/policy.py")),
    ("test_policy.py", include_str!("../../policies/templates/python/test_policy.py")),
    ("README.md", include_str!("../../policies/templates/python/README.md")),
    (".gitignore", include_str!("../../policies/templates/python/gitignore")),
];

/// The version of the policy SDK packages (crate `bbscan-policy`, npm `@bbscan/policy`, PyPI
/// `bbscan-policy`) a new policy depends on: the version of the contract this binary speaks
/// (`bbscan:policy@0.2.0`). A test holds the three packages and the WIT to it.
pub const SDK_VERSION: &str = "0.2.0";

/// Where a new policy gets its SDK from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sdk {
    /// The published package of [`SDK_VERSION`] (crates.io, npm, PyPI): what a user outside
    /// this repository builds against.
    Published,
    /// A checkout of the bbscan repository, or the language's SDK directory in it
    /// (`--sdk-path`): for working on bbscan itself.
    Path(PathBuf),
}

fn sdk_dir(language: Language) -> &'static str {
    match language {
        Language::Rust => "sdk",
        Language::TypeScript => "sdk-ts",
        Language::Python => "sdk-python",
    }
}

/// Create `dir` with a policy named `name` in `language`, against `sdk`. Returns the files
/// written.
pub fn new_policy(dir: &Path, name: &str, language: Language, sdk: &Sdk) -> Result<Vec<PathBuf>, ScaffoldError> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && name.len() <= 64;
    if !valid {
        return Err(ScaffoldError::BadName(name.to_string()));
    }
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir.to_path_buf()));
    }
    let (template, manifest, language_name) = match language {
        Language::Rust => (RUST, "Cargo.toml", "Rust"),
        Language::TypeScript => (TYPESCRIPT, "package.json", "TypeScript"),
        Language::Python => (PYTHON, "pyproject.toml", "Python"),
    };
    let dependency = match sdk {
        Sdk::Published => match language {
            Language::Rust => format!("\"{SDK_VERSION}\""),
            Language::TypeScript => format!("^{SDK_VERSION}"),
            Language::Python => format!("bbscan-policy~={SDK_VERSION}"),
        },
        Sdk::Path(path) => {
            let no_sdk =
                || ScaffoldError::NoSdk { language: language_name, path: path.clone(), dir: sdk_dir(language) };
            // A checkout holding the SDK, or the SDK directory itself (in that order: a
            // checkout's root has a Cargo.toml of its own, the workspace's).
            let found = [path.join("policies").join(sdk_dir(language)), path.clone()]
                .into_iter()
                .find(|candidate| candidate.join(manifest).is_file())
                .ok_or_else(no_sdk)?;
            let found = found.canonicalize().map_err(|_| no_sdk())?;
            // A path inside TOML and JSON strings: forward slashes, no quote to escape.
            let reference = sdk_reference(dir, &found).replace('\\', "/");
            match language {
                Language::Rust => format!("{{ path = \"{reference}\" }}"),
                Language::TypeScript => format!("file:{reference}"),
                Language::Python => reference,
            }
        }
    };
    let area = name.to_ascii_uppercase().replace('-', "_");
    let crate_name = name.replace('-', "_");
    let fill = |text: &str| {
        text.replace("__NAME__", name)
            .replace("__AREA__", &area)
            .replace("__CRATE__", &crate_name)
            .replace("__SDK__", &dependency)
    };
    let mut written = Vec::new();
    for (file, text) in template.iter().chain(FIXTURE) {
        let path = dir.join(file);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, fill(text))
        };
        write().map_err(|source| ScaffoldError::Write { path: path.clone(), source })?;
        written.push(path);
    }
    Ok(written)
}

/// How the new policy names its SDK: relative to the policy when both are in one repository
/// (so that the reference holds in every clone, on a CI runner as on a laptop), else absolute.
fn sdk_reference(dir: &Path, sdk: &Path) -> String {
    let absolute = sdk.display().to_string();
    let Some(parent) = dir.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p }) else {
        return absolute;
    };
    let (Ok(parent), Some(leaf)) = (parent.canonicalize(), dir.file_name()) else { return absolute };
    let dir = parent.join(leaf);
    let Some(repository) = dir.ancestors().skip(1).find(|a| a.join(".git").exists()) else { return absolute };
    let (Ok(below), Ok(sdk_below)) = (dir.strip_prefix(repository), sdk.strip_prefix(repository)) else {
        return absolute;
    };
    let ups = below.components().count();
    let mut relative = PathBuf::new();
    for _ in 0..ups {
        relative.push("..");
    }
    relative.join(sdk_below).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_nothing_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let sdk = Sdk::Path(repository().join("policies/sdk"));
        assert!(matches!(
            new_policy(&dir.path().join("x"), "Bad_Name", Language::Rust, &sdk),
            Err(ScaffoldError::BadName(_))
        ));
        assert!(matches!(new_policy(dir.path(), "ok-name", Language::Rust, &sdk), Err(ScaffoldError::Exists(_))));
        let wrong_sdk = new_policy(&dir.path().join("y"), "ok-name", Language::TypeScript, &sdk);
        assert!(matches!(wrong_sdk, Err(ScaffoldError::NoSdk { .. })), "{wrong_sdk:?}");
    }

    #[test]
    fn the_sdk_is_named_relative_to_the_policy_inside_one_repository() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join(".git")).unwrap();
        std::fs::create_dir_all(repo.path().join("policies/sdk-ts")).unwrap();
        std::fs::create_dir_all(repo.path().join("team")).unwrap();
        let sdk = repo.path().join("policies/sdk-ts").canonicalize().unwrap();
        assert_eq!(sdk_reference(&repo.path().join("team/checks"), &sdk), "../../policies/sdk-ts");
        let elsewhere = tempfile::tempdir().unwrap();
        let outside = sdk_reference(&elsewhere.path().join("checks"), &sdk);
        assert_eq!(Path::new(&outside), sdk.as_path(), "outside the repository: the absolute path");
    }

    fn repository() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn a_new_policy_names_the_published_sdk_by_version_or_a_checkout_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let read = |name: &str, file: &str| std::fs::read_to_string(dir.path().join(name).join(file)).unwrap();
        new_policy(&dir.path().join("r"), "r", Language::Rust, &Sdk::Published).unwrap();
        assert!(
            read("r", "Cargo.toml").contains(&format!("bbscan-policy = \"{SDK_VERSION}\"\n")),
            "{}",
            read("r", "Cargo.toml")
        );
        new_policy(&dir.path().join("t"), "t", Language::TypeScript, &Sdk::Published).unwrap();
        let package: serde_json::Value = serde_json::from_str(&read("t", "package.json")).unwrap();
        assert_eq!(package["devDependencies"]["@bbscan/policy"], format!("^{SDK_VERSION}"));
        new_policy(&dir.path().join("p"), "p", Language::Python, &Sdk::Published).unwrap();
        assert!(read("p", "requirements.txt").lines().any(|l| l == format!("bbscan-policy~={SDK_VERSION}")));

        // --sdk-path: the checkout or the SDK directory itself, the same reference either way.
        let checkout = repository().canonicalize().unwrap();
        new_policy(&dir.path().join("t2"), "t2", Language::TypeScript, &Sdk::Path(checkout.clone())).unwrap();
        let package: serde_json::Value = serde_json::from_str(&read("t2", "package.json")).unwrap();
        let sdk = checkout.join("policies/sdk-ts").display().to_string();
        assert_eq!(package["devDependencies"]["@bbscan/policy"], format!("file:{sdk}"));
        new_policy(&dir.path().join("r2"), "r2", Language::Rust, &Sdk::Path(checkout.join("policies/sdk"))).unwrap();
        let sdk = checkout.join("policies/sdk").display().to_string();
        let wanted = format!("bbscan-policy = {{ path = \"{sdk}\" }}");
        assert!(read("r2", "Cargo.toml").contains(&wanted));
        // The checkout's root has a Cargo.toml too (the workspace's): the SDK's is the one named.
        new_policy(&dir.path().join("r3"), "r3", Language::Rust, &Sdk::Path(checkout.clone())).unwrap();
        assert!(read("r3", "Cargo.toml").contains(&wanted), "{}", read("r3", "Cargo.toml"));
        // A directory that is neither: refused, nothing written.
        let wrong = new_policy(&dir.path().join("p2"), "p2", Language::Python, &Sdk::Path(dir.path().to_path_buf()));
        assert!(matches!(wrong, Err(ScaffoldError::NoSdk { .. })), "{wrong:?}");
        assert!(!dir.path().join("p2").exists());
    }

    /// The version a new policy asks for is the version every SDK package carries and the
    /// version of the contract the binary speaks.
    #[test]
    fn the_sdk_packages_carry_the_version_new_policies_ask_for() {
        let root = repository();
        let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
        let cargo: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
        let dependency = &cargo["workspace"]["dependencies"]["bbscan-policy"]["version"];
        assert_eq!(dependency.as_str(), Some(SDK_VERSION), "the workspace's bbscan-policy version");
        assert_eq!(cargo["workspace"]["package"]["version"].as_str(), Some(SDK_VERSION), "the crates' version");
        let package: serde_json::Value = serde_json::from_str(&read("policies/sdk-ts/package.json")).unwrap();
        assert_eq!(package["version"], SDK_VERSION, "@bbscan/policy");
        let pyproject: toml::Table = toml::from_str(&read("policies/sdk-python/pyproject.toml")).unwrap();
        assert_eq!(pyproject["project"]["version"].as_str(), Some(SDK_VERSION), "bbscan-policy on PyPI");
        assert!(
            read("wit/policy.wit").contains(&format!("package bbscan:policy@{SDK_VERSION};")),
            "the contract's version"
        );
    }

    #[test]
    fn every_placeholder_is_filled() {
        for language in [Language::Rust, Language::TypeScript, Language::Python] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("team-checks");
            let files = new_policy(&target, "team-checks", language, &Sdk::Published).unwrap();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                // A placeholder is `__` + upper-case letters + `__` (Python's own `__name__` is not).
                let placeholder = text
                    .split("__")
                    .skip(1)
                    .step_by(2)
                    .any(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase()));
                assert!(!placeholder, "{} keeps a placeholder", file.display());
            }
            let expected = std::fs::read_to_string(target.join("fixtures/basic/expected.json")).unwrap();
            assert!(expected.contains("TEAM_CHECKS.DATA_CLASSIFICATION"));
        }
    }
}
