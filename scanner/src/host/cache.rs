//! Compiled components cached on disk, keyed by the wasm's hash and the engine's
//! compatibility hash.
//!
//! A cached artefact is native code that wasmtime maps and runs without checking it: whoever can
//! write the cache could run anything as the user. So every entry is authenticated: an
//! HMAC-SHA-256 over the wasm's hash, the engine's hash and the artefact, keyed by a random
//! per-user key kept in the cache directory (a `0600` file created exclusively). On Unix the
//! directory and the key must belong to the user and be closed to others, or the cache is not
//! used at all. An entry whose tag does not verify — tampered, truncated, planted, written by
//! an older bbscan — is never deserialised: the component is compiled again and the entry
//! replaced. New entries are written to an exclusively created temporary file and renamed.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"bbscan\x02\x00";
const KEY_FILE: &str = "cache.key";

/// Compile `wasm`, or load the artefact compiled earlier by this engine configuration.
pub(super) fn compile(engine: &Engine, wasm: &[u8], dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some((dir, key)) = dir.and_then(|d| open_cache(d).map(|k| (d, k))) else {
        return Component::new(engine, wasm);
    };
    let wasm_hash: [u8; 32] = Sha256::digest(wasm).into();
    let engine_hash = engine_hash(engine);
    let path = dir.join(format!("{}-{engine_hash:016x}.cwasm", hex(&wasm_hash)));
    if let Some(component) = load(engine, &path, &key, &wasm_hash, engine_hash) {
        return Ok(component);
    }
    let component = Component::new(engine, wasm)?;
    // A cache that cannot be written is only slower.
    if let Ok(serialized) = component.serialize() {
        let _ = store(&path, &key, &wasm_hash, engine_hash, &serialized);
    }
    Ok(component)
}

fn engine_hash(engine: &Engine) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.finish()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let pad = |byte: u8| -> [u8; 64] { std::array::from_fn(|i| block[i] ^ byte) };
    let mut inner = Sha256::new();
    inner.update(pad(0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Equal in time independent of where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cache directory's key, creating the directory (0700) and the key (0600) when missing.
/// `None` when the cache must not be used: a directory or key that is not the user's own or is
/// open to others, or no source of randomness.
fn open_cache(dir: &Path) -> Option<[u8; 32]> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).ok()?;
    }
    if !private(dir) {
        return None;
    }
    let key_path = dir.join(KEY_FILE);
    if let Some(key) = read_key(&key_path) {
        return Some(key);
    }
    let mut key = [0u8; 32];
    fill_random(&mut key)?;
    // Written whole under a private temporary name, then linked into place: a concurrent bbscan
    // sees no key or a complete one, and the first link wins.
    let mut nonce = [0u8; 8];
    fill_random(&mut nonce)?;
    let tmp = dir.join(format!(".{KEY_FILE}.{}.{}.tmp", std::process::id(), hex(&nonce)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(&key)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, &key_path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Some(key),
        // Another bbscan made it first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(&key_path),
        Err(_) => None,
    }
}

fn read_key(path: &Path) -> Option<[u8; 32]> {
    if !private(path) {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    bytes.try_into().ok()
}

/// Owned by this user and not writable (for the key: not readable either) by anyone else. The
/// path itself must not be a symbolic link.
#[cfg(unix)]
fn private(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    #[allow(unsafe_code)]
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc_geteuid() };
    let closed = if meta.is_dir() { meta.mode() & 0o022 == 0 } else { meta.mode() & 0o077 == 0 };
    !meta.file_type().is_symlink() && meta.uid() == uid && closed
}

#[cfg(unix)]
#[allow(unsafe_code)]
unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

#[cfg(not(unix))]
fn private(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink())
}

fn fill_random(buf: &mut [u8]) -> Option<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom").ok()?.read_exact(buf).ok()
}

fn load(engine: &Engine, path: &Path, key: &[u8; 32], wasm_hash: &[u8; 32], engine_hash: u64) -> Option<Component> {
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (hash, rest) = body.split_at_checked(32)?;
    let (tag, artefact) = rest.split_at_checked(32)?;
    if !same(hash, wasm_hash) || !same(tag, &hmac(key, &[wasm_hash, &engine_hash.to_le_bytes(), artefact])) {
        return None;
    }
    // SAFETY: the artefact is authenticated: its tag is an HMAC under this user's private key
    // over the wasm's hash, this engine's compatibility hash and the artefact, so it is exactly
    // the bytes bbscan serialised with `Component::serialize` for this wasm and engine.
    // wasmtime checks the artefact's own header too and refuses a mismatch.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, artefact) };
    component.ok()
}

fn store(path: &Path, key: &[u8; 32], wasm_hash: &[u8; 32], engine_hash: u64, artefact: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut contents = Vec::with_capacity(MAGIC.len() + 64 + artefact.len());
    contents.extend_from_slice(MAGIC);
    contents.extend_from_slice(wasm_hash);
    contents.extend_from_slice(&hmac(key, &[wasm_hash, &engine_hash.to_le_bytes(), artefact]));
    contents.extend_from_slice(artefact);
    let mut random = [0u8; 8];
    let _ = fill_random(&mut random);
    let tmp = dir.join(format!(".{}.{}.tmp", std::process::id(), hex(&random)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(&contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The default cache directory: `$XDG_CACHE_HOME/bbscan/components` or `~/.cache/…`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bbscan").join("components"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2 needs a 4-byte key; with the 32-byte keys used here, check
        // against a value computed independently (Python's hmac module).
        let key = [0x0bu8; 32];
        let tag = hmac(&key, &[b"Hi There"]);
        assert_eq!(hex(&tag), "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
        assert_eq!(hmac(&key, &[b"Hi ", b"There"]), tag, "parts are concatenated");
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_open_to_others_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("bbscan-cache-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let key = open_cache(&dir).expect("a new private cache");
        assert_eq!(open_cache(&dir), Some(key), "the same key next time");
        assert_eq!(std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(open_cache(&dir), None, "a world-writable cache directory is refused");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(dir.join(KEY_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(open_cache(&dir), None, "a key others can read is refused");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
