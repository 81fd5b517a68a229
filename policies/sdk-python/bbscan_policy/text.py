"""Strings and JSON values written as bbscan's Rust code writes them in messages (`{:?}` of a
string, `{}` of a JSON value, a number's text), so that messages match the host's byte for byte."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}
# Rust escapes the characters it does not print: controls, format characters, unassigned and
# private-use code points, line and paragraph separators, and combining marks.
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Me"}


def debug_str(s: str) -> str:
    """A string quoted as Rust's `{:?}` quotes it: `"a\\"b"`."""
    out = ['"']
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif unicodedata.category(c) in _ESCAPED_CATEGORIES:
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def number(n: int | float) -> str:
    """A JSON number's text as serde_json writes it: integers as they are, other numbers in
    their shortest round-trip form, fixed from 1e-5 to below 1e16 (`1.0`, `0.00001`), with an
    exponent otherwise (`1e+16`, `1.5e-7`), as its float formatter (zmij) does."""
    if isinstance(n, int) and -(2**63) <= n < 2**64:
        return str(n)
    f = float(n)
    if f != f or f in (float("inf"), float("-inf")):
        return "null"
    sign, digits, exponent = Decimal(repr(f)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    if text == "0":
        return "-0.0" if sign else "0.0"
    # The value is 0.text × 10^point.
    point = len(digits) + int(exponent)
    prefix = "-" if sign else ""
    length = len(text)
    if 0 <= point - length and point <= 16:
        return f"{prefix}{text}{'0' * (point - length)}.0"
    if 0 < point <= 16:
        return f"{prefix}{text[:point]}.{text[point:]}"
    if -5 < point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    mantissa = text if length == 1 else f"{text[0]}.{text[1:]}"
    exponent = point - 1
    return f"{prefix}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def json_text(value: Any) -> str:
    """A JSON value as serde_json's `{}` writes it: compact, keys in their order."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{json_text(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(f"not a JSON value: {value!r}")
