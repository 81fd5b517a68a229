"""Reading a policy's settings (the `[policies.<name>]` table of `bbscan.toml`, as JSON) with
defaults and errors that name the key, worded as the Rust SDK's (policies/sdk/src/settings.rs).
Use the same functions in `validate_settings` and `evaluate`, so that a bad value is refused
before any evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .text import debug_str


class SettingsError(ValueError):
    """Settings the policy refuses; the message says which key and why."""


_ABSENT = object()


def _get(settings: Any, key: str) -> Any:
    return settings.get(key, _ABSENT) if isinstance(settings, dict) else _ABSENT


def _wrong(key: str, what: str) -> SettingsError:
    return SettingsError(f"setting {debug_str(key)} must be {what}")


def strings(settings: Any, key: str, default: Sequence[str]) -> list[str]:
    """A list of strings; `default` when the key is absent."""
    value = _get(settings, key)
    if value is _ABSENT:
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _wrong(key, "a list of strings")
    return list(value)


def string(settings: Any, key: str, default: str) -> str:
    """A string; `default` when the key is absent."""
    value = _get(settings, key)
    if value is _ABSENT:
        return default
    if not isinstance(value, str):
        raise _wrong(key, "a string")
    return value


def integer(settings: Any, key: str, default: int, minimum: int, maximum: int) -> int:
    """A whole number from `minimum` to `maximum`; `default` when the key is absent."""
    value = _get(settings, key)
    if value is _ABSENT:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise _wrong(key, f"a whole number from {minimum} to {maximum}")
    return value


def boolean(settings: Any, key: str, default: bool) -> bool:
    """True or false; `default` when the key is absent."""
    value = _get(settings, key)
    if value is _ABSENT:
        return default
    if not isinstance(value, bool):
        raise _wrong(key, "true or false")
    return value


def only_keys(settings: Any, known: Sequence[str]) -> None:
    """Refuse keys the policy does not know, so that a typo is an error rather than ignored."""
    if not isinstance(settings, dict):
        raise SettingsError("settings must be a table")
    for key in settings:
        if key not in known:
            if not known:
                raise SettingsError(f"unknown setting {debug_str(key)}: this policy has no settings")
            raise SettingsError(f"unknown setting {debug_str(key)}; the settings are: {', '.join(known)}")
