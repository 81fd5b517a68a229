//! CloudWatch Logs actions: retention.

use super::{Prepared, WriteError, Writer, edit, expect_target, param, write_err};
use crate::remediate::plan::Step;
use bbscan_model::Resource;
use serde_json::{Value, json};

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    if kind != "logs.put_retention_policy" {
        return Err(format!("no implementation of {kind}"));
    }
    expect_target(r, "logs.log_group", Some((params, "log_group")))?;
    let days = params.get("retention_in_days").and_then(Value::as_i64).unwrap_or(0);
    let (changes, after) = edit(r, vec![("/config/retention_in_days".into(), json!(days))])?;
    let was = changes.first().and_then(|c| c.current.as_i64());
    // Shortening deletes events: rollback restores the setting, not what was deleted.
    let (risk, reversible) = match was {
        Some(before) if before > days => {
            (format!("Log events older than {days} days are deleted (they were kept {before} days)."), false)
        }
        None => (format!("Log events older than {days} days are deleted (they were kept forever)."), false),
        Some(_) => ("Logs are kept longer: more storage cost.".to_string(), true),
    };
    Ok(Prepared { changes, risks: vec![risk], reversible, after })
}

fn client(w: &Writer<'_>, step: &Step) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&w.config(&step.region))
}

async fn set(w: &Writer<'_>, step: &Step, days: Option<i64>) -> Result<(), WriteError> {
    let group = param(&step.params, "log_group");
    match days {
        Some(days) => {
            client(w, step)
                .put_retention_policy()
                .log_group_name(group)
                .retention_in_days(days as i32)
                .send()
                .await
                .map_err(write_err("logs:PutRetentionPolicy"))?;
        }
        None => {
            client(w, step)
                .delete_retention_policy()
                .log_group_name(group)
                .send()
                .await
                .map_err(write_err("logs:DeleteRetentionPolicy"))?;
        }
    }
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    set(w, step, step.params.get("retention_in_days").and_then(Value::as_i64)).await
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    set(w, step, prior.pointer("/config/retention_in_days").and_then(Value::as_i64)).await
}
