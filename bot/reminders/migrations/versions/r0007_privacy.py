"""Privacy: each person's own consent to proactive messages (off for everyone, so nobody is messaged until
they opt in), and the workspaces the bot was removed from (deliveries stop, data is purged).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "user_preferences",
        sa.Column("suggestions_opted_in", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "workspace_departures",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purge_after", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace"),
    )


def downgrade() -> None:
    op.drop_table("workspace_departures")
    with op.batch_alter_table("user_preferences") as batch:
        batch.drop_column("suggestions_opted_in")
