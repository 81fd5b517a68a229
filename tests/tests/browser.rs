//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) opens the page
//! from a file with the network shut off, runs its script, and the numbers it renders match
//! the JSON report. A screenshot is kept under `<target>/test-artifacts/`.

use bbscan_tests::{bbscan, target_dir};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BBSCAN_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// The text of the element with this id in a serialised DOM (`id="x">text<`).
fn element_text<'a>(dom: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = dom.find(&marker).unwrap_or_else(|| panic!("no element #{id} in the DOM")) + marker.len();
    let end = dom[start..].find('<').map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

#[test]
fn the_html_report_renders_in_chromium_with_the_json_reports_numbers() {
    let Some(browser) = chromium() else {
        let message = "Chromium is not installed: install Debian's `chromium` package (tests/run.sh does)";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("SKIPPED: {message}");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let output = bbscan()
        .args(["audit", "--demo", "--format", "html,json", "--fail-on", "none", "--output"])
        .arg(&out)
        .output()
        .expect("run bbscan");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("json")).expect("JSON");
    let page = format!("file://{}", out.join("report.html").display());

    // No network: every host resolves to nothing and any proxy use goes nowhere.
    let headless = |extra: &[String]| {
        let profile = tempfile::tempdir().expect("profile dir");
        let output = Command::new(&browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
            .args(["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&page)
            .output()
            .expect("run chromium");
        assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
        output
    };
    let dom = String::from_utf8(headless(&["--dump-dom".into()]).stdout).expect("UTF-8 DOM");

    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(element_text(&dom, "count-total"), findings.len().to_string());
    for severity in ["critical", "high", "medium", "low", "info"] {
        let n = findings.iter().filter(|f| f["severity"] == severity).count();
        assert_eq!(element_text(&dom, &format!("count-{severity}")), n.to_string(), "{severity}");
    }
    assert_eq!(element_text(&dom, "count-gaps"), report["gaps"].as_array().map_or(0, Vec::len).to_string());
    assert_eq!(element_text(&dom, "count-policy-errors"), "0");
    let checks: u64 = report["rules"].as_array().expect("rules").iter().filter_map(|r| r["evaluated"].as_u64()).sum();
    assert_eq!(element_text(&dom, "count-checks"), checks.to_string());
    // The filter script ran in the browser: it counts the rows it shows (all, by default).
    assert_eq!(element_text(&dom, "shown"), findings.len().to_string(), "the page's script did not run");
    for c in report["compliance"].as_array().expect("compliance") {
        let percent = format!("data-percent=\"{:.1}\"", c["percent"].as_f64().expect("percent"));
        assert!(dom.contains(&percent), "{} {percent}", c["framework"]);
    }

    let artefacts = target_dir().join("test-artifacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    let shot = artefacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    headless(&[format!("--screenshot={}", shot.display()), "--window-size=1280,1600".into()]);
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real screenshot: {} bytes", png.len());
}
