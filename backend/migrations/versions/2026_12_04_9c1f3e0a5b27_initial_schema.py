"""Initial schema: actors, products, batches and their lineage, EPCIS events and their
identifiers, capture jobs, the outbox, and the chain mirror.

The schema ``create_all`` built before migrations existed (``backend.db.BASELINE_REVISION``):
changing this file changes what a pre-migration database is checked against.

Revision ID: 9c1f3e0a5b27
Revises:
Create Date: 2026-12-04 16:47:42.761393
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "9c1f3e0a5b27"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("gln", sa.String(length=13), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("locality", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("address", name=op.f("uq_actors_address")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_actors_api_key_hash")),
        sa.UniqueConstraint("gln", name=op.f("uq_actors_gln")),
    )
    op.create_table(
        "chain_deployment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("genesis_hash", sa.String(length=66), nullable=False),
        sa.Column("ledger_address", sa.String(length=42), nullable=False),
        sa.Column("deploy_block", sa.BigInteger(), nullable=False),
        sa.Column("deploy_tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_deployment")),
    )
    op.create_table(
        "chain_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_logs")),
        sa.UniqueConstraint(
            "chain_id",
            "tx_hash",
            "log_index",
            name=op.f("uq_chain_logs_chain_id_tx_hash_log_index"),
        ),
    )
    op.create_index(
        op.f("ix_chain_logs_block_number"), "chain_logs", ["block_number"], unique=False
    )
    op.create_index(op.f("ix_chain_logs_event_hash"), "chain_logs", ["event_hash"], unique=False)

    op.create_table(
        "products",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("company_prefix_length", sa.Integer(), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("species", sa.String(length=200), nullable=False),
        sa.Column("net_content_g", sa.BigInteger(), nullable=False),
        sa.Column("ocop_stars", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=False),
        sa.Column("standards", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("gtin", name=op.f("pk_products")),
    )
    op.create_table(
        "sync_checkpoints",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("ledger_address", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "ledger_address", name=op.f("pk_sync_checkpoints")),
    )
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("remaining_g", sa.BigInteger(), nullable=False),
        sa.Column("custodian_id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=False),
        sa.Column("consignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["consignee_id"], ["actors.id"], name=op.f("fk_batches_consignee_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["custodian_id"], ["actors.id"], name=op.f("fk_batches_custodian_id_actors")
        ),
        sa.ForeignKeyConstraint(["gtin"], ["products.gtin"], name=op.f("fk_batches_gtin_products")),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["actors.id"], name=op.f("fk_batches_origin_id_actors")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_batches")),
        sa.UniqueConstraint("gtin", "lot", name=op.f("uq_batches_gtin_lot")),
    )
    op.create_table(
        "capture_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("behaviour", sa.String(length=10), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("captured", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_capture_jobs_actor_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_jobs")),
        sa.UniqueConstraint("capture_id", name=op.f("uq_capture_jobs_capture_id")),
    )
    op.create_table(
        "epcis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("biz_step", sa.String(length=200), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("disposition", sa.String(length=200), nullable=False),
        sa.Column("read_point", sa.String(length=300), nullable=False),
        sa.Column("biz_location", sa.String(length=300), nullable=False),
        sa.Column("transformation_id", sa.String(length=300), nullable=False),
        sa.Column("error_declared", sa.Boolean(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_epcis_events_actor_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_events")),
        sa.UniqueConstraint("event_hash", name=op.f("uq_epcis_events_event_hash")),
        sa.UniqueConstraint("event_id", name=op.f("uq_epcis_events_event_id")),
    )
    op.create_index(op.f("ix_epcis_events_batch_id"), "epcis_events", ["batch_id"], unique=False)
    op.create_index(
        op.f("ix_epcis_events_biz_location"), "epcis_events", ["biz_location"], unique=False
    )
    op.create_index(op.f("ix_epcis_events_biz_step"), "epcis_events", ["biz_step"], unique=False)
    op.create_index(
        op.f("ix_epcis_events_event_time"), "epcis_events", ["event_time"], unique=False
    )
    op.create_index(
        op.f("ix_epcis_events_read_point"), "epcis_events", ["read_point"], unique=False
    )
    op.create_index(
        op.f("ix_epcis_events_record_time"), "epcis_events", ["record_time"], unique=False
    )

    op.create_table(
        "batch_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_batch_id", sa.String(length=66), nullable=False),
        sa.Column("child_batch_id", sa.String(length=66), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_batch_id"],
            ["batches.batch_id"],
            name=op.f("fk_batch_links_child_batch_id_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"], name=op.f("fk_batch_links_event_pk_epcis_events")
        ),
        sa.ForeignKeyConstraint(
            ["parent_batch_id"],
            ["batches.batch_id"],
            name=op.f("fk_batch_links_parent_batch_id_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_links")),
    )
    op.create_index(
        op.f("ix_batch_links_child_batch_id"), "batch_links", ["child_batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_batch_links_parent_batch_id"), "batch_links", ["parent_batch_id"], unique=False
    )

    op.create_table(
        "event_batches",
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.batch_id"], name=op.f("fk_event_batches_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"], name=op.f("fk_event_batches_event_pk_epcis_events")
        ),
        sa.PrimaryKeyConstraint("event_pk", "batch_id", name=op.f("pk_event_batches")),
    )
    op.create_index("ix_event_batches_batch", "event_batches", ["batch_id"], unique=False)

    op.create_table(
        "event_epcs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"], name=op.f("fk_event_epcs_event_pk_epcis_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_epcs")),
    )
    op.create_index(op.f("ix_event_epcs_event_pk"), "event_epcs", ["event_pk"], unique=False)
    op.create_index("ix_event_epcs_key", "event_epcs", ["key", "field"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=True),
        sa.Column("call", sa.String(length=40), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"], name=op.f("fk_outbox_event_pk_epcis_events")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["actors.id"], name=op.f("fk_outbox_sender_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"], unique=False)

    op.create_table(
        "retail_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.String(length=66), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.batch_id"], name=op.f("fk_retail_units_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["epcis_events.id"], name=op.f("fk_retail_units_event_pk_epcis_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retail_units")),
        sa.UniqueConstraint("gtin", "lot", "serial", name=op.f("uq_retail_units_gtin_lot_serial")),
    )
    op.create_index(op.f("ix_retail_units_batch_id"), "retail_units", ["batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_retail_units_batch_id"), table_name="retail_units")

    op.drop_table("retail_units")
    op.drop_index(op.f("ix_outbox_status"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_index("ix_event_epcs_key", table_name="event_epcs")
    op.drop_index(op.f("ix_event_epcs_event_pk"), table_name="event_epcs")

    op.drop_table("event_epcs")
    op.drop_index("ix_event_batches_batch", table_name="event_batches")

    op.drop_table("event_batches")
    op.drop_index(op.f("ix_batch_links_parent_batch_id"), table_name="batch_links")
    op.drop_index(op.f("ix_batch_links_child_batch_id"), table_name="batch_links")

    op.drop_table("batch_links")
    op.drop_index(op.f("ix_epcis_events_record_time"), table_name="epcis_events")
    op.drop_index(op.f("ix_epcis_events_read_point"), table_name="epcis_events")
    op.drop_index(op.f("ix_epcis_events_event_time"), table_name="epcis_events")
    op.drop_index(op.f("ix_epcis_events_biz_step"), table_name="epcis_events")
    op.drop_index(op.f("ix_epcis_events_biz_location"), table_name="epcis_events")
    op.drop_index(op.f("ix_epcis_events_batch_id"), table_name="epcis_events")

    op.drop_table("epcis_events")
    op.drop_table("capture_jobs")
    op.drop_table("batches")
    op.drop_table("sync_checkpoints")
    op.drop_table("products")
    op.drop_index(op.f("ix_chain_logs_event_hash"), table_name="chain_logs")
    op.drop_index(op.f("ix_chain_logs_block_number"), table_name="chain_logs")

    op.drop_table("chain_logs")
    op.drop_table("chain_deployment")
    op.drop_table("actors")
