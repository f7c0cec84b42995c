"""Event signatures and parsing, checked against Sonos' documented vectors."""

import json

import pytest

from custom_components.sonos_cloud.api import (
    MAX_EVENT_BYTES,
    SonosEventError,
    event_signature,
    parse_event,
)


@pytest.mark.parametrize(
    ("values", "client_id", "secret", "signature"),
    [
        (
            ("event-seq-id", "namespace", "type", "target-type", "target-value"),
            "sonos",
            "secret",
            "n9V0MCdGYaOPy_dJb_nUPqw5dHiBSd_g0NOQTe4IaVI",
        ),
        (
            (
                "1234",
                "groupVolume",
                "groupVolume",
                "groupId",
                "RINCON_00012345678001400:0",
            ),
            "my-client-id",
            "my-client-secret",
            "tCjdwwW5avM9CCDWnkxh30kwkowImrMrRXfMuPxocw4",
        ),
    ],
)
def test_signature_vectors(
    values: tuple[str, ...], client_id: str, secret: str, signature: str
) -> None:
    """The signature matches the published test vectors."""
    assert event_signature(values, client_id, secret) == signature


def _headers(seq: str = "7", **overrides: str) -> dict[str, str]:
    values = (seq, "groupVolume", "groupVolume", "groupId", "RINCON_A:1")
    headers = {
        "X-Sonos-Event-Seq-Id": values[0],
        "X-Sonos-Namespace": values[1],
        "X-Sonos-Type": values[2],
        "X-Sonos-Target-Type": values[3],
        "X-Sonos-Target-Value": values[4],
        "X-Sonos-Household-Id": "Sonos_1.2",
        "X-Sonos-Event-Signature": event_signature(values, "id", "secret"),
    }
    headers.update(overrides)
    return headers


def test_parse_event() -> None:
    """A signed event is parsed with its target and body."""
    event = parse_event(_headers(), json.dumps({"volume": 3}).encode(), "id", "secret")
    assert event.seq_id == 7
    assert event.namespace == "groupVolume"
    assert event.target_type == "groupId"
    assert event.target_value == "RINCON_A:1"
    assert event.household_id == "Sonos_1.2"
    assert event.body == {"volume": 3}
    assert parse_event(_headers(), b"  ", "id", "secret").body == {}


@pytest.mark.parametrize(
    ("headers", "body", "secret", "message"),
    [
        (_headers(), b"{}", "other-secret", "signature"),
        (_headers(**{"X-Sonos-Event-Signature": ""}), b"{}", "secret", "signature"),
        (_headers(seq="x7"), b"{}", "secret", "sequence"),
        (_headers(seq="²"), b"{}", "secret", "sequence"),
        (_headers(seq="\u0667"), b"{}", "secret", "sequence"),
        (_headers(seq="1" * 20), b"{}", "secret", "sequence"),
        (_headers(seq="9" * 5000), b"{}", "secret", "sequence"),
        (_headers(), b'{"volume": NaN}', "secret", "not JSON"),
        (_headers(), b'{"volume": -Infinity}', "secret", "not JSON"),
        (_headers(), b"[" * 100_000 + b"]" * 100_000, "secret", "not JSON"),
        (_headers(), b"{" + b" " * MAX_EVENT_BYTES + b"}", "secret", "too large"),
        (_headers(), b"oops", "secret", "not JSON"),
        (_headers(), b"[]", "secret", "not an object"),
        ({"X-Sonos-Namespace": "groups"}, b"{}", "secret", "missing"),
    ],
)
def test_bad_events(
    headers: dict[str, str], body: bytes, secret: str, message: str
) -> None:
    """Anything unsigned, tampered or malformed is refused with a reason."""
    with pytest.raises(SonosEventError, match=message):
        parse_event(headers, body, "id", secret)


def test_longest_sequence_id() -> None:
    """Nineteen digits, the most a signed 64-bit integer holds, are accepted."""
    event = parse_event(_headers(seq="9" * 19), b"{}", "id", "secret")
    assert event.seq_id == 10**19 - 1
