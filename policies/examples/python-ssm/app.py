"""A bbscan policy in Python: the twin of the built-in Rust rule SSM.SECRET_NOT_SECURE_STRING.

Parameters that hold secrets (by their name, a folder of their path, or where SST, Copilot and
Amplify keep secrets) must be stored as SecureString. Build it into a WebAssembly component with
componentize-py (see ../../README.md):

    componentize-py -d ../../../wit -w policy componentize app -o python-ssm.wasm
"""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import types

RULE = "PYEXAMPLE.SECRET_NOT_SECURE_STRING"

DEFAULT_SECRET_WORDS = [
    "secret", "password", "passwd", "passphrase", "token", "apikey", "privatekey", "credential",
    "databaseurl", "connectionstring", "dsn",
]
# Endings that make a name an identifier or a setting about a secret, not the secret itself.
NOT_SECRET_ENDINGS = [
    "id", "ids", "arn", "arns", "name", "names", "version", "length", "ttl", "expiry",
    "expiration", "days", "endpoint", "policy", "enabled",
]
# Last segments that only hold the value of the segment before (/sst/.../Secret/Name/value).
VALUE_LEAVES = ["value", "val", "current", "latest"]


def compact(segment: str) -> str:
    return "".join(c for c in segment if c not in "-_.").lower()


def secret_words(settings: str) -> list[str]:
    parsed = json.loads(settings) if settings.strip() else {}
    words = parsed.get("secret_name_patterns", DEFAULT_SECRET_WORDS)
    if not isinstance(words, list) or not all(isinstance(w, str) and compact(w) for w in words):
        raise Err("secret_name_patterns must be a list of non-empty strings")
    return [compact(w) for w in words]


def secret_by_layout(segments: list[str]) -> str | None:
    """Where tools that keep secrets in Parameter Store put them."""
    n = len(segments)
    if n == 6 and segments[0] == "sst" and segments[3] == "Secret" and segments[5] == "value":
        return "where SST v2 keeps secrets (/sst/<app>/<stage>/Secret/<name>/value)"
    if n >= 2 and segments[:2] == ["sst", "passphrase"]:
        return "where SST v3 keeps a stage's passphrase (/sst/passphrase/<app>/<stage>)"
    if n >= 5 and segments[0] == "copilot" and segments[3] == "secrets":
        return "where AWS Copilot keeps secrets (/copilot/<app>/<env>/secrets/<name>)"
    if n >= 3 and segments[0] == "amplify" and segments[1] != "resource_reference":
        return "where Amplify keeps secrets (/amplify/…)"
    return None


def why_secret(name: str, words: list[str]) -> str | None:
    """Why the parameter holds a secret, or None: its place, its own name, or a folder of its path."""
    segments = [s for s in name.split("/") if s]
    place = secret_by_layout(segments)
    if place:
        return f"it is kept {place}"
    own = next((i for i in range(len(segments) - 1, -1, -1) if segments[i].lower() not in VALUE_LEAVES), None)
    if own is None:
        return None
    leaf = compact(segments[own])
    if any(leaf.endswith(e) for e in NOT_SECRET_ENDINGS):
        return None
    for w in words:
        if w in leaf:
            return f'its name "{segments[own]}" contains "{w}"'
    for folder in segments[:own]:
        f = compact(folder)
        if any(f == w or f == w + "s" for w in words):
            return f"it is under {folder}/"
    return None


class WitWorld(wit_world.WitWorld):
    def describe(self) -> types.PolicyInfo:
        return types.PolicyInfo(
            name="python-ssm",
            version="0.1.0",
            rules=[
                types.Rule(
                    id=RULE,
                    title="Secrets in Parameter Store are SecureString (Python example)",
                    description="A parameter that holds a secret stored as String is unencrypted.",
                    default_severity=types.Severity.HIGH,
                    kinds=["ssm.parameter"],
                    compliance=[types.ComplianceRef(framework="SOC 2", control="CC6.1")],
                    help_text="Store the parameter as SecureString.",
                    help_markdown="Store the parameter as `SecureString`.",
                    remediation="aws ssm put-parameter --type SecureString --overwrite",
                    not_flagged="Identifiers and settings about a secret (names ending in Id, Arn, Name, "
                    "Version, Ttl, Length, Policy…) unless a tool's secret layout holds them; folders that "
                    "only contain a secret word (/secretsanta/).",
                )
            ],
        )

    def validate_settings(self, settings: str) -> None:
        secret_words(settings)

    def evaluate(self, resources: list[types.Resource], gaps: list[types.Gap], settings: str) -> types.Evaluation:
        words = secret_words(settings)
        findings = []
        evaluated = passed = 0
        for r in resources:
            why = why_secret(r.name, words) if r.kind == "ssm.parameter" else None
            if why is None:
                continue
            evaluated += 1
            kind = json.loads(r.config).get("parameter_type", "")
            if kind == "SecureString":
                passed += 1
                continue
            findings.append(
                types.Finding(
                    rule_id=RULE,
                    resource_arn=r.arn,
                    status=types.Status.FAIL,
                    severity=None,
                    message=f"parameter {r.name} holds a secret ({why}) but is stored as {kind}",
                    evidence=["/config/parameter_type"],
                    actions=[
                        types.Action(
                            kind="ssm.convert_to_secure_string",
                            version=1,
                            params=json.dumps({"name": r.name}),
                        )
                    ],
                )
            )
        return types.Evaluation(
            findings=findings,
            tallies=[types.Tally(rule_id=RULE, evaluated=evaluated, passed=passed)],
        )
