//! An audit: load the policies, evaluate them over a snapshot in parallel, and assemble the
//! report. A policy that fails is a policy error in the report; the others still run.

use crate::host::{Limits, Policy, PolicyHost, SnapshotIndex};
use bbscan_model::Snapshot;
use bbscan_model::findings::{
    AUDIT_SCHEMA_VERSION, AuditReport, PolicyError, PolicyLog, ReportFinding, RuleResult, SnapshotSummary,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

/// What to run.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Extra policy components: files, or directories of `*.wasm`.
    pub policies: Vec<PathBuf>,
    /// Only these rule ids (empty: all).
    pub only: Vec<String>,
    /// Not these rule ids.
    pub skip: Vec<String>,
    /// Settings per policy name (JSON objects).
    pub settings: BTreeMap<String, serde_json::Value>,
    pub limits: Limits,
    /// Where compiled components are cached; `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// Accepted findings (`[[waivers]]` of `bbscan.toml`).
    pub waivers: Vec<crate::triage::Waiver>,
    /// A previous report's path and fingerprints (`--baseline`).
    pub baseline: Option<(String, std::collections::BTreeSet<String>)>,
    /// Run the built-in policies too (`false`: only `policies`, as `policy test` of one policy).
    pub builtins: bool,
    /// Where the audit's time goes (`--timings`), when asked.
    pub timings: Option<Arc<Timings>>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            policies: Vec::new(),
            only: Vec::new(),
            skip: Vec::new(),
            settings: BTreeMap::new(),
            limits: Limits::default(),
            cache_dir: None,
            waivers: Vec::new(),
            baseline: None,
            builtins: true,
            timings: None,
        }
    }
}

/// Where an audit's wall-clock time went, phase by phase (`bbscan audit --timings`): to see what
/// a large account costs without a profiler.
#[derive(Debug, Default)]
pub struct Timings {
    phases: Mutex<Vec<Phase>>,
}

#[derive(Debug, Clone)]
struct Phase {
    label: String,
    elapsed: Duration,
    detail: String,
    /// Part of the phase before it (one policy of the evaluation).
    nested: bool,
    /// Run at the same time as the main phases (on another thread): not part of the total.
    alongside: bool,
}

impl Timings {
    pub fn record(&self, label: impl Into<String>, elapsed: Duration, detail: impl Into<String>) {
        self.push(Phase { label: label.into(), elapsed, detail: detail.into(), nested: false, alongside: false });
    }

    fn record_nested(&self, label: impl Into<String>, elapsed: Duration, detail: impl Into<String>) {
        self.push(Phase { label: label.into(), elapsed, detail: detail.into(), nested: true, alongside: false });
    }

    fn record_alongside(&self, label: impl Into<String>, elapsed: Duration, detail: impl Into<String>) {
        self.push(Phase { label: label.into(), elapsed, detail: detail.into(), nested: false, alongside: true });
    }

    fn push(&self, phase: Phase) {
        if let Ok(mut phases) = self.phases.lock() {
            phases.push(phase);
        }
    }

    /// The phases, one a line, nested ones indented under theirs.
    pub fn render(&self) -> String {
        let phases = self.phases.lock().map(|p| p.clone()).unwrap_or_default();
        let total: Duration = phases.iter().filter(|p| !p.nested && !p.alongside).map(|p| p.elapsed).sum();
        let mut out = String::from("timings (wall clock):\n");
        for p in &phases {
            let indent = if p.nested { "    " } else { "  " };
            let width = 32 - indent.len();
            let label = if p.alongside { format!("({})", p.label) } else { p.label.clone() };
            let line = format!("{indent}{label:<width$} {:>9.1} ms", p.elapsed.as_secs_f64() * 1000.0);
            match p.detail.is_empty() {
                true => out.push_str(&format!("{line}\n")),
                false => out.push_str(&format!("{line}   {}\n", p.detail)),
            }
        }
        out.push_str(&format!("  {:<30} {:>9.1} ms\n", "total", total.as_secs_f64() * 1000.0));
        out
    }
}

/// Run `f`, and record how long it took when timings are asked for.
fn timed<R>(timings: Option<&Timings>, label: &str, f: impl FnOnce() -> R, detail: impl FnOnce(&R) -> String) -> R {
    let start = Instant::now();
    let value = f();
    if let Some(t) = timings {
        t.record(label, start.elapsed(), detail(&value));
    }
    value
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot start the policy engine: {0}")]
    Engine(String),
    #[error("cannot read policy {path}: {source}. Pass a .wasm component or a directory of them")]
    ReadPolicy { path: PathBuf, source: std::io::Error },
    #[error("no .wasm components in directory {0}")]
    EmptyPolicyDir(PathBuf),
    #[error("unknown rule {rule:?} in {flag}. Known rules: {known}")]
    UnknownRule { rule: String, flag: &'static str, known: String },
    #[error(
        "the settings name policy {name:?}, but no policy has that name. Fix the [policies.{name}] table \
         in bbscan.toml; the policies are: {known}"
    )]
    UnknownPolicySettings { name: String, known: String },
    #[error("{0}")]
    Snapshot(String),
}

/// Where a policy comes from, and its bytes.
struct Source {
    origin: String,
    wasm: Vec<u8>,
}

fn sources(extra: &[PathBuf], builtins: bool) -> Result<Vec<Source>, AuditError> {
    let mut sources: Vec<Source> = builtin::BUILTIN
        .iter()
        .filter(|_| builtins)
        .map(|(name, wasm)| Source { origin: format!("builtin:{name}"), wasm: wasm.to_vec() })
        .collect();
    for path in extra {
        let read =
            |p: &Path| std::fs::read(p).map_err(|source| AuditError::ReadPolicy { path: p.to_path_buf(), source });
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|source| AuditError::ReadPolicy { path: path.clone(), source })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(AuditError::EmptyPolicyDir(path.clone()));
            }
            for file in files {
                sources.push(Source { origin: file.display().to_string(), wasm: read(&file)? });
            }
        } else {
            sources.push(Source { origin: path.display().to_string(), wasm: read(path)? });
        }
    }
    Ok(sources)
}

/// Load every policy (the built-in ones unless `builtins` is false, and `extra`), in parallel.
/// Failures become policy errors.
pub fn load_policies(
    host: &PolicyHost,
    extra: &[PathBuf],
    builtins: bool,
) -> Result<(Vec<Policy>, Vec<PolicyError>), AuditError> {
    let sources = sources(extra, builtins)?;
    let results = parallel_map(&sources, |s| host.load(&s.origin, &s.wasm).map_err(|e| (s.origin.clone(), e)));
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(p) => {
                // Rule ids are the identity of findings (fingerprints, baselines, waivers): two
                // policies may not both claim one.
                let taken = p.info.rules.iter().find_map(|r| {
                    policies.iter().find(|q: &&Policy| q.info.rules.iter().any(|qr| qr.id == r.id)).map(|q| (r, q))
                });
                match taken {
                    Some((rule, owner)) => errors.push(PolicyError {
                        policy: p.info.name.clone(),
                        origin: p.origin.clone(),
                        error: format!(
                            "rule {} is already declared by policy {} ({}); give the rule another id",
                            rule.id, owner.info.name, owner.origin
                        ),
                        log: Vec::new(),
                    }),
                    None => policies.push(p),
                }
            }
            Err((origin, e)) => {
                errors.push(PolicyError { policy: origin.clone(), origin, error: e.to_string(), log: Vec::new() })
            }
        }
    }
    Ok((policies, errors))
}

/// The policy engine with every policy loaded (and those that failed to load).
pub struct Loaded {
    host: PolicyHost,
    policies: Vec<Policy>,
    errors: Vec<PolicyError>,
}

/// Start the policy engine and load the policies of `options`: what an audit runs. Needs no
/// snapshot, so a caller may do it while the snapshot is read ([`load_alongside`]).
pub fn load(options: &AuditOptions) -> Result<Loaded, AuditError> {
    let host = PolicyHost::new(options.limits.clone(), options.cache_dir.clone())
        .map_err(|e| AuditError::Engine(format!("{e:#}")))?;
    let (policies, errors) = load_policies(&host, &options.policies, options.builtins)?;
    Ok(Loaded { host, policies, errors })
}

/// Policies loading on a thread of their own ([`load_alongside`]).
pub struct Loading {
    thread: std::thread::JoinHandle<Result<Loaded, AuditError>>,
    timings: Option<Arc<Timings>>,
}

/// [`load`] on a thread of its own: compiling or reading the cached policies overlaps with
/// whatever the caller does meanwhile (reading or collecting the snapshot). Join it with
/// [`Loading::wait`]; dropped unjoined, the thread finishes on its own.
pub fn load_alongside(options: &AuditOptions) -> Loading {
    let options = AuditOptions {
        policies: options.policies.clone(),
        limits: options.limits.clone(),
        cache_dir: options.cache_dir.clone(),
        builtins: options.builtins,
        timings: options.timings.clone(),
        ..AuditOptions::default()
    };
    let timings = options.timings.clone();
    let thread = std::thread::spawn(move || {
        let start = Instant::now();
        let loaded = load(&options);
        if let Some(t) = &options.timings {
            t.record_alongside("load policies", start.elapsed(), loaded_detail(&loaded));
        }
        loaded
    });
    Loading { thread, timings }
}

impl Loading {
    /// The loaded policies, once the thread is done (the time waited is a phase of `--timings`).
    pub fn wait(self) -> Result<Loaded, AuditError> {
        let start = Instant::now();
        let loaded =
            self.thread.join().unwrap_or_else(|_| Err(AuditError::Engine("loading the policies failed".into())));
        if let Some(t) = &self.timings {
            t.record("wait for the policies", start.elapsed(), "");
        }
        loaded
    }
}

fn loaded_detail(loaded: &Result<Loaded, AuditError>) -> String {
    loaded.as_ref().map(|l| format!("{} loaded, {} failed", l.policies.len(), l.errors.len())).unwrap_or_default()
}

/// [`load`], timed as the phase "load policies".
pub fn load_timed(options: &AuditOptions) -> Result<Loaded, AuditError> {
    timed(options.timings.as_deref(), "load policies", || load(options), loaded_detail)
}

/// Run the audit.
pub fn audit(snapshot: &Snapshot, options: &AuditOptions) -> Result<AuditReport, AuditError> {
    // Every age a rule judges counts from the snapshot's time: no time, no judgement.
    snapshot.check_times().map_err(|e| AuditError::Snapshot(e.to_string()))?;
    let index = timed(
        options.timings.as_deref(),
        "index for policies",
        || SnapshotIndex::new(snapshot),
        |_| format!("{} resources", snapshot.resources.len()),
    );
    audit_indexed(index, &snapshot.metadata, snapshot.gaps.clone(), options, &load_timed(options)?)
}

/// Run the audit on a snapshot the caller no longer needs: each resource's configuration is
/// handed over to the policies' index and dropped from the snapshot as it goes, so that a large
/// account is not held in memory twice. The policies are the caller's ([`load`],
/// [`load_alongside`]): one loading serves every account of an organisation.
pub fn audit_owned(snapshot: Snapshot, options: &AuditOptions, loaded: &Loaded) -> Result<AuditReport, AuditError> {
    snapshot.check_times().map_err(|e| AuditError::Snapshot(e.to_string()))?;
    let Snapshot { metadata, resources, gaps, .. } = snapshot;
    let count = resources.len();
    let index = timed(
        options.timings.as_deref(),
        "index for policies",
        || SnapshotIndex::from_resources(resources, &gaps, &metadata),
        |_| format!("{count} resources"),
    );
    audit_indexed(index, &metadata, gaps, options, loaded)
}

/// Run the audit on the policies' index of a snapshot: its metadata and gaps with it. A
/// snapshot document read straight into the index ([`crate::host::SnapshotDocument`]) never
/// builds the typed snapshot.
pub fn audit_indexed(
    index: SnapshotIndex,
    meta: &bbscan_model::Metadata,
    gaps: Vec<bbscan_model::Gap>,
    options: &AuditOptions,
    loaded: &Loaded,
) -> Result<AuditReport, AuditError> {
    let timings = options.timings.as_deref();
    let (host, policies, mut policy_errors) = (&loaded.host, &loaded.policies, loaded.errors.clone());
    check_rule_selection(policies, options)?;
    // (When a policy failed to load its name is unknown: then its settings cannot be judged.)
    let unclaimed = options.settings.keys().find(|n| !policies.iter().any(|p| &p.info.name == *n));
    if let Some(name) = unclaimed.filter(|_| policy_errors.is_empty()) {
        let known: Vec<&str> = policies.iter().map(|p| p.info.name.as_str()).collect();
        return Err(AuditError::UnknownPolicySettings { name: name.clone(), known: known.join(", ") });
    }
    let selected = |rule: &str| {
        (options.only.is_empty() || options.only.iter().any(|r| r == rule)) && !options.skip.iter().any(|r| r == rule)
    };
    // A policy none of whose rules is selected (`--only`, `--skip`) is not run: nothing it could
    // report would be kept, and its time, memory or failure would be the user's for nothing.
    let choosing = !options.only.is_empty() || !options.skip.is_empty();
    let policies: Vec<&Policy> =
        policies.iter().filter(|p| !choosing || p.info.rules.iter().any(|r| selected(&r.id))).collect();

    let index = Arc::new(index);
    let empty = serde_json::Value::Object(Default::default());
    let evaluation_start = Instant::now();
    // The policy handed the most first (its evaluation is likely the longest: the audit ends
    // when it does), and so on down: the policies that need much memory run while the first
    // is still young, not beside it at its largest.
    let mut order: Vec<usize> = (0..policies.len()).collect();
    order.sort_by_cached_key(|&i| std::cmp::Reverse(index.handed_bytes(&policies[i].kinds())));
    let ran = parallel_map(&order, |&i| {
        let policy = policies[i];
        let start = Instant::now();
        let settings = options.settings.get(&policy.info.name).unwrap_or(&empty);
        let outcome = host.validate_settings(policy, settings).and_then(|_| host.evaluate(policy, &index, settings));
        (outcome, start.elapsed())
    });
    let mut outcomes: Vec<_> = ran.into_iter().zip(&order).map(|(outcome, &i)| (i, outcome)).collect();
    outcomes.sort_by_key(|(i, _)| *i);
    let outcomes: Vec<_> = outcomes.into_iter().map(|(_, outcome)| outcome).collect();
    if let Some(t) = timings {
        t.record(
            "evaluate",
            evaluation_start.elapsed(),
            format!("{} policies on {} threads", policies.len(), workers(policies.len())),
        );
        for (policy, (outcome, elapsed)) in policies.iter().zip(&outcomes) {
            let detail = match outcome {
                Ok(o) => format!(
                    "{} resources handed ({}), {} findings, memory {} of {}",
                    o.resources,
                    mib(o.handed_bytes),
                    o.findings.len(),
                    mib(o.memory_used),
                    mib(o.memory_limit)
                ),
                Err(e) => format!("failed: {e}"),
            };
            t.record_nested(policy.info.name.as_str(), *elapsed, detail);
        }
    }
    let gather_start = Instant::now();

    let mut rules = Vec::new();
    let mut findings = Vec::new();
    let mut policy_logs = Vec::new();
    for (policy, (outcome, _)) in policies.iter().zip(outcomes) {
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                policy_errors.push(PolicyError {
                    policy: policy.info.name.clone(),
                    origin: policy.origin.clone(),
                    error: e.to_string(),
                    log: Vec::new(),
                });
                continue;
            }
        };
        if !outcome.log.is_empty() {
            policy_logs.push(PolicyLog { policy: policy.info.name.clone(), lines: outcome.log.clone() });
        }
        for rule in policy.info.rules.iter().filter(|r| selected(&r.id)) {
            let tally = outcome.tallies.get(&rule.id).copied().unwrap_or_default();
            rules.push(RuleResult {
                policy: policy.info.name.clone(),
                rule: rule.clone(),
                evaluated: tally.evaluated,
                passed: tally.passed,
            });
        }
        for f in outcome.findings.into_iter().filter(|f| selected(&f.rule_id)) {
            let rule = policy.info.rules.iter().find(|r| r.id == f.rule_id);
            let Some(resource) = index.resource_ref(&f.resource_arn) else { continue };
            findings.push(ReportFinding {
                fingerprint: bbscan_model::findings::fingerprint(&f.rule_id, &resource.arn),
                severity: f
                    .severity
                    .or(rule.map(|r| r.default_severity))
                    .unwrap_or(bbscan_model::findings::Severity::Medium),
                rule_id: f.rule_id,
                policy: policy.info.name.clone(),
                status: f.status,
                resource,
                message: f.message,
                evidence: f.evidence,
                actions: f.actions,
                baseline: None,
                suppression: None,
            });
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.arn.cmp(&b.resource.arn))
    });
    rules.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    policy_errors.sort_by(|a, b| a.origin.cmp(&b.origin));
    let today = meta.finished_at.get(..10).unwrap_or_default();
    let waivers = crate::triage::apply_waivers(&mut findings, &options.waivers, today);
    if let Some((_, prints)) = &options.baseline {
        crate::triage::apply_baseline(&mut findings, prints);
    }
    let mut report = AuditReport {
        schema_version: AUDIT_SCHEMA_VERSION,
        snapshot: SnapshotSummary {
            account_id: meta.account_id.clone(),
            partition: meta.partition.clone(),
            regions: meta.regions.clone(),
            app: meta.app.clone(),
            stage: meta.stage.clone(),
            taken_at: meta.finished_at.clone(),
            resources: index.resource_count(),
        },
        rules,
        findings,
        gaps,
        policy_errors,
        policy_logs,
        compliance: Vec::new(),
        waivers,
        baseline: options.baseline.as_ref().map(|(path, _)| path.clone()),
    };
    report.compliance = report.compliance_summary();
    if let Some(t) = timings {
        t.record("gather findings", gather_start.elapsed(), format!("{} findings", report.findings.len()));
    }
    // The index is given back here, not after the report (the compiled policies are the caller's),
    // and freed by a thread of its own: every resource's strings take a fifth of a second per
    // 100,000 resources to free, time the reports can be written in. Freed here when no thread
    // can be started.
    timed(
        timings,
        "release the index",
        move || std::thread::Builder::new().name("bbscan-release-index".into()).spawn(move || drop(index)).is_ok(),
        |background| if *background { "freed in the background".into() } else { String::new() },
    );
    Ok(report)
}

fn check_rule_selection(policies: &[Policy], options: &AuditOptions) -> Result<(), AuditError> {
    let known: Vec<&str> = policies.iter().flat_map(|p| p.info.rules.iter().map(|r| r.id.as_str())).collect();
    for (flag, list) in [("--only", &options.only), ("--skip", &options.skip)] {
        if let Some(rule) = list.iter().find(|r| !known.contains(&r.as_str())) {
            let mut sorted = known.clone();
            sorted.sort_unstable();
            return Err(AuditError::UnknownRule { rule: rule.clone(), flag, known: sorted.join(", ") });
        }
    }
    Ok(())
}

/// Threads for `items` pieces of work: one a core, at most one a piece.
fn workers(items: usize) -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).min(items).max(1)
}

/// Map over items on up to as many threads as there are cores, keeping the order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = workers(items.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let value = f(item);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(value);
                    }
                }
            });
        }
    });
    results.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

/// The JSON Schema of the audit report document (`bbscan schema --report`, published as
/// `docs/report.schema.json`).
pub fn report_schema() -> String {
    let schema = schemars::schema_for!(AuditReport);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Bytes as MiB with one decimal, for people.
fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}
