"""What an evaluation sees: the resources, the snapshot's gaps, the settings, and lookups into the
rest of the snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Resource:
    """One resource of the snapshot. `config` is the parsed JSON of its configuration, shaped by
    its kind (`snapshot.config_of(resource, "s3.bucket")` types it); `unknown` lists the config
    fields that could not be read: a rule must not judge them."""

    kind: str
    arn: str
    name: str
    account: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)
    config: Any = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def is_known(self, field_name: str) -> bool:
        """Whether a config field could be read."""
        return field_name not in self.unknown


@dataclass(frozen=True)
class Gap:
    """Something the snapshot could not read: a call that failed. `resource` is None for a
    listing (resources of `kinds` may then be missing altogether)."""

    service: str
    operation: str
    region: str
    resource: str | None
    field: str | None
    reason: str
    kinds: Sequence[str]
    message: str

    def is_listing(self) -> bool:
        """Whether the gap is about a listing, not one resource's field."""
        return self.resource is None

    def describe(self) -> str:
        """One line for messages: `cloudtrail:DescribeTrails in us-east-1 (access_denied)`."""
        text = f"{self.service}:{self.operation} in {self.region}"
        if self.resource is not None:
            text += f" for {self.resource}"
        return text + f" ({self.reason})"


def few(items: Sequence[str], shown: int) -> str:
    """At most `shown` items for a message: "a, b, c and 97 more"."""
    shown = max(shown, 1)
    listed = ", ".join(items[:shown])
    more = len(items) - shown
    return f"{listed} and {more} more" if more > 0 else listed


class Lookup(Protocol):
    """Read-only lookups into the snapshot (the host's, or a fixture's in native tests)."""

    def by_arn(self, arn: str) -> Resource | None: ...

    def of_kind(self, kind: str) -> list[Resource]: ...


class Context:
    """What an evaluation can see besides its resources."""

    def __init__(self, settings: dict[str, Any], gaps: Sequence[Gap], lookup: Lookup) -> None:
        #: The policy's settings (a JSON object, `{}` when none are configured).
        self.settings = settings
        #: The snapshot's gaps that concern the kinds the policy's rules read.
        self.gaps = list(gaps)
        self._lookup = lookup

    def unlisted(self, kind: str, region: str | None = None) -> list[Gap]:
        """Listings of `kind` that failed — in `region` (or globally) when given, anywhere
        otherwise: resources of that kind may be missing, so "there is none" cannot be
        concluded. Empty when every listing answered."""
        return [
            g
            for g in self.gaps
            if g.is_listing() and kind in g.kinds and (region is None or g.region in (region, "global"))
        ]

    def unlisted_reason(self, kind: str, region: str | None = None) -> str | None:
        """Which listings of `kind` failed, for a message (see `unlisted`); None when all answered."""
        gaps = self.unlisted(kind, region)
        return few([g.describe() for g in gaps], 3) if gaps else None

    def resource(self, arn: str) -> Resource | None:
        """Another resource of the snapshot, by ARN (only of the kinds the policy's rules read)."""
        return self._lookup.by_arn(arn)

    def resources_of_kind(self, kind: str) -> list[Resource]:
        """Every resource of a kind (one the policy's rules read; any other finds nothing)."""
        return self._lookup.of_kind(kind)
