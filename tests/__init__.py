"""Tests for the Sonos Cloud integration."""
