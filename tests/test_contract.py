"""The contract check itself: its facts file, its validator and its failures.

The whole suite runs against a simulator whose exchanges and events are
checked (``tests/conftest.py``); these tests prove the check does catch what
breaks the contract, so a green suite means something.
"""

from importlib.machinery import SourceFileLoader
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from tests.conftest import fail_on_violations, watch_contract
from tests.contract.checker import FACTS_FILE, ContractChecker
from tests.contract.schema import SchemaError, Validator
from tests.simulator import RecordedRequest, SonosCloudSimulator

ROOT = Path(__file__).resolve().parent.parent
KITCHEN = "RINCON_48A6B8F0E1D201400"
PROSE = {"description", "summary", "title", "example", "examples"}


def _make_contract() -> ModuleType:
    """Import scripts/make_contract (a script without .py) as a module."""
    loader = SourceFileLoader("make_contract", str(ROOT / "scripts" / "make_contract"))
    spec = importlib.util.spec_from_loader("make_contract", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _keywords(schema: Any) -> set[str]:
    """Every schema keyword used, property names left out."""
    if isinstance(schema, list):
        return set().union(*(_keywords(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key == "properties":
            found |= set().union(*(_keywords(sub) for sub in value.values()))
        else:
            found |= _keywords(value)
    return found


def _exchange(
    method: str,
    path: str,
    status: int = 200,
    *,
    body: Any = None,
    reply: Any = None,
    query: dict[str, str] | None = None,
    injected: bool = False,
) -> RecordedRequest:
    return RecordedRequest(
        method, path, query or {}, {}, body, {}, status, "control", reply, injected
    )


def test_facts_file_holds_facts_only() -> None:
    """No description, summary or title text is kept; operations are complete."""
    facts = json.loads(FACTS_FILE.read_text())
    assert not _keywords(facts) & PROSE
    assert len(facts["operations"]) == 64
    seek = facts["operations"]["POST /groups/{groupId}/playback/seek"]
    assert seek["requestBody"]["schema"]["properties"]["positionMillis"] == {
        "format": "int32",
        "type": "integer",
    }
    assert set(seek["responses"]) == {"200", "400", "403", "404", "499", "500"}
    assert facts["schemas"]["service"]["properties"]["id"]["maxLength"] == 10


def test_make_contract_keeps_facts_and_drops_text(tmp_path: Path) -> None:
    """The script copies schemas and statuses, rewrites $ref and drops prose."""
    source = tmp_path / "api.json"
    document = {
        "openapi": "3.0.2",
        "paths": {
            "/things/{thingId}": {
                "description": "A thing.",
                "parameters": [
                    {
                        "in": "path",
                        "name": "thingId",
                        "required": True,
                        "description": "Which.",
                        "schema": {"type": "string"},
                    },
                ],
                "post": {
                    "summary": "Do it",
                    "operationId": "Thing-Do",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "title": "Body",
                                    "properties": {
                                        "description": {
                                            "type": "string",
                                            "maxLength": 5,
                                            "description": "a field",
                                        }
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "OK",
                            "x-muse-error-codes": ["OK"],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/thing"}
                                }
                            },
                        }
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "thing": {
                    "type": "object",
                    "description": "x",
                    "x-muse-since-version": "1.0",
                }
            }
        },
    }
    source.write_text(json.dumps(document))
    facts = _make_contract().contract_facts(source)
    operation = facts["operations"]["POST /things/{thingId}"]
    assert operation["parameters"] == [
        {
            "in": "path",
            "name": "thingId",
            "required": True,
            "schema": {"type": "string"},
        }
    ]
    assert operation["requestBody"]["schema"] == {
        "type": "object",
        "properties": {"description": {"type": "string", "maxLength": 5}},
    }
    assert operation["responses"]["200"] == {
        "errorCodes": ["OK"],
        "schema": {"$ref": "#/schemas/thing"},
    }
    assert facts["schemas"] == {"thing": {"type": "object"}}

    document["components"]["schemas"]["thing"]["patternProperties"] = {}
    source.write_text(json.dumps(document))
    with pytest.raises(Exception, match="unknown schema keyword 'patternProperties'"):
        _make_contract().contract_facts(source)


def test_facts_file_is_up_to_date() -> None:
    """Regenerated from Sonos' file (when it is next to the repository) it is equal."""
    script = _make_contract()
    if not script.DEFAULT_SOURCE.is_file():
        pytest.skip("Sonos' OpenAPI file is not next to this repository")
    assert script.contract_facts(script.DEFAULT_SOURCE) == json.loads(
        FACTS_FILE.read_text()
    )


@pytest.mark.parametrize(
    ("value", "schema", "problem"),
    [
        (2**31, {"type": "integer", "format": "int32"}, "above the maximum"),
        (True, {"type": "integer"}, "expected integer"),
        ("LOUD", {"type": "string", "enum": ["LOW", "HIGH"]}, "is not one of"),
        ("x" * 11, {"type": "string", "maxLength": 10}, "11 characters"),
        ([1, 2], {"type": "array", "maxItems": 1}, "2 items"),
        ({}, {"type": "object", "required": ["id"]}, "missing required 'id'"),
        (100, {"type": "integer", "maximum": 100, "exclusiveMaximum": True}, "above"),
        (3, {"oneOf": [{"type": "string"}, {"type": "boolean"}]}, "matches none"),
    ],
)
def test_validator_finds_problems(value: Any, schema: Any, problem: str) -> None:
    """Each rule of the subset reports a value that breaks it."""
    [found] = Validator({}).validate(value, schema)
    assert problem in found


def test_validator_refuses_what_it_does_not_know() -> None:
    """An unsupported keyword or reference is an error, never a silent pass."""
    with pytest.raises(SchemaError, match="unsupported keywords"):
        Validator({}).validate(1, {"multipleOf": 2})
    with pytest.raises(SchemaError, match="unknown reference"):
        Validator({}).validate(1, {"$ref": "#/schemas/nothing"})


@pytest.mark.parametrize(
    "exchange",
    [
        _exchange("POST", "/groups/G:1/favorites", body={"favoriteId": "1" * 37}),
        _exchange(
            "POST",
            "/players/P/audioClip",
            body={"name": "x", "appId": "a" * 128},
            reply={
                "id": "1",
                "name": "x",
                "appId": "a",
                "priority": "LOW",
                "status": "ACTIVE",
            },
        ),
        _exchange(
            "GET",
            "/groups/G:1/playback",
            query={"verbose": "1"},
            reply={"playbackState": "PLAYBACK_STATE_IDLE"},
        ),
        _exchange("GET", "/nowhere"),
        _exchange("GET", "/households", reply={"households": "none"}),
        _exchange(
            "GET",
            "/groups/G:1/playbackMetadata",
            reply={"container": {"service": {"id": "local-library"}}},
        ),
        _exchange("DELETE", "/players/P/audioClip/1", 500),
        _exchange("POST", "/groups/G:1/playback/play", 418, reply={}),
        _exchange("POST", "/groups/G:1/playback/play", 429, reply={"reason": "slow"}),
        _exchange("POST", "/groups/G:1/playback/pause", 400, reply={"errorCode": 5}),
    ],
)
def test_checker_catches_a_broken_exchange(exchange: RecordedRequest) -> None:
    """Bad requests, bodies, statuses and crashes all become violations."""
    checker = ContractChecker.load()
    checker.on_exchange(exchange)
    assert checker.violations, exchange
    assert exchange.path in checker.report()


@pytest.mark.parametrize(
    "exchange",
    [
        _exchange("POST", "/groups/G:1/favorites", body={"favoriteId": "7"}, reply={}),
        _exchange(
            "GET",
            "/households/H/groups",
            query={"includeDeviceInfo": "true"},
            reply={"groups": [], "players": []},
        ),
        _exchange(
            "POST",
            "/groups/G:1/playback/pause",
            400,
            reply={"errorCode": "ERROR_INVALID_SYNTAX"},
        ),
        _exchange(
            "POST",
            "/groups/G:1/playback/pause",
            400,
            reply={"errorCode": {"code": "ERROR_INVALID_SYNTAX"}},
        ),
        _exchange(
            "POST",
            "/groups/G:1/playback/play",
            401,
            reply={"fault": {"faultstring": "Invalid Access Token"}},
        ),
        _exchange(
            "POST",
            "/groups/G:1/playback/play",
            410,
            reply={"errorCode": "ERROR_RESOURCE_GONE"},
        ),
        _exchange("POST", "/groups/G:1/playback/play", 502, injected=True),
        _exchange("GET", f"/players/{KITCHEN}/homeTheater/options", reply={}),
        _exchange("DELETE", "/players/P/audioClip/subscription", reply={}),
    ],
)
def test_checker_accepts_what_the_cloud_does(exchange: RecordedRequest) -> None:
    """String or object errorCode, the cloud's extra statuses, injected faults."""
    checker = ContractChecker.load()
    checker.on_exchange(exchange)
    assert checker.violations == []
    assert checker.checked == 1


def test_lenient_checker_only_blames_accepted_requests() -> None:
    """Simulator tests send bad requests on purpose: a refusal is right."""
    checker = ContractChecker.load(strict_requests=False)
    bad = {"favoriteId": "1" * 37}
    refused = {"errorCode": "ERROR_INVALID_PARAMETER"}
    checker.on_exchange(
        _exchange("POST", "/groups/G/favorites", 400, body=bad, reply=refused)
    )
    assert checker.violations == []
    checker.on_exchange(_exchange("POST", "/groups/G/favorites", body=bad, reply={}))
    assert checker.violations == [
        (
            "POST /groups/G/favorites -> 200: accepted request: body.favoriteId: "
            f"37 characters, at most 36 allowed ('{'1' * 37}')"
        )
    ]


def test_checker_catches_a_broken_event() -> None:
    """Events follow the schema their type names."""
    checker = ContractChecker.load()
    checker.on_event("playerVolume", "playerVolume", {"volume": 101})
    checker.on_event("playback", "noSuchType", {})
    checker.on_event("groupVolume", "groupVolume", {"volume": 5, "muted": False})
    assert checker.violations == [
        "event playerVolume/playerVolume: body.volume: 101 is above the maximum 100",
        "event playback/noSuchType: no schema of this event type in the contract",
    ]


@pytest.mark.usefixtures("socket_enabled")
async def test_off_contract_simulator_fails_the_test(
    request: pytest.FixtureRequest,
) -> None:
    """A response that breaks the contract fails the test at its end."""
    sim = SonosCloudSimulator("id", "secret")
    checker = watch_contract(sim)
    household_id = sim.add_household("Sonos_Test.Household1")
    sim.add_player(household_id, "N" * 65)  # player names are at most 64
    token = sim.issue_tokens()["access_token"]
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            url = server.make_url(f"/control/api/v1/households/{household_id}/groups")
            headers = {"Authorization": f"Bearer {token}"}
            async with session.get(url, headers=headers) as response:
                assert response.status == 200
    finally:
        await server.close()

    with pytest.raises(pytest.fail.Exception) as failure:
        fail_on_violations(checker, request.node)
    message = str(failure.value)
    assert "body.players[0].name: 65 characters, at most 64 allowed" in message
    assert "contract violation(s)" in message
