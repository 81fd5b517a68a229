//! CloudTrail log parsing: throughput per core and end to end, and peak memory.
//!
//! `cargo bench -p bbscan --bench trail_logs [-- --mb N]` (default 1024: 1 GiB of JSON)
//!
//! 1. Writes N MiB of uncompressed CloudTrail JSON as gzip files of ~8 MiB each (the documented
//!    record format: assumed-role sessions, users, services, request parameters and response
//!    elements, data events, refused calls) under the target directory, once per size.
//! 2. One core: gzip decompression alone, JSON parsing alone, and both (the parser as bbscan
//!    runs it), in MB/s of JSON.
//! 3. End to end from local files, exactly as `bbscan snapshot --usage-from DIR` reads them
//!    (file walk, eight files in flight on blocking threads, merge), in a child process per
//!    size — a quarter of the files and all of them — with its peak resident memory (VmHWM):
//!    flat in the size of the logs is the target.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const ACCOUNT: &str = "123456789012";
const FILE_MIB: usize = 8;
/// 2026-05-28T00:00:00Z: the generated events' day (the window ends at its end).
const DAY: i64 = 1_780_000_000 - 1_780_000_000 % 86_400;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--e2e") {
        let dir = PathBuf::from(&args[i + 1]);
        let limit: usize = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
        end_to_end_child(&dir, limit);
        return;
    }
    let mib: usize =
        args.iter().position(|a| a == "--mb").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(1024);
    let dir = generate(mib);
    let files = gz_files(&dir);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("trail_logs: {} files, {mib} MiB of JSON, {} cores", files.len(), cores);

    // One core, on one file held in memory.
    let gz = std::fs::read(&files[0]).expect("read a file");
    let mut json = Vec::new();
    flate2::read::MultiGzDecoder::new(gz.as_slice()).read_to_end(&mut json).expect("inflate");
    let mb = json.len() as f64 / 1e6;
    let rounds = 6;
    let t = Instant::now();
    for _ in 0..rounds {
        let mut sink = Vec::with_capacity(json.len());
        flate2::read::MultiGzDecoder::new(gz.as_slice()).read_to_end(&mut sink).expect("inflate");
    }
    let inflate = mb * rounds as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..rounds {
        let mut agg = bbscan::collect::trail_logs::Aggregator::new(ACCOUNT, "aws", DAY - 86_400 * 30, DAY + 86_400);
        agg.read_json(json.as_slice()).expect("parse");
    }
    let parse = mb * rounds as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..rounds {
        let mut agg = bbscan::collect::trail_logs::Aggregator::new(ACCOUNT, "aws", DAY - 86_400 * 30, DAY + 86_400);
        agg.read_gzip(gz.as_slice()).expect("parse");
    }
    let both = mb * rounds as f64 / t.elapsed().as_secs_f64();
    println!("one core: gzip inflate {inflate:.0} MB/s, JSON parse {parse:.0} MB/s, inflate+parse {both:.0} MB/s (of JSON)");

    // End to end, in a fresh process per size for a clean peak-memory figure.
    let exe = std::env::current_exe().expect("this benchmark");
    for limit in [files.len().div_ceil(4), files.len()] {
        let out = std::process::Command::new(&exe)
            .arg("--e2e")
            .arg(&dir)
            .arg(limit.to_string())
            .output()
            .expect("run the end-to-end child");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// Read the first `limit` files of `dir` (copied into a directory of their own) as
/// `--usage-from` does; print the figures.
fn end_to_end_child(dir: &Path, limit: usize) {
    let files = gz_files(dir);
    let subset = if limit >= files.len() {
        dir.to_path_buf()
    } else {
        let sub = dir.with_extension(format!("first{limit}"));
        if !sub.is_dir() {
            std::fs::create_dir_all(&sub).expect("mkdir");
            for f in &files[..limit] {
                std::fs::hard_link(f, sub.join(f.file_name().expect("name"))).expect("link");
            }
        }
        sub
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let t = Instant::now();
    let (coverage, principals) =
        runtime.block_on(bbscan::collect::usage::read_directory_usage(&subset, ACCOUNT, DAY + 86_400 - 1, 30));
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(coverage.unreadable_total, 0, "{:?}", coverage.unreadable);
    println!(
        "end to end ({} files, {} MB of JSON, {} events, {principals} principals): {secs:.2} s, {:.0} MB/s, peak memory {} MiB",
        coverage.files_read,
        coverage.bytes / 1_000_000,
        coverage.events,
        coverage.bytes as f64 / 1e6 / secs,
        peak_kib() / 1024
    );
}

/// VmHWM of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn gz_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the log directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    files
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const EVENTS: &[(&str, &str, &str)] = &[
    ("ssm.amazonaws.com", "GetParameter", "Management"),
    ("ssm.amazonaws.com", "GetParameters", "Management"),
    ("kms.amazonaws.com", "Decrypt", "Management"),
    ("sts.amazonaws.com", "AssumeRole", "Management"),
    ("s3.amazonaws.com", "GetObject", "Data"),
    ("s3.amazonaws.com", "PutObject", "Data"),
    ("s3.amazonaws.com", "ListObjectsV2", "Data"),
    ("lambda.amazonaws.com", "Invoke", "Data"),
    ("lambda.amazonaws.com", "GetFunction20150331v2", "Management"),
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "Management"),
    ("sqs.amazonaws.com", "SendMessage", "Data"),
    ("sqs.amazonaws.com", "ReceiveMessage", "Data"),
    ("dynamodb.amazonaws.com", "DescribeTable", "Management"),
    ("cloudfront.amazonaws.com", "CreateInvalidation2020_05_31", "Management"),
    ("iam.amazonaws.com", "ListUsers", "Management"),
    ("logs.amazonaws.com", "CreateLogStream", "Management"),
    ("monitoring.amazonaws.com", "PutMetricData", "Management"),
    ("ec2.amazonaws.com", "DescribeInstances", "Management"),
];

/// One record in the documented format, about 1.2 KB of JSON.
fn record(rng: &mut Rng, t: i64) -> String {
    let (source, name, category) = EVENTS[(rng.next() % EVENTS.len() as u64) as usize];
    let role = format!("app-{}-Role", rng.next() % 60);
    let identity = match rng.next() % 10 {
        0 => format!(
            r#"{{"type":"IAMUser","principalId":"AIDAEXAMPLE{n}","arn":"arn:aws:iam::{ACCOUNT}:user/user{n}","accountId":"{ACCOUNT}","accessKeyId":"AKIAEXAMPLE{n}","userName":"user{n}"}}"#,
            n = rng.next() % 20
        ),
        1 => r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#.to_string(),
        _ => format!(
            r#"{{"type":"AssumedRole","principalId":"AROAEXAMPLE:session","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session","accountId":"{ACCOUNT}","accessKeyId":"ASIAEXAMPLE","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::{ACCOUNT}:role/{role}","accountId":"{ACCOUNT}","userName":"{role}"}},"attributes":{{"creationDate":"2026-05-28T10:00:00Z","mfaAuthenticated":"false"}}}}}}"#
        ),
    };
    let error = if rng.next().is_multiple_of(50) { r#","errorCode":"AccessDenied","errorMessage":"not authorized""# } else { "" };
    let resource = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/prod/p{}", rng.next() % 200);
    // What makes real records compress about tenfold, not fiftyfold: ids, tokens, addresses.
    let token: String = (0..48).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789+/"[(rng.next() % 38) as usize])).collect();
    let session = format!("{:016x}{:08x}", rng.next(), rng.next() as u32);
    let s = t.rem_euclid(86_400);
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"2026-05-28T{:02}:{:02}:{:02}Z","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"10.{}.{session:.2}.7","userAgent":"aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.11.1 api/{name}","requestParameters":{{"name":"/app/prod/p{}","withDecryption":true,"maxResults":50,"nextToken":"{token}","clientRequestToken":"{session}"}},"responseElements":{{"parameter":{{"name":"/app/prod/p","type":"SecureString","value":"HIDDEN_DUE_TO_SECURITY_REASONS","version":3}}}},"requestID":"{:032x}","eventID":"{:032x}","readOnly":true,"resources":[{{"accountId":"{ACCOUNT}","type":"AWS::SSM::Parameter","ARN":"{resource}"}}],"eventType":"AwsApiCall","managementEvent":{},"recipientAccountId":"{ACCOUNT}","eventCategory":"{category}","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{source}"}}{error}}}"#,
        s / 3600,
        s % 3600 / 60,
        s % 60,
        rng.next() % 250,
        rng.next() % 200,
        rng.next(),
        rng.next(),
        category == "Management",
    )
}

/// The generated files for `mib` MiB of JSON, made once under the target directory.
fn generate(mib: usize) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = target.join(format!("bench-trail-logs-{mib}mib"));
    let files = mib.div_ceil(FILE_MIB);
    if dir.is_dir() && gz_files(&dir).len() == files {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the log directory");
    let t = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for f in 0..files {
        let path = dir.join(format!("{ACCOUNT}_CloudTrail_us-east-1_20260528T{:04}Z_{f:05}.json.gz", f % 2400));
        let file = std::fs::File::create(&path).expect("create a log file");
        let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::new(6));
        gz.write_all(b"{\"Records\":[").expect("write");
        let mut written = 0;
        let mut first = true;
        while written < FILE_MIB << 20 {
            let t = DAY + (rng.next() % 86_000) as i64;
            let r = record(&mut rng, t);
            if !first {
                gz.write_all(b",").expect("write");
            }
            first = false;
            gz.write_all(r.as_bytes()).expect("write");
            written += r.len() + 1;
        }
        gz.write_all(b"]}").expect("write");
        gz.finish().expect("finish");
    }
    println!("generated {files} files ({mib} MiB of JSON) in {:.1} s under {}", t.elapsed().as_secs_f64(), dir.display());
    dir
}
