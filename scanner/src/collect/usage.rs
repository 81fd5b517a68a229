//! Usage: what each principal did in the last N days, from the account's CloudTrail log files
//! (`bbscan snapshot --usage-days N`, or `--usage-from DIR` for files already downloaded).
//!
//! The trail's bucket is listed per region — `[prefix/]AWSLogs/[org-id/]<account>/
//! CloudTrail/<region>/` — starting after the window's first day (`<yyyy>/<mm>/<dd>` sorts by
//! date), so only the window's files are listed and fetched; files are
//! fetched with bounded concurrency and each is decompressed and parsed as a stream on a
//! blocking thread (`trail_logs`). What could not be read is recorded honestly in the
//! `cloudtrail.usage` resource: the window actually covered, days with no file, unreadable
//! files, whether the trail is multi-region, logging, and which data events it records — so
//! that no rule calls an action unused when the logs that would show it were not read.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::trail_logs::{Aggregator, format_time};
use bbscan_model::*;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Files fetched and parsed at once.
const FILES_IN_FLIGHT: usize = 8;
/// A log file larger than this compressed is not fetched: it could not inflate to less JSON
/// than a file may hold (CloudTrail writes files of a few MB).
const MAX_FILE_BYTES: i64 = super::trail_logs::MAX_JSON_BYTES as i64;
/// Unreadable files listed by name (all are counted).
const UNREADABLE_LISTED: usize = 50;

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct UsageOptions {
    /// Days back from the collection's start, today included; 0: no usage.
    pub days: u32,
    /// Read these downloaded log files instead of the trail's bucket.
    pub from_dir: Option<PathBuf>,
}

/// Usage per principal ARN, and the coverage resource.
pub(crate) struct Usage {
    pub coverage: Resource,
    pub principals: HashMap<String, PrincipalUsage>,
}

/// The window: UTC days, the last one being the collection's day.
fn window(now: i64, days: u32) -> (i64, i64, Vec<String>) {
    let today = now.div_euclid(86_400);
    let first = today - i64::from(days.max(1)) + 1;
    let dates = (first..=today).map(|d| format_time(d * 86_400)[..10].to_string()).collect();
    (first * 86_400, today * 86_400 + 86_399, dates)
}

/// The trail to read: one that is logging and records every region, else one that logs, else
/// any with a bucket.
fn choose_trail(resources: &[Resource]) -> Option<(&Resource, &CloudTrailTrail)> {
    let trails: Vec<(&Resource, &CloudTrailTrail)> = resources
        .iter()
        .filter_map(|r| match &r.config {
            ResourceConfig::CloudTrailTrail(t) if t.s3_bucket_name.is_some() => Some((r, t.as_ref())),
            _ => None,
        })
        .collect();
    let logging = |t: &CloudTrailTrail| t.status.as_ref().is_some_and(|s| s.is_logging);
    trails
        .iter()
        .find(|(_, t)| logging(t) && t.is_multi_region_trail)
        .or_else(|| trails.iter().find(|(_, t)| logging(t)))
        .or_else(|| trails.first())
        .copied()
}

/// What one management selector records.
struct Management {
    reads: bool,
    writes: bool,
    excluded: BTreeSet<String>,
    /// None: every source.
    only: Option<BTreeSet<String>>,
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array()).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// Put what the trail's event selectors record on the coverage: management reads and writes,
/// the event sources left out (or the only ones kept), and the data-event resource types
/// recorded for every resource of the type. A selector that filters on anything this does not
/// understand counts as recording nothing: what it records cannot be told, so it shows no use.
fn record_selectors(t: &CloudTrailTrail, coverage: &mut UsageCoverage) {
    let mut data = BTreeSet::new();
    let mut managements: Vec<Management> = Vec::new();
    for s in &t.event_selectors {
        let management = s.get("include_management_events").and_then(|v| v.as_bool()).unwrap_or(true);
        let rw = s.get("read_write_type").and_then(|v| v.as_str()).unwrap_or("All");
        if management {
            managements.push(Management {
                reads: rw != "WriteOnly",
                writes: rw != "ReadOnly",
                excluded: strings(s.get("exclude_management_event_sources")).into_iter().collect(),
                only: None,
            });
        }
        if rw != "All" {
            continue;
        }
        for d in s.get("data_resources").and_then(|v| v.as_array()).into_iter().flatten() {
            // Values name ARN prefixes: only a bare service prefix means every resource.
            let every = strings(d.get("values")).iter().any(|v| {
                let v = v.trim_end_matches([':', '/']);
                v.starts_with("arn:") && v.split(':').count() <= 3
            });
            if let Some(kind) = d.get("type").and_then(|v| v.as_str())
                && every
            {
                data.insert(kind.to_string());
            }
        }
    }
    for s in &t.advanced_event_selectors {
        let fields: Vec<serde_json::Value> =
            s.get("field_selectors").and_then(|v| v.as_array()).cloned().unwrap_or_default();
        let field = |name: &str| fields.iter().find(|f| f.get("field").and_then(|v| v.as_str()) == Some(name));
        let names: BTreeSet<&str> = fields.iter().filter_map(|f| f.get("field").and_then(|v| v.as_str())).collect();
        // Only `equals` is understood on these fields; any other operator narrows in ways not
        // modelled here.
        let only_equals = |f: &serde_json::Value| {
            ["starts_with", "ends_with", "not_equals", "not_starts_with", "not_ends_with"]
                .iter()
                .all(|op| strings(f.get(*op)).is_empty())
        };
        let category = field("eventCategory").map(|f| strings(f.get("equals"))).unwrap_or_default();
        if category.iter().any(|c| c == "Management") && category.len() == 1 {
            if !names.iter().all(|n| ["eventCategory", "readOnly", "eventSource"].contains(n)) {
                continue;
            }
            let ro = field("readOnly").map(|f| strings(f.get("equals"))).unwrap_or_default();
            if field("readOnly").is_some_and(|f| !only_equals(f)) {
                continue;
            }
            let only = |b: &str| ro.len() == 1 && ro[0] == b;
            let mut m = Management { reads: !only("false"), writes: !only("true"), excluded: BTreeSet::new(), only: None };
            if let Some(f) = field("eventSource") {
                let equals = strings(f.get("equals"));
                let not_equals = strings(f.get("not_equals"));
                let others = ["starts_with", "ends_with", "not_starts_with", "not_ends_with"]
                    .iter()
                    .any(|op| !strings(f.get(*op)).is_empty());
                if others {
                    continue;
                }
                m.excluded = not_equals.into_iter().collect();
                if !equals.is_empty() {
                    m.only = Some(equals.into_iter().collect());
                }
            }
            managements.push(m);
        } else if category.iter().any(|c| c == "Data") && category.len() == 1 {
            // Every resource of the types: no filter but the category and the type.
            if names.iter().all(|n| ["eventCategory", "resources.type"].contains(n))
                && let Some(f) = field("resources.type")
                && only_equals(f)
            {
                data.extend(strings(f.get("equals")));
            }
        }
    }
    if t.event_selectors.is_empty() && t.advanced_event_selectors.is_empty() {
        // No selectors read back: a trail records every management event by default.
        managements.push(Management { reads: true, writes: true, excluded: BTreeSet::new(), only: None });
    }
    coverage.management_reads = Some(managements.iter().any(|m| m.reads));
    coverage.management_writes = Some(managements.iter().any(|m| m.writes));
    let every_source: Vec<&Management> = managements.iter().filter(|m| m.only.is_none()).collect();
    if every_source.is_empty() {
        let only: BTreeSet<String> = managements.iter().filter_map(|m| m.only.clone()).flatten().collect();
        coverage.only_sources = only.into_iter().collect();
    } else {
        // Left out only when every selector that records all sources leaves it out.
        let mut excluded = every_source[0].excluded.clone();
        for m in &every_source[1..] {
            excluded.retain(|x| m.excluded.contains(x));
        }
        coverage.excluded_sources = excluded.into_iter().collect();
    }
    coverage.data_events = data.into_iter().collect();
}

/// From the window's days and the days that have files: the first day with a file, how many
/// days from then on have files, and the days from then on that have none (holes). The last
/// day — the collection's own — is never a hole: its files may not have arrived yet (CloudTrail
/// delivers within about 15 minutes), so it counts only when present.
fn span(dates: &[String], present: &BTreeSet<String>) -> (Option<String>, u32, Vec<String>) {
    let Some(start) = dates.iter().position(|d| present.contains(d)) else { return (None, 0, Vec::new()) };
    let mut covered = 0;
    let mut missing = Vec::new();
    for (i, d) in dates.iter().enumerate().skip(start) {
        if present.contains(d) {
            covered += 1;
        } else if i + 1 < dates.len() {
            missing.push(d.clone());
        }
    }
    (Some(dates[start].clone()), covered, missing)
}

/// The date (`yyyy-mm-dd`) of a log file key or path laid out as CloudTrail writes them.
fn date_of(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(3).rev().find_map(|w| {
        let ok = w[0].len() == 4
            && w[1].len() == 2
            && w[2].len() == 2
            && w.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| format!("{}-{}-{}", w[0], w[1], w[2]))
    })
}

fn coverage_resource(ctx: &Ctx<'_>, coverage: UsageCoverage) -> Resource {
    let arn = format!("arn:{}:cloudtrail::{}:usage", ctx.partition, ctx.account);
    ctx.resource(arn, "usage".into(), "global", BTreeMap::new(), ResourceConfig::CloudTrailUsage(Box::new(coverage)))
}

/// Read usage for the options, given the resources collected so far (trails, the
/// organisation, buckets).
pub(crate) async fn collect(ctx: &Ctx<'_>, resources: &[Resource], options: &UsageOptions, now: i64) -> Option<Usage> {
    if options.days == 0 && options.from_dir.is_none() {
        return None;
    }
    let (from, _, dates) = window(now, options.days.max(1));
    let mut coverage = UsageCoverage {
        window_from: dates.first().cloned().unwrap_or_default(),
        window_to: dates.last().cloned().unwrap_or_default(),
        ..UsageCoverage::default()
    };
    let mut agg = Aggregator::new(&ctx.account, &ctx.partition, from, now);
    let mut unknown = Vec::new();
    let trail = choose_trail(resources);
    // What the account's trail records, wherever its files are read from.
    if let Some((r, trail)) = trail {
        record_selectors(trail, &mut coverage);
        coverage.trail_arn = Some(r.arn.clone());
        coverage.multi_region = Some(trail.is_multi_region_trail);
        let home = trail.home_region.clone().unwrap_or_else(|| r.region.clone());
        coverage.all_regions_recorded = Some(
            trail.is_multi_region_trail
                || (trail.include_global_service_events && ctx.aws.regions.iter().all(|x| *x == home)),
        );
        coverage.logging = trail.status.as_ref().map(|s| s.is_logging);
    }
    let days_present = if let Some(dir) = &options.from_dir {
        coverage.source = "directory".into();
        coverage.prefix = Some(dir.display().to_string());
        read_directory(dir, &dates, &mut agg, &mut coverage).await
    } else {
        coverage.source = "s3".into();
        match trail {
            None => {
                unknown.push("events".to_string());
                BTreeSet::new()
            }
            Some((_, trail)) => {
                coverage.bucket = trail.s3_bucket_name.clone();
                coverage.prefix = trail.s3_key_prefix.clone().filter(|p| !p.is_empty());
                let org = resources.iter().find_map(|r| match &r.config {
                    ResourceConfig::OrganizationsAccount(o) => o.organization.as_ref().map(|o| o.id.clone()),
                    _ => None,
                });
                let org_id = org.filter(|_| trail.is_organization_trail);
                let bucket_region = resources
                    .iter()
                    .find(|b| matches!(b.config, ResourceConfig::S3Bucket(_)) && Some(&b.name) == trail.s3_bucket_name.as_ref())
                    .map(|b| b.region.clone())
                    .or_else(|| trail.home_region.clone())
                    .unwrap_or_else(|| ctx.aws.global_region());
                let prefix = coverage.prefix.clone();
                read_bucket(
                    ctx,
                    &bucket_region,
                    trail.s3_bucket_name.as_deref().unwrap_or_default(),
                    prefix.as_deref(),
                    org_id.as_deref(),
                    &dates,
                    &mut agg,
                    &mut coverage,
                    &mut unknown,
                )
                .await
            }
        }
    };
    let (covered_from, days_covered, missing) = span(&dates, &days_present);
    coverage.covered_from = covered_from;
    coverage.days_covered = days_covered;
    coverage.missing_days = missing;
    coverage.events = agg.events;
    coverage.outside_window = agg.outside_window + agg.malformed;
    coverage.future_events = agg.future;
    coverage.bytes = agg.bytes;
    coverage.first_event = agg.first.map(format_time);
    coverage.last_event = agg.last.map(format_time);
    let principals = agg.finish();
    let mut r = coverage_resource(ctx, coverage);
    r.unknown = unknown;
    Some(Usage { coverage: r, principals })
}

#[allow(clippy::too_many_arguments)]
async fn read_bucket(
    ctx: &Ctx<'_>,
    region: &str,
    bucket: &str,
    prefix: Option<&str>,
    org_id: Option<&str>,
    dates: &[String],
    agg: &mut Aggregator,
    coverage: &mut UsageCoverage,
    unknown: &mut Vec<String>,
) -> BTreeSet<String> {
    let client = ctx.aws.s3(region);
    let mut base = String::new();
    if let Some(p) = prefix {
        base.push_str(p.trim_end_matches('/'));
        base.push('/');
    }
    base.push_str("AWSLogs/");
    if let Some(org) = org_id {
        base.push_str(org);
        base.push('/');
    }
    base.push_str(&format!("{}/CloudTrail/", ctx.account));
    let bucket_arn = format!("arn:{}:s3:::{bucket}", ctx.partition);
    // The regions that have logs.
    let stream = client.list_objects_v2().bucket(bucket).prefix(&base).delimiter("/").into_paginator().send();
    let regions = match ctx
        .api
        .pages(Op::S3ListObjectsV2, Target::field(region, &bucket_arn, "events"), stream, |p| {
            p.common_prefixes.unwrap_or_default().into_iter().filter_map(|c| c.prefix).collect::<Vec<_>>()
        })
        .await
    {
        Read::Found(r) => r,
        _ => {
            unknown.push("events".into());
            return BTreeSet::new();
        }
    };
    let regions: Vec<String> =
        regions.iter().filter_map(|p| p.strip_prefix(&base)).map(|r| r.trim_end_matches('/').to_string()).collect();
    coverage.regions = regions.clone();
    // One listing per region from the window's first day (keys sort by date, and `StartAfter`
    // skips everything older); only the window's days are kept. The number of calls depends on
    // the number of files, never on where month boundaries fall in the window.
    let wanted: BTreeSet<&str> = dates.iter().map(String::as_str).collect();
    let Some(first) = dates.first() else { return BTreeSet::new() };
    let mut keys: Vec<(String, i64)> = Vec::new();
    let mut days = BTreeSet::new();
    for r in &regions {
        let stream = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(format!("{base}{r}/"))
            .start_after(format!("{base}{r}/{}", first.replace('-', "/")))
            .into_paginator()
            .send();
        match ctx
            .api
            .pages(Op::S3ListObjectsV2, Target::field(region, &bucket_arn, "events"), stream, |p| {
                p.contents.unwrap_or_default()
            })
            .await
        {
            Read::Found(objects) => {
                for o in objects {
                    let Some(key) = o.key else { continue };
                    if !key.ends_with(".json.gz") {
                        continue;
                    }
                    let Some(date) = date_of(&key) else { continue };
                    if !wanted.contains(date.as_str()) {
                        continue;
                    }
                    days.insert(date);
                    keys.push((key, o.size.unwrap_or(0)));
                }
            }
            _ => {
                if !unknown.contains(&"events".to_string()) {
                    unknown.push("events".into());
                }
            }
        }
    }
    // Fetch and parse, a few at a time; each file folded on its own, then merged.
    let template = agg.fresh();
    let results = futures::stream::iter(keys.into_iter().map(|(key, size)| {
        let client = client.clone();
        let template = template.fresh();
        let bucket_arn = bucket_arn.clone();
        async move {
            if size > MAX_FILE_BYTES {
                return (key, Err(format!("{size} bytes compressed: larger than bbscan reads ({MAX_FILE_BYTES})")), template);
            }
            let got = ctx
                .api
                .call(
                    Op::S3GetObject,
                    Target::field(region, &bucket_arn, "events"),
                    client.get_object().bucket(bucket).key(&key).send(),
                )
                .await;
            let Read::Found(object) = got else {
                return (key, Err("could not be fetched (see the gaps)".to_string()), template);
            };
            // The body streams into the parser through a short queue: a file is never held
            // whole, compressed or not.
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, String>>(4);
            let parser = tokio::task::spawn_blocking(move || {
                let mut local = template;
                let result = local.read_gzip(Chunks { rx, chunk: Vec::new(), at: 0 });
                (result, local)
            });
            let mut body = object.body;
            while let Some(chunk) = body.next().await {
                let item = chunk.map(|b| b.to_vec()).map_err(|e| format!("download failed: {e}"));
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
            drop(tx);
            match parser.await {
                Ok((result, local)) => (key, result, local),
                Err(e) => (key, Err(format!("parsing failed: {e}")), agg_placeholder()),
            }
        }
    }))
    .buffer_unordered(FILES_IN_FLIGHT);
    // Folded as each file finishes: at most FILES_IN_FLIGHT files' aggregates exist at once.
    futures::pin_mut!(results);
    while let Some((key, result, local)) = results.next().await {
        note(coverage, &key, result);
        agg.merge(local);
    }
    days
}

/// A reader over chunks sent from the download; ends when the sender is dropped.
struct Chunks {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, String>>,
    chunk: Vec<u8>,
    at: usize,
}

impl std::io::Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn agg_placeholder() -> Aggregator {
    Aggregator::new("", "aws", 0, 0)
}

fn note(coverage: &mut UsageCoverage, key: &str, result: Result<u64, String>) {
    match result {
        Ok(_) => coverage.files_read += 1,
        Err(reason) => {
            coverage.unreadable_total += 1;
            if coverage.unreadable.len() < UNREADABLE_LISTED {
                coverage.unreadable.push(UnreadableLog { key: key.to_string(), reason });
            }
        }
    }
}

/// Read the log files under `dir` for `account`'s principals, the last `days` days before
/// `now`, exactly as `--usage-from` does, outside a collection (benchmarks). Returns what was
/// read and how many principals did something.
pub async fn read_directory_usage(dir: &Path, account: &str, now: i64, days: u32) -> (UsageCoverage, usize) {
    let (from, _, dates) = window(now, days.max(1));
    let mut coverage = UsageCoverage::default();
    let mut agg = Aggregator::new(account, "aws", from, now);
    let present = read_directory(dir, &dates, &mut agg, &mut coverage).await;
    let (covered_from, days_covered, missing) = span(&dates, &present);
    (coverage.covered_from, coverage.days_covered, coverage.missing_days) = (covered_from, days_covered, missing);
    (coverage.events, coverage.bytes) = (agg.events, agg.bytes);
    let principals = agg.finish().len();
    (coverage, principals)
}

/// Every log file under a directory (`*.json.gz`, `*.json`), those of the window's days when
/// their path says the day.
async fn read_directory(dir: &Path, dates: &[String], agg: &mut Aggregator, coverage: &mut UsageCoverage) -> BTreeSet<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            coverage.unreadable_total += 1;
            coverage.unreadable.push(UnreadableLog { key: d.display().to_string(), reason: "not a readable directory".into() });
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".json.gz") || p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let wanted: BTreeSet<&str> = dates.iter().map(String::as_str).collect();
    let mut days = BTreeSet::new();
    let mut dated = false;
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| match date_of(&f.to_string_lossy()) {
            Some(d) => {
                dated = true;
                let inside = wanted.contains(d.as_str());
                if inside {
                    days.insert(d);
                }
                inside
            }
            // No date in the path: read it, and let the events' times decide.
            None => true,
        })
        .collect();
    let template = agg.fresh();
    let results = futures::stream::iter(files.into_iter().map(|f| {
        let local = template.fresh();
        async move {
            let name = f.display().to_string();
            let parsed = tokio::task::spawn_blocking(move || {
                let mut local = local;
                let gz = f.to_string_lossy().ends_with(".gz");
                let result = std::fs::File::open(&f)
                    .map_err(|e| format!("cannot open: {e}"))
                    .and_then(|file| if gz { local.read_gzip(file) } else { local.read_json(file) });
                (result, local)
            })
            .await;
            match parsed {
                Ok((result, local)) => (name, result, local),
                Err(e) => (name, Err(format!("parsing failed: {e}")), agg_placeholder()),
            }
        }
    }))
    .buffer_unordered(FILES_IN_FLIGHT);
    futures::pin_mut!(results);
    while let Some((name, result, local)) = results.next().await {
        note(coverage, &name, result);
        agg.merge(local);
    }
    // Files whose paths do not say their day: the days from the first to the last event read.
    if !dated && let (Some(first), Some(last)) = (agg.first, agg.last) {
        for d in dates {
            let day = bbscan_model::epoch_seconds(&format!("{d}T12:00:00Z")).unwrap_or(0).div_euclid(86_400);
            if (first.div_euclid(86_400)..=last.div_euclid(86_400)).contains(&day) {
                days.insert(d.clone());
            }
        }
    }
    days
}

/// Put each principal's usage on its resource (every principal of the account gets one, empty
/// when it did nothing), and the root user's on the account.
pub(crate) fn attach(resources: &mut [Resource], usage: &HashMap<String, PrincipalUsage>, account_root: &str) {
    for r in resources.iter_mut() {
        let found = usage.get(&r.arn).cloned().unwrap_or_default();
        match &mut r.config {
            ResourceConfig::IamUser(u) => u.usage = Some(found),
            ResourceConfig::IamRole(role) => role.usage = Some(found),
            ResourceConfig::IamAccount(a) => a.root_usage = Some(usage.get(account_root).cloned().unwrap_or_default()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_dates() {
        // 2028-02-29T12:00:00Z, three days: the 27th to the 29th.
        let (from, to, dates) = window(1_835_438_400, 3);
        assert_eq!(dates, vec!["2028-02-27", "2028-02-28", "2028-02-29"]);
        assert_eq!(format_time(from), "2028-02-27T00:00:00Z");
        assert_eq!(format_time(to), "2028-02-29T23:59:59Z");
        assert_eq!(
            date_of("logs/AWSLogs/123456789012/CloudTrail/us-east-1/2028/02/29/123456789012_CloudTrail_us-east-1_20280229T1200Z_x.json.gz"),
            Some("2028-02-29".into())
        );
        assert_eq!(date_of("random/file.json.gz"), None);
    }

    #[test]
    fn the_days_covered_and_the_holes() {
        let dates: Vec<String> = (1..=6).map(|d| format!("2026-03-0{d}")).collect();
        let present = |days: &[u32]| days.iter().map(|d| format!("2026-03-0{d}")).collect::<BTreeSet<String>>();
        assert_eq!(span(&dates, &present(&[])), (None, 0, vec![]));
        // Logs begin on the 3rd; the 5th is a hole; the 6th (today) has no file yet: not a hole.
        assert_eq!(span(&dates, &present(&[3, 4])), (Some("2026-03-03".into()), 2, vec!["2026-03-05".into()]));
        assert_eq!(span(&dates, &present(&[1, 2, 3, 4, 5, 6])), (Some("2026-03-01".into()), 6, vec![]));
    }

    fn recorded(t: &CloudTrailTrail) -> UsageCoverage {
        let mut c = UsageCoverage::default();
        record_selectors(t, &mut c);
        c
    }

    #[test]
    fn selectors_say_what_is_recorded() {
        let mut t = CloudTrailTrail::default();
        let c = recorded(&t);
        assert_eq!((c.management_reads, c.management_writes, c.data_events.len()), (Some(true), Some(true), 0));
        // Basic selectors, in the shape the collector writes them.
        t.event_selectors = vec![serde_json::json!({"read_write_type": "WriteOnly", "include_management_events": true,
            "data_resources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
            "exclude_management_event_sources": ["kms.amazonaws.com"]})];
        let c = recorded(&t);
        assert_eq!((c.management_reads, c.management_writes), (Some(false), Some(true)));
        assert!(c.data_events.is_empty(), "write-only data events do not show reads");
        assert_eq!(c.excluded_sources, vec!["kms.amazonaws.com"]);
        t.event_selectors = vec![serde_json::json!({"read_write_type": "All", "include_management_events": true,
            "data_resources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::"]},
                               {"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda:us-east-1:123456789012:function:one"]}]})];
        let c = recorded(&t);
        assert_eq!(c.data_events, vec!["AWS::S3::Object"], "one function's invocations are not every function's");
        // Advanced selectors.
        let field = |name: &str, op: &str, values: &[&str]| serde_json::json!({"field": name, op: values});
        t.event_selectors = vec![];
        t.advanced_event_selectors = vec![
            serde_json::json!({"name": "m", "field_selectors": [field("eventCategory", "equals", &["Management"]),
                                                                field("eventSource", "not_equals", &["kms.amazonaws.com", "rdsdata.amazonaws.com"])]}),
            serde_json::json!({"name": "d", "field_selectors": [field("eventCategory", "equals", &["Data"]),
                                                                field("resources.type", "equals", &["AWS::Lambda::Function"])]}),
            serde_json::json!({"name": "one bucket", "field_selectors": [field("eventCategory", "equals", &["Data"]),
                                                                field("resources.type", "equals", &["AWS::S3::Object"]),
                                                                field("resources.ARN", "starts_with", &["arn:aws:s3:::assets/"])]}),
        ];
        let c = recorded(&t);
        assert_eq!((c.management_reads, c.management_writes), (Some(true), Some(true)));
        assert_eq!(c.excluded_sources, vec!["kms.amazonaws.com", "rdsdata.amazonaws.com"]);
        assert_eq!(c.data_events, vec!["AWS::Lambda::Function"]);
        // Write-only management events, and a selector on a field this does not model.
        t.advanced_event_selectors = vec![
            serde_json::json!({"field_selectors": [field("eventCategory", "equals", &["Management"]), field("readOnly", "equals", &["false"])]}),
            serde_json::json!({"field_selectors": [field("eventCategory", "equals", &["Management"]), field("eventName", "equals", &["GetParameter"])]}),
        ];
        let c = recorded(&t);
        assert_eq!((c.management_reads, c.management_writes), (Some(false), Some(true)));
        // Only some sources.
        t.advanced_event_selectors = vec![serde_json::json!({"field_selectors": [field("eventCategory", "equals", &["Management"]),
                                                                               field("eventSource", "equals", &["iam.amazonaws.com"])]})];
        let c = recorded(&t);
        assert_eq!(c.only_sources, vec!["iam.amazonaws.com"]);
        assert!(c.excluded_sources.is_empty());
    }
}
