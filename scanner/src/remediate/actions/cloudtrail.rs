//! CloudTrail actions: log file validation, multi-region, logging on.

use super::{Prepared, WriteError, Writer, edit, expect_target, param, require_known, write_err};
use crate::remediate::plan::Step;
use bbscan_model::Resource;
use serde_json::{Value, json};

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    expect_target(r, "cloudtrail.trail", None)?;
    let trail = param(params, "trail");
    if trail != r.name && trail != r.arn {
        return Err(format!("parameter trail is {trail:?}, but the finding's trail is {}", r.name));
    }
    let (field, risk) = match kind {
        "cloudtrail.enable_log_file_validation" => (
            "/config/log_file_validation_enabled",
            "CloudTrail writes a signed digest file every hour (a little S3 storage).",
        ),
        "cloudtrail.enable_multi_region" => (
            "/config/is_multi_region_trail",
            "The trail records every region's events: more log volume and storage cost.",
        ),
        "cloudtrail.start_logging" => {
            require_known(r, "status")?;
            if super::document(r).pointer("/config/status").is_none_or(Value::is_null) {
                return Err(format!("the status of trail {} was not read", r.name));
            }
            ("/config/status/is_logging", "Events are delivered to the trail's bucket again (storage cost).")
        }
        other => return Err(format!("no implementation of {other}")),
    };
    let (changes, after) = edit(r, vec![(field.to_string(), json!(true))])?;
    Ok(Prepared { changes, risks: vec![risk.to_string()], reversible: true, after })
}

fn client(w: &Writer<'_>, step: &Step) -> aws_sdk_cloudtrail::Client {
    aws_sdk_cloudtrail::Client::new(&w.config(&step.region))
}

async fn set(w: &Writer<'_>, step: &Step, on: bool) -> Result<(), WriteError> {
    let name = param(&step.params, "trail");
    let c = client(w, step);
    match step.action.as_str() {
        "cloudtrail.enable_log_file_validation" => {
            c.update_trail()
                .name(name)
                .enable_log_file_validation(on)
                .send()
                .await
                .map_err(write_err("cloudtrail:UpdateTrail"))?;
        }
        "cloudtrail.enable_multi_region" => {
            c.update_trail()
                .name(name)
                .is_multi_region_trail(on)
                .send()
                .await
                .map_err(write_err("cloudtrail:UpdateTrail"))?;
        }
        "cloudtrail.start_logging" if on => {
            c.start_logging().name(name).send().await.map_err(write_err("cloudtrail:StartLogging"))?;
        }
        "cloudtrail.start_logging" => {
            c.stop_logging().name(name).send().await.map_err(write_err("cloudtrail:StopLogging"))?;
        }
        other => return Err(WriteError { operation: "apply", message: format!("no implementation of {other}") }),
    }
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    set(w, step, true).await
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    let field = step.changes.first().map(|c| c.field.as_str()).unwrap_or_default();
    let was = prior.pointer(field).and_then(Value::as_bool).unwrap_or(false);
    set(w, step, was).await
}
