"""What a Control API namespace is: one typed declaration per namespace.

A declaration says where a namespace lives (its target kind and path), how
its answers and its events parse, and whether Sonos pushes it. The client
reads any declared namespace with ``SonosCloudClient.get``; events decode to a
``NamespaceEvent`` whose value is already typed (see ``events.decode_event``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, override
from urllib.parse import quote

from .parse import JsonObject


class TargetKind(StrEnum):
    """What a namespace belongs to; the value is the target's path segment."""

    HOUSEHOLD = "households"
    GROUP = "groups"
    PLAYER = "players"

    @property
    def id_field(self) -> str:
        """Return the field that names such a target in events (``groupId``)."""
        return f"{self.value.removesuffix('s')}Id"


def _replaced[T](_current: T | None, new: T) -> T | None:
    """Most events carry the whole new value."""
    return new


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Namespace[T, E = T]:
    """One Control API namespace: its values are ``T``, its event payloads ``E``.

    Compared by identity: each namespace is declared once.
    """

    name: str
    """The namespace as Sonos names it in events and subscription paths."""
    target: TargetKind
    parse: Callable[[JsonObject], T]
    parse_event: Callable[[JsonObject], E]
    apply_event: Callable[[T | None, E], T | None]
    """The value after an event; None when the event tells nothing."""
    path: str | None = None
    """Below the target, where a GET reads the value; None: nothing to read."""
    params: Mapping[str, str] = field(default_factory=dict)
    event_type: str | None = None
    """``X-Sonos-Type`` of its events; None when Sonos does not push it."""
    refusal_tolerated: bool = False
    """Reading is not in Sonos' published reference: a refusal means "none"."""
    settable: Mapping[str, str] = field(default_factory=dict)
    """Fields ``SonosCloudClient.change`` may set: our name to Sonos' name."""
    label: str = ""
    """How messages name it (``home theater``)."""

    @property
    def pushed(self) -> bool:
        """Whether Sonos sends events of this namespace once subscribed."""
        return self.event_type is not None

    def target_path(self, target_id: str) -> str:
        """Return the target's path, ``households/<id>``, ``groups/<id>``..."""
        return f"{self.target}/{segment(target_id)}"

    @override
    def __repr__(self) -> str:
        """Name the namespace only: diagnostics and logs need nothing else."""
        return f"Namespace({self.name})"


def declare[T](
    name: str,
    target: TargetKind,
    parse: Callable[[JsonObject], T],
    **options: Any,
) -> Namespace[T, T]:
    """Declare a namespace whose events carry the whole value, parsed alike."""
    return Namespace(
        name,
        target,
        parse,
        options.pop("parse_event", parse),
        _replaced,
        **options,
    )


@dataclass(frozen=True, slots=True)
class NamespaceEvent[T, E = T]:
    """A verified, decoded event: its namespace, target and typed payload."""

    namespace: Namespace[T, E]
    target_id: str
    household_id: str | None
    value: E

    def applied_to(self, current: T | None) -> T | None:
        """Return the namespace's value after this event."""
        return self.namespace.apply_event(current, self.value)


def segment(value: str) -> str:
    """Quote an id for use as one path segment; ids are opaque strings."""
    return quote(value, safe=":")
