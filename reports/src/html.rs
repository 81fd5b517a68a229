//! One self-contained HTML page (no external assets, no network): summary counts by severity
//! and by control area as inline SVG charts, compliance per framework, a filterable findings
//! table with remediation, and what was not assessed. Everything is rendered here; the small
//! script only filters rows, so the page reads fine with scripts off.

use bbscan_model::findings::{AuditReport, BaselineState, ReportFinding, Severity, WaiverState};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escape text for HTML element content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7a0019",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#f9a825",
        Severity::Info => "#607d8b",
    }
}

/// A horizontal bar chart: one bar per (label, value, colour).
fn bars(id: &str, title: &str, rows: &[(String, usize, &str)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = 24 * rows.len().max(1) + 8;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg id=\"{id}\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 420 {height}\" \
         width=\"420\" height=\"{height}\">",
        esc(title),
        esc(title)
    );
    for (i, (label, value, fill)) in rows.iter().enumerate() {
        let y = 4 + i * 24;
        let width = (*value as f64 / max as f64 * 260.0).round();
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"110\" y=\"{y}\" width=\"{width}\" height=\"18\" \
             fill=\"{fill}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" data-value=\"{value}\">{value}</text>",
            y + 13,
            esc(label),
            116.0 + width,
            y + 13
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn area(rule: &str) -> &str {
    rule.split_once('.').map_or(rule, |(a, _)| a)
}

fn row(f: &ReportFinding, report: &AuditReport) -> String {
    let rule = report.rules.iter().find(|r| r.rule.id == f.rule_id).map(|r| &r.rule);
    let status = f.status.as_str();
    let mut notes = Vec::new();
    match f.baseline {
        Some(BaselineState::New) => notes.push("new".to_string()),
        Some(BaselineState::Existing) => notes.push("existing".to_string()),
        None => {}
    }
    if let Some(s) = &f.suppression {
        notes.push(format!("waived by {} until {}: {}", s.owner, s.expires, s.reason));
    }
    format!(
        "<tr class=\"finding\" data-severity=\"{sev}\" data-status=\"{status}\" data-waived=\"{waived}\">\
         <td><span class=\"sev\" style=\"background:{bg}\">{sev}</span></td><td>{status}{notes}</td>\
         <td><code>{rule_id}</code><br><small>{title}</small></td><td><code>{name}</code><br><small>{arn}</small></td>\
         <td>{message}</td><td>{fix}</td></tr>\n",
        sev = f.severity.as_str(),
        bg = colour(f.severity),
        waived = f.suppression.is_some(),
        notes = if notes.is_empty() { String::new() } else { format!("<br><small>{}</small>", esc(&notes.join("; "))) },
        rule_id = esc(&f.rule_id),
        title = esc(rule.map_or("", |r| r.title.as_str())),
        name = esc(&f.resource.name),
        arn = esc(&f.resource.arn),
        message = esc(&f.message),
        fix = esc(rule.map_or("", |r| r.help_text.as_str())),
    )
}

pub(crate) const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.5em}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;\
vertical-align:top;overflow-wrap:anywhere}.sev{color:#fff;border-radius:3px;padding:1px 6px}.cards{display:flex;gap:1em;flex-wrap:wrap}\
.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;min-width:7em}.card b{font-size:1.6em;display:block}\
.warn{background:#fff3e0;border-left:4px solid #ef6c00;padding:.5em 1em}figure{margin:0 2em 1em 0;display:inline-block;vertical-align:top}\
figcaption{font-weight:bold}small{color:#555}.filters{margin:1em 0}";

const SCRIPT: &str = "(function(){var sev=document.getElementById('filter-severity'),txt=document.getElementById('filter-text'),\
waived=document.getElementById('filter-waived'),rows=[].slice.call(document.querySelectorAll('tr.finding')),\
shown=document.getElementById('shown');var order=['info','low','medium','high','critical'];function apply(){var min=\
order.indexOf(sev.value),q=txt.value.toLowerCase(),n=0;rows.forEach(function(r){var ok=order.indexOf(r.dataset.severity)\
>=min&&(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(waived.checked||r.dataset.waived!=='true');r.hidden=!ok;if(ok)n++;});\
shown.textContent=n;}sev.addEventListener('change',apply);txt.addEventListener('input',apply);waived.addEventListener(\
'change',apply);apply();})();";

/// The report as one HTML page.
pub fn html(report: &AuditReport, tool_version: &str) -> String {
    let s = &report.snapshot;
    let scope = match &s.stage {
        Some(stage) => format!("app {} stage {stage}", s.app),
        None => "whole account".into(),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"><title>bbscan audit: {title}</title>\
         <style>{STYLE}</style></head><body>\n<h1>bbscan audit: {title}</h1>\n<p>Account <code>{account}</code> \
         ({regions}), snapshot taken {taken}, {resources} resources, {rules} rules, bbscan {version}.</p>\n",
        title = esc(&scope),
        account = esc(&s.account_id),
        regions = esc(&s.regions.join(", ")),
        taken = esc(&s.taken_at),
        resources = s.resources,
        rules = report.rules.len(),
        version = esc(tool_version),
    );
    if !report.gaps.is_empty() || !report.policy_errors.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"warn\" id=\"partial\"><b>Partial audit.</b> {} reads failed and {} policies could not run; \
             what they would have shown was not assessed (see <a href=\"#not-assessed\">Not assessed</a>).</p>",
            report.gaps.len(),
            report.policy_errors.len()
        );
    }

    // Summary cards.
    out.push_str("<section id=\"summary\"><div class=\"cards\">");
    let total = report.findings.len();
    let _ = write!(out, "<div class=\"card\"><b id=\"count-total\">{total}</b>findings</div>");
    for sev in Severity::ALL.iter().rev() {
        let n = report.findings.iter().filter(|f| f.severity == *sev).count();
        let _ = write!(out, "<div class=\"card\"><b id=\"count-{0}\">{n}</b>{0}</div>", sev.as_str());
    }
    let counting = report.findings.iter().filter(|f| f.counts()).count();
    let waived = report.findings.iter().filter(|f| f.suppression.is_some()).count();
    let evaluated: u32 = report.rules.iter().map(|r| r.evaluated).sum();
    let passed: u32 = report.rules.iter().map(|r| r.passed).sum();
    let _ = writeln!(
        out,
        "<div class=\"card\"><b id=\"count-counting\">{counting}</b>counting for --fail-on</div>\
         <div class=\"card\"><b id=\"count-waived\">{waived}</b>waived</div>\
         <div class=\"card\"><b id=\"count-checks\">{evaluated}</b>checks, <span id=\"count-passed\">{passed}</span> passed</div>\
         <div class=\"card\"><b id=\"count-gaps\">{}</b>reads failed</div>\
         <div class=\"card\"><b id=\"count-policy-errors\">{}</b>policy errors</div></div>",
        report.gaps.len(),
        report.policy_errors.len()
    );
    let by_severity: Vec<(String, usize, &str)> = Severity::ALL
        .iter()
        .rev()
        .map(|sev| {
            (sev.as_str().to_string(), report.findings.iter().filter(|f| f.severity == *sev).count(), colour(*sev))
        })
        .collect();
    out.push_str(&bars("chart-severity", "Findings by severity", &by_severity));
    let mut areas: BTreeMap<&str, usize> = report.rules.iter().map(|r| (area(&r.rule.id), 0)).collect();
    for f in &report.findings {
        *areas.entry(area(&f.rule_id)).or_default() += 1;
    }
    let by_area: Vec<(String, usize, &str)> = areas.into_iter().map(|(a, n)| (a.to_string(), n, "#1565c0")).collect();
    out.push_str(&bars("chart-area", "Findings by control area", &by_area));
    out.push_str("</section>\n");

    // Compliance.
    out.push_str(
        "<section id=\"compliance\"><h2>Compliance</h2><table><tr><th>Framework</th><th>Controls passing</th>\
                  <th>Percent</th><th>Not assessed</th></tr>",
    );
    for c in &report.compliance {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{} of {}</td><td data-percent=\"{:.1}\">{:.1}%</td><td>{}</td></tr>",
            esc(&c.framework),
            c.controls_passing,
            c.controls_assessed,
            c.percent,
            c.percent,
            c.controls_not_assessed
        );
    }
    out.push_str("</table></section>\n");

    // Findings.
    let _ = writeln!(
        out,
        "<section id=\"findings\"><h2>Findings</h2><div class=\"filters\"><label>Minimum severity <select \
         id=\"filter-severity\"><option>info</option><option>low</option><option>medium</option><option>high</option>\
         <option>critical</option></select></label> <label>Search <input id=\"filter-text\" type=\"search\"></label> \
         <label><input id=\"filter-waived\" type=\"checkbox\" checked> show waived</label> — showing <span \
         id=\"shown\"></span> of {total}</div><table><thead><tr><th>Severity</th><th>Status</th><th>Rule</th>\
         <th>Resource</th><th>Finding</th><th>Fix</th></tr></thead><tbody>"
    );
    for f in &report.findings {
        out.push_str(&row(f, report));
    }
    out.push_str("</tbody></table></section>\n");

    // What was not assessed, waivers.
    out.push_str("<section id=\"not-assessed\"><h2>Not assessed</h2>");
    if report.gaps.is_empty() && report.policy_errors.is_empty() {
        out.push_str("<p>Every read succeeded and every policy ran.</p>");
    } else {
        out.push_str("<ul>");
        for g in &report.gaps {
            let what = g.resource.as_deref().map(|r| format!(" on {}", esc(r))).unwrap_or_default();
            let _ = write!(
                out,
                "<li class=\"gap\"><code>{}:{}</code>{what}: {} — {}</li>",
                esc(&g.service),
                esc(&g.operation),
                g.reason.as_str(),
                esc(&g.message)
            );
        }
        for e in &report.policy_errors {
            let _ = write!(
                out,
                "<li class=\"policy-error\">policy <code>{}</code> ({}): {}</li>",
                esc(&e.policy),
                esc(&e.origin),
                esc(&e.error)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>\n");
    if !report.waivers.is_empty() {
        out.push_str(
            "<section id=\"waivers\"><h2>Waivers</h2><table><tr><th>Rule</th><th>Resource</th><th>Owner</th>\
                      <th>Expires</th><th>State</th><th>Matched</th><th>Reason</th></tr>",
        );
        for w in &report.waivers {
            let state = if w.state == WaiverState::Active { "active" } else { "expired" };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{state}</td><td>{}</td>\
                 <td>{}</td></tr>",
                esc(&w.rule),
                esc(&w.resource),
                esc(&w.owner),
                esc(&w.expires),
                w.matched,
                esc(&w.reason)
            );
        }
        out.push_str("</table></section>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<script>\"a\" & 'b'</script>"), "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
    }
}
