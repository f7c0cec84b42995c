"""Benchmarks of the integration against the Sonos cloud simulator (scripts/bench)."""
