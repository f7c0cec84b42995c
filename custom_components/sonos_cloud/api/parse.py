"""Reading Control API JSON: checked fields, bounded lists, int32 numbers.

Shared by the model modules; nothing here knows a Sonos object.
"""

from collections.abc import Mapping
from typing import Any

from .errors import SonosInvalidResponseError

type JsonObject = Mapping[str, Any]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
"""The contract types positions, durations and counts as ``int32``."""


def field[T](data: JsonObject, key: str, kind: type[T], default: T | None = None) -> T:
    """Return ``data[key]`` checked against ``kind``; ``default`` when missing."""
    value = data.get(key)
    if value is None:
        if default is None:
            raise SonosInvalidResponseError(f"Missing field '{key}'")
        return default
    # bool is an int subclass; a volume of ``true`` is garbage, not 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SonosInvalidResponseError(
            f"Field '{key}' is {type(value).__name__}, expected {kind.__name__}"
        )
    return value


def optional_str(data: JsonObject, key: str) -> str | None:
    """Return an optional string field, ignoring values of another type."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def string_list(data: JsonObject, key: str) -> tuple[str, ...]:
    """Return a list of strings, dropping anything that is not a string."""
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def json_object(value: Any, what: str) -> JsonObject:
    """Check that ``value`` is a JSON object."""
    if not isinstance(value, Mapping):
        raise SonosInvalidResponseError(f"Expected an object for {what}")
    return value


def objects(data: JsonObject, key: str, limit: int | None = None) -> list[JsonObject]:
    """Return a list of JSON objects under ``key``, of at most ``limit`` items."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SonosInvalidResponseError(f"Expected a list for '{key}'")
    if limit is not None and len(value) > limit:
        raise SonosInvalidResponseError(f"More than {limit} items in '{key}'")
    return [json_object(item, key) for item in value]


def int32(data: JsonObject, key: str, minimum: int) -> int | None:
    """Return an integer field of the contract's ``int32`` type.

    Missing, not an integer or below ``minimum`` (a negative position) gives
    None, as Sonos may leave a value out; an integer outside ``int32`` is
    garbage that would overflow later (``10**400 / 1000`` raises), so it makes
    the whole object invalid.
    """
    value = data.get(key)
    if type(value) is not int:
        return None
    if not INT32_MIN <= value <= INT32_MAX:
        raise SonosInvalidResponseError(f"Field '{key}' is out of range")
    return value if value >= minimum else None


def optional_object(data: JsonObject, key: str) -> JsonObject:
    """Return a nested object, or an empty one when it is missing or not an object."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}
