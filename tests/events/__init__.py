"""Tests of what events from the network may change."""
