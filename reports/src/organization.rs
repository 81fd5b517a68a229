//! Reports over several accounts (`audit --organization`, `report merge`): the totals first, then
//! one section per account. SARIF holds one run per account, each with its own
//! `automationDetails.id` (`bbscan/<stage>/<account>/`), so code scanning keeps each account's
//! alerts apart; an account that could not be reached is a run with a failed invocation in a
//! category of its own (`bbscan/not-assessed/<account>/`), so its open alerts are not closed.

use crate::html::{STYLE, esc as html_esc};
use crate::markdown::cell;
use crate::terminal::safe_line;
use bbscan_model::findings::Severity;
use bbscan_model::organization::{AccountReport, AccountStatus, MultiAccountReport, Totals};
use serde_json::{Value, json};
use std::fmt::Write;

fn severity_counts(t: &Totals) -> String {
    Severity::ALL
        .iter()
        .rev()
        .map(|s| format!("{} {}", t.by_severity.get(s).copied().unwrap_or(0), s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn label(a: &AccountReport) -> String {
    match &a.name {
        Some(name) => format!("{} ({name})", a.account_id),
        None => a.account_id.clone(),
    }
}

/// The report as pretty JSON (the `MultiAccountReport` document).
pub fn multi_json(report: &MultiAccountReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// Text for a terminal: the totals, then each account's table.
pub fn multi_table(report: &MultiAccountReport) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bbscan audit of {} accounts ({} unreachable): {} resources, {} findings ({}), {} gaps, {} policy errors",
        t.accounts,
        t.unreachable,
        t.resources,
        t.findings,
        severity_counts(t),
        t.gaps,
        t.policy_errors
    );
    for a in &report.accounts {
        let _ = writeln!(out, "\n=== account {} ===", safe_line(&label(a)));
        match (&a.report, &a.error) {
            (Some(r), _) => out.push_str(&crate::table(r)),
            (None, error) => {
                let _ = writeln!(out, "NOT ASSESSED: {}", safe_line(error.as_deref().unwrap_or("unreachable")));
            }
        }
    }
    out
}

/// Markdown for a job summary: a totals table with a row per account, then each account's
/// section.
pub fn multi_markdown(report: &MultiAccountReport) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = writeln!(out, "# bbscan audit of {} accounts\n", t.accounts);
    let _ = writeln!(
        out,
        "{} resources, **{} findings** ({}), {} gaps, {} policy errors; {} accounts not assessed.\n",
        t.resources,
        t.findings,
        severity_counts(t),
        t.gaps,
        t.policy_errors,
        t.unreachable
    );
    let _ = writeln!(
        out,
        "| account | status | resources | findings | critical | high | medium | low | info | gaps |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let count = |t: &Totals, s: Severity| t.by_severity.get(&s).copied().unwrap_or(0);
    for a in &report.accounts {
        let at = &a.totals;
        let status = match a.status {
            AccountStatus::Collected => "assessed".to_string(),
            AccountStatus::Unreachable => format!("**not assessed**: {}", cell(a.error.as_deref().unwrap_or(""))),
        };
        let _ = writeln!(
            out,
            "| `{}` | {status} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&label(a)),
            at.resources,
            at.findings,
            count(at, Severity::Critical),
            count(at, Severity::High),
            count(at, Severity::Medium),
            count(at, Severity::Low),
            count(at, Severity::Info),
            at.gaps
        );
    }
    let _ = writeln!(
        out,
        "| **total** | {} of {} assessed | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        t.accounts - t.unreachable,
        t.accounts,
        t.resources,
        t.findings,
        count(t, Severity::Critical),
        count(t, Severity::High),
        count(t, Severity::Medium),
        count(t, Severity::Low),
        count(t, Severity::Info),
        t.gaps
    );
    for a in &report.accounts {
        if let Some(r) = &a.report {
            // Each account's own summary, a heading level down.
            let section = crate::markdown(r);
            for line in section.lines() {
                if line.starts_with('#') {
                    let _ = writeln!(out, "#{line}");
                } else {
                    let _ = writeln!(out, "{line}");
                }
            }
            out.push('\n');
        }
    }
    out
}

/// SARIF 2.1.0 with one run per account.
pub fn multi_sarif(report: &MultiAccountReport, tool_version: &str) -> String {
    let mut runs: Vec<Value> = Vec::new();
    for a in &report.accounts {
        match &a.report {
            Some(r) => {
                let doc: Value = serde_json::from_str(&crate::sarif(r, tool_version)).unwrap_or(Value::Null);
                let stage = r.snapshot.stage.as_deref().unwrap_or("account");
                for mut run in doc.get("runs").and_then(Value::as_array).cloned().unwrap_or_default() {
                    run["automationDetails"] = json!({ "id": format!("bbscan/{stage}/{}/", a.account_id) });
                    runs.push(run);
                }
            }
            None => runs.push(json!({
                "tool": { "driver": { "name": "bbscan", "version": tool_version, "informationUri": "https://github.com/brainbytes/bbscan" } },
                // A category of its own that never holds results: an empty run in the account's
                // usual category would close all its open alerts as fixed.
                "automationDetails": { "id": format!("bbscan/not-assessed/{}/", a.account_id) },
                "invocations": [{
                    "executionSuccessful": false,
                    "toolExecutionNotifications": [{
                        "level": "error",
                        "message": { "text": format!("account {} was not assessed: {}", a.account_id, a.error.as_deref().unwrap_or("unreachable")) },
                        "descriptor": { "id": "bbscan/account-unreachable" }
                    }]
                }],
                "results": [],
                "properties": { "account": a.account_id }
            })),
        }
    }
    let doc = json!({ "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": runs });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// One self-contained HTML page: the totals per account, then each account's findings.
pub fn multi_html(report: &MultiAccountReport, tool_version: &str) -> String {
    let t = &report.totals;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\"><title>bbscan audit of {n} accounts</title><style>{STYLE}</style></head><body>\n\
         <h1>bbscan audit of {n} accounts</h1>\n<p>{resources} resources, <b>{findings} findings</b> ({sev}), {gaps} gaps, \
         {errors} policy errors, {unreachable} accounts not assessed; bbscan {version}.</p>\n",
        n = t.accounts,
        resources = t.resources,
        findings = t.findings,
        sev = html_esc(&severity_counts(t)),
        gaps = t.gaps,
        errors = t.policy_errors,
        unreachable = t.unreachable,
        version = html_esc(tool_version),
    );
    out.push_str("<table><thead><tr><th>account</th><th>status</th><th>resources</th><th>findings</th><th>by severity</th><th>gaps</th></tr></thead><tbody>\n");
    for a in &report.accounts {
        let status = match a.status {
            AccountStatus::Collected => "assessed".to_string(),
            AccountStatus::Unreachable => format!("not assessed: {}", a.error.as_deref().unwrap_or("")),
        };
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#account-{id}\"><code>{label}</code></a></td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.totals.resources,
            a.totals.findings,
            html_esc(&severity_counts(&a.totals)),
            a.totals.gaps,
            id = html_esc(&a.account_id),
            label = html_esc(&label(a)),
            status = html_esc(&status),
        );
    }
    out.push_str("</tbody></table>\n");
    for a in &report.accounts {
        let _ = writeln!(
            out,
            "<h2 id=\"account-{}\">Account <code>{}</code></h2>",
            html_esc(&a.account_id),
            html_esc(&label(a))
        );
        let Some(r) = &a.report else {
            let _ = writeln!(
                out,
                "<p class=\"warn\">Not assessed: {}</p>",
                html_esc(a.error.as_deref().unwrap_or("unreachable"))
            );
            continue;
        };
        let failing: Vec<_> = r.findings.iter().filter(|f| f.counts_for_compliance()).collect();
        if failing.is_empty() {
            out.push_str("<p>No findings.</p>\n");
            continue;
        }
        out.push_str(
            "<table><thead><tr><th>severity</th><th>rule</th><th>resource</th><th>message</th></tr></thead><tbody>\n",
        );
        for f in failing {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                f.severity.as_str(),
                html_esc(&f.rule_id),
                html_esc(&f.resource.arn),
                html_esc(&f.message)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</body></html>\n");
    out
}
