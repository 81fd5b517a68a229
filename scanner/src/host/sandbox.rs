//! What a policy's store holds: WASI with nothing granted, captured output, limits, and the
//! snapshot lookups it may make.

use super::bindings::bbscan::policy::{snapshot, types};
use super::{Limits, SnapshotIndex};
use rand::SeedableRng;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

/// The seed of every policy's randomness, so that runs are reproducible.
const RANDOM_SEED: u64 = 0x6262_7363_616e; // "bbscan"

/// What a store is built from.
pub(super) struct Sandbox {
    index: Option<Arc<SnapshotIndex>>,
    /// The kinds the policy's rules declare: the only ones its lookups may see.
    kinds: Arc<[String]>,
}

impl Sandbox {
    /// No snapshot to look into (describe, validate-settings).
    pub fn empty() -> Sandbox {
        Sandbox { index: None, kinds: Arc::from(Vec::new()) }
    }

    /// The snapshot, seen through the kinds the policy declared (as the WIT promises: a policy
    /// reads only what its rules say they read).
    pub fn for_snapshot(index: Arc<SnapshotIndex>, kinds: Vec<String>) -> Sandbox {
        Sandbox { index: Some(index), kinds: Arc::from(kinds) }
    }

    /// The store's data, its memory limited to `memory_bytes`.
    pub fn state(&self, limits: &Limits, memory_bytes: usize) -> State {
        let stdout = MemoryOutputPipe::new(limits.max_log_bytes);
        let stderr = MemoryOutputPipe::new(limits.max_log_bytes);
        let now = self.index.as_ref().map_or(0, |i| i.now);
        let wasi = WasiCtx::builder()
            // Nothing is inherited or granted: no preopens, env, args, stdin or network.
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(FixedClock(now))
            .monotonic_clock(FixedClock(now))
            .secure_random(rand::rngs::StdRng::seed_from_u64(RANDOM_SEED))
            .insecure_random(rand::rngs::StdRng::seed_from_u64(RANDOM_SEED + 1))
            .insecure_random_seed(u128::from(RANDOM_SEED))
            .build();
        State {
            wasi,
            table: ResourceTable::new(),
            limits: Budget::new(memory_bytes),
            index: self.index.clone(),
            kinds: self.kinds.clone(),
            stdout,
            stderr,
        }
    }
}

/// Instances, memories and tables one policy's store may hold.
const MAX_INSTANCES: usize = 20;
const MAX_MEMORIES: usize = 20;
const MAX_TABLES: usize = 20;
/// Table elements of all the store's tables together.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// What one policy may take, all its memories and tables together: the memory limit is the
/// policy's, not each memory's (a component with several core memories gets no more). Growing
/// past it traps.
pub(super) struct Budget {
    memory_left: usize,
    elements_left: usize,
    memory_bytes: usize,
}

impl Budget {
    pub fn new(memory_bytes: usize) -> Budget {
        Budget { memory_left: memory_bytes, elements_left: MAX_TABLE_ELEMENTS, memory_bytes }
    }

    /// The linear memory granted so far (memories never shrink: the peak).
    pub fn used(&self) -> usize {
        self.memory_bytes - self.memory_left
    }
}

impl ResourceLimiter for Budget {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let more = desired.saturating_sub(current);
        if more > self.memory_left {
            wasmtime::bail!("forcing trap when growing memory: the policy's {} MiB are spent", self.memory_bytes >> 20);
        }
        self.memory_left -= more;
        Ok(true)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let more = desired.saturating_sub(current);
        if more > self.elements_left {
            wasmtime::bail!("forcing trap when growing a table: more than {MAX_TABLE_ELEMENTS} elements");
        }
        self.elements_left -= more;
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

/// The data of one policy store.
pub(super) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limits: Budget,
    index: Option<Arc<SnapshotIndex>>,
    kinds: Arc<[String]>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl State {
    fn may_see(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
    }

    /// What the policy printed, as lines, bounded.
    pub fn log(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (stream, pipe) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let bytes = pipe.contents();
            let text = String::from_utf8_lossy(&bytes);
            lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{stream}: {l}")));
        }
        lines
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for State {}

impl State {
    /// A resource of the snapshot, if its kind is one the policy may see.
    pub(super) fn lookup_by_arn(&self, arn: &str) -> Option<&types::Resource> {
        let index = self.index.as_ref()?;
        let kind = index.kind_of(arn)?;
        if !self.may_see(kind) {
            return None;
        }
        index.by_arn(arn)
    }

    /// The resources of a kind, if it is one the policy may see.
    pub(super) fn lookup_of_kind(&self, kind: &str) -> &[types::Resource] {
        match &self.index {
            Some(index) if self.may_see(kind) => index.of_kind(kind),
            _ => &[],
        }
    }
}

impl snapshot::Host for State {
    fn resource_by_arn(&mut self, arn: String) -> Option<types::Resource> {
        self.lookup_by_arn(&arn).cloned()
    }

    fn resources_of_kind(&mut self, kind: String) -> Vec<types::Resource> {
        self.lookup_of_kind(&kind).to_vec()
    }
}

/// Time stands still inside a policy: its clocks say the snapshot's collection time, so waiting
/// for a duration or an instant is over at once. WASI's own `subscribe-duration` and
/// `subscribe-instant` would sleep on the host's real clock, where epoch interruption cannot
/// reach: a policy that sleeps (or polls a timer) would hold the audit past its deadline. With
/// these, a sleeping policy carries on at once and a policy that waits in a loop spins into its
/// deadline like any other endless loop.
pub(super) fn freeze_time(linker: &mut wasmtime::component::Linker<State>) -> anyhow::Result<()> {
    use wasmtime::component::Resource;
    use wasmtime_wasi::p2::DynPollable;
    linker.allow_shadowing(true);
    // Every 0.2 minor version resolves to the one wasmtime-wasi defines.
    let mut clock = linker.instance("wasi:clocks/monotonic-clock@0.2.12")?;
    fn ready(mut store: wasmtime::StoreContextMut<'_, State>) -> wasmtime::Result<(Resource<DynPollable>,)> {
        let table = &mut store.data_mut().table;
        let at_once = table.push(AtOnce)?;
        Ok((wasmtime_wasi::p2::subscribe(table, at_once)?,))
    }
    clock.func_wrap("subscribe-duration", |store: wasmtime::StoreContextMut<'_, State>, (_,): (u64,)| ready(store))?;
    clock.func_wrap("subscribe-instant", |store: wasmtime::StoreContextMut<'_, State>, (_,): (u64,)| ready(store))?;
    linker.allow_shadowing(false);
    Ok(())
}

/// A pollable that is always ready.
struct AtOnce;

impl wasmtime_wasi::p2::Pollable for AtOnce {
    fn ready<'a, 'b>(&'a mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async {})
    }
}

/// A clock that always says the snapshot's collection time: policies judge ages against when
/// the snapshot was taken, and the same snapshot always gives the same findings.
struct FixedClock(u64);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        self.0.saturating_mul(1_000_000_000)
    }
}

#[cfg(test)]
mod budget_tests {
    use super::Budget;
    use wasmtime::{Engine, Instance, Module, Store};

    /// A core module with two memories of `pages` 64 KiB pages each (hand-encoded: the
    /// header and one memory section).
    fn two_memories(pages: u32) -> Vec<u8> {
        let mut leb = Vec::new();
        let mut n = pages;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                leb.push(byte);
                break;
            }
            leb.push(byte | 0x80);
        }
        let mut section = vec![2u8];
        for _ in 0..2 {
            section.push(0);
            section.extend(&leb);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.push(5);
        wasm.push(section.len() as u8);
        wasm.extend(section);
        wasm
    }

    fn instantiate(budget_mib: usize, pages: u32) -> wasmtime::Result<Instance> {
        let engine = Engine::default();
        let module = Module::new(&engine, two_memories(pages))?;
        let mut store = Store::new(&engine, Budget::new(budget_mib << 20));
        store.limiter(|b| b);
        Instance::new(&mut store, &module, &[])
    }

    #[test]
    fn the_memory_limit_holds_for_all_memories_together() {
        // Two memories of 100 MiB fit in 256 MiB; two of 150 MiB do not, though each would.
        assert!(instantiate(256, 1600).is_ok());
        let err = instantiate(256, 2400).expect_err("300 MiB in two memories").to_string();
        assert!(format!("{err:#}").contains("memory"), "{err:#}");
        assert!(instantiate(512, 2400).is_ok());
    }
}
