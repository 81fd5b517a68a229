"""IAM's wildcard matching as bbscan's Rust code does it (scanner/iam/src/pattern.rs
`wildcard_match`, scanner/iam/src/policy.rs `covers_action`, `covers_resource`), run inside the
policy. The statements themselves are read by the host (`iam.statements`); only the `*` and `?`
match of a statement's lists is done here, which costs less than a call into the host that hands
the whole statement over. A table shared with the Rust code (scanner/iam/tests/wildcard-cases.json)
holds both to the same answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .iam import Statement

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def wildcard_match(pattern: str, value: str, fold_case: bool) -> bool:
    """IAM wildcard matching: `*` any run, `?` one character; case-insensitive when `fold_case`
    (ASCII folding for ASCII text, full lowercasing otherwise, as the Rust code does)."""
    if fold_case:
        if pattern.isascii() and value.isascii():
            pattern, value = pattern.translate(_ASCII_LOWER), value.translate(_ASCII_LOWER)
        else:
            pattern, value = pattern.lower(), value.lower()
    if "?" in pattern:
        return _matches(pattern, value)
    return _stars(pattern, value)


def _stars(p: str, v: str) -> bool:
    """A pattern with `*` only: its pieces in order, the first at the start, the last at the end
    (the leftmost place of each middle piece is as good as any later one)."""
    pieces = p.split("*")
    if len(pieces) == 1:
        return p == v
    first, last = pieces[0], pieces[-1]
    if len(v) < len(first) + len(last) or not v.startswith(first) or not v.endswith(last):
        return False
    at, end = len(first), len(v) - len(last)
    for piece in pieces[1:-1]:
        if piece:
            found = v.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
    return True


def _matches(p: str, v: str) -> bool:
    """Iterative matching with backtracking to the last `*`."""
    pi = vi = mark = 0
    last_star: int | None = None
    while vi < len(v):
        if pi < len(p) and p[pi] != "*" and (p[pi] == "?" or p[pi] == v[vi]):
            pi += 1
            vi += 1
        elif pi < len(p) and p[pi] == "*":
            last_star = pi
            mark = vi
            pi += 1
        elif last_star is not None:
            pi = last_star + 1
            mark += 1
            vi = mark
        else:
            return False
    while pi < len(p) and p[pi] == "*":
        pi += 1
    return pi == len(p)


def statement_covers_action(statement: Statement, action: str) -> bool:
    """Whether the statement's `Action` covers `action` (or its `NotAction` leaves it out)."""
    if statement.not_actions:
        return not any(wildcard_match(p, action, True) for p in statement.not_actions)
    return any(wildcard_match(p, action, True) for p in statement.actions)


def statement_covers_resource(statement: Statement, arn: str) -> bool:
    """Whether the statement's `Resource` covers `arn` (or its `NotResource` leaves it out)."""
    if statement.not_resources:
        return not any(wildcard_match(p, arn, False) for p in statement.not_resources)
    return any(wildcard_match(p, arn, False) for p in statement.resources)
