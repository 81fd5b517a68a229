//! Built-in policy: secrets in Parameter Store are encrypted.

use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json};

pub const SECRET_NOT_SECURE_STRING: &str = "SSM.SECRET_NOT_SECURE_STRING";

/// Words in a parameter's last path segment that say it holds a secret (case-insensitive).
/// `secret_name_patterns` in the settings replaces the list.
const DEFAULT_SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "privatekey",
    "private_key",
    "credential",
    "databaseurl",
    "database_url",
    "connectionstring",
    "dsn",
];

/// Words that mark identifiers, not secrets, even next to a secret word (`GithubClientId`).
const NOT_SECRET_WORDS: &[&str] = &["clientid", "client_id", "accountid", "account_id", "keyid", "key_id"];

pub struct Ssm;

fn secret_words(settings: &Value) -> Result<Vec<String>, String> {
    match settings.get("secret_name_patterns") {
        None => Ok(DEFAULT_SECRET_WORDS.iter().map(|w| w.to_string()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_ascii_lowercase)
                    .ok_or_else(|| "secret_name_patterns must be a list of strings".to_string())
            })
            .collect(),
        Some(_) => Err("secret_name_patterns must be a list of strings".into()),
    }
}

impl Policy for Ssm {
    fn info() -> PolicyInfo {
        PolicyInfo {
            name: "bbscan-ssm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![Rule {
                id: SECRET_NOT_SECURE_STRING.into(),
                title: "Secrets in Parameter Store are SecureString".into(),
                description: "A parameter named like a secret (API key, token, password, database URL) stored as \
                              String is kept unencrypted and readable by anyone with ssm:GetParameter, without \
                              kms:Decrypt. SST and BrainBytes keep their secrets here."
                    .into(),
                default_severity: Severity::High,
                kinds: vec!["ssm.parameter".into()],
                compliance: vec![ComplianceRef::new("SOC 2", "CC6.1"), ComplianceRef::new("SOC 2", "CC6.7")],
                help_text: "Store the parameter as SecureString (encrypted with KMS).".into(),
                help_markdown: "Store the parameter as `SecureString`, encrypted with a KMS key, and grant \
                                `kms:Decrypt` only to the roles that need it."
                    .into(),
                remediation: "Read the value, then aws ssm put-parameter --name NAME --type SecureString --overwrite \
                              --value VALUE (bbscan's remediation does this without printing the value)."
                    .into(),
            }],
        }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        secret_words(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let words = secret_words(ctx.settings)?;
        for r in resources {
            let ResourceConfig::SsmParameter(p) = &r.config else { continue };
            let last = r.name.rsplit('/').next().unwrap_or(&r.name).to_ascii_lowercase();
            let named_secret = words.iter().any(|w| last.contains(w.as_str())) && !NOT_SECRET_WORDS.iter().any(|w| last.contains(w))
                // SST's stage passphrase.
                || r.name.starts_with("/sst/passphrase/");
            if !named_secret {
                continue;
            }
            if p.parameter_type == "SecureString" {
                report.pass(SECRET_NOT_SECURE_STRING);
            } else {
                report
                    .fail(
                        SECRET_NOT_SECURE_STRING,
                        r,
                        format!("parameter {} looks like a secret but is stored as {}", r.name, p.parameter_type),
                    )
                    .evidence("/config/parameter_type")
                    .action("ssm.convert_to_secure_string", 1, json!({ "name": r.name }));
            }
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(Ssm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let problems = bbscan_policy::testing::check_fixtures::<Ssm>(&dir);
        assert!(problems.is_empty(), "{problems:#?}");
    }
    use bbscan_policy::model::SsmParameter;

    fn parameter(name: &str, kind: &str) -> Resource {
        let config = ResourceConfig::SsmParameter(SsmParameter { parameter_type: kind.into(), ..Default::default() });
        bbscan_policy::testing::resource(
            &format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
            name,
            "us-east-1",
            config,
        )
    }

    fn evaluate(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
        bbscan_policy::run::<Ssm>(&bbscan_policy::testing::snapshot(resources), &settings)
    }

    #[test]
    fn secrets_as_secure_strings_and_plain_identifiers_pass() {
        let report = evaluate(
            vec![
                parameter("/brainbytes/production/OpenaiApiKey", "SecureString"),
                parameter("/brainbytes/production/GithubClientId", "String"),
                parameter("/brainbytes/production/CloudflareAccountId", "String"),
            ],
            json!({}),
        )
        .unwrap();
        assert!(report.findings.is_empty());
        assert_eq!(report.tallies[SECRET_NOT_SECURE_STRING].evaluated, 1, "identifiers are not secrets");
    }

    #[test]
    fn a_secret_stored_as_string_fails() {
        let report = evaluate(
            vec![
                parameter("/brainbytes/dev/GithubClientSecret", "String"),
                parameter("/sst/passphrase/brainbytes/dev", "String"),
            ],
            json!({}),
        )
        .unwrap();
        assert_eq!(report.findings.len(), 2);
        assert_eq!(report.findings[0].actions[0].kind, "ssm.convert_to_secure_string");
    }

    #[test]
    fn settings_replace_the_word_list_and_bad_settings_are_refused() {
        let report = evaluate(
            vec![parameter("/app/prod/StripeSigning", "String")],
            json!({"secret_name_patterns": ["signing"]}),
        )
        .unwrap();
        assert_eq!(report.findings.len(), 1);
        assert!(evaluate(vec![], json!({"secret_name_patterns": "signing"})).is_err());
    }
}
