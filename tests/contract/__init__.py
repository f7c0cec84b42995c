"""Sonos' Control API contract (facts) and the checks of the simulator against it."""
