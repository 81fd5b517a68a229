//! IAM: account settings, users, groups, roles, customer-managed policies, OIDC providers.
//!
//! Users, groups, roles and policies come from `GetAccountAuthorizationDetails` (filtered to
//! exclude the ~1,500 AWS-managed policies), which returns documents, attachments, tags and
//! last use in a few pages instead of one call per entity and per policy. The AWS-managed
//! policies that someone here holds (attached, or as a permissions boundary) are then read one
//! each (`GetPolicy`, `GetPolicyVersion`): evaluation needs their documents.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, policy_document, tags, ts};
use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, ReportStateType};
use bbscan_model::*;
use std::collections::BTreeMap;
use std::time::Duration;

const REGION: &str = "global";

pub async fn collect(ctx: &Ctx<'_>) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(&ctx.aws.global_region()));
    let (account, entities, oidc) =
        futures::join!(account(ctx, &client), entities(ctx, &client), oidc_providers(ctx, &client));
    let mut resources = vec![account.0];
    let report = account.1;
    resources.extend(entities.into_iter().map(|mut r| {
        if let ResourceConfig::IamUser(user) = &mut r.config {
            user.credential_report = report.get(&r.arn).cloned();
            // The report says when the console password was last used ("no_information",
            // "N/A" or a timestamp).
            user.password_last_used = user
                .credential_report
                .as_ref()
                .and_then(|row| row.get("password_last_used"))
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .cloned();
        }
        r
    }));
    resources.extend(oidc);
    resources
}

/// The account resource, and the credential report's rows by user ARN.
async fn account(ctx: &Ctx<'_>, client: &Client) -> (Resource, BTreeMap<String, BTreeMap<String, String>>) {
    let arn = format!("arn:{}:iam::{}:root", ctx.partition, ctx.account);
    let (policy, summary, report, cost_tags) = futures::join!(
        ctx.api.call(
            Op::IamGetAccountPasswordPolicy,
            Target::field(REGION, &arn, "password_policy"),
            client.get_account_password_policy().send()
        ),
        ctx.api.call(
            Op::IamGetAccountSummary,
            Target::field(REGION, &arn, "summary"),
            client.get_account_summary().send()
        ),
        credential_report(ctx, client, &arn),
        cost_allocation_tags(ctx, &arn),
    );
    let mut unknown = Vec::new();
    let cost_allocation_tags = cost_tags.or_note("cost_allocation_tags", &mut unknown);
    let password_policy =
        policy.or_note("password_policy", &mut unknown).and_then(|p| p.password_policy).map(|p| PasswordPolicy {
            minimum_password_length: p.minimum_password_length,
            require_symbols: p.require_symbols,
            require_numbers: p.require_numbers,
            require_uppercase_characters: p.require_uppercase_characters,
            require_lowercase_characters: p.require_lowercase_characters,
            allow_users_to_change_password: p.allow_users_to_change_password,
            expire_passwords: p.expire_passwords,
            max_password_age: p.max_password_age,
            password_reuse_prevention: p.password_reuse_prevention,
            hard_expiry: p.hard_expiry,
        });
    let summary: BTreeMap<String, i64> = summary
        .or_note("summary", &mut unknown)
        .and_then(|s| s.summary_map)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), i64::from(v)))
        .collect();
    let (generated_at, mut rows) = match report {
        Some(r) => r,
        None => {
            unknown.push("credential_report".to_string());
            (None, BTreeMap::new())
        }
    };
    let root_row = rows.remove(&arn);
    let config = IamAccount {
        password_policy,
        root_mfa_enabled: summary.get("AccountMFAEnabled").map(|v| *v == 1),
        root_access_keys_present: summary.get("AccountAccessKeysPresent").map(|v| *v > 0),
        summary,
        credential_report_generated_at: generated_at,
        root_credential_report: root_row,
        root_usage: None,
        cost_allocation_tags,
    };
    let mut resource =
        ctx.resource(arn, ctx.account.clone(), REGION, BTreeMap::new(), ResourceConfig::IamAccount(config));
    resource.unknown = unknown;
    (resource, rows)
}

/// The user-defined tag keys activated for cost allocation, sorted (Cost Explorer, every page).
async fn cost_allocation_tags(ctx: &Ctx<'_>, arn: &str) -> Read<Vec<String>> {
    use aws_sdk_costexplorer::types::{CostAllocationTagStatus, CostAllocationTagType};
    // Cost Explorer answers in the partition's billing region, the same as IAM's.
    let client = aws_sdk_costexplorer::Client::new(&ctx.aws.in_region(&ctx.aws.global_region()));
    let target = Target::field(REGION, arn, "cost_allocation_tags");
    let mut keys = Vec::new();
    let mut next: Option<String> = None;
    // Bounded: an account has at most a few thousand tag keys, 1,000 a page.
    for _ in 0..100 {
        let page = ctx
            .api
            .call(
                Op::CeListCostAllocationTags,
                target,
                client
                    .list_cost_allocation_tags()
                    .status(CostAllocationTagStatus::Active)
                    .r#type(CostAllocationTagType::UserDefined)
                    .set_next_token(next.take())
                    .send(),
            )
            .await;
        let page = match page {
            Read::Found(page) => page,
            Read::Absent => break,
            Read::Unknown => return Read::Unknown,
        };
        keys.extend(page.cost_allocation_tags().iter().map(|t| t.tag_key().to_string()));
        next = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    Read::Found(keys)
}

/// Generate the credential report (waiting for it) and parse its rows by ARN.
async fn credential_report(
    ctx: &Ctx<'_>,
    client: &Client,
    arn: &str,
) -> Option<(Option<String>, BTreeMap<String, BTreeMap<String, String>>)> {
    let target = Target::field(REGION, arn, "credential_report");
    for attempt in 0..10u32 {
        let generated = ctx
            .api
            .call(Op::IamGenerateCredentialReport, target, client.generate_credential_report().send())
            .await
            .found()?;
        if generated.state() == Some(&ReportStateType::Complete) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt + 1))).await;
    }
    let report =
        ctx.api.call(Op::IamGetCredentialReport, target, client.get_credential_report().send()).await.found()?;
    let generated_at = opt_ts(report.generated_time());
    let csv = report.content().map(|b| String::from_utf8_lossy(b.as_ref()).into_owned()).unwrap_or_default();
    Some((generated_at, parse_credential_report(&csv)))
}

/// The credential report is a CSV whose fields never contain commas or quotes.
fn parse_credential_report(csv: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return BTreeMap::new();
    };
    let columns: Vec<&str> = header.split(',').collect();
    lines
        .filter_map(|line| {
            let mut row: BTreeMap<String, String> =
                columns.iter().zip(line.split(',')).map(|(c, v)| (c.to_string(), v.to_string())).collect();
            let arn = row.remove("arn")?;
            Some((arn, row))
        })
        .collect()
}

fn inline(name: &str, document: Option<&str>) -> InlinePolicy {
    InlinePolicy { name: name.to_string(), document: decode(document) }
}

/// A policy document that does not decode is kept as its raw string, so nothing is lost.
fn decode(document: Option<&str>) -> serde_json::Value {
    match document {
        Some(raw) => policy_document(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_string())),
        None => serde_json::Value::Null,
    }
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .map(|p| AttachedPolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            arn: p.policy_arn().unwrap_or_default().to_string(),
        })
        .collect()
}

fn tag_map(list: &[aws_sdk_iam::types::Tag]) -> BTreeMap<String, String> {
    tags(list.iter().map(|t| (t.key(), t.value())))
}

async fn entities(ctx: &Ctx<'_>, client: &Client) -> Vec<Resource> {
    let stream = client
        .get_account_authorization_details()
        .filter(EntityType::User)
        .filter(EntityType::Role)
        .filter(EntityType::Group)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let Read::Found(pages) =
        ctx.api.pages(Op::IamGetAccountAuthorizationDetails, Target::region(REGION), stream, |p| vec![p]).await
    else {
        return Vec::new();
    };
    let mut resources = Vec::new();
    let mut users = Vec::new();
    for page in pages {
        for role in page.role_detail_list() {
            let tags = tag_map(role.tags());
            if ctx.scope.early(&tags) == crate::scope::Early::Drop {
                continue;
            }
            let config = IamRole {
                role_id: role.role_id().unwrap_or_default().to_string(),
                path: role.path().unwrap_or("/").to_string(),
                create_date: opt_ts(role.create_date()),
                description: None,
                max_session_duration: None,
                trust_policy: decode(role.assume_role_policy_document()),
                inline_policies: role
                    .role_policy_list()
                    .iter()
                    .map(|p| inline(p.policy_name().unwrap_or_default(), p.policy_document()))
                    .collect(),
                attached_policies: attached(role.attached_managed_policies()),
                permissions_boundary: role.permissions_boundary().and_then(|b| non_empty(b.permissions_boundary_arn())),
                last_used: role
                    .role_last_used()
                    .filter(|u| u.last_used_date().is_some())
                    .map(|u| RoleLastUsed { date: opt_ts(u.last_used_date()), region: non_empty(u.region()) }),
                instance_profiles: role
                    .instance_profile_list()
                    .iter()
                    .filter_map(|p| non_empty(Some(p.arn())))
                    .collect(),
                usage: None,
            };
            resources.push(ctx.resource(
                role.arn().unwrap_or_default().to_string(),
                role.role_name().unwrap_or_default().to_string(),
                REGION,
                tags,
                ResourceConfig::IamRole(config),
            ));
        }
        for group in page.group_detail_list() {
            let config = IamGroup {
                group_id: group.group_id().unwrap_or_default().to_string(),
                path: group.path().unwrap_or("/").to_string(),
                create_date: opt_ts(group.create_date()),
                inline_policies: group
                    .group_policy_list()
                    .iter()
                    .map(|p| inline(p.policy_name().unwrap_or_default(), p.policy_document()))
                    .collect(),
                attached_policies: attached(group.attached_managed_policies()),
            };
            resources.push(ctx.resource(
                group.arn().unwrap_or_default().to_string(),
                group.group_name().unwrap_or_default().to_string(),
                REGION,
                BTreeMap::new(),
                ResourceConfig::IamGroup(config),
            ));
        }
        for policy in page.policies() {
            let arn = policy.arn().unwrap_or_default().to_string();
            // Some endpoints omit PolicyName here; the ARN ends with it.
            let name = non_empty(policy.policy_name())
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_string());
            let document = policy
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .map(|v| decode(v.document()))
                .unwrap_or(serde_json::Value::Null);
            let other_versions = policy
                .policy_version_list()
                .iter()
                .filter(|v| !v.is_default_version())
                .map(|v| PolicyVersion {
                    version_id: v.version_id().unwrap_or_default().to_string(),
                    create_date: opt_ts(v.create_date()),
                    document: decode(v.document()),
                })
                .collect();
            let config = IamPolicy {
                aws_managed: false,
                policy_id: non_empty(policy.policy_id()),
                path: policy.path().unwrap_or("/").to_string(),
                description: non_empty(policy.description()),
                default_version_id: non_empty(policy.default_version_id()),
                attachment_count: policy.attachment_count(),
                is_attachable: policy.is_attachable(),
                create_date: opt_ts(policy.create_date()),
                update_date: opt_ts(policy.update_date()),
                document,
                other_versions,
            };
            resources.push(ctx.resource(arn, name, REGION, BTreeMap::new(), ResourceConfig::IamPolicy(config)));
        }
        users.extend(page.user_detail_list().iter().cloned());
    }
    // The authorization details carry no policy tags; customer-managed policies are few.
    futures::future::join_all(resources.iter_mut().filter(|r| matches!(r.config, ResourceConfig::IamPolicy(_))).map(
        |r| async move {
            let stream = client.list_policy_tags().policy_arn(&r.arn).into_paginator().send();
            match ctx.api.pages(Op::IamListPolicyTags, Target::field(REGION, &r.arn, "tags"), stream, |p| p.tags).await
            {
                Read::Found(list) => r.tags = tag_map(&list),
                _ => r.unknown.push("tags".to_string()),
            }
        },
    ))
    .await;
    let users = futures::future::join_all(users.iter().map(|u| user(ctx, client, u))).await;
    resources.extend(users);
    let held = aws_managed_held(&resources);
    let managed = futures::future::join_all(held.iter().map(|arn| aws_managed_policy(ctx, client, arn))).await;
    resources.extend(managed.into_iter().flatten());
    resources
}

/// The AWS-managed policies the users, groups and roles hold, attached or as boundaries.
fn aws_managed_held(resources: &[Resource]) -> std::collections::BTreeSet<String> {
    let mut held = std::collections::BTreeSet::new();
    for r in resources {
        let (attached, boundary) = match &r.config {
            ResourceConfig::IamUser(u) => (&u.attached_policies, u.permissions_boundary.as_ref()),
            ResourceConfig::IamGroup(g) => (&g.attached_policies, None),
            ResourceConfig::IamRole(role) => (&role.attached_policies, role.permissions_boundary.as_ref()),
            _ => continue,
        };
        held.extend(attached.iter().map(|a| &a.arn).chain(boundary).filter(|a| is_aws_managed(a)).cloned());
    }
    held
}

fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws") && arn.split(':').nth(2) == Some("iam")
}

/// One AWS-managed policy and its default version's document.
async fn aws_managed_policy(ctx: &Ctx<'_>, client: &Client, arn: &str) -> Option<Resource> {
    let policy = ctx
        .api
        .call(Op::IamGetPolicy, Target::resource(REGION, arn), client.get_policy().policy_arn(arn).send())
        .await
        .found()?
        .policy?;
    let mut unknown = Vec::new();
    let version = policy.default_version_id().unwrap_or("v1").to_string();
    let document = ctx
        .api
        .call(
            Op::IamGetPolicyVersion,
            Target::field(REGION, arn, "document"),
            client.get_policy_version().policy_arn(arn).version_id(&version).send(),
        )
        .await
        .or_note("document", &mut unknown)
        .and_then(|v| v.policy_version)
        .map(|v| decode(v.document()))
        .unwrap_or(serde_json::Value::Null);
    let config = IamPolicy {
        aws_managed: true,
        policy_id: non_empty(policy.policy_id()),
        path: policy.path().unwrap_or("/").to_string(),
        description: non_empty(policy.description()),
        default_version_id: Some(version),
        attachment_count: policy.attachment_count(),
        is_attachable: policy.is_attachable(),
        create_date: opt_ts(policy.create_date()),
        update_date: opt_ts(policy.update_date()),
        document,
        other_versions: Vec::new(),
    };
    let name =
        non_empty(policy.policy_name()).unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_string());
    let mut r = ctx.resource(arn.to_string(), name, REGION, BTreeMap::new(), ResourceConfig::IamPolicy(config));
    r.account = "aws".to_string();
    r.unknown = unknown;
    Some(r)
}

async fn user(ctx: &Ctx<'_>, client: &Client, detail: &aws_sdk_iam::types::UserDetail) -> Resource {
    let name = detail.user_name().unwrap_or_default();
    let arn = detail.arn().unwrap_or_default().to_string();
    let (login, mfa, keys) = futures::join!(
        ctx.api.call(
            Op::IamGetLoginProfile,
            Target::field(REGION, &arn, "login_profile"),
            client.get_login_profile().user_name(name).send()
        ),
        ctx.api.pages(
            Op::IamListMfaDevices,
            Target::field(REGION, &arn, "mfa_devices"),
            client.list_mfa_devices().user_name(name).into_paginator().send(),
            |p| p.mfa_devices,
        ),
        ctx.api.pages(
            Op::IamListAccessKeys,
            Target::field(REGION, &arn, "access_keys"),
            client.list_access_keys().user_name(name).into_paginator().send(),
            |p| p.access_key_metadata,
        ),
    );
    let mut unknown = Vec::new();
    let login_profile = login.or_note("login_profile", &mut unknown).and_then(|p| p.login_profile).map(|p| {
        LoginProfile { create_date: Some(ts(&p.create_date)), password_reset_required: p.password_reset_required }
    });
    let mfa_devices = mfa
        .or_note("mfa_devices", &mut unknown)
        .unwrap_or_default()
        .iter()
        .map(|d| MfaDevice { serial_number: d.serial_number.clone(), enable_date: Some(ts(&d.enable_date)) })
        .collect();
    let keys = keys.or_note("access_keys", &mut unknown).unwrap_or_default();
    let access_keys = futures::future::join_all(keys.iter().map(|k| async {
        let id = k.access_key_id().unwrap_or_default();
        let last = ctx
            .api
            .call(
                Op::IamGetAccessKeyLastUsed,
                Target::field(REGION, &arn, "access_keys"),
                client.get_access_key_last_used().access_key_id(id).send(),
            )
            .await;
        let known = !matches!(last, Read::Unknown);
        let last = last.found().and_then(|r| r.access_key_last_used);
        let key = AccessKey {
            access_key_id: id.to_string(),
            status: k.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            create_date: opt_ts(k.create_date()),
            last_used_date: last.as_ref().and_then(|l| opt_ts(l.last_used_date())),
            last_used_service: last.as_ref().and_then(|l| non_empty(Some(l.service_name()))).filter(|s| s != "N/A"),
            last_used_region: last.as_ref().and_then(|l| non_empty(Some(l.region()))).filter(|s| s != "N/A"),
        };
        (key, known)
    }))
    .await;
    if access_keys.iter().any(|(_, known)| !known) {
        unknown.push("access_keys.last_used".to_string());
    }
    let access_keys = access_keys.into_iter().map(|(key, _)| key).collect();
    let config = IamUser {
        user_id: detail.user_id().unwrap_or_default().to_string(),
        path: detail.path().unwrap_or("/").to_string(),
        create_date: opt_ts(detail.create_date()),
        password_last_used: None,
        login_profile,
        mfa_devices,
        access_keys,
        groups: detail.group_list().to_vec(),
        inline_policies: detail
            .user_policy_list()
            .iter()
            .map(|p| inline(p.policy_name().unwrap_or_default(), p.policy_document()))
            .collect(),
        attached_policies: attached(detail.attached_managed_policies()),
        permissions_boundary: detail.permissions_boundary().and_then(|b| non_empty(b.permissions_boundary_arn())),
        credential_report: None,
        usage: None,
    };
    let mut resource =
        ctx.resource(arn, name.to_string(), REGION, tag_map(detail.tags()), ResourceConfig::IamUser(config));
    resource.unknown = unknown;
    resource
}

async fn oidc_providers(ctx: &Ctx<'_>, client: &Client) -> Vec<Resource> {
    let Some(list) = ctx
        .api
        .call(Op::IamListOpenIdConnectProviders, Target::region(REGION), client.list_open_id_connect_providers().send())
        .await
        .found()
    else {
        return Vec::new();
    };
    let arns: Vec<String> =
        list.open_id_connect_provider_list().iter().filter_map(|p| p.arn().map(str::to_string)).collect();
    let providers = futures::future::join_all(arns.iter().map(|arn| async move {
        let detail = ctx
            .api
            .call(
                Op::IamGetOpenIdConnectProvider,
                Target::resource(REGION, arn),
                client.get_open_id_connect_provider().open_id_connect_provider_arn(arn).send(),
            )
            .await
            .found()?;
        let url = detail.url().unwrap_or_default().trim_start_matches("https://").to_string();
        let config = IamOidcProvider {
            url: url.clone(),
            client_ids: detail.client_id_list().to_vec(),
            thumbprints: detail.thumbprint_list().to_vec(),
            create_date: opt_ts(detail.create_date()),
        };
        Some(ctx.resource(arn.clone(), url, REGION, tag_map(detail.tags()), ResourceConfig::IamOidcProvider(config)))
    }))
    .await;
    providers.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_report_rows_by_arn() {
        let csv = "user,arn,password_enabled,mfa_active\n<root_account>,arn:aws:iam::1:root,not_supported,true\nalice,arn:aws:iam::1:user/alice,true,false\n";
        let rows = parse_credential_report(csv);
        assert_eq!(rows["arn:aws:iam::1:user/alice"]["mfa_active"], "false");
        assert_eq!(rows["arn:aws:iam::1:root"]["user"], "<root_account>");
    }
}
