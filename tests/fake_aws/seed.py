#!/usr/bin/env python3
"""Seed a fake BrainBytes AWS account into a moto server.

BrainBytes is a Next.js application deployed with SST v3 on AWS (Lambda behind
CloudFront, assets in S3, secrets in SSM Parameter Store).  This script builds
two stages of it, ``production`` and ``dev``, in a moto server reachable on a
loopback endpoint, and plants deliberate misconfigurations (mostly in ``dev``,
a few subtle ones in ``production``) next to correctly configured resources,
so that bbscan's tests can check both findings and the absence of false
positives.

Usage::

    python seed.py --endpoint http://127.0.0.1:5123 [--region us-east-1]
                   [--scale N] [--moto-seed S | --no-moto-seed] [-v]

Exactly one JSON manifest is printed on stdout (see ``Manifest``); progress
goes to stderr with ``-v``.  Every name, tag, description and planted value is
derived from constants, so two runs against fresh servers give the same
manifest.  Identifiers that moto draws at random (distribution ids, KMS key
ids, certificate ARNs, function URL ids, ...) are made repeatable by seeding
moto's random generator through its ``/moto-api/seed`` endpoint before the
first call (disable with ``--no-moto-seed``).

``--scale N`` adds N filler resources in a third stage, ``load``, so that the
scanner's list calls cross their page boundaries and a ~1,000-resource
benchmark is possible (see ``plan_fillers``).

Only boto3 is needed.  Credentials are fake and set here, on the clients.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import io
import ipaddress
import json
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# ---------------------------------------------------------------------------
# Constants of the fake environment
# ---------------------------------------------------------------------------

ACCOUNT_ID = "123456789012"
DEFAULT_ACCOUNT_ID = ACCOUNT_ID
APP = "brainbytes"
STAGES = ("production", "dev")
LOAD_STAGE = "load"
DOMAIN = "brainbytes.redentor.dev"
GITHUB_REPO = "redentor/brainbytes"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
TRUSTED_VENDOR_ACCOUNT = "210987654321"
DEFAULT_MOTO_SEED = 20240917

# AWS-managed CloudFront policies (fixed, well-known identifiers).
CACHE_POLICY_CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHE_POLICY_CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ORIGIN_REQUEST_ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
RESPONSE_HEADERS_SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"

AWS_MANAGED = "arn:aws:iam::aws:policy/"
LAMBDA_BASIC_EXECUTION = AWS_MANAGED + "service-role/AWSLambdaBasicExecutionRole"
XRAY_DAEMON_WRITE = AWS_MANAGED + "AWSXRayDaemonWriteAccess"
ADMINISTRATOR_ACCESS = AWS_MANAGED + "AdministratorAccess"
READ_ONLY_ACCESS = AWS_MANAGED + "ReadOnlyAccess"

# Page sizes of the list APIs the scanner walks; fillers are planned so that
# these lists cross a page boundary as early as possible.
PAGE_SIZES = {"lambda": 50, "ssm": 50, "iam_role": 100}

SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def sst_suffix(logical_name: str, length: int = 8) -> str:
    """Deterministic stand-in for SST's random 8-char lowercase suffix."""
    # Another account of the same app (--account-id) gets other names: bucket names are global.
    salt = "" if ACCOUNT_ID == DEFAULT_ACCOUNT_ID else f"{ACCOUNT_ID}/"
    digest = hashlib.sha256(f"{APP}/{salt}{logical_name}".encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(SUFFIX_ALPHABET))
        chars.append(SUFFIX_ALPHABET[index])
    return "".join(chars)


def fake_token(label: str, length: int) -> str:
    """Deterministic random-looking alphanumeric token derived from label."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha512(label.encode()).digest()
    number = int.from_bytes(digest, "big")
    out = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        out.append(alphabet[index])
    return "".join(out)


def resource_name(stage: str, name: str) -> str:
    """SST naming: ``{app}-{stage}-{Name}``."""
    return f"{APP}-{stage}-{name}"


def bucket_name(stage: str, name: str) -> str:
    """SST bucket naming: lowercase plus an 8-char suffix."""
    return f"{APP}-{stage}-{name}-{sst_suffix(stage + '/' + name)}".lower()


def function_name(stage: str, name: str) -> str:
    return f"{resource_name(stage, name)}-{sst_suffix(stage + '/' + name)}"


def sst_tags(stage: str | None) -> dict[str, str]:
    tags = {"sst:app": APP}
    if stage is not None:
        tags["sst:stage"] = stage
    return tags


def tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def deny_insecure_transport(name: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn(name), bucket_arn(name) + "/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def lambda_zip() -> bytes:
    """A tiny, byte-for-byte reproducible deployment package."""
    source = (
        "export const handler = async () => ({\n"
        "  statusCode: 200,\n"
        "  headers: { 'content-type': 'text/plain' },\n"
        "  body: 'brainbytes',\n"
        "});\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("index.mjs", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


LAMBDA_ZIP = lambda_zip()


# ---------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------


class Manifest:
    """Collects what was created; serialised as the single stdout document."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.resources: list[dict[str, Any]] = []
        self.secret_values: list[str] = []
        self.misconfigurations: list[dict[str, Any]] = []

    def resource(self, stage: str | None, kind: str, name: str, arn: str | None = None) -> None:
        entry: dict[str, Any] = {"stage": stage, "kind": kind, "name": name}
        if arn:
            entry["arn"] = arn
        self.resources.append(entry)

    def secret(self, value: str) -> str:
        if value in self.secret_values:
            raise ValueError(f"secret value planted twice: {value}")
        self.secret_values.append(value)
        return value

    def misconfig(self, stage: str | None, kind: str, name: str, control: str, description: str) -> None:
        self.misconfigurations.append(
            {"stage": stage, "kind": kind, "name": name, "control": control, "description": description}
        )

    def count(self, kind: str) -> int:
        return sum(1 for r in self.resources if r["kind"] == kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": ACCOUNT_ID,
            "region": self.region,
            "app": APP,
            "resources": self.resources,
            "secret_values": self.secret_values,
            "misconfigurations": self.misconfigurations,
        }


# ---------------------------------------------------------------------------
# Seeding context
# ---------------------------------------------------------------------------


@dataclass
class StageState:
    """Identifiers produced while seeding one stage, used by later services."""

    kms_key_id: str = ""
    kms_key_arn: str = ""
    assets_bucket: str = ""
    artifacts_bucket: str = ""
    server_function: str = ""
    server_function_arn: str = ""
    server_url_domain: str = ""
    image_function: str = ""
    server_role_arn: str = ""
    image_role_arn: str = ""
    oac_id: str = ""
    distribution_id: str = ""
    distribution_arn: str = ""
    alerts_topic_arn: str = ""
    certificate_arn: str = ""


@dataclass
class Context:
    aws: SimpleNamespace  # one boto3 client per service: aws.s3, aws.iam, aws.lambda_, ...
    manifest: Manifest
    region: str
    verbose: bool
    stages: dict[str, StageState] = field(default_factory=lambda: {s: StageState() for s in STAGES})
    logs_bucket: str = ""
    audit_bucket: str = ""
    state_bucket: str = ""
    asset_bucket: str = ""
    notes: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"[seed] {message}", file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        """Something moto could not do; reported on stderr with -v."""
        self.notes.append(message)
        self.log("note: " + message)


SERVICES = (
    "s3", "s3control", "iam", "ssm", "lambda", "logs", "cloudwatch", "kms",
    "acm", "cloudfront", "cloudtrail", "backup", "sns",
)


def _strip_account_host_prefix(request: Any, **_: Any) -> None:
    """S3 Control prefixes the account id to the host; a loopback moto has none."""
    parts = urlsplit(request.url)
    prefix = ACCOUNT_ID + "."
    if parts.netloc.startswith(prefix):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc[len(prefix):]))


def make_clients(endpoint: str, region: str, pool: int) -> SimpleNamespace:
    session = boto3.session.Session(
        aws_access_key_id="AKIAFAKEBRAINBYTES00",
        aws_secret_access_key="fake-secret-access-key-for-moto-only",
        region_name=region,
    )
    config = Config(
        region_name=region,
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=pool,
        s3={"addressing_style": "path"},
    )
    clients = {
        ("lambda_" if name == "lambda" else name): session.client(name, endpoint_url=endpoint, config=config)
        for name in SERVICES
    }
    clients["s3control"].meta.events.register("before-send.s3-control", _strip_account_host_prefix)
    if ACCOUNT_ID != DEFAULT_ACCOUNT_ID:
        # moto keeps one backend per account and picks it by this header.
        def to_account(request, **_):
            request.headers["x-moto-account-id"] = ACCOUNT_ID
        for client in clients.values():
            client.meta.events.register("before-sign", to_account)
    return SimpleNamespace(**clients)


def is_loopback(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def seed_moto_random(endpoint: str, seed: int) -> None:
    """Make moto's generated identifiers repeatable (moto-specific API)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"{endpoint.rstrip('/')}/moto-api/seed?a={seed}", method="POST")
    with opener.open(request, timeout=10) as response:
        response.read()


# ---------------------------------------------------------------------------
# KMS
# ---------------------------------------------------------------------------


def seed_kms(ctx: Context) -> None:
    for stage in STAGES:
        state = ctx.stages[stage]
        key = ctx.aws.kms.create_key(
            Description=f"{APP} {stage} data key (SSM SecureStrings, logs, artifacts)",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=tag_list(sst_tags(stage), "TagKey", "TagValue"),
        )["KeyMetadata"]
        state.kms_key_id, state.kms_key_arn = key["KeyId"], key["Arn"]
        ctx.aws.kms.create_alias(AliasName=f"alias/{APP}-{stage}", TargetKeyId=state.kms_key_id)
        if stage == "production":
            ctx.aws.kms.enable_key_rotation(KeyId=state.kms_key_id)
        else:
            ctx.manifest.misconfig(
                stage, "kms.key", state.kms_key_id, "KMS.KEY_ROTATION",
                f"Customer-managed key alias/{APP}-dev has automatic key rotation disabled.",
            )
        ctx.manifest.resource(stage, "kms.key", state.kms_key_id, state.kms_key_arn)
    ctx.log("kms: 2 keys")


# ---------------------------------------------------------------------------
# S3
# ---------------------------------------------------------------------------

PAB_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
PAB_OFF = {key: False for key in PAB_ALL}
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}


def sse_kms(key_arn: str) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                "BucketKeyEnabled": True,
            }
        ]
    }


def create_bucket(
    ctx: Context,
    name: str,
    stage: str | None,
    tags: dict[str, str] | None,
    *,
    public_access_block: dict[str, bool] | None = PAB_ALL,
    ownership: str | None = "BucketOwnerEnforced",
    encryption: dict[str, Any] | None = SSE_S3,
    versioning: bool = False,
    object_lock: bool = False,
    record: bool = True,
) -> None:
    """Create a bucket with the baseline settings most SST buckets get."""
    s3 = ctx.aws.s3
    kwargs: dict[str, Any] = {"Bucket": name, "ObjectLockEnabledForBucket": object_lock}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**kwargs)
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    if public_access_block is not None:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=public_access_block)
    if ownership is not None:
        s3.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
        )
    if encryption is not None:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if record:
        ctx.manifest.resource(stage, "s3.bucket", name, bucket_arn(name))


def noncurrent_expiration_rule(rule_id: str, days: int, prefix: str = "") -> dict[str, Any]:
    return {
        "ID": rule_id,
        "Status": "Enabled",
        "Filter": {"Prefix": prefix},
        "NoncurrentVersionExpiration": {"NoncurrentDays": days},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }


def seed_s3_account(ctx: Context) -> None:
    """Account-level public access block: BlockPublicPolicy left off."""
    config = dict(PAB_ALL, BlockPublicPolicy=False)
    ctx.aws.s3control.put_public_access_block(AccountId=ACCOUNT_ID, PublicAccessBlockConfiguration=config)
    ctx.manifest.resource(None, "s3.account_public_access_block", ACCOUNT_ID)
    ctx.manifest.misconfig(
        None, "s3.account_public_access_block", ACCOUNT_ID, "S3.ACCOUNT_PUBLIC_ACCESS_BLOCK",
        "Account-level S3 Block Public Access has BlockPublicPolicy=false "
        "(BlockPublicAcls, IgnorePublicAcls and RestrictPublicBuckets are true).",
    )


def seed_s3_shared_buckets(ctx: Context) -> None:
    """Logs bucket (production), CloudTrail audit bucket and SST bootstrap buckets."""
    s3 = ctx.aws.s3

    # Production logs bucket: target of S3 server access logs and CloudFront logs.
    # CloudFront standard logging needs ACLs, hence BucketOwnerPreferred.
    logs = bucket_name("production", "LogsBucket")
    ctx.logs_bucket = logs
    create_bucket(ctx, logs, "production", sst_tags("production"), ownership="BucketOwnerPreferred", versioning=True)
    s3.put_bucket_policy(
        Bucket=logs,
        Policy=policy_document(
            {
                "Sid": "S3ServerAccessLogsPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": bucket_arn(logs) + "/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            },
            deny_insecure_transport(logs),
        ),
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=logs,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-access-logs",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                    "Expiration": {"Days": 365},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                }
            ]
        },
    )

    # Account-wide CloudTrail bucket with S3 Object Lock (governance, 365 days).
    audit = f"{APP}-audit-{sst_suffix('audit')}"
    ctx.audit_bucket = audit
    create_bucket(ctx, audit, None, sst_tags(None), object_lock=True, versioning=True)
    try:
        s3.put_object_lock_configuration(
            Bucket=audit,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
            },
        )
    except ClientError as error:
        ctx.note(f"S3 object lock configuration rejected: {error}")
    s3.put_bucket_logging(
        Bucket=audit,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": f"s3/{audit}/"}},
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=audit,
        LifecycleConfiguration={"Rules": [noncurrent_expiration_rule("expire-noncurrent-trail-logs", 400)]},
    )

    # SST bootstrap buckets: account-wide, created by `sst` itself, untagged.
    state_bucket = f"sst-state-{sst_suffix('bootstrap/state')}"
    asset_bucket = f"sst-asset-{sst_suffix('bootstrap/asset')}"
    ctx.state_bucket, ctx.asset_bucket = state_bucket, asset_bucket
    create_bucket(ctx, state_bucket, None, None, versioning=True)
    s3.put_bucket_lifecycle_configuration(
        Bucket=state_bucket,
        LifecycleConfiguration={"Rules": [noncurrent_expiration_rule("expire-old-state", 90)]},
    )
    create_bucket(ctx, asset_bucket, None, None)
    for bootstrap in (state_bucket, asset_bucket):
        s3.put_bucket_policy(Bucket=bootstrap, Policy=policy_document(deny_insecure_transport(bootstrap)))
    ctx.manifest.misconfig(
        None, "s3.bucket", asset_bucket, "S3.VERSIONING",
        "SST bootstrap asset bucket has versioning disabled (SST default).",
    )
    ctx.manifest.misconfig(
        None, "s3.bucket", asset_bucket, "S3.LIFECYCLE",
        "SST bootstrap asset bucket has no lifecycle configuration: every deploy's assets are kept (SST default).",
    )
    for bootstrap in (state_bucket, asset_bucket):
        ctx.manifest.misconfig(
            None, "s3.bucket", bootstrap, "S3.ACCESS_LOGGING",
            "SST bootstrap bucket has no server access logging (SST default).",
        )
        ctx.manifest.misconfig(
            None, "s3.bucket", bootstrap, "TAGS.COST_ALLOCATION",
            "SST bootstrap bucket carries no cost allocation tags (SST creates it untagged).",
        )
    ctx.log("s3: shared buckets")


def seed_s3_stage(ctx: Context, stage: str) -> None:
    """Assets and artifacts buckets of one stage (assets policy comes after CloudFront)."""
    s3, state, manifest = ctx.aws.s3, ctx.stages[stage], ctx.manifest
    tags = sst_tags(stage)
    assets = bucket_name(stage, "AssetsBucket")
    artifacts = bucket_name(stage, "ArtifactsBucket")
    state.assets_bucket, state.artifacts_bucket = assets, artifacts

    if stage == "production":
        # Assets: the reference "correct" bucket (its policy is set after CloudFront).
        create_bucket(ctx, assets, stage, tags, versioning=True)
        s3.put_bucket_lifecycle_configuration(
            Bucket=assets,
            LifecycleConfiguration={"Rules": [noncurrent_expiration_rule("expire-old-assets", 30)]},
        )
        s3.put_bucket_logging(
            Bucket=assets,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": ctx.logs_bucket, "TargetPrefix": f"s3/{assets}/"}},
        )
        # Artifacts: KMS-encrypted and logged, but versioning never enabled.
        create_bucket(ctx, artifacts, stage, tags, encryption=sse_kms(state.kms_key_arn))
        s3.put_bucket_logging(
            Bucket=artifacts,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": ctx.logs_bucket, "TargetPrefix": f"s3/{artifacts}/"}
            },
        )
        s3.put_bucket_policy(Bucket=artifacts, Policy=policy_document(deny_insecure_transport(artifacts)))
        manifest.misconfig(
            stage, "s3.bucket", artifacts, "S3.VERSIONING",
            "Production build-artifacts bucket has versioning disabled (no recovery from overwrite/delete).",
        )
        manifest.misconfig(
            stage, "s3.bucket", artifacts, "S3.LIFECYCLE",
            "Production build-artifacts bucket has no lifecycle configuration: every build is kept forever.",
        )
        return

    # dev assets: public through policy and ACL, no block, no default encryption.
    create_bucket(
        ctx, assets, stage, tags, public_access_block=PAB_OFF, ownership="ObjectWriter", encryption=None
    )
    s3.put_bucket_acl(Bucket=assets, ACL="public-read")
    s3.put_bucket_policy(
        Bucket=assets,
        Policy=policy_document(
            {
                "Sid": "PublicReadGetObject",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": bucket_arn(assets) + "/*",
            }
        ),
    )
    mitigation = (
        " (the account-level block's IgnorePublicAcls/RestrictPublicBuckets currently mitigate it)"
    )
    for control, description in (
        ("S3.BUCKET_PUBLIC_ACCESS_BLOCK", "Bucket-level Block Public Access is fully disabled."),
        ("S3.BUCKET_POLICY_PUBLIC", 'Bucket policy grants s3:GetObject to Principal "*".' + mitigation),
        ("S3.BUCKET_ACL_PUBLIC", "Bucket ACL grants READ to AllUsers (ObjectOwnership=ObjectWriter)." + mitigation),
        ("S3.DEFAULT_ENCRYPTION", "No default server-side encryption configuration."),
        ("S3.VERSIONING", "Versioning is not enabled."),
        ("S3.LIFECYCLE", "No lifecycle configuration: objects are kept forever."),
        ("S3.SECURE_TRANSPORT", "Bucket policy does not deny aws:SecureTransport=false."),
        ("S3.ACCESS_LOGGING", "Server access logging is not enabled."),
    ):
        manifest.misconfig(stage, "s3.bucket", assets, control, description)

    # dev artifacts: versioned, but nothing ever expires old versions.
    create_bucket(ctx, artifacts, stage, tags, versioning=True)
    for control, description in (
        ("S3.VERSIONING_WITHOUT_LIFECYCLE", "Versioning enabled without any lifecycle rule for noncurrent versions."),
        ("S3.SECURE_TRANSPORT", "No bucket policy denying aws:SecureTransport=false."),
        ("S3.ACCESS_LOGGING", "Server access logging is not enabled."),
    ):
        manifest.misconfig(stage, "s3.bucket", artifacts, control, description)


def seed_s3_bucket_policies(ctx: Context) -> None:
    """Production assets bucket policy: CloudFront OAC only, TLS enforced."""
    state = ctx.stages["production"]
    assets = state.assets_bucket
    ctx.aws.s3.put_bucket_policy(
        Bucket=assets,
        Policy=policy_document(
            {
                "Sid": "AllowCloudFrontServicePrincipalReadOnly",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": bucket_arn(assets) + "/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": state.distribution_arn}},
            },
            deny_insecure_transport(assets),
        ),
    )


# ---------------------------------------------------------------------------
# ACM
# ---------------------------------------------------------------------------


def seed_acm(ctx: Context) -> None:
    arn = ctx.aws.acm.request_certificate(
        DomainName=DOMAIN,
        SubjectAlternativeNames=[DOMAIN, f"*.{DOMAIN}"],
        ValidationMethod="DNS",
        IdempotencyToken="brainbytesproduction",
        Tags=tag_list(sst_tags("production")),
    )["CertificateArn"]
    ctx.stages["production"].certificate_arn = arn
    ctx.manifest.resource("production", "acm.certificate", arn, arn)


# ---------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------

OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB_OIDC_HOST}"


def github_trust(sub: str | None, *, wildcard: bool = False) -> str:
    condition: dict[str, Any] = {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"}}
    if sub is not None:
        operator = "StringLike" if wildcard else "StringEquals"
        condition.setdefault(operator, {})[f"{GITHUB_OIDC_HOST}:sub"] = sub
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_PROVIDER_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


def service_trust(service: str) -> str:
    return policy_document({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def create_role(
    ctx: Context,
    stage: str | None,
    name: str,
    trust: str,
    description: str,
    *,
    inline: dict[str, str] | None = None,
    managed: tuple[str, ...] = (),
    boundary: str | None = None,
    record: bool = True,
) -> str:
    kwargs: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": trust,
        "Description": description,
        "Tags": tag_list(sst_tags(stage)),
    }
    if boundary:
        kwargs["PermissionsBoundary"] = boundary
    arn = ctx.aws.iam.create_role(**kwargs)["Role"]["Arn"]
    for policy_name, document in (inline or {}).items():
        ctx.aws.iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
    for policy_arn in managed:
        ctx.aws.iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    if record:
        ctx.manifest.resource(stage, "iam.role", name, arn)
    return arn


def create_managed_policy(ctx: Context, stage: str | None, name: str, description: str, document: str) -> str:
    arn = ctx.aws.iam.create_policy(
        PolicyName=name, Description=description, PolicyDocument=document, Tags=tag_list(sst_tags(stage))
    )["Policy"]["Arn"]
    ctx.manifest.resource(stage, "iam.policy", name, arn)
    return arn


def seed_iam_account(ctx: Context) -> None:
    """Password policy and the GitHub Actions OIDC provider."""
    iam, manifest = ctx.aws.iam, ctx.manifest
    iam.update_account_password_policy(
        MinimumPasswordLength=8,
        RequireSymbols=False,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
    )
    manifest.resource(None, "iam.account", ACCOUNT_ID)
    manifest.misconfig(
        None, "iam.account", ACCOUNT_ID, "IAM.PASSWORD_POLICY",
        "Password policy: minimum length 8, symbols not required, no expiry, no reuse prevention.",
    )
    # The emulator's account summary says AccountMFAEnabled=0, and no API turns root MFA on.
    manifest.misconfig(
        None, "iam.account", ACCOUNT_ID, "IAM.ROOT_MFA",
        "The root user has no MFA device (GetAccountSummary AccountMFAEnabled=0).",
    )
    arn = iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB_OIDC_HOST}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=[GITHUB_OIDC_THUMBPRINT],
        Tags=tag_list(sst_tags(None)),
    )["OpenIDConnectProviderArn"]
    manifest.resource(None, "iam.oidc_provider", f"https://{GITHUB_OIDC_HOST}", arn)


def seed_iam_roles(ctx: Context) -> None:
    """Deploy roles (GitHub OIDC), Lambda execution roles and a vendor role."""
    manifest = ctx.manifest
    prod, dev = ctx.stages["production"], ctx.stages["dev"]
    lambda_arn_prefix = f"arn:aws:lambda:{ctx.region}:{ACCOUNT_ID}:function:"
    ssm_arn_prefix = f"arn:aws:ssm:{ctx.region}:{ACCOUNT_ID}:parameter"

    def deploy_policy(stage: str) -> str:
        state = ctx.stages[stage]
        buckets = [state.assets_bucket, state.artifacts_bucket, ctx.state_bucket, ctx.asset_bucket]
        return policy_document(
            {
                "Sid": "SyncBuckets",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [bucket_arn(b) for b in buckets] + [bucket_arn(b) + "/*" for b in buckets],
            },
            {
                "Sid": "UpdateFunctions",
                "Effect": "Allow",
                "Action": [
                    "lambda:GetFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:PublishVersion",
                ],
                "Resource": f"{lambda_arn_prefix}{APP}-{stage}-*",
            },
            {
                "Sid": "InvalidateCdn",
                "Effect": "Allow",
                "Action": ["cloudfront:CreateInvalidation", "cloudfront:GetDistribution"],
                "Resource": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/*",
            },
            {
                "Sid": "ReadSstParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": [
                    f"{ssm_arn_prefix}/sst/*",
                    f"{ssm_arn_prefix}/{APP}/{stage}/*",
                ],
            },
        )

    # GitHub Actions deploy roles.
    create_role(
        ctx, "production", resource_name("production", "GithubDeployRole"),
        github_trust(f"repo:{GITHUB_REPO}:ref:refs/heads/main"),
        "Assumed by GitHub Actions on main to deploy the production stage",
        inline={"deploy": deploy_policy("production")},
    )
    dev_deploy = resource_name("dev", "GithubDeployRole")
    create_role(
        ctx, "dev", dev_deploy, github_trust(f"repo:{GITHUB_REPO}:*", wildcard=True),
        "Assumed by GitHub Actions to deploy the dev stage",
        inline={"deploy": deploy_policy("dev")},
    )
    manifest.misconfig(
        "dev", "iam.role", dev_deploy, "IAM.OIDC_TRUST_ANY_REF",
        f"[medium] GitHub OIDC trust allows sub 'repo:{GITHUB_REPO}:*' (any branch, tag, PR or environment).",
    )
    preview = resource_name("dev", "GithubPreviewRole")
    create_role(
        ctx, "dev", preview, github_trust(None),
        "Assumed by GitHub Actions preview workflows",
        inline={
            "preview-upload": policy_document(
                {
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:ListBucket"],
                    "Resource": [bucket_arn(dev.assets_bucket), bucket_arn(dev.assets_bucket) + "/*"],
                }
            )
        },
    )
    manifest.misconfig(
        "dev", "iam.role", preview, "IAM.OIDC_TRUST_UNPINNED",
        "[critical] GitHub OIDC trust checks only aud=sts.amazonaws.com: any GitHub repository can assume it.",
    )

    # Lambda execution roles.
    boundary = create_managed_policy(
        ctx, "production", resource_name("production", "LambdaPermissionsBoundary"),
        "Upper bound for production Lambda execution roles",
        policy_document(
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:/aws/lambda/{APP}-production-*",
            },
            {
                "Sid": "Parameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameter*",
                "Resource": f"{ssm_arn_prefix}/{APP}/production/*",
            },
            {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": prod.kms_key_arn},
            {
                "Sid": "Assets",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": bucket_arn(prod.assets_bucket) + "/*",
            },
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
        ),
    )
    prod.server_role_arn = create_role(
        ctx, "production", resource_name("production", "ServerFunctionRole"),
        service_trust("lambda.amazonaws.com"), "Execution role of the production Next.js server function",
        inline={
            "server": policy_document(
                {
                    "Sid": "ReadStageParameters",
                    "Effect": "Allow",
                    "Action": "ssm:GetParameter*",
                    "Resource": f"{ssm_arn_prefix}/{APP}/production/*",
                },
                {"Sid": "DecryptParameters", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": prod.kms_key_arn},
                {
                    "Sid": "Assets",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": bucket_arn(prod.assets_bucket) + "/*",
                },
            )
        },
        managed=(LAMBDA_BASIC_EXECUTION, XRAY_DAEMON_WRITE),
        boundary=boundary,
    )
    dev_server_role = resource_name("dev", "ServerFunctionRole")
    dev.server_role_arn = create_role(
        ctx, "dev", dev_server_role, service_trust("lambda.amazonaws.com"),
        "Execution role of the dev Next.js server function",
        inline={
            "server": policy_document(
                {"Sid": "ReadParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"},
                {"Sid": "Buckets", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            )
        },
        managed=(LAMBDA_BASIC_EXECUTION,),
    )
    manifest.misconfig(
        "dev", "iam.role", dev_server_role, "IAM.LAMBDA_ROLE_SSM_SCOPE",
        'The Lambda role\'s inline policy allows ssm:GetParameters on Resource "*" (every parameter of every stage).',
    )
    manifest.misconfig(
        "dev", "iam.role", dev_server_role, "IAM.POLICY_SERVICE_WILDCARD",
        'Inline policy allows "s3:*" on Resource "*".',
    )
    for stage in STAGES:
        state = ctx.stages[stage]
        state.image_role_arn = create_role(
            ctx, stage, resource_name(stage, "ImageOptimizerFunctionRole"),
            service_trust("lambda.amazonaws.com"), f"Execution role of the {stage} image optimizer function",
            inline={
                "assets-read": policy_document(
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": bucket_arn(state.assets_bucket) + "/*",
                    }
                )
            },
            managed=(LAMBDA_BASIC_EXECUTION, XRAY_DAEMON_WRITE) if stage == "production" else (LAMBDA_BASIC_EXECUTION,),
        )

    # Third-party observability vendor, trusted without an external id.
    vendor = resource_name("production", "ObservabilityVendorRole")
    create_role(
        ctx, "production", vendor,
        policy_document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_VENDOR_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        "Read-only access for the observability vendor",
        managed=(READ_ONLY_ACCESS,),
    )
    manifest.misconfig(
        "production", "iam.role", vendor, "IAM.TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID",
        f"Role trusts account {TRUSTED_VENDOR_ACCOUNT} (root) with no sts:ExternalId condition (confused deputy).",
    )
    ctx.log("iam: roles")


def seed_iam_users(ctx: Context) -> None:
    """Groups, customer-managed policies and the three users."""
    iam, manifest = ctx.aws.iam, ctx.manifest

    admin_policy = create_managed_policy(
        ctx, None, f"{APP}-developers-full-access", "Everything, for the developers group",
        policy_document({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )
    manifest.misconfig(
        None, "iam.policy", f"{APP}-developers-full-access", "IAM.POLICY_FULL_ADMIN",
        'Customer-managed policy allows Action "*" on Resource "*" (attached to group developers).',
    )
    deployer_policy_name = f"{APP}-ci-lambda-deployer"
    deployer_policy = create_managed_policy(
        ctx, None, deployer_policy_name, "Lets CI create and update Lambda functions",
        policy_document(
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
                "Resource": "*",
            }
        ),
    )
    manifest.misconfig(
        None, "iam.policy", deployer_policy_name, "IAM.POLICY_WILDCARD_RESOURCE",
        "iam:PassRole, lambda:CreateFunction, UpdateFunctionCode and InvokeFunction on Resource * "
        "(attached to user ci-bot).",
    )

    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers", PolicyArn=admin_policy)
    iam.create_group(GroupName="viewers")
    iam.attach_group_policy(GroupName="viewers", PolicyArn=READ_ONLY_ACCESS)
    for group in ("developers", "viewers"):
        manifest.resource(None, "iam.group", group, f"arn:aws:iam::{ACCOUNT_ID}:group/{group}")

    def create_user(name: str) -> str:
        arn = iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": APP}])["User"]["Arn"]
        manifest.resource(None, "iam.user", name, arn)
        return arn

    # alice: console without MFA, AdministratorAccess attached directly.
    create_user("alice")
    iam.create_login_profile(UserName="alice", Password="Alice-Console-Pw-2024!", PasswordResetRequired=False)
    iam.attach_user_policy(UserName="alice", PolicyArn=ADMINISTRATOR_ACCESS)
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    iam.create_access_key(UserName="alice")
    manifest.misconfig(
        None, "iam.user", "alice", "IAM.USER_CONSOLE_NO_MFA",
        "User has a console password and no MFA device.",
    )
    manifest.misconfig(
        None, "iam.user", "alice", "IAM.ADMIN_POLICY_ATTACHED",
        "AdministratorAccess is attached directly to the user (not through a group).",
    )

    # bob: console with a virtual MFA device, permissions through a group.
    create_user("bob")
    iam.create_login_profile(UserName="bob", Password="Bob-Console-Pw-2024!#", PasswordResetRequired=False)
    iam.add_user_to_group(GroupName="viewers", UserName="bob")
    try:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName="bob", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    except ClientError as error:
        ctx.note(f"virtual MFA device for bob rejected: {error}")

    # ci-bot: programmatic only, two active keys (the old one never retired), escalation
    # policy attached to the user itself.
    create_user("ci-bot")
    iam.attach_user_policy(UserName="ci-bot", PolicyArn=deployer_policy)
    iam.create_access_key(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    manifest.misconfig(
        None, "iam.user", "ci-bot", "IAM.USER_DIRECT_POLICY",
        "A managed policy is attached to the user directly, not through a group.",
    )
    manifest.misconfig(
        None, "iam.user", "ci-bot", "IAM.USER_MULTIPLE_ACCESS_KEYS",
        "User has two active access keys (the old one never retired).",
    )
    manifest.misconfig(
        None, "iam.user", "ci-bot", "IAM.PRIVILEGE_ESCALATION",
        "ci-bot → (iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction) → AdminAutomationRole "
        "(AdministratorAccess, trusted by Lambda).",
    )
    ctx.log("iam: users")
    seed_iam_escalations(ctx)


def seed_iam_escalations(ctx: Context) -> None:
    """Principals that can make themselves administrators, each by a published method, and the
    safe designs a careful team uses instead (which must not be reported)."""
    iam, manifest = ctx.aws.iam, ctx.manifest
    role_arn = lambda name: f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"  # noqa: E731

    # An administrator role Lambda may assume: what ci-bot and the Lambda developer reach.
    automation = f"{APP}-AdminAutomationRole"
    create_role(
        ctx, None, automation, service_trust("lambda.amazonaws.com"), "Runs account maintenance functions",
        managed=(ADMINISTRATOR_ACCESS,),
    )
    manifest.misconfig(
        None, "iam.role", automation, "IAM.ADMIN_POLICY_ATTACHED",
        "AdministratorAccess attached to a role that Lambda functions run as.",
    )
    # AWSLambda_FullAccess: lambda:* and iam:PassRole to Lambda.
    lambda_developer = f"{APP}-LambdaDeveloperRole"
    create_role(
        ctx, None, lambda_developer, service_trust("codebuild.amazonaws.com"), "Builds and tests functions",
        managed=(AWS_MANAGED + "AWSLambda_FullAccess",),
    )
    manifest.misconfig(
        None, "iam.role", lambda_developer, "IAM.PRIVILEGE_ESCALATION",
        "AWSLambda_FullAccess passes any role to Lambda: → AdminAutomationRole.",
    )
    # A role that may write its own inline policies.
    self_managed = f"{APP}-SelfManagedRole"
    create_role(
        ctx, None, self_managed, service_trust("codebuild.amazonaws.com"), "Manages its own permissions",
        inline={"own-policies": policy_document(
            {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": role_arn(self_managed)}
        )},
    )
    manifest.misconfig(
        None, "iam.role", self_managed, "IAM.PRIVILEGE_ESCALATION",
        "iam:PutRolePolicy on its own ARN: it can give itself anything.",
    )
    # A trust "limited" by Null aws:PrincipalOrgID = false: any organisation in the world.
    partner = f"{APP}-PartnerRole"
    create_role(
        ctx, None, partner,
        policy_document({
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"Null": {"aws:PrincipalOrgID": "false"}},
        }),
        "Shared with partners",
        inline={"read": policy_document(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": bucket_arn(ctx.asset_bucket) + "/*"}
        )},
    )
    manifest.misconfig(
        None, "iam.role", partner, "IAM.TRUST_ANY_PRINCIPAL",
        "Trust Principal AWS * with Null aws:PrincipalOrgID false: a principal of any organisation may assume it.",
    )
    # A user who may attach any policy to itself.
    iam.create_user(UserName="dana", Tags=[{"Key": "team", "Value": APP}])
    manifest.resource(None, "iam.user", "dana", f"arn:aws:iam::{ACCOUNT_ID}:user/dana")
    iam.put_user_policy(UserName="dana", PolicyName="self-service", PolicyDocument=policy_document({
        "Effect": "Allow", "Action": "iam:AttachUserPolicy",
        "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}",
    }))
    manifest.misconfig(
        None, "iam.user", "dana", "IAM.PRIVILEGE_ESCALATION",
        "iam:AttachUserPolicy on user/${aws:username}: attaches AdministratorAccess to herself.",
    )
    manifest.misconfig(None, "iam.user", "dana", "IAM.USER_DIRECT_POLICY", "An inline policy on the user.")
    # A user who may write a new default version of the policy attached to it.
    tools_name = f"{APP}-release-tools"
    tools_arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{tools_name}"
    tools = create_managed_policy(
        ctx, None, tools_name, "Release automation",
        policy_document({"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:GetPolicyVersion"],
                         "Resource": tools_arn}),
    )
    iam.create_user(UserName="release-bot", Tags=[{"Key": "team", "Value": APP}])
    manifest.resource(None, "iam.user", "release-bot", f"arn:aws:iam::{ACCOUNT_ID}:user/release-bot")
    iam.attach_user_policy(UserName="release-bot", PolicyArn=tools)
    manifest.misconfig(
        None, "iam.user", "release-bot", "IAM.PRIVILEGE_ESCALATION",
        "iam:CreatePolicyVersion on the policy attached to itself: rewrites it as an administrator policy.",
    )
    manifest.misconfig(None, "iam.user", "release-bot", "IAM.USER_DIRECT_POLICY", "A managed policy on the user.")

    # A worker granted every action of three services, that uses two (its CloudTrail says so):
    # what a least-privilege plan narrows.
    create_role(
        ctx, None, f"{APP}-WorkerRole", service_trust("lambda.amazonaws.com"), "Processes jobs",
        inline={"broad": policy_document(
            {"Effect": "Allow", "Action": ["s3:*", "ssm:*", "sqs:*"], "Resource": "*"},
        )},
    )
    manifest.misconfig(
        None, "iam.role", f"{APP}-WorkerRole", "IAM.POLICY_SERVICE_WILDCARD",
        "Inline policy allows s3:*, ssm:* and sqs:* on Resource * (it uses two actions).",
    )

    # Safe: AWS's delegated administration. The platform role creates app-* roles only with the
    # app boundary, cannot remove it, and the boundary is not administrator.
    boundary_name = f"{APP}-app-boundary"
    boundary = create_managed_policy(
        ctx, None, boundary_name, "Upper bound for application roles",
        policy_document({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "logs:*", "dynamodb:*"],
                         "Resource": "*"}),
    )
    create_role(
        ctx, None, f"{APP}-PlatformRole", service_trust("codebuild.amazonaws.com"), "Creates application roles",
        inline={"delegate": policy_document(
            {"Effect": "Allow",
             "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy"],
             "Resource": role_arn("app-*"),
             "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
            {"Effect": "Allow", "Action": ["iam:PassRole", "sts:AssumeRole"], "Resource": role_arn("app-*")},
            {"Effect": "Deny", "Action": ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"],
             "Resource": "*"},
        )},
    )
    # An application role made that way: AdministratorAccess within the boundary is not an
    # administrator.
    create_role(
        ctx, None, "app-reports", service_trust("lambda.amazonaws.com"), "Builds reports",
        managed=(ADMINISTRATOR_ACCESS,), boundary=boundary,
    )
    ctx.log("iam: escalation paths and delegated administration")


# ---------------------------------------------------------------------------
# SSM Parameter Store
# ---------------------------------------------------------------------------


def stage_secrets(stage: str) -> dict[str, str]:
    """The seven BrainBytes secrets, distinctive and greppable per stage."""
    tag = "PROD" if stage == "production" else "DEV"
    low = tag.lower()
    return {
        "DatabaseUrl": (
            f"postgres://bb_app:{tag}dbPass-{fake_token(stage + 'db', 16)}"
            f"@db-{low}.brainbytes.internal:5432/brainbytes?sslmode=require"
        ),
        "BetterAuthSecret": f"bb{tag}-betterauth-{fake_token(stage + 'auth', 32)}",
        "GithubClientId": f"Iv1.bb{tag}gh{fake_token(stage + 'ghid', 10).lower()}",
        "GithubClientSecret": f"bb{tag}-ghsecret-{fake_token(stage + 'ghsecret', 30)}",
        "OpenaiApiKey": f"sk-bb{tag}-openai-{fake_token(stage + 'openai', 40)}",
        "CloudflareApiToken": f"bb{tag}-cfapitoken-{fake_token(stage + 'cf', 32)}",
        "CloudflareAccountId": f"bb{tag}cfacct{hashlib.md5((stage + 'cfacct').encode()).hexdigest()[:20]}",
    }


def parameter_arn(region: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}"


def put_parameter(
    ctx: Context, stage: str | None, name: str, value: str, kind: str, description: str,
    *, key_id: str | None = None, tags: dict[str, str] | None = None, record: bool = True,
) -> None:
    kwargs: dict[str, Any] = {"Name": name, "Value": value, "Type": kind, "Description": description}
    if key_id and kind == "SecureString":
        kwargs["KeyId"] = key_id
    if tags:
        kwargs["Tags"] = tag_list(tags)
    ctx.aws.ssm.put_parameter(**kwargs)
    if record:
        ctx.manifest.resource(stage, "ssm.parameter", name, parameter_arn(ctx.region, name))


def seed_ssm(ctx: Context) -> None:
    manifest = ctx.manifest
    plaintext = {"production": {"CloudflareAccountId", "OpenaiApiKey"}, "dev": {"GithubClientSecret", "DatabaseUrl"}}
    for stage in STAGES:
        key = f"alias/{APP}-{stage}" if stage == "production" else None
        for secret, value in stage_secrets(stage).items():
            name = f"/{APP}/{stage}/{secret}"
            kind = "String" if secret in plaintext[stage] else "SecureString"
            put_parameter(
                ctx, stage, name, manifest.secret(value), kind, f"SST secret {secret} ({stage})",
                key_id=key, tags=sst_tags(stage),
            )
            if kind == "String" and secret != "CloudflareAccountId":
                manifest.misconfig(
                    stage, "ssm.parameter", name, "SSM.SECRET_NOT_SECURE_STRING",
                    f"Secret {secret} is stored as a plaintext String parameter, not SecureString.",
                )
        passphrase = manifest.secret(f"bb{stage.upper()[:4]}-sst-passphrase-{fake_token(stage + 'pass', 44)}")
        put_parameter(
            ctx, stage, f"/sst/passphrase/{APP}/{stage}", passphrase, "SecureString",
            f"SST state passphrase for {APP}/{stage}", key_id=key, tags=sst_tags(stage),
        )
    bootstrap = json.dumps({"version": "v2", "asset": ctx.asset_bucket, "state": ctx.state_bucket})
    put_parameter(ctx, None, "/sst/bootstrap", bootstrap, "String", "SST bootstrap data")
    ctx.log("ssm: parameters")


# ---------------------------------------------------------------------------
# SNS (alarm actions; not part of the manifest's resource kinds)
# ---------------------------------------------------------------------------


def create_topic(ctx: Context, stage: str) -> str:
    return ctx.aws.sns.create_topic(Name=resource_name(stage, "Alerts"), Tags=tag_list(sst_tags(stage)))["TopicArn"]


# ---------------------------------------------------------------------------
# Lambda and CloudWatch Logs
# ---------------------------------------------------------------------------


def create_log_group(
    ctx: Context, stage: str, function: str, *, retention: int | None, kms_key_arn: str | None = None
) -> None:
    name = f"/aws/lambda/{function}"
    kwargs: dict[str, Any] = {"logGroupName": name, "tags": sst_tags(stage)}
    if kms_key_arn:
        kwargs["kmsKeyId"] = kms_key_arn
    ctx.aws.logs.create_log_group(**kwargs)
    if retention:
        ctx.aws.logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    arn = f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:{name}"
    ctx.manifest.resource(stage, "logs.log_group", name, arn)
    if retention is None:
        ctx.manifest.misconfig(
            stage, "logs.log_group", name, "LOGS.RETENTION",
            "Log group retention is 'Never expire'.",
        )


def create_function(
    ctx: Context, stage: str, name: str, *, role: str, runtime: str, description: str,
    memory: int, timeout: int, environment: dict[str, str], tracing: str, kms_key_arn: str | None = None,
    handler: str = "index.handler",
) -> str:
    kwargs: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": runtime,
        "Role": role,
        "Handler": handler,
        "Code": {"ZipFile": LAMBDA_ZIP},
        "Description": description,
        "Timeout": timeout,
        "MemorySize": memory,
        "Publish": False,
        "Architectures": ["arm64"],
        "Environment": {"Variables": environment},
        "TracingConfig": {"Mode": tracing},
        "Tags": sst_tags(stage),
    }
    if kms_key_arn:
        kwargs["KMSKeyArn"] = kms_key_arn
    arn = ctx.aws.lambda_.create_function(**kwargs)["FunctionArn"]
    ctx.manifest.resource(stage, "lambda.function", name, arn)
    return arn


def seed_lambda(ctx: Context, stage: str) -> None:
    state, manifest = ctx.stages[stage], ctx.manifest
    production = stage == "production"
    server = function_name(stage, "ServerFunction")
    image = function_name(stage, "ImageOptimizerFunction")
    state.server_function, state.image_function = server, image

    environment = {
        "NODE_ENV": "production" if production else "development",
        "SST_RESOURCE_App": json.dumps({"name": APP, "stage": stage}, separators=(",", ":")),
        "DATABASE_URL_PARAM": f"/{APP}/{stage}/DatabaseUrl",
    }
    if not production:
        environment["OPENAI_API_KEY"] = manifest.secret(f"sk-bbDEV-lambdaenv-openai-{fake_token('devenvopenai', 40)}")
        environment["BETTER_AUTH_SECRET"] = manifest.secret(
            hashlib.sha1(b"brainbytes/dev/lambda-env/better-auth").hexdigest()
        )
    state.server_function_arn = create_function(
        ctx, stage, server, role=state.server_role_arn, runtime="nodejs20.x",
        description=f"{APP} {stage} Next.js server", memory=1024, timeout=30,
        environment=environment, tracing="Active" if production else "PassThrough",
        kms_key_arn=state.kms_key_arn if production else None,
    )
    image_runtime = "nodejs20.x" if production else "nodejs16.x"
    create_function(
        ctx, stage, image, role=state.image_role_arn, runtime=image_runtime,
        description=f"{APP} {stage} Next.js image optimizer", memory=1536, timeout=25,
        environment={"BUCKET_NAME": state.assets_bucket, "BUCKET_KEY_PREFIX": "_assets"},
        tracing="Active" if production else "PassThrough",
    )

    if production:
        ctx.aws.lambda_.put_function_concurrency(FunctionName=server, ReservedConcurrentExecutions=50)
        url = ctx.aws.lambda_.create_function_url_config(FunctionName=server, AuthType="AWS_IAM")["FunctionUrl"]
    else:
        url = ctx.aws.lambda_.create_function_url_config(
            FunctionName=server,
            AuthType="NONE",
            Cors={"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"], "MaxAge": 86400},
        )["FunctionUrl"]
        for control, description in (
            (
                "LAMBDA.ENV_PLAINTEXT_SECRET",
                "Environment variables OPENAI_API_KEY (API key) and BETTER_AUTH_SECRET hold plaintext secrets.",
            ),
            ("LAMBDA.FUNCTION_URL_AUTH_NONE", "Function URL has AuthType NONE (publicly invocable, bypasses CloudFront)."),
            ("LAMBDA.FUNCTION_URL_CORS_WILDCARD", "Function URL CORS allows origin '*'."),
        ):
            manifest.misconfig(stage, "lambda.function", server, control, description)
        # Tracing is off here too: observability hygiene, not one of the team's controls.
        manifest.misconfig(stage, "lambda.function", image, "LAMBDA.DEPRECATED_RUNTIME", "Runtime nodejs16.x is deprecated.")
    state.server_url_domain = urlsplit(url).hostname or ""

    if production:
        create_log_group(ctx, stage, server, retention=30, kms_key_arn=state.kms_key_arn)
        create_log_group(ctx, stage, image, retention=30, kms_key_arn=state.kms_key_arn)
    else:
        create_log_group(ctx, stage, server, retention=None)
        create_log_group(ctx, stage, image, retention=None)
        for function in (server, image):
            ctx.manifest.misconfig(
                stage, "logs.log_group", f"/aws/lambda/{function}", "LOGS.KMS_ENCRYPTION",
                "Log group is not encrypted with a customer-managed KMS key.",
            )
    ctx.log(f"lambda: {stage}")


def seed_lambda_permissions(ctx: Context) -> None:
    """Resource policies; production's needs the distribution ARN."""
    prod, dev = ctx.stages["production"], ctx.stages["dev"]
    ctx.aws.lambda_.add_permission(
        FunctionName=prod.server_function,
        StatementId="AllowCloudFrontInvokeFunctionUrl",
        Action="lambda:InvokeFunctionUrl",
        Principal="cloudfront.amazonaws.com",
        SourceArn=prod.distribution_arn,
        FunctionUrlAuthType="AWS_IAM",
    )
    ctx.aws.lambda_.add_permission(
        FunctionName=dev.server_function,
        StatementId="FunctionURLAllowPublicAccess",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    ctx.manifest.misconfig(
        "dev", "lambda.function", dev.server_function, "LAMBDA.RESOURCE_POLICY_PUBLIC",
        'Resource policy allows Principal "*" lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE).',
    )


# ---------------------------------------------------------------------------
# CloudFront
# ---------------------------------------------------------------------------

ALL_METHODS = {
    "Quantity": 7,
    "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
    "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
}
READ_METHODS = {
    "Quantity": 2,
    "Items": ["GET", "HEAD"],
    "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
}


def try_response_headers_policy(ctx: Context) -> str:
    """A custom HSTS policy if the endpoint supports it, else AWS's managed one."""
    try:
        policy = ctx.aws.cloudfront.create_response_headers_policy(
            ResponseHeadersPolicyConfig={
                "Name": resource_name("production", "SecurityHeaders"),
                "Comment": "HSTS and friends for production",
                "SecurityHeadersConfig": {
                    "StrictTransportSecurity": {
                        "Override": True,
                        "AccessControlMaxAgeSec": 63072000,
                        "IncludeSubdomains": True,
                        "Preload": True,
                    },
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"Override": True, "FrameOption": "DENY"},
                    "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"},
                },
            }
        )
        return policy["ResponseHeadersPolicy"]["Id"]
    except ClientError as error:
        ctx.note(
            "CreateResponseHeadersPolicy unsupported "
            f"({error.response.get('Error', {}).get('Code')}); using managed SecurityHeadersPolicy id"
        )
        return RESPONSE_HEADERS_SECURITY_HEADERS


def try_origin_access_identity(ctx: Context, stage: str) -> str | None:
    try:
        oai = ctx.aws.cloudfront.create_cloud_front_origin_access_identity(
            CloudFrontOriginAccessIdentityConfig={
                "CallerReference": resource_name(stage, "AssetsOai"),
                "Comment": f"{APP} {stage} legacy origin access identity",
            }
        )
        return oai["CloudFrontOriginAccessIdentity"]["Id"]
    except ClientError as error:
        ctx.note(
            "CreateCloudFrontOriginAccessIdentity unsupported "
            f"({error.response.get('Error', {}).get('Code')}); dev S3 origin has no OAI/OAC"
        )
        return None


def seed_cloudfront(ctx: Context, stage: str) -> None:
    cf, state, manifest = ctx.aws.cloudfront, ctx.stages[stage], ctx.manifest
    production = stage == "production"

    oac = cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": resource_name(stage, "AssetsOriginAccessControl"),
            "Description": f"{APP} {stage} assets bucket",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]
    state.oac_id = oac["Id"]
    manifest.resource(
        stage, "cloudfront.origin_access_control", oac["Id"],
        f"arn:aws:cloudfront::{ACCOUNT_ID}:origin-access-control/{oac['Id']}",
    )

    s3_origin: dict[str, Any] = {
        "Id": "assets",
        "DomainName": f"{state.assets_bucket}.s3.{ctx.region}.amazonaws.com",
        "OriginPath": "/_assets",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    oai_id = None
    if production:
        s3_origin["OriginAccessControlId"] = state.oac_id
    else:
        oai_id = try_origin_access_identity(ctx, stage)
        if oai_id:
            s3_origin["S3OriginConfig"]["OriginAccessIdentity"] = f"origin-access-identity/cloudfront/{oai_id}"
    server_origin = {
        "Id": "server",
        "DomainName": state.server_url_domain,
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only" if production else "match-viewer",
            "OriginSslProtocols": (
                {"Quantity": 1, "Items": ["TLSv1.2"]}
                if production
                else {"Quantity": 3, "Items": ["TLSv1", "TLSv1.1", "TLSv1.2"]}
            ),
            "OriginReadTimeout": 30,
            "OriginKeepaliveTimeout": 5,
        },
    }
    default_behavior: dict[str, Any] = {
        "TargetOriginId": "server",
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": ALL_METHODS,
        "Compress": True,
        "CachePolicyId": CACHE_POLICY_CACHING_DISABLED,
        "OriginRequestPolicyId": ORIGIN_REQUEST_ALL_VIEWER_EXCEPT_HOST,
    }
    if production:
        default_behavior["ResponseHeadersPolicyId"] = try_response_headers_policy(ctx)
    behaviors = [
        {
            "PathPattern": "/_next/static/*",
            "TargetOriginId": "assets",
            "ViewerProtocolPolicy": "allow-all" if production else "redirect-to-https",
            "AllowedMethods": READ_METHODS,
            "Compress": True,
            "CachePolicyId": CACHE_POLICY_CACHING_OPTIMIZED,
        },
        {
            "PathPattern": "/api/*",
            "TargetOriginId": "server",
            "ViewerProtocolPolicy": "https-only",
            "AllowedMethods": ALL_METHODS,
            "Compress": True,
            "CachePolicyId": CACHE_POLICY_CACHING_DISABLED,
            "OriginRequestPolicyId": ORIGIN_REQUEST_ALL_VIEWER_EXCEPT_HOST,
        },
    ]
    config: dict[str, Any] = {
        "CallerReference": resource_name(stage, "Distribution"),
        "Comment": f"{APP} {stage} Next.js site",
        "Enabled": True,
        "Origins": {"Quantity": 2, "Items": [s3_origin, server_origin]},
        "DefaultCacheBehavior": default_behavior,
        "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors},
        "PriceClass": "PriceClass_100" if production else "PriceClass_All",
        "HttpVersion": "http2and3",
        "IsIPV6Enabled": True,
    }
    if production:
        config["Aliases"] = {"Quantity": 1, "Items": [DOMAIN]}
        config["ViewerCertificate"] = {
            "CloudFrontDefaultCertificate": False,
            "ACMCertificateArn": state.certificate_arn,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
        config["Logging"] = {
            "Enabled": True,
            "IncludeCookies": False,
            "Bucket": f"{ctx.logs_bucket}.s3.amazonaws.com",
            "Prefix": "cloudfront/production/",
        }
        config["WebACLId"] = (
            f"arn:aws:wafv2:us-east-1:{ACCOUNT_ID}:global/webacl/{APP}-production-waf/"
            f"{hashlib.sha256(b'production-waf').hexdigest()[:32]}"
        )
    else:
        config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True}
        config["Logging"] = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}

    distribution = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": config,
            "Tags": {"Items": tag_list(sst_tags(stage))},
        }
    )["Distribution"]
    state.distribution_id, state.distribution_arn = distribution["Id"], distribution["ARN"]
    manifest.resource(stage, "cloudfront.distribution", distribution["Id"], distribution["ARN"])

    if production:
        manifest.misconfig(
            stage, "cloudfront.distribution", distribution["Id"], "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS",
            "Cache behavior /_next/static/* has ViewerProtocolPolicy allow-all (HTTP served); "
            "the default behavior redirects to HTTPS.",
        )
        ctx.log(f"cloudfront: {stage}")
        return
    dev_findings = [
        ("CLOUDFRONT.ORIGIN_HTTPS", "Custom origin 'server' uses OriginProtocolPolicy match-viewer."),
        ("CLOUDFRONT.ORIGIN_TLS", "Custom origin 'server' allows TLSv1 and TLSv1.1."),
        ("CLOUDFRONT.ACCESS_LOGGING", "Standard access logging is disabled."),
        (
            "CLOUDFRONT.DEFAULT_CERTIFICATE",
            "Uses the default *.cloudfront.net certificate: viewer minimum protocol is TLSv1.",
        ),
        ("CLOUDFRONT.SECURITY_HEADERS", "No response headers policy (no HSTS) on the default behavior."),
        ("CLOUDFRONT.WAF", "No web ACL: the dev distribution has no WAF in front of it."),
    ]
    if oai_id:
        dev_findings.append(("CLOUDFRONT.S3_ORIGIN_OAC", "S3 origin uses a legacy origin access identity."))
    else:
        dev_findings.append(
            ("CLOUDFRONT.S3_ORIGIN_OAC", "S3 origin 'assets' has neither an OAC nor an OAI (public bucket).")
        )
    for control, description in dev_findings:
        manifest.misconfig(stage, "cloudfront.distribution", distribution["Id"], control, description)
    ctx.log(f"cloudfront: {stage}")


# ---------------------------------------------------------------------------
# CloudWatch alarms
# ---------------------------------------------------------------------------


def alarm_arn(region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:{name}"


def put_function_alarm(
    ctx: Context, stage: str, name: str, function: str, metric: str, actions: list[str], *, record: bool = True
) -> None:
    ctx.aws.cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmDescription=f"{metric} of {function}",
        ActionsEnabled=bool(actions),
        AlarmActions=actions,
        OKActions=actions,
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        Tags=tag_list(sst_tags(stage)),
    )
    if record:
        ctx.manifest.resource(stage, "cloudwatch.alarm", name, alarm_arn(ctx.region, name))


def seed_alarms(ctx: Context) -> None:
    prod, dev = ctx.stages["production"], ctx.stages["dev"]
    prod.alerts_topic_arn = create_topic(ctx, "production")
    for function, label in ((prod.server_function, "ServerFunction"), (prod.image_function, "ImageOptimizerFunction")):
        for metric in ("Errors", "Throttles"):
            name = resource_name("production", f"{label}{metric}Alarm")
            put_function_alarm(ctx, "production", name, function, metric, [prod.alerts_topic_arn])
    name = resource_name("dev", "ServerFunctionErrorsAlarm")
    put_function_alarm(ctx, "dev", name, dev.server_function, "Errors", [])
    ctx.manifest.misconfig(
        "dev", "cloudwatch.alarm", name, "CLOUDWATCH.ALARM_ACTIONS",
        "Alarm has no actions: nobody is notified.",
    )
    ctx.manifest.misconfig(
        "dev", "lambda.function", dev.server_function, "CLOUDWATCH.LAMBDA_ALARMS",
        "The server function has an Errors alarm but none on Throttles.",
    )
    ctx.manifest.misconfig(
        "dev", "lambda.function", dev.image_function, "CLOUDWATCH.LAMBDA_ALARMS",
        "The image optimizer function has no Errors or Throttles alarm.",
    )


# ---------------------------------------------------------------------------
# CloudTrail
# ---------------------------------------------------------------------------


def seed_cloudtrail(ctx: Context, damaged_logs: bool) -> None:
    trail = f"{APP}-audit"
    trail_arn = f"arn:aws:cloudtrail:{ctx.region}:{ACCOUNT_ID}:trail/{trail}"
    audit = ctx.audit_bucket
    # moto judges a bucket policy statement whose condition it cannot check as a Deny of every
    # object request its actions match: the log files go in before the policy, and the bucket
    # has no TLS-only statement (or no reader could fetch them). That is a finding of its own.
    seed_trail_logs(ctx, damaged_logs)
    ctx.aws.s3.put_bucket_policy(
        Bucket=audit,
        Policy=policy_document(
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn(audit),
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn(audit)}/AWSLogs/{ACCOUNT_ID}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}
                },
            },
        ),
    )
    ctx.manifest.misconfig(None, "s3.bucket", audit, "S3.SECURE_TRANSPORT",
                           "The trail bucket's policy does not deny aws:SecureTransport=false.")
    created = ctx.aws.cloudtrail.create_trail(
        Name=trail,
        S3BucketName=audit,
        IncludeGlobalServiceEvents=True,
        IsMultiRegionTrail=False,
        EnableLogFileValidation=False,
        TagsList=tag_list(sst_tags(None)),
    )
    # Management events, and the data events of every S3 object, Lambda function and SQS queue:
    # what usage needs to see object reads, invocations and messages.
    ctx.aws.cloudtrail.put_event_selectors(
        TrailName=trail,
        AdvancedEventSelectors=[
            {"Name": "Management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            *(
                {"Name": kind, "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": [kind]},
                ]}
                for kind in ("AWS::S3::Object", "AWS::Lambda::Function", "AWS::SQS::Queue")
            ),
        ],
    )
    ctx.aws.cloudtrail.start_logging(Name=trail)
    arn = created.get("TrailARN", trail_arn)
    ctx.manifest.resource(None, "cloudtrail.trail", trail, arn)
    for control, description in (
        ("CLOUDTRAIL.MULTI_REGION", "The only trail is single-region (us-east-1)."),
        ("CLOUDTRAIL.LOG_FILE_VALIDATION", "Log file integrity validation is disabled."),
        ("CLOUDTRAIL.KMS_ENCRYPTION", "Trail logs are not encrypted with a KMS key (SSE-S3 only)."),
    ):
        ctx.manifest.misconfig(None, "cloudtrail.trail", trail, control, description)


# Log files the trail would have written: what principals did over the last weeks, in the
# documented record format, with request parameters and response elements holding secrets
# (which bbscan must never keep), and the kinds of damage a reader must survive.
WORKER_QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:brainbytes-jobs"


def trail_record(when: Any, identity: dict[str, Any], source: str, name: str, *, resources: tuple[str, ...] = (),
                 error: str | None = None, request: dict[str, Any] | None = None,
                 response: dict[str, Any] | None = None, category: str = "Management") -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity,
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-sdk-js/3.0.0",
        "requestParameters": request, "responseElements": response,
        "requestID": hashlib.md5(f"{when}{name}".encode()).hexdigest(), "eventID": hashlib.md5(f"{when}{name}e".encode()).hexdigest(),
        "readOnly": name.startswith(("Get", "List", "Describe")), "eventType": "AwsApiCall",
        "managementEvent": category == "Management", "recipientAccountId": ACCOUNT_ID, "eventCategory": category,
        "resources": [{"ARN": r, "accountId": ACCOUNT_ID, "type": "AWS::Unknown"} for r in resources],
        "tlsDetails": {"tlsVersion": "TLSv1.3"},
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = "User is not authorized to perform this operation"
    return record


def role_session(role_arn: str) -> dict[str, Any]:
    name = role_arn.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole", "principalId": f"AROA{name.upper()[:12]}:session",
        "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{name}/session", "accountId": ACCOUNT_ID,
        "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": f"AROA{name.upper()[:12]}",
                                             "arn": role_arn, "accountId": ACCOUNT_ID, "userName": name},
                           "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"}},
    }


def trail_key(when: Any, n: int) -> str:
    stamp = when.strftime("%Y%m%dT%H%MZ")
    return (f"AWSLogs/{ACCOUNT_ID}/CloudTrail/us-east-1/{when:%Y/%m/%d}/"
            f"{ACCOUNT_ID}_CloudTrail_us-east-1_{stamp}_{n:04d}bbscan.json.gz")


# Days of log files written: more than the usage rules' default minimum (30).
TRAIL_DAYS = 40


def seed_trail_logs(ctx: Context, damaged: bool) -> None:
    import datetime
    import gzip

    iam = lambda kind, name: f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"  # noqa: E731
    prod = ctx.stages["production"]
    worker = iam("role", f"{APP}-WorkerRole")
    automation = iam("role", f"{APP}-AdminAutomationRole")
    server_role = iam("role", resource_name("production", "ServerFunctionRole"))
    image_role = iam("role", resource_name("production", "ImageOptimizerFunctionRole"))
    dev_server_role = iam("role", resource_name("dev", "ServerFunctionRole"))
    deploy_role = iam("role", resource_name("production", "GithubDeployRole"))
    params = [parameter_arn(ctx.region, f"/{APP}/production/{n}") for n in ("DatabaseUrl", "BetterAuthSecret", "OpenaiApiKey")]
    secret = stage_secrets("production")["DatabaseUrl"]
    user = lambda name: {"type": "IAMUser", "principalId": f"AIDA{name.upper()}", "arn": iam("user", name),  # noqa: E731
                         "accountId": ACCOUNT_ID, "userName": name}
    lambda_service = {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}
    assets = f"arn:aws:s3:::{prod.assets_bucket}"
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    files: dict[str, list[dict[str, Any]]] = {}
    for days_ago in range(1, TRAIL_DAYS + 1):
        day = (now - datetime.timedelta(days=days_ago)).replace(hour=10, minute=0, second=0)
        records = [
            # The worker: two actions, on three parameters and one queue.
            *(trail_record(day, role_session(worker), "ssm.amazonaws.com", "GetParameter", resources=(p,),
                           request={"name": p.split("parameter", 1)[1], "withDecryption": True},
                           response={"parameter": {"value": secret}}) for p in params),
            trail_record(day, role_session(worker), "sqs.amazonaws.com", "SendMessage", resources=(WORKER_QUEUE,),
                         request={"messageBody": secret}, category="Data"),
            # Lambda starts the production functions with their roles; the server reads its secret.
            trail_record(day, lambda_service, "sts.amazonaws.com", "AssumeRole", resources=(server_role,)),
            trail_record(day, lambda_service, "sts.amazonaws.com", "AssumeRole", resources=(image_role,)),
            trail_record(day, role_session(image_role), "s3.amazonaws.com", "GetObject",
                         resources=(assets, f"{assets}/images/hero.png"), category="Data"),
            trail_record(day, role_session(server_role), "ssm.amazonaws.com", "GetParameter", resources=(params[0],)),
            trail_record(day, role_session(server_role), "kms.amazonaws.com", "Decrypt",
                         resources=(prod.kms_key_arn,)),
            # The dev server keeps trying the production parameters: refused.
            trail_record(day, role_session(dev_server_role), "ssm.amazonaws.com", "GetParameter",
                         resources=(params[0],), error="AccessDenied"),
            # The nightly account maintenance function: lists users and their keys.
            trail_record(day, lambda_service, "sts.amazonaws.com", "AssumeRole", resources=(automation,)),
            trail_record(day, role_session(automation), "iam.amazonaws.com", "ListUsers"),
            trail_record(day, role_session(automation), "iam.amazonaws.com", "ListAccessKeys",
                         resources=(iam("user", "ci-bot"),)),
            trail_record(day, role_session(automation), "sts.amazonaws.com", "GetCallerIdentity"),
        ]
        if days_ago % 5 == 0:
            # A deploy: CI updates the function, GitHub Actions' role syncs assets and invalidates.
            objects = [f"{assets}/_next/static/{days_ago}/{n}.js" for n in ("main", "app")]
            records += [
                trail_record(day, user("ci-bot"), "lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
                             resources=(prod.server_function_arn,)),
                trail_record(day, {"type": "WebIdentityUser", "principalId": "token.actions.githubusercontent.com:x",
                                   "userName": "repo:brainbytes/app", "identityProvider": "token.actions.githubusercontent.com"},
                             "sts.amazonaws.com", "AssumeRoleWithWebIdentity", resources=(deploy_role,)),
                trail_record(day, role_session(deploy_role), "lambda.amazonaws.com", "GetFunction20150331v2",
                             resources=(prod.server_function_arn,)),
                trail_record(day, role_session(deploy_role), "lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
                             resources=(prod.server_function_arn,)),
                trail_record(day, role_session(deploy_role), "s3.amazonaws.com", "ListObjectsV2", resources=(assets,),
                             category="Data"),
                *(trail_record(day, role_session(deploy_role), "s3.amazonaws.com", "PutObject", resources=(assets, o),
                               category="Data") for o in objects),
                trail_record(day, role_session(deploy_role), "cloudfront.amazonaws.com", "CreateInvalidation2020_05_31",
                             resources=(prod.distribution_arn,)),
            ]
        if days_ago % 7 == 0:
            # alice signs in now and then and looks around.
            records += [
                trail_record(day, user("alice"), "signin.amazonaws.com", "ConsoleLogin"),
                trail_record(day, user("alice"), "lambda.amazonaws.com", "ListFunctions20150331"),
                trail_record(day, user("alice"), "s3.amazonaws.com", "ListBuckets"),
            ]
        files[trail_key(day, 1)] = records
    # Today's file so far: the worker sent a message just now.
    files[trail_key(now, 4)] = [trail_record(now, role_session(worker), "sqs.amazonaws.com", "SendMessage",
                                             resources=(WORKER_QUEUE,), category="Data")]
    # The root user signed in once.
    # Whole-day distances and fixed times of day: what the demo snapshot keeps stays put.
    at_nine = lambda t: t.replace(hour=9, minute=30, second=0)  # noqa: E731
    login = at_nine(now - datetime.timedelta(days=3))
    files[trail_key(login, 2)] = [trail_record(login, {"type": "Root", "principalId": ACCOUNT_ID, "accountId": ACCOUNT_ID,
                                                       "arn": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                                               "signin.amazonaws.com", "ConsoleLogin")]
    # A record from the future (clock skew) and one with fields this reader has never seen.
    skew = at_nine(now - datetime.timedelta(days=2))
    future = trail_record(at_nine(now + datetime.timedelta(days=2)), role_session(worker), "sqs.amazonaws.com", "PurgeQueue")
    unknown_fields = trail_record(skew, role_session(worker), "ssm.amazonaws.com", "GetParameter", resources=(params[1],))
    unknown_fields["aFieldFrom2030"] = {"nested": [1, {"deeper": None}]}
    files[trail_key(skew, 3)] = [unknown_fields]
    s3 = ctx.aws.s3
    for key, records in files.items():
        s3.put_object(Bucket=ctx.audit_bucket, Key=key, Body=gzip.compress(json.dumps({"Records": records}).encode(), mtime=0))
    # Not events: a digest file, and a file from long before any usage window.
    s3.put_object(Bucket=ctx.audit_bucket,
                  Key=f"AWSLogs/{ACCOUNT_ID}/CloudTrail-Digest/us-east-1/{skew:%Y/%m/%d}/digest.json.gz",
                  Body=gzip.compress(b"{}", mtime=0))
    old = now - datetime.timedelta(days=400)
    s3.put_object(Bucket=ctx.audit_bucket, Key=trail_key(old, 1), Body=gzip.compress(
        json.dumps({"Records": [trail_record(old, user("ci-bot"), "iam.amazonaws.com", "DeleteUser")]}).encode(), mtime=0))
    if damaged:
        # What a reader must survive: a truncated file, a file that is not JSON, a record dated
        # two days after now (a wrong clock).
        broken = now - datetime.timedelta(days=4)
        whole = gzip.compress(json.dumps({"Records": [trail_record(broken, user("ci-bot"), "iam.amazonaws.com", "GetUser")]}).encode(), mtime=0)
        s3.put_object(Bucket=ctx.audit_bucket, Key=trail_key(broken, 8), Body=whole[: len(whole) // 2])
        s3.put_object(Bucket=ctx.audit_bucket, Key=trail_key(broken, 9), Body=gzip.compress(b"<html>not a log</html>", mtime=0))
        s3.put_object(Bucket=ctx.audit_bucket, Key=trail_key(broken, 10), Body=gzip.compress(
            json.dumps({"Records": [future]}).encode(), mtime=0))
    ctx.manifest.misconfig(
        "dev", "iam.role", resource_name("dev", "ServerFunctionRole"), "IAM.DENIED_ATTEMPTS",
        "The dev server function's role is refused ssm:GetParameter on production parameters every day.",
    )
    ctx.log(f"cloudtrail: {len(files)} log files{' and damaged ones' if damaged else ''}")


# ---------------------------------------------------------------------------
# AWS Backup
# ---------------------------------------------------------------------------


def seed_backup(ctx: Context) -> None:
    ctx.manifest.misconfig(
        "dev", "iam.account", ACCOUNT_ID, "BACKUP.DAILY_PLAN",
        "No AWS Backup plan covers the dev stage (only production has one).",
    )
    stage, state = "production", ctx.stages["production"]
    vault = resource_name(stage, "vault")
    vault_arn = ctx.aws.backup.create_backup_vault(
        BackupVaultName=vault,
        BackupVaultTags=sst_tags(stage),
        EncryptionKeyArn=state.kms_key_arn,
        CreatorRequestId=vault,
    )["BackupVaultArn"]
    ctx.manifest.resource(stage, "backup.vault", vault, vault_arn)
    plan_name = resource_name(stage, "daily")
    plan = ctx.aws.backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": plan_name,
            "Rules": [
                {
                    "RuleName": "daily-0500-utc",
                    "TargetBackupVaultName": vault,
                    "ScheduleExpression": "cron(0 5 * * ? *)",
                    "StartWindowMinutes": 60,
                    "CompletionWindowMinutes": 180,
                    "Lifecycle": {"DeleteAfterDays": 35},
                }
            ],
        },
        BackupPlanTags=sst_tags(stage),
        CreatorRequestId=plan_name,
    )
    ctx.manifest.resource(stage, "backup.plan", plan_name, plan["BackupPlanArn"])


# ---------------------------------------------------------------------------
# Fillers for --scale
# ---------------------------------------------------------------------------

FILLER_KINDS = ("iam_role", "ssm", "lambda", "s3", "alarm")


def plan_fillers(n: int, base: dict[str, int]) -> dict[str, int]:
    """Split n fillers: first push IAM, Lambda and SSM lists past one page, then round-robin.

    ``base`` holds how many of each kind exist before fillers.  A Lambda filler
    is one function plus its log group, so CloudWatch Logs follows Lambda.
    IAM comes first because it is the list moto itself pages (ListRoles at 100,
    DescribeLogGroups at 50); moto's DescribeParameters pages at 10 whatever
    MaxResults says, and its ListFunctions never pages.  From --scale 150 on,
    roles, functions and log groups all exceed one page.
    """
    plan = dict.fromkeys(FILLER_KINDS, 0)
    remaining = n
    for kind in ("iam_role", "lambda", "ssm"):
        take = min(remaining, max(0, PAGE_SIZES[kind] + 1 - base[kind]))
        plan[kind] += take
        remaining -= take
    for index in range(remaining):
        plan[FILLER_KINDS[index % len(FILLER_KINDS)]] += 1
    return plan


def filler_role(ctx: Context, index: int) -> list[tuple]:
    name = resource_name(LOAD_STAGE, f"FillerRole{index:04d}")
    arn = create_role(
        ctx, LOAD_STAGE, name, service_trust("lambda.amazonaws.com"), f"Load-test filler role {index}", record=False
    )
    return [(LOAD_STAGE, "iam.role", name, arn)]


def filler_parameter(ctx: Context, index: int) -> list[tuple]:
    name = f"/{APP}/{LOAD_STAGE}/FeatureFlag{index:04d}"
    put_parameter(
        ctx, LOAD_STAGE, name, "enabled" if index % 2 else "disabled", "String",
        f"Load-test feature flag {index}", tags=sst_tags(LOAD_STAGE), record=False,
    )
    return [(LOAD_STAGE, "ssm.parameter", name, parameter_arn(ctx.region, name))]


def filler_function(ctx: Context, index: int, role_arn: str) -> list[tuple]:
    name = function_name(LOAD_STAGE, f"Filler{index:04d}Function")
    arn = ctx.aws.lambda_.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": LAMBDA_ZIP},
        Description=f"Load-test filler function {index}",
        Timeout=10,
        MemorySize=256,
        Architectures=["arm64"],
        Environment={"Variables": {"NODE_ENV": "production", "FILLER_INDEX": str(index)}},
        TracingConfig={"Mode": "Active"},
        Tags=sst_tags(LOAD_STAGE),
    )["FunctionArn"]
    group = f"/aws/lambda/{name}"
    ctx.aws.logs.create_log_group(logGroupName=group, tags=sst_tags(LOAD_STAGE))
    ctx.aws.logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    return [
        (LOAD_STAGE, "lambda.function", name, arn),
        (LOAD_STAGE, "logs.log_group", group, f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:{group}"),
    ]


def filler_bucket(ctx: Context, index: int) -> list[tuple]:
    name = bucket_name(LOAD_STAGE, f"filler{index:04d}")
    create_bucket(ctx, name, LOAD_STAGE, sst_tags(LOAD_STAGE), versioning=True, record=False)
    ctx.aws.s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={"Rules": [noncurrent_expiration_rule("expire-noncurrent", 30)]},
    )
    ctx.aws.s3.put_bucket_logging(
        Bucket=name,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": ctx.logs_bucket, "TargetPrefix": f"s3/{name}/"}},
    )
    ctx.aws.s3.put_bucket_policy(Bucket=name, Policy=policy_document(deny_insecure_transport(name)))
    return [(LOAD_STAGE, "s3.bucket", name, bucket_arn(name))]


def filler_alarm(ctx: Context, index: int, topic_arn: str) -> list[tuple]:
    name = resource_name(LOAD_STAGE, f"Filler{index:04d}ErrorsAlarm")
    target = function_name(LOAD_STAGE, f"Filler{index:04d}Function")
    put_function_alarm(ctx, LOAD_STAGE, name, target, "Errors", [topic_arn], record=False)
    return [(LOAD_STAGE, "cloudwatch.alarm", name, alarm_arn(ctx.region, name))]


def seed_fillers(ctx: Context, n: int, workers: int) -> dict[str, int]:
    if n <= 0:
        return dict.fromkeys(FILLER_KINDS, 0)
    # Shared by the filler functions and alarms; created before any filler.
    role_arn = create_role(
        ctx, LOAD_STAGE, resource_name(LOAD_STAGE, "FillerFunctionRole"),
        service_trust("lambda.amazonaws.com"), "Execution role of the load-test filler functions",
        managed=(LAMBDA_BASIC_EXECUTION,),
    )
    topic_arn = create_topic(ctx, LOAD_STAGE)
    base = {
        "lambda": ctx.manifest.count("lambda.function"),
        "ssm": ctx.manifest.count("ssm.parameter"),
        "iam_role": ctx.manifest.count("iam.role"),
    }
    plan = plan_fillers(n, base)
    tasks: list[Callable[[], list[tuple]]] = []
    counters = dict.fromkeys(FILLER_KINDS, 0)
    # Interleave kinds so that the thread pool keeps every service busy.
    while any(counters[k] < plan[k] for k in FILLER_KINDS):
        for kind in FILLER_KINDS:
            if counters[kind] >= plan[kind]:
                continue
            counters[kind] += 1
            i = counters[kind]
            if kind == "iam_role":
                tasks.append(lambda i=i: filler_role(ctx, i))
            elif kind == "ssm":
                tasks.append(lambda i=i: filler_parameter(ctx, i))
            elif kind == "lambda":
                tasks.append(lambda i=i: filler_function(ctx, i, role_arn))
            elif kind == "s3":
                tasks.append(lambda i=i: filler_bucket(ctx, i))
            else:
                tasks.append(lambda i=i: filler_alarm(ctx, i, topic_arn))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(task) for task in tasks]
        # Collect in submission order so the manifest does not depend on timing.
        entries = [entry for future in futures for entry in future.result()]
    # Group by kind for a tidy manifest; order inside a kind is by index.
    for kind_name in ("iam.role", "ssm.parameter", "lambda.function", "logs.log_group", "s3.bucket", "cloudwatch.alarm"):
        for stage, kind, name, arn in entries:
            if kind == kind_name:
                ctx.manifest.resource(stage, kind, name, arn)
    ctx.log(f"fillers: {plan}")
    return plan


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def seed(ctx: Context, scale: int, workers: int, damaged_logs: bool = False) -> None:
    seed_s3_account(ctx)
    seed_kms(ctx)
    seed_s3_shared_buckets(ctx)
    for stage in STAGES:
        seed_s3_stage(ctx, stage)
    seed_acm(ctx)
    seed_iam_account(ctx)
    seed_iam_roles(ctx)
    seed_iam_users(ctx)
    seed_ssm(ctx)
    for stage in STAGES:
        seed_lambda(ctx, stage)
    for stage in STAGES:
        seed_cloudfront(ctx, stage)
    seed_s3_bucket_policies(ctx)
    seed_lambda_permissions(ctx)
    seed_alarms(ctx)
    seed_cloudtrail(ctx, damaged_logs)
    seed_backup(ctx)
    seed_fillers(ctx, scale, workers)
    ctx.aws.iam.generate_credential_report()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Seed a fake BrainBytes AWS account into a moto server.")
    parser.add_argument("--endpoint", required=True, help="moto server URL, e.g. http://127.0.0.1:5123")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--scale", type=int, default=0, help="number of extra filler resources (stage 'load')")
    parser.add_argument(
        "--workers", type=int, default=0,
        help="threads for filler creation; 0 (default) = 1 below --scale 500, else 4. "
        "With 1 thread moto's generated ids of fillers are reproducible too "
        "(core resources are seeded sequentially and always are)",
    )
    seed_group = parser.add_mutually_exclusive_group()
    seed_group.add_argument(
        "--moto-seed", type=int, default=DEFAULT_MOTO_SEED,
        help="seed moto's random generator first (default %(default)s)",
    )
    seed_group.add_argument("--no-moto-seed", action="store_true", help="leave moto's random generator alone")
    parser.add_argument(
        "--allow-non-loopback", action="store_true",
        help="accept an endpoint that is not on 127.0.0.0/8, ::1 or localhost (e.g. a test network namespace)",
    )
    parser.add_argument("--damaged-logs", action="store_true",
                        help="also write damaged CloudTrail log files (truncated, not JSON, a wrong clock)")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID,
                        help="seed this account of the moto server (its resources named apart) instead of the default")
    parser.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    args = parser.parse_args(argv)
    if not (len(args.account_id) == 12 and args.account_id.isdigit()):
        parser.error("--account-id must be a 12-digit account id")
    if not args.allow_non_loopback and not is_loopback(args.endpoint):
        parser.error(f"--endpoint {args.endpoint} is not a loopback address (see --allow-non-loopback)")
    if args.scale < 0:
        parser.error("--scale must be >= 0")
    if args.workers < 0:
        parser.error("--workers must be >= 0")
    if args.workers == 0:
        args.workers = 1 if args.scale < 500 else 4
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    global ACCOUNT_ID
    ACCOUNT_ID = args.account_id
    started = time.monotonic()
    if not args.no_moto_seed:
        seed_moto_random(args.endpoint, args.moto_seed)
    ctx = Context(
        aws=make_clients(args.endpoint, args.region, pool=max(10, args.workers + 2)),
        manifest=Manifest(args.region),
        region=args.region,
        verbose=args.verbose,
    )
    seed(ctx, args.scale, args.workers, args.damaged_logs)
    json.dump(ctx.manifest.to_json(), sys.stdout, indent=1)
    sys.stdout.write("\n")
    ctx.log(
        f"done in {time.monotonic() - started:.2f}s: {len(ctx.manifest.resources)} resources, "
        f"{len(ctx.manifest.misconfigurations)} misconfigurations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
