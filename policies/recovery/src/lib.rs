//! Built-in policy: encryption keys, backups and recovery.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource};

pub struct Recovery;

impl Policy for Recovery {
    fn info() -> PolicyInfo {
        PolicyInfo { name: "bbscan-recovery".into(), version: env!("CARGO_PKG_VERSION").into(), rules: vec![] }
    }

    fn evaluate(_ctx: &Context<'_>, _resources: &[Resource], _report: &mut Report) -> Result<(), String> {
        Ok(())
    }
}

bbscan_policy::export_policy!(Recovery);
