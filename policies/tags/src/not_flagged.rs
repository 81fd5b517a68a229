//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[(
    "TAGS.COST_ALLOCATION",
    "Only the kinds in `kinds` are judged (by default buckets, distributions, functions, log groups, KMS keys, \
     trails, backup vaults and plans, alarms and certificates): IAM, SSM parameters and other kinds are not, nor \
     AWS-managed KMS keys (they cannot be tagged) or resources whose tags could not be read. Shared resources \
     (`shared_resources` globs, and trails) need only `shared_required_tags`. A value is judged only for being \
     non-empty: a value that differs from its stage's is not a finding, and no value is proposed when the stage's \
     resources disagree, nor a stage for a resource that has none.",
)];
