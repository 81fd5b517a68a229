//! Compiled components cached on disk, keyed by the wasm's hash and the engine's
//! compatibility hash. Only files bbscan wrote are ever deserialised: each entry sits in a
//! directory bbscan owns, under a name derived from both hashes, and carries the hash of the
//! wasm it was compiled from in its header, checked before use.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"bbscan\x01\x00";

/// Compile `wasm`, or load the artefact compiled earlier by this engine configuration.
pub(super) fn compile(engine: &Engine, wasm: &[u8], dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some(dir) = dir else {
        return Component::new(engine, wasm);
    };
    let wasm_hash: [u8; 32] = Sha256::digest(wasm).into();
    let path = entry_path(engine, dir, &wasm_hash);
    if let Some(component) = load(engine, &path, &wasm_hash) {
        return Ok(component);
    }
    let component = Component::new(engine, wasm)?;
    // A cache that cannot be written is only slower.
    if let Ok(serialized) = component.serialize() {
        let _ = store(&path, &wasm_hash, &serialized);
    }
    Ok(component)
}

fn entry_path(engine: &Engine, dir: &Path, wasm_hash: &[u8; 32]) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_hash = hasher.finish();
    let hex: String = wasm_hash.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{hex}-{engine_hash:016x}.cwasm"))
}

fn load(engine: &Engine, path: &Path, wasm_hash: &[u8; 32]) -> Option<Component> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (hash, artefact) = body.split_at_checked(32)?;
    if hash != wasm_hash {
        return None;
    }
    // SAFETY: the artefact is one this process's code serialised with `Component::serialize`
    // into bbscan's own cache directory (checked by the magic header and the wasm hash above),
    // for an engine with the same compatibility hash (part of the file name). wasmtime checks
    // the artefact's own header too and refuses a mismatch.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, artefact) };
    component.ok()
}

fn store(path: &Path, wasm_hash: &[u8; 32], artefact: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut contents = Vec::with_capacity(MAGIC.len() + 32 + artefact.len());
    contents.extend_from_slice(MAGIC);
    contents.extend_from_slice(wasm_hash);
    contents.extend_from_slice(artefact);
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
    ));
    std::fs::write(&tmp, &contents)?;
    std::fs::rename(&tmp, path)
}

/// The default cache directory: `$XDG_CACHE_HOME/bbscan/components` or `~/.cache/…`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bbscan").join("components"))
}
