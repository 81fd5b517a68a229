//! The demo snapshot shipped in the binary (`scanner/demo/brainbytes-production.json`) is what
//! `bbscan snapshot --stage production` really writes for the seeded fake BrainBytes account.
//!
//! The seed makes moto's generated ids repeatable; only times differ between runs. A timestamp
//! that moto derives from its clock (creation times, a certificate's expiry a year on) is moved
//! to a fixed demo date, keeping its distance in days from the collection; the CloudTrail
//! events the seed dates days back, and the usage window's dates, keep their calendar-day
//! distance and time of day; a timestamp moto hard-codes (a CloudFront distribution's last
//! change, the credential report's generation time) is kept as it is, because shifting a fixed
//! date by "now" makes it move with the calendar. The test passes on any date:
//! `tests/faketime.sh` runs it at several.
//!
//! moto stamps every user and role with the seeding time; the demo's were created a year
//! before its collection (as a real account's predate its CloudTrail logs), so that the usage
//! rules judge them.
//! Regenerate with `BBSCAN_BLESS=1 cargo test -p bbscan-tests --test demo_snapshot`.

use bbscan_model::format_epoch;
use bbscan_tests::{Moto, REGION, assert_valid_snapshot, bbscan, repo_root};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// 2026-01-15T09:00:00Z: the demo's collection time.
const DEMO_EPOCH: i64 = 1_768_467_600;

#[test]
fn the_demo_snapshot_is_regenerated_from_the_seeded_account() {
    let moto = Moto::start();
    // Everything moto stamps from its clock from now on is at or after this instant (a minute
    // of slack for timestamps truncated to the minute).
    let seeded_from = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64 - 60;
    moto.seed(0);
    let output = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION, "--stage", "production"])
        .output()
        .expect("run bbscan");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let started = doc["metadata"]["started_at"].as_str().and_then(epoch_seconds).expect("started_at is a timestamp");
    shift_times(&mut doc, started, seeded_from, false);
    shift_usage_dates(&mut doc, started);
    principals_predate_the_logs(&mut doc);
    stable_aws_managed_ids(&mut doc);
    // The endpoint's port is not part of the account.
    let mut text = serde_json::to_string_pretty(&doc).expect("serialise");
    text = text.replace(&moto.endpoint, "http://127.0.0.1:4566");
    text.push('\n');
    assert_valid_snapshot(&serde_json::from_str(&text).expect("JSON"));

    let path = repo_root().join("scanner/demo/brainbytes-production.json");
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write the demo snapshot");
    }
    let shipped = std::fs::read_to_string(&path).expect("read the demo snapshot");
    if shipped != text {
        let first_difference = shipped.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "scanner/demo/brainbytes-production.json is not what bbscan writes for the seeded account \
             (first difference at line {}: shipped {:?}, now {:?}). If the change is intended, run \
             `BBSCAN_BLESS=1 cargo test -p bbscan-tests --test demo_snapshot` and commit the file",
            first_difference + 1,
            shipped.lines().nth(first_difference),
            text.lines().nth(first_difference)
        );
    }

    // And the binary prints exactly that file with --demo.
    let demo = bbscan().args(["snapshot", "--demo"]).output().expect("run bbscan");
    assert!(demo.status.success());
    assert_eq!(String::from_utf8_lossy(&demo.stdout), shipped);
}

/// moto draws a new random id for every AWS-managed policy each time it starts (AWS's are fixed):
/// give each one an id derived from its ARN instead.
fn stable_aws_managed_ids(doc: &mut Value) {
    for r in doc["resources"].as_array_mut().into_iter().flatten() {
        if r["kind"] == "iam.policy" && r["config"]["aws_managed"] == true {
            let arn = r["arn"].as_str().unwrap_or_default().to_string();
            // FNV-1a of the ARN, as 17 upper-case base-36 digits, like AWS's ANPA… ids.
            let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
            for b in arn.bytes() {
                hash ^= u128::from(b);
                hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
            }
            let digits: String = (0..17)
                .map(|i| {
                    let d = ((hash >> (i * 7)) % 36) as u32;
                    char::from_digit(d, 36).unwrap_or('0').to_ascii_uppercase()
                })
                .collect();
            r["config"]["policy_id"] = Value::String(format!("ANPA{digits}"));
        }
    }
}

/// How far back the seed dates what it writes (the CloudTrail log files).
const SEEDED_HISTORY: i64 = 100 * 86_400;

/// Replace every timestamp string stamped from the clock (at or after `seeded_from`) with the
/// demo date plus its whole-day distance from `start`. Inside what was read from the seeded logs
/// (a principal's `usage` and `root_usage`, the `cloudtrail.usage` resource), a time the seed
/// dated days back (within SEEDED_HISTORY) keeps its calendar-day distance from the demo's day
/// and its own time of day. Any other earlier time is one of moto's constants and is kept as
/// it is, however close to today it happens to fall.
fn shift_times(value: &mut Value, start: i64, seeded_from: i64, from_logs: bool) {
    match value {
        Value::String(s) => {
            if let Some(t) = epoch_seconds(s) {
                if t >= seeded_from {
                    let days = ((t - start) as f64 / 86_400.0).round() as i64;
                    *s = format_epoch(DEMO_EPOCH + days * 86_400);
                } else if from_logs && t >= seeded_from - SEEDED_HISTORY {
                    let days = t.div_euclid(86_400) - start.div_euclid(86_400);
                    *s = format_epoch(DEMO_EPOCH.div_euclid(86_400) * 86_400 + days * 86_400 + t.rem_euclid(86_400));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, start, seeded_from, from_logs)),
        Value::Object(map) => {
            let usage_resource = map.get("kind").and_then(Value::as_str) == Some("cloudtrail.usage");
            for (key, v) in map.iter_mut() {
                let from_logs = from_logs || usage_resource || key == "usage" || key == "root_usage";
                shift_times(v, start, seeded_from, from_logs);
            }
        }
        _ => {}
    }
}

/// The usage window's days (`YYYY-MM-DD`): the same calendar-day distance from the demo's day.
fn shift_usage_dates(doc: &mut Value, start: i64) {
    let shift = |v: &mut Value| {
        if let Some(day) = v.as_str().and_then(|d| epoch_seconds(&format!("{d}T00:00:00Z"))) {
            let days = day.div_euclid(86_400) - start.div_euclid(86_400);
            let t = DEMO_EPOCH.div_euclid(86_400) * 86_400 + days * 86_400;
            *v = Value::String(format_epoch(t)[..10].to_string());
        }
    };
    for r in doc["resources"].as_array_mut().into_iter().flatten().filter(|r| r["kind"] == "cloudtrail.usage") {
        let c = &mut r["config"];
        for field in ["window_from", "window_to", "covered_from"] {
            shift(&mut c[field]);
        }
        for d in c["missing_days"].as_array_mut().into_iter().flatten() {
            shift(d);
        }
    }
}

/// Users and roles created a year before the demo's collection.
fn principals_predate_the_logs(doc: &mut Value) {
    for r in doc["resources"].as_array_mut().into_iter().flatten() {
        if matches!(r["kind"].as_str(), Some("iam.role" | "iam.user")) && r["config"]["create_date"].is_string() {
            r["config"]["create_date"] = Value::String(format_epoch(DEMO_EPOCH - 365 * 86_400));
        }
    }
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]`, else `None`.
fn epoch_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let rest = &s[19..];
    let rest = rest.strip_prefix('.').map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit())).unwrap_or(rest);
    if !matches!(rest, "Z" | "+00:00" | "") {
        return None;
    }
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn only_clock_derived_times_move() {
    let start = epoch_seconds("2031-07-01T10:00:00Z").unwrap();
    let mut doc = serde_json::json!({
        "created": "2031-07-01T09:59:30Z",
        "expires": "2032-06-30T09:59:30Z",
        "moto_constant": "2021-11-27T10:34:26.802Z",
        "recent_moto_constant": "2031-06-21T10:00:00Z",
        "not_a_time": "2031-07-01",
    });
    shift_times(&mut doc, start, start - 3600, false);
    assert_eq!(doc["created"], "2026-01-15T09:00:00Z");
    // Seeded days back: the calendar day's distance and the time of day kept.
    let mut usage = serde_json::json!({"usage": {"last": ["2031-06-21T10:00:00Z", "2031-06-30T23:59:59Z"]}});
    shift_times(&mut usage, start, start - 3600, false);
    assert_eq!(usage["usage"]["last"], serde_json::json!(["2026-01-05T10:00:00Z", "2026-01-14T23:59:59Z"]));
    // The same instant outside what was read from the logs is a constant: kept.
    assert_eq!(doc["recent_moto_constant"], "2031-06-21T10:00:00Z");
    assert_eq!(doc["expires"], "2027-01-15T09:00:00Z");
    assert_eq!(doc["moto_constant"], "2021-11-27T10:34:26.802Z");
    assert_eq!(doc["not_a_time"], "2031-07-01");
}

#[test]
fn dates_round_trip() {
    assert_eq!(format_epoch(DEMO_EPOCH), "2026-01-15T09:00:00Z");
    assert_eq!(epoch_seconds("2026-01-15T09:00:00Z"), Some(DEMO_EPOCH));
    assert_eq!(epoch_seconds("2026-01-15T09:00:00.123456Z"), Some(DEMO_EPOCH));
    assert_eq!(epoch_seconds("2026-01-15T09:00:00+00:00"), Some(DEMO_EPOCH));
    assert_eq!(epoch_seconds("not a date"), None);
    assert_eq!(format_epoch(epoch_seconds("2024-02-29T23:59:59Z").unwrap()), "2024-02-29T23:59:59Z");
}
