"""Check requests, responses and events of the simulator against Sonos' contract.

The facts come from ``control_api.json`` (made by ``scripts/make_contract``).
A ``ContractChecker`` listens to a ``SonosCloudSimulator``: every Control API
exchange and every event it sends is checked, and the problems are collected
as ``violations`` for the test to report at its end.

Where the contract and the real cloud differ, the cloud wins (see the notes in
Sonos' contract folder): ``errorCode`` may be a string as well as the object
the file types it as; every operation may also answer 401, 410, 429, 503 and
504; an operation may answer 200 with an empty body where the file lists no
200 (loading a favorite or playlist); an error status listed without a body
carries the generic ``globalError``. Paths of namespaces the file lacks
(``homeTheater``, ``settings``) are not checked, except that they must not
crash the simulator.
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
import re
from typing import Any

from .schema import Validator, short

FACTS_FILE = Path(__file__).with_name("control_api.json")
CLOUD_STATUSES = frozenset({401, 410, 429, 503, 504})
OUTSIDE_CONTRACT = re.compile(r"/players/[^/]+/(homeTheater|settings)(/.*)?")
# Bodies of the gateway in front of the API: 401s come from it, not the API.
GATEWAY_ERROR = {
    "type": "object",
    "anyOf": [
        {"required": ["fault"], "properties": {"fault": {"type": "object"}}},
        {"required": ["error"], "properties": {"error": {"type": "string"}}},
        {"$ref": "#/schemas/globalError"},
    ],
}


@dataclass(frozen=True)
class Operation:
    """One operation of the contract and the regular expression of its path."""

    key: str
    method: str
    template: str
    pattern: re.Pattern[str]
    literal_segments: int
    facts: dict[str, Any]


@dataclass
class ContractChecker:
    """Collect every way an exchange or event breaks the contract.

    ``strict_requests``: every request counts (the client must never send a
    request the contract refuses). Otherwise (tests that send bad requests to
    the simulator on purpose) only requests the simulator accepted count.
    """

    facts: dict[str, Any]
    strict_requests: bool = True
    violations: list[str] = field(default_factory=list)
    checked: int = 0

    def __post_init__(self) -> None:
        """Index the operations and make ``errorCode`` a string or an object."""
        schemas = dict(self.facts["schemas"])
        # Every ``errorCode`` refers to ``error``: accept the cloud's strings too.
        schemas["error"] = {"anyOf": [{"type": "string"}, schemas["error"]]}
        self.validator = Validator(schemas)
        self.operations: list[Operation] = []
        for key, facts in self.facts["operations"].items():
            method, template = key.split(" ", 1)
            pattern = re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(template))
            literals = sum(1 for s in template.split("/") if s and "{" not in s)
            self.operations.append(
                Operation(key, method, template, re.compile(pattern), literals, facts)
            )
        # A literal segment beats a parameter: ``audioClip/subscription``
        # is not the clip with the id "subscription".
        self.operations.sort(key=lambda op: -op.literal_segments)

    @classmethod
    def load(cls, *, strict_requests: bool = True) -> ContractChecker:
        """Return a checker of the committed facts file."""
        facts = json.loads(FACTS_FILE.read_text())
        return cls(facts, strict_requests=strict_requests)

    # -- listeners of the simulator ------------------------------------------

    def on_exchange(self, exchange: Any) -> None:
        """Check one ``RecordedRequest`` (with its reply) of the simulator."""
        if exchange.api != "control":
            return
        self.checked += 1
        label = f"{exchange.method} {exchange.path} -> {exchange.status}"
        if exchange.status == 500 and not exchange.injected:
            self._add(label, ["the simulator failed (HTTP 500 without a fault)"])
        operation = self.operation(exchange.method, exchange.path)
        if operation is None:
            if OUTSIDE_CONTRACT.fullmatch(exchange.path):
                return
            if self.strict_requests or exchange.status < 400:
                self._add(label, ["no such operation in the contract"])
            return
        problems = self.request_problems(operation, exchange.query, exchange.json)
        if problems and (self.strict_requests or exchange.status < 300):
            who = "request" if self.strict_requests else "accepted request"
            self._add(label, [f"{who}: {p}" for p in problems])
        if not exchange.injected:
            reply = self.response_problems(operation, exchange.status, exchange.reply)
            self._add(label, [f"response: {p}" for p in reply])

    def on_event(self, namespace: str, event_type: str, body: Any) -> None:
        """Check one event body: its type names the schema it must follow."""
        self.checked += 1
        label = f"event {namespace}/{event_type}"
        if event_type not in self.facts["schemas"]:
            self._add(label, ["no schema of this event type in the contract"])
            return
        schema = {"$ref": f"#/schemas/{event_type}"}
        self._add(label, self.validator.validate(body, schema))

    # -- the checks ----------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation | None:
        """Return the operation of a method and (relative) path, if any."""
        for operation in self.operations:
            if operation.method == method and operation.pattern.fullmatch(path):
                return operation
        return None

    def request_problems(
        self, operation: Operation, query: dict[str, str], body: Any
    ) -> list[str]:
        """How a request's query and JSON body break the operation's facts."""
        problems: list[str] = []
        declared = {
            p["name"]: p for p in operation.facts["parameters"] if p["in"] == "query"
        }
        for name, value in query.items():
            if name not in declared:
                problems.append(f"query: unknown parameter {short(name)}")
                continue
            problems += self.validator.validate(
                _query_value(value, declared[name]["schema"]),
                declared[name]["schema"],
                f"query.{name}",
            )
        problems += [
            f"query: missing required {name!r}"
            for name, p in declared.items()
            if p["required"] and name not in query
        ]
        request_body = operation.facts.get("requestBody")
        if request_body is None:
            if body not in (None, {}):
                problems.append(f"body: the operation takes none, got {short(body)}")
        elif body is not None or request_body["required"]:
            problems += self.validator.validate(body, request_body["schema"])
        return problems

    def response_problems(
        self, operation: Operation, status: int, body: Any
    ) -> list[str]:
        """How a response breaks the operation's statuses and schemas."""
        responses = operation.facts["responses"]
        declared = responses.get(str(status))
        if declared is not None and declared["schema"] is not None:
            return self.validator.validate(body, declared["schema"])
        if declared is not None and status >= 400:
            # Listed without a body: the API's generic error envelope.
            return self.validator.validate(body, {"$ref": "#/schemas/globalError"})
        if declared is not None or status == 200:
            return [] if body in (None, {}) else [f"expected no body: {short(body)}"]
        if status == 401:
            return self.validator.validate(body, GATEWAY_ERROR)
        if status in CLOUD_STATUSES:
            return self.validator.validate(body, {"$ref": "#/schemas/globalError"})
        return [f"status {status} is neither in the contract nor one the cloud uses"]

    def _add(self, label: str, problems: list[str]) -> None:
        self.violations += [f"{label}: {problem}" for problem in problems]

    def report(self) -> str:
        """Return the violations as one message, one a line (repeats once)."""
        unique = list(dict.fromkeys(self.violations))
        lines = "\n".join(f"  - {v}" for v in unique[:50])
        more = f"\n  ... and {len(unique) - 50} more" if len(unique) > 50 else ""
        return (
            f"{len(unique)} contract violation(s) in {self.checked} checked "
            f"exchanges and events (tests/contract/control_api.json):\n{lines}{more}"
        )


def _query_value(value: str, schema: dict[str, Any]) -> Any:
    """Read a query string value as the JSON value its schema describes."""
    kind = schema.get("type")
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind in ("integer", "number"):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return value
    return value
