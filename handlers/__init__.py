"""Thin platform adapters (Slack, Discord, console) over the core in `bot`."""
