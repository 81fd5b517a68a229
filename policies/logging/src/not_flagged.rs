//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "CLOUDTRAIL.MULTI_REGION",
        "A multi-region trail that is stopped passes here (CLOUDTRAIL.LOGGING reports it), and single-region trails \
         pass once any multi-region trail is logging. When the trails could not all be listed, or a multi-region \
         trail's status could not be read, the account is reported as not assessed rather than failed; what the \
         multi-region trail records (event selectors, global service events) is not judged.",
    ),
    (
        "CLOUDTRAIL.LOGGING",
        "Not judged: trails whose status could not be read. A trail that is logging passes even if its latest delivery \
         to S3 or CloudWatch Logs failed.",
    ),
    (
        "CLOUDTRAIL.LOG_FILE_VALIDATION",
        "Not judged: trails whose validation setting could not be read. Whether digest files are actually delivered, \
         or the logs validate, is not checked; stopped trails are judged all the same.",
    ),
    (
        "CLOUDTRAIL.KMS_ENCRYPTION",
        "Not judged: trails whose KMS key setting could not be read. Any key passes (its state, policy and rotation \
         are not judged here; KMS.KEY_ROTATION judges rotation), and default SSE-KMS encryption of the trail's bucket \
         does not count in place of the trail's own key.",
    ),
    (
        "LOGS.RETENTION",
        "Not judged: log groups whose retention could not be read. With `max_retention_days` unset there is no upper \
         bound, and no log group is exempt by name; a group that never expires is reported at low severity, one kept \
         shorter than `min_retention_days` at medium.",
    ),
    (
        "LOGS.KMS_ENCRYPTION",
        "Not judged: log groups whose KMS key setting could not be read. Any associated key passes (its policy and \
         rotation are not judged), and no log group is exempt, however little it holds.",
    ),
    (
        "CLOUDWATCH.LAMBDA_ALARMS",
        "Only alarms on namespace `AWS/Lambda` with a `FunctionName` dimension equal to the function, in its account \
         and region, count for each of `required_metrics`: metric-math, composite and account-wide alarms do not. \
         Thresholds, statistics, state and whether anyone is notified (CLOUDWATCH.ALARM_ACTIONS) are not judged; when \
         the region's alarms could not all be listed the function is reported as not assessed.",
    ),
    (
        "CLOUDWATCH.ALARM_ACTIONS",
        "Not judged: alarms whose actions or `ActionsEnabled` could not be read. Any ALARM-state action passes, \
         whatever it targets (an SNS topic nobody subscribes to, an Auto Scaling policy); OK and INSUFFICIENT_DATA \
         actions are neither required nor enough.",
    ),
];
