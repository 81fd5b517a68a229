//! Failure handling end to end: the real binary, through a fault-injecting proxy, in front of
//! a real moto server. Each failed read must become a gap with the right reason, and the rest
//! of the account must still be collected.

use bbscan_tests::fault_proxy::{Fault, FaultProxy, RequestInfo, Rule};
use bbscan_tests::{Moto, assert_valid_snapshot, bbscan};
use serde_json::Value;
use std::time::Duration;

/// Reads moto 5.2.5 cannot answer, so every run has their gaps: `ListBackupSelections` is not
/// implemented (HTTP 500 with an HTML page, which is rightly a `service_error`), nor is Cost
/// Explorer's `ListCostAllocationTags`.
const MOTO_GAPS: &[(&str, &str)] = &[("backup", "ListBackupSelections"), ("ce", "ListCostAllocationTags")];

/// One `bbscan snapshot` run through a proxy with `rules`.
struct Scan {
    snapshot: Value,
    stderr: String,
    requests: Vec<RequestInfo>,
}

impl Scan {
    fn run(rules: Vec<Rule>, extra_args: &[&str]) -> Scan {
        let moto = Moto::start();
        moto.seed(0);
        let proxy = FaultProxy::start(&moto.endpoint, rules);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = dir.path().join("snapshot.json");
        let output = bbscan()
            .args(["snapshot", "--endpoint-url", &proxy.endpoint, "--region", "us-east-1", "-o"])
            .arg(&out)
            .args(extra_args)
            .timeout(Duration::from_secs(120))
            .output()
            .expect("run bbscan");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(0), "bbscan snapshot failed:\n{stderr}");
        let text =
            std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("read {}: {e}\nstderr:\n{stderr}", out.display()));
        let snapshot: Value = serde_json::from_str(&text).expect("the snapshot is JSON");
        assert_valid_snapshot(&snapshot);
        Scan { snapshot, stderr, requests: proxy.requests() }
    }

    fn gaps(&self) -> &[Value] {
        self.snapshot["gaps"].as_array().map(Vec::as_slice).unwrap_or_default()
    }

    fn gaps_of(&self, service: &str) -> Vec<&Value> {
        self.gaps().iter().filter(|g| g["service"] == service).collect()
    }

    /// Gaps selected by `filter`, except those moto always causes.
    fn unexpected_gaps(&self, filter: impl Fn(&Value) -> bool) -> Vec<&Value> {
        self.gaps()
            .iter()
            .filter(|g| {
                !MOTO_GAPS.iter().any(|(service, operation)| g["service"] == *service && g["operation"] == *operation)
            })
            .filter(|g| filter(g))
            .collect()
    }

    fn resources(&self, kind: &str) -> Vec<&Value> {
        self.snapshot["resources"]
            .as_array()
            .map(|all| all.iter().filter(|r| r["kind"] == kind).collect())
            .unwrap_or_default()
    }

    /// Panic unless at least one resource of each kind was collected.
    fn assert_collected(&self, kinds: &[&str]) {
        for kind in kinds {
            assert!(
                !self.resources(kind).is_empty(),
                "no {kind} resources collected; gaps: {:#}",
                self.snapshot["gaps"]
            );
        }
    }

    fn count(&self, service: &str, operation: &str) -> usize {
        self.requests.iter().filter(|r| r.service == service && r.operation.contains(operation)).count()
    }
}

fn error(status: u16, code: &'static str, message: &'static str) -> Fault {
    Fault::Error { status, code, message }
}

#[test]
fn throttling_is_retried_until_it_succeeds() {
    let scan =
        Scan::run(vec![Rule::on("iam", "GetAccountSummary", error(400, "Throttling", "Rate exceeded")).times(2)], &[]);

    let summary_gaps: Vec<_> = scan.gaps().iter().filter(|g| g["operation"] == "GetAccountSummary").collect();
    assert!(summary_gaps.is_empty(), "throttling that passed left gaps: {summary_gaps:#?}");
    let account = scan.resources("iam.account");
    assert_eq!(account.len(), 1, "one iam.account resource");
    let summary = account[0]["config"]["summary"].as_object().expect("config.summary is an object");
    assert!(!summary.is_empty(), "config.summary is empty");
    assert!(
        scan.count("iam", "GetAccountSummary") >= 3,
        "GetAccountSummary was not retried: {} requests",
        scan.count("iam", "GetAccountSummary")
    );
}

#[test]
fn a_denied_service_is_a_gap_and_the_rest_is_collected() {
    let scan = Scan::run(
        vec![Rule::always("ssm", error(400, "AccessDeniedException", "not authorized to perform ssm:*"))],
        &[],
    );

    let ssm = scan.gaps_of("ssm");
    assert!(
        ssm.iter().any(|g| g["reason"] == "access_denied" && g["error_code"] == "AccessDeniedException"),
        "no access_denied gap for ssm: {ssm:#?}"
    );
    assert!(scan.resources("ssm.parameter").is_empty(), "ssm.parameter resources despite the denial");
    scan.assert_collected(&["s3.bucket", "lambda.function", "iam.role", "kms.key", "logs.log_group"]);
    let other = scan.unexpected_gaps(|g| g["service"] != "ssm");
    assert!(other.is_empty(), "gaps outside ssm: {other:#?}");
    assert!(
        scan.stderr.contains("ssm:DescribeParameters access_denied"),
        "stderr does not mention the gap:\n{}",
        scan.stderr
    );
}

#[test]
fn a_denied_bucket_field_is_unknown_and_the_other_fields_are_read() {
    // The match is a substring, so `?policy` also covers `?policyStatus`; that is only asked
    // once a policy was read, so here it never is.
    let scan = Scan::run(vec![Rule::on("s3", "?policy", error(403, "AccessDenied", "Access Denied"))], &[]);

    let buckets = scan.resources("s3.bucket");
    assert!(!buckets.is_empty(), "no buckets collected");
    for bucket in &buckets {
        let arn = bucket["arn"].as_str().expect("a bucket has an ARN");
        let unknown = bucket["unknown"].as_array().expect("unknown is a list");
        assert!(unknown.iter().any(|u| u == "policy"), "{arn}: unknown {unknown:?} lacks \"policy\"");
        assert_eq!(unknown.len(), 1, "{arn}: only the policy should be unknown, got {unknown:?}");
        assert!(
            scan.gaps().iter().any(|g| g["resource"] == arn
                && g["field"] == "policy"
                && g["operation"] == "GetBucketPolicy"
                && g["reason"] == "access_denied"
                && g["error_code"] == "AccessDenied"),
            "{arn}: no access_denied gap for its policy"
        );
        let config = &bucket["config"];
        for field in ["acl", "versioning", "public_access_block"] {
            assert!(config.get(field).is_some_and(|v| !v.is_null()), "{arn}: {field} missing: {config:#}");
        }
    }
}

#[test]
fn server_errors_become_service_error_gaps() {
    let scan = Scan::run(
        vec![Rule::always("kms", error(500, "KMSInternalException", "internal error"))],
        &["--max-attempts", "2"],
    );

    let kms = scan.gaps_of("kms");
    assert!(!kms.is_empty(), "no kms gap");
    for gap in &kms {
        assert_eq!(gap["reason"], "service_error", "{gap:#}");
        assert_eq!(gap["error_code"], "KMSInternalException", "{gap:#}");
    }
    assert!(scan.resources("kms.key").is_empty(), "kms.key resources despite the errors");
    assert_eq!(scan.count("kms", "ListKeys"), 2, "ListKeys should be tried exactly --max-attempts times");
    scan.assert_collected(&["s3.bucket", "iam.role"]);
}

#[test]
fn a_slow_call_times_out_into_a_gap() {
    let scan = Scan::run(
        vec![Rule::on("cloudtrail", "DescribeTrails", Fault::Delay(Duration::from_secs(5)))],
        // 2 s rather than 1: every other call has to beat the deadline on a busy machine.
        &["--call-timeout", "2", "--max-attempts", "1"],
    );

    let trails = scan.gaps_of("cloudtrail");
    assert!(
        trails.iter().any(|g| g["operation"] == "DescribeTrails" && g["reason"] == "timeout"),
        "no timeout gap for DescribeTrails: {trails:#?}"
    );
    assert!(scan.resources("cloudtrail.trail").is_empty(), "trails collected despite the timeout");
    scan.assert_collected(&["s3.bucket", "lambda.function", "iam.role", "ssm.parameter"]);
}

#[test]
fn a_malformed_page_is_a_gap() {
    let scan = Scan::run(vec![Rule::on("logs", "DescribeLogGroups", Fault::Garbage)], &[]);

    let logs = scan.gaps_of("logs");
    assert!(
        logs.iter().any(|g| g["operation"] == "DescribeLogGroups" && g["reason"] == "malformed_response"),
        "no malformed_response gap for DescribeLogGroups: {logs:#?}"
    );
    assert!(scan.resources("logs.log_group").is_empty(), "log groups collected from a malformed page");
    scan.assert_collected(&["s3.bucket", "lambda.function"]);
}

#[test]
fn collection_only_reads_on_the_wire() {
    let scan = Scan::run(Vec::new(), &[]);

    assert!(!scan.requests.is_empty(), "the proxy saw no requests");
    let gaps = scan.unexpected_gaps(|_| true);
    assert!(gaps.is_empty(), "a clean run left gaps: {gaps:#?}");
    for request in &scan.requests {
        if request.is_rest() {
            assert!(["GET", "HEAD"].contains(&request.method.as_str()), "a REST write went out: {request:?}");
        } else {
            let op = request.operation.as_str();
            assert!(
                ["Get", "List", "Describe"].iter().any(|p| op.starts_with(p)) || op == "GenerateCredentialReport",
                "a non-read action went out: {request:?}"
            );
            // Every action on the wire went through the scanner's own list of operations
            // (which the scanner-role policy is generated from), so it was counted.
            let service = if request.service == "monitoring" { "cloudwatch" } else { request.service.as_str() };
            let counted = &scan.snapshot["metadata"]["api_calls_by_operation"][format!("{service}:{op}")];
            assert!(counted.as_u64().is_some_and(|n| n > 0), "{service}:{op} went out but was not counted as a call");
        }
    }
    for service in [
        "sts",
        "iam",
        "s3",
        "s3control",
        "cloudfront",
        "ssm",
        "cloudtrail",
        "lambda",
        "logs",
        "monitoring",
        "kms",
        "acm",
        "backup",
    ] {
        assert!(scan.requests.iter().any(|r| r.service == service), "no request to {service}");
    }
}

#[test]
fn throttling_that_outlasts_the_retries_is_a_gap() {
    let scan = Scan::run(
        vec![Rule::on("ssm", "DescribeParameters", error(400, "ThrottlingException", "Rate exceeded"))],
        &["--max-attempts", "2"],
    );

    let ssm = scan.gaps_of("ssm");
    assert!(
        ssm.iter().any(|g| g["operation"] == "DescribeParameters" && g["reason"] == "throttled"),
        "no throttled gap for DescribeParameters: {ssm:#?}"
    );
    assert_eq!(scan.count("ssm", "DescribeParameters"), 2, "--max-attempts 2 means two attempts");
    assert!(scan.resources("ssm.parameter").is_empty(), "a throttled listing is not an empty list of parameters");
    scan.assert_collected(&["s3.bucket", "lambda.function"]);
}

fn account(snapshot: &Value) -> &Value {
    snapshot["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "iam.account").expect("the account")
}

#[test]
fn the_tags_activated_for_cost_allocation_are_read_onto_the_account_or_are_a_gap() {
    // moto has no Cost Explorer tags: a gap, and the field is unknown (never "no tag is active").
    let plain = Scan::run(vec![], &[]);
    let ce = plain.gaps_of("ce");
    assert_eq!(ce.len(), 1, "{:#?}", plain.gaps());
    assert_eq!(ce[0]["operation"], "ListCostAllocationTags");
    let acct = account(&plain.snapshot);
    assert!(acct["unknown"].as_array().unwrap().iter().any(|f| f == "cost_allocation_tags"), "{acct:#}");
    assert!(acct["config"]["cost_allocation_tags"].is_null());
    // What AWS answers for an account with two active user-defined keys, over two pages.
    let answered = Scan::run(
        vec![
            Rule::on(
                "ce",
                "ListCostAllocationTags",
                Fault::Answer(
                    r#"{"CostAllocationTags":[{"TagKey":"team","Type":"UserDefined","Status":"Active"}],"NextToken":"p2"}"#,
                ),
            )
            .times(1),
            Rule::on(
                "ce",
                "ListCostAllocationTags",
                Fault::Answer(r#"{"CostAllocationTags":[{"TagKey":"sst:stage","Type":"UserDefined","Status":"Active"}]}"#),
            ),
        ],
        &[],
    );
    assert!(answered.gaps_of("ce").is_empty(), "{:#?}", answered.gaps_of("ce"));
    let acct = account(&answered.snapshot);
    assert_eq!(acct["config"]["cost_allocation_tags"], serde_json::json!(["sst:stage", "team"]));
    assert!(!acct["unknown"].as_array().is_some_and(|u| u.iter().any(|f| f == "cost_allocation_tags")));
    let asked: Vec<_> = answered.requests.iter().filter(|r| r.service == "ce").collect();
    assert_eq!(asked.len(), 2, "both pages: {asked:#?}");
}
