//! Every built-in policy run as native Rust (no WebAssembly, no boundary) over a snapshot file,
//! next to the same policies as WebAssembly through the host: what each policy's own work costs
//! and what the boundary and the sandbox add.
//!
//! `cargo bench -p bbscan --bench builtins_native -- SNAPSHOT.json [POLICY] [--native-only]`
//! (`--native-only`: no engine at all, for a profiler.)

use bbscan::audit::load_policies;
use bbscan::host::{Limits, PolicyHost, SnapshotIndex};
use bbscan_model::Snapshot;
use bbscan_policy::Report;
use std::sync::Arc;
use std::time::Instant;

type Native = fn(&Snapshot, &serde_json::Value) -> Result<Report, String>;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let native_only = args.iter().any(|a| a == "--native-only");
    args.retain(|a| a != "--native-only");
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench -p bbscan --bench builtins_native -- SNAPSHOT.json [POLICY] [--native-only]");
        std::process::exit(2);
    };
    let only = args.get(1);
    let bytes = std::fs::read(path).expect("the snapshot file is readable");
    let snap = Snapshot::from_json(&bytes).expect("the snapshot parses");
    let settings = serde_json::json!({});
    let natives: [(&str, Native); 8] = [
        ("bbscan-iam", bbscan_policy::run::<bbscan_policy_iam::Iam>),
        ("bbscan-s3", bbscan_policy::run::<bbscan_policy_s3::S3>),
        ("bbscan-cloudfront", bbscan_policy::run::<bbscan_policy_cloudfront::CloudFront>),
        ("bbscan-lambda", bbscan_policy::run::<bbscan_policy_lambda::Lambda>),
        ("bbscan-ssm", bbscan_policy::run::<bbscan_policy_ssm::Ssm>),
        ("bbscan-logging", bbscan_policy::run::<bbscan_policy_logging::Logging>),
        ("bbscan-recovery", bbscan_policy::run::<bbscan_policy_recovery::Recovery>),
        ("bbscan-tags", bbscan_policy::run::<bbscan_policy_tags::Tags>),
    ];
    // The engine, the compiled built-ins and the host's index exist only when the WebAssembly
    // side runs: a `--native-only` profile holds the policies' own work and nothing else.
    let wasm = (!native_only).then(|| {
        let host = PolicyHost::new(Limits::default(), None).expect("engine");
        let (policies, errors) = load_policies(&host, &[], true).expect("built-in policies");
        assert!(errors.is_empty(), "{errors:?}");
        (host, policies, Arc::new(SnapshotIndex::new(&snap)))
    });
    println!("{} resources; one run each (native, then WebAssembly)", snap.resources.len());
    for (name, native) in natives {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let start = Instant::now();
        let report = native(&snap, &settings).expect("native run");
        let native_time = start.elapsed();
        let findings = report.findings.len();
        drop(report);
        let Some((host, policies, index)) = &wasm else {
            println!("  {name:<18} native {:>9.1} ms   {findings} findings", native_time.as_secs_f64() * 1e3);
            continue;
        };
        let policy = policies.iter().find(|p| p.info.name == name).expect("the built-in is loaded");
        let start = Instant::now();
        let outcome = host.evaluate(policy, index, &settings).expect("wasm run");
        let wasm_time = start.elapsed();
        drop(outcome);
        println!(
            "  {name:<18} native {:>9.1} ms   wasm {:>9.1} ms   {:>5.2}x   {findings} findings",
            native_time.as_secs_f64() * 1e3,
            wasm_time.as_secs_f64() * 1e3,
            wasm_time.as_secs_f64() / native_time.as_secs_f64()
        );
    }
}
