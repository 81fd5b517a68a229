"""Write bbscan policies in Python.

A policy is a `Policy`: its name, version and rules, an `evaluate(ctx, resources, report)`
function and, optionally, a `validate_settings(settings)` function. `bbscan policy build` turns
the module that defines it (`POLICY`) into a WebAssembly component speaking the `bbscan:policy`
contract (wit/policy.wit); `bbscan_policy.testing` runs it natively for unit tests.

    from bbscan_policy import Policy, Rule, Severity

    def evaluate(ctx, resources, report):
        for r in resources:
            if r.tags.get("owner"):
                report.passed("TAGS.OWNER")
            else:
                report.fail("TAGS.OWNER", r, f"{r.name} has no owner tag").evidence("/tags")

    POLICY = Policy(name="owners", version="0.1.0", evaluate=evaluate, rules=[
        Rule(id="TAGS.OWNER", title="Buckets have an owner", description="…",
             default_severity=Severity.LOW, kinds=["s3.bucket"]),
    ])
"""

from . import frameworks, iam, settings
from .definition import ComplianceRef, Policy, PolicyError, Rule, Severity
from .report import Action, Finding, FindingBuilder, Report, Status, Tally
from .resources import Context, Gap, Resource, few
from .settings import SettingsError
from .snapshot import KIND_CONFIG, KINDS, Kind, config_of

__version__ = "0.2.0"
CONTRACT = "bbscan:policy@0.2.0"
"""The WIT package this SDK speaks."""

__all__ = [
    "CONTRACT",
    "KINDS",
    "KIND_CONFIG",
    "Action",
    "ComplianceRef",
    "Context",
    "Finding",
    "FindingBuilder",
    "Gap",
    "Kind",
    "Policy",
    "PolicyError",
    "Report",
    "Resource",
    "Rule",
    "SettingsError",
    "Severity",
    "Status",
    "Tally",
    "config_of",
    "few",
    "frameworks",
    "iam",
    "settings",
]
