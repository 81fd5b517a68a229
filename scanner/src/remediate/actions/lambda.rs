//! lambda actions (not implemented yet: plans refuse them with a reason).

use super::{Prepared, WriteError, Writer};
use crate::remediate::plan::Step;
use bbscan_model::Resource;
use serde_json::Value;

pub fn prepare(kind: &str, _r: &Resource, _params: &Value) -> Result<Prepared, String> {
    Err(format!("{kind} is not implemented yet"))
}

pub async fn write(_w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    Err(WriteError { operation: "apply", message: format!("{} is not implemented yet", step.action) })
}

pub async fn restore(_w: &Writer<'_>, step: &Step, _prior: &Value) -> Result<(), WriteError> {
    Err(WriteError { operation: "rollback", message: format!("{} is not implemented yet", step.action) })
}
