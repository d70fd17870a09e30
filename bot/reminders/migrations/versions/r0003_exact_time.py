"""Reminders remember whether the user named the time ("tonight at 8"): those skip the daytime window.

DESIGN.md: an explicit time is kept as given; the 09:00-18:00 delivery window applies only to reminders
whose time came from arithmetic ("in 18 months" at 09:00, an operator's --at, a refresh suggestion).
Existing rows keep the window (false).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "reminders", sa.Column("exact_time", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("exact_time")
