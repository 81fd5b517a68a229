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

use crate::catalogue::{AccessLevel, ActionId, ActionSet, Catalogue, cmp_folded};
use crate::context::Context;
use crate::effective::Expansions;
use crate::evaluate::{Decision, Policies, Policy, Principal, Request, Source, evaluate};
use crate::policy::Effect;
use bbscan_model::{ActionUse, UsageCoverage};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::OnceLock;

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
    ("AWS::SQS::Queue", &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]),
    (
        "AWS::CloudWatch::Metric",
        &[
            "cloudwatch:PutMetricData",
            "cloudwatch:GetMetricData",
            "cloudwatch:GetMetricStatistics",
            "cloudwatch:ListMetrics",
        ],
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
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit)) && r.end <= b.len();
    // …YYYY_MM_DD
    if b.len() > 10 {
        let at = b.len() - 10;
        if digits(at..at + 4)
            && b[at + 4] == b'_'
            && digits(at + 5..at + 7)
            && b[at + 7] == b'_'
            && digits(at + 8..at + 10)
        {
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

/// The event source of an IAM prefix (`cloudwatch` → `monitoring.amazonaws.com`).
fn source_of(prefix: &str) -> String {
    match SOURCE_PREFIXES.iter().find(|(_, p)| p.eq_ignore_ascii_case(prefix)) {
        Some((source, _)) => source.to_string(),
        None => format!("{}.amazonaws.com", prefix.to_ascii_lowercase()),
    }
}

/// Whether the trail described by `coverage` would show this action's use: recorded at all
/// (not one of the calls CloudTrail never logs), a data event of a resource type the trail
/// records for every resource, or a management event of a source, and of a kind (read or
/// write), that it records. `false`: its use cannot be seen, so it is never called unused.
pub fn observable(action: &str, coverage: &UsageCoverage) -> bool {
    observable_at(action, Catalogue::get().level_of(action), coverage)
}

/// The catalogue's actions whose use `coverage` can show ([`observable`]): worked out once per
/// coverage (a snapshot has one) and shared, not once per principal.
pub fn observable_actions(coverage: &UsageCoverage) -> Rc<ActionSet> {
    thread_local! {
        static LAST: RefCell<Option<(UsageCoverage, Rc<ActionSet>)>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((known, set)) = last.as_ref()
            && known == coverage
        {
            return set.clone();
        }
        let c = Catalogue::get();
        let mut set = ActionSet::none();
        for id in c.full().iter().filter(|&id| observable_at(&c.name(id), Some(c.level(id)), coverage)) {
            set.insert(id);
        }
        let set = Rc::new(set);
        *last = Some((coverage.clone(), set.clone()));
        set
    })
}

/// [`observable`] of an action whose access level is known.
fn observable_at(action: &str, level: Option<AccessLevel>, coverage: &UsageCoverage) -> bool {
    if patterns_of(action).any(|(kind, _)| kind.is_none()) {
        return false;
    }
    if let Some(kind) = data_event_type(action) {
        return coverage.data_events.iter().any(|d| d.eq_ignore_ascii_case(kind));
    }
    let source = source_of(action.split(':').next().unwrap_or_default());
    if coverage.excluded_sources.iter().any(|s| s.eq_ignore_ascii_case(&source)) {
        return false;
    }
    if !coverage.only_sources.is_empty() && !coverage.only_sources.iter().any(|s| s.eq_ignore_ascii_case(&source)) {
        return false;
    }
    let read = level.is_some_and(|l| matches!(l, AccessLevel::List | AccessLevel::Read));
    if read { coverage.management_reads == Some(true) } else { coverage.management_writes == Some(true) }
}

/// Why the logs read cannot show that something was not used, whatever the principal: the
/// trail was not logging, does not record every region collected, days without logs, files
/// that could not be read, no log at all. Empty: what was read is the whole story from
/// `covered_from` on.
pub fn coverage_problems(c: &UsageCoverage) -> Vec<String> {
    let mut problems = Vec::new();
    if c.days_covered == 0 {
        problems.push("no CloudTrail log file was found in the window".to_string());
    }
    match c.logging {
        Some(true) => {}
        Some(false) => problems.push("the trail was not logging when the snapshot was taken".into()),
        None => problems.push("whether the trail is logging is not known".into()),
    }
    match c.all_regions_recorded {
        Some(true) => {}
        Some(false) => problems.push("the trail does not record every region that was collected".into()),
        None => problems.push("whether the trail records every region is not known".into()),
    }
    if !c.missing_days.is_empty() {
        problems.push(format!(
            "{} day(s) have no log file ({}{})",
            c.missing_days.len(),
            c.missing_days.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if c.missing_days.len() > 3 { ", …" } else { "" }
        ));
    }
    if c.unreadable_total > 0 {
        problems.push(format!("{} log file(s) could not be read", c.unreadable_total));
    }
    problems
}

/// The data-event resource type an action is recorded as, if it is one.
pub fn data_event_type(action: &str) -> Option<&'static str> {
    // (The tables list every pattern of a type together: the first that matches names the type.)
    patterns_of(action).find_map(|(kind, _)| kind)
}

/// The patterns of [`NOT_RECORDED`] (`None`) and [`DATA_EVENTS`] (the event's type) that can
/// match an action of a service, in table order: asked for every action of the catalogue, most
/// of them of services the tables never name.
fn patterns_of(action: &str) -> impl Iterator<Item = (Option<&'static str>, &'static str)> {
    type Table =
        (HashMap<String, Vec<(Option<&'static str>, &'static str)>>, Vec<(Option<&'static str>, &'static str)>);
    static TABLE: OnceLock<Table> = OnceLock::new();
    let (by_service, any_service) = TABLE.get_or_init(|| {
        let all = NOT_RECORDED
            .iter()
            .map(|p| (None, *p))
            .chain(DATA_EVENTS.iter().flat_map(|(kind, patterns)| patterns.iter().map(move |p| (Some(*kind), *p))));
        let mut table: Table = Default::default();
        for (kind, pattern) in all {
            match pattern.split_once(':') {
                Some((service, _)) if !service.contains(['*', '?']) => {
                    table.0.entry(service.to_ascii_lowercase()).or_default().push((kind, pattern))
                }
                _ => table.1.push((kind, pattern)),
            }
        }
        table
    });
    let service = action.split_once(':').map_or("", |(s, _)| s).to_ascii_lowercase();
    let named = by_service.get(&service).map(Vec::as_slice).unwrap_or_default();
    named.iter().chain(any_service).copied().filter(move |(_, p)| crate::wildcard_match(p, action, true))
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

/// The ARNs that are of a resource type the action acts on, by the catalogue's ARN formats
/// (`${…}` standing for anything). All of them when the action is not in the catalogue.
fn of_action_types(action: &str, arns: &[String]) -> Vec<String> {
    let c = Catalogue::get();
    let Some(id) = c.find(action) else { return arns.to_vec() };
    let formats: Vec<String> = c
        .resource_types(id)
        .iter()
        .map(|(t, _)| {
            let mut glob = String::new();
            let mut rest = t.arn;
            while let Some(start) = rest.find("${") {
                glob.push_str(&rest[..start]);
                glob.push('*');
                rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
            }
            glob.push_str(rest);
            glob
        })
        .collect();
    arns.iter().filter(|a| formats.iter().any(|f| crate::wildcard_match(f, a, false))).cloned().collect()
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

/// Where a generated statement applies: resource patterns, or every resource but some (an
/// old statement's `NotResource`, kept as it was).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// The scope an old statement gives: its resources (sorted), or its `NotResource`.
fn scope_of(s: &crate::Statement) -> Scope {
    if !s.not_resources.is_empty() {
        let mut r = s.not_resources.clone();
        r.sort();
        return Scope::NotResource(r);
    }
    let mut r = s.resources.clone();
    r.sort();
    Scope::Resource(r)
}

/// The actions a statement covers, from expansions kept across calls: a policy generates a
/// document for every principal, and accounts repeat the same action lists. Bounded: the
/// expansions are dropped when they grow past a few thousand lists.
fn expand(s: &crate::Statement) -> ActionSet {
    thread_local! {
        static EXPANSIONS: RefCell<Expansions> = RefCell::new(Expansions::new());
    }
    EXPANSIONS.with(|ex| {
        let mut ex = ex.borrow_mut();
        if ex.len() > 4096 {
            *ex = Expansions::new();
        }
        ex.actions(s).clone()
    })
}

/// The least-privilege version of `old_document` (one policy document of `principal`) from
/// what the principal used: every used action the old document allowed, on the resources the
/// uses named (or, where they named none or more than were kept, the resources the old
/// statement allowed), with the old statement's conditions; every action the old document
/// allowed whose use CloudTrail cannot show (see [`observable`]), unchanged; and every Deny
/// statement of the old document, verbatim. Allow statements with the same scope and
/// conditions are merged; actions are grouped by service and sorted. The result never allows
/// more than the old document (see [`within`]).
pub fn generate(
    principal: &Principal,
    old_document: &Value,
    used: &[ActionUse],
    coverage: &UsageCoverage,
) -> Generated {
    let c = Catalogue::get();
    let old = Policy::new(Source::new("old policy", "old", "/"), old_document);
    let mut ctx = Context::open();
    principal.describe_into(&mut ctx);
    // (scope, conditions) → actions
    let mut statements: BTreeMap<(Scope, String), BTreeSet<String>> = BTreeMap::new();
    let mut granted_elsewhere = Vec::new();
    let mut used_ids = ActionSet::none();
    let identity = [&old];
    let usable = |s: &crate::Statement| s.effect == Effect::Allow && s.problems.is_empty();
    for u in used {
        // The old statement that allows it: ask with a resource it named, or any resource.
        let probe = u.resources.first().cloned().unwrap_or_else(|| "*".to_string());
        let req = Request { principal, action: &u.action, resource: &probe, resource_account: None, context: &ctx };
        let outcome = evaluate(&req, &Policies { identity: &identity, ..Policies::default() });
        let allowing = outcome.reasons.iter().find(|r| r.statement.effect == Effect::Allow).map(|r| r.statement);
        let statement = match allowing {
            Some(s) if outcome.decision.possible() => s,
            // Maybe allowed on another resource of the old document.
            _ => match old.statements.iter().find(|s| usable(s) && s.covers_action(&u.action)) {
                Some(s) => s,
                None => {
                    granted_elsewhere.push(u.action.clone());
                    continue;
                }
            },
        };
        if let Some(id) = c.find(&u.action) {
            used_ids.insert(id);
        }
        let conditions =
            if statement.conditions.is_empty() { String::new() } else { statement_conditions(statement).to_string() };
        let complete = u.without_resource == 0 && u.resources_total as usize == u.resources.len();
        // The ARNs of the kinds of resource the action acts on (an event also names the bucket
        // of an object, the key of a parameter).
        let touched = of_action_types(&u.action, &u.resources);
        // Narrowed to what was touched only where the old statement allowed all of it.
        let scope = if complete && !touched.is_empty() && !covers_every_resource_only_star(&u.action) {
            let narrowed = narrow(&touched);
            let inside = touched.iter().all(|r| statement.covers_resource(r))
                && narrowed.iter().all(|n| scope_covers(&scope_of(statement), n));
            if inside { Scope::Resource(narrowed) } else { scope_of(statement) }
        } else {
            scope_of(statement)
        };
        statements.entry((scope, conditions)).or_default().insert(u.action.clone());
    }
    // What the old document allowed that CloudTrail cannot show: kept as it was.
    let observable = observable_actions(coverage);
    let mut kept_unobservable = Vec::new();
    let mut dropped = ActionSet::none();
    for s in old.statements.iter().filter(|s| usable(s)) {
        let mut unused = expand(s);
        unused.subtract(&used_ids);
        let mut kept = unused.clone();
        kept.subtract(&observable);
        unused.intersect_with(&observable);
        dropped.union_with(&unused);
        if kept.is_empty() {
            continue;
        }
        let keep: BTreeSet<String> = kept.iter().map(|id| c.name(id)).collect();
        let conditions = if s.conditions.is_empty() { String::new() } else { statement_conditions(s).to_string() };
        kept_unobservable.extend(keep.iter().cloned());
        statements.entry((scope_of(s), conditions)).or_default().extend(keep);
    }
    kept_unobservable.sort();
    kept_unobservable.dedup();
    let mut out = Vec::new();
    for ((scope, conditions), actions) in statements {
        let mut actions: Vec<String> = actions.into_iter().collect();
        // Case-insensitively, without a lowered copy per comparison.
        actions.sort_by(|a, b| cmp_folded(a, b));
        let actions = collapse(actions);
        let one_or_many = |v: &[String]| if v.len() == 1 { json!(v[0]) } else { json!(v) };
        let mut st = json!({"Effect": "Allow", "Action": one_or_many(&actions)});
        match &scope {
            Scope::Resource(r) => st["Resource"] = one_or_many(r),
            Scope::NotResource(r) => st["NotResource"] = one_or_many(r),
        }
        if !conditions.is_empty()
            && let Ok(v) = serde_json::from_str::<Value>(&conditions)
        {
            st["Condition"] = v;
        }
        out.push(st);
    }
    // The old denies still apply: a kept action may be one they limit.
    let raw: Vec<Value> = match old_document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    for s in old.statements.iter().filter(|s| s.effect == Effect::Deny) {
        let index = s.pointer.rsplit('/').next().and_then(|i| i.parse::<usize>().ok()).unwrap_or(0);
        if let Some(st) = raw.get(index) {
            out.push(st.clone());
        }
    }
    Generated {
        document: json!({"Version": "2012-10-17", "Statement": out}),
        kept_unobservable,
        granted_elsewhere,
        dropped: dropped.iter().map(|id| c.name(id)).collect::<BTreeSet<String>>().into_iter().collect(),
    }
}

/// Whether every ARN a resource pattern `inner` can match is matched by `outer` (ARN patterns,
/// case-sensitive, `*` and `?`). Sound, not complete: `outer` with a `?` or a policy variable
/// must be equal to `inner`.
pub fn pattern_within(inner: &str, outer: &str) -> bool {
    if inner == outer {
        return true;
    }
    if outer.contains('?') || outer.contains("${") || inner.contains("${") {
        return false;
    }
    // With only `*` in `outer`, matching `inner` as literal text means its literal characters
    // line up with literal characters of `inner`, and its stars absorb the rest, whatever
    // `inner`'s own wildcards stand for.
    crate::wildcard_match(outer, inner, false)
}

fn scope_covers(scope: &Scope, pattern: &str) -> bool {
    match scope {
        Scope::Resource(list) => list.iter().any(|o| pattern_within(pattern, o)),
        // Not provable without knowing what the excluded patterns exclude.
        Scope::NotResource(_) => false,
    }
}

/// Check that `new` allows nothing `old` did not: every Allow statement of `new` is covered,
/// action by action and resource by resource, by Allow statements of `old` whose conditions it
/// keeps (same operator, key and values), and every Deny statement of `old` is in `new`.
/// Statements with `NotResource` must repeat an old statement's exactly; `NotAction`,
/// `Principal` and malformed statements are refused. Returns what is not covered.
pub fn within(new: &Value, old: &Value) -> Result<(), Vec<String>> {
    let c = Catalogue::get();
    let new_p = Policy::new(Source::new("new", "new", "/"), new);
    let old_p = Policy::new(Source::new("old", "old", "/"), old);
    let mut ex = Expansions::new();
    let mut problems: Vec<String> = new_p.problems.iter().map(|p| format!("the new document: {p}")).collect();
    if new_p.statements.is_empty() {
        problems.push("the new document has no statement".into());
    }
    let same_conditions = |old: &crate::Statement, new: &crate::Statement| {
        old.conditions.iter().all(|oc| {
            new.conditions.iter().any(|nc| {
                nc.operator.eq_ignore_ascii_case(&oc.operator) && nc.key.eq_ignore_ascii_case(&oc.key) && {
                    let mut a = nc.values.clone();
                    let mut b = oc.values.clone();
                    a.sort();
                    b.sort();
                    a == b
                }
            })
        })
    };
    for s in &new_p.statements {
        if !s.problems.is_empty() || !s.not_actions.is_empty() || s.principal.is_some() || s.not_principal.is_some() {
            problems.push(format!("statement {} is not of a form a generated policy has", s.pointer));
            continue;
        }
        if s.effect == Effect::Deny {
            continue;
        }
        let olds: Vec<&crate::Statement> = old_p
            .statements
            .iter()
            .filter(|o| o.effect == Effect::Allow && o.problems.is_empty() && same_conditions(o, s))
            .collect();
        let mut actions: Vec<String> = ex.actions(s).iter().map(|id| c.name(id)).collect();
        // Actions the catalogue does not know are checked as written.
        actions.extend(s.actions.iter().filter(|a| !a.contains(['*', '?']) && c.find(a).is_none()).cloned());
        for a in &actions {
            let covering: Vec<&&crate::Statement> = olds.iter().filter(|o| o.covers_action(a)).collect();
            if !s.not_resources.is_empty() {
                let mut mine = s.not_resources.clone();
                mine.sort();
                if !covering.iter().any(|o| scope_of(o) == Scope::NotResource(mine.clone())) {
                    problems.push(format!(
                        "{a} on every resource but {} (the old document does not allow it)",
                        mine.join(", ")
                    ));
                }
                continue;
            }
            for r in &s.resources {
                if !covering.iter().any(|o| {
                    scope_covers(&scope_of(o), r)
                        || (o.not_resources.is_empty() && o.resources.iter().any(|x| x == "*"))
                }) {
                    problems.push(format!("{a} on {r}"));
                }
            }
        }
    }
    let new_denies: Vec<&crate::Statement> = new_p.statements.iter().filter(|s| s.effect == Effect::Deny).collect();
    for d in old_p.statements.iter().filter(|s| s.effect == Effect::Deny) {
        let kept = new_denies.iter().any(|n| {
            n.actions == d.actions
                && n.not_actions == d.not_actions
                && n.resources == d.resources
                && n.not_resources == d.not_resources
                && n.conditions == d.conditions
        });
        if !kept {
            problems.push(format!("the old document's Deny statement {} is missing", d.pointer));
        }
    }
    problems.truncate(20);
    if problems.is_empty() { Ok(()) } else { Err(problems) }
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

/// Check that `new` allows every use that `old` allowed, on the resources the use named (the
/// first few; `*` for uses that named none): `(action, resource, decision)` of those it does
/// not. Uses `old` did not allow (another policy granted them) are not its concern.
pub fn prove(principal: &Principal, old: &Value, new: &Value, used: &[ActionUse]) -> Vec<(String, String, Decision)> {
    let old = Policy::new(Source::new("old policy", "old", "/"), old);
    let new = Policy::new(Source::new("generated policy", "generated", "/"), new);
    let mut ctx = Context::open();
    principal.describe_into(&mut ctx);
    let mut failures = Vec::new();
    for u in used {
        // The ARNs of the resource types the action acts on (not the bucket of an object).
        let touched = of_action_types(&u.action, &u.resources);
        let resources: Vec<String> =
            if touched.is_empty() { vec!["*".to_string()] } else { touched.into_iter().take(5).collect() };
        for r in resources {
            let req = Request { principal, action: &u.action, resource: &r, resource_account: None, context: &ctx };
            let before = evaluate(&req, &Policies { identity: &[&old], ..Policies::default() }).decision;
            if !before.possible() {
                continue;
            }
            let d = evaluate(&req, &Policies { identity: &[&new], ..Policies::default() }).decision;
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
        assert_eq!(
            actions_of("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
            vec!["lambda:UpdateFunctionCode"]
        );
        assert_eq!(actions_of("lambda.amazonaws.com", "GetFunction20150331v2"), vec!["lambda:GetFunction"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "CreateFunction20150331"), vec!["lambda:CreateFunction"]);
        assert_eq!(actions_of("lambda.amazonaws.com", "Invoke"), vec!["lambda:InvokeFunction"]);
        assert_eq!(
            actions_of("cloudfront.amazonaws.com", "CreateInvalidation2020_05_31"),
            vec!["cloudfront:CreateInvalidation"]
        );
        assert_eq!(actions_of("monitoring.amazonaws.com", "PutMetricAlarm"), vec!["cloudwatch:PutMetricAlarm"]);
        assert_eq!(actions_of("sts.amazonaws.com", "AssumeRole"), vec!["sts:AssumeRole"]);
        assert!(actions_of("sts.amazonaws.com", "GetCallerIdentity").is_empty());
        assert!(is_free("sts.amazonaws.com", "GetCallerIdentity"));
        assert!(actions_of("s3.amazonaws.com", "MadeUpOperation").is_empty());
        assert!(actions_of("nosuch.amazonaws.com", "Anything").is_empty());
    }

    fn recording(data: &[&str]) -> UsageCoverage {
        UsageCoverage {
            management_reads: Some(true),
            management_writes: Some(true),
            data_events: data.iter().map(|d| d.to_string()).collect(),
            ..UsageCoverage::default()
        }
    }

    #[test]
    fn what_cloudtrail_can_show() {
        let management = recording(&[]);
        assert!(observable("ssm:GetParameter", &management));
        assert!(!observable("s3:GetObject", &management));
        assert!(observable("s3:GetObject", &recording(&["AWS::S3::Object"])));
        assert!(observable("s3:PutBucketPolicy", &management), "management events");
        assert!(!observable("logs:PutLogEvents", &recording(&["AWS::S3::Object"])));
        assert!(!observable("lambda:InvokeFunction", &management));
        assert_eq!(data_event_type("dynamodb:Query"), Some("AWS::DynamoDB::Table"));
        // Write-only management events show no read; excluded sources show nothing.
        let writes_only = UsageCoverage { management_reads: Some(false), ..recording(&[]) };
        assert!(!observable("ssm:GetParameter", &writes_only) && observable("ssm:PutParameter", &writes_only));
        let no_kms = UsageCoverage { excluded_sources: vec!["kms.amazonaws.com".into()], ..recording(&[]) };
        assert!(!observable("kms:Decrypt", &no_kms) && observable("ssm:GetParameter", &no_kms));
        let only_iam = UsageCoverage { only_sources: vec!["iam.amazonaws.com".into()], ..recording(&[]) };
        assert!(observable("iam:PassRole", &only_iam) && !observable("ssm:GetParameter", &only_iam));
        let alarms = UsageCoverage { excluded_sources: vec!["monitoring.amazonaws.com".into()], ..recording(&[]) };
        assert!(!observable("cloudwatch:PutMetricAlarm", &alarms), "CloudWatch's source is monitoring");
        // Unknown selectors: nothing shows.
        assert!(!observable("ssm:PutParameter", &UsageCoverage::default()));
    }

    #[test]
    fn coverage_problems_name_what_is_missing() {
        let mut c =
            UsageCoverage { logging: Some(true), all_regions_recorded: Some(true), days_covered: 40, ..recording(&[]) };
        assert!(coverage_problems(&c).is_empty());
        c.missing_days = vec!["2026-03-01".into(), "2026-03-02".into(), "2026-03-03".into(), "2026-03-09".into()];
        c.unreadable_total = 2;
        c.all_regions_recorded = Some(false);
        let p = coverage_problems(&c);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[1].contains("4 day(s)") && p[1].contains("2026-03-01, 2026-03-02, 2026-03-03, …"), "{p:?}");
        c = UsageCoverage::default();
        assert_eq!(coverage_problems(&c).len(), 3, "no logs, logging and regions unknown");
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

    fn worker() -> Principal {
        Principal::from_arn("arn:aws:iam::123456789012:role/worker")
    }

    #[test]
    fn a_broad_policy_becomes_what_was_used() {
        let old = json!({"Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "ssm:*", "sqs:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:*:*:*"}
        ]});
        let p = "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod";
        let queue = "arn:aws:sqs:us-east-1:123456789012:jobs";
        let uses = [
            used("ssm:GetParameter", &[&format!("{p}/A"), &format!("{p}/B"), &format!("{p}/C")]),
            used("sqs:SendMessage", &[queue]),
        ];
        let g = generate(&worker(), &old, &uses, &recording(&["AWS::S3::Object", "AWS::SQS::Queue"]));
        let statements = g.document["Statement"].as_array().unwrap();
        let mut got: Vec<(String, String)> =
            statements.iter().map(|s| (s["Action"].to_string(), s["Resource"].to_string())).collect();
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
        assert!(
            g.dropped.contains(&"s3:PutBucketPolicy".to_string()) && g.dropped.contains(&"s3:GetObject".to_string())
        );
        assert!(prove(&worker(), &old, &g.document, &uses).is_empty());
        assert_eq!(within(&g.document, &old), Ok(()));
        // Without S3 data events the object actions cannot be judged: they are kept.
        let g = generate(&worker(), &old, &uses, &recording(&["AWS::SQS::Queue"]));
        assert!(
            g.kept_unobservable.contains(&"s3:GetObject".to_string())
                && !g.kept_unobservable.contains(&"s3:PutBucketPolicy".to_string())
        );
        assert_eq!(within(&g.document, &old), Ok(()));
        // The proof fails for a document that lost a use.
        let lost = json!({"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue}]});
        let failures = prove(&worker(), &old, &lost, &uses);
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(failures.iter().all(|(a, _, _)| a == "ssm:GetParameter"));
    }

    #[test]
    fn conditions_are_kept_and_other_policies_grants_left_out() {
        let old = json!({"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}]});
        let uses = [used("kms:Decrypt", &[]), used("dynamodb:GetItem", &["arn:aws:dynamodb:us-east-1:1:table/t"])];
        let g = generate(&worker(), &old, &uses, &recording(&[]));
        assert_eq!(g.granted_elsewhere, vec!["dynamodb:GetItem"]);
        let s = &g.document["Statement"][0];
        assert_eq!(s["Action"], "kms:Decrypt");
        assert_eq!(s["Resource"], "*");
        assert_eq!(s["Condition"]["StringEquals"]["kms:ViaService"], "ssm.us-east-1.amazonaws.com");
        assert_eq!(within(&g.document, &old), Ok(()));
        // Dropping the condition would allow more: refused.
        let loose = json!({"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]});
        assert!(within(&loose, &old).is_err());
    }

    #[test]
    fn denies_and_not_resource_survive() {
        let old = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secrets/*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::vault/*"}
        ]});
        // Object reads are not recorded: kept, on every resource but the excluded ones, with
        // the deny still there.
        let uses = [used("s3:ListAllMyBuckets", &[])];
        let g = generate(&worker(), &old, &uses, &recording(&[]));
        let doc = &g.document;
        assert!(g.kept_unobservable.contains(&"s3:GetObject".to_string()));
        let statements = doc["Statement"].as_array().unwrap();
        assert!(
            statements.iter().all(|s| s["Effect"] == "Deny" || s["NotResource"] == "arn:aws:s3:::secrets/*"),
            "{doc}"
        );
        assert!(statements.contains(&old["Statement"][1]), "{doc}");
        assert_eq!(within(doc, &old), Ok(()));
        let mut no_deny = doc.clone();
        no_deny["Statement"].as_array_mut().unwrap().retain(|s| s["Effect"] == "Allow");
        assert!(within(&no_deny, &old).unwrap_err()[0].contains("Deny statement"));
    }

    #[test]
    fn what_within_refuses() {
        let old = json!({"Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": "arn:aws:ssm:*:*:parameter/app/prod/*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b?/*"}
        ]});
        let doc = |action: &str, resource: &str| json!({"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]});
        assert_eq!(within(&doc("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/prod/A"), &old), Ok(()));
        assert_eq!(within(&doc("ssm:GetParameters", "arn:aws:ssm:*:*:parameter/app/prod/x/*"), &old), Ok(()));
        assert!(within(&doc("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/dev/A"), &old).is_err());
        assert!(within(&doc("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/prod/A"), &old).is_err());
        assert!(within(&doc("ssm:*", "arn:aws:ssm:us-east-1:1:parameter/app/prod/A"), &old).is_err());
        assert!(within(&doc("ssm:GetParameter", "*"), &old).is_err());
        // `?` in the old pattern: only the same pattern is provably inside.
        assert_eq!(within(&doc("s3:GetObject", "arn:aws:s3:::b?/*"), &old), Ok(()));
        assert!(within(&doc("s3:GetObject", "arn:aws:s3:::b*/*"), &old).is_err());
        assert!(within(&json!({"Statement": []}), &old).is_err());
        let not_action = json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
        assert!(within(&not_action, &old).is_err());
        assert!(pattern_within("arn:aws:s3:::a/b/*", "arn:aws:s3:::a/*"));
        assert!(!pattern_within("arn:aws:s3:::a/*", "arn:aws:s3:::a/*/x"));
    }

    #[test]
    fn only_arns_of_the_actions_resource_types_count() {
        let arns = vec!["arn:aws:s3:::assets".to_string(), "arn:aws:s3:::assets/*".to_string()];
        assert_eq!(of_action_types("s3:PutObject", &arns), vec!["arn:aws:s3:::assets/*"]);
        assert_eq!(of_action_types("s3:ListBucket", &arns[..1]), vec!["arn:aws:s3:::assets"]);
        let old = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let mut put = used("s3:PutObject", &["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"]);
        put.resources_total = 2;
        let g = generate(&worker(), &old, &[put], &recording(&["AWS::S3::Object"]));
        let s = g.document["Statement"].as_array().unwrap().iter().find(|s| s["Action"] == "s3:PutObject").cloned();
        assert_eq!(s.map(|s| s["Resource"].clone()), Some(json!("arn:aws:s3:::assets/*")), "{}", g.document);
        assert_eq!(within(&g.document, &old), Ok(()));
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
