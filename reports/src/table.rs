//! The human summary: findings grouped by severity, then rule; what was not assessed; a closing
//! line with the counts. Plain text: colour is the terminal front end's business.

use crate::terminal::safe_line as esc;
use bbscan_model::findings::{AuditReport, Status};
use std::fmt::Write;

/// The table, plain.
pub fn table(report: &AuditReport) -> String {
    render(report, false)
}

/// The table with ANSI colours on the severity headings (for a terminal; the caller checks
/// for a TTY and `NO_COLOR`).
pub fn table_coloured(report: &AuditReport) -> String {
    render(report, true)
}

fn paint(text: &str, severity: bbscan_model::findings::Severity) -> String {
    use bbscan_model::findings::Severity::*;
    let code = match severity {
        Critical => "1;35",
        High => "1;31",
        Medium => "33",
        Low => "36",
        Info => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn render(report: &AuditReport, colour: bool) -> String {
    let mut out = String::new();
    let s = &report.snapshot;
    let _ = writeln!(
        out,
        "bbscan audit of account {} ({}), {}, {} resources, {} rules",
        esc(&s.account_id),
        esc(&s.regions.join(", ")),
        match &s.stage {
            Some(stage) => format!("app {} stage {}", esc(&s.app), esc(stage)),
            None => "whole account".to_string(),
        },
        s.resources,
        report.rules.len()
    );
    if report.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
    }
    let mut current: Option<(bbscan_model::findings::Severity, &str)> = None;
    for f in &report.findings {
        if current.map(|(sev, _)| sev) != Some(f.severity) {
            let heading = f.severity.as_str().to_uppercase();
            let heading = if colour { paint(&heading, f.severity) } else { heading };
            let _ = writeln!(out, "\n{heading}");
        }
        if current != Some((f.severity, f.rule_id.as_str())) {
            let title =
                report.rules.iter().find(|r| r.rule.id == f.rule_id).map(|r| r.rule.title.as_str()).unwrap_or("");
            let _ = writeln!(out, "  {}  {}", esc(&f.rule_id), esc(title));
            current = Some((f.severity, f.rule_id.as_str()));
        }
        let mut status = match f.status {
            Status::Fail => String::new(),
            Status::Warning => " [warning]".into(),
            Status::Manual => " [manual check]".into(),
            Status::NotAssessed => " [not assessed]".into(),
        };
        if f.baseline == Some(bbscan_model::findings::BaselineState::New) {
            status.push_str(" [new]");
        }
        if let Some(w) = &f.suppression {
            status.push_str(&format!(" [waived until {} by {}]", esc(&w.expires), esc(&w.owner)));
        }
        let _ = writeln!(out, "    {} {}{}: {}", esc(&f.resource.kind), esc(&f.resource.name), status, esc(&f.message));
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nNot assessed ({} reads failed; the rules could not judge what they would have shown):",
            report.gaps.len()
        );
        for g in report.gaps.iter().take(10) {
            let what = g.resource.as_deref().map(|r| format!(" on {}", esc(r))).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}:{}{} — {}: {}",
                esc(&g.service),
                esc(&g.operation),
                what,
                g.reason.as_str(),
                esc(&g.message)
            );
        }
        if report.gaps.len() > 10 {
            let _ = writeln!(out, "  … and {} more (see the JSON report)", report.gaps.len() - 10);
        }
    }
    if !report.policy_errors.is_empty() {
        let _ = writeln!(out, "\nPolicy errors (these policies' rules were not evaluated):");
        for e in &report.policy_errors {
            let _ = writeln!(out, "  {} ({}): {}", esc(&e.policy), esc(&e.origin), esc(&e.error));
        }
    }
    for w in report.waivers.iter().filter(|w| w.state == bbscan_model::findings::WaiverState::Expired) {
        let _ = writeln!(
            out,
            "\nExpired waiver: {} on {} (owner {}) expired {}; it no longer suppresses {} finding(s).",
            esc(&w.rule),
            esc(&w.resource),
            esc(&w.owner),
            esc(&w.expires),
            w.matched
        );
    }
    let counts: Vec<String> =
        report.counts_by_severity().iter().map(|(sev, n)| format!("{} {n}", sev.as_str())).collect();
    let evaluated: u32 = report.rules.iter().map(|r| r.evaluated).sum();
    let passed: u32 = report.rules.iter().map(|r| r.passed).sum();
    let _ = writeln!(
        out,
        "\n{} findings{}{}; {} checks, {} passed; {} gaps; {} policy errors",
        report.findings.len(),
        {
            let waived = report.findings.iter().filter(|f| f.suppression.is_some()).count();
            let new = report
                .findings
                .iter()
                .filter(|f| f.baseline == Some(bbscan_model::findings::BaselineState::New))
                .count();
            let mut extra = Vec::new();
            if waived > 0 {
                extra.push(format!("{waived} waived"));
            }
            if report.baseline.is_some() {
                extra.push(format!("{new} new"));
            }
            if extra.is_empty() { String::new() } else { format!(" [{}]", extra.join(", ")) }
        },
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        evaluated,
        passed,
        report.gaps.len(),
        report.policy_errors.len()
    );
    out
}
