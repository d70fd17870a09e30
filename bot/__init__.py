"""headshot-bot's shared core: knows nothing of Slack or Discord."""
