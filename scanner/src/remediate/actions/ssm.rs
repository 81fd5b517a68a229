//! SSM actions: a `String` parameter that holds a secret rewritten as a `SecureString`. The
//! value is read and written inside the step only: it is never planned, journaled, printed or
//! logged, and an error never carries it.

use super::{Prepared, WriteError, Writer, edit, expect_target, param, write_err};
use crate::remediate::plan::Step;
use aws_sdk_ssm::types::ParameterType;
use bbscan_model::Resource;
use serde_json::{Value, json};

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    if kind != "ssm.convert_to_secure_string" {
        return Err(format!("no implementation of {kind}"));
    }
    expect_target(r, "ssm.parameter", Some((params, "name")))?;
    let (changes, after) = edit(r, vec![("/config/parameter_type".into(), json!("SecureString"))])?;
    if changes.first().is_some_and(|c| c.current != json!("String")) {
        return Err(format!("{} is not a String parameter", r.name));
    }
    let risks = vec![
        "Readers must ask for decryption (WithDecryption) and need kms:Decrypt on the AWS-managed key alias/aws/ssm."
            .into(),
        "The parameter gets a new version; the value itself is read and rewritten inside the step only.".into(),
    ];
    Ok(Prepared { changes, risks, reversible: true, after })
}

/// Rewrite the parameter with its own value as `to`.
async fn retype(w: &Writer<'_>, step: &Step, to: ParameterType) -> Result<(), WriteError> {
    let client = aws_sdk_ssm::Client::new(&w.config(&step.region));
    let name = param(&step.params, "name");
    let read =
        client.get_parameter().name(name).with_decryption(true).send().await.map_err(write_err("ssm:GetParameter"))?;
    let parameter =
        read.parameter.ok_or(WriteError { operation: "ssm:GetParameter", message: "no parameter".into() })?;
    // Held only here; dropped when the step ends.
    let value = parameter.value.unwrap_or_default();
    client
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(to)
        .overwrite(true)
        .send()
        .await
        .map_err(write_err("ssm:PutParameter"))?;
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    retype(w, step, ParameterType::SecureString).await
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    let was = prior.pointer("/config/parameter_type").and_then(Value::as_str).unwrap_or("String");
    retype(w, step, ParameterType::from(was)).await
}
