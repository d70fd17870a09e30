"""The Discord adapter (discord.py): slash commands, mentions, DMs, buttons, reminder DMs.

`run_discord` lives in `handlers.discord.run`; importing this package does not import discord.py, so
commands that do not serve Discord stay fast.
"""
