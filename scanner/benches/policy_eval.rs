//! One rule as plain native Rust vs the same rule as a WebAssembly policy, on the same
//! snapshot: `S3.BUCKET_PUBLIC_ACCESS_BLOCK` over N buckets (default 10,000).
//!
//! `cargo bench -p bbscan --bench policy_eval [-- N]`

use bbscan::audit::load_policies;
use bbscan::host::{Limits, PolicyHost, SnapshotIndex};
use bbscan_model::Snapshot;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::median;

fn snapshot(buckets: usize) -> Snapshot {
    let demo = Snapshot::from_json(bbscan::snapshot::DEMO.as_bytes()).expect("the demo snapshot parses");
    let templates: Vec<_> = demo.of_kind("s3.bucket").cloned().collect();
    let mut snap = demo.clone();
    snap.resources = (0..buckets)
        .map(|i| {
            let mut r = templates[i % templates.len()].clone();
            r.arn = format!("{}-{i}", r.arn);
            r.name = format!("{}-{i}", r.name);
            r
        })
        .collect();
    snap
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let snap = snapshot(n);
    let settings = serde_json::json!({});

    let native: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            let report = bbscan_policy::run::<bbscan_policy_s3::S3>(&snap, &settings).expect("native run");
            std::hint::black_box(report);
            start.elapsed()
        })
        .collect();

    let host = PolicyHost::new(Limits::default(), None).expect("engine");
    let (policies, errors) = load_policies(&host, &[], true).expect("built-in policies");
    assert!(errors.is_empty());
    let s3 = policies.iter().find(|p| p.info.name == "bbscan-s3").expect("the S3 policy");
    let index_start = Instant::now();
    let index = Arc::new(SnapshotIndex::new(&snap));
    let index_time = index_start.elapsed();
    let wasm: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            let outcome = host.evaluate(s3, &index, &settings).expect("wasm run");
            std::hint::black_box(outcome);
            start.elapsed()
        })
        .collect();

    let (native, wasm) = (median(native), median(wasm));
    println!("S3.BUCKET_PUBLIC_ACCESS_BLOCK over {n} buckets (median of 9)");
    println!("  native Rust (bbscan_policy::run):           {:>9.2} ms", native.as_secs_f64() * 1e3);
    println!("  WebAssembly policy (fresh store, lowering):  {:>9.2} ms", wasm.as_secs_f64() * 1e3);
    println!("  ratio wasm / native:                         {:>9.2}x", wasm.as_secs_f64() / native.as_secs_f64());
    println!("  (once per audit, shared by all policies: snapshot index {:.2} ms)", index_time.as_secs_f64() * 1e3);
}
