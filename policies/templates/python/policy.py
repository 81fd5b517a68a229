"""__NAME__: a bbscan policy. Two rules to start from: a team convention read from tags, and an IAM
rule that follows a role to its managed policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bbscan_policy import ComplianceRef, Context, Policy, Report, Resource, Rule, Severity, config_of, iam, settings

DATA_CLASSIFICATION = "__AREA__.DATA_CLASSIFICATION"
ROLE_WRITES_ANY_BUCKET = "__AREA__.ROLE_WRITES_ANY_BUCKET"

# An object in a bucket no statement names: a resource pattern that covers it covers every bucket.
ANY_OBJECT = "arn:aws:s3:::bbscan-any-bucket/any-object"


@dataclass(frozen=True)
class Settings:
    """The settings (`[policies.__NAME__]` in bbscan.toml), every one optional."""

    tag: str
    stages: list[str]
    default_value: str
    actions: list[str]

    @staticmethod
    def read(s: Any) -> Settings:
        settings.only_keys(s, ["tag", "stages", "default_value", "actions"])
        return Settings(
            tag=settings.string(s, "tag", "DataClassification"),
            stages=settings.strings(s, "stages", ["production"]),
            default_value=settings.string(s, "default_value", "internal"),
            actions=settings.strings(s, "actions", ["s3:PutObject", "s3:DeleteObject"]),
        )


def validate_settings(s: Any) -> None:
    Settings.read(s)


def evaluate(ctx: Context, resources: list[Resource], report: Report) -> None:
    s = Settings.read(ctx.settings)
    for r in resources:
        if r.kind == "s3.bucket":
            data_classification(s, r, report)
        elif r.kind == "iam.role":
            role_writes_any_bucket(ctx, s, r, report)


def data_classification(s: Settings, bucket: Resource, report: Report) -> None:
    stage = bucket.tags.get("sst:stage")
    if stage is None or stage not in s.stages:
        return
    if s.tag in bucket.tags:
        report.passed(DATA_CLASSIFICATION)
        return
    (
        report.fail(DATA_CLASSIFICATION, bucket, f"bucket {bucket.name} of stage {stage} has no {s.tag} tag")
        .evidence("/tags")
        .action("tags.add_tags", 1, {"tags": {s.tag: s.default_value}})
    )


def writes_any_bucket(s: Settings, statement: iam.Statement) -> str | None:
    """The first of the settings' actions an unconditional Allow grants on any object of any bucket."""
    if (
        statement.effect != iam.Effect.ALLOW
        or statement.conditions
        or statement.problems
        or not iam.covers_resource(statement, ANY_OBJECT)
    ):
        return None
    return next((a for a in s.actions if iam.covers_action(statement, a)), None)


def role_writes_any_bucket(ctx: Context, s: Settings, role: Resource, report: Report) -> None:
    config = config_of(role, "iam.role")
    grants: list[tuple[str, str]] = []  # (evidence pointer, what grants it)
    for i, p in enumerate(config["inline_policies"]):
        for statement in iam.statements(p["document"]):
            if (action := writes_any_bucket(s, statement)) is not None:
                grants.append(
                    (
                        f"/config/inline_policies/{i}/document{statement.pointer}",
                        f"inline policy {p['name']} {statement.pointer} allows {action}",
                    )
                )
    for i, a in enumerate(config["attached_policies"]):
        managed = ctx.resource(a["arn"])
        if managed is None or managed.kind != "iam.policy":
            continue
        document = config_of(managed, "iam.policy")["document"]
        if document is None:
            continue
        for statement in iam.statements(document):
            if (action := writes_any_bucket(s, statement)) is not None:
                grants.append(
                    (
                        f"/config/attached_policies/{i}",
                        f"managed policy {a['name']} {statement.pointer} allows {action}",
                    )
                )
    if not grants:
        report.passed(ROLE_WRITES_ANY_BUCKET)
        return
    texts = "; ".join(text for _, text in grants)
    finding = report.fail(ROLE_WRITES_ANY_BUCKET, role, f"role {role.name} may write to every bucket: {texts}")
    finding.evidence(*dict.fromkeys(pointer for pointer, _ in grants))


POLICY = Policy(
    name="__NAME__",
    version="0.1.0",
    validate_settings=validate_settings,
    evaluate=evaluate,
    rules=[
        Rule(
            id=DATA_CLASSIFICATION,
            title="Buckets of the audited stages carry a data classification tag",
            description="A bucket without a classification cannot be handled by the rules for its data "
            "(retention, access, incident response).",
            default_severity=Severity.MEDIUM,
            kinds=["s3.bucket"],
            compliance=[ComplianceRef("SOC 2", "C1.1")],
            help_text="Tag the bucket with the classification of the data it holds.",
            help_markdown="Tag the bucket with `DataClassification` (for example `internal` or `confidential`).",
            remediation="bbscan plan proposes the tag with the default value; or tag the bucket in the SST config "
            "(`transform.bucket.tags`).",
            not_flagged="Buckets of other stages, and buckets with no `sst:stage` tag (not deployed by SST).",
        ),
        Rule(
            id=ROLE_WRITES_ANY_BUCKET,
            title="Roles cannot write to every bucket",
            description="A role that may put or delete objects in any bucket turns one compromised function or "
            "pipeline into a breach of all the account's data.",
            default_severity=Severity.HIGH,
            kinds=["iam.role", "iam.policy"],
            compliance=[ComplianceRef("SOC 2", "CC6.3")],
            help_text="Scope the statement's Resource to the buckets the role needs.",
            help_markdown="Scope the statement's `Resource` to the buckets the role needs (`arn:aws:s3:::BUCKET/*`).",
            remediation='Replace `Resource: "*"` with the ARNs of the role\'s own buckets.',
            not_flagged="Deny statements, statements with conditions (they may narrow the grant), malformed "
            "statements, and managed policies whose document is not in the snapshot.",
        ),
    ],
)
