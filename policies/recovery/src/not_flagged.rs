//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "KMS.KEY_ROTATION",
        "Not judged: AWS-managed keys (AWS rotates them every year), asymmetric and HMAC keys, keys with imported or \
         custom-key-store material, keys that are disabled or pending deletion, and keys whose rotation status could \
         not be read: rotation does not apply to them or cannot be seen. The rotation period is not judged; \
         multi-region keys are reported without the enable action, since a replica follows its primary.",
    ),
    (
        "BACKUP.DAILY_PLAN",
        "Reported once, on the account: one rule of one plan that runs at least daily and keeps recovery points at \
         least `min_retention_days` (or forever) passes, whatever the plan selects, whichever vault it uses and \
         whether it has ever run. When the plans could not all be listed or a plan's rules could not be read the \
         account is reported as not assessed; with no `iam.account` in the snapshot nothing is reported.",
    ),
    (
        "BACKUP.EXTERNAL_DATABASE",
        "With `external_backups_verified = true` it passes without looking further, and it passes when no SSM \
         parameter (last path segment) or Lambda environment variable name matches `database_name_patterns`. Values \
         are never read, so a matching name that points at a database inside AWS is still listed for a manual check; \
         when a function's environment could not be read and nothing matched, nothing is reported.",
    ),
];
