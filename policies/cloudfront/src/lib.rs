//! Built-in policy: CloudFront distributions (viewer and origin TLS, certificates, headers,
//! logging, WAF, S3 origin access) and the ACM certificates they serve.
//!
//! Settings (`[policies.bbscan-cloudfront]`):
//! - `minimum_protocol_version` (string, default `"TLSv1.2_2021"`): the lowest viewer security
//!   policy `CLOUDFRONT.VIEWER_TLS` accepts on distributions with a custom certificate. One of
//!   `SSLv3`, `TLSv1`, `TLSv1_2016`, `TLSv1.1_2016`, `TLSv1.2_2018`, `TLSv1.2_2019`,
//!   `TLSv1.2_2021`, `TLSv1.2_2025`, `TLSv1.3_2025` (in that order).
//! - `require_waf` (boolean, default `true`): whether `CLOUDFRONT.WAF` evaluates at all. Set it
//!   to `false` when the edge is protected some other way and the finding is accepted.
//! - `certificate_expiry_days` (whole number 1–365, default `30`): `ACM.CERTIFICATE_EXPIRY`
//!   fails a certificate in use that expires within this many days of the snapshot.

use bbscan_policy::frameworks::{FSBP, SOC2};
use bbscan_policy::model::{AcmCertificate, CloudFrontDistribution, OriginKind, ResourceConfig};
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Severity, Value, json, rule, settings, time};

mod not_flagged;

mod s3_origin;

pub const VIEWER_PROTOCOL_HTTPS: &str = "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS";
pub const VIEWER_TLS: &str = "CLOUDFRONT.VIEWER_TLS";
pub const DEFAULT_CERTIFICATE: &str = "CLOUDFRONT.DEFAULT_CERTIFICATE";
pub const ORIGIN_HTTPS: &str = "CLOUDFRONT.ORIGIN_HTTPS";
pub const ORIGIN_TLS: &str = "CLOUDFRONT.ORIGIN_TLS";
pub const SECURITY_HEADERS: &str = "CLOUDFRONT.SECURITY_HEADERS";
pub const ACCESS_LOGGING: &str = "CLOUDFRONT.ACCESS_LOGGING";
pub const WAF: &str = "CLOUDFRONT.WAF";
pub const S3_ORIGIN_OAC: &str = "CLOUDFRONT.S3_ORIGIN_OAC";
pub const CERTIFICATE_EXPIRY: &str = "ACM.CERTIFICATE_EXPIRY";

const DISTRIBUTION: &str = "cloudfront.distribution";
const CERTIFICATE: &str = "acm.certificate";
const BUCKET: &str = "s3.bucket";

/// Viewer security policies, weakest first.
const PROTOCOL_ORDER: &[&str] = &[
    "SSLv3",
    "TLSv1",
    "TLSv1_2016",
    "TLSv1.1_2016",
    "TLSv1.2_2018",
    "TLSv1.2_2019",
    "TLSv1.2_2021",
    "TLSv1.2_2025",
    "TLSv1.3_2025",
];

/// The one security policy the `cloudfront.set_minimum_protocol_version` action sets.
const ACTION_PROTOCOL: &str = "TLSv1.2_2021";

/// Origin SSL protocols that are deprecated between CloudFront and a custom origin.
const WEAK_ORIGIN_PROTOCOLS: &[&str] = &["SSLv3", "TLSv1", "TLSv1.1"];

/// AWS-managed response headers policies that set Strict-Transport-Security
/// (SecurityHeadersPolicy, CORS-and-SecurityHeadersPolicy, CORS-with-preflight-and-SecurityHeadersPolicy).
const MANAGED_HSTS_POLICIES: &[(&str, &str)] = &[
    ("67f7725c-6f97-4210-82d7-5512b31e9d03", "SecurityHeadersPolicy"),
    ("e61eb60c-9c35-4d20-a928-2b84e02af89c", "CORS-and-SecurityHeadersPolicy"),
    ("eaab4381-ed33-4a86-88ca-d9558dc6cd63", "CORS-with-preflight-and-SecurityHeadersPolicy"),
];

/// AWS-managed response headers policies that set CORS headers only (no HSTS).
const MANAGED_CORS_ONLY_POLICIES: &[(&str, &str)] = &[
    ("60669652-455b-4ae9-85a4-c4c02393f86c", "SimpleCORS"),
    ("5cc3b908-e619-4b99-88e5-2cf7f45965bd", "CORS-With-Preflight"),
];

const SETTING_KEYS: &[&str] = &["minimum_protocol_version", "require_waf", "certificate_expiry_days"];

struct Settings {
    minimum_protocol_version: String,
    minimum_rank: usize,
    require_waf: bool,
    certificate_expiry_days: i64,
}

fn read_settings(value: &Value) -> Result<Settings, String> {
    settings::only_keys(value, SETTING_KEYS)?;
    let minimum_protocol_version = settings::string(value, "minimum_protocol_version", ACTION_PROTOCOL)?;
    let minimum_rank = protocol_rank(&minimum_protocol_version)
        .ok_or_else(|| format!("setting \"minimum_protocol_version\" must be one of: {}", PROTOCOL_ORDER.join(", ")))?;
    Ok(Settings {
        minimum_protocol_version,
        minimum_rank,
        require_waf: settings::boolean(value, "require_waf", true)?,
        certificate_expiry_days: settings::integer(value, "certificate_expiry_days", 30, 1, 365)?,
    })
}

fn protocol_rank(version: &str) -> Option<usize> {
    PROTOCOL_ORDER.iter().position(|p| *p == version)
}

pub struct CloudFront;

impl Policy for CloudFront {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo {
                name: "bbscan-cloudfront".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                rules: vec![
                    rule(
                        VIEWER_PROTOCOL_HTTPS,
                        "Every CloudFront cache behaviour requires HTTPS",
                        "A cache behaviour with viewer protocol policy allow-all serves its paths over plain HTTP, \
                     whatever the default behaviour says. Scanners that look only at the default behaviour miss \
                     ordered ones such as /_next/static/*.",
                        Severity::High,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.3"), (SOC2, "CC6.7")],
                        "Set the viewer protocol policy of every cache behaviour, default and ordered, to \
                     redirect-to-https or https-only.",
                        "Set `ViewerProtocolPolicy` of **every** cache behaviour — the default one and each ordered \
                     path pattern — to `redirect-to-https` or `https-only`.",
                        "In the distribution's config, set ViewerProtocolPolicy=redirect-to-https on each behaviour \
                     listed, then update the distribution (aws cloudfront update-distribution).",
                    ),
                    rule(
                        VIEWER_TLS,
                        "Distributions with a custom certificate require modern TLS and SNI",
                        "With a custom certificate the security policy decides which protocols viewers may \
                     negotiate; below TLSv1.2_2021 CloudFront still accepts TLS 1.0/1.1 and weak ciphers. A \
                     dedicated-IP (vip) certificate serves legacy clients at extra cost. Distributions on the \
                     default *.cloudfront.net certificate are left to CLOUDFRONT.DEFAULT_CERTIFICATE, so one \
                     problem is reported once.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.8"), (SOC2, "CC6.7")],
                        "Set the viewer certificate's minimum protocol version (security policy) to TLSv1.2_2021 \
                     or later and its SSL support method to sni-only.",
                        "In the distribution's **viewer certificate**, set `MinimumProtocolVersion` to \
                     `TLSv1.2_2021` (or later) and `SSLSupportMethod` to `sni-only`.",
                        "aws cloudfront get-distribution-config --id ID > d.json; set ViewerCertificate.\
                     MinimumProtocolVersion=TLSv1.2_2021 and SSLSupportMethod=sni-only; aws cloudfront \
                     update-distribution --id ID --if-match ETAG --distribution-config file://d.json",
                    ),
                    rule(
                        DEFAULT_CERTIFICATE,
                        "Distributions serve a custom certificate",
                        "On the default *.cloudfront.net certificate CloudFront fixes the viewer security policy at \
                     TLSv1, so TLS 1.0 and 1.1 stay open, and any alias (CNAME) gets a certificate error. A \
                     custom ACM certificate lets the distribution enforce TLSv1.2_2021.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.7"), (SOC2, "CC6.7")],
                        "Request an ACM certificate in us-east-1 for the site's domain, add the domain as an \
                     alias and attach the certificate with security policy TLSv1.2_2021 and sni-only.",
                        "Request an **ACM certificate in us-east-1** for the domain, add the domain as an alternate \
                     domain name and attach the certificate (`sni-only`, `TLSv1.2_2021`).",
                        "aws acm request-certificate --region us-east-1 --domain-name DOMAIN --validation-method DNS; \
                     then set Aliases and ViewerCertificate {ACMCertificateArn, SSLSupportMethod=sni-only, \
                     MinimumProtocolVersion=TLSv1.2_2021} with aws cloudfront update-distribution.",
                    ),
                    rule(
                        ORIGIN_HTTPS,
                        "CloudFront reaches custom origins over HTTPS only",
                        "A custom origin (a Lambda function URL, a server, an S3 website endpoint) with protocol \
                     policy http-only or match-viewer receives requests, cookies and session tokens in plain \
                     text between the edge and the origin. S3 REST origins reached through an origin access \
                     control or identity are not custom origins and are not evaluated.",
                        Severity::High,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.9"), (SOC2, "CC6.7")],
                        "Set the origin protocol policy of every custom origin to https-only.",
                        "Set `OriginProtocolPolicy` of every custom origin to `https-only`. An S3 **website** \
                     endpoint cannot serve HTTPS: use the bucket's REST endpoint with an origin access control.",
                        "aws cloudfront get-distribution-config --id ID > d.json; set Origins.Items[].\
                     CustomOriginConfig.OriginProtocolPolicy=https-only; aws cloudfront update-distribution \
                     --id ID --if-match ETAG --distribution-config file://d.json",
                    ),
                    rule(
                        ORIGIN_TLS,
                        "CloudFront uses only TLSv1.2 towards custom origins",
                        "An origin SSL protocol list that still offers SSLv3, TLSv1 or TLSv1.1 lets the edge-to-origin \
                     connection fall back to broken protocols. Origins on http-only use no TLS at all and are \
                     reported by CLOUDFRONT.ORIGIN_HTTPS instead.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.10"), (SOC2, "CC6.7")],
                        "Set the origin SSL protocols of every custom origin to TLSv1.2 only.",
                        "Set `OriginSslProtocols` of every custom origin to `[\"TLSv1.2\"]`.",
                        "aws cloudfront get-distribution-config --id ID > d.json; set Origins.Items[].\
                     CustomOriginConfig.OriginSslProtocols={Quantity:1,Items:[TLSv1.2]}; aws cloudfront \
                     update-distribution --id ID --if-match ETAG --distribution-config file://d.json",
                    ),
                    rule(
                        SECURITY_HEADERS,
                        "The default cache behaviour adds security headers, HSTS included",
                        "Without a response headers policy that sets Strict-Transport-Security, a browser that once \
                     typed http:// keeps trying plain HTTP first, open to downgrade and cookie theft on hostile \
                     networks. The snapshot does not hold a custom policy's contents, so a custom policy is \
                     listed for a person to verify.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(SOC2, "CC6.7")],
                        "Attach a response headers policy that sets Strict-Transport-Security to the default cache \
                     behaviour, such as the AWS-managed SecurityHeadersPolicy.",
                        "Attach a **response headers policy** that sets `Strict-Transport-Security` to the default \
                     cache behaviour — for example the AWS-managed `SecurityHeadersPolicy` \
                     (`67f7725c-6f97-4210-82d7-5512b31e9d03`).",
                        "aws cloudfront get-distribution-config --id ID > d.json; set DefaultCacheBehavior.\
                     ResponseHeadersPolicyId=67f7725c-6f97-4210-82d7-5512b31e9d03; aws cloudfront \
                     update-distribution --id ID --if-match ETAG --distribution-config file://d.json",
                    ),
                    rule(
                        ACCESS_LOGGING,
                        "Distributions write standard access logs",
                        "Without access logs there is no record of who requested what at the edge: an attack on \
                     the site or an abused endpoint cannot be investigated afterwards. Legacy standard logging \
                     and standard logging v2 (a CloudWatch Logs delivery) both count.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.5"), (SOC2, "CC7.2")],
                        "Turn on standard logging: v2 (a CloudWatch Logs delivery to S3, a log group or Firehose), \
                     or legacy logging to an S3 bucket that accepts CloudFront log delivery.",
                        "Turn on **standard logging v2** (the distribution's *Logging* tab: a CloudWatch Logs \
                     delivery to an S3 bucket, a log group or Firehose, with no ACLs needed), or legacy \
                     standard logging to a log bucket (object ownership `BucketOwnerPreferred`, so CloudFront \
                     can write with ACLs), with a prefix per distribution.",
                        "aws cloudfront get-distribution-config --id ID > d.json; set Logging={Enabled:true,\
                     IncludeCookies:false,Bucket:LOGBUCKET.s3.amazonaws.com,Prefix:cloudfront/}; aws cloudfront \
                     update-distribution --id ID --if-match ETAG --distribution-config file://d.json",
                    ),
                    rule(
                        WAF,
                        "Distributions are protected by an AWS WAF web ACL",
                        "Without a web ACL every request reaches the Next.js server function: no rate limiting, no \
                     managed rules against common exploits and bots, and every request is billed Lambda time. \
                     Turn the rule off with require_waf = false when that is an accepted risk.",
                        Severity::Medium,
                        &[DISTRIBUTION],
                        &[(FSBP, "CloudFront.6"), (SOC2, "CC6.6")],
                        "Associate an AWS WAF web ACL (scope CLOUDFRONT, in us-east-1) with the distribution.",
                        "Create a **WAF web ACL** with scope `CLOUDFRONT` (in us-east-1) — for example with the \
                     AWS managed common rule set and a rate-based rule — and set it as the distribution's \
                     `WebACLId`.",
                        "aws wafv2 create-web-acl --scope CLOUDFRONT --region us-east-1 ...; then set WebACLId to \
                     the web ACL's ARN with aws cloudfront update-distribution.",
                    ),
                    rule(
                        S3_ORIGIN_OAC,
                        "S3 origins are readable only by this distribution, through an origin access control",
                        "An S3 origin reached through a legacy origin access identity, through a bucket policy that \
                     admits every CloudFront distribution (any account's) or another distribution, or through \
                     a public bucket lets people read the assets around this distribution and its HTTPS, WAF and \
                     headers. One finding per distribution lists every such origin.",
                        Severity::High,
                        &[DISTRIBUTION, BUCKET],
                        &[(FSBP, "CloudFront.13"), (SOC2, "CC6.1")],
                        "Give each S3 origin an origin access control, and let the bucket policy grant \
                     cloudfront.amazonaws.com only with an AWS:SourceArn condition equal to this distribution's \
                     ARN; remove public grants and origin access identities.",
                        "Give each S3 origin an **origin access control** and grant the bucket to the service \
                     principal `cloudfront.amazonaws.com` only under `\"StringEquals\": {\"AWS:SourceArn\": \
                     \"<this distribution's ARN>\"}`. Remove public statements and legacy origin access \
                     identities.",
                        "aws cloudfront create-origin-access-control ...; set Origins.Items[].OriginAccessControlId \
                     and an empty S3OriginConfig.OriginAccessIdentity with aws cloudfront update-distribution; \
                     then aws s3api put-bucket-policy with the SourceArn-scoped statement.",
                    ),
                    rule(
                        CERTIFICATE_EXPIRY,
                        "Certificates in use are issued and not about to expire",
                        "A certificate that CloudFront or a load balancer serves and that expires, or was never \
                     validated, takes the site down with browser certificate errors. ACM renews its own \
                     certificates 60 days ahead, so one within the threshold means renewal is failing.",
                        Severity::High,
                        &[CERTIFICATE],
                        &[(FSBP, "ACM.1"), (SOC2, "CC6.7")],
                        "Renew the certificate (fix its DNS validation records, or re-import a renewed one) before \
                     it expires.",
                        "Fix the certificate's **DNS validation** records so ACM can renew it, or import a renewed \
                     certificate over an imported one, before `NotAfter`.",
                        "aws acm describe-certificate --certificate-arn ARN (see DomainValidationOptions and \
                     RenewalSummary); restore the CNAME records, or aws acm import-certificate \
                     --certificate-arn ARN ... for imported certificates.",
                    ),
                ],
            }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        read_settings(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let s = read_settings(ctx.settings)?;
        for r in resources {
            match &r.config {
                ResourceConfig::CloudFrontDistribution(d) => {
                    // Not read, not judged: the collector marks a distribution it could not describe.
                    if !r.is_known("config") {
                        continue;
                    }
                    viewer_protocol(r, d, report);
                    viewer_tls(&s, r, d, report);
                    default_certificate(r, d, report);
                    origin_https(r, d, report);
                    origin_tls(r, d, report);
                    security_headers(r, d, report);
                    access_logging(ctx, r, d, report);
                    if s.require_waf {
                        waf(r, d, report);
                    }
                    s3_origin::check(ctx, r, d, report);
                }
                ResourceConfig::AcmCertificate(c) => certificate_expiry(ctx, &s, r, c, report),
                _ => {}
            }
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(CloudFront);

fn viewer_protocol(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let plain: Vec<usize> = d
        .cache_behaviors
        .iter()
        .enumerate()
        .filter(|(_, b)| b.viewer_protocol_policy == "allow-all")
        .map(|(i, _)| i)
        .collect();
    if plain.is_empty() {
        report.pass(VIEWER_PROTOCOL_HTTPS);
        return;
    }
    let paths: Vec<&str> = plain
        .iter()
        .filter_map(|i| d.cache_behaviors.get(*i))
        .map(|b| b.path_pattern.as_deref().unwrap_or("default (*)"))
        .collect();
    let finding = report.fail(
        VIEWER_PROTOCOL_HTTPS,
        r,
        format!("distribution {} serves plain HTTP on cache behaviours: {}", r.name, paths.join(", ")),
    );
    for i in &plain {
        finding.evidence(&format!("/config/cache_behaviors/{i}/viewer_protocol_policy"));
    }
    let patterns: Vec<Option<&str>> =
        plain.iter().filter_map(|i| d.cache_behaviors.get(*i)).map(|b| b.path_pattern.as_deref()).collect();
    finding.action(
        "cloudfront.set_viewer_protocol_policy",
        1,
        json!({ "distribution_id": r.name, "path_patterns": patterns, "viewer_protocol_policy": "redirect-to-https" }),
    );
}

/// Whether the distribution serves a custom (ACM or IAM) certificate.
fn has_custom_certificate(d: &CloudFrontDistribution) -> bool {
    let v = &d.viewer_certificate;
    !v.cloudfront_default_certificate && (v.acm_certificate_arn.is_some() || v.iam_certificate_id.is_some())
}

fn viewer_tls(s: &Settings, r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    // The default certificate is CLOUDFRONT.DEFAULT_CERTIFICATE's: CloudFront pins TLSv1 there.
    if !has_custom_certificate(d) {
        return;
    }
    let v = &d.viewer_certificate;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut below_action_level = false;
    match v.minimum_protocol_version.as_deref() {
        None => {
            problems.push(format!(
                "no minimum protocol version is set (CloudFront then accepts TLSv1), below {}",
                s.minimum_protocol_version
            ));
            evidence.push("/config/viewer_certificate/minimum_protocol_version");
            below_action_level = true;
        }
        Some(version) => match protocol_rank(version) {
            Some(rank) if rank < s.minimum_rank => {
                problems.push(format!("minimum protocol version {version} is below {}", s.minimum_protocol_version));
                evidence.push("/config/viewer_certificate/minimum_protocol_version");
                below_action_level = protocol_rank(ACTION_PROTOCOL).is_some_and(|a| rank < a);
            }
            Some(_) => {}
            None => {
                problems.push(format!(
                    "minimum protocol version {version} is not one bbscan knows; verify it is at least {}",
                    s.minimum_protocol_version
                ));
                evidence.push("/config/viewer_certificate/minimum_protocol_version");
            }
        },
    }
    if let Some(method) = v.ssl_support_method.as_deref()
        && method != "sni-only"
    {
        problems.push(format!("SSL support method is {method}, not sni-only"));
        evidence.push("/config/viewer_certificate/ssl_support_method");
    }
    if problems.is_empty() {
        report.pass(VIEWER_TLS);
        return;
    }
    let finding =
        report.fail(VIEWER_TLS, r, format!("distribution {} (custom certificate): {}", r.name, problems.join("; ")));
    for e in evidence {
        finding.evidence(e);
    }
    // The action sets TLSv1.2_2021 exactly: propose it only when that meets the configured minimum.
    if below_action_level && protocol_rank(ACTION_PROTOCOL).is_some_and(|a| a >= s.minimum_rank) {
        finding.action(
            "cloudfront.set_minimum_protocol_version",
            1,
            json!({ "distribution_id": r.name, "minimum_protocol_version": ACTION_PROTOCOL }),
        );
    }
}

fn default_certificate(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    if has_custom_certificate(d) {
        report.pass(DEFAULT_CERTIFICATE);
        return;
    }
    let message = if d.aliases.is_empty() {
        format!(
            "distribution {} uses the default *.cloudfront.net certificate: viewers may negotiate TLSv1 and \
             the security policy cannot be raised",
            r.name
        )
    } else {
        format!(
            "distribution {} serves aliases {} with the default *.cloudfront.net certificate (TLSv1, and a \
             name mismatch for the aliases)",
            r.name,
            d.aliases.join(", ")
        )
    };
    let finding = report.fail(DEFAULT_CERTIFICATE, r, message);
    finding.evidence("/config/viewer_certificate/cloudfront_default_certificate");
    if !d.aliases.is_empty() {
        finding.evidence("/config/aliases");
    }
}

/// Origins CloudFront reaches through a custom origin config (everything but S3 REST origins),
/// with their index.
fn custom_origins(d: &CloudFrontDistribution) -> impl Iterator<Item = (usize, &bbscan_policy::model::Origin)> {
    d.origins.iter().enumerate().filter(|(_, o)| o.kind != OriginKind::S3)
}

fn origin_https(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let mut judged = 0;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (i, o) in custom_origins(d) {
        // No protocol policy recorded: nothing to judge for this origin.
        let Some(policy) = o.origin_protocol_policy.as_deref() else { continue };
        judged += 1;
        if policy != "https-only" {
            let hint = if o.kind == OriginKind::S3Website {
                " (an S3 website endpoint cannot serve HTTPS: use the REST endpoint with an origin access control)"
            } else {
                ""
            };
            bad.push(format!("origin '{}' ({}) uses {policy}{hint}", o.id, o.domain_name));
            evidence.push(format!("/config/origins/{i}/origin_protocol_policy"));
        }
    }
    if judged == 0 {
        return;
    }
    if bad.is_empty() {
        report.pass(ORIGIN_HTTPS);
        return;
    }
    let finding = report.fail(
        ORIGIN_HTTPS,
        r,
        format!("distribution {} reaches custom origins without requiring HTTPS: {}", r.name, bad.join("; ")),
    );
    for e in &evidence {
        finding.evidence(e);
    }
}

fn origin_tls(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let mut judged = 0;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (i, o) in custom_origins(d) {
        match o.origin_protocol_policy.as_deref() {
            // http-only uses no TLS: that is CLOUDFRONT.ORIGIN_HTTPS's finding.
            None | Some("http-only") => continue,
            Some(_) => {}
        }
        judged += 1;
        let weak: Vec<&str> = o
            .origin_ssl_protocols
            .iter()
            .filter(|p| WEAK_ORIGIN_PROTOCOLS.contains(&p.as_str()))
            .map(String::as_str)
            .collect();
        if !weak.is_empty() {
            bad.push(format!("origin '{}' ({}) allows {}", o.id, o.domain_name, weak.join(", ")));
            evidence.push(format!("/config/origins/{i}/origin_ssl_protocols"));
        }
    }
    if judged == 0 {
        return;
    }
    if bad.is_empty() {
        report.pass(ORIGIN_TLS);
        return;
    }
    let finding = report.fail(
        ORIGIN_TLS,
        r,
        format!("distribution {} offers deprecated TLS to custom origins: {}", r.name, bad.join("; ")),
    );
    for e in &evidence {
        finding.evidence(e);
    }
}

fn security_headers(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let Some((i, default)) = d.cache_behaviors.iter().enumerate().find(|(_, b)| b.path_pattern.is_none()) else {
        return;
    };
    let pointer = format!("/config/cache_behaviors/{i}/response_headers_policy_id");
    let Some(id) = default.response_headers_policy_id.as_deref() else {
        report
            .fail(
                SECURITY_HEADERS,
                r,
                format!(
                    "distribution {}: the default cache behaviour has no response headers policy, so no \
                     Strict-Transport-Security header is added",
                    r.name
                ),
            )
            .evidence(&pointer);
        return;
    };
    if MANAGED_HSTS_POLICIES.iter().any(|(known, _)| known.eq_ignore_ascii_case(id)) {
        report.pass(SECURITY_HEADERS);
    } else if let Some((_, name)) = MANAGED_CORS_ONLY_POLICIES.iter().find(|(known, _)| known.eq_ignore_ascii_case(id))
    {
        report
            .fail(
                SECURITY_HEADERS,
                r,
                format!(
                    "distribution {}: the default cache behaviour's response headers policy is the managed \
                     {name} ({id}), which sets CORS headers only, no Strict-Transport-Security",
                    r.name
                ),
            )
            .evidence(&pointer);
    } else {
        report
            .manual(
                SECURITY_HEADERS,
                r,
                format!(
                    "distribution {}: the default cache behaviour uses response headers policy {id}; verify it \
                     sets Strict-Transport-Security (the snapshot does not hold policy contents)",
                    r.name
                ),
            )
            .evidence(&pointer);
    }
}

/// Standard logging, legacy (to an S3 bucket, `logging`) or v2 (a CloudWatch Logs delivery to
/// S3, a log group or Firehose, `access_log_destinations`): either one is enough.
fn access_logging(ctx: &Context<'_>, r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let legacy = d.logging.as_ref().is_some_and(|l| !l.bucket.is_empty());
    if legacy || !d.access_log_destinations.is_empty() {
        report.pass(ACCESS_LOGGING);
    } else if !r.is_known("access_log_destinations") {
        let calls: Vec<String> =
            ctx.gaps().iter().filter(|g| g.service == "logs" && g.is_listing()).map(|g| g.describe()).collect();
        let why = if calls.is_empty() { String::new() } else { format!(" ({})", bbscan_policy::few(&calls, 3)) };
        report.not_assessed(
            ACCESS_LOGGING,
            r,
            format!(
                "distribution {} has legacy standard logging off, and its CloudWatch Logs deliveries (standard \
                 logging v2) could not be read{why}",
                r.name
            ),
        );
    } else {
        report
            .fail(
                ACCESS_LOGGING,
                r,
                format!(
                    "distribution {} writes no standard access logs: neither legacy logging to S3 nor a CloudWatch \
                     Logs delivery (standard logging v2)",
                    r.name
                ),
            )
            .evidence("/config/logging")
            .evidence("/config/access_log_destinations");
    }
}

fn waf(r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    match d.web_acl_id.as_deref() {
        Some(id) if !id.is_empty() => report.pass(WAF),
        _ => {
            report
                .fail(WAF, r, format!("distribution {} has no AWS WAF web ACL associated", r.name))
                .evidence("/config/web_acl_id");
        }
    }
}

fn certificate_expiry(ctx: &Context<'_>, s: &Settings, r: &Resource, c: &AcmCertificate, report: &mut Report) {
    if !r.is_known("config") || c.in_use_by.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    if let Some(status) = c.status.as_deref()
        && status != "ISSUED"
    {
        problems.push(format!("its status is {status}, not ISSUED"));
        evidence.push("/config/status");
    }
    if let Some(not_after) = c.not_after.as_deref()
        && let Some(expires) = time::parse_rfc3339(not_after)
    {
        if expires <= ctx.now {
            problems.push(format!("it expired on {not_after}"));
            evidence.push("/config/not_after");
        } else {
            let days_left = (expires - ctx.now).div_euclid(time::DAY);
            if days_left < s.certificate_expiry_days {
                problems.push(format!(
                    "it expires on {not_after}, in {days_left} days (threshold {} days)",
                    s.certificate_expiry_days
                ));
                evidence.push("/config/not_after");
            }
        }
    }
    if problems.is_empty() {
        report.pass(CERTIFICATE_EXPIRY);
        return;
    }
    let finding = report.fail(
        CERTIFICATE_EXPIRY,
        r,
        format!("certificate {} is in use by {} but {}", r.name, c.in_use_by.join(", "), problems.join(" and ")),
    );
    for e in evidence {
        finding.evidence(e);
    }
    finding.evidence("/config/in_use_by");
}

#[cfg(test)]
mod tests;
