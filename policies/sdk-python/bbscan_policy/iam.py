"""IAM helpers: policy documents read into statements, and actions and ARNs matched, exactly as
bbscan's built-in rules do. Inside a component they are answered by the host
(`bbscan:policy/iam`); in native tests by the test host of `bbscan_policy.testing`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Protocol


class Effect(Enum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class Principals:
    """Who a statement applies to (`Principal` or `NotPrincipal`). `anyone`: `"*"` or
    `{"AWS": "*"}`, including anonymous callers."""

    anyone: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    """One condition: `"StringEquals": {"aws:SourceArn": [...]}` is one condition per key.
    `operator` as written (`ForAllValues:StringLikeIfExists`)."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement, normalised: every string-or-list a tuple. `pointer` is where it sits in its
    document (`/Statement/2`, or `/Statement` for a single statement object); `problems` say what
    AWS would refuse in it, empty for a well-formed statement."""

    pointer: str
    effect: Effect
    sid: str | None = None
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principal: Principals | None = None
    not_principal: Principals | None = None
    conditions: tuple[Condition, ...] = field(default=())
    problems: tuple[str, ...] = ()


class IamError(Exception):
    """The host could not read a document (too large for IAM)."""


class Backend(Protocol):
    """Who answers the helpers: the host inside a component, the test host natively."""

    def statements(self, document: str) -> list[Statement]: ...

    def action_matches(self, pattern: str, action: str) -> bool: ...

    def resource_matches(self, pattern: str, arn: str) -> bool: ...

    def covers_action(self, statement: Statement, action: str) -> bool: ...

    def covers_resource(self, statement: Statement, arn: str) -> bool: ...

    def access_level(self, action: str) -> str | None: ...


_backend: Backend | None = None


def use_backend(backend: Backend | None) -> Backend | None:
    """Install who answers the helpers (the test host does); returns the previous one."""
    global _backend
    previous, _backend = _backend, backend
    return previous


def _answer() -> Backend:
    global _backend
    if _backend is None:
        try:
            from wit_world.imports import iam as host  # type: ignore[import-not-found, unused-ignore]
        except ImportError as e:
            raise RuntimeError(
                "the IAM helpers are answered by bbscan's host: outside a component, run the policy "
                "with bbscan_policy.testing (run, check_fixtures, or `with testing.native_host():`)"
            ) from e
        from .component import HostIam

        _backend = HostIam(host)
    return _backend


# Statements already read, by document (a managed policy that many roles attach is read once: a
# lookup gives the same object each time), and answers of covers_action / covers_resource, by
# statement. Keyed by id(), each entry holding its key object so that the id stays its own. The
# lists are shared: do not modify them.
_read: dict[int, tuple[Any, list[Statement]]] = {}
_covered: dict[int, tuple[Statement, dict[str, bool]]] = {}


def statements(document: Any) -> list[Statement]:
    """The statements of a policy document (a parsed JSON value, as `config` holds it): `Statement`
    as one object or a list; none when it has no `Statement` or is not an object."""
    cacheable = isinstance(document, (dict, list))
    if cacheable and id(document) in _read:
        return _read[id(document)][1]
    found = _answer().statements(json.dumps(document, ensure_ascii=False))
    if cacheable:
        _read[id(document)] = (document, found)
    return found


def _remembered(statement: Statement, key: str, ask: Callable[[], bool]) -> bool:
    entry = _covered.get(id(statement))
    if entry is None:
        entry = (statement, {})
        _covered[id(statement)] = entry
    answers = entry[1]
    if key not in answers:
        answers[key] = ask()
    return answers[key]


def action_matches(pattern: str, action: str) -> bool:
    """Whether an action pattern (`s3:Get*`, `*`) covers an action: `*` and `?`, case-insensitive."""
    return _answer().action_matches(pattern, action)


def resource_matches(pattern: str, arn: str) -> bool:
    """Whether a resource pattern covers an ARN: `*` and `?`, case-sensitive, policy variables
    (`${aws:username}`) left unresolved."""
    return _answer().resource_matches(pattern, arn)


def covers_action(statement: Statement, action: str) -> bool:
    """Whether the statement's `Action` covers `action` (or its `NotAction` leaves it out)."""
    return _remembered(statement, "a:" + action, lambda: _answer().covers_action(statement, action))


def covers_resource(statement: Statement, arn: str) -> bool:
    """Whether the statement's `Resource` covers `arn` (or its `NotResource` leaves it out)."""
    return _remembered(statement, "r:" + arn, lambda: _answer().covers_resource(statement, arn))


def access_level(action: str) -> str | None:
    """The action's access level in AWS's service authorization data (`list`, `read`, `write`,
    `permissions-management`, `tagging`); None for an action AWS does not define."""
    return _answer().access_level(action)
