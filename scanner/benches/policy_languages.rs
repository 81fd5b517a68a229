//! The same policy in several languages (the `bbscan policy new` template: a tag rule over
//! buckets and an IAM rule over roles, following attached managed policies through the host's
//! lookups and reading statements with the IAM helpers), over one snapshot of N resources
//! (default 10,000): cold compile by wasmtime, instantiation plus evaluation, the linear memory
//! the evaluation used, and the ratio to the first policy given (the Rust one).
//!
//! `BBSCAN_BENCH_POLICIES=rust=a.wasm,typescript=b.wasm,python=c.wasm cargo bench -p bbscan --bench policy_languages [-- N]`
//! (`bash tests/bench/languages.sh` scaffolds and builds the three, then runs this.)

use bbscan::host::{Limits, PolicyHost, SnapshotIndex};
use bbscan_model::Snapshot;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::median;

/// N resources cloned from the demo account's buckets, roles and managed policies (a third of
/// the buckets made production buckets without the classification tag).
fn snapshot(n: usize) -> Snapshot {
    let demo = Snapshot::from_json(bbscan::snapshot::DEMO.as_bytes()).expect("the demo snapshot parses");
    let templates: Vec<_> =
        demo.resources.iter().filter(|r| matches!(r.kind(), "s3.bucket" | "iam.role")).cloned().collect();
    let mut snap = demo.clone();
    // The managed policies stay as they are (roles attach them by ARN).
    snap.resources = demo.of_kind("iam.policy").cloned().collect();
    let mut i = 0;
    while snap.resources.len() < n {
        let mut r = templates[i % templates.len()].clone();
        r.arn = format!("{}-{i}", r.arn);
        r.name = format!("{}-{i}", r.name);
        if r.kind() == "s3.bucket" && i % 3 == 0 {
            r.tags.insert("sst:stage".into(), "production".into());
        }
        snap.resources.push(r);
        i += 1;
    }
    snap
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let Ok(list) = std::env::var("BBSCAN_BENCH_POLICIES") else {
        eprintln!("set BBSCAN_BENCH_POLICIES=label=path.wasm,… (bash tests/bench/languages.sh does)");
        std::process::exit(2);
    };
    let snap = snapshot(n);
    let index = Arc::new(SnapshotIndex::new(&snap));
    let settings = serde_json::json!({});
    let limits = Limits { timeout: Duration::from_secs(120), ..Limits::default() };
    let host = PolicyHost::new(limits, None).expect("engine");
    println!("the template policy over {n} resources (median of 5 evaluations, fresh instance each)");
    println!(
        "  {:<12} {:>10} {:>14} {:>14} {:>10} {:>11} {:>9}",
        "language", "size MiB", "compile ms", "evaluate ms", "findings", "memory MiB", "ratio"
    );
    let mut first: Option<f64> = None;
    let mut findings_first: Option<usize> = None;
    for entry in list.split(',').filter(|e| !e.is_empty()) {
        let (label, path) = entry.split_once('=').expect("label=path");
        let wasm = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        let start = Instant::now();
        let policy = host.load(path, &wasm).unwrap_or_else(|e| panic!("{label}: {e}"));
        let compile = start.elapsed();
        let mut found = 0;
        let mut memory = 0;
        let runs: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                let outcome = host.evaluate(&policy, &index, &settings).unwrap_or_else(|e| panic!("{label}: {e}"));
                found = outcome.findings.len();
                memory = outcome.memory_used;
                start.elapsed()
            })
            .collect();
        let eval = ms(median(runs));
        let base = *first.get_or_insert(eval);
        let same = *findings_first.get_or_insert(found) == found;
        println!(
            "  {label:<12} {:>10.1} {:>14.0} {:>14.1} {:>10} {:>11.1} {:>8.1}x{}",
            wasm.len() as f64 / (1 << 20) as f64,
            ms(compile),
            eval,
            found,
            memory as f64 / (1 << 20) as f64,
            eval / base,
            if same { "" } else { "  (findings differ from the first!)" }
        );
    }
}
