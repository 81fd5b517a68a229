//! `--organization` / `--accounts`: every account of an organisation, each read with the scanner
//! role assumed in it, several at once (accounts in flight, and calls in flight over all of them,
//! both bounded). An account that cannot be reached is recorded as unreachable — a gap for that
//! account — and never stops the others. Where the caller can read the organisation (the
//! management or a delegated administrator account), each account's place and control policies
//! are read from there, since a member account usually may not read them itself.

use crate::aws::{AwsSetup, RoleToAssume};
use crate::collect::api::{Api, Op, Read, Target};
use crate::collect::{self, CollectError, CollectOptions, Progress};
use bbscan_model::Snapshot;
use bbscan_model::organization::{
    AccountStatus, INDEX_FILE, IndexedAccount, ORGANIZATION_SCHEMA_VERSION, SnapshotIndex,
};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The role assumed in member accounts when bbscan.toml names none: the one AWS Organizations
/// creates in every account it creates.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

#[derive(Debug, Clone)]
pub struct OrganizationOptions {
    /// These accounts instead of ListAccounts.
    pub accounts: Vec<String>,
    /// The role (name, with its path) assumed in each account.
    pub role_name: String,
    pub external_id: Option<String>,
    /// Accounts collected at once.
    pub concurrency: usize,
    /// Calls in flight over all accounts.
    pub global_calls: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum OrganizationError {
    #[error(transparent)]
    Identity(#[from] CollectError),
    #[error(
        "cannot list the organisation's accounts ({message}). Run from the management account or a delegated \
         administrator with organizations:ListAccounts, or name the accounts with --accounts ID,ID or \
         [organization] accounts in bbscan.toml"
    )]
    List { message: String },
    #[error("the organisation has no active account to audit")]
    Empty,
    #[error(transparent)]
    Write(#[from] crate::snapshot::SnapshotFileError),
}

/// The accounts to read: the ones named, else every active account of the organisation.
async fn accounts(
    aws: &AwsSetup,
    org: &OrganizationOptions,
) -> Result<(Vec<(String, Option<String>)>, Option<String>), OrganizationError> {
    let client = aws_sdk_organizations::Client::new(&aws.in_region(&aws.global_region()));
    let api = Api::new(4);
    let organization_id = match api
        .call(Op::OrganizationsDescribeOrganization, Target::region("global"), client.describe_organization().send())
        .await
    {
        Read::Found(d) => d.organization.and_then(|o| o.id),
        _ => None,
    };
    // Not knowing the organisation's id is not a failure to list its accounts.
    let _ = api.take_gaps();
    if !org.accounts.is_empty() {
        let mut named: Vec<(String, Option<String>)> = org.accounts.iter().map(|a| (a.clone(), None)).collect();
        named.sort();
        named.dedup();
        return Ok((named, organization_id));
    }
    let listed = api
        .pages(
            Op::OrganizationsListAccounts,
            Target::region("global"),
            client.list_accounts().into_paginator().send(),
            |page| page.accounts.unwrap_or_default(),
        )
        .await;
    let failed = api.take_gaps();
    let listed = match listed {
        Read::Found(list) if failed.is_empty() => list,
        _ => {
            let message = failed
                .first()
                .map(|g| format!("{}: {}", g.error_code.as_deref().unwrap_or("error"), g.message))
                .unwrap_or_else(|| "no answer".to_string());
            return Err(OrganizationError::List { message });
        }
    };
    let mut found: Vec<(String, Option<String>)> = listed
        .into_iter()
        // Suspended, closed and pending accounts cannot be assumed into: only ACTIVE ones are
        // audited (a status missing from the answer counts as active).
        .filter(|a| {
            a.state().is_none_or(|s| s.as_str() == "ACTIVE") && a.status().is_none_or(|s| s.as_str() == "ACTIVE")
        })
        .filter_map(|a| a.id.map(|id| (id, a.name)))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(OrganizationError::Empty);
    }
    Ok((found, organization_id))
}

/// Read every account into `dir`: each account's snapshot is written (`<account>.json`) as soon
/// as it is read, so memory holds only the accounts in flight; `index.json` is written last.
pub async fn collect(
    aws: &AwsSetup,
    options: &CollectOptions,
    org: &OrganizationOptions,
    progress: &(dyn Progress + Sync),
    dir: &Path,
) -> Result<SnapshotIndex, OrganizationError> {
    let started_at = collect::now_rfc3339();
    let caller = collect::caller_identity(aws).await?;
    let (accounts, organization_id) = accounts(aws, org).await?;
    let global = Arc::new(tokio::sync::Semaphore::new(org.global_calls.max(1)));
    let in_organization = organization_id.is_some();
    let work = accounts.into_iter().map(|(account_id, name)| {
        let global = global.clone();
        let caller = &caller;
        async move {
            let mut member = options.clone();
            member.global_permits = Some(global);
            // The credentials must land in the account asked for, whatever the role does.
            member.expected_account = Some(collect::ExpectedAccount {
                account: account_id.clone(),
                hint: format!("The role {} in it answered for another account: check the role", org.role_name),
            });
            let outcome = if account_id == caller.account {
                collect::collect(aws, &member, progress).await
            } else {
                let role = RoleToAssume {
                    arn: format!("arn:{}:iam::{account_id}:role/{}", caller.partition, org.role_name),
                    external_id: org.external_id.clone(),
                };
                let assumed = aws.assuming(&role).await;
                collect::collect(&assumed, &member, progress).await
            };
            match outcome {
                Ok(mut snapshot) => {
                    // The organisation's view of this account, from the caller when it can read it.
                    if in_organization && account_id != caller.account {
                        collect::organization_view_from(aws, &account_id, &caller.partition, &mut snapshot).await;
                    }
                    let file = format!("{account_id}.json");
                    crate::snapshot::write_atomic(
                        &dir.join(&file),
                        crate::snapshot::to_json(&snapshot).as_bytes(),
                        crate::snapshot::Access::Private,
                    )?;
                    Ok(IndexedAccount {
                        account_id,
                        name,
                        status: AccountStatus::Collected,
                        snapshot: Some(file),
                        resources: snapshot.resources.len(),
                        gaps: snapshot.gaps.len(),
                        error: None,
                    })
                }
                Err(e) => {
                    let error = match e {
                        // The credentials never worked: the role could not be assumed.
                        CollectError::Identity { message } if account_id != caller.account => format!(
                            "could not assume the role {} in account {account_id} (check its name and its trust \
                             policy, which must trust account {}): {message}",
                            org.role_name, caller.account
                        ),
                        other => other.to_string(),
                    };
                    Ok(IndexedAccount {
                        account_id,
                        name,
                        status: AccountStatus::Unreachable,
                        snapshot: None,
                        resources: 0,
                        gaps: 0,
                        error: Some(error),
                    })
                }
            }
        }
    });
    let read: Vec<Result<IndexedAccount, crate::snapshot::SnapshotFileError>> =
        futures::stream::iter(work).buffer_unordered(org.concurrency.max(1)).collect().await;
    let mut accounts = read.into_iter().collect::<Result<Vec<_>, _>>()?;
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let index = SnapshotIndex {
        schema_version: ORGANIZATION_SCHEMA_VERSION,
        caller_account: caller.account,
        organization_id,
        started_at,
        finished_at: collect::now_rfc3339(),
        role_name: org.role_name.clone(),
        accounts,
    };
    let mut text = serde_json::to_string_pretty(&index).unwrap_or_default();
    text.push('\n');
    crate::snapshot::write_atomic(&dir.join(INDEX_FILE), text.as_bytes(), crate::snapshot::Access::Private)?;
    Ok(index)
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a bbscan snapshot index ({message}); write one with `bbscan snapshot --organization -o DIR`"
    )]
    Invalid { path: PathBuf, message: String },
    #[error("the index {index} names {snapshot}, which is not a usable snapshot: {message}")]
    Snapshot { index: PathBuf, snapshot: PathBuf, message: String },
    #[error("the snapshot {snapshot} is of account {actual}, but the index {index} lists it as {listed}")]
    Mismatch { index: PathBuf, snapshot: PathBuf, listed: String, actual: String },
    #[error(transparent)]
    Write(#[from] crate::snapshot::SnapshotFileError),
}

/// Whether `path` names an index: a directory holding `index.json`, or the index file itself.
pub fn index_path(path: &Path) -> Option<PathBuf> {
    if path.is_dir() {
        return Some(path.join(INDEX_FILE)).filter(|p| p.is_file());
    }
    let bytes = std::fs::read(path).ok()?;
    // Skimmed, not read: the file is more often a (large) snapshot than an index.
    let keys = bbscan_model::top_level_keys(&bytes).ok()?;
    let has = |k: &str| keys.iter().any(|key| key == k);
    (has("accounts") && has("role_name")).then(|| path.to_path_buf())
}

/// Read an index (the account snapshots stay on disk until [`load`] reads each).
pub fn read_index(index_file: &Path) -> Result<SnapshotIndex, IndexError> {
    let bytes =
        std::fs::read(index_file).map_err(|source| IndexError::Read { path: index_file.to_path_buf(), source })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| IndexError::Invalid { path: index_file.to_path_buf(), message: e.to_string() })
}

/// One collected account's snapshot, from beside its index; checked to be that account's.
pub fn load(index_file: &Path, account: &IndexedAccount) -> Result<Snapshot, IndexError> {
    let dir = index_file.parent().unwrap_or(Path::new("."));
    let invalid = |message: String| IndexError::Invalid { path: index_file.to_path_buf(), message };
    let file = account
        .snapshot
        .as_deref()
        .ok_or_else(|| invalid(format!("account {} is collected but names no snapshot", account.account_id)))?;
    // The file name comes from the index: keep it inside the index's directory.
    let file = Path::new(file);
    if !matches!(file.components().collect::<Vec<_>>().as_slice(), [std::path::Component::Normal(_)]) {
        return Err(invalid(format!("snapshot {} is not a file name beside the index", file.display())));
    }
    let path = dir.join(file);
    let snapshot = crate::snapshot::read(&path).map_err(|e| IndexError::Snapshot {
        index: index_file.to_path_buf(),
        snapshot: path.clone(),
        message: e.to_string(),
    })?;
    if snapshot.metadata.account_id != account.account_id {
        return Err(IndexError::Mismatch {
            index: index_file.to_path_buf(),
            snapshot: path,
            listed: account.account_id.clone(),
            actual: snapshot.metadata.account_id.clone(),
        });
    }
    Ok(snapshot)
}
