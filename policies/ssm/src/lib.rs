//! Built-in policy: secrets in Parameter Store are encrypted.

use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json};

mod not_flagged;

pub const SECRET_NOT_SECURE_STRING: &str = "SSM.SECRET_NOT_SECURE_STRING";

/// Words that say a parameter holds a secret (case-insensitive, compared without `-`, `_`, `.`):
/// anywhere in the parameter's own name, or as a whole folder of its path (`…/credentials/db`).
/// `secret_name_patterns` in the settings replaces the list.
const DEFAULT_SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "databaseurl",
    "connectionstring",
    "dsn",
];

/// Endings that make a name an identifier or a setting about a secret, not the secret itself
/// (`GithubClientId`, `SecretArn`, `TokenTtl`, `PasswordMinLength`).
const NOT_SECRET_ENDINGS: &[&str] = &[
    "id",
    "ids",
    "arn",
    "arns",
    "name",
    "names",
    "version",
    "length",
    "ttl",
    "expiry",
    "expiration",
    "days",
    "endpoint",
    "policy",
    "enabled",
];

/// Last segments that only hold the value of the segment before (`/sst/…/Secret/Name/value`).
const VALUE_LEAVES: &[&str] = &["value", "val", "current", "latest"];

/// Where tools that keep secrets in Parameter Store put them: a parameter there is a secret by
/// its place, whatever its name.
fn secret_by_layout(segments: &[&str]) -> Option<&'static str> {
    match segments {
        // SST v2 `Config.Secret` (and its `.fallback` stage): /sst/<app>/<stage>/Secret/<Name>/value.
        ["sst", _, _, "Secret", _, "value"] => {
            Some("where SST v2 keeps secrets (/sst/<app>/<stage>/Secret/<name>/value)")
        }
        // SST v3's stage passphrase: /sst/passphrase/<app>/<stage>.
        ["sst", "passphrase", ..] => Some("where SST v3 keeps a stage's passphrase (/sst/passphrase/<app>/<stage>)"),
        // AWS Copilot `copilot secret init`: /copilot/<app>/<env>/secrets/<name>.
        ["copilot", _, _, "secrets", _, ..] => {
            Some("where AWS Copilot keeps secrets (/copilot/<app>/<env>/secrets/<name>)")
        }
        // Amplify: Gen 2 `ampx secret` (/amplify/<app>/<branch>/<name>, /amplify/shared/<app>/<name>)
        // and Gen 1 function secrets (/amplify/<app>/<env>/AMPLIFY_<function>_<name>).
        ["amplify", second, _, ..] if *second != "resource_reference" => {
            Some("where Amplify keeps secrets (/amplify/…)")
        }
        _ => None,
    }
}

fn compact(segment: &str) -> String {
    segment.chars().filter(|c| !matches!(c, '-' | '_' | '.')).flat_map(char::to_lowercase).collect()
}

/// Why the parameter `name` holds a secret, or `None` when nothing says it does.
fn why_secret(name: &str, words: &[String]) -> Option<String> {
    let segments: Vec<&str> = name.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(place) = secret_by_layout(&segments) {
        return Some(format!("it is kept {place}"));
    }
    // The parameter's own name: the last segment, or the one before a `value` leaf.
    let own = segments.iter().rposition(|s| !VALUE_LEAVES.contains(&s.to_ascii_lowercase().as_str()))?;
    let leaf = compact(segments[own]);
    if NOT_SECRET_ENDINGS.iter().any(|e| leaf.ends_with(e)) {
        return None;
    }
    if let Some(word) = words.iter().find(|w| leaf.contains(w.as_str())) {
        return Some(format!("its name {:?} contains {word:?}", segments[own]));
    }
    // A folder of its path that is a secret word itself (`…/credentials/db`, `…/secrets/stripe`);
    // not one that merely contains it (`/secretsanta/…`).
    segments[..own].iter().find_map(|folder| {
        let f = compact(folder);
        words
            .iter()
            .any(|w| f == w.as_str() || f.strip_suffix('s') == Some(w.as_str()))
            .then(|| format!("it is under {folder}/"))
    })
}

pub struct Ssm;

fn secret_words(settings: &Value) -> Result<Vec<String>, String> {
    bbscan_policy::settings::only_keys(settings, &["secret_name_patterns"])?;
    match settings.get("secret_name_patterns") {
        None => Ok(DEFAULT_SECRET_WORDS.iter().map(|w| w.to_string()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v.as_str() {
                // Words, not globs: a `*` would never match, silently.
                Some(w) if w.contains(['*', '?']) => Err(format!(
                    "secret_name_patterns holds {w:?}: the entries are words a name segment contains (compared \
                     without - _ .), not globs; drop the * and ?"
                )),
                other => other
                    .map(compact)
                    .filter(|w| !w.is_empty())
                    .ok_or_else(|| "secret_name_patterns must be a list of non-empty strings".to_string()),
            })
            .collect(),
        Some(_) => Err("secret_name_patterns must be a list of strings".into()),
    }
}

impl Policy for Ssm {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo {
                name: "bbscan-ssm".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                rules: vec![Rule {
                    id: SECRET_NOT_SECURE_STRING.into(),
                    title: "Secrets in Parameter Store are SecureString".into(),
                    description: "A parameter that holds a secret (by its name: API key, token, password, database \
                              URL; by a folder of its path: secrets/, credentials/; or by where SST, Copilot and \
                              Amplify keep secrets) stored as String is kept unencrypted and readable by anyone \
                              with ssm:GetParameter, without kms:Decrypt. SST and BrainBytes keep their secrets \
                              here. Not flagged: identifiers and settings about a secret (names ending in Id, \
                              Arn, Name, Version, Ttl, Length, Policy…), unless a tool's secret layout holds them, \
                              and folders that only contain a secret word (/secretsanta/)."
                        .into(),
                    default_severity: Severity::High,
                    kinds: vec!["ssm.parameter".into()],
                    compliance: vec![ComplianceRef::new("SOC 2", "CC6.1"), ComplianceRef::new("SOC 2", "CC6.7")],
                    help_text: "Store the parameter as SecureString (encrypted with KMS).".into(),
                    help_markdown: "Store the parameter as `SecureString`, encrypted with a KMS key, and grant \
                                `kms:Decrypt` only to the roles that need it."
                        .into(),
                    remediation:
                        "Read the value, then aws ssm put-parameter --name NAME --type SecureString --overwrite \
                              --value VALUE (bbscan's remediation does this without printing the value)."
                            .into(),
                    not_flagged: String::new(),
                }],
            }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        secret_words(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let words = secret_words(ctx.settings)?;
        for r in resources {
            let ResourceConfig::SsmParameter(p) = &r.config else { continue };
            let Some(why) = why_secret(&r.name, &words) else { continue };
            if p.parameter_type == "SecureString" {
                report.pass(SECRET_NOT_SECURE_STRING);
            } else {
                report
                    .fail(
                        SECRET_NOT_SECURE_STRING,
                        r,
                        format!("parameter {} holds a secret ({why}) but is stored as {}", r.name, p.parameter_type),
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

    /// The names real tools and teams write, each with what it is.
    #[test]
    fn a_secret_is_known_by_its_whole_path_and_by_the_layouts_of_tools() {
        let words: Vec<String> = DEFAULT_SECRET_WORDS.iter().map(|w| w.to_string()).collect();
        let secrets = [
            "/sst/brainbytes/production/Secret/GithubClientSecret/value",
            // SST v2 declares every `Config.Secret` a secret, identifiers included.
            "/sst/brainbytes/production/Secret/GithubClientId/value",
            "/sst/brainbytes/.fallback/Secret/StripeKey/value",
            "/sst/passphrase/brainbytes/production",
            "/copilot/shop/prod/secrets/db_password",
            "/copilot/shop/prod/secrets/STRIPE",
            "/amplify/d1abc2/main-branch-1a2b3c/OPENAI",
            "/amplify/shared/d1abc2/STRIPE",
            "/brainbytes/production/credentials/db",
            "/brainbytes/production/secrets/stripe",
            "/brainbytes/production/Db-Password",
            "/brainbytes/production/DATABASE_URL",
            "/brainbytes/production/openai.api-key",
            "/myapp/prod/SENTRY_DSN",
            "/myapp/prod/github/token/value",
            "BareApiToken",
        ];
        for name in secrets {
            assert!(why_secret(name, &words).is_some(), "{name} holds a secret");
        }
        let not_secrets = [
            "/sst/brainbytes/production/Parameter/TableName/value",
            "/brainbytes/production/GithubClientId",
            "/brainbytes/production/CloudflareAccountId",
            "/brainbytes/production/secrets/StripeKeyId",
            "/brainbytes/production/StripeSecretArn",
            "/brainbytes/production/SessionTokenTtl",
            "/brainbytes/production/PasswordMinLength",
            "/secretsanta/prod/ApiUrl",
            "/tokenizer/prod/ModelName",
            "/serverless-framework/deployment/s3-bucket",
            "/cdk-bootstrap/hnb659fds/version",
            "/amplify/resource_reference/d1abc2/main/bucket",
        ];
        for name in not_secrets {
            assert_eq!(why_secret(name, &words), None, "{name} is not a secret");
        }
        assert_eq!(why_secret("/x/Secret/A/value", &words).as_deref(), Some("it is under Secret/"));
        assert_eq!(
            why_secret("/x/OpenaiApiKey", &words).as_deref(),
            Some("its name \"OpenaiApiKey\" contains \"apikey\"")
        );
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
        assert!(evaluate(vec![], json!({"secret_name_patterns": ["-"]})).is_err(), "a word that matches everything");
        // A misspelt key and a glob are refused, not silently ignored.
        let typo = evaluate(vec![], json!({"secret_name_pattern": ["signing"]})).unwrap_err();
        assert!(typo.contains("secret_name_pattern"), "{typo}");
        let glob = evaluate(vec![], json!({"secret_name_patterns": ["*token*"]})).unwrap_err();
        assert!(glob.contains("not globs"), "{glob}");
    }
}
