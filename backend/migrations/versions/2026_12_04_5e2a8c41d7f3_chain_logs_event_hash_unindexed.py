"""chain_logs.event_hash no longer indexed.

Lookups by digest go to chain_anchors, keyed by (chain id, event hash); nothing reads
chain_logs by digest, and keeping a second random-keyed B-tree cost about half of the
sync's insert time into chain_logs.

Revision ID: 5e2a8c41d7f3
Revises: 1db30c854a50
Create Date: 2026-12-04 19:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5e2a8c41d7f3"
down_revision: str | Sequence[str] | None = "1db30c854a50"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_chain_logs_event_hash"), table_name="chain_logs")


def downgrade() -> None:
    op.create_index(op.f("ix_chain_logs_event_hash"), "chain_logs", ["event_hash"], unique=False)
