//! The human summary: findings grouped by severity, then rule; what was not assessed; a closing
//! line with the counts. Plain text: colour is the terminal front end's business.

use bbscan_model::findings::{AuditReport, Status};
use std::fmt::Write;

pub fn table(report: &AuditReport) -> String {
    let mut out = String::new();
    let s = &report.snapshot;
    let _ = writeln!(
        out,
        "bbscan audit of account {} ({}), {}, {} resources, {} rules",
        s.account_id,
        s.regions.join(", "),
        match &s.stage {
            Some(stage) => format!("app {} stage {stage}", s.app),
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
            let _ = writeln!(out, "\n{}", f.severity.as_str().to_uppercase());
        }
        if current != Some((f.severity, f.rule_id.as_str())) {
            let title =
                report.rules.iter().find(|r| r.rule.id == f.rule_id).map(|r| r.rule.title.as_str()).unwrap_or("");
            let _ = writeln!(out, "  {}  {}", f.rule_id, title);
            current = Some((f.severity, f.rule_id.as_str()));
        }
        let status = match f.status {
            Status::Fail => "",
            Status::Warning => " [warning]",
            Status::Manual => " [manual check]",
        };
        let _ = writeln!(out, "    {} {}{}: {}", f.resource.kind, f.resource.name, status, f.message);
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nNot assessed ({} reads failed; the rules could not judge what they would have shown):",
            report.gaps.len()
        );
        for g in report.gaps.iter().take(10) {
            let what = g.resource.as_deref().map(|r| format!(" on {r}")).unwrap_or_default();
            let _ = writeln!(out, "  {}:{}{} — {}: {}", g.service, g.operation, what, g.reason.as_str(), g.message);
        }
        if report.gaps.len() > 10 {
            let _ = writeln!(out, "  … and {} more (see the JSON report)", report.gaps.len() - 10);
        }
    }
    if !report.policy_errors.is_empty() {
        let _ = writeln!(out, "\nPolicy errors (these policies' rules were not evaluated):");
        for e in &report.policy_errors {
            let _ = writeln!(out, "  {} ({}): {}", e.policy, e.origin, e.error);
        }
    }
    let counts: Vec<String> =
        report.counts_by_severity().iter().map(|(sev, n)| format!("{} {n}", sev.as_str())).collect();
    let evaluated: u32 = report.rules.iter().map(|r| r.evaluated).sum();
    let passed: u32 = report.rules.iter().map(|r| r.passed).sum();
    let _ = writeln!(
        out,
        "\n{} findings{}; {} checks, {} passed; {} gaps; {} policy errors",
        report.findings.len(),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        evaluated,
        passed,
        report.gaps.len(),
        report.policy_errors.len()
    );
    out
}
