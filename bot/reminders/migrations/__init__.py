"""Alembic migrations for the reminder store, applied on start by `bot.reminders.database.migrate`."""
