//! Effective permissions and the escalation graph of a large account, and how the time grows
//! with the number of principals. Run: `cargo bench -p bbscan-iam --bench escalation`.
//!
//! The account: 1,000 roles, 200 users (in 20 groups), 1,500 managed policies (see
//! `tests/support/synthetic.rs`), then a quarter, a half and twice that; then pipelines (many
//! deployers that may pass any role, many function roles) at three sizes, with and without an
//! administrator function role; then relays (roles that may only assume others: chains of
//! several steps). Each size is built and
//! solved several times after a warm-up (the action catalogue parsed once per process, as in a
//! policy evaluation); the median is reported. `-- --from SNAPSHOT.json` measures the account of
//! a snapshot file instead.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use bbscan_iam::account::Account;
use bbscan_iam::escalation::Graph;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run(roles: usize, users: usize, policies: usize, rounds: usize) {
    let resources = synthetic::account(roles, users, policies, 7);
    measure(&format!("{roles:>5} roles {users:>4} users {policies:>5} policies"), &resources, rounds);
}

/// Pipelines (`synthetic::pipelines`): deployers that may pass any role to Lambda, many function
/// roles, with or without an administrator among them — where the graph grew as their product.
fn pipelines(deployers: usize, function_roles: usize, admin: bool, rounds: usize) {
    let resources = synthetic::pipelines(deployers, function_roles, admin);
    let what = if admin { "one administrator function role" } else { "no administrator" };
    measure(&format!("{deployers:>5} deployers {function_roles:>5} function roles, {what}"), &resources, rounds);
}

fn measure(label: &str, resources: &[bbscan_model::Resource], rounds: usize) {
    let mut build = Vec::new();
    let mut total = Vec::new();
    let (mut edges, mut escalating, mut admins) = (0, 0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        let account = Account::from_resources(synthetic::ACCOUNT, resources);
        let built = start.elapsed();
        let graph = Graph::build(&account);
        escalating = (0..account.entities.len()).filter(|&i| graph.path_to_admin(i).is_some()).count();
        admins = (0..account.entities.len()).filter(|&i| graph.is_admin_entity(i)).count();
        edges = graph.edges.len();
        total.push(start.elapsed());
        build.push(built);
    }
    println!(
        "{label}: {:>8.1} ms total (median of {rounds}; parse {:>6.1} ms), {edges} edges, {admins} administrators, {escalating} can escalate",
        median(total).as_secs_f64() * 1e3,
        median(build).as_secs_f64() * 1e3,
    );
}

/// `--snapshot PATH`: write the 1,000-role account as a snapshot file instead (for
/// `tests/bench/audit.sh`, which audits it with the built-in policies as WebAssembly).
fn write_snapshot(path: &str) {
    let resources = synthetic::account(1000, 200, 1500, 7);
    let snapshot = serde_json::json!({
        "schema_version": bbscan_model::SCHEMA_VERSION,
        "metadata": {
            "account_id": synthetic::ACCOUNT, "partition": "aws", "caller_arn": "arn:aws:iam::123456789012:user/bench",
            "regions": ["us-east-1"], "app": "bench", "stage": null, "stages_seen": [],
            "started_at": "2026-01-15T09:00:00Z", "finished_at": "2026-01-15T09:00:00Z", "bbscan_version": "bench",
            "api_calls": 0, "api_calls_by_operation": {}
        },
        "resources": resources,
        "gaps": []
    });
    std::fs::write(path, serde_json::to_vec(&snapshot).expect("JSON")).expect("write the snapshot");
}

/// `--from SNAPSHOT.json`: the account of a snapshot file (e.g. `tests/bench/audit.sh`'s
/// 100,000-resource one), read, built and solved a few times; each phase timed apart.
fn from_snapshot(path: &str) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let snapshot = bbscan_model::Snapshot::from_json(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let resources = &snapshot.resources;
    let (mut parse, mut build) = (Vec::new(), Vec::new());
    let (mut edges, mut escalating, mut principals, mut distinct) = (0, 0, 0, 0);
    for _ in 0..3 {
        let start = Instant::now();
        let account = Account::from_resources(&snapshot.metadata.account_id, resources);
        parse.push(start.elapsed());
        let start = Instant::now();
        let graph = Graph::build(&account);
        build.push(start.elapsed());
        principals = account.entities.len();
        edges = graph.edges.len();
        escalating = (0..principals).filter(|&i| graph.path_to_admin(i).is_some()).count();
        distinct = graph.effective.iter().map(std::rc::Rc::as_ptr).collect::<std::collections::HashSet<_>>().len();
    }
    println!(
        "{path}: {} resources, {principals} principals ({distinct} distinct permissions); account {:.1} ms, \
         graph {:.1} ms (median of 3), {edges} edges, {escalating} can escalate",
        resources.len(),
        median(parse).as_secs_f64() * 1e3,
        median(build).as_secs_f64() * 1e3,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--from") {
        from_snapshot(args.get(i + 1).expect("--from SNAPSHOT.json"));
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--snapshot") {
        write_snapshot(args.get(i + 1).expect("--snapshot PATH"));
        return;
    }
    // Warm-up: the catalogue, the allocator.
    let _ = Graph::build(&Account::from_resources(synthetic::ACCOUNT, &synthetic::account(20, 5, 20, 1)));
    println!("bbscan-iam escalation benchmark ({} actions in the catalogue)", bbscan_iam::Catalogue::get().len());
    run(250, 50, 375, 5);
    run(500, 100, 750, 5);
    run(1000, 200, 1500, 5);
    run(2000, 400, 3000, 3);
    for (deployers, roles) in [(250, 2500), (500, 5000), (1000, 10000)] {
        pipelines(deployers, roles, true, 3);
        pipelines(deployers, roles, false, 3);
    }
    // Chains of assumptions, found over several rounds.
    for roles in [1000, 4000] {
        let resources = synthetic::relays(roles, 5, 1);
        measure(&format!("{roles:>5} relay roles, 5 administrators"), &resources, 3);
    }
}
