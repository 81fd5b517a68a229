//! Who role trust policies let in: GitHub Actions through OIDC, anyone, other accounts.

use crate::Settings;
use crate::rules::*;
use bbscan_policy::iam::{self, Condition, Effect, Statement};
use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{Report, Resource, json};

const GITHUB_HOST: &str = "token.actions.githubusercontent.com";
const GITHUB_AUD: &str = "token.actions.githubusercontent.com:aud";
const GITHUB_SUB: &str = "token.actions.githubusercontent.com:sub";
const GITHUB_PINS: &[&str] =
    &["token.actions.githubusercontent.com:job_workflow_ref", "token.actions.githubusercontent.com:ref"];
const AUDIENCE: &str = "sts.amazonaws.com";

/// Condition keys that limit who may use a `*` principal.
const LIMITING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "sts:ExternalId",
];

/// How well a GitHub OIDC trust statement is pinned; ordered from worst to best.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pin {
    Unpinned(String),
    WildcardRepo(String),
    AnyRef(String),
    Pinned,
}

/// Whether a condition holds only when its key is present: no `ForAllValues` (true when the
/// key is absent) and no `IfExists`.
fn effective(c: &Condition) -> bool {
    c.set_qualifier().is_none_or(|q| !q.eq_ignore_ascii_case("ForAllValues")) && !c.if_exists()
}

/// A positive string match (`StringEquals`, `StringLike`, `StringEqualsIgnoreCase`).
fn positive_string(c: &Condition) -> bool {
    ["StringEquals", "StringLike", "StringEqualsIgnoreCase"].iter().any(|op| c.base_operator().eq_ignore_ascii_case(op))
}

fn is_like(c: &Condition) -> bool {
    c.base_operator().eq_ignore_ascii_case("StringLike")
}

fn has_wildcard(v: &str) -> bool {
    v.contains(['*', '?'])
}

fn is_github(s: &Statement) -> bool {
    s.effect == Effect::Allow
        && s.covers_action("sts:AssumeRoleWithWebIdentity")
        && s.principal
            .as_ref()
            .is_some_and(|p| p.federated.iter().any(|f| f.to_ascii_lowercase().ends_with(GITHUB_HOST)))
}

/// How one `sub` value pins the caller.
fn pin_of_value(value: &str, like: bool) -> Pin {
    if !like {
        // An exact subject can only ever match itself.
        return Pin::Pinned;
    }
    if value.chars().all(|c| c == '*') {
        return Pin::Unpinned(format!("its sub condition StringLike {value:?} matches every repository"));
    }
    let Some(rest) = value.get(..5).filter(|p| p.eq_ignore_ascii_case("repo:")).and_then(|_| value.get(5..)) else {
        return if has_wildcard(value) {
            Pin::WildcardRepo(format!("its sub {value:?} does not name a repository"))
        } else {
            Pin::Pinned
        };
    };
    let (repository, context) = match rest.split_once(':') {
        Some((repo, context)) => (repo, Some(context)),
        None => (rest, None),
    };
    if has_wildcard(repository) {
        return Pin::WildcardRepo(format!("its sub {value:?} has a wildcard in the owner or repository"));
    }
    match context {
        Some(context) if has_wildcard(context) => Pin::AnyRef(format!(
            "its sub {value:?} allows any branch, tag, pull request or environment of {repository}"
        )),
        _ => Pin::Pinned,
    }
}

fn pin_of_statement(s: &Statement) -> Pin {
    let aud_ok = s
        .conditions_on(GITHUB_AUD)
        .any(|c| effective(c) && positive_string(c) && !c.values.is_empty() && c.values.iter().all(|v| v == AUDIENCE));
    if !aud_ok {
        return Pin::Unpinned(format!("it has no {GITHUB_AUD} condition equal to {AUDIENCE}"));
    }
    let subs: Vec<&Condition> = s.conditions_on(GITHUB_SUB).collect();
    if subs.is_empty() {
        return Pin::Unpinned(format!("it checks only the audience, no {GITHUB_SUB} condition"));
    }
    // Conditions are ANDed: the most restrictive sub condition decides; its values are ORed:
    // the least restrictive value decides.
    let best = subs
        .iter()
        .map(|c| {
            if !effective(c) {
                Pin::Unpinned(format!("its sub condition uses {}, which is true when the claim is absent", c.operator))
            } else if !positive_string(c) {
                Pin::Unpinned(format!("its sub condition uses {}, which matches other repositories", c.operator))
            } else {
                c.values
                    .iter()
                    .map(|v| pin_of_value(v, is_like(c)))
                    .min()
                    .unwrap_or_else(|| Pin::Unpinned("its sub condition has no value".into()))
            }
        })
        .max()
        .unwrap_or_else(|| Pin::Unpinned("no sub condition".into()));
    if matches!(best, Pin::AnyRef(_)) {
        let pinned_elsewhere = GITHUB_PINS.iter().any(|key| {
            s.conditions_on(key).any(|c| {
                effective(c) && positive_string(c) && !c.values.is_empty() && !c.values.iter().any(|v| v.contains('*'))
            })
        });
        if pinned_elsewhere {
            return Pin::Pinned;
        }
    }
    best
}

fn github_oidc(settings: &Settings, r: &Resource, statements: &[Statement], report: &mut Report) {
    let github: Vec<&Statement> = statements.iter().filter(|s| is_github(s)).collect();
    let Some((worst, s)) = github.iter().map(|s| (pin_of_statement(s), *s)).min_by(|a, b| a.0.cmp(&b.0)) else {
        return;
    };
    let (rule, reason, impact) = match worst {
        Pin::Unpinned(reason) => (OIDC_TRUST_UNPINNED, reason, "any GitHub repository's workflow can assume it"),
        Pin::WildcardRepo(reason) => {
            report.pass(OIDC_TRUST_UNPINNED);
            (OIDC_TRUST_WILDCARD_REPO, reason, "workflows of other repositories can assume it")
        }
        Pin::AnyRef(reason) => {
            report.pass(OIDC_TRUST_UNPINNED);
            report.pass(OIDC_TRUST_WILDCARD_REPO);
            (OIDC_TRUST_ANY_REF, reason, "a workflow on any branch can assume it")
        }
        Pin::Pinned => {
            report.pass(OIDC_TRUST_UNPINNED);
            report.pass(OIDC_TRUST_WILDCARD_REPO);
            report.pass(OIDC_TRUST_ANY_REF);
            return;
        }
    };
    let finding = report.fail(
        rule,
        r,
        format!(
            "role {} trusts GitHub Actions ({} of its trust policy) but {reason}: {impact}",
            r.name,
            s.pointer.trim_start_matches('/')
        ),
    );
    finding.evidence(&format!("/config/trust_policy{}", s.pointer));
    if let Some(repository) = &settings.github_repository {
        let subjects: Vec<String> =
            settings.github_subjects.iter().map(|t| t.replace("{repository}", repository)).collect();
        finding.action(
            "iam.restrict_github_oidc_trust",
            1,
            json!({"role": r.name, "audience": AUDIENCE, "subjects": subjects}),
        );
    }
}

fn limits_who(s: &Statement) -> bool {
    LIMITING_KEYS.iter().any(|key| {
        s.conditions_on(key).any(|c| {
            let op = c.base_operator().to_ascii_lowercase();
            effective(c)
                && !op.contains("not")
                && !c.values.is_empty()
                && !c.values.iter().all(|v| v.chars().all(|ch| ch == '*'))
        })
    })
}

fn any_principal(r: &Resource, statements: &[Statement], report: &mut Report) {
    let open: Vec<&Statement> = statements.iter().filter(|s| s.grants_anyone() && !limits_who(s)).collect();
    if open.is_empty() {
        report.pass(TRUST_ANY_PRINCIPAL);
        return;
    }
    let places: Vec<&str> = open.iter().map(|s| s.pointer.trim_start_matches('/')).collect();
    let finding = report.fail(
        TRUST_ANY_PRINCIPAL,
        r,
        format!(
            "role {} trusts any principal ({} of its trust policy) with no condition on the caller's \
             organisation, account, ARN, source or external id: any AWS account can assume it",
            r.name,
            places.join(", ")
        ),
    );
    for s in open {
        finding.evidence(&format!("/config/trust_policy{}", s.pointer));
    }
}

/// The account of an AWS principal: `123456789012` or an IAM/STS ARN; `None` for unique ids.
fn account_of(principal: &str) -> Option<&str> {
    let account = if principal.starts_with("arn:") { principal.split(':').nth(4)? } else { principal };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

fn has_external_id(s: &Statement) -> bool {
    s.conditions_on("sts:ExternalId")
        .any(|c| effective(c) && c.base_operator().eq_ignore_ascii_case("StringEquals") && !c.values.is_empty())
}

fn cross_account(settings: &Settings, r: &Resource, statements: &[Statement], report: &mut Report) {
    let mut judged = false;
    let mut missing = Vec::new();
    for s in statements {
        // Trust to anyone is TRUST_ANY_PRINCIPAL's.
        if s.effect != Effect::Allow || s.grants_anyone() {
            continue;
        }
        let Some(p) = &s.principal else { continue };
        let foreign: Vec<&str> = p
            .aws
            .iter()
            .filter(|a| {
                account_of(a)
                    .is_some_and(|acct| acct != r.account && !settings.trusted_accounts.iter().any(|t| t == acct))
            })
            .map(String::as_str)
            .collect();
        if foreign.is_empty() {
            continue;
        }
        judged = true;
        if !has_external_id(s) {
            missing.push((s, foreign));
        }
    }
    if !judged {
        return;
    }
    if missing.is_empty() {
        report.pass(TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID);
        return;
    }
    let described: Vec<String> =
        missing.iter().map(|(s, who)| format!("{} ({})", who.join(", "), s.pointer.trim_start_matches('/'))).collect();
    let finding = report.fail(
        TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID,
        r,
        format!(
            "role {} trusts another account without a StringEquals sts:ExternalId condition: {}",
            r.name,
            described.join("; ")
        ),
    );
    for (s, _) in &missing {
        finding.evidence(&format!("/config/trust_policy{}", s.pointer));
    }
}

pub(crate) fn evaluate(settings: &Settings, resources: &[Resource], report: &mut Report) {
    for r in resources {
        let ResourceConfig::IamRole(role) = &r.config else { continue };
        if !r.is_known("trust_policy") || !role.trust_policy.is_object() {
            continue;
        }
        let statements = iam::statements(&role.trust_policy);
        github_oidc(settings, r, &statements, report);
        any_principal(r, &statements, report);
        cross_account(settings, r, &statements, report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_values() {
        assert_eq!(pin_of_value("repo:o/r:*", false), Pin::Pinned);
        assert!(matches!(pin_of_value("*", true), Pin::Unpinned(_)));
        assert!(matches!(pin_of_value("repo:*", true), Pin::WildcardRepo(_)));
        assert!(matches!(pin_of_value("repo:o/*", true), Pin::WildcardRepo(_)));
        assert!(matches!(pin_of_value("repo:*/r:*", true), Pin::WildcardRepo(_)));
        assert!(matches!(pin_of_value("*:ref:refs/heads/main", true), Pin::WildcardRepo(_)));
        assert!(matches!(pin_of_value("repo:o/r:*", true), Pin::AnyRef(_)));
        assert!(matches!(pin_of_value("REPO:o/r:ref:refs/heads/*", true), Pin::AnyRef(_)));
        assert_eq!(pin_of_value("repo:o/r:ref:refs/heads/main", true), Pin::Pinned);
        assert_eq!(pin_of_value("repo:o/r:environment:production", true), Pin::Pinned);
    }

    #[test]
    fn accounts_of_principals() {
        assert_eq!(account_of("arn:aws:iam::210987654321:root"), Some("210987654321"));
        assert_eq!(account_of("210987654321"), Some("210987654321"));
        assert_eq!(account_of("arn:aws:sts::210987654321:assumed-role/x/y"), Some("210987654321"));
        assert_eq!(account_of("AROAEXAMPLEID"), None);
    }
}
