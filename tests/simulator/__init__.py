"""In-process simulator of the Sonos cloud (OAuth + Control API) for tests."""

from .app import SonosCloudSimulator
from .events import Delivery, EventFaults, signature
from .wire import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Fault, RecordedRequest

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "Delivery",
    "EventFaults",
    "Fault",
    "RecordedRequest",
    "SonosCloudSimulator",
    "signature",
]
