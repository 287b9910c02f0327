"""Chain mirror: blocks for reorg detection, confirmations, typed domain projections.

New tables chain_blocks, chain_actors, chain_batches, chain_custody, chain_certificates,
chain_anchors, chain_recalls, chain_merkle_roots (rebuilt from chain_logs by
``ocoptrace sync``); chain_logs.confirmed and sync_checkpoints.confirmed_block with server
defaults, so existing rows read as unconfirmed at block 0.

Revision ID: 1db30c854a50
Revises: 9c1f3e0a5b27
Create Date: 2026-12-04 16:58:39.083233
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "1db30c854a50"
down_revision: str | Sequence[str] | None = "9c1f3e0a5b27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_actors",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("roles", sa.Integer(), nullable=False),
        sa.Column("gln", sa.String(length=20), nullable=False),
        sa.Column("name_hash", sa.String(length=66), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "address", name=op.f("pk_chain_actors")),
    )
    op.create_table(
        "chain_anchors",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=True),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "event_hash", name=op.f("pk_chain_anchors")),
    )
    op.create_index(
        "ix_chain_anchors_block", "chain_anchors", ["chain_id", "block_number"], unique=False
    )

    op.create_table(
        "chain_batches",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("custodian", sa.String(length=42), nullable=True),
        sa.Column("origin", sa.String(length=42), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("is_pallet", sa.Boolean(), nullable=False),
        sa.Column("consignee", sa.String(length=42), nullable=True),
        sa.Column("pallet_id", sa.String(length=66), nullable=True),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "batch_id", name=op.f("pk_chain_batches")),
    )
    op.create_index(
        op.f("ix_chain_batches_custodian"), "chain_batches", ["custodian"], unique=False
    )

    op.create_table(
        "chain_blocks",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("parent_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "number", name=op.f("pk_chain_blocks")),
    )
    op.create_table(
        "chain_certificates",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("certificate_id", sa.String(length=66), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("lab", sa.String(length=42), nullable=True),
        sa.Column("document_hash", sa.String(length=66), nullable=True),
        sa.Column("valid_from", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("valid_until", sa.Numeric(precision=20, scale=0), nullable=True),
        sa.Column("event_hash", sa.String(length=64), nullable=True),
        sa.Column("attached_block", sa.BigInteger(), nullable=True),
        sa.Column("revoked_block", sa.BigInteger(), nullable=True),
        sa.Column("revoked_by", sa.String(length=42), nullable=True),
        sa.Column("revocation_reason", sa.String(length=66), nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "certificate_id", name=op.f("pk_chain_certificates")),
    )
    op.create_index(
        "ix_chain_certificates_batch", "chain_certificates", ["chain_id", "batch_id"], unique=False
    )

    op.create_table(
        "chain_custody",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=True),
        sa.Column("consented", sa.Boolean(), nullable=True),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "tx_hash", "log_index", name=op.f("pk_chain_custody")),
    )
    op.create_index(
        "ix_chain_custody_batch", "chain_custody", ["chain_id", "batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_chain_custody_block_number"), "chain_custody", ["block_number"], unique=False
    )

    op.create_table(
        "chain_merkle_roots",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("metadata_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "root", name=op.f("pk_chain_merkle_roots")),
    )
    op.create_index(
        op.f("ix_chain_merkle_roots_block_number"),
        "chain_merkle_roots",
        ["block_number"],
        unique=False,
    )

    op.create_table(
        "chain_recalls",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("reason_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "tx_hash", "log_index", name=op.f("pk_chain_recalls")),
    )
    op.create_index(op.f("ix_chain_recalls_batch_id"), "chain_recalls", ["batch_id"], unique=False)
    op.create_index(
        op.f("ix_chain_recalls_block_number"), "chain_recalls", ["block_number"], unique=False
    )

    with op.batch_alter_table("chain_logs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("sync_checkpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "confirmed_block", sa.BigInteger(), server_default=sa.text("0"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_checkpoints", schema=None) as batch_op:
        batch_op.drop_column("confirmed_block")

    with op.batch_alter_table("chain_logs", schema=None) as batch_op:
        batch_op.drop_column("confirmed")

    op.drop_index(op.f("ix_chain_recalls_block_number"), table_name="chain_recalls")
    op.drop_index(op.f("ix_chain_recalls_batch_id"), table_name="chain_recalls")

    op.drop_table("chain_recalls")
    op.drop_index(op.f("ix_chain_merkle_roots_block_number"), table_name="chain_merkle_roots")

    op.drop_table("chain_merkle_roots")
    op.drop_index(op.f("ix_chain_custody_block_number"), table_name="chain_custody")
    op.drop_index("ix_chain_custody_batch", table_name="chain_custody")

    op.drop_table("chain_custody")
    op.drop_index("ix_chain_certificates_batch", table_name="chain_certificates")

    op.drop_table("chain_certificates")
    op.drop_table("chain_blocks")
    op.drop_index(op.f("ix_chain_batches_custodian"), table_name="chain_batches")

    op.drop_table("chain_batches")
    op.drop_index("ix_chain_anchors_block", table_name="chain_anchors")

    op.drop_table("chain_anchors")
    op.drop_table("chain_actors")
