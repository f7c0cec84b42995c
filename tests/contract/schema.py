"""A validator for the part of JSON Schema (OpenAPI 3.0 flavour) the contract uses.

``validate(value, schema)`` returns the list of problems, each naming where in
the value it is ("body.groups[0].id: ..."). Supported: ``$ref`` into the
facts file's ``schemas``, ``type`` (with OpenAPI's ``nullable``), ``enum``,
``properties``/``required``/``additionalProperties``, ``items``/``maxItems``/
``minItems``, ``maxLength``/``minLength``/``pattern``, ``minimum``/``maximum``
with OpenAPI 3.0's boolean ``exclusiveMinimum``/``exclusiveMaximum``, the
``int32``/``int64`` formats as ranges, and ``allOf``/``anyOf``/``oneOf``.
``oneOf`` is read as "at least one": the contract's alternatives (for example
``playbackError`` or ``globalError``) overlap and are told apart by the
``X-Sonos-Type`` header (its ``discriminator``), not by their shape.
A keyword outside this list raises ``SchemaError`` instead of passing quietly.
"""

from collections.abc import Mapping
import math
import re
from typing import Any

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: (
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ),
}
# Keywords that carry no rule for a value (or one the checker applies itself).
IGNORED = frozenset({"deprecated", "default", "discriminator", "format", "nullable"})
KNOWN = IGNORED | {
    "$ref", "type", "enum", "properties", "required", "additionalProperties",
    "items", "maxItems", "minItems", "maxLength", "minLength", "pattern",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "allOf", "anyOf", "oneOf", "not",
}  # fmt: skip
SHOWN = 60  # characters of a value quoted in a problem


class SchemaError(Exception):
    """The schema uses something this validator does not understand."""


def short(value: Any) -> str:
    """Return a value for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text)} chars)"


class Validator:
    """Validate values against schemas that may refer to named ``schemas``."""

    def __init__(self, schemas: Mapping[str, Any]) -> None:
        """Keep the named schemas ``$ref`` points into."""
        self.schemas = schemas

    def resolve(self, ref: str) -> Any:
        """Return the schema a ``#/schemas/<name>`` reference names."""
        name = ref.removeprefix("#/schemas/")
        if name == ref or name not in self.schemas:
            raise SchemaError(f"unknown reference {ref!r}")
        return self.schemas[name]

    def validate(self, value: Any, schema: Any, where: str = "body") -> list[str]:
        """Every way ``value`` breaks ``schema``; empty when it conforms."""
        if not isinstance(schema, dict):
            raise SchemaError(f"{where}: schema is not an object")
        unknown = set(schema) - KNOWN
        if unknown:
            raise SchemaError(f"{where}: unsupported keywords {sorted(unknown)}")
        if "$ref" in schema:
            return self.validate(value, self.resolve(schema["$ref"]), where)
        if value is None and schema.get("nullable"):
            return []
        problems: list[str] = []
        expected = schema.get("type")
        if expected is not None:
            if expected not in TYPES:
                raise SchemaError(f"{where}: unknown type {expected!r}")
            if not TYPES[expected](value):
                return [f"{where}: expected {expected}, got {short(value)}"]
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {short(value)} is not one of {schema['enum']}")
        problems += self._combined(value, schema, where)
        if isinstance(value, dict):
            problems += self._object(value, schema, where)
        elif isinstance(value, list):
            problems += self._array(value, schema, where)
        elif isinstance(value, str):
            problems += self._string(value, schema, where)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            problems += self._number(value, schema, where)
        return problems

    def _combined(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        problems: list[str] = []
        for sub in schema.get("allOf", []):
            problems += self.validate(value, sub, where)
        for keyword in ("anyOf", "oneOf"):
            options = schema.get(keyword)
            if options is None:
                continue
            results = [self.validate(value, sub, where) for sub in options]
            if all(results):
                best = min(results, key=len)
                problems.append(
                    f"{where}: matches none of the {len(options)} {keyword} "
                    f"alternatives (closest: {'; '.join(best)})"
                )
        if "not" in schema and not self.validate(value, schema["not"], where):
            problems.append(f"{where}: must not match {schema['not']}")
        return problems

    def _object(
        self, value: dict[str, Any], schema: dict[str, Any], where: str
    ) -> list[str]:
        problems = [
            f"{where}: missing required {name!r}"
            for name in schema.get("required", [])
            if name not in value
        ]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problems += self.validate(item, properties[name], f"{where}.{name}")
            elif extra is False:
                problems.append(f"{where}: unexpected property {short(name)}")
            elif isinstance(extra, dict):
                problems += self.validate(item, extra, f"{where}.{name}")
        return problems

    def _array(self, value: list[Any], schema: dict[str, Any], where: str) -> list[str]:
        problems: list[str] = []
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(
                f"{where}: {len(value)} items, at most {schema['maxItems']} allowed"
            )
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(
                f"{where}: {len(value)} items, at least {schema['minItems']} needed"
            )
        if "items" in schema:
            for index, item in enumerate(value):
                problems += self.validate(item, schema["items"], f"{where}[{index}]")
        return problems

    @staticmethod
    def _string(value: str, schema: dict[str, Any], where: str) -> list[str]:
        problems: list[str] = []
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(
                f"{where}: {len(value)} characters, at most {schema['maxLength']} "
                f"allowed ({short(value)})"
            )
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(
                f"{where}: {len(value)} characters, at least {schema['minLength']}"
            )
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            problems.append(f"{where}: {short(value)} does not match the pattern")
        return problems

    @staticmethod
    def _number(value: float, schema: dict[str, Any], where: str) -> list[str]:
        problems: list[str] = []
        low, high = schema.get("minimum"), schema.get("maximum")
        if schema.get("format") in INT_RANGES:
            int_low, int_high = INT_RANGES[schema["format"]]
            low = int_low if low is None else max(low, int_low)
            high = int_high if high is None else min(high, int_high)
        if low is not None:
            exclusive = schema.get("exclusiveMinimum") is True
            if value < low or (exclusive and value == schema.get("minimum")):
                problems.append(f"{where}: {short(value)} is below the minimum {low}")
        if high is not None:
            exclusive = schema.get("exclusiveMaximum") is True
            if value > high or (exclusive and value == schema.get("maximum")):
                problems.append(f"{where}: {short(value)} is above the maximum {high}")
        return problems
