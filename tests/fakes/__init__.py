"""Loopback fakes of the Slack and Discord APIs, shared by the adapter and serve tests."""
