//! Built-in policy: HTTPS between viewers and CloudFront.

use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, json};

pub const VIEWER_PROTOCOL_HTTPS: &str = "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS";

pub struct CloudFront;

impl Policy for CloudFront {
    fn info() -> PolicyInfo {
        PolicyInfo {
            name: "bbscan-cloudfront".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![Rule {
                id: VIEWER_PROTOCOL_HTTPS.into(),
                title: "Every CloudFront cache behaviour requires HTTPS".into(),
                description: "A cache behaviour with viewer protocol policy allow-all serves its paths over plain \
                              HTTP, whatever the default behaviour says. Scanners that look only at the default \
                              behaviour miss ordered ones such as /_next/static/*."
                    .into(),
                default_severity: Severity::High,
                kinds: vec!["cloudfront.distribution".into()],
                compliance: vec![
                    ComplianceRef::new("AWS Foundational Security Best Practices", "CloudFront.3"),
                    ComplianceRef::new("SOC 2", "CC6.7"),
                ],
                help_text: "Set the viewer protocol policy of every cache behaviour, default and ordered, to \
                            redirect-to-https or https-only."
                    .into(),
                help_markdown: "Set `ViewerProtocolPolicy` of **every** cache behaviour — the default one and each \
                                ordered path pattern — to `redirect-to-https` or `https-only`."
                    .into(),
                remediation: "In the distribution's config, set ViewerProtocolPolicy=redirect-to-https on each \
                              behaviour listed, then update the distribution (aws cloudfront update-distribution)."
                    .into(),
            }],
        }
    }

    fn evaluate(_ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        for r in resources {
            let ResourceConfig::CloudFrontDistribution(d) = &r.config else { continue };
            if !r.is_known("config") {
                continue;
            }
            let plain: Vec<(usize, String)> = d
                .cache_behaviors
                .iter()
                .enumerate()
                .filter(|(_, b)| b.viewer_protocol_policy == "allow-all")
                .map(|(i, b)| (i, b.path_pattern.clone().unwrap_or_else(|| "default (*)".to_string())))
                .collect();
            if plain.is_empty() {
                report.pass(VIEWER_PROTOCOL_HTTPS);
                continue;
            }
            let paths: Vec<&str> = plain.iter().map(|(_, p)| p.as_str()).collect();
            let finding = report.fail(
                VIEWER_PROTOCOL_HTTPS,
                r,
                format!("distribution {} serves plain HTTP on cache behaviours: {}", r.name, paths.join(", ")),
            );
            for (i, _) in &plain {
                finding.evidence(&format!("/config/cache_behaviors/{i}/viewer_protocol_policy"));
            }
            let patterns: Vec<Option<&str>> =
                plain.iter().map(|(i, _)| d.cache_behaviors[*i].path_pattern.as_deref()).collect();
            finding.action(
                "cloudfront.set_viewer_protocol_policy",
                1,
                json!({ "distribution_id": r.name, "path_patterns": patterns, "viewer_protocol_policy": "redirect-to-https" }),
            );
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(CloudFront);

#[cfg(test)]
mod tests {
    use super::*;
    use bbscan_policy::model::{CacheBehavior, CloudFrontDistribution};

    fn distribution(policies: &[(Option<&str>, &str)]) -> Resource {
        let cache_behaviors = policies
            .iter()
            .map(|(path, policy)| CacheBehavior {
                path_pattern: path.map(str::to_string),
                viewer_protocol_policy: policy.to_string(),
                ..Default::default()
            })
            .collect();
        let config = ResourceConfig::CloudFrontDistribution(Box::new(CloudFrontDistribution {
            cache_behaviors,
            ..Default::default()
        }));
        bbscan_policy::testing::resource("arn:aws:cloudfront::123456789012:distribution/E1", "E1", "global", config)
    }

    fn evaluate(r: Resource) -> Report {
        bbscan_policy::run::<CloudFront>(&bbscan_policy::testing::snapshot(vec![r]), &json!({})).expect("evaluates")
    }

    #[test]
    fn https_everywhere_passes() {
        let report = evaluate(distribution(&[(None, "redirect-to-https"), (Some("/api/*"), "https-only")]));
        assert!(report.findings.is_empty());
        assert_eq!(report.tallies[VIEWER_PROTOCOL_HTTPS].passed, 1);
    }

    #[test]
    fn an_ordered_behaviour_on_plain_http_fails_even_when_the_default_is_https() {
        let report = evaluate(distribution(&[(None, "redirect-to-https"), (Some("/_next/static/*"), "allow-all")]));
        assert_eq!(report.findings.len(), 1);
        let finding = &report.findings[0];
        assert!(finding.message.contains("/_next/static/*"));
        assert_eq!(finding.evidence, vec!["/config/cache_behaviors/1/viewer_protocol_policy"]);
        assert_eq!(finding.actions[0].params["path_patterns"], json!(["/_next/static/*"]));
    }
}
