//! `bbscan policy new NAME --lang rust`: a working policy crate with a rule and its tests.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0:?} is not a usable policy name: use lower-case letters, digits and dashes, starting with a letter")]
    BadName(String),
    #[error("{0} already exists; bbscan will not overwrite it. Choose another name or --dir")]
    Exists(PathBuf),
    #[error(
        "the bbscan policy SDK was not found at {0}; pass --sdk PATH (the policies/sdk directory of the bbscan repository)"
    )]
    NoSdk(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Where the SDK sat when this binary was built.
pub fn default_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/sdk")
}

/// Create `dir` with a Rust policy crate named `name`. Returns the files written.
pub fn new_rust_policy(dir: &Path, name: &str, sdk: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
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
    let sdk = sdk.canonicalize().map_err(|_| ScaffoldError::NoSdk(sdk.to_path_buf()))?;
    if !sdk.join("Cargo.toml").is_file() {
        return Err(ScaffoldError::NoSdk(sdk));
    }
    let area = name.to_ascii_uppercase().replace('-', "_");
    let rule = format!("{area}.LAMBDA_TRACING");
    let files = [
        ("Cargo.toml", cargo_toml(name, &sdk)),
        ("src/lib.rs", lib_rs(name, &rule)),
        ("README.md", readme(name)),
        (".gitignore", "/target\n".to_string()),
    ];
    let mut written = Vec::new();
    for (file, contents) in files {
        let path = dir.join(file);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, contents)
        };
        write().map_err(|source| ScaffoldError::Write { path: path.clone(), source })?;
        written.push(path);
    }
    Ok(written)
}

fn cargo_toml(name: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
# cdylib: the WebAssembly component; rlib: native unit tests.
crate-type = ["cdylib", "rlib"]

[dependencies]
bbscan-policy = {{ path = "{}" }}

# A workspace of its own.
[workspace]

# Built as bbscan's built-in policies are: smaller, faster components.
[profile.release]
lto = "thin"
codegen-units = 4
"#,
        sdk.display()
    )
}

fn lib_rs(name: &str, rule: &str) -> String {
    format!(
        r#"//! {name}: a bbscan policy.

use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity}};

pub const LAMBDA_TRACING: &str = "{rule}";

pub struct Checks;

impl Policy for Checks {{
    fn info() -> PolicyInfo {{
        PolicyInfo {{
            name: "{name}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![Rule {{
                id: LAMBDA_TRACING.into(),
                title: "Lambda functions are traced with X-Ray".into(),
                description: "Without active tracing, slow or failing requests cannot be followed across services.".into(),
                default_severity: Severity::Low,
                kinds: vec!["lambda.function".into()],
                compliance: vec![ComplianceRef::new("AWS Foundational Security Best Practices", "Lambda.7")],
                help_text: "Turn on active tracing for the function.".into(),
                help_markdown: "Turn on **active tracing** (`TracingConfig.Mode = Active`).".into(),
                remediation: "aws lambda update-function-configuration --function-name NAME --tracing-config Mode=Active".into(),
                not_flagged: "Functions whose configuration could not be read: nothing is concluded about them.".into(),
            }}],
        }}
    }}

    fn evaluate(_ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {{
        for r in resources {{
            let ResourceConfig::LambdaFunction(f) = &r.config else {{ continue }};
            if !r.is_known("tracing_mode") {{
                continue;
            }}
            if f.tracing_mode.as_deref() == Some("Active") {{
                report.pass(LAMBDA_TRACING);
            }} else {{
                report.fail(LAMBDA_TRACING, r, format!("function {{}} is not traced", r.name)).evidence("/config/tracing_mode");
            }}
        }}
        Ok(())
    }}
}}

bbscan_policy::export_policy!(Checks);

#[cfg(test)]
mod tests {{
    use super::*;
    use bbscan_policy::model::LambdaFunction;

    fn function(name: &str, tracing: Option<&str>) -> Resource {{
        Resource {{
            arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{{name}}"),
            name: name.into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            tags: Default::default(),
            unknown: vec![],
            config: ResourceConfig::LambdaFunction(Box::new(LambdaFunction {{
                tracing_mode: tracing.map(str::to_string),
                ..Default::default()
            }})),
        }}
    }}

    #[test]
    fn a_traced_function_passes_and_an_untraced_one_fails() {{
        let snapshot = bbscan_policy::testing::snapshot(vec![function("traced", Some("Active")), function("dark", None)]);
        let report = bbscan_policy::run::<Checks>(&snapshot, &bbscan_policy::json!({{}})).expect("evaluates");
        assert_eq!(report.findings.len(), 1);
        assert!(report.findings[0].message.contains("dark"));
        assert_eq!(report.tallies[LAMBDA_TRACING].evaluated, 2);
        assert_eq!(report.tallies[LAMBDA_TRACING].passed, 1);
    }}
}}
"#
    )
}

fn readme(name: &str) -> String {
    let file = name.replace('-', "_");
    format!(
        "# {name}\n\nA bbscan policy.\n\n```sh\ncargo test                                            # native unit tests\n\
         rustup target add wasm32-wasip2                       # once\ncargo build --release --target wasm32-wasip2\n\
         bbscan audit --demo --policy target/wasm32-wasip2/release/{file}.wasm\n```\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_nothing_is_overwritten() {
        let dir = std::env::temp_dir().join(format!("bbscan-scaffold-{}", std::process::id()));
        assert!(matches!(new_rust_policy(&dir, "Bad_Name", &default_sdk()), Err(ScaffoldError::BadName(_))));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(new_rust_policy(&dir, "ok-name", &default_sdk()), Err(ScaffoldError::Exists(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
