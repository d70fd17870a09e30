"""slack-manifest.yml asks for exactly what the adapter uses: no missing scope, nothing extra."""

from __future__ import annotations

from typing import Any

import yaml

from bot.config import Config
from handlers.slack.app import SlackListeners
from handlers.slack.run import EVENTS_PATH, REDIRECT_PATH, bot_scopes, build_client
from tests.conftest import PROJECT_ROOT
from tests.fakes.brains import RecordingBrain

# Why each scope is needed (the Web API method or event that requires it).
EXPECTED_SCOPES = {
    "app_mentions:read": "app_mention event",
    "chat:write": "chat.postMessage, chat.postEphemeral",
    "commands": "/headshot, the message shortcut",
    "files:read": "files.info, url_private downloads",
    "files:write": "files.getUploadURLExternal, files.completeUploadExternal",
    "im:history": "message.im event",
    "im:write": "conversations.open for reminder DMs",
    "users:read": "users.info (incl. the profile photo), users.list, user_change event",
}
# Manifest event name → the Bolt listener that handles it.
EXPECTED_EVENTS = {
    "app_home_opened": "app_home_opened",
    "app_mention": "app_mention",
    "message.im": "message",
    "user_change": "user_change",
    "app_uninstalled": "app_uninstalled",
    "tokens_revoked": "tokens_revoked",
}


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "slack-manifest.yml").read_text())
    return manifest


def test_scopes_are_exactly_those_the_adapter_uses() -> None:
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == set(EXPECTED_SCOPES)


def test_events_command_interactivity_and_home_match_the_listeners(config: Config) -> None:
    manifest = _manifest()
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == set(EXPECTED_EVENTS)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/headshot"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True

    adapter = SlackListeners(
        RecordingBrain(config), build_client("xoxb-x", "http://127.0.0.1:9/api/"), api_url="x"
    )
    assert set(adapter.event_listeners()) == set(EXPECTED_EVENTS.values())


def test_message_shortcuts_match_the_listeners(config: Config) -> None:
    shortcuts = _manifest()["features"]["shortcuts"]
    adapter = SlackListeners(
        RecordingBrain(config), build_client("xoxb-x", "http://127.0.0.1:9/api/"), api_url="x"
    )
    assert {s["callback_id"] for s in shortcuts} == set(adapter.message_shortcuts())
    assert {s["type"] for s in shortcuts} == {"message"}
    for shortcut in shortcuts:  # Slack's limits: a name of 24 characters, a description of 80
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80


def test_an_oauth_install_asks_for_the_manifests_scopes() -> None:
    """The scopes /slack/install asks for (scopes.toml) are the manifest's: they cannot drift apart."""
    assert bot_scopes() == sorted(_manifest()["oauth_config"]["scopes"]["bot"])


def test_http_mode_urls_in_the_comments_point_at_the_one_endpoint() -> None:
    text = (PROJECT_ROOT / "slack-manifest.yml").read_text()
    [redirect] = [line for line in text.splitlines() if "redirect_urls" in line]
    assert f"https://YOUR-HOST{REDIRECT_PATH}" in redirect
    urls = [line for line in text.splitlines() if "YOUR-HOST" in line and "url" in line and line != redirect]
    assert len(urls) == 3
    assert all(f"https://YOUR-HOST{EVENTS_PATH}" in line for line in urls)
