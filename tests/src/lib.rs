//! The test harness: a real moto server on a free loopback port, seeded with a fake
//! BrainBytes account, and the real `bbscan` binary run as a user runs it.
//!
//! moto is installed on first use into a virtualenv (`$BBSCAN_MOTO_VENV`, default
//! `~/.cache/bbscan/moto-5.2.5`), under a file lock so parallel tests install it once.

pub mod fault_proxy;
pub mod packages;

use serde_json::Value;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MOTO_VERSION: &str = "5.2.5";
pub const ACCOUNT_ID: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BBSCAN_MOTO_VENV") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("bbscan").join(format!("moto-{MOTO_VERSION}"))
}

/// The virtualenv's python, installing moto first if needed.
pub fn moto_python() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let marker = venv.join(".bbscan-installed");
    if marker.exists() {
        return python;
    }
    std::fs::create_dir_all(venv.parent().expect("venv has a parent")).expect("create the cache directory");
    let lock_path = venv.with_extension("lock");
    let lock = std::fs::File::create(&lock_path).expect("create the install lock");
    lock.lock().expect("take the install lock");
    if !marker.exists() {
        eprintln!("installing moto[server]=={MOTO_VERSION} into {} (once; about a minute)", venv.display());
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().map(|s| s.success()).unwrap_or(false)
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .arg(format!("moto[server]=={MOTO_VERSION}"))
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        assert!(
            ok,
            "could not install moto[server]=={MOTO_VERSION} into {}: the tests need Python 3 with venv and pip, \
             and access to PyPI. Install python3-venv, or point BBSCAN_MOTO_VENV at a virtualenv that has moto",
            venv.display()
        );
        std::fs::write(&marker, MOTO_VERSION).expect("write the install marker");
    }
    python
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// A running moto server, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
}

impl Moto {
    /// Start a fresh moto server (clean state) on a free loopback port.
    pub fn start() -> Moto {
        let python = moto_python();
        let port = free_port();
        let mut child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // AWS keeps its clocks in UTC, and moto turns some naive datetimes into instants with
            // the machine's zone (a trail's latest delivery time moves by the zone's offset):
            // the fake AWS runs in UTC whatever zone the tests run in. bbscan's processes keep
            // the test's zone, so bbscan's own use of the zone is still caught.
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("moto_server exited at start-up with {status}");
            }
            assert!(Instant::now() < deadline, "moto_server did not listen on {addr} within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, port, endpoint: format!("http://127.0.0.1:{port}") }
    }

    /// Seed the fake BrainBytes account (`tests/fake_aws/seed.py`); `scale` adds filler
    /// resources in a third stage, `load`.
    pub fn seed(&self, scale: u32) -> Manifest {
        self.seed_with(scale, &[])
    }

    /// Seed with extra arguments of `seed.py` (`--damaged-logs`).
    pub fn seed_with(&self, scale: u32, extra: &[&str]) -> Manifest {
        let script = repo_root().join("tests").join("fake_aws").join("seed.py");
        let output = Command::new(moto_python())
            .arg(&script)
            .args(["--endpoint", &self.endpoint, "--region", REGION, "--scale", &scale.to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .expect("run seed.py");
        assert!(output.status.success(), "seeding failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let raw: Value = serde_json::from_slice(&output.stdout).expect("seed.py prints a JSON manifest");
        Manifest { raw }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the seeding script created.
pub struct Manifest {
    pub raw: Value,
}

impl Manifest {
    /// Every resource as (stage, kind, name).
    pub fn resources(&self) -> Vec<(Option<String>, String, String)> {
        self.raw["resources"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        (
                            r["stage"].as_str().map(str::to_string),
                            r["kind"].as_str().unwrap_or_default().to_string(),
                            r["name"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every planted misconfiguration as (stage, rule id, kind, resource name); stage `None`
    /// for account-wide resources, which every stage's audit sees.
    pub fn misconfigurations(&self) -> Vec<(Option<String>, String, String, String)> {
        self.raw["misconfigurations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| {
                        let text = |k: &str| m[k].as_str().unwrap_or_default().to_string();
                        (m["stage"].as_str().map(str::to_string), text("control"), text("kind"), text("name"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every secret value planted in SSM and Lambda environments.
    pub fn secret_values(&self) -> Vec<String> {
        self.raw["secret_values"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }
}

/// The `bbscan` binary built by this workspace.
pub fn bbscan_path() -> PathBuf {
    // Integration tests live in target/<profile>/deps; the binary is one level up.
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let path = dir.join(format!("bbscan{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p bbscan` (cargo test builds it)",
        path.display()
    );
    path
}

/// A `bbscan` command isolated from the user's AWS setup: fake credentials, no config files,
/// no instance metadata, no inherited endpoint.
pub fn bbscan() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(bbscan_path());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.envs(test_env()).current_dir(std::env::temp_dir());
    cmd
}

/// The environment `bbscan` runs with in the tests (start from it when spawning the binary
/// directly; remove the caller's `AWS_*` variables too): fake credentials, no AWS config files,
/// no instance metadata, no colour, a shared policy cache apart from the user's.
pub fn test_env() -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_CONFIG_FILE", "/nonexistent/bbscan-test-config".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/bbscan-test-credentials".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("NO_COLOR", "1".into()),
        ("XDG_CACHE_HOME", test_cache_dir().into_os_string()),
    ]
}

/// Every misbehaviour of the hostile test policy (`tests/hostile`), one component each.
pub const HOSTILE: &[&str] = &[
    "endless_loop",
    "memory_bomb",
    "deep_recursion",
    "panic",
    "output_flood",
    "huge_findings",
    "aliased_strings",
    "unknown_rule",
    "foreign_resource",
    "bogus_action",
    "bad_tally",
    "open_file",
    "read_env",
    "open_socket",
    "read_clock",
    "chatty",
    "peek_other_kinds",
    "sleep_in_describe",
    "sleep_in_validate",
    "sleep_in_evaluate",
    "contract_0_1",
];

/// The component of one hostile behaviour, built from source for wasm32-wasip2 on first use
/// (all of them at once, under a lock, into `<target>/hostile-wasm`).
pub fn hostile_policy(behaviour: &str) -> PathBuf {
    assert!(HOSTILE.contains(&behaviour), "no hostile behaviour {behaviour}");
    let dir = target_dir().join("hostile-wasm");
    let out = dir.join("components");
    std::fs::create_dir_all(&out).expect("create the hostile build directory");
    let lock = std::fs::File::create(dir.join("build.lock")).expect("create the build lock");
    lock.lock().expect("take the build lock");
    let wanted = out.join(format!("{behaviour}.wasm"));
    // Rebuilt whenever what they are built from changes (a warm target directory must not keep
    // components of an older SDK or contract).
    let fingerprint = source_fingerprint(&[
        "tests/hostile",
        "policies/sdk",
        "scanner/model/src",
        "scanner/iam/src",
        "wit",
        "Cargo.lock",
    ]);
    let complete = out.join(".complete");
    if std::fs::read_to_string(&complete).ok().as_deref() != Some(fingerprint.as_str()) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        for feature in HOSTILE {
            let status = Command::new(&cargo)
                .current_dir(repo_root())
                .args(["build", "--quiet", "--release", "--locked", "--target", "wasm32-wasip2"])
                .args(["-p", "bbscan-hostile-policy", "--features", feature])
                .env("CARGO_TARGET_DIR", &dir)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .status()
                .expect("run cargo");
            assert!(status.success(), "building the hostile policy with feature {feature} failed");
            let built = dir.join("wasm32-wasip2/release/bbscan_hostile_policy.wasm");
            std::fs::copy(&built, out.join(format!("{feature}.wasm"))).expect("copy the component");
        }
        std::fs::write(&complete, &fingerprint).expect("mark the build complete");
    }
    wanted
}

/// A hash (FNV-1a) of every file under these paths of the repository, names and contents.
pub fn source_fingerprint(paths: &[&str]) -> String {
    fn walk(path: &Path, out: &mut Vec<PathBuf>) {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            entries.sort();
            for e in entries {
                walk(&e, out);
            }
        } else if path.is_file() {
            out.push(path.to_path_buf());
        }
    }
    let root = repo_root();
    let mut files = Vec::new();
    for p in paths {
        walk(&root.join(p), &mut files);
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for f in files {
        eat(f.strip_prefix(&root).unwrap_or(&f).to_string_lossy().as_bytes());
        eat(&std::fs::read(&f).unwrap_or_default());
    }
    format!("{hash:016x}")
}

pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// A virtualenv beside moto's, named `name`, with `requirements` installed from PyPI on first
/// use (under a lock); returns its `bin` directory.
pub fn python_tools(name: &str, requirements: &[&str]) -> PathBuf {
    let venv = venv_dir().with_file_name(name);
    std::fs::create_dir_all(venv.parent().expect("a parent")).expect("create the cache directory");
    let lock = std::fs::File::create(venv.with_extension("lock")).expect("create the install lock");
    lock.lock().expect("take the install lock");
    let marker = venv.join(".bbscan-installed");
    let wanted = requirements.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        eprintln!("installing {} into {} (once)", requirements.join(" "), venv.display());
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().map(|s| s.success()).unwrap_or(false)
            && Command::new(venv.join("bin").join("python"))
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(requirements)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        assert!(ok, "could not install {} from PyPI into {}", requirements.join(" "), venv.display());
        std::fs::write(&marker, &wanted).expect("write the install marker");
    }
    venv.join("bin")
}

/// The Python example policy (`policies/examples/python-ssm`) built into a component with
/// componentize-py, installed on first use into a virtualenv beside moto's.
pub fn python_policy() -> PathBuf {
    let tool = python_tools(
        &format!("componentize-py-{COMPONENTIZE_PY_VERSION}"),
        &[&format!("componentize-py=={COMPONENTIZE_PY_VERSION}")],
    )
    .join("componentize-py");
    let out_dir = target_dir().join("python-policy");
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let lock = std::fs::File::create(out_dir.join("build.lock")).expect("create the build lock");
    lock.lock().expect("take the build lock");
    let component = out_dir.join("python-ssm.wasm");
    let source = repo_root().join("policies/examples/python-ssm");
    let stale = |c: &Path| {
        let built = std::fs::metadata(c).and_then(|m| m.modified()).ok();
        let newest = ["app.py"]
            .iter()
            .chain(["../../../wit/policy.wit"].iter())
            .filter_map(|f| std::fs::metadata(source.join(f)).and_then(|m| m.modified()).ok())
            .max();
        built.is_none() || newest > built
    };
    if stale(&component) {
        let output = Command::new(&tool)
            .current_dir(&source)
            .args(["-d", "../../../wit", "-w", "policy", "componentize", "app", "-o"])
            .arg(&component)
            .output()
            .expect("run componentize-py");
        assert!(output.status.success(), "componentize-py failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    component
}

/// The cargo target directory this test runs from (tests live in `<target>/<profile>/deps`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.ancestors().nth(3).map(Path::to_path_buf).expect("the test runs inside a cargo target directory")
}

/// A cache directory shared by the test run: `<target>/test-cache`.
pub fn test_cache_dir() -> PathBuf {
    target_dir().join("test-cache")
}

/// The snapshot JSON Schema published in the repository.
pub fn snapshot_schema() -> Value {
    let path = repo_root().join("docs").join("snapshot.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Validate a SARIF document against the official SARIF 2.1.0 schema (`tests/fixtures`).
pub fn assert_valid_sarif(doc: &Value) {
    let path = repo_root().join("tests/fixtures/sarif-2.1.0.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read the SARIF schema")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).take(20).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}", errors.join("\n"));
}

/// Validate a snapshot document against the published schema; panics with every error.
pub fn assert_valid_snapshot(doc: &Value) {
    let schema = snapshot_schema();
    let validator = jsonschema::validator_for(&schema).expect("the published schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).take(20).collect();
    assert!(errors.is_empty(), "snapshot does not match docs/snapshot.schema.json:\n{}", errors.join("\n"));
}

/// Validate a JSON audit report against the published schema (`docs/report.schema.json`).
pub fn assert_valid_report(doc: &Value) {
    let path = repo_root().join("docs").join("report.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read the report schema")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).take(20).collect();
    assert!(errors.is_empty(), "the report does not match docs/report.schema.json:\n{}", errors.join("\n"));
}

/// What GitHub code scanning requires of a SARIF upload beyond the schema: rules with short
/// and full descriptions, help text and Markdown, a `security-severity` between 0.1 and 10.0
/// as a string, at most 10 tags; results on relative artifact URIs (never an ARN, which GitHub
/// would read as a URI scheme) with a start line and a stable fingerprint; one automation id.
pub fn assert_github_code_scanning_ready(doc: &Value) {
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for rule in rules {
        let id = rule["id"].as_str().unwrap_or_default();
        for field in ["/shortDescription/text", "/fullDescription/text", "/help/text", "/help/markdown"] {
            assert!(rule.pointer(field).and_then(Value::as_str).is_some_and(|t| !t.is_empty()), "{id}: {field}");
        }
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: security-severity must be a string"))
            .parse()
            .expect("a number");
        assert!((0.1..=10.0).contains(&severity), "{id}: security-severity {severity}");
        let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
        assert!(tags <= 10, "{id}: {tags} tags (GitHub keeps at most 10)");
    }
    assert!(run["automationDetails"]["id"].as_str().is_some_and(|id| id.starts_with("bbscan/") && id.ends_with('/')));
    for result in run["results"].as_array().expect("results") {
        let uri = result.pointer("/locations/0/physicalLocation/artifactLocation/uri").and_then(Value::as_str);
        let uri = uri.expect("an artifact URI");
        assert!(uri.starts_with("aws/") && !uri.contains(':'), "not a relative path: {uri}");
        assert_eq!(result.pointer("/locations/0/physicalLocation/region/startLine"), Some(&Value::from(1)));
        let arn = result.pointer("/locations/0/logicalLocations/0/fullyQualifiedName").and_then(Value::as_str);
        assert!(arn.is_some_and(|a| a.starts_with("arn:")), "the ARN is a logical location");
        let print = result.pointer("/partialFingerprints/primaryLocationLineHash").and_then(Value::as_str);
        assert!(print.is_some_and(|p| p.len() == 32), "a fingerprint");
    }
}
