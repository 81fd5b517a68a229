//! Policies built against the previous contract, `bbscan:policy@0.1.0` (`wit/v0.1.0`), keep
//! running: their imports are served and their results converted to the current contract's
//! types, so that one border check applies to both. A 0.1.0 policy receives no gaps, declares no
//! `not-flagged` text and cannot say `not-assessed`.

use super::bindings::bbscan::policy::types as wit;
use super::sandbox::State;

pub(super) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "policy",
    });
}

use bindings::bbscan::policy::{snapshot, types as old};
pub(super) use bindings::{Policy as PolicyWorld, PolicyPre};

pub(super) fn info(info: old::PolicyInfo) -> wit::PolicyInfo {
    wit::PolicyInfo {
        name: info.name,
        version: info.version,
        rules: info
            .rules
            .into_iter()
            .map(|r| wit::Rule {
                id: r.id,
                title: r.title,
                description: r.description,
                default_severity: severity(r.default_severity),
                kinds: r.kinds,
                compliance: r
                    .compliance
                    .into_iter()
                    .map(|c| wit::ComplianceRef { framework: c.framework, control: c.control })
                    .collect(),
                help_text: r.help_text,
                help_markdown: r.help_markdown,
                remediation: r.remediation,
                not_flagged: String::new(),
            })
            .collect(),
    }
}

pub(super) fn evaluation(e: old::Evaluation) -> wit::Evaluation {
    wit::Evaluation {
        findings: e
            .findings
            .into_iter()
            .map(|f| wit::Finding {
                rule_id: f.rule_id,
                resource_arn: f.resource_arn,
                status: match f.status {
                    old::Status::Fail => wit::Status::Fail,
                    old::Status::Warning => wit::Status::Warning,
                    old::Status::Manual => wit::Status::Manual,
                },
                severity: f.severity.map(severity),
                message: f.message,
                evidence: f.evidence,
                actions: f
                    .actions
                    .into_iter()
                    .map(|a| wit::Action { kind: a.kind, version: a.version, params: a.params })
                    .collect(),
            })
            .collect(),
        tallies: e
            .tallies
            .into_iter()
            .map(|t| wit::Tally { rule_id: t.rule_id, evaluated: t.evaluated, passed: t.passed })
            .collect(),
    }
}

fn severity(s: old::Severity) -> wit::Severity {
    match s {
        old::Severity::Info => wit::Severity::Info,
        old::Severity::Low => wit::Severity::Low,
        old::Severity::Medium => wit::Severity::Medium,
        old::Severity::High => wit::Severity::High,
        old::Severity::Critical => wit::Severity::Critical,
    }
}

pub(super) fn resource(r: &wit::Resource) -> old::Resource {
    old::Resource {
        kind: r.kind.clone(),
        arn: r.arn.clone(),
        name: r.name.clone(),
        account: r.account.clone(),
        region: r.region.clone(),
        tags: r.tags.clone(),
        config: r.config.clone(),
        unknown: r.unknown.clone(),
    }
}

impl old::Host for State {}

impl snapshot::Host for State {
    fn resource_by_arn(&mut self, arn: String) -> Option<old::Resource> {
        self.lookup_by_arn(&arn).map(resource)
    }

    fn resources_of_kind(&mut self, kind: String) -> Vec<old::Resource> {
        self.lookup_of_kind(&kind).iter().map(resource).collect()
    }
}
