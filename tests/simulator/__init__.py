"""In-process simulator of the Sonos cloud (OAuth + Control API) for tests."""

from .app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    Fault,
    RecordedRequest,
    SonosCloudSimulator,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "Fault",
    "RecordedRequest",
    "SonosCloudSimulator",
]
