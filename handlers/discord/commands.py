"""The `/headshot` slash commands, built from the core's command registry (`bot/commands.py`), and the
"Review photo" message command (right-click a message → Apps).

Each slash command becomes the same text a user could type to the bot, so the core handles it exactly as
a mention or DM; the adapter only adds what the platform knows (the photo, who may change server
settings). Both are declared for a server install and a user install (Discord's integration types 0 and
1) in servers, DMs with the bot and other private channels (contexts 0, 1, 2); where only the user
installed the bot, the commands that need the bot's own presence (reminders, settings) say so instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.commands import ChatCommand, Option, SlashForm, slash_commands

INSTALLS = app_commands.AppInstallationType(guild=True, user=True)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
REVIEW_PHOTO_MENU = "Review photo"
NOT_HERE = (
    "That needs me as a member: use it in a DM with me or in a server that added me. Here I can answer "
    "questions (`/headshot ask`), check your current photo (`/headshot check-avatar`), review a message's "
    "photo (right-click it → Apps → Review photo) and show `/headshot help`."
)

if TYPE_CHECKING:
    from handlers.discord.client import DiscordBot

Callback = Callable[..., Coroutine[Any, Any, None]]


def _annotation(option: Option) -> Any:
    match option.kind:
        case "photo":
            return discord.Attachment
        case "number":
            return app_commands.Range[int, 1, 1_000_000]
        case "choice":
            return app_commands.Choice[str]
    return app_commands.Range[str, 1, option.max_length]


def _signature(form: SlashForm) -> inspect.Signature:
    """What discord.py reads to build the command's options: one parameter per option, in order."""
    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for option in form.options:
        annotation = _annotation(option)
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=annotation if option.required else annotation | None,
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    return inspect.Signature(parameters)


def _callback(bot: DiscordBot, command: ChatCommand, form: SlashForm) -> Callback:
    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        if not form.user_install and not bot_is_present(interaction):
            await interaction.response.send_message(NOT_HERE, ephemeral=True)
            return
        if command.admin and not await _may_change_settings(interaction):
            return
        photos = [v for v in values.values() if isinstance(v, discord.Attachment)]
        plain = {k: v.value if isinstance(v, app_commands.Choice) else v for k, v in values.items()}
        text = form.chat_text(plain)
        # A file that is obviously not an image gets its answer privately.
        private = form.private or any(not (p.content_type or "image/").startswith("image/") for p in photos)
        await bot.run_command(interaction, text, ephemeral=private, attachments=photos)
        after = bot.after_command.get(command.name)
        if after is not None:
            await after(interaction, plain)

    callback.__signature__ = _signature(form)  # type: ignore[attr-defined]
    # A plain function's qualname equals its name; discord.py would otherwise take it for a method.
    callback.__name__ = callback.__qualname__ = f"headshot_{form.name.replace('-', '_')}"
    descriptions = {option.name: option.description for option in form.options}
    choices = {
        option.name: [app_commands.Choice(name=label, value=value) for label, value in option.choices]
        for option in form.options
        if option.kind == "choice"
    }
    decorated: Callback = app_commands.describe(**descriptions)(callback) if descriptions else callback
    completions = {
        option.name: _autocomplete(bot, option.autocomplete) for option in form.options if option.autocomplete
    }
    if completions:
        decorated = app_commands.autocomplete(**completions)(decorated)
    return app_commands.choices(**choices)(decorated) if choices else decorated


def _autocomplete(
    bot: DiscordBot, kind: str
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=value)
            for label, value in await bot.suggest(interaction, kind, current)
        ]

    return complete


def bot_is_present(interaction: discord.Interaction[Any]) -> bool:
    """Whether the bot itself is there: a server that added it, or a DM with it. Not in a group DM or a
    DM between people, nor in a server where only the user installed it (Discord's user install)."""
    if interaction.guild_id is not None:
        return interaction.is_guild_integration()
    return not interaction.context.private_channel


async def _may_change_settings(interaction: discord.Interaction[Any]) -> bool:
    # Discord applies default_member_permissions only to top-level commands, so a subcommand checks the
    # caller's resolved permissions itself (never a role name).
    if interaction.guild is None:
        await interaction.response.send_message(
            "This setting belongs to a server; run it there.", ephemeral=True
        )
        return False
    if not interaction.permissions.manage_guild:
        await interaction.response.send_message(
            "Only members with the Manage Server permission can change this.", ephemeral=True
        )
        return False
    return True


def build_review_menu(bot: DiscordBot) -> app_commands.ContextMenu:
    """Right-click a message → Apps → "Review photo": that message's images, reviewed for the user only."""

    async def review_photo(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        await bot.review_message(interaction, message)

    return app_commands.ContextMenu(
        name=REVIEW_PHOTO_MENU,
        callback=review_photo,
        type=discord.AppCommandType.message,
        allowed_installs=INSTALLS,
        allowed_contexts=CONTEXTS,
    )


def build_headshot_group(bot: DiscordBot) -> app_commands.Group:
    group = app_commands.Group(
        name="headshot",
        description="Profile-photo advice: ask, check a photo, reminders",
        allowed_installs=INSTALLS,
        allowed_contexts=CONTEXTS,
    )
    subgroups: dict[str, app_commands.Group] = {}
    for command in slash_commands():
        form = command.slash
        assert form is not None
        parent = group
        if form.group:
            parent = subgroups.get(form.group) or app_commands.Group(
                name=form.group,
                description="Server settings (needs the Manage Server permission)",
                parent=group,
            )
            subgroups[form.group] = parent
        parent.add_command(
            app_commands.Command(
                name=form.name, description=form.description, callback=_callback(bot, command, form)
            )
        )
    return group
