//! Built-in policy: cost allocation tags.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource};

pub struct Tags;

impl Policy for Tags {
    fn info() -> PolicyInfo {
        PolicyInfo { name: "bbscan-tags".into(), version: env!("CARGO_PKG_VERSION").into(), rules: vec![] }
    }

    fn evaluate(_ctx: &Context<'_>, _resources: &[Resource], _report: &mut Report) -> Result<(), String> {
        Ok(())
    }
}

bbscan_policy::export_policy!(Tags);
