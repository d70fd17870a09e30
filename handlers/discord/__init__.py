"""The Discord adapter (discord.py): `adapter.py` is what serve and doctor see; `run.py` connects it;
`client.py` holds the listeners; `commands.py` the slash commands; `render.py` turns a reply into embeds."""
