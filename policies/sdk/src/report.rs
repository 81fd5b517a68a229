//! Collecting a policy's results: findings for failures, tallies for every evaluation.

use crate::{Finding, Resource, Status, Tally};
use std::collections::BTreeMap;

/// Everything an evaluation reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub tallies: BTreeMap<String, Tally>,
}

impl Report {
    /// `rule` evaluated a resource and it passed.
    pub fn pass(&mut self, rule: &str) {
        let tally = self.tallies.entry(rule.to_string()).or_default();
        tally.evaluated += 1;
        tally.passed += 1;
    }

    /// `rule` evaluated `resource` and it fails; returns the finding to add evidence to.
    pub fn fail(&mut self, rule: &str, resource: &Resource, message: impl Into<String>) -> &mut Finding {
        self.result(rule, resource, Status::Fail, message)
    }

    /// `rule` evaluated `resource`: not failing yet, but soon.
    pub fn warn(&mut self, rule: &str, resource: &Resource, message: impl Into<String>) -> &mut Finding {
        self.result(rule, resource, Status::Warning, message)
    }

    /// `rule` cannot be verified from AWS for `resource`; a person must check.
    pub fn manual(&mut self, rule: &str, resource: &Resource, message: impl Into<String>) -> &mut Finding {
        self.result(rule, resource, Status::Manual, message)
    }

    /// `rule` could not judge `resource`: something it needs was not read (name the gap in the
    /// message). Neither a pass nor a failure: the resource does not count as evaluated.
    pub fn not_assessed(&mut self, rule: &str, resource: &Resource, message: impl Into<String>) -> &mut Finding {
        self.tallies.entry(rule.to_string()).or_default();
        self.push(rule, resource, Status::NotAssessed, message)
    }

    fn result(&mut self, rule: &str, resource: &Resource, status: Status, message: impl Into<String>) -> &mut Finding {
        self.tallies.entry(rule.to_string()).or_default().evaluated += 1;
        self.push(rule, resource, status, message)
    }

    fn push(&mut self, rule: &str, resource: &Resource, status: Status, message: impl Into<String>) -> &mut Finding {
        self.findings.push(Finding {
            rule_id: rule.to_string(),
            resource_arn: resource.arn.clone(),
            status,
            severity: None,
            message: message.into(),
            evidence: Vec::new(),
            actions: Vec::new(),
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// Bound every finding (see [`Finding::bound`]); done for every evaluation by the SDK.
    pub fn bound(&mut self) {
        self.findings.iter_mut().for_each(Finding::bound);
    }

    /// The findings of one rule.
    pub fn of_rule<'a>(&'a self, rule: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.rule_id == rule)
    }
}
