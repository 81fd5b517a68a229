//! Every built-in policy run as native Rust (no WebAssembly, no boundary) over a snapshot file,
//! next to the same policies as WebAssembly through the host: what each policy's own work costs
//! and what the boundary and the sandbox add.
//!
//! `cargo bench -p bbscan --bench builtins_native -- SNAPSHOT.json [POLICY] [--native-only] [--runs N]`
//! (`--native-only`: no engine at all, for a profiler; `--runs N`: each side N times, alternating,
//! and the medians — one run of either side can be off by half on a busy machine. Later runs in
//! one process favour native code, whose heap is then warm, while every WebAssembly evaluation
//! starts in a fresh instance's memory as in an audit: the first run of a process, as an audit
//! has it, is the like-for-like comparison; run the bench several times for its spread.)

use bbscan::audit::load_policies;
use bbscan::host::{Limits, PolicyHost, SnapshotIndex};
use bbscan_model::Snapshot;
use bbscan_policy::Report;
use std::sync::Arc;
use std::time::Instant;

mod support;
use support::median;

type Native = fn(&Snapshot, &serde_json::Value) -> Result<Report, String>;

fn main() {
    const USAGE: &str =
        "usage: cargo bench -p bbscan --bench builtins_native -- SNAPSHOT.json [POLICY] [--native-only] [--runs N]";
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let native_only = args.iter().any(|a| a == "--native-only");
    args.retain(|a| a != "--native-only");
    let runs = match args.iter().position(|a| a == "--runs") {
        None => 1,
        Some(at) => {
            let n = args.get(at + 1).and_then(|n| n.parse::<usize>().ok()).filter(|&n| n > 0);
            let Some(n) = n else {
                eprintln!("--runs needs a number of runs, 1 or more\n{USAGE}");
                std::process::exit(2);
            };
            args.drain(at..at + 2);
            n
        }
    };
    let Some(path) = args.first() else {
        eprintln!("{USAGE}");
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
    match runs {
        1 => println!("{} resources; one run each (native, then WebAssembly)", snap.resources.len()),
        n => println!(
            "{} resources; {n} runs each, alternating (medians; the ratio of the medians)",
            snap.resources.len()
        ),
    }
    for (name, native) in natives {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let policy = wasm
            .as_ref()
            .map(|(_, policies, _)| policies.iter().find(|p| p.info.name == name).expect("the built-in is loaded"));
        let (mut native_times, mut wasm_times, mut findings) = (Vec::new(), Vec::new(), 0);
        for _ in 0..runs {
            let start = Instant::now();
            let report = native(&snap, &settings).expect("native run");
            native_times.push(start.elapsed());
            findings = report.findings.len();
            drop(report);
            if let (Some((host, _, index)), Some(policy)) = (&wasm, policy) {
                let start = Instant::now();
                let outcome = host.evaluate(policy, index, &settings).expect("wasm run");
                wasm_times.push(start.elapsed());
                assert_eq!(outcome.findings.len(), findings, "{name}: native and WebAssembly find the same");
            }
        }
        let ratios: Vec<f64> =
            wasm_times.iter().zip(&native_times).map(|(w, n)| w.as_secs_f64() / n.as_secs_f64()).collect();
        let native_ms = median(native_times).as_secs_f64() * 1e3;
        if wasm_times.is_empty() {
            println!("  {name:<18} native {native_ms:>9.1} ms   {findings} findings");
            continue;
        }
        let wasm_ms = median(wasm_times).as_secs_f64() * 1e3;
        let spread = match runs {
            1 => String::new(),
            _ => format!(
                "   (runs {:.2}-{:.2}x)",
                ratios.iter().copied().fold(f64::INFINITY, f64::min),
                ratios.iter().copied().fold(0.0, f64::max)
            ),
        };
        println!(
            "  {name:<18} native {native_ms:>9.1} ms   wasm {wasm_ms:>9.1} ms   {:>5.2}x   {findings} findings{spread}",
            wasm_ms / native_ms
        );
    }
}
