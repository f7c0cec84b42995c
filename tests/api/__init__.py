"""Tests for the Home Assistant independent Control API client."""
