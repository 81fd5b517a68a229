//! Built-in policy: IAM least privilege and identities.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource};

pub struct Iam;

impl Policy for Iam {
    fn info() -> PolicyInfo {
        PolicyInfo { name: "bbscan-iam".into(), version: env!("CARGO_PKG_VERSION").into(), rules: vec![] }
    }

    fn evaluate(_ctx: &Context<'_>, _resources: &[Resource], _report: &mut Report) -> Result<(), String> {
        Ok(())
    }
}

bbscan_policy::export_policy!(Iam);
