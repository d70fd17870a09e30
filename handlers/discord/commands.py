"""The `/headshot` slash commands. Each one becomes the same text a user could type to the bot, so the
core handles it exactly as a mention or DM; the adapter only adds what the platform knows (the photo,
who is an admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

if TYPE_CHECKING:
    from handlers.discord.client import DiscordBot

PLATFORM_CHOICES = [
    app_commands.Choice(name="LinkedIn", value="linkedin"),
    app_commands.Choice(name="Slack", value="slack"),
    app_commands.Choice(name="Discord", value="discord"),
    app_commands.Choice(name="GitHub", value="github"),
    app_commands.Choice(name="Anywhere (generic)", value="generic"),
]
STATE_CHOICES = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]


def build_headshot_group(adapter: DiscordBot) -> app_commands.Group:
    group = app_commands.Group(
        name="headshot", description="Profile-photo advice: ask, check a photo, reminders"
    )

    @group.command(name="ask", description="Ask a question about headshots; the answer cites its sources")
    @app_commands.describe(question="e.g. are AI headshots ok for LinkedIn?")
    async def ask(interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 1000]) -> None:
        await adapter.run_command(interaction, f"ask {question}", ephemeral=False)

    @group.command(name="check", description="Check a profile photo: face, framing, light, background, age")
    @app_commands.describe(photo="the photo to check", platform="where you will use it")
    @app_commands.choices(platform=PLATFORM_CHOICES)
    async def check(
        interaction: discord.Interaction[Any],
        photo: discord.Attachment,
        platform: app_commands.Choice[str] | None = None,
    ) -> None:
        target = platform.value if platform else "generic"
        text = "check" if target == "generic" else f"check for {target}"
        # A file that is obviously not an image gets its answer privately.
        declared = (photo.content_type or "image/").lower()
        await adapter.run_command(
            interaction, text, ephemeral=not declared.startswith("image/"), attachments=[photo]
        )

    @group.command(name="remind", description="Remind me to refresh my headshot")
    @app_commands.describe(when="e.g. in 18 months, next year, on 2027-03-01, every year")
    async def remind(interaction: discord.Interaction[Any], when: app_commands.Range[str, 1, 200]) -> None:
        await adapter.run_command(interaction, f"remind me {when}", ephemeral=True)

    @group.command(name="reminders", description="List your reminders (only you see them)")
    async def reminders(interaction: discord.Interaction[Any]) -> None:
        await adapter.run_command(interaction, "reminders", ephemeral=True)

    @group.command(name="help", description="What the bot can do")
    async def help_command(interaction: discord.Interaction[Any]) -> None:
        await adapter.run_command(interaction, "help", ephemeral=True)

    admin = app_commands.Group(
        name="admin", description="Server settings (needs the Manage Server permission)", parent=group
    )

    @admin.command(
        name="track-photos",
        description="Suggest photo refreshes when members' avatars have not changed in a long time",
    )
    @app_commands.describe(state="on or off")
    @app_commands.choices(state=STATE_CHOICES)
    async def track_photos(interaction: discord.Interaction[Any], state: app_commands.Choice[str]) -> None:
        # Discord applies default_member_permissions only to top-level commands, so a subcommand
        # checks the caller's resolved permissions itself (never a role name).
        if interaction.guild is None:
            await interaction.response.send_message(
                "This setting belongs to a server; run it there.", ephemeral=True
            )
            return
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message(
                "Only members with the Manage Server permission can change this.", ephemeral=True
            )
            return
        await adapter.run_command(interaction, f"admin track-photos {state.value}", ephemeral=True)
        if state.value == "on":
            await adapter.record_server_avatars(interaction.guild)

    return group
