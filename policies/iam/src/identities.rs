//! The hygiene of identities: users' policies, keys and MFA, the root user, the password
//! policy, and roles nobody uses.

use crate::Settings;
use crate::grants::Reported;
use crate::rules::*;
use bbscan_policy::model::{IamAccount, IamRole, IamUser, ResourceConfig};
use bbscan_policy::{Context, Report, Resource};

fn direct_policy(reported: &Reported, r: &Resource, user: &IamUser, report: &mut Report) {
    let (mut names, mut evidence) = (Vec::new(), Vec::new());
    let mut reported_elsewhere = false;
    if r.is_known("attached_policies") {
        let admin = reported.admin_attachments.get(&r.arn).cloned().unwrap_or_default();
        for (i, a) in user.attached_policies.iter().enumerate() {
            if admin.contains(&i) {
                // ADMIN_POLICY_ATTACHED reports it, with the detach action.
                reported_elsewhere = true;
                continue;
            }
            names.push(format!("managed policy {}", a.name));
            evidence.push(format!("/config/attached_policies/{i}"));
        }
    }
    if r.is_known("inline_policies") {
        let full_admin = reported.full_admin_inline.get(&r.arn).cloned().unwrap_or_default();
        for (i, p) in user.inline_policies.iter().enumerate() {
            if full_admin.contains(&i) {
                // POLICY_FULL_ADMIN reports it.
                reported_elsewhere = true;
                continue;
            }
            names.push(format!("inline policy {}", p.name));
            evidence.push(format!("/config/inline_policies/{i}"));
        }
    }
    if !names.is_empty() {
        let finding = report.fail(
            USER_DIRECT_POLICY,
            r,
            format!("user {} has policies of its own instead of through a group: {}", r.name, names.join(", ")),
        );
        for e in &evidence {
            finding.evidence(e);
        }
    } else if r.is_known("attached_policies") && r.is_known("inline_policies") && !reported_elsewhere {
        report.pass(USER_DIRECT_POLICY);
    }
}

fn access_keys(ctx: &Context<'_>, settings: &Settings, r: &Resource, user: &IamUser, report: &mut Report) {
    if !r.is_known("access_keys") {
        return;
    }
    let active: Vec<(usize, &bbscan_policy::model::AccessKey)> =
        user.access_keys.iter().enumerate().filter(|(_, k)| k.status.eq_ignore_ascii_case("Active")).collect();

    // Rotation: age since creation.
    let (mut judged, mut old, mut evidence) = (false, Vec::new(), Vec::new());
    for (i, k) in &active {
        let Some(age) = k.create_date.as_deref().and_then(|d| ctx.days_since(d)) else { continue };
        judged = true;
        if age > settings.max_access_key_age_days {
            old.push(format!("{} created {age} days ago", k.access_key_id));
            evidence.push(format!("/config/access_keys/{i}/create_date"));
        }
    }
    if !old.is_empty() {
        let finding = report.fail(
            ACCESS_KEY_ROTATION,
            r,
            format!(
                "user {} has active access keys older than {} days: {}",
                r.name,
                settings.max_access_key_age_days,
                old.join(", ")
            ),
        );
        for e in &evidence {
            finding.evidence(e);
        }
    } else if judged {
        report.pass(ACCESS_KEY_ROTATION);
    }

    // Unused: since last use, or since creation when never used.
    if r.is_known("access_keys.last_used") {
        let (mut judged, mut unused, mut evidence) = (false, Vec::new(), Vec::new());
        for (i, k) in &active {
            let (since, what, field) = match &k.last_used_date {
                Some(d) => (ctx.days_since(d), "last used", "last_used_date"),
                None => {
                    (k.create_date.as_deref().and_then(|d| ctx.days_since(d)), "never used, created", "create_date")
                }
            };
            let Some(days) = since else { continue };
            judged = true;
            if days > settings.max_access_key_unused_days {
                unused.push(format!("{} {what} {days} days ago", k.access_key_id));
                evidence.push(format!("/config/access_keys/{i}/{field}"));
            }
        }
        if !unused.is_empty() {
            let finding = report.fail(
                ACCESS_KEY_UNUSED,
                r,
                format!(
                    "user {} has active access keys unused for more than {} days: {}",
                    r.name,
                    settings.max_access_key_unused_days,
                    unused.join(", ")
                ),
            );
            for e in &evidence {
                finding.evidence(e);
            }
        } else if judged {
            report.pass(ACCESS_KEY_UNUSED);
        }
    }

    if active.len() > 1 {
        let ids: Vec<&str> = active.iter().map(|(_, k)| k.access_key_id.as_str()).collect();
        let finding = report.fail(
            USER_MULTIPLE_ACCESS_KEYS,
            r,
            format!("user {} has {} active access keys: {}", r.name, active.len(), ids.join(", ")),
        );
        for (i, _) in &active {
            finding.evidence(&format!("/config/access_keys/{i}/status"));
        }
    } else {
        report.pass(USER_MULTIPLE_ACCESS_KEYS);
    }
}

fn console_mfa(r: &Resource, user: &IamUser, report: &mut Report) {
    if !r.is_known("login_profile") || !r.is_known("mfa_devices") || user.login_profile.is_none() {
        return;
    }
    if user.mfa_devices.is_empty() {
        report
            .fail(USER_CONSOLE_NO_MFA, r, format!("user {} has a console password and no MFA device", r.name))
            .evidence("/config/login_profile")
            .evidence("/config/mfa_devices");
    } else {
        report.pass(USER_CONSOLE_NO_MFA);
    }
}

fn account(settings: &Settings, r: &Resource, account: &IamAccount, report: &mut Report) {
    let summary_known = r.is_known("summary");
    if summary_known && r.is_known("root_mfa_enabled") {
        match account.root_mfa_enabled {
            Some(false) => {
                report
                    .fail(ROOT_MFA, r, format!("the root user of account {} has no MFA device", r.account))
                    .evidence("/config/root_mfa_enabled");
            }
            Some(true) => report.pass(ROOT_MFA),
            None => {}
        }
    }
    if summary_known && r.is_known("root_access_keys_present") {
        match account.root_access_keys_present {
            Some(true) => {
                report
                    .fail(ROOT_ACCESS_KEYS, r, format!("the root user of account {} has access keys", r.account))
                    .evidence("/config/root_access_keys_present");
            }
            Some(false) => report.pass(ROOT_ACCESS_KEYS),
            None => {}
        }
    }
    if r.is_known("password_policy") {
        password_policy(settings, r, account, report);
    }
}

fn password_policy(settings: &Settings, r: &Resource, account: &IamAccount, report: &mut Report) {
    let Some(p) = &account.password_policy else {
        report
            .fail(
                PASSWORD_POLICY,
                r,
                format!(
                    "account {} has no password policy: IAM users may set passwords of 8 characters and reuse them",
                    r.account
                ),
            )
            .evidence("/config/password_policy");
        return;
    };
    let (mut problems, mut evidence) = (Vec::new(), Vec::new());
    let length = p.minimum_password_length.map_or(0, i64::from);
    if length < settings.min_password_length {
        problems.push(format!("minimum length {length} (needs {})", settings.min_password_length));
        evidence.push("/config/password_policy/minimum_password_length");
    }
    let reuse = p.password_reuse_prevention.map_or(0, i64::from);
    if reuse < settings.password_reuse_prevention {
        problems.push(if reuse == 0 {
            format!("no password reuse prevention (needs {})", settings.password_reuse_prevention)
        } else {
            format!("remembers {reuse} passwords (needs {})", settings.password_reuse_prevention)
        });
        evidence.push("/config/password_policy/password_reuse_prevention");
    }
    if problems.is_empty() {
        report.pass(PASSWORD_POLICY);
        return;
    }
    let advice: Vec<&str> = [
        (p.require_symbols, "symbols"),
        (p.require_numbers, "numbers"),
        (p.require_uppercase_characters, "uppercase"),
        (p.require_lowercase_characters, "lowercase"),
    ]
    .into_iter()
    .filter(|(on, _)| !on)
    .map(|(_, what)| what)
    .collect();
    let mut message = format!("account {} password policy is weaker than CIS: {}", r.account, problems.join(", "));
    if !advice.is_empty() {
        message.push_str(&format!(" (advice, not required by CIS v3: also require {})", advice.join(", ")));
    }
    let finding = report.fail(PASSWORD_POLICY, r, message);
    for e in evidence {
        finding.evidence(e);
    }
}

fn role_unused(ctx: &Context<'_>, settings: &Settings, r: &Resource, role: &IamRole, report: &mut Report) {
    if role.path.starts_with("/aws-service-role/") || !r.is_known("last_used") {
        return;
    }
    let max = settings.max_role_unused_days;
    let (days, message, pointer) = match role.last_used.as_ref().and_then(|u| u.date.as_deref()) {
        Some(date) => {
            let Some(days) = ctx.days_since(date) else { return };
            (days, format!("role {} was last used {days} days ago (allowed: {max})", r.name), "/config/last_used")
        }
        None => {
            let Some(days) = role.create_date.as_deref().and_then(|d| ctx.days_since(d)) else { return };
            (
                days,
                format!("role {} has never been used since it was created {days} days ago (allowed: {max})", r.name),
                "/config/create_date",
            )
        }
    };
    if days > max {
        report.fail(ROLE_UNUSED, r, message).evidence(pointer);
    } else {
        report.pass(ROLE_UNUSED);
    }
}

pub(crate) fn evaluate(
    ctx: &Context<'_>,
    settings: &Settings,
    reported: &Reported,
    resources: &[Resource],
    report: &mut Report,
) {
    for r in resources {
        match &r.config {
            ResourceConfig::IamUser(user) => {
                direct_policy(reported, r, user, report);
                access_keys(ctx, settings, r, user, report);
                console_mfa(r, user, report);
            }
            ResourceConfig::IamAccount(a) => account(settings, r, a, report),
            // CloudTrail's account of the role (UNUSED_PRINCIPAL) supersedes IAM's last-used date.
            ResourceConfig::IamRole(_) if reported.usage_judged_roles.contains(&r.arn) => {}
            ResourceConfig::IamRole(role) => role_unused(ctx, settings, r, role, report),
            _ => {}
        }
    }
}
