//! The command line: arguments, running a command, exit codes.

use crate::audit::AuditOptions;
use crate::aws::{AwsOptions, AwsSetup, RoleToAssume};
use crate::collect::{self, CollectOptions, Progress};
use crate::config::{self, Config};
use crate::host::Limits;
use crate::snapshot;
use anyhow::Context;
use bbscan_model::findings::Severity;
use bbscan_reports::safe_line;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Error = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(name = "bbscan", version, about = "Audit a deployed AWS environment for security and compliance")]
pub struct Cli {
    /// More output on stderr (per-service progress, every gap).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Settings file (default: ./bbscan.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read the deployed environment into a snapshot document (JSON).
    Snapshot(SnapshotArgs),
    /// Run the policies over the environment (live, or a snapshot) and report the findings.
    Audit(AuditArgs),
    /// Work with policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print the JSON Schema of the snapshot document (or, with --report, of the JSON report).
    Schema {
        /// The schema of the JSON audit report (`bbscan audit --format json`) instead.
        #[arg(long)]
        report: bool,
    },
    /// What changed in one account: between two snapshots, resources added, removed and changed
    /// field by field, and findings new, fixed and unchanged (the policies run over both); between
    /// two JSON reports, findings.
    Diff(DiffArgs),
    /// Work with reports: merge several accounts' JSON reports into one, in every format.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Turn the findings' proposed fixes into a reviewable plan (`plan show FILE` prints one).
    Plan(PlanArgs),
    /// Apply a plan: re-read each resource, refuse stale steps, journal every step.
    Apply(ApplyArgs),
    /// Undo the applied steps of a journal, in reverse order.
    Rollback(RollbackArgs),
    /// Ask the IAM evaluator: can a principal do an action on a resource (and why), and who can
    /// make itself an administrator.
    #[command(subcommand)]
    Iam(IamCommand),
    /// Print the IAM policy the scanner's role needs (exactly the read-only calls bbscan makes,
    /// and a deny on reading secrets), or, with --trust-repository, the role's trust policy for
    /// GitHub Actions OIDC.
    Permissions(PermissionsArgs),
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Merge JSON reports (`audit --format json`, one account or several) of different accounts
    /// into one report with per-account sections and totals: how sharded CI jobs meet.
    Merge {
        /// The JSON reports.
        #[arg(required = true, num_args = 1..)]
        reports: Vec<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
}

#[derive(Debug, Subcommand)]
enum IamCommand {
    /// Can PRINCIPAL do ACTION on RESOURCE? The decision as AWS makes it — explicit denies, SCPs,
    /// the resource's own policy, the permissions boundary, the identity policies — with the
    /// statements behind it and the conditions the request leaves open.
    Can {
        /// An IAM user or role: its ARN, or its name (`ci-bot`, `role/deployer`).
        principal: String,
        /// The action, `service:Action` (`s3:GetObject`).
        action: String,
        /// The resource ARN (`*` for actions that take none).
        resource: String,
        /// A request context key (repeatable; a key given twice is multivalued), e.g.
        /// `--context aws:SourceIp=203.0.113.7`. Keys not given are unknown (the answer may be
        /// conditional), or absent with --closed.
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
        /// Keys not given with --context are absent from the request, not unknown.
        #[arg(long)]
        closed: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: AnswerFormat,
        #[command(flatten)]
        collect: CollectArgs,
        #[command(flatten)]
        source: SnapshotSource,
    },
    /// Who is an administrator, and every other principal's shortest way to become one, with
    /// the statements behind each step.
    Paths {
        #[arg(long, value_enum, default_value = "text")]
        format: AnswerFormat,
        #[command(flatten)]
        collect: CollectArgs,
        #[command(flatten)]
        source: SnapshotSource,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AnswerFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct PlanArgs {
    #[command(subcommand)]
    command: Option<PlanCommand>,
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    source: SnapshotSource,
    #[command(flatten)]
    policies: PolicyArgs,
    /// Only fixes for this rule (repeatable).
    #[arg(long, value_name = "RULE")]
    only: Vec<String>,
    /// No fixes for this rule (repeatable).
    #[arg(long, value_name = "RULE")]
    skip: Vec<String>,
    /// Plan least-privilege replacements (iam.replace_with_least_privilege) even when the
    /// snapshot's CloudTrail usage is incomplete (missing days, unreadable files, regions not
    /// recorded): actions used only in what was not read would be lost.
    #[arg(long)]
    accept_partial_usage: bool,
    /// Write the plan (JSON) here; without it the plan is only shown.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Show a plan file as a readable diff.
    Show {
        /// The plan file.
        plan: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The plan file (with --resume: checked to be the journal's plan).
    #[arg(required_unless_present = "resume")]
    plan: Option<PathBuf>,
    #[command(flatten)]
    collect: CollectArgs,
    /// Do not ask for confirmation (for CI).
    #[arg(long)]
    yes: bool,
    /// Read and check every step and print the exact calls, changing nothing.
    #[arg(long)]
    dry_run: bool,
    /// The journal to write (default: the plan's path with .journal).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Continue an interrupted apply from its journal.
    #[arg(long, value_name = "JOURNAL")]
    resume: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RollbackArgs {
    /// The journal of the apply to undo.
    journal: PathBuf,
    #[command(flatten)]
    collect: CollectArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Check what would be undone, changing nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct PermissionsArgs {
    /// Print the trust policy for this GitHub repository (OWNER/NAME) instead.
    #[arg(long, value_name = "OWNER/NAME", requires = "account_id")]
    trust_repository: Option<String>,
    /// The account that holds the GitHub OIDC provider (with --trust-repository).
    #[arg(long, value_name = "ID")]
    account_id: Option<String>,
    /// The branch the scheduled job runs on (with --trust-repository).
    #[arg(long, value_name = "BRANCH", default_value = "main")]
    branch: String,
}

/// A snapshot to work on instead of collecting live (audit, plan).
#[derive(Debug, Args)]
struct SnapshotSource {
    /// Use this snapshot file instead of collecting live (or an organisation's snapshot
    /// directory, or its index.json, from `bbscan snapshot --organization -o DIR`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["stage", "app", "regions", "profile", "endpoint_url", "demo"])]
    snapshot: Option<PathBuf>,
    /// Use the built-in demo snapshot (a BrainBytes production account); no AWS needed.
    #[arg(long, conflicts_with_all = ["stage", "app", "regions", "profile", "endpoint_url"])]
    demo: bool,
}

/// Where to collect from: shared by every command that reads AWS.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Keep only one SST stage (resources tagged sst:stage=STAGE); default: the whole account.
    #[arg(long, value_name = "STAGE")]
    stage: Option<String>,
    /// The SST app (tag sst:app); default from bbscan.toml, else "brainbytes".
    #[arg(long, value_name = "APP")]
    app: Option<String>,
    /// Region to collect regional services from (repeatable); default: the AWS config's region.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Send every AWS request to this endpoint (an emulator, a VPC endpoint). Also AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Most AWS calls in flight at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// Seconds one attempt of one AWS call may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    call_timeout: u64,
    /// Attempts per AWS call, with adaptive backoff on throttling and server errors.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// Read what each principal did in the last N days from the trail's CloudTrail log files
    /// (its S3 bucket, listed by date); 0: do not read usage.
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(0..=3650))]
    usage_days: u32,
    /// Read usage from CloudTrail log files already downloaded under DIR (`*.json.gz`, any
    /// layout) instead of the trail's bucket.
    #[arg(long, value_name = "DIR")]
    usage_from: Option<PathBuf>,
}

/// Several accounts at once.
#[derive(Debug, Args)]
struct OrgArgs {
    /// Every active account of the organisation (listed from the management or a delegated
    /// administrator account), each read with the scanner role assumed in it.
    #[arg(long)]
    organization: bool,
    /// These accounts (comma-separated ids) instead of the organisation's list; implies
    /// --organization.
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    accounts: Vec<String>,
    /// The role assumed in each account (default: [organization] role_name in bbscan.toml, else
    /// OrganizationAccountAccessRole).
    #[arg(long, value_name = "NAME")]
    role_name: Option<String>,
    /// Accounts read at once (default: [organization] concurrency, else 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    account_concurrency: Option<u16>,
    /// AWS calls in flight over all accounts together (each account also keeps --concurrency).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_calls: u16,
}

impl OrgArgs {
    fn enabled(&self) -> bool {
        self.organization || !self.accounts.is_empty()
    }

    fn options(&self, config: &Config) -> anyhow::Result<crate::organization::OrganizationOptions> {
        for account in &self.accounts {
            if !config::is_account_id(account) {
                anyhow::bail!("--accounts: {account:?} is not a 12-digit AWS account id");
            }
        }
        let org = &config.organization;
        if let Some(name) = &self.role_name
            && !config::is_role_name(name)
        {
            anyhow::bail!(
                "--role-name {name:?} is not an IAM role name (letters, digits and +=,.@_- with an optional /path/, not an ARN)"
            );
        }
        Ok(crate::organization::OrganizationOptions {
            accounts: if self.accounts.is_empty() { org.accounts.clone() } else { self.accounts.clone() },
            role_name: self
                .role_name
                .clone()
                .or_else(|| org.role_name.clone())
                .unwrap_or_else(|| crate::organization::DEFAULT_ROLE_NAME.to_string()),
            external_id: org.external_id.clone(),
            concurrency: self.account_concurrency.map(usize::from).or(org.concurrency).unwrap_or(4),
            global_calls: usize::from(self.max_calls),
        })
    }
}

#[derive(Debug, Args)]
struct SnapshotArgs {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    org: OrgArgs,
    /// Write the snapshot here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the built-in demo snapshot (a BrainBytes production account); no AWS needed.
    #[arg(long, conflicts_with_all = ["stage", "app", "regions", "profile", "endpoint_url"])]
    demo: bool,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    org: OrgArgs,
    #[command(flatten)]
    source: SnapshotSource,
    #[command(flatten)]
    policies: PolicyArgs,
    /// Run only this rule (repeatable). A policy none of whose rules is chosen is not run.
    #[arg(long, value_name = "RULE")]
    only: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long, value_name = "RULE")]
    skip: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
    /// A previous report (bbscan JSON or SARIF): only findings it does not have count for
    /// --fail-on; reports mark each finding new or existing.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Say on stderr where the time went: reading the snapshot, loading the policies, each
    /// policy's evaluation, the reports.
    #[arg(long)]
    timings: bool,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The earlier snapshot or JSON report.
    old: PathBuf,
    /// The later one, of the same account.
    new: PathBuf,
    #[command(flatten)]
    policies: PolicyArgs,
    /// Snapshots: compare resources only, without running the policies over both.
    #[arg(long)]
    no_findings: bool,
    /// Output formats, repeatable or comma-separated: table, json, markdown.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "table")]
    format: Vec<DriftFormat>,
    /// Write the drift here (atomically) instead of stdout: a file for one format, a directory
    /// (drift.txt, drift.json, drift.md) for several.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DriftFormat {
    /// Text for a terminal.
    Table,
    /// The drift document (JSON), every value whole.
    Json,
    /// Markdown, for $GITHUB_STEP_SUMMARY.
    Markdown,
}

impl DriftFormat {
    fn file_name(self) -> &'static str {
        match self {
            DriftFormat::Table => "drift.txt",
            DriftFormat::Json => "drift.json",
            DriftFormat::Markdown => "drift.md",
        }
    }

    fn render(self, drift: &bbscan_model::drift::Drift) -> String {
        match self {
            DriftFormat::Table => bbscan_reports::drift_table(drift),
            DriftFormat::Json => serde_json::to_string_pretty(drift).unwrap_or_default() + "\n",
            DriftFormat::Markdown => bbscan_reports::drift_markdown(drift),
        }
    }
}

/// What a report fails on and where it goes (`audit`, `report merge`).
#[derive(Debug, Args)]
struct ReportArgs {
    /// Exit 1 when a finding is at or above this severity: info, low, medium, high, critical, or none.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_fail_on)]
    fail_on: FailOn,
    /// Output formats, repeatable or comma-separated: table, json, sarif, markdown, html.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "table")]
    format: Vec<Format>,
    /// Write the report here (atomically) instead of stdout: a file for one format, a directory
    /// (report.txt, report.json, report.sarif, report.md, report.html) for several.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

/// Where policies come from and how they are run.
#[derive(Debug, Args)]
struct PolicyArgs {
    /// Add a policy: a component, a directory of components, or a policy's source directory
    /// (Rust, TypeScript or Python: built, then cached by its sources' hash) (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Seconds one policy may run, besides 250 ms for each MiB of resources it is handed.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    policy_timeout: u64,
    /// Memory one policy may use, in MiB, besides 16 bytes for each byte of resources it is handed.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(16..=4096))]
    policy_memory: u64,
    /// Do not cache compiled policies on disk.
    #[arg(long)]
    no_cache: bool,
}

impl PolicyArgs {
    /// The audit options these flags ask for; policy source directories are built (or taken
    /// from the cache) first.
    fn options(&self, verbosity: Verbosity) -> anyhow::Result<AuditOptions> {
        let mut options = self.limits();
        for path in &mut options.policies {
            if crate::toolchain::detect(path).is_some() {
                let built = build_policy(path, options.cache_dir.as_deref(), verbosity)?;
                *path = built.wasm;
            }
        }
        Ok(options)
    }

    fn limits(&self) -> AuditOptions {
        AuditOptions {
            policies: self.paths.clone(),
            limits: Limits {
                timeout: Duration::from_secs(self.policy_timeout),
                memory_bytes: (self.policy_memory as usize) << 20,
                // A result holds no more than its memory did, unless it points at the same bytes
                // many times: the host copies no more than the policy's memory limit.
                max_result_bytes: (self.policy_memory as usize) << 20,
                ..Limits::default()
            },
            cache_dir: if self.no_cache { None } else { crate::host::default_cache_dir() },
            ..AuditOptions::default()
        }
    }
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// List every rule: id, severity, resource kinds, compliance references.
    List {
        #[command(flatten)]
        policies: PolicyArgs,
        /// `text` (one line a rule), `json` (every policy's rules in full), or `markdown` (the
        /// catalogue document, docs/rules.md).
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Create a new policy with two working rules, a fixture and its tests.
    New {
        /// The policy's name (lower case, dashes): also its directory unless --dir.
        name: String,
        /// The language of the policy.
        #[arg(long, value_enum, default_value_t = Lang::Rust)]
        lang: Lang,
        /// Where to create it (default: ./NAME).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Depend on the SDK in a bbscan checkout (or its policies/sdk, sdk-ts or sdk-python
        /// directory) instead of the published package of the version this binary speaks.
        #[arg(long = "sdk-path", alias = "sdk", value_name = "DIR")]
        sdk: Option<PathBuf>,
    },
    /// Build a policy's source directory (Rust, TypeScript or Python) into NAME.wasm, with the
    /// language's toolchain (installed into the policy's directory when missing).
    Build {
        /// The policy's directory (Cargo.toml, package.json or pyproject.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Do not keep the component in the cache for `audit --policy DIR`.
        #[arg(long)]
        no_cache: bool,
    },
    /// Run the policies against test cases: DIR/<case>/snapshot.json and expected.json. DIR may be
    /// a policy's source directory: it is built and its fixtures/ run through it alone.
    Test {
        /// The directory of test cases, or a policy's source directory.
        dir: PathBuf,
        #[command(flatten)]
        policies: PolicyArgs,
        /// Only these rules (repeatable).
        #[arg(long, value_name = "RULE")]
        only: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    #[value(alias = "ts", alias = "javascript", alias = "js")]
    Typescript,
    #[value(alias = "py")]
    Python,
}

impl Lang {
    fn language(self) -> crate::toolchain::Language {
        match self {
            Lang::Rust => crate::toolchain::Language::Rust,
            Lang::Typescript => crate::toolchain::Language::TypeScript,
            Lang::Python => crate::toolchain::Language::Python,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A human summary, grouped by severity and rule.
    Table,
    /// The audit report document (JSON).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// Markdown, for $GITHUB_STEP_SUMMARY and pull-request comments.
    Markdown,
    /// One self-contained HTML page, for people and auditors.
    Html,
}

impl Format {
    /// The file name used when several formats go to a directory.
    fn file_name(self) -> &'static str {
        match self {
            Format::Table => "report.txt",
            Format::Json => "report.json",
            Format::Sarif => "report.sarif",
            Format::Markdown => "report.md",
            Format::Html => "report.html",
        }
    }

    fn render(self, report: &bbscan_model::findings::AuditReport, colour: bool) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self {
            Format::Table if colour => bbscan_reports::table_coloured(report),
            Format::Table => bbscan_reports::table(report),
            Format::Json => bbscan_reports::json(report),
            Format::Sarif => bbscan_reports::sarif(report, version),
            Format::Markdown => bbscan_reports::markdown(report),
            Format::Html => bbscan_reports::html(report, version),
        }
    }
}

impl Format {
    fn render_multi(self, report: &bbscan_model::organization::MultiAccountReport) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self {
            Format::Table => bbscan_reports::multi_table(report),
            Format::Json => bbscan_reports::multi_json(report),
            Format::Sarif => bbscan_reports::multi_sarif(report, version),
            Format::Markdown => bbscan_reports::multi_markdown(report),
            Format::Html => bbscan_reports::multi_html(report, version),
        }
    }
}

/// Write `formats` of one document: one to stdout (or to `output` as a file), several into the
/// directory `output` as `file_name(format)`. Returns where it was written, if not stdout.
fn emit<F: Copy + PartialEq>(
    output: Option<&Path>,
    formats: &[F],
    file_name: impl Fn(F) -> &'static str,
    render: impl Fn(F) -> String,
) -> anyhow::Result<Option<String>> {
    let mut formats = formats.to_vec();
    formats.dedup();
    match (output, formats.as_slice()) {
        (None, [only]) => {
            print_stdout(&render(*only))?;
            Ok(None)
        }
        (None, _) => anyhow::bail!("several formats need --output DIR (one file per format)"),
        (Some(path), [only]) if !path.is_dir() => {
            snapshot::write_atomic(path, render(*only).as_bytes(), snapshot::Access::Shared)?;
            Ok(Some(path.display().to_string()))
        }
        (Some(dir), formats) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
            for f in formats {
                snapshot::write_atomic(&dir.join(file_name(*f)), render(*f).as_bytes(), snapshot::Access::Shared)?;
            }
            Ok(Some(dir.display().to_string()))
        }
    }
}

/// The `--fail-on` threshold; `None` never fails on findings.
#[derive(Debug, Clone, Copy)]
struct FailOn(Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FailOn(None));
    }
    Severity::parse(s)
        .map(|s| FailOn(Some(s)))
        .ok_or_else(|| format!("{s:?} is not a severity: use info, low, medium, high, critical or none"))
}

/// Verbosity of stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Parse the arguments, run, and return the exit code. Errors are printed once, with their
/// causes, on stderr.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    match run(cli, verbosity) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("error: {}", bbscan_reports::safe_text(&format!("{err:#}")));
            Exit::Error.into()
        }
    }
}

fn run(cli: Cli, verbosity: Verbosity) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Schema { report } => {
            print_stdout(&if report { crate::audit::report_schema() } else { snapshot::schema() })?;
            Ok(Exit::Clean)
        }
        Command::Permissions(args) => {
            let document = match (&args.trust_repository, &args.account_id) {
                (Some(repository), Some(account)) => {
                    let valid_repo = repository.split_once('/').is_some_and(|(o, n)| {
                        let ok = |s: &str| {
                            !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                        };
                        ok(o) && ok(n)
                    });
                    if !valid_repo {
                        anyhow::bail!(
                            "--trust-repository must be OWNER/NAME (e.g. brainbytes/app), not {repository:?}"
                        );
                    }
                    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                        anyhow::bail!("--account-id must be a 12-digit AWS account id, not {account:?}");
                    }
                    crate::permissions::github_trust_policy(account, repository, &args.branch)
                }
                _ => crate::permissions::scanner_role_policy(),
            };
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            print_stdout(&text)?;
            Ok(Exit::Clean)
        }
        Command::Snapshot(args) => {
            let config = Config::load(cli.config.as_deref())?;
            snapshot_command(args, &config, verbosity)
        }
        Command::Audit(args) => {
            let config = Config::load(cli.config.as_deref())?;
            audit_command(args, &config, verbosity)
        }
        Command::Report(ReportCommand::Merge { reports, report }) => {
            report_merge(&reports, report.fail_on, &report.format, report.output.as_deref(), verbosity)
        }
        Command::Diff(args) => {
            let config = Config::load(cli.config.as_deref())?;
            diff_command(args, &config, verbosity)
        }
        Command::Plan(PlanArgs { command: Some(PlanCommand::Show { plan }), .. }) => {
            let plan = crate::remediate::plan::read(&plan)?;
            print_stdout(&crate::remediate::plan::show(&plan))?;
            Ok(Exit::Clean)
        }
        Command::Plan(args) => {
            let config = Config::load(cli.config.as_deref())?;
            plan_command(args, &config, verbosity)
        }
        Command::Apply(args) => {
            let config = Config::load(cli.config.as_deref())?;
            apply_command(args, &config, verbosity)
        }
        Command::Rollback(args) => {
            let config = Config::load(cli.config.as_deref())?;
            rollback_command(args, &config, verbosity)
        }
        Command::Iam(IamCommand::Can { principal, action, resource, context, closed, format, collect, source }) => {
            let context = context
                .iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
                    _ => Err(anyhow::anyhow!(
                        "--context {kv:?} is not KEY=VALUE (for example --context aws:SourceIp=203.0.113.7)"
                    )),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let config = Config::load(cli.config.as_deref())?;
            let (snapshot, _) = load_snapshot(&source, &collect, &config, verbosity, false)?;
            let question = crate::explain::Question { principal, action, resource, context, closed };
            let answer = crate::explain::can(&snapshot, &question)?;
            match format {
                AnswerFormat::Text => print_stdout(&crate::explain::answer_text(&answer))?,
                AnswerFormat::Json => print_stdout(&format!("{}\n", serde_json::to_string_pretty(&answer)?))?,
            }
            Ok(Exit::Clean)
        }
        Command::Iam(IamCommand::Paths { format, collect, source }) => {
            let config = Config::load(cli.config.as_deref())?;
            let (snapshot, _) = load_snapshot(&source, &collect, &config, verbosity, false)?;
            let paths = crate::explain::paths(&snapshot);
            match format {
                AnswerFormat::Text => print_stdout(&crate::explain::paths_text(&paths))?,
                AnswerFormat::Json => print_stdout(&format!("{}\n", serde_json::to_string_pretty(&paths)?))?,
            }
            Ok(Exit::Clean)
        }
        Command::Policy(PolicyCommand::List { policies, format }) => policy_list(&policies, format, verbosity),
        Command::Policy(PolicyCommand::New { name, lang, dir, sdk }) => {
            let language = lang.language();
            let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
            let sdk = sdk.map_or(crate::scaffold::Sdk::Published, crate::scaffold::Sdk::Path);
            let written = crate::scaffold::new_policy(&dir, &name, language, &sdk)?;
            if verbosity != Verbosity::Quiet {
                for file in &written {
                    eprintln!("created {}", file.display());
                }
                let native = match language {
                    crate::toolchain::Language::Rust => "cargo test",
                    crate::toolchain::Language::TypeScript => "npm install && npm test",
                    // `policy build` makes the virtualenv the tests run in.
                    crate::toolchain::Language::Python => "bbscan policy build . && .venv/bin/python -m unittest",
                };
                eprintln!(
                    "next: cd {} && {native} && bbscan policy test . && bbscan audit --demo --policy .",
                    dir.display()
                );
            }
            Ok(Exit::Clean)
        }
        Command::Policy(PolicyCommand::Build { dir, no_cache }) => {
            // Always built; kept in the cache for `audit --policy DIR` unless --no-cache.
            let cache_dir = if no_cache { None } else { crate::host::default_cache_dir() };
            let say = |line: &str| {
                if verbosity != Verbosity::Quiet {
                    eprintln!("bbscan: {line}");
                }
            };
            let built = crate::toolchain::build_cached(&dir, cache_dir.as_deref(), true, &say)?;
            print_stdout(&format!("{}\n", built.wasm.display()))?;
            Ok(Exit::Clean)
        }
        Command::Policy(PolicyCommand::Test { dir, policies, only }) => {
            let mut options = policies.options(verbosity)?;
            options.only = only;
            // A policy's source directory: its own fixtures, through its built component alone.
            let dir = if crate::toolchain::detect(&dir).is_some() {
                let built = build_policy(&dir, options.cache_dir.as_deref(), verbosity)?;
                options.policies.push(built.wasm);
                options.builtins = false;
                dir.join("fixtures")
            } else {
                dir
            };
            let results = crate::policy_test::run(&dir, &options)?;
            let mut out = String::new();
            for r in &results {
                if r.problems.is_empty() {
                    out.push_str(&format!("ok    {}\n", r.name));
                } else {
                    out.push_str(&format!("FAIL  {}\n", r.name));
                    for p in &r.problems {
                        out.push_str(&format!("        {p}\n"));
                    }
                }
            }
            let failed = results.iter().filter(|r| !r.problems.is_empty()).count();
            out.push_str(&format!("{} passed, {failed} failed\n", results.len() - failed));
            print_stdout(&out)?;
            Ok(if failed == 0 { Exit::Clean } else { Exit::Findings })
        }
    }
}

fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`bbscan snapshot | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

fn snapshot_command(args: SnapshotArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    if args.org.enabled() {
        if args.demo {
            anyhow::bail!("--demo is one built-in account: it cannot be combined with --organization or --accounts");
        }
        let Some(dir) = &args.output else {
            anyhow::bail!("--organization writes one snapshot per account: give the directory with -o DIR");
        };
        if dir.is_file() {
            anyhow::bail!(
                "-o {}: with --organization, -o names a directory (one snapshot per account and index.json)",
                dir.display()
            );
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
        let index = collect_organization(&args.collect, &args.org, config, verbosity, dir)?;
        if verbosity != Verbosity::Quiet {
            for a in &index.accounts {
                match &a.error {
                    None => eprintln!("{}: {} resources, {} gaps", a.account_id, a.resources, a.gaps),
                    Some(e) => eprintln!("{}: not assessed: {}", a.account_id, safe_line(e)),
                }
            }
            eprintln!(
                "{} accounts ({} not assessed) written to {}",
                index.accounts.len(),
                index.accounts.iter().filter(|a| a.error.is_some()).count(),
                dir.join(bbscan_model::organization::INDEX_FILE).display()
            );
        }
        return Ok(Exit::Clean);
    }
    let (json, summary) = if args.demo {
        let demo = bbscan_model::Snapshot::from_json(snapshot::DEMO.as_bytes())
            .context("the built-in demo snapshot is damaged")?;
        (snapshot::DEMO.to_string(), snapshot::summary(&demo, None))
    } else {
        let start = Instant::now();
        let snap = collect_live(&args.collect, config, verbosity)?;
        let summary = snapshot::summary(&snap, Some(start.elapsed().as_secs_f64()));
        report_gaps(&snap, verbosity);
        (snapshot::to_json(&snap), summary)
    };
    match &args.output {
        Some(path) => {
            snapshot::write_atomic(path, json.as_bytes(), snapshot::Access::Private)?;
            if verbosity != Verbosity::Quiet {
                eprintln!("{summary}; written to {}", path.display());
            }
        }
        None => {
            print_stdout(&json)?;
            if verbosity != Verbosity::Quiet {
                eprintln!("{summary}");
            }
        }
    }
    Ok(Exit::Clean)
}

/// The snapshot to work on: the demo, a file, or a live collection; with the SHA-256 of its
/// document when `hash` is asked for (plans pin it; audits do not need it).
fn load_snapshot(
    source: &SnapshotSource,
    collect: &CollectArgs,
    config: &Config,
    verbosity: Verbosity,
    hash: bool,
) -> anyhow::Result<(bbscan_model::Snapshot, Option<String>)> {
    use crate::remediate::plan::sha256_hex;
    let digest = |bytes: &[u8]| hash.then(|| sha256_hex(bytes));
    Ok(if source.demo {
        let snap = bbscan_model::Snapshot::from_json(snapshot::DEMO.as_bytes())
            .context("the built-in demo snapshot is damaged")?;
        (snap, digest(snapshot::DEMO.as_bytes()))
    } else if let Some(path) = &source.snapshot {
        let (snap, bytes) = snapshot::read_with_bytes(path)?;
        (snap, digest(&bytes))
    } else {
        let snap = collect_live(collect, config, verbosity)?;
        report_gaps(&snap, verbosity);
        let sha = hash.then(|| sha256_hex(snapshot::to_json(&snap).as_bytes()));
        (snap, sha)
    })
}

/// Audit a snapshot document, a file's (`path`) or the demo's: its resources read straight into
/// the policies' index on every core ([`crate::host::SnapshotDocument`]), the file's bytes freed
/// before the policies run. A document that is not a snapshot gets the same error as any
/// command that reads one.
fn audit_document(
    path: Option<&Path>,
    options: &AuditOptions,
    loading: crate::audit::Loading,
    timings: Option<&crate::audit::Timings>,
    start: Instant,
) -> anyhow::Result<bbscan_model::findings::AuditReport> {
    let bytes: std::borrow::Cow<'static, [u8]> = match path {
        Some(path) => std::fs::read(path)
            .map_err(|source| snapshot::SnapshotFileError::Read { path: path.to_path_buf(), source })?
            .into(),
        None => snapshot::DEMO.as_bytes().into(),
    };
    let invalid = |e: bbscan_model::SnapshotError| -> anyhow::Error {
        match path {
            Some(path) => {
                snapshot::SnapshotFileError::Invalid { path: path.to_path_buf(), message: e.to_string() }.into()
            }
            None => anyhow::Error::new(e).context("the built-in demo snapshot is damaged"),
        }
    };
    let document = crate::host::SnapshotDocument::parse(&bytes).map_err(invalid)?;
    if let Some(t) = timings {
        let what = if path.is_some() { "read snapshot" } else { "snapshot" };
        t.record(
            what,
            start.elapsed(),
            format!("{} resources, {} gaps", document.resource_count(), document.gap_count()),
        );
    }
    let loaded = loading.wait()?;
    let start = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let count = document.resource_count();
    let (index, metadata, gaps) = document.index(threads).map_err(invalid)?;
    drop(bytes);
    if let Some(t) = timings {
        t.record("index for policies", start.elapsed(), format!("{count} resources, read on {threads} threads"));
    }
    Ok(crate::audit::audit_indexed(index, &metadata, gaps, options, &loaded)?)
}

/// What to run and how to judge it: the policy flags, rule selection, and bbscan.toml's
/// policy settings and waivers.
fn audit_options(
    policies: &PolicyArgs,
    only: &[String],
    skip: &[String],
    config: &Config,
    verbosity: Verbosity,
) -> anyhow::Result<AuditOptions> {
    let mut options = policies.options(verbosity)?;
    options.settings = config.policy_settings();
    options.only = only.to_vec();
    options.skip = skip.to_vec();
    options.waivers = config.waivers.clone();
    Ok(options)
}

/// Build a policy's source directory (or take it from the cache), saying what is done.
fn build_policy(dir: &Path, cache_dir: Option<&Path>, verbosity: Verbosity) -> anyhow::Result<crate::toolchain::Built> {
    let say = |line: &str| {
        if verbosity != Verbosity::Quiet {
            eprintln!("bbscan: {line}");
        }
    };
    let built = crate::toolchain::build_cached(dir, cache_dir, false, &say)?;
    if !built.cached {
        say(&format!("built {} ({}) into {}", built.name, built.language.as_str(), built.wasm.display()));
    }
    Ok(built)
}

fn audit_command(args: AuditArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    let index = args.source.snapshot.as_deref().and_then(crate::organization::index_path);
    if args.org.enabled() && (args.source.demo || args.source.snapshot.is_some()) {
        anyhow::bail!(
            "--organization and --accounts read the accounts live: to audit an organisation's snapshots, give \
             --snapshot DIR (from `bbscan snapshot --organization -o DIR`) without them"
        );
    }
    if args.org.enabled() || index.is_some() {
        return match index {
            Some(index) => audit_accounts(&args, &index, config, verbosity),
            None => {
                // Read live into a private temporary directory, audited account by account.
                let dir = tempfile::Builder::new()
                    .prefix("bbscan-organization-")
                    .tempdir()
                    .context("cannot create a temporary directory for the accounts' snapshots")?;
                collect_organization(&args.collect, &args.org, config, verbosity, dir.path())?;
                audit_accounts(&args, &dir.path().join(bbscan_model::organization::INDEX_FILE), config, verbosity)
            }
        };
    }
    let timings = args.timings.then(|| std::sync::Arc::new(crate::audit::Timings::default()));
    let mut options = audit_options(&args.policies, &args.only, &args.skip, config, verbosity)?;
    if let Some(path) = &args.baseline {
        options.baseline = Some((path.display().to_string(), crate::triage::load_baseline(path)?));
    }
    options.timings = timings.clone();
    // The policies load (or compile, the first time) while the snapshot is read or collected.
    let loading = crate::audit::load_alongside(&options);
    let start = Instant::now();
    let report = if args.source.demo || args.source.snapshot.is_some() {
        audit_document(args.source.snapshot.as_deref(), &options, loading, timings.as_deref(), start)?
    } else {
        let (snapshot, _) = load_snapshot(&args.source, &args.collect, config, verbosity, false)?;
        if let Some(t) = &timings {
            let detail = format!("{} resources, {} gaps", snapshot.resources.len(), snapshot.gaps.len());
            t.record("snapshot", start.elapsed(), detail);
        }
        let loaded = loading.wait()?;
        crate::audit::audit_owned(snapshot, &options, &loaded)?
    };
    let start = Instant::now();
    // Colour only for a person at a terminal reading the table on stdout, and never with NO_COLOR.
    let colour = args.report.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let written = emit(args.report.output.as_deref(), &args.report.format, Format::file_name, |f| {
        f.render(&report, colour && f == Format::Table)
    })?;
    if let Some(t) = &timings {
        let formats: Vec<String> = args
            .report
            .format
            .iter()
            .filter_map(|f| clap::ValueEnum::to_possible_value(f).map(|v| v.get_name().to_string()))
            .collect();
        t.record("write reports", start.elapsed(), formats.join(", "));
        eprint!("bbscan: {}", t.render());
    }
    if let Some(place) = written.filter(|_| verbosity != Verbosity::Quiet) {
        let new =
            report.findings.iter().filter(|f| f.baseline == Some(bbscan_model::findings::BaselineState::New)).count();
        let baseline = if report.baseline.is_some() { format!(" ({new} new)") } else { String::new() };
        eprintln!("{} findings{baseline}; report written to {place}", report.findings.len());
    }
    for w in report.waivers.iter().filter(|w| w.state == bbscan_model::findings::WaiverState::Expired) {
        eprintln!(
            "warning: the waiver for {} on {} (owner {}) expired on {}: it no longer suppresses {} finding(s)",
            w.rule, w.resource, w.owner, w.expires, w.matched
        );
    }
    for e in &report.policy_errors {
        eprintln!("error: policy {} ({}) {}", safe_line(&e.policy), safe_line(&e.origin), safe_line(&e.error));
    }
    if verbosity == Verbosity::Verbose {
        for log in &report.policy_logs {
            for line in &log.lines {
                eprintln!("policy {}: {}", safe_line(&log.policy), safe_line(line));
            }
        }
    }
    Ok(if !report.policy_errors.is_empty() {
        Exit::Error
    } else if args.report.fail_on.0.is_some_and(|threshold| report.failing(threshold) > 0) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

fn diff_command(args: DiffArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    let options =
        if args.no_findings { None } else { Some(audit_options(&args.policies, &[], &[], config, verbosity)?) };
    let drift = crate::drift::diff(&args.old, &args.new, options.as_ref())?;
    emit(args.output.as_deref(), &args.format, DriftFormat::file_name, |f| f.render(&drift))?;
    Ok(Exit::Clean)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
    Markdown,
}

fn policy_list(args: &PolicyArgs, format: ListFormat, verbosity: Verbosity) -> anyhow::Result<Exit> {
    let options = args.options(verbosity)?;
    let host = crate::host::PolicyHost::new(options.limits.clone(), options.cache_dir.clone())?;
    let (policies, errors) = crate::audit::load_policies(&host, &options.policies, options.builtins)?;
    let infos: Vec<bbscan_model::findings::PolicyInfo> = policies.iter().map(|p| p.info.clone()).collect();
    let out = match format {
        ListFormat::Json => serde_json::to_string_pretty(&infos)? + "\n",
        ListFormat::Markdown => bbscan_reports::catalogue_markdown(&infos),
        ListFormat::Text => {
            let mut out = String::new();
            for p in &policies {
                out.push_str(&format!("{} {} ({})\n", p.info.name, p.info.version, p.origin));
                for r in &p.info.rules {
                    let compliance: Vec<String> =
                        r.compliance.iter().map(|c| format!("{} {}", c.framework, c.control)).collect();
                    out.push_str(&format!(
                        "  {:<36} {:<8} {:<28} {}\n",
                        r.id,
                        r.default_severity.as_str(),
                        r.kinds.join(","),
                        compliance.join("; ")
                    ));
                }
            }
            out
        }
    };
    print_stdout(&out)?;
    for e in &errors {
        eprintln!("error: policy {} could not be loaded: {}", safe_line(&e.origin), safe_line(&e.error));
    }
    Ok(if errors.is_empty() { Exit::Clean } else { Exit::Error })
}

fn plan_command(args: PlanArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    use crate::remediate::plan;
    let (snapshot, hash) = load_snapshot(&args.source, &args.collect, config, verbosity, true)?;
    let options = audit_options(&args.policies, &args.only, &args.skip, config, verbosity)?;
    let report = crate::audit::audit(&snapshot, &options)?;
    for e in &report.policy_errors {
        eprintln!(
            "error: policy {} ({}) {}: its fixes are not planned",
            safe_line(&e.policy),
            safe_line(&e.origin),
            safe_line(&e.error)
        );
    }
    // The state the plan leaves is audited with the same policies before it is written.
    let input = plan::PlanInput {
        snapshot: &snapshot,
        snapshot_sha256: hash.unwrap_or_default(),
        report: &report,
        created_at: crate::remediate::apply::now(),
        accept_partial_usage: args.accept_partial_usage,
        floors: config.remediation.floors(),
    };
    let made = plan::build_checked(&input, &mut |predicted| {
        crate::audit::audit(predicted, &options).map_err(|e| e.to_string())
    });
    match &args.output {
        Some(path) => {
            snapshot::write_atomic(path, plan::to_json(&made).as_bytes(), snapshot::Access::Private)?;
            print_stdout(&plan::show(&made))?;
            if verbosity != Verbosity::Quiet {
                eprintln!(
                    "plan with {} steps written to {}; review it, then `bbscan apply {}`",
                    made.steps.len(),
                    path.display(),
                    path.display()
                );
            }
        }
        None => {
            print_stdout(&plan::show(&made))?;
            if verbosity != Verbosity::Quiet {
                eprintln!("(shown only: write it with -o plan.json to apply it)");
            }
        }
    }
    Ok(if report.policy_errors.is_empty() { Exit::Clean } else { Exit::Error })
}

/// How `--stage` reaches its account (`[stages.NAME]` in bbscan.toml): the profile (unless
/// --profile is given), the role to assume, and the account the credentials must land in.
fn stage_connection(args: &CollectArgs, config: &Config) -> (Option<String>, Option<RoleToAssume>, Option<String>) {
    let stage = args.stage.as_ref().and_then(|s| config.stages.get(s));
    let profile = args.profile.clone().or_else(|| stage.and_then(|s| s.profile.clone()));
    let role = stage.and_then(|s| {
        s.role_arn.as_ref().map(|arn| RoleToAssume { arn: arn.clone(), external_id: s.external_id.clone() })
    });
    (profile, role, stage.and_then(config::StageConfig::expected_account))
}

/// The AWS connection of apply and rollback (the collection flags that matter for it).
fn aws_options(args: &CollectArgs, config: &Config, plan_regions: &[String]) -> AwsOptions {
    let (profile, role, _) = stage_connection(args, config);
    AwsOptions {
        profile,
        role,
        regions: if !args.regions.is_empty() {
            args.regions.clone()
        } else if !plan_regions.is_empty() {
            plan_regions.to_vec()
        } else {
            config.regions.clone()
        },
        endpoint_url: args.endpoint_url.clone(),
        call_timeout: Duration::from_secs(args.call_timeout),
        max_attempts: args.max_attempts,
    }
}

/// Ask on a terminal; refuse without one unless --yes.
fn confirm(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "no terminal to confirm on: pass --yes to {question} without asking (CI), or --dry-run to only check"
        );
    }
    eprint!("{question}? Type yes to go on: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).context("cannot read the answer")?;
    Ok(answer.trim().eq_ignore_ascii_case("yes"))
}

struct StepReport;

impl crate::remediate::apply::Report for StepReport {
    fn step(&self, step: &crate::remediate::plan::Step, what: &str) {
        eprintln!("step {} {} on {} {}: {}", step.id, step.action, step.kind, safe_line(&step.name), safe_line(what));
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

fn apply_command(args: ApplyArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    use crate::remediate::{apply, journal, plan};
    let (plan, journal_path, entries) = match (&args.resume, &args.plan) {
        (Some(path), given) => {
            let (plan, hash, entries) = journal::read(path)?;
            if let Some(given) = given {
                let given_hash = plan::sha256_hex(plan::to_json(&plan::read(given)?).as_bytes());
                if given_hash != hash {
                    return Err(apply::ApplyError::PlanMismatch {
                        journal: format!("{} (sha256 {hash})", path.display()),
                        given: format!("{} (sha256 {given_hash})", given.display()),
                    }
                    .into());
                }
            }
            (plan, path.clone(), Some(entries))
        }
        (None, Some(path)) => {
            let plan = plan::read(path)?;
            let journal = args.journal.clone().unwrap_or_else(|| path.with_extension("journal"));
            (plan, journal, None)
        }
        (None, None) => anyhow::bail!("give a plan file, or --resume JOURNAL"),
    };
    apply::check_header(&plan)?;
    // What is about to be applied is shown before the question, whatever the verbosity.
    if verbosity != Verbosity::Quiet || (!args.yes && !args.dry_run) {
        eprint!("{}", plan::show(&plan));
    }
    if plan.steps.is_empty() {
        eprintln!("nothing to apply");
        return Ok(Exit::Clean);
    }
    let runtime = runtime()?;
    let aws = runtime.block_on(AwsSetup::load(&aws_options(&args.collect, config, &plan.regions)))?;
    let outcome = if args.dry_run {
        runtime.block_on(apply::apply(&aws, &plan, None, true, config.remediation.floors(), &StepReport))?
    } else {
        let question = format!("apply {} steps to account {}", plan.steps.len(), plan.account_id);
        if !confirm(&question, args.yes)? {
            eprintln!("not applied");
            return Ok(Exit::Clean);
        }
        let (mut journal, entries) = match entries {
            Some(entries) => (journal::Journal::open(&journal_path)?, entries),
            None => {
                let hash = plan::sha256_hex(plan::to_json(&plan).as_bytes());
                (journal::Journal::create(&journal_path, &plan, &hash, &apply::now())?, Vec::new())
            }
        };
        let outcome = runtime.block_on(apply::apply(
            &aws,
            &plan,
            Some((&mut journal, entries)),
            false,
            config.remediation.floors(),
            &StepReport,
        ));
        if let Err(e) = &outcome {
            eprintln!(
                "journal: {} (resume with `bbscan apply --resume {0}`, undo with `bbscan rollback {0}`)",
                journal_path.display()
            );
            return Err(anyhow::anyhow!("{e}"));
        }
        let outcome = outcome?;
        eprintln!("journal: {} (undo with `bbscan rollback {0}`)", journal_path.display());
        outcome
    };
    if verbosity != Verbosity::Quiet {
        eprintln!(
            "{} steps applied, {} skipped{}",
            outcome.applied.len(),
            outcome.skipped.len(),
            if args.dry_run { " (dry run: nothing changed)" } else { "" }
        );
    }
    Ok(Exit::Clean)
}

fn rollback_command(args: RollbackArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    use crate::remediate::{apply, journal};
    let (plan, _, _) = journal::read(&args.journal)?;
    let runtime = runtime()?;
    let aws = runtime.block_on(AwsSetup::load(&aws_options(&args.collect, config, &plan.regions)))?;
    if !args.dry_run
        && !confirm(&format!("undo the steps of {} in account {}", args.journal.display(), plan.account_id), args.yes)?
    {
        eprintln!("nothing undone");
        return Ok(Exit::Clean);
    }
    let outcome = runtime.block_on(apply::rollback(&aws, &args.journal, args.dry_run, &StepReport))?;
    if verbosity != Verbosity::Quiet {
        eprintln!("{} steps undone, {} skipped", outcome.applied.len(), outcome.skipped.len());
        for (step, why) in &outcome.skipped {
            eprintln!("  step {step}: {}", safe_line(why));
        }
    }
    Ok(Exit::Clean)
}

/// Collect a snapshot from AWS as the flags and config say.
fn collect_live(args: &CollectArgs, config: &Config, verbosity: Verbosity) -> anyhow::Result<bbscan_model::Snapshot> {
    if let Some(dir) = &args.usage_from
        && !dir.is_dir()
    {
        anyhow::bail!(
            "--usage-from {}: not a directory. Give the directory you downloaded the trail's log files into \
             (for example with `aws s3 sync s3://BUCKET/AWSLogs/ DIR`)",
            dir.display()
        );
    }
    let (options, collect_options) = live_options(args, config);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let progress = TerminalProgress {
        show: verbosity == Verbosity::Verbose || (verbosity == Verbosity::Normal && std::io::stderr().is_terminal()),
    };
    runtime.block_on(async {
        let aws = AwsSetup::load(&options).await?;
        Ok(collect::collect(&aws, &collect_options, &progress).await?)
    })
}

/// How to reach AWS and what to collect, from the flags and bbscan.toml.
fn live_options(args: &CollectArgs, config: &Config) -> (AwsOptions, CollectOptions) {
    let (profile, role, expected_account) = stage_connection(args, config);
    let options = AwsOptions {
        profile,
        regions: if args.regions.is_empty() { config.regions.clone() } else { args.regions.clone() },
        endpoint_url: args.endpoint_url.clone(),
        call_timeout: Duration::from_secs(args.call_timeout),
        max_attempts: args.max_attempts,
        role,
    };
    let collect_options = CollectOptions {
        app: args.app.clone().or_else(|| config.app.clone()).unwrap_or_else(|| config::DEFAULT_APP.to_string()),
        stage: args.stage.clone(),
        concurrency: args
            .concurrency
            .map(usize::from)
            .or(config.collect.concurrency)
            .unwrap_or(config::DEFAULT_CONCURRENCY),
        usage: collect::usage::UsageOptions { days: args.usage_days, from_dir: args.usage_from.clone() },
        expected_account: expected_account.map(|account| {
            let stage = args.stage.clone().unwrap_or_default();
            collect::ExpectedAccount {
                account,
                hint: format!(
                    "bbscan.toml puts stage {stage} in that account: use the stage's credentials (its profile or \
                     role_arn under [stages.{stage}]) or fix its account"
                ),
            }
        }),
        global_permits: None,
    };
    (options, collect_options)
}

/// Read every account of the organisation (or the accounts named).
fn collect_organization(
    args: &CollectArgs,
    org: &OrgArgs,
    config: &Config,
    verbosity: Verbosity,
    dir: &Path,
) -> anyhow::Result<bbscan_model::organization::SnapshotIndex> {
    let organization = org.options(config)?;
    let (mut options, mut collect_options) = live_options(args, config);
    // Each account is reached through the organisation's role, not a stage's.
    options.role = None;
    collect_options.expected_account = None;
    let runtime = runtime()?;
    let progress = TerminalProgress { show: verbosity == Verbosity::Verbose };
    Ok(runtime.block_on(async {
        let aws = AwsSetup::load(&options).await?;
        anyhow::Ok(crate::organization::collect(&aws, &collect_options, &organization, &progress, dir).await?)
    })?)
}

/// Audit each account's snapshot with the same policies: one report with a section per account.
fn audit_accounts(args: &AuditArgs, index_file: &Path, config: &Config, verbosity: Verbosity) -> anyhow::Result<Exit> {
    use bbscan_model::organization::{AccountReport, MultiAccountReport};
    let mut options = audit_options(&args.policies, &args.only, &args.skip, config, verbosity)?;
    if let Some(path) = &args.baseline {
        options.baseline = Some((path.display().to_string(), crate::triage::load_baseline(path)?));
    }
    let index = crate::organization::read_index(index_file)?;
    // The policies are loaded once for every account.
    let loaded = crate::audit::load_timed(&options)?;
    let mut accounts = Vec::new();
    // One account's snapshot in memory at a time.
    for a in index.accounts {
        accounts.push(match a.status {
            bbscan_model::organization::AccountStatus::Collected => {
                let snapshot = crate::organization::load(index_file, &a)?;
                report_gaps(&snapshot, verbosity);
                AccountReport::collected(a.name, crate::audit::audit_owned(snapshot, &options, &loaded)?)
            }
            bbscan_model::organization::AccountStatus::Unreachable => {
                let error = a.error.unwrap_or_else(|| "not collected".to_string());
                eprintln!("warning: account {} was not assessed: {}", a.account_id, safe_line(&error));
                AccountReport::unreachable(a.account_id, a.name, error)
            }
        });
    }
    let report = MultiAccountReport::new(accounts)?;
    let written =
        emit(args.report.output.as_deref(), &args.report.format, Format::file_name, |f| f.render_multi(&report))?;
    multi_outcome(&report, args.report.fail_on, written, verbosity)
}

fn multi_outcome(
    report: &bbscan_model::organization::MultiAccountReport,
    fail_on: FailOn,
    written: Option<String>,
    verbosity: Verbosity,
) -> anyhow::Result<Exit> {
    let t = &report.totals;
    if let Some(place) = written.filter(|_| verbosity != Verbosity::Quiet) {
        eprintln!(
            "{} accounts ({} not assessed), {} findings; report written to {place}",
            t.accounts, t.unreachable, t.findings
        );
    }
    for a in &report.accounts {
        for e in a.report.iter().flat_map(|r| &r.policy_errors) {
            eprintln!(
                "error: account {}: policy {} ({}) {}",
                a.account_id,
                safe_line(&e.policy),
                safe_line(&e.origin),
                safe_line(&e.error)
            );
        }
    }
    if t.accounts > 0 && t.unreachable == t.accounts {
        eprintln!("error: no account could be assessed: nothing was audited");
        return Ok(Exit::Error);
    }
    Ok(if t.policy_errors > 0 {
        Exit::Error
    } else if fail_on.0.is_some_and(|threshold| report.failing(threshold) > 0) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// `report merge`: JSON reports of different accounts, one report.
fn report_merge(
    paths: &[PathBuf],
    fail_on: FailOn,
    formats: &[Format],
    output: Option<&Path>,
    verbosity: Verbosity,
) -> anyhow::Result<Exit> {
    use bbscan_model::findings::AuditReport;
    use bbscan_model::organization::{AccountReport, MultiAccountReport};
    let mut accounts = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let keys = bbscan_model::top_level_keys(&bytes).with_context(|| {
            format!("{} is not JSON: give bbscan JSON reports (`audit --format json`)", path.display())
        })?;
        let has = |k: &str| keys.iter().any(|key| key == k);
        let invalid = |e: serde_json::Error| {
            anyhow::anyhow!("{} is not a bbscan JSON report ({e}): give `audit --format json` output", path.display())
        };
        if has("accounts") && has("totals") {
            let multi: MultiAccountReport = serde_json::from_slice(&bytes).map_err(invalid)?;
            accounts.extend(multi.accounts);
        } else if has("findings") && has("rules") {
            let single: AuditReport = serde_json::from_slice(&bytes).map_err(invalid)?;
            accounts.push(AccountReport::collected(None, single));
        } else {
            anyhow::bail!(
                "{} is not a bbscan JSON report: give `audit --format json` output (SARIF cannot be merged)",
                path.display()
            );
        }
    }
    // Totals are recomputed from the accounts' own reports, never trusted from the inputs; a
    // section must be the account its report is of.
    for a in &accounts {
        let consistent = match &a.report {
            Some(r) => r.snapshot.account_id == a.account_id,
            None => a.status == bbscan_model::organization::AccountStatus::Unreachable,
        };
        if !consistent {
            anyhow::bail!(
                "the section of account {} does not hold that account's report: the input was edited or damaged; \
                 merge the reports as `audit --format json` wrote them",
                a.account_id
            );
        }
    }
    for a in &mut accounts {
        a.totals = match &a.report {
            Some(r) => bbscan_model::organization::Totals::of(r),
            None => bbscan_model::organization::Totals::unreachable(),
        };
    }
    let report = MultiAccountReport::new(accounts)?;
    let written = emit(output, formats, Format::file_name, |f| f.render_multi(&report))?;
    multi_outcome(&report, fail_on, written, verbosity)
}

fn report_gaps(snap: &bbscan_model::Snapshot, verbosity: Verbosity) {
    if snap.gaps.is_empty() || verbosity == Verbosity::Quiet {
        return;
    }
    eprintln!(
        "warning: {} reads failed, so parts of the account were not assessed (listed under \"gaps\" in the snapshot):",
        snap.gaps.len()
    );
    // Group by service, operation and reason, so a denied service is one line, not hundreds.
    let mut groups: std::collections::BTreeMap<(String, String, String), usize> = Default::default();
    for g in &snap.gaps {
        let reason =
            serde_json::to_value(g.reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        *groups.entry((g.service.clone(), g.operation.clone(), reason)).or_insert(0) += 1;
    }
    let limit = if verbosity == Verbosity::Verbose { usize::MAX } else { 10 };
    for ((service, operation, reason), n) in groups.iter().take(limit) {
        eprintln!("  {service}:{operation} {reason} ×{n}");
    }
    if groups.len() > limit {
        eprintln!("  … and {} more (use -v to list all)", groups.len() - limit);
    }
}

struct TerminalProgress {
    show: bool,
}

impl Progress for TerminalProgress {
    fn service_done(&self, service: &str, region: &str, resources: usize, seconds: f64) {
        if self.show {
            eprintln!("  {service:<11} {region:<12} {resources:>5} resources  {seconds:>5.1} s");
        }
    }
}
