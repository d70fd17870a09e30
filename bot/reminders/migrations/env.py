"""Alembic environment: runs on the connection `bot.reminders.database.migrate` hands over.

There is no alembic.ini: the Config is built in code so the migrations ship inside the package. To write a
new revision, see README, "Reminders".
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.reminders.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through bot.reminders.database.migrate(engine)")

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
# transactional_ddl: SQLite does roll DDL back, so a failed migration leaves the old schema intact.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
