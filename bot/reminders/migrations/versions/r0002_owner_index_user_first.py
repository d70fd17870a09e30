"""Owner index leads with the user, so PostgreSQL never prefers it for the due-reminder claim.

With (platform, user, status) and no statistics yet (a fresh bulk load), PostgreSQL chose it for the
claim's `platform IN (…) AND status = 'pending'` and sorted every pending row on each claim; with the user
first it cannot, and the claim reads (status, due_at) in order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_index("ix_reminders_owner", table_name="reminders")
    op.create_index("ix_reminders_owner", "reminders", ["user", "platform", "status"])


def downgrade() -> None:
    op.drop_index("ix_reminders_owner", table_name="reminders")
    op.create_index("ix_reminders_owner", "reminders", ["platform", "user", "status"])
