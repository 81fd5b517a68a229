//! The WASM host: runs policy components in a sandbox.
//!
//! One [`Engine`] for the process with epoch interruption and a ticker thread; each component
//! compiled once (and cached on disk, keyed by the wasm's hash and the engine's compatibility
//! hash); one `InstancePre` per component; a fresh `Store` for every call, with a deadline and
//! memory limits. WASI with nothing granted: no directories, environment, arguments or network;
//! stdout and stderr captured into bounded buffers; a fixed clock and seeded randomness.
//!
//! wasmtime types stay in this module: the rest of bbscan sees [`PolicyHost`], [`Policy`] and
//! the finding model.

mod cache;
mod iam;
mod read;

pub use cache::default_dir as default_cache_dir;
pub use read::SnapshotDocument;
mod sandbox;
mod v1;
mod validate;

use bbscan_model::findings::{Finding, PolicyInfo, ResourceRef, Tally};
use bbscan_model::{Gap, Metadata, Resource, Snapshot};
use sandbox::{Sandbox, State};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, Store};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "policy",
        // What a policy returns can be read from JSON too: the fuzz targets and property tests
        // drive the border check (`check_results_json`) without a component.
        additional_derives: [serde::Deserialize],
    });
}

use bindings::bbscan::policy::types as wit;
use bindings::{Policy as PolicyWorld, PolicyPre};

/// How long the ticker waits between epochs. Deadlines are whole ticks.
const TICK: Duration = Duration::from_millis(10);

/// Bounds on what one policy may use and return.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall time for one call into a policy, besides the time allowed for the data it is
    /// handed (below).
    pub timeout: Duration,
    /// Wall time an evaluation may take per MiB of resources it is handed, on top of `timeout`:
    /// copying and decoding them grows with the account.
    pub timeout_per_handed_mib: Duration,
    /// Linear memory per policy instance, beyond what the data it is handed needs (below).
    pub memory_bytes: usize,
    /// Linear memory an evaluation may use per byte of the resources it is handed, on top of
    /// `memory_bytes`: the resources are copied into the policy's memory and decoded there, so
    /// an account ten times larger needs ten times the memory. The limit guards against a
    /// runaway policy, not against a large account.
    pub memory_per_handed_byte: usize,
    /// Findings one evaluation may return.
    pub max_findings: usize,
    /// Bytes of one finding's message plus evidence plus action parameters.
    pub max_finding_bytes: usize,
    /// Bytes kept of a policy's stdout and of its stderr.
    pub max_log_bytes: usize,
    /// Bytes the host copies out of one evaluation's result, every string and list together
    /// (each counted from its length before it is copied).
    pub max_result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(5),
            timeout_per_handed_mib: Duration::from_millis(250),
            memory_bytes: 256 << 20,
            memory_per_handed_byte: 16,
            max_findings: 100_000,
            max_finding_bytes: 64 << 10,
            max_log_bytes: 64 << 10,
            max_result_bytes: 256 << 20,
        }
    }
}

/// Why a policy produced no (or only partial) results.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyFailure {
    #[error("not a bbscan policy component: {0}")]
    Invalid(String),
    #[error("ran longer than its {0:?} deadline and was stopped")]
    Timeout(Duration),
    #[error("tried to use more than its {0} MiB of memory")]
    Memory(usize),
    #[error("trapped: {0}")]
    Trap(String),
    #[error("returned an error: {0}")]
    Returned(String),
    #[error("returned malformed results: {0}")]
    Malformed(String),
}

/// The process-wide engine and linker.
pub struct PolicyHost {
    engine: Engine,
    linker: Linker<State>,
    limits: Limits,
    cache_dir: Option<PathBuf>,
    stop_ticker: Arc<AtomicBool>,
}

/// A compiled, described policy, ready to evaluate.
pub struct Policy {
    /// Where it came from: `builtin:s3` or a file path.
    pub origin: String,
    pub info: PolicyInfo,
    pre: Pre,
}

/// A component ready to instantiate, by the contract version it was built against.
enum Pre {
    /// `bbscan:policy@0.2.0`, the current contract.
    Current(PolicyPre<State>),
    /// `bbscan:policy@0.1.0`: no gaps, no `not-flagged`, no `not-assessed`.
    V1(v1::PolicyPre<State>),
}

impl Policy {
    /// The kinds its rules read (what it is handed), sorted, each once.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.info.rules.iter().flat_map(|r| r.kinds.iter().map(String::as_str)).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    /// The contract version the policy was built against.
    pub fn contract(&self) -> &'static str {
        match self.pre {
            Pre::Current(_) => "0.2.0",
            Pre::V1(_) => "0.1.0",
        }
    }
}

/// What one policy's evaluation produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub tallies: BTreeMap<String, Tally>,
    /// Lines the policy wrote to stdout and stderr.
    pub log: Vec<String>,
    /// How many resources it was handed.
    pub resources: usize,
    /// Bytes of those resources (their strings), and the linear memory the evaluation used and
    /// was allowed.
    pub handed_bytes: usize,
    pub memory_used: usize,
    pub memory_limit: usize,
}

/// The bytes of a resource's strings as handed to a policy.
fn handed_bytes(r: &wit::Resource) -> usize {
    r.kind.len()
        + r.arn.len()
        + r.name.len()
        + r.account.len()
        + r.region.len()
        + r.config.len()
        + r.tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + r.unknown.iter().map(String::len).sum::<usize>()
}

impl Limits {
    /// The memory one evaluation handed `bytes` of resources may use: the base plus the
    /// per-byte allowance, within what a 32-bit WebAssembly memory can address.
    pub fn memory_for(&self, bytes: usize) -> usize {
        self.memory_bytes.saturating_add(bytes.saturating_mul(self.memory_per_handed_byte)).min(4 << 30)
    }

    /// The wall time one evaluation handed `bytes` of resources may take.
    pub fn timeout_for(&self, bytes: usize) -> Duration {
        let mib = u32::try_from(bytes >> 20).unwrap_or(u32::MAX);
        self.timeout.saturating_add(self.timeout_per_handed_mib.saturating_mul(mib))
    }
}

impl PolicyHost {
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> anyhow::Result<PolicyHost> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        // For people profiling a policy: `perf record` then names the policies' functions
        // (wasmtime writes /tmp/perf-<pid>.map). Never set by bbscan itself.
        if std::env::var_os("BBSCAN_PERF_MAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        sandbox::freeze_time(&mut linker)?;
        PolicyWorld::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state)?;
        v1::PolicyWorld::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state)?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        let (ticker_engine, stop) = (engine.clone(), stop_ticker.clone());
        std::thread::Builder::new().name("bbscan-epoch".into()).spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                ticker_engine.increment_epoch();
            }
        })?;
        Ok(PolicyHost { engine, linker, limits, cache_dir, stop_ticker })
    }

    /// Compile (or load from the cache) a component, check that it is a bbscan policy, and ask
    /// it to describe itself.
    pub fn load(&self, origin: &str, wasm: &[u8]) -> Result<Policy, PolicyFailure> {
        let component = cache::compile(&self.engine, wasm, self.cache_dir.as_deref())
            .map_err(|e| PolicyFailure::Invalid(format!("{e:#}")))?;
        // The two contracts export the same names; `evaluate` tells them apart (0.2.0 takes the
        // gaps too). Anything else fails below with wasmtime's account of the mismatch.
        let evaluate_params = match component.component_type().get_export(&self.engine, "evaluate").map(|e| e.ty) {
            Some(ComponentItem::ComponentFunc(f)) => f.params().len(),
            _ => 0,
        };
        let instance_pre =
            self.linker.instantiate_pre(&component).map_err(|e| PolicyFailure::Invalid(format!("{e:#}")))?;
        let invalid = |e: wasmtime::Error| PolicyFailure::Invalid(format!("{e:#}"));
        let pre = if evaluate_params == 2 {
            Pre::V1(v1::PolicyPre::new(instance_pre).map_err(invalid)?)
        } else {
            Pre::Current(PolicyPre::new(instance_pre).map_err(invalid)?)
        };
        let sandbox = Sandbox::empty();
        let base = Budgets {
            copy_bytes: DESCRIBE_BYTES,
            memory_bytes: self.limits.memory_bytes,
            timeout: self.limits.timeout,
        };
        let info = match &pre {
            Pre::Current(pre) => self.call(pre, &sandbox, base, |p, store| p.call_describe(store))?.value,
            Pre::V1(pre) => v1::info(self.call(pre, &sandbox, base, |p, store| p.call_describe(store))?.value),
        };
        let info = validate::policy_info(info)?;
        Ok(Policy { origin: origin.to_string(), info, pre })
    }

    /// Check a policy's settings.
    pub fn validate_settings(&self, policy: &Policy, settings: &serde_json::Value) -> Result<(), PolicyFailure> {
        let text = settings.to_string();
        let sandbox = Sandbox::empty();
        let base =
            Budgets { copy_bytes: MESSAGE_BYTES, memory_bytes: self.limits.memory_bytes, timeout: self.limits.timeout };
        let result = match &policy.pre {
            Pre::Current(pre) => self.call(pre, &sandbox, base, |p, store| p.call_validate_settings(store, &text))?,
            Pre::V1(pre) => self.call(pre, &sandbox, base, |p, store| p.call_validate_settings(store, &text))?,
        };
        result.value.map_err(|message| PolicyFailure::Returned(bounded(message)))
    }

    /// Evaluate a policy over the resources of the kinds its rules read.
    pub fn evaluate(
        &self,
        policy: &Policy,
        index: &Arc<SnapshotIndex>,
        settings: &serde_json::Value,
    ) -> Result<Outcome, PolicyFailure> {
        let kinds = policy.kinds();
        // The index's own resources, by reference: a policy of several kinds (the IAM and tags
        // policies read half the account) is handed them without a copy of their strings.
        let resources: Vec<&wit::Resource> = kinds.iter().flat_map(|k| index.of_kind(k)).collect();
        let text = settings.to_string();
        let sandbox = Sandbox::for_snapshot(index.clone(), kinds.iter().map(|k| k.to_string()).collect());
        let handed = index.handed_bytes(&kinds);
        let budgets = Budgets {
            copy_bytes: self.limits.max_result_bytes,
            memory_bytes: self.limits.memory_for(handed),
            timeout: self.limits.timeout_for(handed),
        };
        let called = match &policy.pre {
            Pre::Current(pre) => {
                let gaps = index.gaps_of(&kinds);
                self.call(&Unwrapped(pre), &sandbox, budgets, |instance, store| {
                    let evaluate =
                        instance.get_typed_func::<EvaluateParams, (EvaluateResult,)>(&mut *store, "evaluate")?;
                    evaluate.call(store, (&resources, &gaps, &text)).map(|(result,)| result)
                })?
            }
            Pre::V1(pre) => {
                let old: Vec<_> = resources.iter().copied().map(v1::resource).collect();
                let called = self.call(pre, &sandbox, budgets, |p, store| p.call_evaluate(store, &old, &text))?;
                Called { value: called.value.map(v1::evaluation), log: called.log, memory_used: called.memory_used }
            }
        };
        let Called { value: result, log, memory_used } = called;
        let evaluation = result.map_err(|message| PolicyFailure::Returned(bounded(message)))?;
        let given: std::collections::HashSet<&str> = resources.iter().map(|r| r.arn.as_str()).collect();
        let (findings, tallies) = validate::evaluation(evaluation, &policy.info, &given, &self.limits)?;
        Ok(Outcome {
            findings,
            tallies,
            log,
            resources: resources.len(),
            handed_bytes: handed,
            memory_used,
            memory_limit: budgets.memory_bytes,
        })
    }

    /// One call into a fresh instance, with the deadline, the memory limit and at most
    /// `copy_bytes` copied out of the policy's memory for its result, turning traps into
    /// failures.
    fn call<W, R>(
        &self,
        pre: &impl Instantiate<W>,
        sandbox: &Sandbox,
        budgets: Budgets,
        f: impl FnOnce(&W, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<Called<R>, PolicyFailure> {
        let Budgets { copy_bytes, memory_bytes, timeout } = budgets;
        let mut store = Store::new(&self.engine, sandbox.state(&self.limits, memory_bytes));
        store.limiter(|state| &mut state.limits);
        // wasmtime charges every string and list item it lifts from the guest against this
        // "hostcall fuel" before copying it: a result that points many times at the same bytes
        // cannot make the host allocate more than the budget.
        store.set_hostcall_fuel(copy_bytes);
        let ticks = (timeout.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let result = pre.instantiate(&mut store).and_then(|instance| f(&instance, &mut store));
        let log = store.data().log();
        let memory_used = store.data().limits.used();
        match result {
            Ok(value) => Ok(Called { value, log, memory_used }),
            Err(err) => Err(match self.failure(err, budgets) {
                // What the policy last said (a panic message, say) tells its author why.
                PolicyFailure::Trap(cause) => {
                    let said: Vec<&str> = log.iter().rev().take(3).rev().map(String::as_str).collect();
                    if said.is_empty() {
                        PolicyFailure::Trap(cause)
                    } else {
                        PolicyFailure::Trap(format!("{cause}; it printed: {}", said.join(" | ")))
                    }
                }
                other => other,
            }),
        }
    }

    fn failure(&self, err: wasmtime::Error, budgets: Budgets) -> PolicyFailure {
        if err.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) {
            return PolicyFailure::Timeout(budgets.timeout);
        }
        let text = format!("{err:#}");
        if text.contains("fuel allocated for hostcalls has been exhausted") {
            return PolicyFailure::Malformed(
                "its results are larger than the host copies out of a policy (its memory limit, --policy-memory)"
                    .into(),
            );
        }
        if text.contains("forcing trap when growing memory") || text.contains("memory minimum size") {
            return PolicyFailure::Memory(budgets.memory_bytes >> 20);
        }
        // Say what trapped (the trap code, or the host error under it); the wasm backtrace
        // in the chain is for developers.
        let cause = match err.downcast_ref::<wasmtime::Trap>() {
            Some(trap) => trap.to_string(),
            None => err.root_cause().to_string(),
        };
        PolicyFailure::Trap(cause.lines().next().unwrap_or_default().to_string())
    }
}

impl Drop for PolicyHost {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// What one call into a policy may use: bytes copied out of its result, and linear memory.
#[derive(Debug, Clone, Copy)]
struct Budgets {
    copy_bytes: usize,
    memory_bytes: usize,
    timeout: Duration,
}

/// What one call returned, what the policy printed, and the linear memory it used.
struct Called<R> {
    value: R,
    log: Vec<String>,
    memory_used: usize,
}

/// The current contract's `evaluate`, called with the resources by reference (the bindings'
/// `call_evaluate` wants them owned, side by side: a copy of every string of a policy of several
/// kinds). The same types as the bindings', checked against the component's when looked up.
type EvaluateParams<'a> = (&'a [&'a wit::Resource], &'a [wit::Gap], &'a str);
type EvaluateResult = Result<wit::Evaluation, String>;

/// A current-contract component instantiated without its world's wrapper, for [`EvaluateParams`].
struct Unwrapped<'a>(&'a PolicyPre<State>);

impl Instantiate<wasmtime::component::Instance> for Unwrapped<'_> {
    fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<wasmtime::component::Instance> {
        self.0.instance_pre().instantiate(store)
    }
}

/// Either contract's pre-instantiated world.
trait Instantiate<W> {
    fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<W>;
}

impl Instantiate<PolicyWorld> for PolicyPre<State> {
    fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<PolicyWorld> {
        PolicyPre::instantiate(self, store)
    }
}

impl Instantiate<v1::PolicyWorld> for v1::PolicyPre<State> {
    fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<v1::PolicyWorld> {
        v1::PolicyPre::instantiate(self, store)
    }
}

/// The snapshot as policies see it: resources converted to the contract's shape once, looked
/// up by ARN and by kind, and its gaps with the kinds they concern.
pub struct SnapshotIndex {
    /// Each kind's resources, in snapshot order.
    kinds: Vec<(String, Vec<wit::Resource>)>,
    /// Kind → its place in `kinds`.
    kind_at: HashMap<String, usize>,
    /// Every resource by ARN, as its [`Place`]; hashed by the ARN the resource holds, so that no
    /// second copy of an ARN (nor of its kind) is kept: 100,000 resources hold 15 MB of them.
    by_arn: hashbrown::HashTable<Place>,
    arn_hasher: hashbrown::DefaultHashBuilder,
    gaps: Vec<wit::Gap>,
    count: usize,
    /// Seconds since the epoch that policies see as "now": when the snapshot was taken.
    pub(crate) now: u64,
}

/// Where a resource sits in a [`SnapshotIndex`]: its kind's place in `kinds`, its position in
/// that kind's list.
#[derive(Debug, Clone, Copy)]
struct Place(usize, usize);

fn at(kinds: &[(String, Vec<wit::Resource>)], Place(kind, i): Place) -> &wit::Resource {
    &kinds[kind].1[i]
}

impl SnapshotIndex {
    pub fn new(snapshot: &Snapshot) -> SnapshotIndex {
        SnapshotIndex::build(snapshot.resources.iter().map(to_wit), &snapshot.gaps, &snapshot.metadata)
    }

    /// The same, taking the resources: each one's configuration is dropped once converted.
    pub fn from_resources(resources: Vec<Resource>, gaps: &[Gap], metadata: &Metadata) -> SnapshotIndex {
        SnapshotIndex::build(resources.into_iter().map(into_wit), gaps, metadata)
    }

    fn build(resources: impl Iterator<Item = wit::Resource>, gaps: &[Gap], metadata: &Metadata) -> SnapshotIndex {
        let mut kinds: Vec<(String, Vec<wit::Resource>)> = Vec::new();
        let mut kind_at: HashMap<String, usize> = HashMap::new();
        let mut places = Vec::with_capacity(resources.size_hint().0);
        for r in resources {
            let kind = match kind_at.get(r.kind.as_str()) {
                Some(&kind) => kind,
                None => {
                    kind_at.insert(r.kind.clone(), kinds.len());
                    kinds.push((r.kind.clone(), Vec::new()));
                    kinds.len() - 1
                }
            };
            let list = &mut kinds[kind].1;
            places.push(Place(kind, list.len()));
            list.push(r);
        }
        let arn_hasher = hashbrown::DefaultHashBuilder::default();
        let hash = |place: &Place| arn_hasher.hash_one(at(&kinds, *place).arn.as_str());
        let mut by_arn = hashbrown::HashTable::with_capacity(places.len());
        for &place in &places {
            let arn = at(&kinds, place).arn.as_str();
            match by_arn.entry(hash(&place), |p: &Place| at(&kinds, *p).arn == arn, hash) {
                // Two resources of one ARN: the later one is found, as it always was.
                hashbrown::hash_table::Entry::Occupied(mut held) => *held.get_mut() = place,
                hashbrown::hash_table::Entry::Vacant(free) => {
                    free.insert(place);
                }
            }
        }
        // Checked when the snapshot was read (`Snapshot::from_json`) and by `audit` before it
        // gets here; a snapshot built in code without a time is judged as of the epoch.
        let now = bbscan_model::epoch_seconds(&metadata.finished_at).and_then(|t| u64::try_from(t).ok()).unwrap_or(0);
        let gaps = gaps.iter().map(gap_to_wit).collect();
        SnapshotIndex { kinds, kind_at, by_arn, arn_hasher, gaps, count: places.len(), now }
    }

    /// How many resources it holds.
    pub fn resource_count(&self) -> usize {
        self.count
    }

    /// What a report says of a resource, by ARN.
    pub fn resource_ref(&self, arn: &str) -> Option<ResourceRef> {
        self.by_arn(arn).map(|r| ResourceRef {
            arn: r.arn.clone(),
            kind: r.kind.clone(),
            name: r.name.clone(),
            account: r.account.clone(),
            region: r.region.clone(),
        })
    }

    /// The bytes of the resources of `kinds` (their strings), as handed to a policy that reads
    /// them.
    pub fn handed_bytes(&self, kinds: &[&str]) -> usize {
        kinds.iter().flat_map(|k| self.of_kind(k)).map(handed_bytes).sum()
    }

    /// The gaps that concern any of `kinds`.
    fn gaps_of(&self, kinds: &[&str]) -> Vec<wit::Gap> {
        self.gaps.iter().filter(|g| g.kinds.iter().any(|k| kinds.contains(&k.as_str()))).cloned().collect()
    }

    fn of_kind(&self, kind: &str) -> &[wit::Resource] {
        self.kind_at.get(kind).map(|&k| self.kinds[k].1.as_slice()).unwrap_or_default()
    }

    fn kind_of(&self, arn: &str) -> Option<&str> {
        self.place_of(arn).map(|Place(kind, _)| self.kinds[kind].0.as_str())
    }

    fn by_arn(&self, arn: &str) -> Option<&wit::Resource> {
        self.place_of(arn).map(|place| at(&self.kinds, place))
    }

    fn place_of(&self, arn: &str) -> Option<Place> {
        let hash = self.arn_hasher.hash_one(arn);
        self.by_arn.find(hash, |p| at(&self.kinds, *p).arn == arn).copied()
    }
}

fn gap_to_wit(g: &Gap) -> wit::Gap {
    wit::Gap {
        service: g.service.clone(),
        operation: g.operation.clone(),
        region: g.region.clone(),
        resource: g.resource.clone(),
        field: g.field.clone(),
        reason: g.reason.as_str().to_string(),
        kinds: g.kinds().into_iter().map(str::to_string).collect(),
        message: g.message.clone(),
    }
}

fn into_wit(r: Resource) -> wit::Resource {
    wit::Resource {
        kind: r.kind().to_string(),
        config: r.config.config_json(),
        arn: r.arn,
        name: r.name,
        account: r.account,
        region: r.region,
        tags: r.tags.into_iter().collect(),
        unknown: r.unknown,
    }
}

fn to_wit(r: &Resource) -> wit::Resource {
    wit::Resource {
        kind: r.kind().to_string(),
        arn: r.arn.clone(),
        name: r.name.clone(),
        account: r.account.clone(),
        region: r.region.clone(),
        tags: r.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        config: r.config.config_json(),
        unknown: r.unknown.clone(),
    }
}

/// What `describe` may make the host copy (every rule's texts together).
const DESCRIBE_BYTES: usize = 16 << 20;
/// What a settings error message may make the host copy.
const MESSAGE_BYTES: usize = 1 << 20;

/// A policy's own error message, cut to a length a report can carry.
fn bounded(mut message: String) -> String {
    const MAX: usize = 2000;
    if message.len() > MAX {
        let mut end = MAX;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str(" …");
    }
    message
}

/// The border check of one policy's results, fed from JSON instead of a component:
/// `{"info": policy-info, "given": [arn, …], "evaluation": evaluation}` with the WIT records'
/// field names in snake case (`rule_id`) and enum cases capitalised (`"High"`). Returns how many
/// findings passed the check, or why the results (or the JSON) were refused. For the fuzz targets
/// and the property tests; bbscan itself checks results as they are lifted from the component.
#[doc(hidden)]
pub fn check_results_json(bytes: &[u8]) -> Result<usize, String> {
    #[derive(serde::Deserialize)]
    struct Results {
        info: wit::PolicyInfo,
        given: Vec<String>,
        evaluation: wit::Evaluation,
    }
    let results: Results = serde_json::from_slice(bytes).map_err(|e| format!("not results: {e}"))?;
    let info = validate::policy_info(results.info).map_err(|e| e.to_string())?;
    let given = results.given.iter().map(String::as_str).collect();
    let (findings, _tallies) =
        validate::evaluation(results.evaluation, &info, &given, &Limits::default()).map_err(|e| e.to_string())?;
    Ok(findings.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policys_memory_grows_with_what_it_is_handed_up_to_what_wasm32_addresses() {
        let limits = Limits {
            memory_bytes: 64 << 20,
            memory_per_handed_byte: 8,
            timeout: Duration::from_secs(2),
            timeout_per_handed_mib: Duration::from_millis(100),
            ..Limits::default()
        };
        assert_eq!(limits.memory_for(0), 64 << 20);
        assert_eq!(limits.memory_for(10 << 20), (64 + 80) << 20);
        assert_eq!(limits.timeout_for(0), Duration::from_secs(2));
        assert_eq!(limits.timeout_for((10 << 20) + 5), Duration::from_secs(3));
        assert_eq!(limits.memory_for(1 << 30), 4 << 30);
        assert_eq!(limits.memory_for(usize::MAX), 4 << 30);
        let r = wit::Resource {
            kind: "s3.bucket".into(),
            arn: "arn:aws:s3:::b".into(),
            name: "b".into(),
            account: "1".into(),
            region: "eu".into(),
            tags: vec![("k".into(), "vv".into())],
            config: "{}".into(),
            unknown: vec!["x".into()],
        };
        assert_eq!(handed_bytes(&r), 9 + 14 + 1 + 1 + 2 + 3 + 2 + 1);
    }

    fn resource(kind: &str, arn: &str, config: &str) -> wit::Resource {
        wit::Resource {
            kind: kind.into(),
            arn: arn.into(),
            name: String::new(),
            account: String::new(),
            region: String::new(),
            tags: Vec::new(),
            config: config.into(),
            unknown: Vec::new(),
        }
    }

    #[test]
    fn the_index_finds_every_resource_by_its_arn_and_a_repeated_arn_as_its_last_holder() {
        let kinds = ["s3.bucket", "iam.role", "lambda.function"];
        // Enough resources that the table grows many times while it is filled.
        let mut resources: Vec<wit::Resource> =
            (0..5_000).map(|i| resource(kinds[i % 3], &format!("arn:aws:x:::{i}"), &i.to_string())).collect();
        resources.push(resource("iam.role", "arn:aws:x:::7", "again"));
        resources.push(resource("lambda.function", "arn:aws:x:::8", "again"));
        let metadata = Snapshot::from_json(crate::snapshot::DEMO.as_bytes()).expect("the demo reads").metadata;
        let index = SnapshotIndex::build(resources.into_iter(), &[], &metadata);
        assert_eq!(index.resource_count(), 5_002);
        for i in (0..5_000).filter(|i| ![7, 8].contains(i)) {
            let arn = format!("arn:aws:x:::{i}");
            let found = index.by_arn(&arn).unwrap_or_else(|| panic!("{arn} is found"));
            assert_eq!((found.kind.as_str(), found.config.as_str()), (kinds[i % 3], i.to_string().as_str()));
            assert_eq!(index.kind_of(&arn), Some(kinds[i % 3]));
        }
        for (arn, kind) in [("arn:aws:x:::7", "iam.role"), ("arn:aws:x:::8", "lambda.function")] {
            let found = index.by_arn(arn).expect("found");
            assert_eq!((found.kind.as_str(), found.config.as_str(), index.kind_of(arn)), (kind, "again", Some(kind)));
        }
        for absent in ["", "arn:aws:x:::5000", "arn:aws:x:::", "ARN:AWS:X:::1"] {
            assert!(index.by_arn(absent).is_none() && index.kind_of(absent).is_none(), "{absent:?}");
        }
        assert_eq!(index.of_kind("iam.role").len(), 1_668);
        assert_eq!(index.of_kind("lambda.function").len(), 1_667);
        assert!(index.of_kind("kms.key").is_empty());
    }
}
