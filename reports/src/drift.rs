//! Drift (`bbscan diff`) for people: a terminal table and Markdown for a job summary. Values are
//! shown compactly (JSON, cut at [`VALUE_WIDTH`] characters); the JSON document has them whole.

use crate::markdown::cell;
use crate::terminal::safe_line;
use bbscan_model::drift::{Drift, FieldChange, FindingId};
use std::fmt::Write;

/// Widest value shown in the table and Markdown.
pub const VALUE_WIDTH: usize = 80;
/// How many items of each list Markdown shows; the rest are counted.
pub const MARKDOWN_ITEMS: usize = 50;

fn value(v: &Option<serde_json::Value>) -> String {
    let text = match v {
        None => return "(absent)".to_string(),
        Some(v) => v.to_string(),
    };
    if text.chars().count() > VALUE_WIDTH {
        let cut: String = text.chars().take(VALUE_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// `OLD (file) → NEW (file)`.
fn span(drift: &Drift) -> String {
    format!("{} ({}) → {} ({})", drift.old.taken_at, drift.old.source, drift.new.taken_at, drift.new.source)
}

fn finding_line(f: &FindingId) -> String {
    format!("{:<8} {} {} — {}", f.severity.as_str(), f.rule_id, f.arn, f.message)
}

/// The drift as text for a terminal.
pub fn drift_table(drift: &Drift) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Drift of account {}: {}", safe_line(&drift.account_id), safe_line(&span(drift)));
    if let Some(r) = &drift.resources {
        let _ = writeln!(
            out,
            "\nResources: {} added, {} removed, {} changed, {} unchanged, {} unreadable on one side",
            r.added.len(),
            r.removed.len(),
            r.changed.len(),
            r.unchanged,
            r.unreadable.len()
        );
        for a in &r.added {
            let _ = writeln!(out, "  + {} {}", a.kind, safe_line(&a.arn));
        }
        for a in &r.removed {
            let _ = writeln!(out, "  - {} {}", a.kind, safe_line(&a.arn));
        }
        for a in &r.unreadable {
            let _ = writeln!(out, "  ? {} {} (its service could not be read on one side)", a.kind, safe_line(&a.arn));
        }
        for c in &r.changed {
            let _ = writeln!(out, "  ~ {} {}", c.resource.kind, safe_line(&c.resource.arn));
            for FieldChange { pointer, old, new } in &c.fields {
                let _ = writeln!(
                    out,
                    "      {}: {} → {}",
                    safe_line(pointer),
                    safe_line(&value(old)),
                    safe_line(&value(new))
                );
            }
        }
    }
    if let Some(f) = &drift.findings {
        let _ = writeln!(out, "\nFindings: {} new, {} fixed, {} unchanged", f.new.len(), f.fixed.len(), f.unchanged);
        for n in &f.new {
            let _ = writeln!(out, "  new    {}", safe_line(&finding_line(n)));
        }
        for n in &f.fixed {
            let _ = writeln!(out, "  fixed  {}", safe_line(&finding_line(n)));
        }
        for n in &f.not_assessed {
            let _ =
                writeln!(out, "  not assessed now (its service could not be read)  {}", safe_line(&finding_line(n)));
        }
    }
    out
}

fn more(out: &mut String, total: usize) {
    if total > MARKDOWN_ITEMS {
        let _ = writeln!(out, "\n…and {} more (the JSON document has them all).", total - MARKDOWN_ITEMS);
    }
}

/// The drift as Markdown, for `$GITHUB_STEP_SUMMARY`.
pub fn drift_markdown(drift: &Drift) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Drift since {}\n", cell(&drift.old.taken_at));
    let _ = writeln!(out, "Account `{}`: {}.\n", cell(&drift.account_id), cell(&span(drift)));
    if let Some(f) = &drift.findings {
        let _ =
            writeln!(out, "**Findings:** {} new, {} fixed, {} unchanged.\n", f.new.len(), f.fixed.len(), f.unchanged);
        if !f.new.is_empty() || !f.fixed.is_empty() || !f.not_assessed.is_empty() {
            let _ = writeln!(out, "| | severity | rule | resource | message |\n| --- | --- | --- | --- | --- |");
            let rows = f
                .new
                .iter()
                .map(|n| ("new", n))
                .chain(f.fixed.iter().map(|n| ("fixed", n)))
                .chain(f.not_assessed.iter().map(|n| ("not assessed", n)));
            for (what, n) in rows.clone().take(MARKDOWN_ITEMS) {
                let _ = writeln!(
                    out,
                    "| {what} | {} | `{}` | `{}` | {} |",
                    n.severity.as_str(),
                    cell(&n.rule_id),
                    cell(&n.arn),
                    cell(&n.message)
                );
            }
            more(&mut out, rows.count());
            out.push('\n');
        }
    }
    if let Some(r) = &drift.resources {
        let _ = writeln!(
            out,
            "**Resources:** {} added, {} removed, {} changed, {} unchanged, {} unreadable on one side.\n",
            r.added.len(),
            r.removed.len(),
            r.changed.len(),
            r.unchanged,
            r.unreadable.len()
        );
        let mut rows: Vec<String> = Vec::new();
        for a in &r.added {
            rows.push(format!("| added | {} | `{}` | | | |", cell(&a.kind), cell(&a.arn)));
        }
        for a in &r.removed {
            rows.push(format!("| removed | {} | `{}` | | | |", cell(&a.kind), cell(&a.arn)));
        }
        for a in &r.unreadable {
            rows.push(format!("| unreadable | {} | `{}` | | | |", cell(&a.kind), cell(&a.arn)));
        }
        for c in &r.changed {
            for f in &c.fields {
                rows.push(format!(
                    "| changed | {} | `{}` | `{}` | `{}` | `{}` |",
                    cell(&c.resource.kind),
                    cell(&c.resource.arn),
                    cell(&f.pointer),
                    cell(&value(&f.old)),
                    cell(&value(&f.new))
                ));
            }
        }
        if !rows.is_empty() {
            let _ =
                writeln!(out, "| | kind | resource | field | before | after |\n| --- | --- | --- | --- | --- | --- |");
            for row in rows.iter().take(MARKDOWN_ITEMS) {
                let _ = writeln!(out, "{row}");
            }
            more(&mut out, rows.len());
        }
    }
    out
}
