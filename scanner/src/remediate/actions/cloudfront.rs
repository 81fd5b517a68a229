//! CloudFront actions: the viewer protocol policy of named cache behaviours, and the minimum
//! viewer TLS version. Both read the distribution's configuration with its ETag, change only
//! the named fields, and write it back with `IfMatch`, so a concurrent edit fails the write
//! instead of being overwritten.

use super::{Prepared, WriteError, Writer, document, edit, expect_target, param, require_known, write_err};
use crate::remediate::plan::Step;
use aws_sdk_cloudfront::types::{DistributionConfig, MinimumProtocolVersion, ViewerProtocolPolicy};
use bbscan_model::Resource;
use serde_json::{Value, json};

/// The path patterns a step names (`None`: the default behaviour), without repeats.
fn patterns(params: &Value) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    for p in params.get("path_patterns").and_then(Value::as_array).into_iter().flatten() {
        let p = p.as_str().map(str::to_string);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn shown(pattern: &Option<String>) -> &str {
    pattern.as_deref().unwrap_or("the default behaviour (*)")
}

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    expect_target(r, "cloudfront.distribution", Some((params, "distribution_id")))?;
    require_known(r, "config")?;
    let doc = document(r);
    let (edits, risks) = match kind {
        "cloudfront.set_viewer_protocol_policy" => {
            let policy = param(params, "viewer_protocol_policy");
            let behaviours =
                doc.pointer("/config/cache_behaviors").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut edits = Vec::new();
            for pattern in patterns(params) {
                let index = behaviours
                    .iter()
                    .position(|b| b.get("path_pattern").and_then(Value::as_str) == pattern.as_deref())
                    .ok_or_else(|| format!("distribution {} has no cache behaviour {}", r.name, shown(&pattern)))?;
                edits.push((format!("/config/cache_behaviors/{index}/viewer_protocol_policy"), json!(policy)));
            }
            let effect = if policy == "https-only" {
                "are refused (HTTP 403)"
            } else {
                "get a 301 redirect to HTTPS; clients that do not follow redirects (some API clients, old devices) break"
            };
            (
                edits,
                vec![
                    format!("Plain-HTTP requests on these cache behaviours {effect}."),
                    "CloudFront deploys the change to every edge location (several minutes); the distribution's \
                     ETag changes."
                        .to_string(),
                ],
            )
        }
        "cloudfront.set_minimum_protocol_version" => {
            let certificate = doc.pointer("/config/viewer_certificate").cloned().unwrap_or(Value::Null);
            if certificate["cloudfront_default_certificate"] == json!(true) {
                return Err(format!(
                    "distribution {} uses the default *.cloudfront.net certificate, whose TLS floor cannot be \
                     raised: give it a custom (ACM) certificate first",
                    r.name
                ));
            }
            if certificate["ssl_support_method"].as_str() != Some("sni-only") {
                return Err(format!(
                    "distribution {} serves its certificate with SSL support method {}, not sni-only: change it by \
                     hand",
                    r.name, certificate["ssl_support_method"]
                ));
            }
            let version = param(params, "minimum_protocol_version");
            (
                vec![("/config/viewer_certificate/minimum_protocol_version".to_string(), json!(version))],
                vec![
                    format!(
                        "Viewers that cannot negotiate the {version} security policy (TLS 1.2 with its ciphers) can \
                         no longer connect: very old browsers, operating systems and embedded clients."
                    ),
                    "CloudFront deploys the change to every edge location (several minutes).".to_string(),
                ],
            )
        }
        other => return Err(format!("no implementation of {other}")),
    };
    let (changes, after) = edit(r, edits)?;
    Ok(Prepared { changes, risks, reversible: true, after })
}

fn client(w: &Writer<'_>) -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::new(&w.config("global"))
}

/// Read the distribution's configuration, change it with `change`, write it back if-match.
async fn update(
    w: &Writer<'_>,
    step: &Step,
    change: impl FnOnce(&mut DistributionConfig) -> Result<(), String>,
) -> Result<(), WriteError> {
    let c = client(w);
    let id = param(&step.params, "distribution_id");
    let read =
        c.get_distribution_config().id(id).send().await.map_err(write_err("cloudfront:GetDistributionConfig"))?;
    let etag = read.e_tag.ok_or_else(|| WriteError {
        operation: "cloudfront:GetDistributionConfig",
        message: format!("no ETag for distribution {id}"),
    })?;
    let mut config = read.distribution_config.ok_or_else(|| WriteError {
        operation: "cloudfront:GetDistributionConfig",
        message: format!("no configuration for distribution {id}"),
    })?;
    change(&mut config).map_err(|message| WriteError { operation: "cloudfront:UpdateDistribution", message })?;
    c.update_distribution()
        .id(id)
        .if_match(etag)
        .distribution_config(config)
        .send()
        .await
        .map_err(write_err("cloudfront:UpdateDistribution"))?;
    Ok(())
}

/// Set the viewer protocol policy of one behaviour of a configuration.
fn set_policy(config: &mut DistributionConfig, pattern: &Option<String>, policy: &str) -> Result<(), String> {
    let policy = ViewerProtocolPolicy::from(policy);
    match pattern {
        None => {
            let default =
                config.default_cache_behavior.as_mut().ok_or("the distribution has no default cache behaviour")?;
            default.viewer_protocol_policy = policy;
        }
        Some(p) => {
            let behaviour = config
                .cache_behaviors
                .as_mut()
                .and_then(|b| b.items.as_mut())
                .and_then(|items| items.iter_mut().find(|b| b.path_pattern == *p))
                .ok_or_else(|| format!("the distribution has no cache behaviour {p}"))?;
            behaviour.viewer_protocol_policy = policy;
        }
    }
    Ok(())
}

fn set_minimum(config: &mut DistributionConfig, version: Option<&str>) -> Result<(), String> {
    let certificate = config.viewer_certificate.as_mut().ok_or("the distribution has no viewer certificate")?;
    certificate.minimum_protocol_version = version.map(MinimumProtocolVersion::from);
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "cloudfront.set_viewer_protocol_policy" => {
            let policy = param(&step.params, "viewer_protocol_policy").to_string();
            update(w, step, |config| patterns(&step.params).iter().try_for_each(|p| set_policy(config, p, &policy)))
                .await
        }
        "cloudfront.set_minimum_protocol_version" => {
            let version = param(&step.params, "minimum_protocol_version").to_string();
            update(w, step, |config| set_minimum(config, Some(&version))).await
        }
        other => Err(WriteError { operation: "apply", message: format!("no implementation of {other}") }),
    }
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "cloudfront.set_viewer_protocol_policy" => {
            let behaviours =
                prior.pointer("/config/cache_behaviors").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut was = Vec::new();
            for pattern in patterns(&step.params) {
                let policy = behaviours
                    .iter()
                    .find(|b| b.get("path_pattern").and_then(Value::as_str) == pattern.as_deref())
                    .and_then(|b| b.get("viewer_protocol_policy").and_then(Value::as_str))
                    .ok_or_else(|| WriteError {
                        operation: "rollback",
                        message: format!("the prior state has no cache behaviour {}", shown(&pattern)),
                    })?;
                was.push((pattern, policy.to_string()));
            }
            update(w, step, |config| was.iter().try_for_each(|(p, policy)| set_policy(config, p, policy))).await
        }
        "cloudfront.set_minimum_protocol_version" => {
            let version = prior
                .pointer("/config/viewer_certificate/minimum_protocol_version")
                .and_then(Value::as_str)
                .map(str::to_string);
            update(w, step, |config| set_minimum(config, version.as_deref())).await
        }
        other => Err(WriteError { operation: "rollback", message: format!("no implementation of {other}") }),
    }
}
