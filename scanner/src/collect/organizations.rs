//! AWS Organizations: whether the account is in an organisation, its place there (root → OUs →
//! account), and the service and resource control policies attached along that path, with
//! their documents. One resource per snapshot (`organizations.account`).
//!
//! From a member account, Organizations usually refuses to list policies: the policies stay
//! unknown (a gap), and results that depend on them say they assume none restricts the account.
//! An account outside any organisation is an answer (`organization: null`), not a gap.

use super::Ctx;
use super::api::{Op, Read, Target};
use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use bbscan_model::*;
use std::collections::BTreeMap;

const REGION: &str = "global";

pub async fn collect(ctx: &Ctx<'_>) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(&ctx.aws.global_region()));
    let own = format!("arn:{}:organizations::{}:account/{}", ctx.partition, ctx.account, ctx.account);
    let mut unknown = Vec::new();
    let described = ctx
        .api
        .call(
            Op::OrganizationsDescribeOrganization,
            Target::field(REGION, &own, "organization"),
            client.describe_organization().send(),
        )
        .await;
    let org = match described {
        Read::Found(d) => d.organization,
        Read::Absent => None,
        Read::Unknown => {
            unknown.push("organization".to_string());
            None
        }
    };
    let Some(org) = org else {
        let mut r = resource(ctx, own, OrganizationsAccount { organization: None });
        r.unknown = unknown;
        return vec![r];
    };
    let org_id = org.id().unwrap_or_default().to_string();
    let management = org.master_account_id().unwrap_or_default().to_string();
    let arn = format!("arn:{}:organizations::{}:account/{}/{}", ctx.partition, management, org_id, ctx.account);
    let mut organization = Organization {
        id: org_id,
        arn: org.arn().unwrap_or_default().to_string(),
        management_account_id: management,
        feature_set: org.feature_set().map(|f| f.as_str().to_string()),
        ..Organization::default()
    };

    // The root, with the policy types enabled on it.
    let roots = ctx
        .api
        .pages(
            Op::OrganizationsListRoots,
            Target::field(REGION, &arn, "path"),
            client.list_roots().into_paginator().send(),
            |p| p.roots.unwrap_or_default(),
        )
        .await;
    if let Read::Found(roots) = &roots
        && let Some(root) = roots.first()
    {
        let enabled = |t: PolicyType| {
            Some(
                root.policy_types()
                    .iter()
                    .any(|p| p.r#type() == Some(&t) && p.status() == Some(&PolicyTypeStatus::Enabled)),
            )
        };
        organization.scp_enabled = enabled(PolicyType::ServiceControlPolicy);
        organization.rcp_enabled = enabled(PolicyType::ResourceControlPolicy);
    }

    // The path from the account up to the root.
    let mut path =
        vec![OrganizationNode { id: ctx.account.clone(), kind: "ACCOUNT".into(), ..OrganizationNode::default() }];
    let mut child = ctx.account.clone();
    let mut complete = false;
    for _ in 0..8 {
        let parents = ctx
            .api
            .pages(
                Op::OrganizationsListParents,
                Target::field(REGION, &arn, "path"),
                client.list_parents().child_id(&child).into_paginator().send(),
                |p| p.parents.unwrap_or_default(),
            )
            .await;
        let Read::Found(parents) = parents else { break };
        let Some(parent) = parents.into_iter().next() else { break };
        let id = parent.id().unwrap_or_default().to_string();
        let kind = parent.r#type().map(|t| t.as_str().to_string()).unwrap_or_default();
        let is_root = parent.r#type() == Some(&aws_sdk_organizations::types::ParentType::Root);
        path.push(OrganizationNode { id: id.clone(), kind, ..OrganizationNode::default() });
        if is_root {
            complete = true;
            break;
        }
        child = id;
    }
    path.reverse();
    if !complete {
        unknown.push("path".to_string());
    }

    // The policies attached along the path, each document read once.
    let mut documents: BTreeMap<String, Option<serde_json::Value>> = BTreeMap::new();
    for (field, filter) in [
        ("service_control_policies", aws_sdk_organizations::types::PolicyType::ServiceControlPolicy),
        ("resource_control_policies", aws_sdk_organizations::types::PolicyType::ResourceControlPolicy),
    ] {
        let mut failed = !complete;
        for node in path.iter_mut() {
            let listed = ctx
                .api
                .pages(
                    Op::OrganizationsListPoliciesForTarget,
                    Target::field(REGION, &arn, field),
                    client
                        .list_policies_for_target()
                        .target_id(&node.id)
                        .filter(filter.clone())
                        .into_paginator()
                        .send(),
                    |p| p.policies.unwrap_or_default(),
                )
                .await;
            let Read::Found(summaries) = listed else {
                failed = true;
                break;
            };
            for s in summaries {
                let id = s.id().unwrap_or_default().to_string();
                if !documents.contains_key(&id) {
                    let content = ctx
                        .api
                        .call(
                            Op::OrganizationsDescribePolicy,
                            Target::field(REGION, &arn, field),
                            client.describe_policy().policy_id(&id).send(),
                        )
                        .await
                        .found()
                        .and_then(|d| d.policy)
                        .and_then(|p| p.content)
                        .map(|raw| super::convert::policy_document(&raw).unwrap_or(serde_json::Value::String(raw)));
                    documents.insert(id.clone(), content);
                }
                let Some(document) = documents.get(&id).cloned().flatten() else {
                    failed = true;
                    continue;
                };
                let policy = ControlPolicy {
                    id,
                    arn: s.arn().unwrap_or_default().to_string(),
                    name: s.name().unwrap_or_default().to_string(),
                    aws_managed: s.aws_managed(),
                    document,
                };
                if field == "service_control_policies" {
                    node.service_control_policies.push(policy);
                } else {
                    node.resource_control_policies.push(policy);
                }
            }
        }
        if failed {
            unknown.push(field.to_string());
        }
    }
    organization.path = path;
    let mut r = resource(ctx, arn, OrganizationsAccount { organization: Some(organization) });
    r.unknown = unknown;
    vec![r]
}

fn resource(ctx: &Ctx<'_>, arn: String, config: OrganizationsAccount) -> Resource {
    ctx.resource(
        arn,
        ctx.account.clone(),
        REGION,
        BTreeMap::new(),
        ResourceConfig::OrganizationsAccount(Box::new(config)),
    )
}
