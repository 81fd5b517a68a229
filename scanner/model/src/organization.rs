//! Several accounts at once: the index of an organisation's snapshots (one snapshot file per
//! account) and the report over several accounts, with per-account sections and totals.

use crate::findings::{AuditReport, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// The version of the index and multi-account report documents.
pub const ORGANIZATION_SCHEMA_VERSION: u32 = 1;
/// The index's file name in a directory of account snapshots.
pub const INDEX_FILE: &str = "index.json";

/// Whether an account could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Its snapshot (or report) is there.
    Collected,
    /// It could not be reached (the role could not be assumed, or the credentials landed in
    /// another account): not assessed, never an abort of the others.
    Unreachable,
}

/// `index.json`: the accounts of one organisation-wide collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SnapshotIndex {
    pub schema_version: u32,
    /// The account whose credentials listed the organisation and assumed the roles.
    pub caller_account: String,
    /// The organisation, when the accounts came from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    /// The role assumed in each account (by name).
    pub role_name: String,
    pub accounts: Vec<IndexedAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IndexedAccount {
    pub account_id: String,
    /// Its name in the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: AccountStatus,
    /// The snapshot's file, relative to the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    pub resources: usize,
    pub gaps: usize,
    /// Why it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The audit of several accounts: one section per account, and their totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct MultiAccountReport {
    pub schema_version: u32,
    pub accounts: Vec<AccountReport>,
    /// The sums of the accounts' totals.
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct AccountReport {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: AccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The account's own report (absent when it could not be reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<AuditReport>,
    pub totals: Totals,
}

/// Counts over one account, or summed over several.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Totals {
    pub accounts: usize,
    pub unreachable: usize,
    pub resources: usize,
    /// Resource evaluations over all rules, and how many passed.
    pub evaluated: u64,
    pub passed: u64,
    /// Failing and warning findings that are not waived.
    pub findings: usize,
    /// Those findings by severity (`info` … `critical`).
    pub by_severity: BTreeMap<Severity, usize>,
    pub gaps: usize,
    pub policy_errors: usize,
}

impl Totals {
    /// The totals of one account's report.
    pub fn of(report: &AuditReport) -> Totals {
        let counted: Vec<_> = report.findings.iter().filter(|f| f.counts_for_compliance()).collect();
        let mut by_severity = BTreeMap::new();
        for f in &counted {
            *by_severity.entry(f.severity).or_insert(0) += 1;
        }
        Totals {
            accounts: 1,
            unreachable: 0,
            resources: report.snapshot.resources,
            evaluated: report.rules.iter().map(|r| u64::from(r.evaluated)).sum(),
            passed: report.rules.iter().map(|r| u64::from(r.passed)).sum(),
            findings: counted.len(),
            by_severity,
            gaps: report.gaps.len(),
            policy_errors: report.policy_errors.len(),
        }
    }

    /// The totals of an account that could not be reached.
    pub fn unreachable() -> Totals {
        Totals { accounts: 1, unreachable: 1, ..Totals::default() }
    }

    pub fn add(&mut self, other: &Totals) {
        self.accounts += other.accounts;
        self.unreachable += other.unreachable;
        self.resources += other.resources;
        self.evaluated += other.evaluated;
        self.passed += other.passed;
        self.findings += other.findings;
        for (severity, n) in &other.by_severity {
            *self.by_severity.entry(*severity).or_insert(0) += n;
        }
        self.gaps += other.gaps;
        self.policy_errors += other.policy_errors;
    }
}

impl AccountReport {
    pub fn collected(name: Option<String>, report: AuditReport) -> AccountReport {
        AccountReport {
            account_id: report.snapshot.account_id.clone(),
            name,
            status: AccountStatus::Collected,
            error: None,
            totals: Totals::of(&report),
            report: Some(report),
        }
    }

    pub fn unreachable(account_id: String, name: Option<String>, error: String) -> AccountReport {
        AccountReport {
            account_id,
            name,
            status: AccountStatus::Unreachable,
            error: Some(error),
            report: None,
            totals: Totals::unreachable(),
        }
    }
}

/// Two sections for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateAccount(pub String);

impl std::fmt::Display for DuplicateAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "account {} appears in more than one report: merge each account's report once", self.0)
    }
}

impl std::error::Error for DuplicateAccount {}

impl MultiAccountReport {
    /// A report over these accounts, sorted by account id, with their totals summed.
    pub fn new(mut accounts: Vec<AccountReport>) -> Result<MultiAccountReport, DuplicateAccount> {
        accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        if let Some(w) = accounts.windows(2).find(|w| w[0].account_id == w[1].account_id) {
            return Err(DuplicateAccount(w[0].account_id.clone()));
        }
        let mut totals = Totals::default();
        for a in &accounts {
            totals.add(&a.totals);
        }
        Ok(MultiAccountReport { schema_version: ORGANIZATION_SCHEMA_VERSION, accounts, totals })
    }

    /// Whether any account has a finding that counts against `--fail-on` at `threshold`.
    pub fn failing(&self, threshold: Severity) -> usize {
        self.accounts.iter().filter_map(|a| a.report.as_ref()).map(|r| r.failing(threshold)).sum()
    }
}
