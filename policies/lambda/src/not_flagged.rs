//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "LAMBDA.FUNCTION_URL_AUTH_NONE",
        "Not judged: functions without a function URL, or whose URL configuration could not be read. Whether the \
         resource policy really lets anyone invoke the URL is LAMBDA.RESOURCE_POLICY_PUBLIC's; no function is exempt, \
         so a URL meant to be public (a webhook receiver) is reported too.",
    ),
    (
        "LAMBDA.FUNCTION_URL_CORS_WILDCARD",
        "Only a bare `*` among the allowed origins is flagged: partial patterns (`https://*.example.com`) and `null` \
         are not, nor URLs without CORS, functions without a URL or whose URL could not be read. The URL's auth type \
         does not change the result; allowing credentials is only mentioned.",
    ),
    (
        "LAMBDA.RESOURCE_POLICY_PUBLIC",
        "Only Allow statements to principal `*` (or with NotPrincipal) are judged: grants to named accounts or \
         services are not, even without `AWS:SourceArn`. A statement passes with a non-negated condition on \
         `AWS:SourceArn`, `AWS:SourceAccount`, `AWS:SourceOwner`, `aws:PrincipalOrgID`, `aws:PrincipalAccount` or \
         `aws:PrincipalArn`, or when it is limited to `lambda:FunctionUrlAuthType` = AWS_IAM; policies that could not \
         be read or decoded are not judged.",
    ),
    (
        "LAMBDA.ENV_PLAINTEXT_SECRET",
        "The collector classes each value before dropping it, and only values classed as secrets are flagged. Not \
         flagged: empty values, secret-store references (an SSM parameter name or ARN, a Secrets Manager ARN, \
         `{{resolve:…}}`), identifier names (`…CLIENT_ID`, `…KEY_ID`, `…_ARN`, `…_NAME`, `…_REGION`) unless the value \
         has a known credential format or a URL password, and secret-named variables whose values look like settings \
         (booleans, numbers, under 8 characters, http(s) URLs without a password). Functions whose environment could \
         not be read are not judged.",
    ),
    (
        "LAMBDA.DEPRECATED_RUNTIME",
        "Not judged: container-image functions (no managed runtime) and functions whose runtime could not be read. \
         Only runtimes in `deprecated_runtimes` are flagged (the setting replaces the built-in list of runtimes \
         deprecated by 2026), so a runtime nearing its deprecation date passes until it is listed.",
    ),
];
