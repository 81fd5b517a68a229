"""What a policy is: its name, version and rules, and the functions that check its settings and
evaluate resources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report import Report
    from .resources import Context, Resource


class PolicyError(Exception):
    """An evaluation that cannot go on: the host reports the message as the policy's error."""


class Severity(Enum):
    """How bad a finding is (the contract's `severity`)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class ComplianceRef:
    """A control of a compliance framework: `ComplianceRef("SOC 2", "CC6.1")`."""

    framework: str
    control: str


@dataclass(frozen=True)
class Rule:
    """One rule a policy checks. `kinds` are the resource kinds it reads: the policy is handed
    only resources of the kinds its rules name."""

    id: str
    title: str
    description: str
    default_severity: Severity
    kinds: Sequence[str]
    compliance: Sequence[ComplianceRef] = ()
    help_text: str = ""
    help_markdown: str = ""
    remediation: str = ""
    not_flagged: str = ""


Evaluate = Callable[["Context", "list[Resource]", "Report"], None]
ValidateSettings = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Policy:
    """A bbscan policy.

    `evaluate(ctx, resources, report)` reports each rule's passes and failures into `report`;
    raising fails the whole evaluation. `validate_settings(settings)`, when given, raises
    (`SettingsError`, or any exception) on settings it refuses; it runs before any evaluation.
    """

    name: str
    version: str
    rules: Sequence[Rule]
    evaluate: Evaluate
    validate_settings: ValidateSettings | None = None
    # The kinds of every rule, once each, in order.
    kinds: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"policy {self.name}: rule ids used twice: {', '.join(twice)}")
        object.__setattr__(self, "kinds", tuple(dict.fromkeys(k for r in self.rules for k in r.kinds)))
