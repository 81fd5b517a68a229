"""Running a policy natively, as bbscan's host would, for unit tests: `run` evaluates a policy
over a snapshot document, `check_fixtures` checks it against fixture cases (the layout of `bbscan
policy test`). The test host answers lookups from the snapshot (only the kinds the policy's
rules read, as the host does) and the IAM helpers with a port of bbscan's own code
(`iam_port`)."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import iam, iam_port
from .definition import Policy
from .report import Report, collect
from .resources import Context, Gap, Resource
from .snapshot import CONFIG_DEFINITION, DEFAULTS, FIELDS, KINDS, NESTED

CATALOGUE_VARIABLE = "BBSCAN_IAM_CATALOGUE"
"""Where `access_level` finds AWS's action catalogue natively (scanner/iam/data/iam-actions.tsv)."""

MAX_DOCUMENT_BYTES = 1 << 20
"""The host refuses larger IAM documents."""

_LEVELS = {"L": "list", "R": "read", "P": "permissions-management", "T": "tagging"}


class NativeIam:
    """The IAM helpers without a host: bbscan's reading of documents and patterns, ported."""

    def __init__(self, catalogue: str | os.PathLike[str] | None = None) -> None:
        self._catalogue_path = catalogue
        self._levels: dict[str, dict[str, str]] | None = None

    def statements(self, document: str) -> list[iam.Statement]:
        size = len(document.encode("utf-8"))
        if size > MAX_DOCUMENT_BYTES:
            raise iam.IamError(f"the document is {size} bytes; IAM documents are at most {MAX_DOCUMENT_BYTES}")
        try:
            value = json.loads(document)
        except ValueError as e:
            raise iam.IamError(f"the document is not JSON: {e}") from None
        return iam_port.statements(value)

    def access_level(self, action: str) -> str | None:
        prefix, sep, name = action.partition(":")
        if not sep:
            return None
        return self._catalogue().get(prefix.lower(), {}).get(name.lower())

    def _catalogue(self) -> dict[str, dict[str, str]]:
        if self._levels is None:
            path = self._catalogue_path or os.environ.get(CATALOGUE_VARIABLE)
            if not path:
                raise RuntimeError(
                    f"access_level needs AWS's action catalogue natively: set {CATALOGUE_VARIABLE} to "
                    "scanner/iam/data/iam-actions.tsv of the bbscan repository"
                )
            levels: dict[str, dict[str, str]] = {}
            service: dict[str, str] | None = None
            with open(path, encoding="utf-8") as f:
                for line in f:
                    fields = line.rstrip("\n").split("\t")
                    if fields[0] == "s" and len(fields) > 1:
                        service = levels.setdefault(fields[1].lower(), {})
                    elif fields[0] == "a" and service is not None and len(fields) > 1:
                        level = fields[2] if len(fields) > 2 else ""
                        service.setdefault(fields[1].lower(), _LEVELS.get(level, "write"))
            self._levels = levels
        return self._levels


@contextmanager
def native_host(catalogue: str | os.PathLike[str] | None = None) -> Iterator[NativeIam]:
    """Answer the IAM helpers natively for the duration of the block."""
    host = NativeIam(catalogue)
    previous = iam.use_backend(host)
    try:
        yield host
    finally:
        iam.use_backend(previous)


def gap_kinds(service: str, operation: str) -> tuple[str, ...]:
    """The resource kinds a failed call would have given (bbscan_model's `Gap::kinds`)."""
    named: dict[tuple[str, str | None], tuple[str, ...]] = {
        ("s3", "ListObjectsV2"): ("cloudtrail.usage",),
        ("s3", "GetObject"): ("cloudtrail.usage",),
        ("iam", "GetAccountPasswordPolicy"): ("iam.account",),
        ("iam", "GetAccountSummary"): ("iam.account",),
        ("iam", "GenerateCredentialReport"): ("iam.account", "iam.user"),
        ("iam", "GetCredentialReport"): ("iam.account", "iam.user"),
        ("iam", "GetAccountAuthorizationDetails"): ("iam.user", "iam.group", "iam.role", "iam.policy"),
        ("iam", "ListPolicyTags"): ("iam.policy",),
        ("iam", "GetPolicy"): ("iam.policy",),
        ("iam", "GetPolicyVersion"): ("iam.policy",),
        ("iam", "ListOpenIDConnectProviders"): ("iam.oidc_provider",),
        ("iam", "GetOpenIDConnectProvider"): ("iam.oidc_provider",),
        ("cloudfront", "ListOriginAccessControls"): ("cloudfront.origin_access_control",),
        ("backup", "ListBackupVaults"): ("backup.vault",),
        ("backup", "ListTags"): ("backup.plan", "backup.vault"),
    }
    by_service = {
        "s3control": ("s3.account_public_access_block",),
        "s3": ("s3.bucket",),
        "iam": ("iam.user",),
        "organizations": ("organizations.account",),
        "ce": ("iam.account",),
        "cloudfront": ("cloudfront.distribution",),
        "cloudtrail": ("cloudtrail.trail",),
        "backup": ("backup.plan",),
    }
    if (service, operation) in named:
        return named[(service, operation)]
    if service == "logs" and operation.startswith("DescribeDeliver"):
        return ("cloudfront.distribution",)
    if service in by_service:
        return by_service[service]
    return tuple(k for k in KINDS if k.startswith(f"{service}."))


def _complete(definition: str, value: Any) -> Any:
    """A config object as bbscan reads it: its fields in the schema's order, omitted ones given
    their defaults, unknown ones dropped, maps sorted by key."""
    if not isinstance(value, dict):
        return value
    defaults = DEFAULTS.get(definition, {})
    nested = NESTED.get(definition, {})
    out: dict[str, Any] = {}
    for name in FIELDS.get(definition, ()):
        if name in value:
            item = copy.deepcopy(value[name])
        elif name in defaults:
            item = copy.deepcopy(defaults[name])
        else:
            continue
        shape, inner = nested.get(name, ("", ""))
        if shape == "object":
            item = _complete(inner, item)
        elif shape == "list" and isinstance(item, list):
            item = [_complete(inner, i) for i in item]
        elif shape == "map" and isinstance(item, dict):
            item = dict(sorted(item.items()))
        out[name] = item
    return out


class SnapshotError(ValueError):
    """A snapshot document bbscan would not read."""


class FixtureSnapshot:
    """A snapshot document read as bbscan reads it, and lookups into it restricted to `kinds`."""

    def __init__(self, document: Any, kinds: Sequence[str]) -> None:
        if not isinstance(document, dict):
            raise SnapshotError("not a snapshot: the document is not an object")
        missing = [k for k in ("schema_version", "metadata", "resources", "gaps") if k not in document]
        if missing:
            raise SnapshotError(f"not a snapshot: missing {', '.join(missing)}")
        self.kinds = tuple(kinds)
        self._resources: list[dict[str, Any]] = []
        for i, r in enumerate(document["resources"]):
            self._resources.append(self._read_resource(r, f"resources/{i}"))
        self.gaps: list[Gap] = [self._read_gap(g, f"gaps/{i}") for i, g in enumerate(document["gaps"])]

    @staticmethod
    def _read_resource(r: Any, where: str) -> dict[str, Any]:
        if not isinstance(r, dict):
            raise SnapshotError(f"{where}: not an object")
        missing = [k for k in ("kind", "arn", "name", "account", "region", "config") if k not in r]
        if missing:
            raise SnapshotError(f"{where}: missing {', '.join(missing)}")
        if r["kind"] not in CONFIG_DEFINITION:
            raise SnapshotError(f"{where}: unknown kind {r['kind']!r}; the kinds are {', '.join(KINDS)}")
        tags = r.get("tags") or {}
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise SnapshotError(f"{where}: tags must map names to strings")
        return {
            "kind": r["kind"],
            "arn": r["arn"],
            "name": r["name"],
            "account": r["account"],
            "region": r["region"],
            "tags": dict(sorted(tags.items())),
            "config": _complete(CONFIG_DEFINITION[r["kind"]], r["config"]),
            "unknown": list(r.get("unknown") or []),
        }

    @staticmethod
    def _read_gap(g: Any, where: str) -> Gap:
        if not isinstance(g, dict):
            raise SnapshotError(f"{where}: not an object")
        missing = [k for k in ("service", "operation", "region", "reason", "message") if k not in g]
        if missing:
            raise SnapshotError(f"{where}: missing {', '.join(missing)}")
        return Gap(
            service=g["service"],
            operation=g["operation"],
            region=g["region"],
            resource=g.get("resource"),
            field=g.get("field"),
            reason=g["reason"],
            kinds=gap_kinds(g["service"], g["operation"]),
            message=g["message"],
        )

    @staticmethod
    def _resource(r: dict[str, Any]) -> Resource:
        r = copy.deepcopy(r)
        return Resource(**r)

    def given(self) -> list[Resource]:
        """The resources of the kinds read, in the snapshot's order."""
        return [self._resource(r) for r in self._resources if r["kind"] in self.kinds]

    def gaps_given(self) -> list[Gap]:
        """The gaps that concern the kinds read."""
        return [g for g in self.gaps if any(k in self.kinds for k in g.kinds)]

    def by_arn(self, arn: str) -> Resource | None:
        for r in self._resources:
            if r["arn"] == arn and r["kind"] in self.kinds:
                return self._resource(r)
        return None

    def of_kind(self, kind: str) -> list[Resource]:
        if kind not in self.kinds:
            return []
        return [self._resource(r) for r in self._resources if r["kind"] == kind]


def run(policy: Policy, snapshot: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> Report:
    """Evaluate `policy` natively over a snapshot document, as the host would: the settings
    validated first, then only the resources (and gaps) of the kinds its rules read. Raises what
    the policy raises."""
    settings = dict(settings or {})
    if policy.validate_settings is not None:
        policy.validate_settings(settings)
    fixture = FixtureSnapshot(dict(snapshot), policy.kinds)
    with native_host():
        return collect(policy, Context(settings, fixture.gaps_given(), fixture), fixture.given())


def check_fixtures(policy: Policy, directory: str | os.PathLike[str]) -> list[str]:
    """Run `policy` over every fixture case under `directory` — the layout `bbscan policy test`
    reads: `<case>/snapshot.json` and `<case>/expected.json` (a list of `{"rule_id",
    "resource_arn"}`: exactly the findings the policy reports), settings `{}` — and check that
    every rule fails at least once and passes at least once across the cases. Returns every
    problem found, empty when all is well."""
    directory = Path(directory)
    problems: list[str] = []
    failed: set[str] = set()
    passed: set[str] = set()
    try:
        cases = sorted(p for p in directory.iterdir() if p.is_dir())
    except OSError as e:
        return [f"cannot read {directory}: {e}"]
    for case in cases:
        name = str(case)
        try:
            snapshot_text = (case / "snapshot.json").read_bytes()
            expected_text = (case / "expected.json").read_bytes()
        except OSError as e:
            problems.append(f"{name}/{Path(e.filename or '').name}: {e.strerror}")
            continue
        try:
            snapshot = json.loads(snapshot_text)
            FixtureSnapshot(snapshot, policy.kinds)
        except ValueError as e:
            problems.append(f"{name}/snapshot.json: {e}")
            continue
        try:
            items = json.loads(expected_text)
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ValueError('not a list of {"rule_id", "resource_arn"}')
            expected = {(str(i.get("rule_id", "")), str(i.get("resource_arn", ""))) for i in items}
        except ValueError as e:
            problems.append(f"{name}/expected.json: {e}")
            continue
        try:
            report = run(policy, snapshot, {})
        except Exception as e:  # noqa: BLE001 - any failure of the policy is a problem to report
            problems.append(f"{name}: the policy failed: {type(e).__name__}: {e}")
            continue
        got = {(f.rule_id, f.resource_arn) for f in report.findings}
        for rule, arn in sorted(expected - got):
            problems.append(f"{name}: expected {rule} on {arn}, not reported")
        for rule, arn in sorted(got - expected):
            problems.append(f"{name}: unexpected {rule} on {arn}")
        failed.update(rule for rule, _ in got)
        passed.update(rule for rule, t in report.tallies.items() if t.passed > 0)
    for rule in sorted(r.id for r in policy.rules):
        if rule not in failed:
            problems.append(f"no fixture case under {directory} fails rule {rule}")
        if rule not in passed:
            problems.append(f"no fixture case under {directory} passes rule {rule}")
    return problems


def resource(
    kind: str,
    arn: str,
    name: str,
    config: Mapping[str, Any] | None = None,
    *,
    tags: Mapping[str, str] | None = None,
    region: str = "global",
    account: str = "123456789012",
) -> dict[str, Any]:
    """A resource document for `snapshot` (config fields left out take their defaults)."""
    return {
        "kind": kind,
        "arn": arn,
        "name": name,
        "account": account,
        "region": region,
        "tags": dict(tags or {}),
        "config": dict(config or {}),
    }


def snapshot(resources: Sequence[Mapping[str, Any]], gaps: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A snapshot document of account 123456789012 holding `resources` and `gaps`, for `run`."""
    return {
        "schema_version": 1,
        "metadata": {
            "account_id": "123456789012",
            "partition": "aws",
            "caller_arn": "arn:aws:iam::123456789012:user/test",
            "regions": ["us-east-1"],
            "app": "brainbytes",
            "stage": None,
            "stages_seen": [],
            "started_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T00:00:00Z",
            "bbscan_version": "test",
            "api_calls": 0,
            "api_calls_by_operation": {},
        },
        "resources": [dict(r) for r in resources],
        "gaps": [dict(g) for g in gaps],
    }
