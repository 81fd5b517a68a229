"""A bbscan policy in Python: the twin of the built-in Rust rule SSM.SECRET_NOT_SECURE_STRING.

Parameters named like secrets (API keys, tokens, passwords, database URLs) and SST stage
passphrases must be stored as SecureString. Build it into a WebAssembly component with
componentize-py (see ../../README.md):

    componentize-py -d ../../../wit -w policy componentize app -o python-ssm.wasm
"""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import types

RULE = "PYEXAMPLE.SECRET_NOT_SECURE_STRING"

DEFAULT_SECRET_WORDS = [
    "secret", "password", "passwd", "passphrase", "token", "apikey", "api_key", "api-key",
    "privatekey", "private_key", "credential", "databaseurl", "database_url",
    "connectionstring", "dsn",
]
NOT_SECRET_WORDS = ["clientid", "client_id", "accountid", "account_id", "keyid", "key_id"]


def secret_words(settings: str) -> list[str]:
    parsed = json.loads(settings) if settings.strip() else {}
    words = parsed.get("secret_name_patterns", DEFAULT_SECRET_WORDS)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise Err("secret_name_patterns must be a list of strings")
    return [w.lower() for w in words]


def named_secret(name: str, words: list[str]) -> bool:
    last = name.rsplit("/", 1)[-1].lower()
    if name.startswith("/sst/passphrase/"):
        return True
    return any(w in last for w in words) and not any(w in last for w in NOT_SECRET_WORDS)


class WitWorld(wit_world.WitWorld):
    def describe(self) -> types.PolicyInfo:
        return types.PolicyInfo(
            name="python-ssm",
            version="0.1.0",
            rules=[
                types.Rule(
                    id=RULE,
                    title="Secrets in Parameter Store are SecureString (Python example)",
                    description="A parameter named like a secret stored as String is unencrypted.",
                    default_severity=types.Severity.HIGH,
                    kinds=["ssm.parameter"],
                    compliance=[types.ComplianceRef(framework="SOC 2", control="CC6.1")],
                    help_text="Store the parameter as SecureString.",
                    help_markdown="Store the parameter as `SecureString`.",
                    remediation="aws ssm put-parameter --type SecureString --overwrite",
                )
            ],
        )

    def validate_settings(self, settings: str) -> None:
        secret_words(settings)

    def evaluate(self, resources: list[types.Resource], settings: str) -> types.Evaluation:
        words = secret_words(settings)
        findings = []
        evaluated = passed = 0
        for r in resources:
            if r.kind != "ssm.parameter" or not named_secret(r.name, words):
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
                    message=f"parameter {r.name} looks like a secret but is stored as {kind}",
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
