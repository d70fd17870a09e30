"""Reminders, user preferences, workspace settings, avatar sightings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recurrence", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reminders_status_due", "reminders", ["status", "due_at"])
    op.create_index("ix_reminders_owner", "reminders", ["platform", "user", "status"])
    op.create_table(
        "user_preferences",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("user", sa.String(128), primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("suggestions_opted_out", sa.Boolean(), nullable=False),
        sa.Column("refresh_interval_months", sa.Integer(), nullable=True),
    )
    op.create_table(
        "workspace_settings",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("workspace", sa.String(128), primary_key=True),
        sa.Column("photo_tracking", sa.Boolean(), nullable=False),
        sa.Column("refresh_interval_months", sa.Integer(), nullable=False),
    )
    op.create_table(
        "avatar_sightings",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("workspace", sa.String(128), primary_key=True),
        sa.Column("user", sa.String(128), primary_key=True),
        sa.Column("avatar_hash", sa.String(128), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("avatar_sightings")
    op.drop_table("workspace_settings")
    op.drop_table("user_preferences")
    op.drop_index("ix_reminders_owner", table_name="reminders")
    op.drop_index("ix_reminders_status_due", table_name="reminders")
    op.drop_table("reminders")
