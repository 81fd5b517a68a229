//! KMS actions: automatic key rotation.

use super::{Prepared, WriteError, Writer, edit, expect_target, param, require_known, write_err};
use crate::remediate::plan::Step;
use bbscan_model::Resource;
use serde_json::{Value, json};

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    if kind != "kms.enable_key_rotation" {
        return Err(format!("no implementation of {kind}"));
    }
    expect_target(r, "kms.key", None)?;
    require_known(r, "rotation_enabled")?;
    let key = param(params, "key_id");
    if key != r.name && key != r.arn {
        return Err(format!("parameter key_id is {key:?}, but the finding's key is {}", r.name));
    }
    let (changes, after) = edit(r, vec![("/config/rotation_enabled".into(), json!(true))])?;
    let risks = vec!["KMS makes new key material every year; old material stays to decrypt old data.".into()];
    Ok(Prepared { changes, risks, reversible: true, after })
}

async fn set(w: &Writer<'_>, step: &Step, on: bool) -> Result<(), WriteError> {
    let client = aws_sdk_kms::Client::new(&w.config(&step.region));
    let key = param(&step.params, "key_id");
    if on {
        client.enable_key_rotation().key_id(key).send().await.map_err(write_err("kms:EnableKeyRotation"))?;
    } else {
        client.disable_key_rotation().key_id(key).send().await.map_err(write_err("kms:DisableKeyRotation"))?;
    }
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    set(w, step, true).await
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    set(w, step, prior.pointer("/config/rotation_enabled").and_then(Value::as_bool).unwrap_or(false)).await
}
