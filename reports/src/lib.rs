//! Rendering audit reports. Like a printer, this crate knows the finding model only: no AWS
//! SDK, no wasmtime, no async runtime.

mod catalogue;
mod drift;
mod html;
mod markdown;
mod organization;
mod sarif;
mod table;
mod terminal;

pub use catalogue::catalogue_markdown;
pub use drift::{drift_markdown, drift_table};
pub use html::html;
pub use markdown::markdown;
pub use organization::{multi_html, multi_json, multi_markdown, multi_sarif, multi_table};
pub use sarif::{artifact_uri, fingerprint, sarif};
pub use table::{table, table_coloured};
pub use terminal::{safe_line, safe_text};

use bbscan_model::findings::AuditReport;

/// The report as pretty JSON (the `AuditReport` document, `schema_version` 1).
pub fn json(report: &AuditReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}
