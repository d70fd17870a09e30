"""How much of an untrusted photo the bot accepts. Kept apart from the loader so that the adapters can
refuse an oversized file before downloading it, without importing Pillow."""

from __future__ import annotations

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest photo an adapter downloads; larger files get a friendly refusal before any download."""
