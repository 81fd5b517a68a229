//! Who role trust policies let in: GitHub Actions through OIDC, anyone, other accounts.

use crate::Settings;
use crate::rules::*;
use bbscan_policy::iam::account::Account;
use bbscan_policy::iam::{
    Condition, Context, Effect, Policies, Policy, Principal, Request, Source, Statement, evaluate as decide,
};
use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{Report, Resource, json};

const GITHUB_HOST: &str = "token.actions.githubusercontent.com";
const GITHUB_AUD: &str = "token.actions.githubusercontent.com:aud";
const GITHUB_SUB: &str = "token.actions.githubusercontent.com:sub";
const GITHUB_PINS: &[&str] =
    &["token.actions.githubusercontent.com:job_workflow_ref", "token.actions.githubusercontent.com:ref"];
const AUDIENCE: &str = "sts.amazonaws.com";

/// How well a GitHub OIDC trust statement is pinned; ordered from worst to best.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pin {
    Unpinned(String),
    WildcardRepo(String),
    AnyRef(String),
    /// The subject is pinned but the audience is not checked: STS still checks the token's
    /// audience against the provider's client ids, so this is hygiene (low severity).
    NoAudience(String),
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
    let subs: Vec<&Condition> = s.conditions_on(GITHUB_SUB).collect();
    if subs.is_empty() {
        return Pin::Unpinned(if aud_ok {
            format!("it checks only the audience, no {GITHUB_SUB} condition")
        } else {
            format!("it has neither a {GITHUB_AUD} condition equal to {AUDIENCE} nor a {GITHUB_SUB} condition")
        });
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
    let best = if matches!(best, Pin::AnyRef(_)) {
        let pinned_elsewhere = GITHUB_PINS.iter().any(|key| {
            s.conditions_on(key).any(|c| {
                effective(c) && positive_string(c) && !c.values.is_empty() && !c.values.iter().any(|v| v.contains('*'))
            })
        });
        if pinned_elsewhere { Pin::Pinned } else { best }
    } else {
        best
    };
    if best == Pin::Pinned && !aud_ok {
        return Pin::NoAudience(format!(
            "it has no {GITHUB_AUD} condition equal to {AUDIENCE}; STS still checks the token's audience against \
             the OIDC provider's client ids, so add it for defence in depth"
        ));
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
        Pin::NoAudience(reason) => {
            report.pass(OIDC_TRUST_WILDCARD_REPO);
            report.pass(OIDC_TRUST_ANY_REF);
            let finding = report.fail(
                OIDC_TRUST_UNPINNED,
                r,
                format!(
                    "role {} trusts GitHub Actions ({} of its trust policy) for a pinned subject, but {reason}",
                    r.name,
                    s.pointer.trim_start_matches('/')
                ),
            );
            finding.severity(bbscan_policy::Severity::Low).evidence(&format!("/config/trust_policy{}", s.pointer));
            if let Some(repository) = &settings.github_repository {
                let subjects: Vec<String> =
                    settings.github_subjects.iter().map(|t| t.replace("{repository}", repository)).collect();
                finding.action(
                    "iam.restrict_github_oidc_trust",
                    1,
                    json!({"role": r.name, "audience": AUDIENCE, "subjects": subjects}),
                );
            }
            return;
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

/// Accounts a stranger may come from: the first one the trust policy does not mention is used
/// (a policy cannot single out every account).
const STRANGER_ACCOUNTS: &[&str] = &["999999999999", "888888888888", "777777777777", "666666666666"];

/// Whether a stranger — any AWS principal of another account and organisation — may assume the
/// role: the trust policy evaluated for that principal, with its identity keys
/// (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`, …)
/// set to the stranger's and everything else it can choose or that the snapshot cannot know
/// (an external id it may have learnt, its source IP) left undecided. Allowed, or allowed under
/// such conditions: the role is open to the world. `Null aws:PrincipalOrgID = false` (any
/// organisation) or a wildcard organisation id do not stop a stranger; a concrete
/// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or `aws:PrincipalAccount` does.
/// Returns the pointers of the trust statements that let it in, and the conditions left.
fn stranger_may_assume(r: &Resource, trust: &Policy) -> Option<(Vec<String>, Vec<String>)> {
    let partition = r.arn.split(':').nth(1).unwrap_or("aws");
    let mentioned = |text: &str| {
        trust.statements.iter().any(|s| {
            s.conditions.iter().any(|c| c.values.iter().any(|v| v.contains(text)))
                || [&s.principal, &s.not_principal]
                    .into_iter()
                    .flatten()
                    .any(|p| p.aws.iter().any(|v| v.contains(text)))
        })
    };
    let unmentioned = STRANGER_ACCOUNTS.iter().copied().find(|a| !mentioned(a));
    // Principals are compared exactly (an ARN, an account, never a pattern), and nothing names
    // the stranger's: only a statement that allows anyone, or everyone outside a NotPrincipal,
    // can let it in. Most trust policies have none and need no evaluation.
    let may_let_anyone_in = trust.statements.iter().any(|s| {
        s.effect == Effect::Allow && (s.not_principal.is_some() || s.principal.as_ref().is_none_or(|p| p.anyone))
    });
    if unmentioned.is_some() && !may_let_anyone_in {
        return None;
    }
    let stranger_account = unmentioned.unwrap_or(STRANGER_ACCOUNTS[0]);
    let org = ["o-stranger0000", "o-stranger0001"].into_iter().find(|o| !mentioned(o)).unwrap_or("o-stranger0000");
    let arn = format!("arn:{partition}:iam::{stranger_account}:role/stranger");
    let mut stranger = Principal::from_arn(&arn);
    stranger.id = Some("AROASTRANGER".into());
    // The stranger's own account grants it whatever it wants.
    let own = Policy::new(
        Source::new("the caller's own policies", &arn, "/"),
        &json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    let identity = [&own];
    let policies = Policies { identity: &identity, resource: Some(trust), ..Policies::default() };
    // In another organisation, or in none.
    for in_organization in [true, false] {
        let mut ctx = Context::open();
        stranger.describe_into(&mut ctx);
        if in_organization {
            ctx.set("aws:PrincipalOrgID", org)
                .set_many("aws:PrincipalOrgPaths", vec![format!("{org}/r-strg/ou-strg-0000/")]);
        } else {
            ctx.set_absent("aws:PrincipalOrgID").set_absent("aws:PrincipalOrgPaths");
        }
        ctx.set("aws:SourceAccount", stranger_account)
            .set("aws:SourceArn", arn.clone())
            .set("aws:SourceOwner", stranger_account)
            .set_absent("aws:SourceOrgID")
            .set("aws:ResourceAccount", r.account.clone());
        let req = Request {
            principal: &stranger,
            action: "sts:AssumeRole",
            resource: &r.arn,
            resource_account: Some(&r.account),
            context: &ctx,
        };
        let outcome = decide(&req, &policies);
        if !outcome.decision.possible() {
            continue;
        }
        // Only the trust policy's statements are evidence.
        let mut pointers: Vec<String> = outcome
            .reasons
            .iter()
            .filter(|x| std::ptr::eq(x.policy, trust))
            .map(|x| x.statement.pointer.clone())
            .collect();
        pointers.dedup();
        return Some((pointers, outcome.conditions()));
    }
    None
}

fn any_principal(r: &Resource, trust: &Policy, report: &mut Report) {
    let Some((pointers, conditions)) = stranger_may_assume(r, trust) else {
        report.pass(TRUST_ANY_PRINCIPAL);
        return;
    };
    let places: Vec<&str> = pointers.iter().map(|p| p.trim_start_matches('/')).collect();
    let mut message = format!(
        "role {} can be assumed by a principal of any AWS account and organisation ({} of its trust policy): \
         nothing in it limits the caller's organisation, account or ARN",
        r.name,
        places.join(", ")
    );
    if !conditions.is_empty() {
        message.push_str(&format!(
            "; its only conditions are ones a caller can meet or that do not say who it is: {}",
            conditions.join(", ")
        ));
    }
    let finding = report.fail(TRUST_ANY_PRINCIPAL, r, message);
    for p in &pointers {
        finding.evidence(&format!("/config/trust_policy{p}"));
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

/// `account`: the roles' trust policies, parsed.
pub(crate) fn evaluate(settings: &Settings, account: &Account, resources: &[Resource], report: &mut Report) {
    let entities = account.entity_index();
    for r in resources {
        let ResourceConfig::IamRole(_) = &r.config else { continue };
        let Some(trust) = entities.get(r.arn.as_str()).and_then(|&i| account.entities[i].trust) else { continue };
        let trust = &account.policies[trust];
        let statements = &trust.statements;
        github_oidc(settings, r, statements, report);
        any_principal(r, trust, report);
        cross_account(settings, r, statements, report);
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
