//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[(
    "SSM.SECRET_NOT_SECURE_STRING",
    "Only parameters whose path says they hold a secret are judged (a word of `secret_name_patterns` in the name, \
         a folder named after one, or where SST, Copilot or Amplify keep secrets), and values are never read, so a \
         secret under a neutral name is not seen. Not flagged: names ending in an identifier or setting word (Id, Arn, \
         Name, Version, Length, Ttl, Expiry, Days, Endpoint, Policy, Enabled…) outside those tools' layouts, and \
         folders that only contain a secret word (/secretsanta/); which KMS key encrypts a SecureString is not judged.",
)];
