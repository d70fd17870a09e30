"""Platform deliveries already taken (Slack event_id, trigger_id, message ts), shared by every replica.

Slack retries an event it thinks was missed and may deliver the same one to two replicas; a row here is the
claim that makes exactly one of them answer. Rows expire within the hour and are purged as they do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "handled_events",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_handled_events_expires", "handled_events", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_events_expires", table_name="handled_events")
    op.drop_table("handled_events")
