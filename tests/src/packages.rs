//! The policy SDKs as their users get them: the crates `cargo package` makes, the tarball
//! `npm pack` makes and the wheel pip builds, each from this checkout, plus a loopback npm
//! registry that serves the `@bbscan` scope from the packed tarball. A policy scaffolded outside
//! the repository resolves its SDK *by version* through these, exactly as it would from
//! crates.io, npm and PyPI once published.

use crate::{repo_root, source_fingerprint, target_dir};
use sha2::{Digest, Sha512};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The packed SDKs of this checkout.
pub struct SdkPackages {
    /// `bbscan-model`, `bbscan-iam` and `bbscan-policy`, each unpacked from its `.crate`.
    pub crates: Vec<(String, PathBuf)>,
    /// `bbscan-policy-<version>.tgz` from `npm pack`.
    pub npm_tarball: PathBuf,
    /// A directory holding `bbscan_policy-<version>-py3-none-any.whl` (for `PIP_FIND_LINKS`).
    pub wheels: PathBuf,
}

impl SdkPackages {
    /// `.cargo/config.toml` text that makes crates.io's `bbscan-*` the packed crates.
    pub fn cargo_patch(&self) -> String {
        let mut text = String::from("[patch.crates-io]\n");
        for (name, dir) in &self.crates {
            text.push_str(&format!("{name} = {{ path = {:?} }}\n", dir.display().to_string()));
        }
        text
    }
}

fn run(what: &str, command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Pack the three SDKs (once per change of their sources, under a lock).
pub fn sdk_packages() -> SdkPackages {
    let dir = target_dir().join("sdk-packages");
    std::fs::create_dir_all(&dir).expect("create the package directory");
    let lock = std::fs::File::create(dir.join("pack.lock")).expect("create the pack lock");
    lock.lock().expect("take the pack lock");
    let fingerprint = source_fingerprint(&[
        "Cargo.toml",
        "Cargo.lock",
        "LICENSE",
        "wit",
        "scanner/model/Cargo.toml",
        "scanner/model/src",
        "scanner/iam/Cargo.toml",
        "scanner/iam/src",
        "scanner/iam/data",
        "policies/sdk/Cargo.toml",
        "policies/sdk/src",
        "policies/sdk-ts/package.json",
        "policies/sdk-ts/src",
        "policies/sdk-ts/scripts",
        "policies/sdk-python/pyproject.toml",
        "policies/sdk-python/bbscan_policy",
    ]);
    let crates_dir = dir.join("crates");
    let npm_dir = dir.join("npm");
    let wheels = dir.join("wheels");
    let complete = dir.join(".complete");
    if std::fs::read_to_string(&complete).ok().as_deref() != Some(fingerprint.as_str()) {
        for d in [&crates_dir, &npm_dir, &wheels] {
            let _ = std::fs::remove_dir_all(d);
            std::fs::create_dir_all(d).expect("create a package directory");
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let cargo_target = dir.join("cargo-target");
        // Only this version's crates (an older version's left there would be unpacked too).
        let _ = std::fs::remove_dir_all(cargo_target.join("package"));
        // Built from these very files by the policy that depends on them: no separate verify.
        run(
            "cargo package",
            Command::new(&cargo)
                .current_dir(repo_root())
                .args(["package", "--no-verify", "--allow-dirty", "--quiet"])
                .args(["-p", "bbscan-model", "-p", "bbscan-iam", "-p", "bbscan-policy"])
                .env("CARGO_TARGET_DIR", &cargo_target),
        );
        for entry in std::fs::read_dir(cargo_target.join("package")).expect("cargo package wrote packages") {
            let path = entry.expect("a package").path();
            if path.extension().is_some_and(|e| e == "crate") {
                run("tar (unpack a crate)", Command::new("tar").arg("xzf").arg(&path).arg("-C").arg(&crates_dir));
            }
        }
        run(
            "npm pack",
            Command::new("npm")
                .current_dir(repo_root().join("policies/sdk-ts"))
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&npm_dir),
        );
        run(
            "pip wheel",
            Command::new("python3")
                .args(["-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir"])
                .arg(&wheels)
                .arg(repo_root().join("policies/sdk-python")),
        );
        std::fs::write(&complete, &fingerprint).expect("mark the packages complete");
    }
    let mut crates: Vec<(String, PathBuf)> = std::fs::read_dir(&crates_dir)
        .expect("unpacked crates")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let manifest = std::fs::read_to_string(p.join("Cargo.toml")).ok()?;
            let name = manifest.lines().find_map(|l| l.strip_prefix("name = "))?.trim_matches('"').to_string();
            Some((name, p))
        })
        .collect();
    crates.sort();
    let npm_tarball = std::fs::read_dir(&npm_dir)
        .expect("the npm package")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .expect("npm pack wrote a tarball");
    SdkPackages { crates, npm_tarball, wheels }
}

/// A registry on a loopback port that serves one npm package, for one scope (`.npmrc`:
/// `@bbscan:registry=URL`). Everything else keeps coming from the public registry.
pub struct NpmRegistry {
    pub url: String,
}

impl NpmRegistry {
    /// Serve `tarball` (an `npm pack` output) as `name@version`, until the process ends.
    pub fn serve(name: &str, version: &str, tarball: &Path, manifest: &serde_json::Value) -> NpmRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        let bytes = std::fs::read(tarball).expect("read the tarball");
        let integrity = format!("sha512-{}", base64(&Sha512::digest(&bytes)));
        let file = format!("{}-{version}.tgz", name.rsplit('/').next().unwrap_or(name));
        let tarball_path = format!("/{name}/-/{file}");
        let mut release = manifest.clone();
        release["dist"] =
            serde_json::json!({ "tarball": format!("{url}{}", &tarball_path[1..]), "integrity": integrity });
        let packument = serde_json::json!({
            "name": name,
            "dist-tags": { "latest": version },
            "versions": { version: release },
        })
        .to_string();
        let escaped = name.replace('/', "%2f");
        let mut routes = std::collections::HashMap::new();
        routes.insert(format!("/{escaped}"), ("application/json", packument.clone().into_bytes()));
        routes.insert(format!("/{}", name.replace('/', "%2F")), ("application/json", packument.clone().into_bytes()));
        routes.insert(format!("/{name}"), ("application/json", packument.into_bytes()));
        routes.insert(tarball_path, ("application/octet-stream", bytes));
        serve_on(listener, routes);
        NpmRegistry { url }
    }
}

/// Serve the files under `dir` at `/<path below dir>` on a loopback port, as they are now, until
/// the process ends: a release's download page, for instance. Returns the base URL (no `/` at
/// the end).
pub fn serve_directory(dir: &Path) -> String {
    fn walk(root: &Path, dir: &Path, routes: &mut std::collections::HashMap<String, (&'static str, Vec<u8>)>) {
        for path in std::fs::read_dir(dir).expect("read the directory").filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                walk(root, &path, routes);
            } else if let Ok(below) = path.strip_prefix(root) {
                let route = format!("/{}", below.to_string_lossy());
                routes.insert(route, ("application/octet-stream", std::fs::read(&path).expect("read a file")));
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let mut routes = std::collections::HashMap::new();
    walk(dir, dir, &mut routes);
    serve_on(listener, routes);
    url
}

/// Answer GET requests from `routes` (path → content type, body); 404 for anything else.
fn serve_on(listener: TcpListener, routes: std::collections::HashMap<String, (&'static str, Vec<u8>)>) {
    let routes = std::sync::Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            // A connection of its own each: an idle client never holds up the others.
            let routes = std::sync::Arc::clone(&routes);
            std::thread::spawn(move || answer(stream, &routes));
        }
    });
}

fn answer(mut stream: std::net::TcpStream, routes: &std::collections::HashMap<String, (&'static str, Vec<u8>)>) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let Ok(clone) = stream.try_clone() else { return };
    let mut reader = BufReader::new(clone);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    // The headers: read and ignored.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let not_found = ("application/json", b"{\"error\":\"not found\"}".to_vec());
    let (status, (kind, body)) = match routes.get(path) {
        Some(found) => ("200 OK", found),
        None => ("404 Not Found", &not_found),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
