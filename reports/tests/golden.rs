//! Golden outputs of every format from one fixed report (`tests/fixtures/report.json`: new and
//! existing findings, a waived one, a manual check, an expired waiver, a gap, a policy error,
//! text that needs escaping). Timestamps and temporary paths are redacted. Review changes with
//! `cargo insta review`, or accept them with `INSTA_UPDATE=always`.

use bbscan_model::findings::AuditReport;

fn report() -> AuditReport {
    let text = include_str!("fixtures/report.json");
    let mut report: AuditReport = serde_json::from_str(text).expect("the fixture is an audit report");
    report.compliance = report.compliance_summary();
    report
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIMESTAMP]");
    settings.add_filter(r"/tmp/[^\s`<\x22]*", "[TEMP]/…");
    settings.add_filter(r"/home/[^\s`<\x22)]*", "[HOME]/…");
    settings
}

#[test]
fn table() {
    settings().bind(|| insta::assert_snapshot!(bbscan_reports::table(&report())));
}

#[test]
fn table_coloured_only_adds_escape_codes() {
    let coloured = bbscan_reports::table_coloured(&report());
    assert!(coloured.contains("\u{1b}[1;31mHIGH\u{1b}[0m"));
    let plain = coloured.replace("\u{1b}[1;31m", "").replace("\u{1b}[33m", "").replace("\u{1b}[0m", "");
    assert_eq!(plain, bbscan_reports::table(&report()));
}

#[test]
fn json() {
    settings().bind(|| insta::assert_snapshot!(bbscan_reports::json(&report())));
}

#[test]
fn sarif() {
    settings().bind(|| insta::assert_snapshot!(bbscan_reports::sarif(&report(), "0.0.0-test")));
}

#[test]
fn markdown() {
    settings().bind(|| insta::assert_snapshot!(bbscan_reports::markdown(&report())));
}

#[test]
fn html() {
    let html = bbscan_reports::html(&report(), "0.0.0-test");
    assert!(!html.contains("<script>alert(1)"), "finding text is escaped");
    settings().bind(|| insta::assert_snapshot!(html));
}
