//! Built-in policy: audit logging and monitoring.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource};

pub struct Logging;

impl Policy for Logging {
    fn info() -> PolicyInfo {
        PolicyInfo { name: "bbscan-logging".into(), version: env!("CARGO_PKG_VERSION").into(), rules: vec![] }
    }

    fn evaluate(_ctx: &Context<'_>, _resources: &[Resource], _report: &mut Report) -> Result<(), String> {
        Ok(())
    }
}

bbscan_policy::export_policy!(Logging);
