//! Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments: the counts, what was not
//! assessed, compliance per framework, and the top findings.

use bbscan_model::findings::{AuditReport, BaselineState, ReportFinding, Status, WaiverState};
use std::fmt::Write;

/// How many findings the summary lists; the rest are counted.
pub const TOP_FINDINGS: usize = 25;

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ").replace('<', "&lt;")
}

/// Text for a Markdown table cell, also inside a code span: no pipe, line break or backtick
/// can end the cell, the row or the span.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ").replace('<', "&lt;").replace('`', "'")
}

fn label(f: &ReportFinding) -> String {
    let mut tags = Vec::new();
    match f.status {
        Status::Warning => tags.push("warning"),
        Status::Manual => tags.push("manual check"),
        Status::NotAssessed => tags.push("not assessed"),
        Status::Fail => {}
    }
    if f.baseline == Some(BaselineState::New) {
        tags.push("new");
    }
    if f.suppression.is_some() {
        tags.push("waived");
    }
    if tags.is_empty() { String::new() } else { format!(" ({})", tags.join(", ")) }
}

pub fn markdown(report: &AuditReport) -> String {
    let mut out = String::new();
    let s = &report.snapshot;
    let scope = match &s.stage {
        Some(stage) => format!("app `{}` stage `{stage}`", s.app),
        None => "the whole account".into(),
    };
    let _ = writeln!(out, "## bbscan audit: {scope}\n");
    let _ = writeln!(
        out,
        "Account `{}` ({}), snapshot taken {}, {} resources, {} rules.\n",
        s.account_id,
        s.regions.join(", "),
        s.taken_at,
        s.resources,
        report.rules.len()
    );
    let partial = !report.gaps.is_empty() || !report.policy_errors.is_empty();
    if partial {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **Partial audit**: {} reads failed and {} policies could not run; what they \
             would have shown was not assessed (see below).\n",
            report.gaps.len(),
            report.policy_errors.len()
        );
    }
    let _ = writeln!(out, "| Severity | Findings | Counting for --fail-on |\n|---|---:|---:|");
    for sev in bbscan_model::findings::Severity::ALL.iter().rev() {
        let all = report.findings.iter().filter(|f| f.severity == *sev).count();
        let counting = report.findings.iter().filter(|f| f.severity == *sev && f.counts()).count();
        let _ = writeln!(out, "| {} | {all} | {counting} |", sev.as_str());
    }
    let evaluated: u32 = report.rules.iter().map(|r| r.evaluated).sum();
    let passed: u32 = report.rules.iter().map(|r| r.passed).sum();
    let waived = report.findings.iter().filter(|f| f.suppression.is_some()).count();
    let _ = writeln!(out, "\n{evaluated} checks, {passed} passed; {waived} findings waived.");
    if let Some(baseline) = &report.baseline {
        let new = report.findings.iter().filter(|f| f.baseline == Some(BaselineState::New)).count();
        let _ = writeln!(out, "Compared with baseline `{}`: {new} new findings.", escape(baseline));
    }

    if !report.compliance.is_empty() {
        let _ = writeln!(out, "\n### Compliance\n\n| Framework | Controls passing | Not assessed |\n|---|---:|---:|");
        for c in &report.compliance {
            let _ = writeln!(
                out,
                "| {} | {} of {} ({:.1}%) | {} |",
                c.framework, c.controls_passing, c.controls_assessed, c.percent, c.controls_not_assessed
            );
        }
    }

    if report.findings.is_empty() {
        let _ = writeln!(out, "\n### Findings\n\nNo findings.");
    } else {
        let _ = writeln!(out, "\n### Findings\n\n| Severity | Rule | Resource | Message |\n|---|---|---|---|");
        for f in report.findings.iter().take(TOP_FINDINGS) {
            let _ = writeln!(
                out,
                "| {}{} | `{}` | `{}` | {} |",
                f.severity.as_str(),
                label(f),
                f.rule_id,
                escape(&f.resource.name),
                escape(&f.message)
            );
        }
        if report.findings.len() > TOP_FINDINGS {
            let _ = writeln!(
                out,
                "\n… and {} more findings in the full report (JSON, SARIF or HTML).",
                report.findings.len() - TOP_FINDINGS
            );
        }
    }

    let expired: Vec<_> = report.waivers.iter().filter(|w| w.state == WaiverState::Expired).collect();
    if !expired.is_empty() {
        let _ = writeln!(out, "\n### Expired waivers\n");
        for w in expired {
            let _ = writeln!(
                out,
                "- `{}` on `{}` (owner {}) expired {}: no longer suppresses {} finding(s).",
                w.rule,
                escape(&w.resource),
                escape(&w.owner),
                w.expires,
                w.matched
            );
        }
    }
    if partial {
        let _ = writeln!(out, "\n### Not assessed\n");
        for g in &report.gaps {
            let what = g.resource.as_deref().map(|r| format!(" on `{}`", escape(r))).unwrap_or_default();
            let _ = writeln!(
                out,
                "- `{}:{}`{what}: {} — {}",
                g.service,
                g.operation,
                g.reason.as_str(),
                escape(&g.message)
            );
        }
        for e in &report.policy_errors {
            let _ = writeln!(out, "- policy `{}` ({}): {}", e.policy, e.origin, escape(&e.error));
        }
    }
    out
}
