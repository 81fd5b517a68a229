"""A port of bbscan's IAM reading (scanner/iam/src/policy.rs `statements`, the operator check of
scanner/iam/src/condition.rs), for the native test host only: inside a component the host reads
documents with the Rust code itself. Same statements, pointers, principals, conditions (one per
key) and problems, worded the same. The wildcard matching is the SDK's own (`pattern`), which
components use too; `wildcard_match`, `covers_action` and `covers_resource` are here as well for
the test host."""

from __future__ import annotations

from typing import Any

from .iam import Condition, Effect, Principals, Statement
from .pattern import statement_covers_action, statement_covers_resource, wildcard_match
from .text import debug_str, json_text, number

__all__ = ["covers_action", "covers_resource", "is_known_operator", "statements", "wildcard_match"]


_FAMILIES = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike",
}  # fmt: skip


def is_known_operator(operator: str) -> bool:
    """Whether `operator` is one AWS defines (condition.rs `parse_operator`)."""
    qualifier, sep, base = operator.partition(":")
    has_set = bool(sep)
    if has_set:
        if qualifier.lower() not in ("forallvalues", "foranyvalue"):
            return False
    else:
        base = operator
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        return not if_exists and not has_set
    return base in _FAMILIES


def _kind_of(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "an object"


def _scalar(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return number(v)
    return None


_MISSING = object()


def _strings(v: Any, problems: list[str], what: str) -> tuple[str, ...]:
    """A string or a list of strings, as IAM allows; booleans and numbers become their text."""
    if v is _MISSING or v is None:
        return ()
    if isinstance(v, list):
        out = []
        for item in v:
            s = _scalar(item)
            if s is None:
                problems.append(f"{what} holds {json_text(item)}, not a string")
            else:
                out.append(s)
        return tuple(out)
    s = _scalar(v)
    if s is None:
        problems.append(f"{what} is {json_text(v)}, not a string or a list of strings")
        return ()
    return (s,)


def _principals(v: Any, problems: list[str]) -> Principals | None:
    if v is _MISSING:
        return None
    anyone = False
    lists: dict[str, list[str]] = {"AWS": [], "Service": [], "Federated": [], "CanonicalUser": []}
    if v == "*":
        anyone = True
    elif isinstance(v, dict):
        for kind, values in v.items():
            found = _strings(values, problems, f"Principal {kind}")
            if kind == "AWS":
                anyone = anyone or "*" in found
                lists["AWS"].extend(x for x in found if x != "*")
            elif kind in lists:
                lists[kind].extend(found)
            else:
                problems.append(f"unknown principal type {debug_str(kind)}")
    else:
        problems.append(f'Principal is {json_text(v)}, not "*" or an object')
    return Principals(
        anyone=anyone,
        aws=tuple(lists["AWS"]),
        service=tuple(lists["Service"]),
        federated=tuple(lists["Federated"]),
        canonical_user=tuple(lists["CanonicalUser"]),
    )


def _statement(s: Any, pointer: str) -> Statement:
    problems: list[str] = []
    is_object = isinstance(s, dict)
    if not is_object:
        problems.append(f"the statement is {_kind_of(s)}, not an object")

    def get(key: str) -> Any:
        return s.get(key, _MISSING) if is_object else _MISSING

    conditions: list[Condition] = []
    block = get("Condition")
    if block is _MISSING or block is None:
        pass
    elif isinstance(block, dict):
        for operator, keys in block.items():
            if isinstance(keys, dict):
                for key, values in keys.items():
                    found = _strings(values, problems, f"condition {operator} {key}")
                    conditions.append(Condition(operator, key, found))
            else:
                problems.append(f"condition {operator} is {_kind_of(keys)}, not an object")
    else:
        problems.append(f"Condition is {_kind_of(block)}, not an object")
    for c in conditions:
        if not is_known_operator(c.operator):
            problems.append(f"unknown condition operator {debug_str(c.operator)}")
    written = get("Effect")
    if written == "Deny":
        effect = Effect.DENY
    elif written == "Allow":
        effect = Effect.ALLOW
    else:
        if isinstance(written, str):
            problems.append(f'Effect {debug_str(written)} is neither "Allow" nor "Deny" (they are case-sensitive)')
        else:
            problems.append("no Effect")
        # Kept as Allow so that pattern-level callers still see the grant; problems say why.
        effect = Effect.ALLOW
    actions = _strings(get("Action"), problems, "Action")
    not_actions = _strings(get("NotAction"), problems, "NotAction")
    if get("Action") is not _MISSING and get("NotAction") is not _MISSING:
        problems.append("both Action and NotAction")
    elif not actions and not not_actions:
        problems.append("no Action or NotAction")
    resources = _strings(get("Resource"), problems, "Resource")
    not_resources = _strings(get("NotResource"), problems, "NotResource")
    if get("Resource") is not _MISSING and get("NotResource") is not _MISSING:
        problems.append("both Resource and NotResource")
    principal = _principals(get("Principal"), problems)
    not_principal = _principals(get("NotPrincipal"), problems)
    sid = get("Sid")
    return Statement(
        pointer=pointer,
        sid=sid if isinstance(sid, str) else None,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principal=principal,
        not_principal=not_principal,
        conditions=tuple(conditions),
        problems=tuple(problems),
    )


def statements(document: Any) -> list[Statement]:
    """The statements of a parsed policy document (`Statement` may be one object or a list)."""
    found = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(found, list):
        return [_statement(s, f"/Statement/{i}") for i, s in enumerate(found)]
    if isinstance(found, dict):
        return [_statement(found, "/Statement")]
    return []


# The matching is the SDK's own, which components use too.
covers_action = statement_covers_action
covers_resource = statement_covers_resource
