//! Built-in policy: Lambda functions.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource};

pub struct Lambda;

impl Policy for Lambda {
    fn info() -> PolicyInfo {
        PolicyInfo { name: "bbscan-lambda".into(), version: env!("CARGO_PKG_VERSION").into(), rules: vec![] }
    }

    fn evaluate(_ctx: &Context<'_>, _resources: &[Resource], _report: &mut Report) -> Result<(), String> {
        Ok(())
    }
}

bbscan_policy::export_policy!(Lambda);
