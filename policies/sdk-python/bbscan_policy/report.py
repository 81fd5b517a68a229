"""Collecting a policy's results: findings for failures, tallies for every evaluation. Counted
exactly as the Rust SDK counts (policies/sdk/src/report.rs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .definition import Policy, Severity
from .resources import Context, Resource

MAX_MESSAGE_BYTES = 4096
"""The longest message a finding keeps."""
MAX_EVIDENCE = 50
"""The most evidence pointers a finding keeps."""


class Status(Enum):
    """What kind of result a finding is."""

    FAIL = "fail"
    WARNING = "warning"
    MANUAL = "manual"
    NOT_ASSESSED = "not_assessed"


@dataclass
class Action:
    """A proposed fix, as data: `kind` names an action of the host's closed catalogue
    (`tags.add_tags`); `params` is a JSON object."""

    kind: str
    version: int
    params: dict[str, Any]


@dataclass
class Finding:
    """One result that needs attention. `severity` None: the rule's default."""

    rule_id: str
    resource_arn: str
    status: Status
    message: str
    severity: Severity | None = None
    evidence: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def bound(self) -> None:
        """Keep the finding bounded whatever the size of the account: evidence beyond
        MAX_EVIDENCE pointers is dropped and a message longer than MAX_MESSAGE_BYTES (UTF-8) cut,
        each saying so. Applied by the SDK to every finding a policy returns."""
        if len(self.evidence) > MAX_EVIDENCE:
            dropped = len(self.evidence) - MAX_EVIDENCE
            del self.evidence[MAX_EVIDENCE:]
            self.message += f" [{dropped} more evidence pointers not listed]"
        encoded = self.message.encode("utf-8")
        if len(encoded) > MAX_MESSAGE_BYTES:
            kept = encoded[:MAX_MESSAGE_BYTES].decode("utf-8", errors="ignore")
            cut = len(encoded) - len(kept.encode("utf-8"))
            self.message = kept + f" … [{cut} more bytes cut]"


class FindingBuilder:
    """A finding just reported, to add evidence, proposed fixes or a severity to; each method
    returns the builder, so calls chain."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding

    def evidence(self, *pointers: str) -> FindingBuilder:
        """JSON pointers into the resource document (`/config/versioning`), or `ARN#pointer` into
        another resource of the snapshot."""
        self.finding.evidence.extend(pointers)
        return self

    def action(self, kind: str, version: int, params: dict[str, Any]) -> FindingBuilder:
        """Propose a fix (`kind` of the host's catalogue, its `version`, its `params`)."""
        self.finding.actions.append(Action(kind, version, params))
        return self

    def severity(self, severity: Severity) -> FindingBuilder:
        """Override the rule's default severity for this finding."""
        self.finding.severity = severity
        return self


@dataclass
class Tally:
    """How many resources a rule evaluated, and how many of those passed."""

    evaluated: int = 0
    passed: int = 0


@dataclass
class Report:
    """Everything an evaluation reports: every finding in order, and a tally for each rule that
    reported anything."""

    findings: list[Finding] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)

    def passed(self, rule: str) -> None:
        """`rule` evaluated a resource and it passed."""
        tally = self.tallies.setdefault(rule, Tally())
        tally.evaluated += 1
        tally.passed += 1

    def fail(self, rule: str, resource: Resource, message: str) -> FindingBuilder:
        """`rule` evaluated `resource` and it fails."""
        return self._result(rule, resource, Status.FAIL, message)

    def warn(self, rule: str, resource: Resource, message: str) -> FindingBuilder:
        """`rule` evaluated `resource`: not failing yet, but soon."""
        return self._result(rule, resource, Status.WARNING, message)

    def manual(self, rule: str, resource: Resource, message: str) -> FindingBuilder:
        """`rule` cannot be verified from AWS for `resource`; a person must check."""
        return self._result(rule, resource, Status.MANUAL, message)

    def not_assessed(self, rule: str, resource: Resource, message: str) -> FindingBuilder:
        """`rule` could not judge `resource`: something it needs was not read (name the gap in
        the message). Neither a pass nor a failure: the resource does not count as evaluated."""
        self.tallies.setdefault(rule, Tally())
        return self._push(rule, resource, Status.NOT_ASSESSED, message)

    def of_rule(self, rule: str) -> Iterator[Finding]:
        """The findings of one rule."""
        return (f for f in self.findings if f.rule_id == rule)

    def bound(self) -> None:
        """Bound every finding (see Finding.bound); done for every evaluation by the SDK."""
        for f in self.findings:
            f.bound()

    def _result(self, rule: str, resource: Resource, status: Status, message: str) -> FindingBuilder:
        self.tallies.setdefault(rule, Tally()).evaluated += 1
        return self._push(rule, resource, status, message)

    def _push(self, rule: str, resource: Resource, status: Status, message: str) -> FindingBuilder:
        finding = Finding(rule_id=rule, resource_arn=resource.arn, status=status, message=message)
        self.findings.append(finding)
        return FindingBuilder(finding)


def collect(policy: Policy, ctx: Context, resources: list[Resource]) -> Report:
    """Evaluate `policy` and return its report, every finding bounded."""
    report = Report()
    policy.evaluate(ctx, resources, report)
    report.bound()
    return report
