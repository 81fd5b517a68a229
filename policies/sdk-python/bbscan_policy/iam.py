"""IAM helpers: policy documents read into statements, and actions and ARNs matched, exactly as
bbscan's built-in rules do. Inside a component documents are read and access levels looked up by
the host (`bbscan:policy/iam`), in native tests by the test host of `bbscan_policy.testing`; the
`*` and `?` matching of patterns and statements is the SDK's own (`pattern`, held to the Rust
code's answers by a shared table): a call into the host would hand the whole statement over."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Protocol

from .pattern import statement_covers_action, statement_covers_resource, wildcard_match


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

    def access_level(self, action: str) -> str | None: ...


_backend: Backend | None = None


def use_backend(backend: Backend | None) -> Backend | None:
    """Install who answers the helpers (the test host does); returns the previous one."""
    global _backend
    previous, _backend = _backend, backend
    _levels.clear()
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
# lookup gives the same object each time), keyed by id(), each entry holding its document so that
# the id stays its own. The lists are shared: do not modify them. And access levels already asked
# of the installed backend, by action as written.
_read: dict[int, tuple[Any, list[Statement]]] = {}
_levels: dict[str, str | None] = {}
# Answers of covers_action / covers_resource, by statement (keyed by id(), holding the statement):
# a managed policy's statements are asked the same questions for every role that attaches it.
_covered: dict[int, tuple[Statement, dict[str, bool]]] = {}


def _remembered(statement: Statement, key: str, match: Callable[[Statement, str], bool], value: str) -> bool:
    entry = _covered.get(id(statement))
    if entry is None:
        entry = (statement, {})
        _covered[id(statement)] = entry
    answers = entry[1]
    answer = answers.get(key)
    if answer is None:
        answer = answers[key] = match(statement, value)
    return answer


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


def action_matches(pattern: str, action: str) -> bool:
    """Whether an action pattern (`s3:Get*`, `*`) covers an action: `*` and `?`, case-insensitive."""
    return wildcard_match(pattern, action, True)


def resource_matches(pattern: str, arn: str) -> bool:
    """Whether a resource pattern covers an ARN: `*` and `?`, case-sensitive, policy variables
    (`${aws:username}`) left unresolved."""
    return wildcard_match(pattern, arn, False)


def covers_action(statement: Statement, action: str) -> bool:
    """Whether the statement's `Action` covers `action` (or its `NotAction` leaves it out)."""
    return _remembered(statement, "a:" + action, statement_covers_action, action)


def covers_resource(statement: Statement, arn: str) -> bool:
    """Whether the statement's `Resource` covers `arn` (or its `NotResource` leaves it out)."""
    return _remembered(statement, "r:" + arn, statement_covers_resource, arn)


def access_level(action: str) -> str | None:
    """The action's access level in AWS's service authorization data (`list`, `read`, `write`,
    `permissions-management`, `tagging`); None for an action AWS does not define."""
    if action not in _levels:
        _levels[action] = _answer().access_level(action)
    return _levels[action]
