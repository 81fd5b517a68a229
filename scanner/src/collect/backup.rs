//! AWS Backup: plans (rules and selections) and vaults.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, tags};
use crate::scope::Early;
use aws_sdk_backup::Client;
use bbscan_model::*;
use serde_json::json;
use std::collections::BTreeMap;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let (plans, vaults) = futures::join!(plans(ctx, &client, region), vaults(ctx, &client, region));
    plans.into_iter().chain(vaults).collect()
}

async fn resource_tags(
    ctx: &Ctx<'_>,
    client: &Client,
    region: &str,
    arn: &str,
    unknown: &mut Vec<String>,
) -> BTreeMap<String, String> {
    ctx.api
        .call(Op::BackupListTags, Target::field(region, arn, "tags"), client.list_tags().resource_arn(arn).send())
        .await
        .or_note("tags", unknown)
        .map(|t| tags(t.tags.unwrap_or_default()))
        .unwrap_or_default()
}

async fn plans(ctx: &Ctx<'_>, client: &Client, region: &str) -> Vec<Resource> {
    let stream = client.list_backup_plans().into_paginator().send();
    let Read::Found(plans) = ctx
        .api
        .pages(Op::BackupListBackupPlans, Target::region(region), stream, |p| p.backup_plans_list.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(plans.into_iter().map(|p| async move {
        let arn = p.backup_plan_arn()?.to_string();
        let id = p.backup_plan_id()?.to_string();
        let mut unknown = Vec::new();
        let tags = resource_tags(ctx, client, region, &arn, &mut unknown).await;
        if ctx.scope.early(&tags) == Early::Drop {
            return None;
        }
        let (plan, selections) = futures::join!(
            ctx.api.call(Op::BackupGetBackupPlan, Target::field(region, &arn, "rules"), client.get_backup_plan().backup_plan_id(&id).send()),
            ctx.api.pages(
                Op::BackupListBackupSelections,
                Target::field(region, &arn, "selections"),
                client.list_backup_selections().backup_plan_id(&id).into_paginator().send(),
                |p| p.backup_selections_list.unwrap_or_default(),
            ),
        );
        let rules = plan
            .or_note("rules", &mut unknown)
            .and_then(|p| p.backup_plan)
            .map(|plan| {
                plan.rules()
                    .iter()
                    .map(|r| BackupRule {
                        name: r.rule_name().to_string(),
                        target_vault: r.target_backup_vault_name().to_string(),
                        schedule_expression: non_empty(r.schedule_expression()),
                        delete_after_days: r.lifecycle().and_then(|l| l.delete_after_days()),
                        move_to_cold_storage_after_days: r.lifecycle().and_then(|l| l.move_to_cold_storage_after_days()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let selections = selections
            .or_note("selections", &mut unknown)
            .unwrap_or_default()
            .iter()
            .map(|s| json!({"selection_id": s.selection_id(), "selection_name": s.selection_name(), "iam_role_arn": s.iam_role_arn()}))
            .collect();
        let config = BackupPlan {
            plan_id: id,
            version_id: non_empty(p.version_id()),
            creation_date: opt_ts(p.creation_date()),
            last_execution_date: opt_ts(p.last_execution_date()),
            rules,
            selections,
        };
        let name = p.backup_plan_name().unwrap_or_default().to_string();
        let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::BackupPlan(config));
        r.unknown = unknown;
        Some(r)
    }))
    .await;
    found.into_iter().flatten().collect()
}

async fn vaults(ctx: &Ctx<'_>, client: &Client, region: &str) -> Vec<Resource> {
    let stream = client.list_backup_vaults().into_paginator().send();
    let Read::Found(vaults) = ctx
        .api
        .pages(Op::BackupListBackupVaults, Target::region(region), stream, |p| p.backup_vault_list.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(vaults.into_iter().map(|v| async move {
        let arn = v.backup_vault_arn()?.to_string();
        let mut unknown = Vec::new();
        let tags = resource_tags(ctx, client, region, &arn, &mut unknown).await;
        if ctx.scope.early(&tags) == Early::Drop {
            return None;
        }
        let config = BackupVault {
            creation_date: opt_ts(v.creation_date()),
            encryption_key_arn: non_empty(v.encryption_key_arn()),
            number_of_recovery_points: v.number_of_recovery_points(),
            locked: v.locked(),
            min_retention_days: v.min_retention_days(),
            max_retention_days: v.max_retention_days(),
        };
        let name = v.backup_vault_name().unwrap_or_default().to_string();
        let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::BackupVault(config));
        r.unknown = unknown;
        Some(r)
    }))
    .await;
    found.into_iter().flatten().collect()
}
