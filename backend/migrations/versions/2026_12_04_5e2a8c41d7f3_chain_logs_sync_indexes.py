"""chain_logs indexes for the sync: (chain id, block number) instead of block number;
event_hash no longer indexed.

The sync's range query (chain id = ? and block number between ? and ?) could only use
the unique key's leading chain id on SQLite, which has no statistics to prefer the block
number index: it scanned every row of the chain, once per chunk. Lookups by digest go to
chain_anchors, keyed by (chain id, event hash); nothing reads chain_logs by digest, and
keeping a second random-keyed B-tree cost about half of the sync's insert time.

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
    op.drop_index(op.f("ix_chain_logs_block_number"), table_name="chain_logs")
    op.create_index("ix_chain_logs_block", "chain_logs", ["chain_id", "block_number"])


def downgrade() -> None:
    op.drop_index("ix_chain_logs_block", table_name="chain_logs")
    op.create_index(op.f("ix_chain_logs_block_number"), "chain_logs", ["block_number"])
    op.create_index(op.f("ix_chain_logs_event_hash"), "chain_logs", ["event_hash"])
