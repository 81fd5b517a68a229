//! From CloudTrail events to IAM actions, and from what a principal used to the least policy
//! that still allows it.
//!
//! - [`actions_of`]: the IAM actions an event's call needed. Most are `<prefix>:<eventName>`;
//!   the documented exceptions are handled (S3's operations whose permission has another name,
//!   calls needing several permissions, Lambda's and CloudFront's versioned event names,
//!   services whose event source differs from their prefix).
//! - [`observable`]: whether CloudTrail can show that an action was used at all, given which
//!   data events the trail records. An action that cannot be seen is never called unused, and a
//!   generated policy keeps it as the old policy granted it.
//! - [`generate`]: the least-privilege document for a principal's policy.

use crate::catalogue::{ActionId, Catalogue};
use crate::context::Context;
use crate::effective::Expansions;
use crate::evaluate::{Decision, Policies, Policy, Principal, Request, Source, evaluate};
use crate::policy::Effect;
use bbscan_model::ActionUse;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Event sources whose IAM prefix is not the first label of the host name.
const SOURCE_PREFIXES: &[(&str, &str)] = &[
    ("monitoring.amazonaws.com", "cloudwatch"),
    ("email.amazonaws.com", "ses"),
    ("elasticmapreduce.amazonaws.com", "elasticmapreduce"),
    ("apigateway.amazonaws.com", "apigateway"),
    ("execute-api.amazonaws.com", "execute-api"),
    ("es.amazonaws.com", "es"),
    ("tagging.amazonaws.com", "tag"),
    ("resource-groups.amazonaws.com", "resource-groups"),
    ("sso.amazonaws.com", "sso"),
    ("identitystore.amazonaws.com", "identitystore"),
    ("codestar-connections.amazonaws.com", "codestar-connections"),
];

/// Events whose permission is named differently from the operation, or that need several
/// permissions (S3's documented mapping of operations to permissions, and a few others).
const RENAMED: &[(&str, &str, &[&str])] = &[
    ("s3", "ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3", "ListObjects", &["s3:ListBucket"]),
    ("s3", "ListObjectsV2", &["s3:ListBucket"]),
    ("s3", "ListObjectVersions", &["s3:ListBucketVersions"]),
    ("s3", "HeadBucket", &["s3:ListBucket"]),
    ("s3", "HeadObject", &["s3:GetObject"]),
    ("s3", "CopyObject", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "UploadPart", &["s3:PutObject"]),
    ("s3", "UploadPartCopy", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "CreateMultipartUpload", &["s3:PutObject"]),
    ("s3", "CompleteMultipartUpload", &["s3:PutObject"]),
    ("s3", "AbortMultipartUpload", &["s3:AbortMultipartUpload"]),
    ("s3", "ListMultipartUploads", &["s3:ListBucketMultipartUploads"]),
    ("s3", "ListParts", &["s3:ListMultipartUploadParts"]),
    ("s3", "DeleteObjects", &["s3:DeleteObject"]),
    ("s3", "GetBucketEncryption", &["s3:GetEncryptionConfiguration"]),
    ("s3", "PutBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    ("s3", "DeleteBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    ("s3", "GetBucketLifecycle", &["s3:GetLifecycleConfiguration"]),
    ("s3", "GetBucketLifecycleConfiguration", &["s3:GetLifecycleConfiguration"]),
    ("s3", "PutBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    ("s3", "PutBucketLifecycleConfiguration", &["s3:PutLifecycleConfiguration"]),
    ("s3", "DeleteBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    ("s3", "GetBucketCors", &["s3:GetBucketCORS"]),
    ("s3", "PutBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "DeleteBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "GetBucketReplication", &["s3:GetReplicationConfiguration"]),
    ("s3", "PutBucketReplication", &["s3:PutReplicationConfiguration"]),
    ("s3", "DeleteBucketReplication", &["s3:PutReplicationConfiguration"]),
    ("s3", "DeleteBucketTagging", &["s3:PutBucketTagging"]),
    ("s3", "DeleteBucketWebsite", &["s3:DeleteBucketWebsite"]),
    ("s3", "GetObjectLockConfiguration", &["s3:GetBucketObjectLockConfiguration"]),
    ("s3", "PutObjectLockConfiguration", &["s3:PutBucketObjectLockConfiguration"]),
    ("s3", "DeletePublicAccessBlock", &["s3:PutBucketPublicAccessBlock"]),
    ("s3", "GetPublicAccessBlock", &["s3:GetBucketPublicAccessBlock"]),
    ("s3", "PutPublicAccessBlock", &["s3:PutBucketPublicAccessBlock"]),
    ("s3", "DeleteBucketOwnershipControls", &["s3:PutBucketOwnershipControls"]),
    ("s3", "GetBucketIntelligentTieringConfiguration", &["s3:GetIntelligentTieringConfiguration"]),
    ("s3", "PutBucketIntelligentTieringConfiguration", &["s3:PutIntelligentTieringConfiguration"]),
    ("s3", "GetBucketInventoryConfiguration", &["s3:GetInventoryConfiguration"]),
    ("s3", "PutBucketInventoryConfiguration", &["s3:PutInventoryConfiguration"]),
    ("s3", "GetBucketMetricsConfiguration", &["s3:GetMetricsConfiguration"]),
    ("s3", "PutBucketMetricsConfiguration", &["s3:PutMetricsConfiguration"]),
    ("s3", "GetBucketAnalyticsConfiguration", &["s3:GetAnalyticsConfiguration"]),
    ("s3", "PutBucketAnalyticsConfiguration", &["s3:PutAnalyticsConfiguration"]),
    ("s3", "GetBucketAccelerateConfiguration", &["s3:GetAccelerateConfiguration"]),
    ("s3", "PutBucketAccelerateConfiguration", &["s3:PutAccelerateConfiguration"]),
    ("s3", "GetBucketLogging", &["s3:GetBucketLogging"]),
    ("s3", "SelectObjectContent", &["s3:GetObject"]),
    ("s3", "RestoreObject", &["s3:RestoreObject"]),
    ("lambda", "Invoke", &["lambda:InvokeFunction"]),
    ("lambda", "InvokeAsync", &["lambda:InvokeAsync"]),
    ("lambda", "InvokeWithResponseStream", &["lambda:InvokeFunction"]),
    ("ec2", "DescribeInstances", &["ec2:DescribeInstances"]),
];

/// Calls that need no permission at all.
const FREE: &[&str] = &["sts:GetCallerIdentity"];

/// Actions CloudTrail never records (no event is written for them), so their use can never be
/// seen: the logs a Lambda function writes, traces, metrics put by the runtime. Patterns.
const NOT_RECORDED: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:GetLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSampling*",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

/// Actions recorded only as data events of a resource type, when the trail selects it.
const DATA_EVENTS: &[(&str, &[&str])] = &[
    (
        "AWS::S3::Object",
        &[
            "s3:GetObject*",
            "s3:PutObject*",
            "s3:DeleteObject*",
            "s3:RestoreObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:ListBucketMultipartUploads",
            "s3:ReplicateObject",
            "s3:ReplicateDelete",
            "s3:ReplicateTags",
        ],
    ),
    ("AWS::Lambda::Function", &["lambda:InvokeFunction", "lambda:InvokeAsync", "lambda:InvokeFunctionUrl"]),
    (
        "AWS::DynamoDB::Table",
        &[
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:BatchGetItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:PartiQL*",
        ],
    ),
    ("AWS::SNS::Topic", &["sns:Publish"]),
    (
        "AWS::SQS::Queue",
        &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
    ),
    (
        "AWS::CloudWatch::Metric",
        &["cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"],
    ),
];

/// The IAM prefix of an event source (`s3.amazonaws.com` → `s3`).
fn prefix_of(source: &str) -> &str {
    if let Some((_, p)) = SOURCE_PREFIXES.iter().find(|(s, _)| s.eq_ignore_ascii_case(source)) {
        return p;
    }
    source.split('.').next().unwrap_or(source)
}

/// Drop an API-version suffix from an event name: Lambda's `UpdateFunctionCode20150331v2` and
/// `CreateFunction20150331`, CloudFront's `GetDistributionConfig2020_05_31`.
fn unversioned(name: &str) -> &str {
    let b = name.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit)) && r.end <= b.len();
    // …YYYY_MM_DD
    if b.len() > 10 {
        let at = b.len() - 10;
        if digits(at..at + 4) && b[at + 4] == b'_' && digits(at + 5..at + 7) && b[at + 7] == b'_' && digits(at + 8..at + 10) {
            return &name[..at];
        }
    }
    // …YYYYMMDD or …YYYYMMDDvN
    let end = match name.rfind('v') {
        Some(v) if v + 1 < b.len() && digits(v + 1..b.len()) => v,
        _ => b.len(),
    };
    if end > 8 && digits(end - 8..end) { &name[..end - 8] } else { name }
}

/// The IAM actions an event's call needed, as the catalogue spells them. Empty when the event
/// maps to no known action (it is then counted as unmapped), or needs no permission.
pub fn actions_of(event_source: &str, event_name: &str) -> Vec<String> {
    let prefix = prefix_of(event_source);
    let name = unversioned(event_name);
    let c = Catalogue::get();
    let wanted: Vec<String> = match RENAMED.iter().find(|(p, n, _)| p.eq_ignore_ascii_case(prefix) && *n == name) {
        Some((_, _, actions)) => actions.iter().map(|a| a.to_string()).collect(),
        None => vec![format!("{prefix}:{name}")],
    };
    wanted
        .into_iter()
        .filter(|a| !FREE.iter().any(|f| f.eq_ignore_ascii_case(a)))
        .filter_map(|a| c.find(&a).map(|id| c.name(id)))
        .collect()
}

/// Whether a call needs no permission (`sts:GetCallerIdentity`): used, but nothing to grant.
pub fn is_free(event_source: &str, event_name: &str) -> bool {
    let a = format!("{}:{}", prefix_of(event_source), unversioned(event_name));
    FREE.iter().any(|f| f.eq_ignore_ascii_case(&a))
}

/// Whether CloudTrail would show this action's use, given the data-event resource types the
/// trail records. `false`: its use cannot be seen, so it is never called unused.
pub fn observable(action: &str, data_events: &[String]) -> bool {
    if NOT_RECORDED.iter().any(|p| crate::wildcard_match(p, action, true)) {
        return false;
    }
    for (kind, patterns) in DATA_EVENTS {
        if patterns.iter().any(|p| crate::wildcard_match(p, action, true)) {
            return data_events.iter().any(|d| d.eq_ignore_ascii_case(kind));
        }
    }
    true
}

/// The data-event resource type an action is recorded as, if it is one.
pub fn data_event_type(action: &str) -> Option<&'static str> {
    DATA_EVENTS.iter().find(|(_, patterns)| patterns.iter().any(|p| crate::wildcard_match(p, action, true))).map(|(k, _)| *k)
}

/// A generated least-privilege document and what it was made from.
#[derive(Debug, Clone)]
pub struct Generated {
    pub document: Value,
    /// Actions granted before that the new document keeps without having seen them used:
    /// CloudTrail cannot show their use (see [`observable`]).
    pub kept_unobservable: Vec<String>,
    /// Used actions the old document did not allow (granted by another policy): left out.
    pub granted_elsewhere: Vec<String>,
    /// Actions the old document allowed and the new one drops.
    pub dropped: Vec<String>,
}

/// Resource patterns for the ARNs a used action named: the ARNs themselves, or — when three or
/// more share a path below the resource's name (`…:parameter/app/prod/`, `…:::bucket/`) — that
/// path with `*`.
fn narrow(arns: &[String]) -> Vec<String> {
    let mut arns: Vec<String> = arns.to_vec();
    arns.sort();
    arns.dedup();
    if arns.len() < 3 {
        return arns;
    }
    let first = &arns[0];
    let mut len = first.len();
    for a in &arns[1..] {
        len = len.min(first.bytes().zip(a.bytes()).take_while(|(x, y)| x == y).count());
    }
    let Some(cut) = first[..len].rfind('/').map(|i| i + 1) else { return arns };
    let prefix = &first[..cut];
    let parts: Vec<&str> = prefix.splitn(6, ':').collect();
    let (Some(service), Some(resource)) = (parts.get(2), parts.get(5)) else { return arns };
    // S3 names a bucket first; other services a type first (`role/`, `parameter/`).
    let named = if *service == "s3" { resource.len() > 1 } else { resource.matches('/').count() >= 2 };
    if named { vec![format!("{prefix}*")] } else { arns }
}

/// The least-privilege version of `old` (one policy document of `principal`) from what the
/// principal used: every used action the old document allowed, on the resources the uses named
/// (or, where they named none or more than were kept, the resources the old statement allowed),
/// with the old statement's conditions; plus every action the old document allowed whose use
/// CloudTrail cannot show, unchanged. Statements with the same resources and conditions are
/// merged; actions are grouped by service and sorted.
pub fn generate(principal: &Principal, old: &Policy, used: &[ActionUse], data_events: &[String]) -> Generated {
    let c = Catalogue::get();
    let mut ex = Expansions::new();
    let mut ctx = Context::open();
    principal.describe_into(&mut ctx);
    // (resources, conditions) → actions
    let mut statements: BTreeMap<(Vec<String>, String), BTreeSet<String>> = BTreeMap::new();
    let mut granted_elsewhere = Vec::new();
    let mut used_names = BTreeSet::new();
    let identity = [old];
    for u in used {
        used_names.insert(u.action.to_ascii_lowercase());
        // The old statement that allows it: ask with a resource it named, or the action's own.
        let probe = u.resources.first().cloned().unwrap_or_else(|| "*".to_string());
        let req = Request { principal, action: &u.action, resource: &probe, resource_account: None, context: &ctx };
        let outcome = evaluate(&req, &Policies { identity: &identity, ..Policies::default() });
        let allowing: Vec<_> = outcome
            .reasons
            .iter()
            .filter(|r| r.statement.effect == Effect::Allow)
            .map(|r| r.statement)
            .collect();
        let statement = match allowing.first() {
            Some(s) if outcome.decision.possible() => *s,
            _ => {
                // Maybe allowed on some other resource of the old document.
                match old.statements.iter().find(|s| s.effect == Effect::Allow && s.problems.is_empty() && s.covers_action(&u.action)) {
                    Some(s) => s,
                    None => {
                        granted_elsewhere.push(u.action.clone());
                        continue;
                    }
                }
            }
        };
        let conditions = if statement.conditions.is_empty() {
            String::new()
        } else {
            statement_conditions(statement).to_string()
        };
        let complete = u.without_resource == 0 && u.resources_total as usize == u.resources.len() && !u.resources.is_empty();
        let resources = if complete && !covers_every_resource_only_star(&u.action) {
            narrow(&u.resources)
        } else if !statement.not_resources.is_empty() || statement.resources.is_empty() {
            vec!["*".to_string()]
        } else {
            let mut r = statement.resources.clone();
            r.sort();
            r
        };
        statements.entry((resources, conditions)).or_default().insert(u.action.clone());
    }
    // What the old document allowed that CloudTrail cannot show: kept as it was.
    let mut kept_unobservable = Vec::new();
    let mut dropped = BTreeSet::new();
    for s in old.statements.iter().filter(|s| s.effect == Effect::Allow && s.problems.is_empty()) {
        let actions = ex.actions(s).clone();
        let mut keep = BTreeSet::new();
        for id in actions.iter() {
            let name = c.name(id);
            if used_names.contains(&name.to_ascii_lowercase()) {
                continue;
            }
            if observable(&name, data_events) {
                dropped.insert(name);
            } else {
                keep.insert(name);
            }
        }
        if keep.is_empty() {
            continue;
        }
        let conditions = if s.conditions.is_empty() { String::new() } else { statement_conditions(s).to_string() };
        let resources = if !s.not_resources.is_empty() || s.resources.is_empty() {
            vec!["*".to_string()]
        } else {
            let mut r = s.resources.clone();
            r.sort();
            r
        };
        kept_unobservable.extend(keep.iter().cloned());
        statements.entry((resources, conditions)).or_default().extend(keep);
    }
    kept_unobservable.sort();
    kept_unobservable.dedup();
    let mut out = Vec::new();
    for ((resources, conditions), actions) in statements {
        let mut actions: Vec<String> = actions.into_iter().collect();
        actions.sort_by_key(|a| a.to_ascii_lowercase());
        let actions = collapse(actions);
        let mut st = json!({
            "Effect": "Allow",
            "Action": if actions.len() == 1 { json!(actions[0]) } else { json!(actions) },
            "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
        });
        if !conditions.is_empty()
            && let Ok(v) = serde_json::from_str::<Value>(&conditions)
        {
            st["Condition"] = v;
        }
        out.push(st);
    }
    Generated {
        document: json!({"Version": "2012-10-17", "Statement": out}),
        kept_unobservable,
        granted_elsewhere,
        dropped: dropped.into_iter().collect(),
    }
}

/// `service:*` where every action of the service is in the list.
fn collapse(actions: Vec<String>) -> Vec<String> {
    let c = Catalogue::get();
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in actions {
        let service = a.split(':').next().unwrap_or_default().to_ascii_lowercase();
        by_service.entry(service).or_default().push(a);
    }
    let mut out = Vec::new();
    for (service, list) in by_service {
        let all = c.service_actions(&service).count();
        if all > 0 && list.len() == all {
            out.push(format!("{service}:*"));
        } else {
            out.extend(list);
        }
    }
    out
}

fn covers_every_resource_only_star(action: &str) -> bool {
    let c = Catalogue::get();
    c.find(action).is_some_and(|id: ActionId| c.only_star(id))
}

/// A statement's conditions as a JSON object (operator → key → values).
fn statement_conditions(s: &crate::Statement) -> Value {
    let mut ops = serde_json::Map::new();
    for c in &s.conditions {
        let keys = ops.entry(c.operator.clone()).or_insert_with(|| json!({}));
        keys[&c.key] = if c.values.len() == 1 { json!(c.values[0]) } else { json!(c.values) };
    }
    Value::Object(ops)
}

/// Check that a generated document allows every used action on the resources it named (the
/// first few), and report the ones it does not: `(action, resource, decision)`.
pub fn prove(principal: &Principal, document: &Value, used: &[ActionUse]) -> Vec<(String, String, Decision)> {
    let policy = Policy::new(Source::new("generated policy", "generated", "/"), document);
    let identity = [&policy];
    let mut ctx = Context::open();
    principal.describe_into(&mut ctx);
    let mut failures = Vec::new();
    for u in used {
        let resources: Vec<String> =
            if u.resources.is_empty() { vec!["*".to_string()] } else { u.resources.iter().take(5).cloned().collect() };
        for r in resources {
            let req = Request { principal, action: &u.action, resource: &r, resource_account: None, context: &ctx };
            let d = evaluate(&req, &Policies { identity: &identity, ..Policies::default() }).decision;
            if !d.possible() {
                failures.push((u.action.clone(), r, d));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_actions() {
        assert_eq!(actions_of("ssm.amazonaws.com", "GetParameter"), vec!["ssm:GetParameter"]);
        assert_eq!(actions_of("s3.amazonaws.com", "ListObjectsV2"), vec!["s3:ListBucket"]);
        assert_eq!(actions_of("s3.amazonaws.com", "HeadObject"), vec!["s3:GetObject"]);
        assert_eq!(actions_of("s3.amazonaws.com", "CopyObject"), vec!["s3:GetObject", "s3:PutObject"]);
        assert_eq!(actions_of("s3.amazonaws.com", "GetBucketEncryption"), vec!["s3:GetEncryptionConfiguration"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"), vec!["lambda:UpdateFunctionCode"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "GetFunction20150331v2"), vec!["lambda:GetFunction"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "CreateFunction20150331"), vec!["lambda:CreateFunction"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "Invoke"), vec!["lambda:InvokeFunction"]);
        assert_eq!(actions_of("cloudfront.amazonaws.com", "CreateInvalidation2020_05_31"), vec!["cloudfront:CreateInvalidation"]);
        assert_eq!(actions_of("monitoring.amazonaws.com", "PutMetricAlarm"), vec!["cloudwatch:PutMetricAlarm"]);
        assert_eq!(actions_of("sts.amazonaws.com", "AssumeRole"), vec!["sts:AssumeRole"]);
        assert!(actions_of("sts.amazonaws.com", "GetCallerIdentity").is_empty());
        assert!(is_free("sts.amazonaws.com", "GetCallerIdentity"));
        assert!(actions_of("s3.amazonaws.com", "MadeUpOperation").is_empty());
        assert!(actions_of("nosuch.amazonaws.com", "Anything").is_empty());
    }

    #[test]
    fn what_cloudtrail_can_show() {
        assert!(observable("ssm:GetParameter", &[]));
        assert!(!observable("s3:GetObject", &[]));
        assert!(observable("s3:GetObject", &["AWS::S3::Object".into()]));
        assert!(observable("s3:PutBucketPolicy", &[]), "management events always");
        assert!(!observable("logs:PutLogEvents", &["AWS::S3::Object".into()]));
        assert!(!observable("lambda:InvokeFunction", &[]));
        assert_eq!(data_event_type("dynamodb:Query"), Some("AWS::DynamoDB::Table"));
    }

    fn used(action: &str, resources: &[&str]) -> ActionUse {
        ActionUse {
            action: action.into(),
            first: "2026-01-01T00:00:00Z".into(),
            last: "2026-01-02T00:00:00Z".into(),
            count: 3,
            resources: resources.iter().map(|r| r.to_string()).collect(),
            resources_total: resources.len() as u64,
            without_resource: 0,
        }
    }

    #[test]
    fn a_broad_policy_becomes_what_was_used() {
        let principal = Principal::from_arn("arn:aws:iam::123456789012:role/worker");
        let old = Policy::new(
            Source::new("old", "arn:aws:iam::123456789012:role/worker", "/config/inline_policies/0/document"),
            &json!({"Statement": [
                {"Effect": "Allow", "Action": ["s3:*", "ssm:*", "sqs:*"], "Resource": "*"},
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:*:*:*"}
            ]}),
        );
        let p = "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod";
        let queue = "arn:aws:sqs:us-east-1:123456789012:jobs";
        let uses = [used("ssm:GetParameter", &[&format!("{p}/A"), &format!("{p}/B"), &format!("{p}/C")]), used("sqs:SendMessage", &[queue])];
        let data = vec!["AWS::S3::Object".to_string(), "AWS::SQS::Queue".to_string()];
        let g = generate(&principal, &old, &uses, &data);
        let statements = g.document["Statement"].as_array().unwrap();
        let mut got: Vec<(String, String)> = statements
            .iter()
            .map(|s| (s["Action"].to_string(), s["Resource"].to_string()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("\"sqs:SendMessage\"".to_string(), format!("\"{queue}\"")),
                ("\"ssm:GetParameter\"".to_string(), format!("\"{p}/*\"")),
                ("[\"logs:CreateLogStream\",\"logs:PutLogEvents\"]".to_string(), "\"arn:aws:logs:*:*:*\"".to_string()),
            ],
            "{}",
            g.document
        );
        assert_eq!(g.kept_unobservable, vec!["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert!(g.dropped.contains(&"s3:PutBucketPolicy".to_string()) && g.dropped.contains(&"s3:GetObject".to_string()));
        assert!(prove(&principal, &g.document, &uses).is_empty());
        // Without S3 data events the object actions cannot be judged: they are kept.
        let g = generate(&principal, &old, &uses, &["AWS::SQS::Queue".to_string()]);
        assert!(g.kept_unobservable.contains(&"s3:GetObject".to_string()) && !g.kept_unobservable.contains(&"s3:PutBucketPolicy".to_string()));
    }

    #[test]
    fn conditions_are_kept_and_other_policies_grants_left_out() {
        let principal = Principal::from_arn("arn:aws:iam::123456789012:role/worker");
        let old = Policy::new(
            Source::new("old", "x", "/"),
            &json!({"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}]}),
        );
        let uses = [used("kms:Decrypt", &[]), used("dynamodb:GetItem", &["arn:aws:dynamodb:us-east-1:1:table/t"])];
        let g = generate(&principal, &old, &uses, &[]);
        assert_eq!(g.granted_elsewhere, vec!["dynamodb:GetItem"]);
        let s = &g.document["Statement"][0];
        assert_eq!(s["Action"], "kms:Decrypt");
        assert_eq!(s["Resource"], "*");
        assert_eq!(s["Condition"]["StringEquals"]["kms:ViaService"], "ssm.us-east-1.amazonaws.com");
    }

    #[test]
    fn narrowing_to_what_was_touched() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(narrow(&p(&["arn:aws:s3:::a/x", "arn:aws:s3:::a/x"])), p(&["arn:aws:s3:::a/x"]));
        assert_eq!(
            narrow(&p(&[
                "arn:aws:ssm:us-east-1:1:parameter/app/prod/A",
                "arn:aws:ssm:us-east-1:1:parameter/app/prod/B",
                "arn:aws:ssm:us-east-1:1:parameter/app/prod/C"
            ])),
            p(&["arn:aws:ssm:us-east-1:1:parameter/app/prod/*"])
        );
        // Nothing shared below the service: the ARNs stay.
        let three = p(&["arn:aws:s3:::a/1", "arn:aws:s3:::b/2", "arn:aws:s3:::c/3"]);
        assert_eq!(narrow(&three), three);
        assert_eq!(narrow(&p(&["arn:aws:s3:::b/1", "arn:aws:s3:::b/2", "arn:aws:s3:::b/3"])), p(&["arn:aws:s3:::b/*"]));
        let roles = p(&["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", "arn:aws:iam::1:role/c"]);
        assert_eq!(narrow(&roles), roles, "not every role");
    }
}
