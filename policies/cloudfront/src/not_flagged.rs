//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS",
        "Only `allow-all` is flagged: `redirect-to-https` and `https-only` pass, on the default behaviour and on every \
         ordered one alike. Distributions whose configuration could not be read are not judged; disabled distributions \
         are judged like enabled ones.",
    ),
    (
        "CLOUDFRONT.VIEWER_TLS",
        "Not judged: distributions on the default *.cloudfront.net certificate (CLOUDFRONT.DEFAULT_CERTIFICATE reports \
         them, so one problem is reported once) and distributions whose configuration could not be read. The bar is \
         the `minimum_protocol_version` setting (default TLSv1.2_2021); an unset SSL support method is not a problem, \
         and the certificate's own validity is ACM.CERTIFICATE_EXPIRY's.",
    ),
    (
        "CLOUDFRONT.DEFAULT_CERTIFICATE",
        "Any distribution serving an ACM or IAM certificate passes, whatever its security policy \
         (CLOUDFRONT.VIEWER_TLS) or expiry (ACM.CERTIFICATE_EXPIRY). Distributions whose configuration could not be \
         read are not judged; one without aliases is still reported, since the default certificate pins TLSv1.",
    ),
    (
        "CLOUDFRONT.ORIGIN_HTTPS",
        "Not judged: S3 REST origins (reached through an origin access control or identity; CLOUDFRONT.S3_ORIGIN_OAC \
         judges their access), origins whose protocol policy is not recorded, and distributions whose configuration \
         could not be read. S3 website endpoints are custom origins and are judged.",
    ),
    (
        "CLOUDFRONT.ORIGIN_TLS",
        "Not judged: S3 REST origins, origins whose protocol policy is not recorded, and http-only origins, which use \
         no TLS and are CLOUDFRONT.ORIGIN_HTTPS's. Only SSLv3, TLSv1 and TLSv1.1 in the protocol list are flagged; \
         match-viewer origins are judged here as well as by CLOUDFRONT.ORIGIN_HTTPS.",
    ),
    (
        "CLOUDFRONT.SECURITY_HEADERS",
        "Only the default cache behaviour is judged, not the ordered ones, and only for Strict-Transport-Security: \
         CSP, X-Frame-Options and other headers are not checked. A custom response headers policy is listed for a \
         person to verify rather than failed, because the snapshot does not hold its contents; HSTS added by the \
         origin, a CloudFront Function or Lambda@Edge is not seen, so such a distribution is still reported.",
    ),
    (
        "CLOUDFRONT.ACCESS_LOGGING",
        "Either kind of standard logging passes: legacy logging to an S3 bucket, or a CloudWatch Logs delivery \
         (standard logging v2, to S3, a log group or Firehose). Whether the destination exists or accepts the logs \
         is not checked; distributions whose configuration could not be read are not judged, and one whose v2 \
         deliveries could not be read (legacy logging off) is reported as not assessed.",
    ),
    (
        "CLOUDFRONT.WAF",
        "With `require_waf = false` no distribution is judged, nor is one whose configuration could not be read. Any \
         associated web ACL passes: its rules (managed rule groups, rate limits) are not looked at, and protection by \
         other means is not seen.",
    ),
    (
        "CLOUDFRONT.S3_ORIGIN_OAC",
        "Only S3 REST origins with a bucket name are judged; website endpoints and other custom origins are not. Only \
         Allow statements of the bucket policy are read (public ACL grants are S3.BUCKET_ACL_PUBLIC's), and a \
         statement to everyone is not flagged once it has a non-negated condition on a caller key, any `aws:SourceIp` \
         range included. An origin whose bucket policy could not be read is skipped unless it uses a legacy origin \
         access identity, and a bucket outside the snapshot (another account or stage) is judged on the origin's \
         settings alone.",
    ),
    (
        "ACM.CERTIFICATE_EXPIRY",
        "Only certificates in use (`in_use_by` not empty) are judged: spare and unused certificates are not, nor those \
         whose configuration could not be read. A missing status or expiry date, or one that does not parse, is not a \
         problem; the threshold is `certificate_expiry_days` (default 30), ACM's renewal status is not read, and IAM \
         server certificates are not seen.",
    ),
];
